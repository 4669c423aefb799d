"""``ZarrSortingExtractor``: a sorting in a zarr store, SpikeInterface's layout.

``sorting.save(format="zarr", folder=...)`` writes (zarr format 2, readable by
SpikeInterface 0.105 with ``zarr<3``)::

    folder.zarr/
        .zattrs                  sampling_frequency, num_segments, annotations, provenance
        unit_ids
        spikes/sample_index      delta-filtered, compressed (Blosc zstd + bit shuffle)
        spikes/unit_index
        spikes/segment_slices    (num_segments, 2) start/stop of each segment
        spikes/sample_index_chunk_firsts
        properties/<key>

Opening reads the unit ids and segment slices only; spike counts take one chunked pass
over ``unit_index``; the spike vector (and with it every train) is read, chunk by chunk,
when first asked for. The store is written under a temporary name, renamed when complete.

Examples
--------
>>> import tempfile, pathlib
>>> import memphys.ephys as si
>>> s = si.NumpySorting.from_unit_dict({0: [3, 30], 1: [10]}, 1000.0)
>>> z = s.save(format="zarr", folder=pathlib.Path(tempfile.mkdtemp()) / "sorting")
>>> loaded = si.load(z._kwargs["folder_path"])
>>> z.count_num_spikes_per_unit(), loaded.get_unit_spike_train(0).tolist()
({0: 2, 1: 1}, [3, 30])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.ephys._check import ext_error
from memphys.ephys._folder_write import atomic_folder, check_folder
from memphys.ephys._roles import register_role
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.ephys.core_tools import (
    check_json,
    define_function_from_class,
    is_path_remote,
    retrieve_importing_provenance,
)
from memphys.ephys.sorting_tools import SPIKE_DTYPE
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    FileFormatError,
    MemphysFileNotFoundError,
)

__all__ = ["ZarrSortingExtractor", "read_zarr_sorting", "add_sorting_to_zarr_group"]

#: spikes per read step
_CHUNK = 1 << 20


def _plain(values: Any) -> np.ndarray:
    """zarr 3 reads strings as numpy's StringDType: fixed-width unicode instead."""
    arr = np.asarray(values)
    if arr.dtype.kind in "TO":
        arr = np.array(arr.tolist()) if arr.size else arr.astype("U1")
    return arr


def _open(folder: Path, storage_options: Any) -> Any:
    import zarr

    if is_path_remote(folder):
        raise ExtractorValueError(
            f"Cannot open {folder}: remote zarr stores are not supported by memphys.ephys yet."
        )
    if storage_options:
        raise ExtractorValueError("storage_options: remote zarr stores are not supported yet.")
    if not folder.is_dir():
        raise MemphysFileNotFoundError(
            f"Invalid value for `folder_path`: {str(folder)!r} does not exist."
        )
    try:
        return zarr.open_group(str(folder), mode="r")
    except Exception as exc:  # zarr raises several types
        raise FileFormatError(f"Cannot open {folder} as a zarr group ({exc}).") from exc


