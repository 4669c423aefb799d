"""The base of every object of the SpikeInterface face: ids, properties, annotations,
provenance, dump and load.

:class:`BaseExtractor` holds what recordings, sortings, events and snippets share:

- *main ids* (channel ids of a recording, unit ids of a sorting) and the conversion of ids
  to positions (:meth:`~BaseExtractor.ids_to_indices`);
- *properties*: one array per key, one value per main id (``set_property`` with
  SpikeInterface's missing-value rules), and *annotations*: a dict of anything;
- *segments*: a list of :class:`BaseSegment`, each knowing its parent by weak reference;
- *provenance*: ``self._kwargs`` are the keyword arguments that rebuild the object, so
  :meth:`~BaseExtractor.to_dict` / :meth:`~BaseExtractor.from_dict`, JSON and pickle dumps
  and :func:`memphys.ephys.load` work for every class whose kwargs are files or nested
  extractors. Objects holding arrays in memory say so in ``self._serializability``.

How a new extractor type plugs in (sortings, events and snippets do this):

1. subclass :class:`BaseExtractor` (or a base of its kind built on it), call
   ``BaseExtractor.__init__(self, main_ids)``, add segments with :meth:`add_segment`, and
   set ``self._kwargs`` to the arguments that rebuild the object;
2. declare ``_main_annotations`` / ``_main_properties`` (always dumped) and, if the class
   mirrors a SpikeInterface class with the same keyword arguments, ``_si_class_path`` (the
   dicts then load in SpikeInterface too);
3. add the SpikeInterface class name and the memphys module to
   :data:`memphys.ephys._registry.KNOWN_CLASSES`, so that dicts and folders naming it load
   without importing everything;
4. implement ``save`` for its folder formats; :func:`memphys.ephys.load` dispatches folders,
   zarr stores, JSON and pickle files through the registries of :mod:`memphys.ephys.loading`.

Every full pass over data runs through :mod:`memphys.engine` (see
:mod:`memphys.ephys.job_tools`).

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> rec = NumpyRecording(np.zeros((100, 3), dtype="int16"), sampling_frequency=1000.0)
>>> rec.set_property("quality", ["good", "bad"], ids=[0, 2])
>>> rec.get_property("quality")
array(['good', '', 'bad'], dtype='<U4')
>>> rec.annotate(date="today"); rec.get_annotation("date")
'today'
>>> rec.ids_to_indices([2, 0])
array([2, 0])
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
import weakref
from collections.abc import Iterable, Sequence
from copy import deepcopy
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.ephys._check import as_id_array, ext_error
from memphys.ephys._registry import register_extractor_class, resolve_extractor_class
from memphys.ephys.core_tools import (
    EphysJsonEncoder,
    check_paths_relative,
    is_dict_extractor,
    make_paths_absolute,
    make_paths_relative,
    retrieve_importing_provenance,
)
from memphys.errors import (
    ExtractorValueError,
    MemphysFutureWarning,
    MemphysKeyError,
    MemphysTypeError,
)

__all__ = [
    "BaseExtractor",
    "BaseSegment",
    "base_peak_dtype",
    "spike_peak_dtype",
    "minimum_spike_dtype",
    "base_period_dtype",
    "unit_period_dtype",
    "write_text_atomic",
    "write_bytes_atomic",
]

# structured dtypes shared across the SpikeInterface API
base_peak_dtype = [
    ("sample_index", "int64"),
    ("channel_index", "int64"),
    ("amplitude", "float64"),
    ("segment_index", "int64"),
]
spike_peak_dtype = [*base_peak_dtype, ("unit_index", "int64")]
minimum_spike_dtype = [
    ("sample_index", "int64"),
    ("unit_index", "int64"),
    ("segment_index", "int64"),
]
base_period_dtype = [
    ("segment_index", "int64"),
    ("start_sample_index", "int64"),
    ("end_sample_index", "int64"),
]
unit_period_dtype = [*base_period_dtype, ("unit_index", "int64")]


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary name, renamed when complete."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary name, renamed when complete."""
    write_bytes_atomic(path, text.encode("utf8"))


