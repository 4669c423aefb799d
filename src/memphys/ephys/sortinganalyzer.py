"""SortingAnalyzer: a sorting paired with its recording, and the extensions computed on them.

SpikeInterface 0.105's object (``create_sorting_analyzer``, ``load_sorting_analyzer``,
``SortingAnalyzer``): accessors, main channels, sparsity, extensions
(:mod:`memphys.ephys.analyzer_extension`, core ones in
:mod:`memphys.ephys.analyzer_extension_core`), saving to memory, a binary folder or a zarr
store in SpikeInterface's layouts (:mod:`memphys.ephys.analyzer_storage`), and curation
(``select_units``, ``remove_units``, ``merge_units``, ``split_units``; sortings rebuilt by
:mod:`memphys.ephys.analyzer_curation`).

What memphys adds: ``compute`` of several core extensions is **one** pass over the
recording that reads only the selected spikes' windows (and the noise chunks); waveforms go
block by block to the store; templates are float64 with a stable standard deviation;
folders and stores are written crash-safely and never hold a pickle; an in-memory analyzer
keeps a lazy sorting lazy until an extension needs its spike vector. Differences are listed
in ``docs/compat.md``.

Examples
--------
>>> import memphys.ephys as si
>>> rec, sorting = si.generate_ground_truth_recording(num_channels=4, num_units=10, seed=0)
>>> analyzer = si.create_sorting_analyzer(sorting, rec, job_kwargs={"progress_bar": False})
>>> print(analyzer)
SortingAnalyzer: 4 channels - 10 units - 1 segments - memory - sparse - has recording
Loaded 0 extensions
>>> analyzer.compute(["random_spikes", "templates"], progress_bar=False)
>>> analyzer.get_extension("templates").get_data().shape
(10, 75, 4)
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys import analyzer_storage as storage
from memphys.ephys._check import check_in
from memphys.ephys.analyzer_create import (
    _memory_sorting,
    create_sorting_analyzer,
)
from memphys.ephys.analyzer_extension import (
    AnalyzerExtension,
    _builtin_extensions,
    _extension_children,
    _get_children_dependencies,
    _require_class,
    _sort_extensions_by_dependency,
    get_available_analyzer_extensions,
    get_default_analyzer_extension_params,
    get_extension_class,
    register_result_extension,
)
from memphys.ephys.sparsity import ChannelSparsity
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "SortingAnalyzer",
    "create_sorting_analyzer",
    "load_sorting_analyzer",
    "AnalyzerExtension",
    "register_result_extension",
    "get_extension_class",
    "get_available_analyzer_extensions",
    "get_default_analyzer_extension_params",
    "_sort_extensions_by_dependency",
    "_get_children_dependencies",
    "_extension_children",
    "_builtin_extensions",
]

_FUSED = ("waveforms", "templates", "noise_levels")
_SIGNS = ("both", "neg", "pos")
_MODES = ("extremum", "at_index", "peak_to_peak")


def _need(cond: bool, msg: str) -> None:
    if not cond:
        raise ExtractorValueError(msg)


def load_sorting_analyzer(
    folder: str | Path,
    load_extensions: bool = True,
    format: str = "auto",
    backend_options: dict[str, Any] | None = None,
    lazy: bool = False,
    read_only: bool = False,
) -> SortingAnalyzer:
    """Load a SortingAnalyzer from a binary folder or a zarr store (``format="auto"``:
    zarr when the name ends in ``.zarr``). Its recording is rebuilt from the saved
    provenance when possible, else the analyzer is recordingless (a warning)."""
    return SortingAnalyzer.load(
        folder,
        load_extensions=load_extensions,
        format=format,
        backend_options=backend_options,
        lazy=lazy,
        read_only=read_only,
    )


class SortingAnalyzer:
    """A sorting and its recording's attributes, with extensions (module docstring).
    Create it with :func:`create_sorting_analyzer`."""

    def __init__(
        self,
        sorting: Any,
        recording: Any = None,
        format: str = "memory",
        rec_attributes: dict[str, Any] | None = None,
        sparsity: ChannelSparsity | None = None,
        return_in_uV: bool = True,
        peak_sign: str = "both",
        peak_mode: str = "extremum",
        backend_options: dict[str, Any] | None = None,
        lazy: bool = False,
        read_only: bool = False,
    ) -> None:
        self.sorting = sorting
        self._recording = recording
        self.rec_attributes = rec_attributes if rec_attributes is not None else {}
        self.format = format
        self.sparsity = sparsity
        self.return_in_uV = bool(return_in_uV)
        self.peak_sign = peak_sign
        self.peak_mode = peak_mode
        self._main_channel_indices: np.ndarray | None = None
        self.folder: Path | None = None
        self._temporary_recording: Any = None
        self._backend_options = dict(backend_options or {})
        self._lazy = bool(lazy)
        self._read_only = bool(read_only)
        self._position_map: np.ndarray | None = None
        if format == "memory":
            if self._lazy:
                warnings.warn(
                    "Lazy mode is not supported for format='memory'. The extensions will be "
                    "loaded in memory.",
                    ExtractorWarning,
                    stacklevel=2,
                )
                self._lazy = False
            if self._read_only:
                warnings.warn(
                    "Read-only mode is not supported for format='memory'.",
                    ExtractorWarning,
                    stacklevel=2,
                )
                self._read_only = False
        self.extensions: dict[str, AnalyzerExtension] = {}

    def __repr__(self) -> str:
        txt = (
            f"SortingAnalyzer: {self.get_num_channels()} channels - {self.get_num_units()} units "
            f"- {self.get_num_segments()} segments - {self.format}"
        )
        if self.format != "memory" and self._lazy:
            txt += " (lazy)"
        if self.is_sparse():
            txt += " - sparse"
        if self.has_recording():
            txt += " - has recording"
        if self.has_temporary_recording():
            txt += " - has temporary recording"
        ext = f"Loaded {len(self.extensions)} extensions"
        if self.extensions:
            ext += f": {', '.join(self.extensions)}"
        return txt + "\n" + ext

    # ------------------------------------------------------------ create / load
    @classmethod
    def _create(
        cls,
        sorting: Any,
        recording: Any,
        format: str,
        folder: Any,
        sparsity: Any,
        return_in_uV: bool,
        peak_sign: str,
        peak_mode: str,
        rec_attributes: dict[str, Any],
        backend_options: Any,
        lazy: bool = False,
        finish: bool = True,
        overwrite: bool = False,
    ) -> SortingAnalyzer:
        """A new analyzer; for folder formats written under a partial name, renamed at
        once (``finish=True``) or by the caller once its extensions are in."""
        if format == "memory":
            return cls(
                _memory_sorting(sorting),
                recording,
                "memory",
                dict(rec_attributes),
                sparsity,
                return_in_uV,
                peak_sign,
                peak_mode,
            )
        folder = Path(folder)
        if folder.exists() and not overwrite:
            raise ExtractorValueError(f"Folder {folder} already exists")
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = storage.partial_path(folder)
        if tmp.exists():
            shutil.rmtree(tmp)
        settings = {"return_in_uV": return_in_uV, "peak_sign": peak_sign, "peak_mode": peak_mode}
        saving = (backend_options or {}).get("saving_options")
        try:
            storage.write_analyzer(
                tmp, format, sorting, recording, rec_attributes, sparsity, settings, saving
            )
            where = tmp
            if finish:
                storage.finish_partial(tmp, folder, overwrite=overwrite)
                where = folder
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        loaded = storage.read_analyzer(where, format, recording=recording)
        an = cls(
            loaded["sorting"],
            recording,
            format,
            dict(rec_attributes),
            sparsity,
            return_in_uV,
            peak_sign,
            peak_mode,
            backend_options,
            lazy,
        )
        an.folder = where
        return an

    @classmethod
    def create(
        cls,
        sorting: Any,
        recording: Any,
        main_channel_indices: Any = None,
        format: str = "memory",
        folder: Any = None,
        lazy: bool = False,
        sparsity: Any = None,
        return_in_uV: bool = True,
        peak_sign: str = "both",
        peak_mode: str = "extremum",
        backend_options: Any = None,
    ) -> SortingAnalyzer:
        """As :func:`create_sorting_analyzer` with ``sparse=False`` unless ``sparsity``."""
        return create_sorting_analyzer(
            sorting,
            recording,
            format=format,
            folder=folder,
            main_channel_indices=main_channel_indices,
            lazy=lazy,
            sparse=False,
            sparsity=sparsity,
            return_in_uV=return_in_uV,
            peak_sign=peak_sign,
            peak_mode=peak_mode,
            backend_options=backend_options,
        )

    @classmethod
    def load(
        cls,
        folder: str | Path,
        recording: Any = None,
        load_extensions: bool = True,
        format: str = "auto",
        backend_options: Any = None,
        lazy: bool = False,
        read_only: bool = False,
    ) -> SortingAnalyzer:
        check_in("format", format, ("auto", "binary_folder", "zarr"))
        folder = Path(folder)
        if format == "auto":
            format = "zarr" if folder.suffix == ".zarr" else "binary_folder"
        d = storage.read_analyzer(folder, format, recording=recording)
        rec_attributes = d["rec_attributes"]
        sorting = d["sorting"]
        sparsity = None
        if d["sparsity_mask"] is not None:
            sparsity = ChannelSparsity(
                d["sparsity_mask"], sorting.unit_ids, rec_attributes["channel_ids"]
            )
        st = d["settings"]
        an = cls(
            sorting,
            d["recording"],
            format,
            rec_attributes,
            sparsity,
            st["return_in_uV"],
            st["peak_sign"],
            st["peak_mode"],
            backend_options,
            lazy,
            read_only,
        )
        an.folder = folder
        if load_extensions and not lazy:
            an.load_all_saved_extension()
        return an

    @classmethod
    def load_from_binary_folder(
        cls, folder: Any, recording: Any = None, **kwargs: Any
    ) -> SortingAnalyzer:
        return cls.load(
            folder, recording=recording, format="binary_folder", load_extensions=False, **kwargs
        )

    @classmethod
    def load_from_zarr(cls, folder: Any, recording: Any = None, **kwargs: Any) -> SortingAnalyzer:
        return cls.load(folder, recording=recording, format="zarr", load_extensions=False, **kwargs)

    def _get_zarr_root(self, mode: str = "r+") -> Any:
        from memphys.ephys import _zarr_v2 as zv2

        check_in("mode", mode, ("r+", "a", "r"))
        _need(self.format == "zarr", "_get_zarr_root() needs a zarr analyzer")
        return zv2.open_group(self.folder, mode=mode)  # type: ignore[arg-type]

    # -------------------------------------------------------------- recording
    def set_temporary_recording(self, recording: Any, check_dtype: bool = True) -> None:
        """Use ``recording`` (same attributes and locations) for computations until reload;
        it is never saved."""
        from memphys.ephys.recording_tools import do_recording_attributes_match

        ok, msg = do_recording_attributes_match(
            recording, self.rec_attributes, check_dtype=check_dtype
        )
        if not ok:
            raise ExtractorValueError(msg)
        if self.get_probegroup() is not None and not np.array_equal(
            recording.get_channel_locations(), self.get_channel_locations()
        ):
            raise ExtractorValueError("Recording channel locations do not match.")
        if self._recording is not None:
            warnings.warn(
                "SortingAnalyzer recording is already set. The current recording is "
                "temporarily replaced.",
                ExtractorWarning,
                stacklevel=2,
            )
        self._temporary_recording = recording

    @property
    def recording(self) -> Any:
        if self._temporary_recording is not None:
            return self._temporary_recording
        if self._recording is None:
            raise ExtractorValueError(
                "SortingAnalyzer could not load the recording (recordingless mode): give it with "
                "set_temporary_recording(recording) or load_sorting_analyzer(..., recording=)."
            )
        return self._recording

    def has_recording(self) -> bool:
        return self._recording is not None

    def has_temporary_recording(self) -> bool:
        return self._temporary_recording is not None

    # ------------------------------------------------------------ properties
    def set_sorting_property(
        self, key: str, values: Any, ids: Any = None, missing_value: Any = None, save: bool = True
    ) -> None:
        """Set a unit property (saved in the folder or store unless ``save=False``)."""
        self.sorting.set_property(key, values, ids=ids, missing_value=missing_value)
        if key == "main_channel_id":
            self._main_channel_indices = None
        if save and self.format != "memory" and not self.is_read_only():
            storage.save_sorting_property(self, key, self.sorting.get_property(key))

    def get_sorting_property(self, key: str, ids: Any = None) -> Any:
        return self.sorting.get_property(key, ids=ids)

    def get_sorting_property_keys(self) -> list[str]:
        return list(self.sorting.get_property_keys())

    def get_recording_property(self, key: str, ids: Any = None) -> Any:
        if self.has_recording() or self.has_temporary_recording():
            return self.recording.get_property(key, ids=ids)
        props = self.rec_attributes.get("properties", {})
        if key not in props:
            raise ExtractorValueError(f"Property {key} not found in recording attributes")
        values = np.asarray(props[key])
        return values if ids is None else values[self.channel_ids_to_indices(ids)]

    def get_recording_property_keys(self) -> list[str]:
        if self.has_recording() or self.has_temporary_recording():
            return list(self.recording.get_property_keys())
        return list(self.rec_attributes.get("properties", {}))

    # ---------------------------------------------------------- main channels
    @property
    def main_channel_indices(self) -> np.ndarray:
        if self._main_channel_indices is None:
            ids = (
                self.get_sorting_property("main_channel_id")
                if "main_channel_id" in self.sorting.get_property_keys()
                else None
            )
            if ids is not None and (self.has_recording() or self.has_temporary_recording()):
                self._main_channel_indices = np.asarray(self.recording.ids_to_indices(ids))
            else:
                main = np.asarray(self._compute_main_channel_backwards_compatibility())
                self.set_sorting_property("main_channel_id", self.channel_ids[main], save=False)
                self._main_channel_indices = main
        return self._main_channel_indices

    def _compute_main_channel_backwards_compatibility(self) -> np.ndarray:
        """Main channels of an analyzer without a recording (see
        :func:`memphys.ephys.analyzer_create.main_channels_without_property`)."""
        from memphys.ephys.analyzer_create import main_channels_without_property

        return main_channels_without_property(self)

    def get_main_channels(self, outputs: str = "index", with_dict: bool = False) -> Any:
        """Each unit's main channel, as positions (``outputs="index"``) or ids."""
        check_in("outputs", outputs, ("index", "id"))
        idx = self.main_channel_indices
        values = idx if outputs == "index" else self.channel_ids[idx]
        return dict(zip(self.unit_ids, values, strict=True)) if with_dict else values

    # -------------------------------------------------------------- accessors
    @property
    def channel_ids(self) -> np.ndarray:
        return np.asarray(self.rec_attributes["channel_ids"])

    @property
    def sampling_frequency(self) -> float:
        return float(self.sorting.get_sampling_frequency())

    def get_sampling_frequency(self) -> float:
        return self.sampling_frequency

    @property
    def unit_ids(self) -> np.ndarray:
        return np.asarray(self.sorting.unit_ids)

    def is_sparse(self) -> bool:
        return self.sparsity is not None

    def is_filtered(self) -> bool:
        return bool(self.rec_attributes.get("is_filtered", False))

    def is_read_only(self) -> bool:
        if self._read_only:
            return True
        if self.format == "memory":
            return False
        return not os.access(self.folder, os.W_OK)  # type: ignore[arg-type]

    def get_sorting_provenance(self) -> Any:
        """The original sorting, if it can be rebuilt from the saved provenance."""
        if self.format == "memory":
            return None
        return storage.load_sorting_provenance(self)

    def get_num_samples(self, segment_index: int | None = None) -> int:
        segment_index = self.sorting._check_segment_index(segment_index)
        return int(self.rec_attributes["num_samples"][segment_index])

    def get_total_samples(self) -> int:
        return int(sum(self.get_num_samples(s) for s in range(self.get_num_segments())))

    def get_total_duration(self) -> float:
        if self.has_recording() or self.has_temporary_recording():
            return float(self.recording.get_total_duration())
        return self.get_total_samples() / self.sampling_frequency

    def get_num_channels(self) -> int:
        return int(self.rec_attributes["num_channels"])

    def get_num_segments(self) -> int:
        return int(self.sorting.get_num_segments())

    def get_num_units(self) -> int:
        return int(self.sorting.get_num_units())

    def get_dtype(self) -> np.dtype[Any]:
        return np.dtype(self.rec_attributes["dtype"])

    def get_probegroup(self) -> Any:
        return self.rec_attributes.get("probegroup")

    def get_probe(self) -> Any:
        pg = self.get_probegroup()
        _need(pg is not None, "This analyzer's recording had no probe attached.")
        _need(len(pg.probes) == 1, "There are several probes. Use `get_probegroup()`")
        return pg.probes[0]

    def get_channel_locations(self) -> np.ndarray:
        """All channels' locations (x, y), in channel order."""
        pg = self.get_probegroup()
        if pg is None:
            loc = self.rec_attributes.get("properties", {}).get("location")
            _need(loc is not None, "This analyzer's recording had no probe and no locations.")
            return np.asarray(loc, dtype=float)
        arr = pg.to_numpy(complete=True)
        arr = arr[np.argsort(arr["device_channel_indices"], kind="stable")]
        dims = ["x", "y"][: pg.ndim]
        return np.stack([arr[d] for d in dims], axis=1).astype(np.float64)

    def channel_ids_to_indices(self, channel_ids: Any) -> np.ndarray:
        ids = list(self.channel_ids.tolist())
        out = []
        for c in np.atleast_1d(np.asarray(channel_ids)).tolist():
            _need(
                c in ids,
                f"Invalid value for `channel_ids`: {c!r} is not a channel of the analyzer.",
            )
            out.append(ids.index(c))
        return np.asarray(out, dtype=int)

    # ------------------------------------------------------------- curation
    def is_aggregated(self) -> bool:
        return (
            "aggregation_key" in self.get_sorting_property_keys()
            and "aggregation_key" in self.get_recording_property_keys()
        )

    def split_by(self) -> dict[Any, SortingAnalyzer]:
        """One analyzer per ``aggregation_key`` of an aggregated analyzer."""
        _need(self.is_aggregated(), "SortingAnalyzer is not aggregated")
        ukeys = np.asarray(self.get_sorting_property("aggregation_key"))
        ckeys = np.asarray(self.get_recording_property("aggregation_key"))
        out = {}
        for k in np.unique(ukeys):
            sub = self.select_units(self.unit_ids[ukeys == k])
            out[k.item() if isinstance(k, np.generic) else k] = sub._select_channels(
                self.channel_ids[ckeys == k]
            )
        return out

    def are_units_mergeable(
        self,
        merge_unit_groups: Any,
        merging_mode: str = "soft",
        sparsity_overlap: float = 0.75,
        return_masks: bool = False,
    ) -> Any:
        from memphys.ephys.analyzer_transforms import are_units_mergeable

        return are_units_mergeable(
            self, merge_unit_groups, merging_mode, sparsity_overlap, return_masks
        )

    def save_as(
        self, format: str = "memory", folder: Any = None, backend_options: Any = None
    ) -> SortingAnalyzer:
        """A copy in another format, with all extensions (written crash-safely)."""
        from memphys.ephys.analyzer_transforms import transform

        return transform(self, format=format, folder=folder, backend_options=backend_options)

    def select_units(
        self, unit_ids: Any, format: str = "memory", folder: Any = None
    ) -> SortingAnalyzer:
        """A new analyzer with only ``unit_ids`` (extensions sliced)."""
        from memphys.ephys.analyzer_transforms import transform

        return transform(self, format=format, folder=folder, unit_ids=unit_ids)

    def remove_units(
        self, remove_unit_ids: Any, format: str = "memory", folder: Any = None
    ) -> SortingAnalyzer:
        """A new analyzer without ``remove_unit_ids``."""
        from memphys.ephys.analyzer_transforms import transform

        missing = [
            u for u in np.atleast_1d(remove_unit_ids).tolist() if u not in self.unit_ids.tolist()
        ]
        _need(
            not missing,
            f"Invalid value for `remove_unit_ids`: {missing} are not units of the analyzer.",
        )
        keep = self.unit_ids[~np.isin(self.unit_ids, remove_unit_ids)]
        return transform(self, format=format, folder=folder, unit_ids=keep)

    def merge_units(
        self, merge_unit_groups: Any, new_unit_ids: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        """Merge groups of units (SpikeInterface's signature; see
        :func:`memphys.ephys.analyzer_transforms.merge_units`)."""
        from memphys.ephys.analyzer_transforms import merge_units

        return merge_units(self, merge_unit_groups, new_unit_ids, *args, **kwargs)

    def split_units(self, split_units: Any, *args: Any, **kwargs: Any) -> Any:
        """Split units (SpikeInterface's signature)."""
        from memphys.ephys.analyzer_transforms import split_units as _split

        return _split(self, split_units, *args, **kwargs)

    def copy(self) -> SortingAnalyzer:
        return self.save_as(format="memory")

    def _select_channels(self, channel_ids: Any) -> SortingAnalyzer:
        from memphys.ephys.analyzer_transforms import select_channels

        return select_channels(self, channel_ids)

    select_channels = _select_channels

    # ----------------------------------------------------------- extensions
    def compute(
        self,
        input: Any,
        save: bool = True,
        extension_params: dict[str, Any] | None = None,
        verbose: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Compute one extension (a name: returns it) or several (a list or dict)."""
        from memphys.ephys.job_tools import split_job_kwargs
        from memphys.ephys.waveform_pass import prefer_threads

        if self._read_only:
            save = False
        kwargs = prefer_threads(kwargs)
        if isinstance(input, str):
            return self.compute_one_extension(input, save=save, verbose=verbose, **kwargs)
        if not isinstance(input, dict | list):
            raise ExtractorValueError("SortingAnalyzer.compute() needs a str, dict or list")
        params, job = split_job_kwargs(kwargs)
        _need(
            not params,
            "Too many arguments for SortingAnalyzer.compute_several_extensions(), please remove "
            f"the arguments {set(params)} from the compute function.",
        )
        if isinstance(input, dict):
            extensions = dict(input)
        else:
            extensions = {k: {} for k in input}
            for name, p in (extension_params or {}).items():
                _need(
                    name in input,
                    f"SortingAnalyzer.compute(): Parameters specified for {name}, which is not "
                    f"in the specified {input}",
                )
                extensions[name] = p
        self.compute_several_extensions(extensions, save=save, verbose=verbose, **job)
        return None

    def _check_dependencies(self, name: str, params: dict[str, Any], also: Any = ()) -> None:
        cls = _require_class(name)
        for dep in cls.get_required_dependencies(**params):
            ok = any(self.has_extension(d) or d in also for d in dep.split("|"))
            _need(
                ok,
                f"Extension {name} requires {dep.replace('|', ' or ')} to be computed first: "
                f"compute it before (or in the same call).",
            )

    def compute_one_extension(
        self, extension_name: str, save: bool = True, verbose: bool = False, **kwargs: Any
    ) -> AnalyzerExtension:
        """Compute one extension (deleting its children first)."""
        from memphys.ephys.job_tools import split_job_kwargs

        if self._read_only:
            save = False
        cls = _require_class(extension_name)
        for child in _get_children_dependencies(extension_name):
            if self.has_extension(child):
                self.delete_extension(child)
        params, job = split_job_kwargs(kwargs)
        if cls.need_recording:
            _need(
                self.has_recording() or self.has_temporary_recording(),
                f"Extension {extension_name} requires the recording",
            )
        self._check_dependencies(extension_name, params)
        ext = cls(self)
        try:
            ext.set_params(save=save, **params)
            if cls.need_job_kwargs:
                ext.run(save=save, verbose=verbose, **job)
            else:
                ext.run(save=save, verbose=verbose)
        except BaseException:
            if save and self.format != "memory":
                ext._delete_extension_folder()
            self.extensions.pop(extension_name, None)
            raise
        self.extensions[extension_name] = ext
        return ext

    def compute_several_extensions(
        self,
        extensions: dict[str, Any],
        save: bool = True,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> None:
        """Compute several extensions in dependency order; the core ones that read the
        recording (waveforms, templates, noise levels) together in one pass."""
        if self._read_only:
            save = False
        job_kwargs.pop("gather_mode", None)
        job_kwargs.pop("gather_kwargs", None)
        names = list(extensions)
        for name, params in extensions.items():
            self._check_dependencies(name, params or {}, also=names)
        ordered = _sort_extensions_by_dependency(extensions)
        for name in ordered:
            for child in _get_children_dependencies(name):
                if child not in ordered or child in self.extensions:
                    self.delete_extension(child)
        fused = [n for n in ordered if n in _FUSED]
        fuse = len(fused) >= 2
        done: set[str] = set()
        for name, params in ordered.items():
            if name in done:
                continue
            if fuse and name in fused:
                self._compute_fused({n: ordered[n] or {} for n in fused}, save, verbose, job_kwargs)
                done.update(fused)
                continue
            cls = _require_class(name)
            kw = dict(params or {})
            if cls.need_job_kwargs:
                kw.update(job_kwargs)
            self.compute_one_extension(name, save=save, verbose=verbose, **kw)
            done.add(name)

    def _compute_fused(
        self,
        requests: dict[str, dict[str, Any]],
        save: bool,
        verbose: bool,
        job_kwargs: dict[str, Any],
    ) -> None:
        from memphys.ephys.analyzer_fused import compute_fused_extensions

        compute_fused_extensions(self, requests, save, verbose, job_kwargs)

    def get_saved_extension_names(self) -> list[str]:
        _need(
            self.format != "memory",
            "SortingAnalyzer.get_saved_extension_names() works only with binary_folder and zarr",
        )
        return storage.saved_extension_names(self)

    def get_extension(self, extension_name: str) -> Any:
        """The extension (loaded from disk on first access), or None if not computed."""
        if extension_name in self.extensions:
            return self.extensions[extension_name]
        if self.format != "memory" and self.has_extension(extension_name):
            return self.load_extension(extension_name)
        return None

    def load_extension(self, extension_name: str) -> Any:
        _need(
            self.format != "memory",
            "SortingAnalyzer.load_extension() does not work for format='memory' use "
            "SortingAnalyzer.get_extension() instead",
        )
        cls = get_extension_class(extension_name)
        if cls is None:
            return None
        ext = cls.load(self, lazy=self._lazy)
        if ext is not None:
            self.extensions[extension_name] = ext
        return ext

    def load_all_saved_extension(self) -> None:
        for name in self.get_saved_extension_names():
            self.load_extension(name)

    def delete_extension(self, extension_name: str) -> None:
        """Forget an extension and remove it from the folder or store."""
        ext = self.extensions.pop(extension_name, None)
        if self.format != "memory" and not self._read_only:
            if ext is not None:
                ext._close_memmaps()
            storage.delete_extension(self, extension_name)

    def get_loaded_extension_names(self) -> list[str]:
        return list(self.extensions)

    def has_extension(self, extension_name: str) -> bool:
        if extension_name in self.extensions:
            return True
        if self.format == "memory":
            return False
        return extension_name in self.get_saved_extension_names()

    def get_computable_extensions(self) -> list[str]:
        return get_available_analyzer_extensions()

    def get_default_extension_params(self, extension_name: str) -> dict[str, Any]:
        return get_default_analyzer_extension_params(extension_name)

    def get_metrics_extension_data(self) -> Any:
        import pandas as pd

        return pd.DataFrame(index=self.unit_ids)