@register_role("sorting.zarr")
class ZarrSortingExtractor(BaseSorting):
    """A sorting in a zarr store (see the module docstring).

    Parameters
    ----------
    folder_path : str or Path
    storage_options : dict, optional
        Remote stores are not supported yet (a clear error).
    zarr_group : str, optional
        The group holding the sorting, if not the root.
    lazy_spike_vector : bool, default False
        Accepted for SpikeInterface's signature: the spike vector is always read on demand.
    """

    _si_class_path = "spikeinterface.core.zarrextractors.ZarrSortingExtractor"
    _build_trains_on_access: ClassVar[bool] = True

    def __init__(
        self,
        folder_path: str | Path,
        storage_options: dict[str, Any] | None = None,
        zarr_group: str | None = None,
        lazy_spike_vector: bool = False,
    ) -> None:
        folder = Path(folder_path)
        root = _open(folder, storage_options)
        group = root if zarr_group is None else root[zarr_group]
        fs = group.attrs.get("sampling_frequency", None)
        num_segments = group.attrs.get("num_segments", None)
        if fs is None or num_segments is None or "unit_ids" not in group or "spikes" not in group:
            raise FileFormatError(
                f"{folder} is not a sorting zarr store: expected the attributes sampling_frequency "
                "and num_segments and the arrays unit_ids and spikes/."
            )
        check_folder(folder, "Zarr sorting store")
        BaseSorting.__init__(self, float(fs), _plain(group["unit_ids"][:]))
        spikes = group["spikes"]
        self._z_samples = spikes["sample_index"]
        self._z_units = spikes["unit_index"]
        slices = np.asarray(spikes["segment_slices"][:], dtype=np.int64).reshape(-1, 2)
        if slices.shape[0] != int(num_segments):
            raise FileFormatError(
                f"{folder}: segment_slices has {slices.shape[0]} rows for {num_segments} segments."
            )
        self._segment_slices = slices
        for seg in range(int(num_segments)):
            self.add_sorting_segment(_ZarrSortingSegment(self, seg))
        if "properties" in group:
            for key in group["properties"]:
                self.set_property(key, _plain(group["properties"][key][:]))
        annotations = group.attrs.get("annotations", None)
        if annotations:
            self.annotate(**annotations)
        self._kwargs = {
            "folder_path": str(folder.absolute()),
            "storage_options": storage_options,
            "zarr_group": zarr_group,
            "lazy_spike_vector": lazy_spike_vector,
        }

    def _compute_spike_vector(self) -> np.ndarray:
        n = int(self._z_samples.shape[0])
        spikes = np.empty(n, dtype=SPIKE_DTYPE)
        for a in range(0, n, _CHUNK):
            b = min(n, a + _CHUNK)
            spikes["sample_index"][a:b] = self._z_samples[a:b]
            spikes["unit_index"][a:b] = self._z_units[a:b]
        for seg, (a, b) in enumerate(self._segment_slices):
            spikes["segment_index"][a:b] = seg
        return spikes

    def _compute_and_cache_spike_vector(self) -> None:
        super()._compute_and_cache_spike_vector()
        self._cached_spike_vector_segment_slices = self._segment_slices.copy()

    def _segment_unit_counts(self, segment_index: int) -> np.ndarray:
        a, b = (int(v) for v in self._segment_slices[segment_index])
        counts = np.zeros(self.get_num_units(), dtype=np.int64)
        for lo in range(a, b, _CHUNK):
            u = np.asarray(self._z_units[lo : min(b, lo + _CHUNK)], dtype=np.int64)
            counts += np.bincount(u, minlength=counts.size)[: counts.size]
        return counts

    def _segment_last_frame(self, segment_index: int) -> int:
        a, b = (int(v) for v in self._segment_slices[segment_index])
        return int(self._z_samples[b - 1]) if b > a else 0

    @staticmethod
    def write_sorting(
        sorting: BaseSorting,
        folder_path: str | Path,
        overwrite: bool = False,
        storage_options: dict[str, Any] | None = None,
        relative_to: str | Path | None = None,
        **kwargs: Any,
    ) -> ZarrSortingExtractor:
        """Write ``sorting`` to a zarr store (``.zarr`` appended) and open it.

        ``compressor`` (a numcodecs codec, default Blosc zstd level 5 + bit shuffle) is
        applied to the spike arrays.
        """
        import zarr

        if storage_options:
            raise ExtractorValueError("storage_options: remote zarr stores are not supported yet.")
        folder = Path(folder_path)
        folder = folder if folder.suffix == ".zarr" else folder.with_name(folder.name + ".zarr")
        with atomic_folder(folder, overwrite=overwrite) as tmp:
            root = zarr.open_group(str(tmp), mode="w", zarr_format=2)
            root.attrs["zarr_class_info"] = retrieve_importing_provenance(ZarrSortingExtractor)
            add_sorting_to_zarr_group(sorting, root, relative_to=relative_to, **kwargs)
            zarr.consolidate_metadata(str(tmp))
            del root
        return ZarrSortingExtractor(folder)