def _is_id_sequence(ids: Any) -> bool:
    return isinstance(ids, list | tuple | np.ndarray | range)


class BaseExtractor:
    """Base class of recordings, sortings, events and snippets (see the module docstring)."""

    default_missing_property_values: ClassVar[dict[str, Any]] = {
        "f": np.nan,
        "O": None,
        "S": "",
        "U": "",
    }
    #: annotations and properties always written to provenance dicts
    _main_annotations: ClassVar[list[str]] = ["name"]
    _main_properties: ClassVar[list[str]] = []
    #: properties not copied to derived objects by :meth:`copy_metadata`
    _skip_properties: ClassVar[list[str]] = []
    _precomputable_kwarg_names: ClassVar[list[str]] = []
    #: SpikeInterface class path this class mirrors with the same kwargs (None: none)
    _si_class_path: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_extractor_class(cls)

    def __init__(self, main_ids: Sequence[Any]) -> None:
        self._kwargs: dict[str, Any] = {}
        self._main_ids = as_id_array(main_ids, "ids")
        self._id_positions: dict[Any, int] | None = None
        self._segments: list[Any] = []
        self._annotations: dict[str, Any] = {}
        self._properties: dict[str, Any] = {}
        self._serializability = {"memory": True, "json": True, "pickle": True}
        self.extra_requirements: list[str] = []
        self._preferred_mp_context: str | None = None

    # ---------------------------------------------------------------------- names
    @property
    def name(self) -> str:
        name = self._annotations.get("name", None)
        return str(name) if name is not None else type(self).__name__

    @name.setter
    def name(self, value: str | None) -> None:
        if value is not None:
            self.annotate(name=value)
        else:
            self._annotations.pop("name", None)

    # ------------------------------------------------------------------- segments
    @property
    def segments(self) -> list[Any]:
        """The segments, in order."""
        return self._segments

    def add_segment(self, segment: BaseSegment) -> None:
        """Append a segment and make this object its parent."""
        self._segments.append(segment)
        segment.set_parent_extractor(self)

    def get_num_segments(self) -> int:
        """Number of segments."""
        return len(self._segments)

    def get_parent(self) -> BaseExtractor | None:
        """The object this one derives from (slices, selections), or None."""
        return getattr(self, "_parent", None)

    def _check_segment_index(self, segment_index: int | None = None) -> int:
        n = self.get_num_segments()
        if segment_index is None:
            if n == 1:
                return 0
            raise ExtractorValueError(
                f"Multi-segment object. Provide 'segment_index': this {type(self).__name__} "
                f"has {n} segments, so `segment_index` must be given (0 to {n - 1})."
            )
        if isinstance(segment_index, bool) or not isinstance(segment_index, int | np.integer):
            raise ext_error("segment_index", f"an integer in [0, {n})", segment_index)
        i = int(segment_index)
        if not 0 <= i < n:
            raise ext_error("segment_index", f"an integer in [0, {n})", segment_index)
        return i

    # ------------------------------------------------------------------------ ids
    def _positions(self) -> dict[Any, int]:
        if self._id_positions is None:
            self._id_positions = {v: i for i, v in enumerate(self._main_ids.tolist())}
        return self._id_positions

    def ids_to_indices(
        self, ids: Iterable[Any] | None = None, prefer_slice: bool = False
    ) -> np.ndarray | slice:
        """Positions of ``ids`` among the main ids (a slice when consecutive and
        ``prefer_slice``).

        Raises
        ------
        memphys.errors.ExtractorValueError
            If some ids are not ids of this object (the message lists them).
        """
        if ids is None:
            return slice(None) if prefer_slice else np.arange(len(self._main_ids))
        if not _is_id_sequence(ids):
            raise ext_error("ids", "a list, tuple or array of ids", ids)
        pos = self._positions()
        values = ids.tolist() if isinstance(ids, np.ndarray) else list(ids)
        indices = np.empty(len(values), dtype=np.int64)
        missing = []
        for k, v in enumerate(values):
            try:
                indices[k] = pos[v]
            except (KeyError, TypeError):
                missing.append(v)
        if missing:
            shown = self._main_ids[:20].tolist()
            more = "" if len(self._main_ids) <= 20 else f" ... ({len(self._main_ids)} in all)"
            raise ExtractorValueError(
                f"IDs {missing[:20]} are not ids of the extractor: available ids are {shown}"
                f"{more} with dtype {self._main_ids.dtype}."
            )
        if prefer_slice and indices.size and np.all(np.diff(indices) == 1):
            return slice(int(indices[0]), int(indices[-1]) + 1)
        return indices

    def id_to_index(self, id: Any) -> int:
        """Position of one id."""
        return int(self.ids_to_indices([id])[0])  # type: ignore[index]

    # ----------------------------------------------------------------- annotations
    def annotate(self, **new_annotations: Any) -> None:
        """Add or overwrite annotations."""
        self._annotations.update(new_annotations)

    def set_annotation(self, annotation_key: str, value: Any, overwrite: bool = False) -> None:
        """Add one annotation; an existing key needs ``overwrite=True``."""
        if annotation_key in self._annotations and not overwrite:
            raise ExtractorValueError(
                f"{annotation_key} is already an annotation key. Use 'overwrite=True' to "
                "overwrite it."
            )
        self._annotations[annotation_key] = value

    def delete_annotation(self, annotation_key: str) -> None:
        """Remove an annotation (ValueError if absent, as in SpikeInterface)."""
        if annotation_key not in self._annotations:
            raise ExtractorValueError(
                f"{annotation_key} is not an annotation key: annotation keys are "
                f"{list(self._annotations)}."
            )
        del self._annotations[annotation_key]

    def get_annotation(self, key: str, copy: bool = True) -> Any:
        """An annotation (a deep copy by default), or None."""
        v = self._annotations.get(key, None)
        return deepcopy(v) if copy else v

    def get_annotation_keys(self) -> list[str]:
        """Names of the annotations."""
        return list(self._annotations.keys())

    def get_preferred_mp_context(self) -> str | None:
        """The multiprocessing start method this object prefers (None: no preference)."""
        return self._preferred_mp_context

    # ------------------------------------------------------------------ properties
    def set_property(
        self,
        key: str,
        values: Any,
        ids: Iterable[Any] | None = None,
        missing_value: Any = None,
    ) -> None:
        """Set a property: one value per main id, or values for a subset ``ids``.

        For a new property set on a subset, the other ids get ``missing_value``, by default
        NaN for floats, ``""`` for strings and None for objects; integer and boolean
        properties need an explicit ``missing_value``. ``values=None`` removes the property.

        Raises
        ------
        memphys.errors.ExtractorValueError
            On a wrong number of values, repeated ids, unknown ids, or a ``missing_value``
            of another kind than the values.
        """
        if values is None:
            self._properties.pop(key, None)
            return
        if not isinstance(key, str):
            raise ext_error("key", "a property name (str)", key)
        size = self._main_ids.size
        values = np.array(values, copy=True)
        if values.ndim == 0:
            raise ext_error("values", f"one value per id ({size} values)", values.item())
        kind = values.dtype.kind
        if ids is None:
            if values.shape[0] != size:
                raise ExtractorValueError(
                    f"Invalid value for `values` of property {key!r}: expected {size} values "
                    f"(one per id), but got {values.shape[0]}."
                )
            self._properties[key] = values
            return
        id_array = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if np.unique(id_array).size != id_array.size:
            vals, counts = np.unique(id_array, return_counts=True)
            raise ExtractorValueError(f"IDs are not unique: {vals[counts > 1].tolist()}.")
        if id_array.size != values.shape[0]:
            raise ExtractorValueError(
                f"Invalid value for `values` of property {key!r}: expected {id_array.size} "
                f"values (one per id in `ids`), but got {values.shape[0]}."
            )
        indices = self.ids_to_indices(id_array)
        if id_array.size < size:
            if key not in self._properties:
                if missing_value is None:
                    if kind not in self.default_missing_property_values:
                        raise ExtractorValueError(
                            f"Can't infer a natural missing value for dtype {kind} (property "
                            f"{key!r} set on {id_array.size} of {size} ids). Please provide it "
                            "with the `missing_value` argument."
                        )
                    missing_value = self.default_missing_property_values[kind]
                elif np.array(missing_value).dtype.kind != kind:
                    raise ExtractorValueError(
                        f"Mismatch between values and missing_value types: values of kind "
                        f"{kind!r} ({values.dtype}) but missing_value {missing_value!r} of kind "
                        f"{np.array(missing_value).dtype.kind!r}. Provide a missing_value with "
                        "the same type as the values."
                    )
                shape = (size, *values.shape[1:])
                if kind == "U":
                    width = max(
                        int(np.max(np.char.str_len(values))) if values.size else 0,
                        len(str(missing_value)),
                        1,
                    )
                    full = np.full(shape, missing_value, dtype=f"<U{width}")
                else:
                    full = np.zeros(shape, dtype=values.dtype)
                    full[:] = missing_value
                self._properties[key] = full
                if id_array.size == 0:
                    return
            else:
                existing = self._properties[key]
                if existing.dtype.kind != kind:
                    raise ExtractorValueError(
                        f"Mismatch between existing property dtype {existing.dtype.kind} and "
                        f"provided values dtype {kind} for property {key!r}."
                    )
                self._properties[key] = existing.copy()
            if kind == "U":
                current = self._properties[key]
                width = max(current.dtype.itemsize // 4, values.dtype.itemsize // 4, 1)
                self._properties[key] = current.astype(f"<U{width}")
            self._properties[key][indices] = values
        else:
            full = np.zeros_like(values)
            full[indices] = values
            self._properties[key] = full

    def get_property(self, key: str, ids: Iterable[Any] | None = None) -> Any:
        """A property's values (for ``ids`` if given), or None if it is not set."""
        values = self._properties.get(key, None)
        if ids is not None and values is not None:
            values = values[self.ids_to_indices(ids)]
        return values

    def get_property_keys(self) -> list[str]:
        """Names of the properties."""
        return list(self._properties.keys())

    def delete_property(self, key: str) -> None:
        """Remove a property (KeyError if absent)."""
        if key not in self._properties:
            raise MemphysKeyError(
                f"{key} is not a property key: property keys are {list(self._properties)}."
            )
        del self._properties[key]

    def copy_metadata(
        self,
        other: BaseExtractor,
        only_main: bool = False,
        ids: Iterable[Any] | slice | None = None,
        skip_properties: Iterable[str] | None = None,
    ) -> None:
        """Copy annotations and properties (restricted to ``ids``) to ``other``.

        ``other``'s annotations are replaced; properties listed in ``other._skip_properties``
        (cached noise levels, ...) or ``skip_properties`` are not copied.
        """
        inds: Any
        if ids is None:
            inds = slice(None)
        elif isinstance(ids, slice):
            inds = ids
        else:
            ids = list(ids) if not isinstance(ids, np.ndarray) else ids
            inds = slice(0, 0) if len(ids) == 0 else self.ids_to_indices(ids)
        if only_main:
            ann_keys = [k for k in BaseExtractor._main_annotations if k in self._annotations]
            prop_keys = [k for k in BaseExtractor._main_properties if k in self._properties]
        else:
            ann_keys = list(self._annotations)
            prop_keys = list(self._properties)
        other._annotations = deepcopy({k: self._annotations[k] for k in ann_keys})
        skip = list(other._skip_properties) + list(skip_properties or [])
        for k in prop_keys:
            if k in skip:
                continue
            values = self._properties[k]
            if values is not None:
                other.set_property(k, values[inds])
        other.extra_requirements.extend(self.extra_requirements)
        if self._preferred_mp_context is not None:
            other._preferred_mp_context = self._preferred_mp_context
        if not only_main:
            self._extra_metadata_copy(other)

    def _extra_metadata_copy(self, other: BaseExtractor) -> None:
        """Hook: copy metadata kept outside annotations and properties (the probe)."""

    # ------------------------------------------------------------------ provenance
    def to_dict(
        self,
        include_annotations: bool = False,
        include_properties: bool = False,
        include_extra_metadata: bool = True,
        relative_to: str | Path | None = None,
        recursive: bool = False,
    ) -> dict[str, Any]:
        """The provenance dict: class, module, version, kwargs, annotations, properties.

        ``recursive=True`` turns nested extractors of the kwargs into dicts too;
        ``relative_to`` (only with ``recursive``) writes existing paths relative to that
        folder. :meth:`from_dict` (or :func:`memphys.ephys.load`) rebuilds the object.
        """
        if relative_to and not recursive:
            raise ExtractorValueError("`relative_to` is only possible when `recursive=True`.")
        kwargs = self._kwargs
        if recursive:

            def conv(x: Any) -> Any:
                if not isinstance(x, BaseExtractor):
                    return x
                return x.to_dict(
                    include_annotations=include_annotations,
                    include_properties=include_properties,
                    relative_to=None,
                    recursive=True,
                )

            new_kwargs: dict[str, Any] = {}
            for name, value in self._kwargs.items():
                if isinstance(value, list):
                    new_kwargs[name] = [conv(v) for v in value]
                elif isinstance(value, dict):
                    new_kwargs[name] = {k: conv(v) for k, v in value.items()}
                else:
                    new_kwargs[name] = conv(value)
            kwargs = new_kwargs
        d: dict[str, Any] = dict(retrieve_importing_provenance(type(self)))
        d["kwargs"] = kwargs
        if include_annotations:
            d["annotations"] = self._annotations
        else:
            d["annotations"] = {
                k: self._annotations[k]
                for k in self._main_annotations
                if self._annotations.get(k) is not None
            }
        if include_properties:
            d["properties"] = self._properties
        else:
            d["properties"] = {k: self._properties.get(k, None) for k in self._main_properties}
        if relative_to is None:
            d["relative_paths"] = False
        else:
            folder = Path(relative_to).resolve()
            if not folder.is_dir():
                raise ext_error("relative_to", "an existing folder", str(relative_to))
            if check_paths_relative(d, folder):
                d = make_paths_relative(d, folder)
                d["relative_paths"] = True
            else:
                d["relative_paths"] = False
        if include_extra_metadata:
            self._extra_metadata_to_dict(d)
        return d

    @staticmethod
    def from_dict(dictionary: dict[str, Any], base_folder: Path | str | None = None) -> Any:
        """Rebuild an object from :meth:`to_dict`'s output (``base_folder`` resolves
        relative paths)."""
        if not isinstance(dictionary, dict):
            raise MemphysTypeError(
                f"Invalid type for `dictionary`: expected a dict from to_dict(), but got "
                f"{type(dictionary).__name__}."
            )
        if dictionary.get("relative_paths", False):
            if base_folder is None:
                raise ExtractorValueError(
                    "This dict was written with relative paths (relative_paths=True): pass "
                    "`base_folder`, the folder they are relative to."
                )
            dictionary = make_paths_absolute(dictionary, base_folder)
        return _load_extractor_from_dict(dictionary)

    def clone(self) -> Any:
        """A new object rebuilt from this one's provenance, with its metadata."""
        d = deepcopy(self.to_dict(include_annotations=True, include_properties=True))
        return BaseExtractor.from_dict(d)

    def check_serializability(self, type: str) -> bool:
        """True if this object (and every nested extractor) can go to ``type``:
        ``"memory"`` (other processes), ``"json"`` or ``"pickle"`` (files)."""
        for value in self._kwargs.values():
            items = (
                value
                if isinstance(value, list)
                else list(value.values())
                if isinstance(value, dict)
                else [value]
            )
            for v in items:
                if isinstance(v, BaseExtractor) and not v.check_serializability(type):
                    return False
        return bool(self._serializability[type])

    def _not_serializable(self, what: str) -> ExtractorValueError:
        return ExtractorValueError(
            f"The extractor is not {what} serializable: {type(self).__name__} (or an object "
            "it derives from) holds its data in memory and cannot be written to a file. Save "
            "it first (recording.save(folder=...)) and dump the saved object."
        )

    @staticmethod
    def _get_file_path(file_path: str | Path, extensions: Sequence[str]) -> Path:
        p = Path(file_path)
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.suffix == "":
            p = p.parent / (p.name + extensions[0])
        if p.suffix not in extensions:
            raise ext_error("file_path", f"a file ending in {', '.join(extensions)}", str(p))
        return p

    def dump(self, file_path: str | Path, relative_to: Any = None) -> None:
        """Dump to ``.json`` or ``.pkl``/``.pickle`` (by the file's extension)."""
        s = str(file_path)
        if s.endswith(".json"):
            self.dump_to_json(file_path, relative_to=relative_to)
        elif s.endswith((".pkl", ".pickle")):
            self.dump_to_pickle(file_path, relative_to=relative_to)
        else:
            raise ext_error("file_path", "a file ending in .json, .pkl or .pickle", s)

    def dump_to_json(
        self,
        file_path: str | Path | None = None,
        relative_to: str | Path | bool | None = None,
        include_extra_metadata: bool = True,
        include_properties: bool = False,
        include_annotations: bool = True,
    ) -> None:
        """Write the provenance dict as JSON (``relative_to=True``: relative to the
        file's folder). Reload with :func:`memphys.ephys.load`."""
        if file_path is None:
            raise ext_error("file_path", "a path ending in .json", None)
        if not self.check_serializability("json"):
            raise self._not_serializable("json")
        rel: Path | None = None
        if relative_to:
            rel = (Path(file_path).parent if relative_to is True else Path(relative_to)).resolve()
        d = self.to_dict(
            include_annotations=include_annotations,
            include_properties=include_properties,
            include_extra_metadata=include_extra_metadata,
            relative_to=rel,
            recursive=True,
        )
        path = self._get_file_path(file_path, [".json"])
        write_text_atomic(path, json.dumps(d, indent=4, cls=EphysJsonEncoder))

    def dump_to_pickle(
        self,
        file_path: str | Path | None = None,
        relative_to: str | Path | bool | None = None,
        include_properties: bool = True,
    ) -> None:
        """Write the provenance dict as a pickle. Reload with :func:`memphys.ephys.load`."""
        if file_path is None:
            raise ext_error("file_path", "a path ending in .pkl or .pickle", None)
        if not self.check_serializability("pickle"):
            raise self._not_serializable("pickle")
        rel: Path | None = None
        if relative_to:
            rel = (Path(file_path).parent if relative_to is True else Path(relative_to)).resolve()
        d = self.to_dict(
            include_annotations=True,
            include_properties=include_properties,
            relative_to=rel,
            recursive=rel is not None,
        )
        path = self._get_file_path(file_path, [".pkl", ".pickle"])
        write_bytes_atomic(path, pickle.dumps(d))

    @staticmethod
    def load(file_or_folder_path: str | Path, base_folder: Path | str | bool | None = None) -> Any:
        """Load an object from a JSON/pickle dump or a saved folder (see
        :func:`memphys.ephys.load`)."""
        from memphys.ephys.loading import load

        return load(file_or_folder_path, base_folder=base_folder)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # pickled (and copied) through the provenance dict, as in SpikeInterface, but with
        # every annotation and property so that a copy equals the original
        return (BaseExtractor.from_dict, (self.to_dict(True, True),))

    def _extra_metadata_from_dict(self, dump_dict: dict[str, Any]) -> None:
        """Hook: restore metadata written by :meth:`_extra_metadata_to_dict`."""

    def _extra_metadata_to_dict(self, dump_dict: dict[str, Any]) -> None:
        """Hook: add metadata kept outside annotations and properties (probe, times)."""

    # ---------------------------------------------------------------------- saving
    def save(self, **kwargs: Any) -> Any:
        """Save to a folder or to memory; implemented by recordings and sortings."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved.")

    def save_to_memory(self, sharedmem: bool = True, **save_kwargs: Any) -> Any:
        """Legacy spelling of ``save(format="memory")``."""
        warnings.warn(
            "save_to_memory() should be save(format='memory')", MemphysFutureWarning, stacklevel=2
        )
        return self.save(format="memory", sharedmem=sharedmem, **save_kwargs)

    def save_to_folder(
        self,
        name: str | None = None,
        folder: str | Path | None = None,
        overwrite: bool = False,
        verbose: bool = True,
        **save_kwargs: Any,
    ) -> Any:
        """Legacy spelling of ``save(format="binary", folder=...)``."""
        warnings.warn(
            "save_to_folder() should be recording.save(format='binary') or "
            "sorting.save(format='numpy_folder').",
            MemphysFutureWarning,
            stacklevel=2,
        )
        return self.save(folder=folder, overwrite=overwrite, verbose=verbose, **save_kwargs)

    def save_to_zarr(
        self, name: str | None = None, folder: str | Path | None = None, **kw: Any
    ) -> Any:
        """Legacy spelling of ``save(format="zarr", folder=...)``."""
        warnings.warn(
            "save_to_zarr() should be recording.save(format='zarr')",
            MemphysFutureWarning,
            stacklevel=2,
        )
        return self.save(folder=folder, format="zarr", **kw)


def _load_extractor_from_dict(dic: dict[str, Any]) -> Any:
    """Instantiate the class a provenance dict names, with its kwargs and metadata."""
    if not isinstance(dic, dict) or "kwargs" not in dic or "class" not in dic:
        found = sorted(dic) if isinstance(dic, dict) else type(dic).__name__
        raise ExtractorValueError(
            "This dict cannot be loaded into an extractor: expected the keys 'class' and "
            f"'kwargs' (a to_dict() output), but got {found}."
        )

    def conv(x: Any) -> Any:
        return _load_extractor_from_dict(x) if is_dict_extractor(x) else x

    new_kwargs: dict[str, Any] = {}
    for name, value in dic["kwargs"].items():
        if is_dict_extractor(value):
            new_kwargs[name] = _load_extractor_from_dict(value)
        elif isinstance(value, dict):
            new_kwargs[name] = {k: conv(v) for k, v in value.items()}
        elif isinstance(value, list):
            new_kwargs[name] = [conv(v) for v in value]
        else:
            new_kwargs[name] = value
    cls = resolve_extractor_class(dic["class"])
    compat = getattr(cls, "_handle_kwargs_backward_compatibility", None)
    if compat is not None:
        new_kwargs = compat(new_kwargs, dic)
    extractor = cls(**new_kwargs)
    extractor._annotations.update(dic.get("annotations", {}) or {})
    for k, v in (dic.get("properties", {}) or {}).items():
        if v is not None:
            extractor.set_property(k, v)
    extractor._extra_metadata_from_dict(dic)
    hook = getattr(extractor, "_handle_extractor_backward_compatibility", None)
    if hook is not None:
        hook()
    return extractor


class BaseSegment:
    """Base class of segments: a weak reference to the parent object."""

    def __init__(self) -> None:
        self._parent_extractor: Any = None

    @property
    def parent_extractor(self) -> Any:
        """The object this segment belongs to (None if it was garbage-collected)."""
        ref = self._parent_extractor
        return None if ref is None else ref()

    def set_parent_extractor(self, parent_extractor: BaseExtractor) -> None:
        self._parent_extractor = weakref.ref(parent_extractor)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_parent_extractor"] = None  # a weak reference cannot be pickled
        return state