class _ZarrSortingSegment(BaseSortingSegment):
    def __init__(self, owner: ZarrSortingExtractor, segment_index: int) -> None:
        BaseSortingSegment.__init__(self)
        self._owner = owner
        self._segment_index = segment_index
        self._counts: np.ndarray | None = None

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        # one chunked scan of the segment (the sorting builds its spike vector instead
        # when trains are asked for with use_cache=True)
        owner = self._owner
        u = owner._unit_index(unit_id)
        a, b = (int(v) for v in owner._segment_slices[self._segment_index])
        parts = []
        for lo in range(a, b, _CHUNK):
            hi = min(b, lo + _CHUNK)
            s = np.asarray(owner._z_samples[lo:hi], dtype=np.int64)
            m = np.asarray(owner._z_units[lo:hi]) == u
            if start_frame is not None:
                m &= s >= start_frame
            if end_frame is not None:
                m &= s < end_frame
            parts.append(s[m])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _spike_counts(self) -> np.ndarray:
        if self._counts is None:
            self._counts = self._owner._segment_unit_counts(self._segment_index)
        return self._counts

    def _last_spike_frame(self) -> int:
        return self._owner._segment_last_frame(self._segment_index)


def add_sorting_to_zarr_group(
    sorting: BaseSorting, zarr_group: Any, relative_to: str | Path | None = None, **kwargs: Any
) -> None:
    """Write ``sorting``'s spikes, unit ids, properties and annotations into a zarr group."""
    from numcodecs import Blosc, Delta

    if sorting.check_serializability("json"):
        zarr_group.attrs["provenance"] = check_json(
            sorting.to_dict(recursive=True, relative_to=relative_to)
        )
    else:
        zarr_group.attrs["provenance"] = None
    n_seg = sorting.get_num_segments()
    zarr_group.attrs["sampling_frequency"] = float(sorting.get_sampling_frequency())
    zarr_group.attrs["num_segments"] = int(n_seg)
    zarr_group.create_array(name="unit_ids", data=np.asarray(sorting.unit_ids), compressors=None)
    compressor = kwargs.get("compressor", Blosc(cname="zstd", clevel=5, shuffle=Blosc.BITSHUFFLE))
    if compressor is not None and not (
        hasattr(compressor, "encode") and hasattr(compressor, "get_config")
    ):
        raise ext_error("compressor", "a numcodecs codec (e.g. numcodecs.Blosc())", compressor)
    spikes = sorting.to_spike_vector()
    group = zarr_group.create_group("spikes")
    for field in ("sample_index", "unit_index"):
        data = np.ascontiguousarray(spikes[field], dtype=np.int64)
        group.create_array(
            name=field,
            data=data,
            compressors=compressor,
            filters=[Delta(dtype="int64")],
        )
    edges = np.searchsorted(spikes["segment_index"], np.arange(n_seg + 1))
    group.create_array(
        name="segment_slices",
        data=np.stack([edges[:-1], edges[1:]], axis=1).astype(np.int64),
        compressors=None,
    )
    chunk = int(group["sample_index"].chunks[0]) if spikes.size else 1
    group.create_array(
        name="sample_index_chunk_firsts",
        data=np.asarray(spikes["sample_index"][::chunk], dtype=np.int64),
        compressors=None,
    )
    props = zarr_group.create_group("properties")
    for key in sorting.get_property_keys():
        values = np.asarray(sorting.get_property(key))
        if values.dtype.kind == "O":
            import warnings

            warnings.warn(
                f"Property {key} not saved because it is a python Object type",
                ExtractorWarning,
                stacklevel=2,
            )
            continue
        props.create_array(name=key, data=values, compressors=None)
    zarr_group.attrs["annotations"] = check_json(sorting._annotations)


read_zarr_sorting = define_function_from_class(ZarrSortingExtractor, "read_zarr_sorting")
