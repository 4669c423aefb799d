"""SpikeInterface's zarr store for recordings: :class:`ZarrRecordingExtractor`, ``read_zarr``.

memphys writes the store with zarr-python 3 in zarr format 2, the format SpikeInterface 0.105
(zarr 2.18) reads, in its layout::

    rec.zarr/                  attributes: sampling_frequency, num_segments, annotations,
                               probegroup, provenance, zarr_class_info
        channel_ids            the channel ids
        traces_seg0 ...        samples x channels, chunked in time (and channels)
        times_seg0 ...         float64 times (segments with a time vector)
        t_starts               float64 start times (NaN: none), if any segment has one
        properties/<key>       one array per property

Traces go through :mod:`memphys.engine`: blocks are aligned with the zarr chunks, so each
worker encodes and writes whole chunks and no chunk has two writers (chunks of local
format-2 stores are encoded with the array's own numcodecs codecs and written as the
chunk files zarr reads; other stores go through zarr's API). Default compression is Blosc
zstd with bit shuffle (level 2 in 1 MiB blocks: as compact as SpikeInterface's level 5 on
recordings, twice as fast; :func:`get_default_zarr_compressor` gives SpikeInterface's);
any numcodecs ``compressor`` and ``filters`` are accepted. The store is written as
``<name>.zarr.partial`` and renamed when complete.

Reading opens format-2 and format-3 stores; traces and time vectors stay lazy
(:class:`memphys.arrays.ZarrArray` adapters, read in contiguous frame ranges).

Examples
--------
>>> import tempfile, os
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=4, durations=[1.0], seed=0)
>>> z = rec.save(format="zarr", folder=os.path.join(tempfile.mkdtemp(), "rec"),
...              progress_bar=False)
>>> type(z).__name__, z.get_num_samples()
('ZarrRecordingExtractor', 30000)
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.engine import Block, Sink, SinkContext, SinkWorker
from memphys.ephys._check import ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.baserecording import ArrayRecordingSegment, BaseRecording
from memphys.ephys.binaryfolder import check_folder_record, writing_folder
from memphys.ephys.core_tools import check_json, is_path_remote, retrieve_importing_provenance
from memphys.errors import ExtractorValueError, ExtractorWarning, MemphysFileNotFoundError

__all__ = [
    "ZarrRecordingExtractor",
    "read_zarr",
    "read_zarr_recording",
    "get_default_zarr_compressor",
    "default_compressor",
    "add_recording_to_zarr_group",
    "add_properties_and_annotations",
    "super_zarr_open",
]


def get_default_zarr_compressor(clevel: int = 5) -> Any:
    """SpikeInterface's default compressor: Blosc zstd (``clevel``) with bit shuffle."""
    from numcodecs import Blosc

    return Blosc(cname="zstd", clevel=clevel, shuffle=Blosc.BITSHUFFLE)


def default_compressor() -> Any:
    """memphys's default compressor for ``save(format="zarr")``: Blosc zstd with bit
    shuffle at level 2 in 1 MiB blocks, which compresses int16 recordings at least as well
    as SpikeInterface's default (level 5, automatic blocks) about twice as fast
    (``docs/benchmarks.md``)."""
    from numcodecs import Blosc

    return Blosc(cname="zstd", clevel=2, shuffle=Blosc.BITSHUFFLE, blocksize=2**20)


def super_zarr_open(
    folder_path: str | Path, mode: str = "r", storage_options: dict[str, Any] | None = None
) -> Any:
    """Open a local zarr group (format 2 or 3; consolidated metadata used when present)."""
    import zarr

    if is_path_remote(folder_path):
        raise ExtractorValueError(
            f"Cannot open {folder_path}: remote zarr stores are not supported by memphys.ephys yet."
        )
    if not Path(folder_path).is_dir():
        raise MemphysFileNotFoundError(
            f"Invalid value for `folder_path`: expected a zarr folder, but {str(folder_path)!r} "
            "does not exist."
        )
    try:
        return zarr.open_group(str(folder_path), mode=mode)  # type: ignore[arg-type]
    except Exception as exc:  # zarr raises several types
        raise ExtractorValueError(f"Cannot open {folder_path} as a zarr group ({exc}).") from exc


def _plain(values: Any) -> np.ndarray:
    """zarr 3 reads strings as numpy's StringDType: make them fixed-width unicode."""
    arr = np.asarray(values)
    if arr.dtype.kind in "TO":
        arr = np.array(arr.tolist()) if arr.size else arr.astype("U1")
    return arr


@register_role("recording.zarr")
class ZarrRecordingExtractor(BaseRecording):
    """A recording in a zarr store (see the module docstring).

    Parameters
    ----------
    folder_path : str or Path
        The ``.zarr`` folder.
    storage_options : dict, optional
        Only local stores are supported (remote ones: clear error).
    load_compression_ratio : bool, default False
        Annotate ``compression_ratio`` (and per segment).
    """

    _si_class_path = "spikeinterface.core.zarrextractors.ZarrRecordingExtractor"

    def __init__(
        self,
        folder_path: str | Path,
        storage_options: dict[str, Any] | None = None,
        load_compression_ratio: bool = False,
    ) -> None:
        from memphys.arrays.zarr_array import ZarrArray

        folder = Path(folder_path)
        if storage_options is None and folder.is_dir():
            check_folder_record(folder, "Zarr store")
        root = super_zarr_open(folder, mode="r", storage_options=storage_options)
        fs = root.attrs.get("sampling_frequency", None)
        n_seg = root.attrs.get("num_segments", None)
        if "channel_ids" not in root or fs is None or n_seg is None:
            raise ExtractorValueError(
                f"{folder} is not a recording zarr store: expected a 'channel_ids' dataset and "
                "'sampling_frequency' and 'num_segments' attributes."
            )
        channel_ids = _plain(root["channel_ids"][:])
        dtype = root["traces_seg0"].dtype
        BaseRecording.__init__(self, fs, channel_ids, np.dtype(dtype))
        t_starts = root["t_starts"][:] if "t_starts" in root else None
        nbytes = stored = 0
        ratios: dict[int, float] = {}
        for i in range(int(n_seg)):
            traces = root[f"traces_seg{i}"]
            if traces.shape[1] != len(channel_ids):
                raise ExtractorValueError(
                    f"Segment {i} has the wrong number of channels: {traces.shape[1]}."
                )
            time_vector = ZarrArray(root[f"times_seg{i}"]) if f"times_seg{i}" in root else None
            t0 = None
            if time_vector is None and t_starts is not None and not np.isnan(t_starts[i]):
                t0 = float(t_starts[i])
            self.add_recording_segment(
                ArrayRecordingSegment(ZarrArray(traces), self.sampling_frequency, t0, time_vector)
            )
            if load_compression_ratio:
                nb, ns = int(traces.nbytes), int(traces.nbytes_stored())
                nbytes, stored = nbytes + nb, stored + ns
                ratios[i] = nb / ns if ns else float("nan")
        probe = root.attrs.get("probegroup", None)
        legacy = root.attrs.get("probe", None)
        if probe is not None or legacy is not None:
            from probeinterface import ProbeGroup

            pg = ProbeGroup.from_dict(probe if probe is not None else legacy)
            if probe is None:
                order = np.argsort(pg.to_numpy(complete=True)["device_channel_indices"])
                if not np.array_equal(order, np.arange(len(order))):
                    pg = pg.get_slice(order)
            self._probegroup = pg
        if "properties" in root:
            group = root["properties"]
            for key in sorted(group.keys()):
                if key != "contact_vector":
                    self.set_property(key, _plain(group[key][:]))
        annotations = root.attrs.get("annotations", None)
        if annotations:
            info = annotations.pop("probes_info", None) if isinstance(annotations, dict) else None
            self.annotate(**annotations)
            if info is not None and self._probegroup is not None:
                for p, pinfo in zip(self._probegroup.probes, info, strict=False):
                    p.annotations.update(pinfo)
        if load_compression_ratio:
            self.annotate(
                compression_ratio=nbytes / stored if stored else float("nan"),
                compression_ratio_segments=ratios,
            )
        self._root = root
        self._kwargs = {
            "folder_path": str(folder.absolute()),
            "storage_options": storage_options,
            "load_compression_ratio": load_compression_ratio,
        }

    @staticmethod
    def write_recording(
        recording: BaseRecording,
        folder_path: str | Path,
        overwrite: bool = False,
        storage_options: dict[str, Any] | None = None,
        verbose: bool = False,
        **kwargs: Any,
    ) -> ZarrRecordingExtractor:
        """Write ``recording`` as a zarr store (``.zarr`` appended) and open it."""
        import zarr

        if storage_options:
            raise ExtractorValueError(
                "storage_options: remote zarr stores are not supported by memphys.ephys yet."
            )
        folder = Path(folder_path)
        folder = folder if folder.suffix == ".zarr" else folder.with_suffix(".zarr")
        with writing_folder(folder, overwrite, files=False) as partial:
            root = zarr.open_group(str(partial), mode="w", zarr_format=2)
            root.attrs["zarr_class_info"] = retrieve_importing_provenance(ZarrRecordingExtractor)
            add_recording_to_zarr_group(recording, root, verbose=verbose, **kwargs)
            zarr.consolidate_metadata(str(partial))
            del root
        return ZarrRecordingExtractor(folder)


def read_zarr_recording(
    folder_path: str | Path, storage_options: dict[str, Any] | None = None, **kwargs: Any
) -> ZarrRecordingExtractor:
    """Open a recording zarr store."""
    return ZarrRecordingExtractor(folder_path, storage_options=storage_options, **kwargs)


def read_zarr(folder_path: str | Path, storage_options: dict[str, Any] | None = None) -> Any:
    """Open a zarr store written by ``save(format="zarr")`` (a recording, or a sorting when
    a sorting reader is registered)."""
    from memphys.ephys._registry import resolve_extractor_class
    from memphys.ephys.loading import _zarr_reader

    root = super_zarr_open(folder_path, mode="r", storage_options=storage_options)
    info = root.attrs.get("zarr_class_info", None)
    if info is not None:
        cls = resolve_extractor_class(info["class"])
        return cls(folder_path, storage_options=storage_options)
    if "channel_ids" in root:
        return read_zarr_recording(folder_path, storage_options=storage_options)
    if "unit_ids" in root:
        return _zarr_reader("Sorting")(folder_path, storage_options=storage_options)
    raise ExtractorValueError(
        f"Cannot find 'channel_ids' or 'unit_ids' in {folder_path}: not a SpikeInterface zarr "
        "store."
    )


def add_properties_and_annotations(zarr_group: Any, extractor: Any) -> None:
    """Properties as arrays of a ``properties`` group; annotations as an attribute."""
    group = zarr_group.create_group("properties")
    for key in extractor.get_property_keys():
        values = np.asarray(extractor.get_property(key))
        if values.dtype.kind == "O":
            warnings.warn(
                f"Property {key} not saved because it is a python Object type",
                ExtractorWarning,
                stacklevel=2,
            )
            continue
        group.create_array(name=key, data=values, compressors=None)
    zarr_group.attrs["annotations"] = check_json(extractor._annotations)


class _ChunkFiles:
    """Where and how the chunks of a zarr format-2 array in a local store are written."""

    def __init__(self, array: Any) -> None:
        meta = array.metadata
        self.path = Path(os.fspath(array.store.root)) / array.path
        self.chunks = tuple(int(c) for c in array.chunks)
        self.shape = tuple(int(s) for s in array.shape)
        self.dtype = np.dtype(array.dtype)
        self.filters = list(meta.filters or [])
        self.compressor = meta.compressor
        self.separator = meta.dimension_separator or "."
        self.fill = meta.fill_value if meta.fill_value is not None else 0

    @staticmethod
    def usable(array: Any) -> bool:
        import zarr.storage

        local = isinstance(array.store, zarr.storage.LocalStore)
        return int(array.metadata.zarr_format) == 2 and local

    def write(self, start: int, data: np.ndarray) -> None:
        """Encode and write the chunks of rows ``[start, start + len(data))`` (whole chunks,
        the last one of the array possibly short: padded with the fill value as zarr 2
        stores it)."""
        c0 = self.chunks[0]
        k = start // c0
        rest = self.chunks[1:]
        grid = [range(0, s, c) for s, c in zip(self.shape[1:], rest, strict=True)]
        for j, origin in enumerate(np.ndindex(*[len(g) for g in grid])):
            sel = tuple(slice(g[o], g[o] + c) for g, o, c in zip(grid, origin, rest, strict=True))
            piece = data[(slice(None), *sel)]
            if piece.shape != (c0, *rest):
                full = np.full((c0, *rest), self.fill, dtype=self.dtype)
                full[tuple(slice(0, n) for n in piece.shape)] = piece
                piece = full
            buf: Any = np.ascontiguousarray(piece)
            for f in self.filters:
                buf = f.encode(buf)
            if self.compressor is not None:
                buf = self.compressor.encode(buf)
            key = self.separator.join(str(i) for i in (k, *origin))
            with open(self.path / key, "wb") as fh:
                fh.write(memoryview(buf) if not isinstance(buf, bytes) else buf)
            del j


class _ZarrChunksWorker(SinkWorker):
    """Writes each block (chunk-aligned: whole chunks) into its segment's zarr array: chunk
    files encoded here for local format-2 stores, zarr's own writes otherwise."""

    trims = True

    def __init__(self, arrays: list[Any], dtype: Any, blosc_threads: bool) -> None:
        self.arrays = arrays
        self.files = [_ChunkFiles(a) if _ChunkFiles.usable(a) else None for a in arrays]
        self.dtype = np.dtype(dtype)
        self.blosc_threads = blosc_threads

    def process(self, block: Block, output: Any) -> None:
        data = np.asarray(output)
        if data.dtype != self.dtype:
            data = data.astype(self.dtype)
        files = self.files[block.segment]
        if files is None:
            self.arrays[block.segment][block.start : block.stop] = data
        elif self.blosc_threads and threading.current_thread() is threading.main_thread():
            # one worker in the main thread: let Blosc use its threads, as zarr 2 (and
            # hence SpikeInterface) does there
            import numcodecs.blosc

            old = numcodecs.blosc.use_threads
            numcodecs.blosc.use_threads = True
            try:
                files.write(block.start, data)
            finally:
                numcodecs.blosc.use_threads = old
        else:
            files.write(block.start, data)


class _ZarrChunksSink(Sink):
    def __init__(self, arrays: list[Any], dtype: Any) -> None:
        self.arrays = arrays
        self.dtype = dtype
        self._worker: _ZarrChunksWorker | None = None

    def open(self, ctx: SinkContext) -> None:
        self._worker = _ZarrChunksWorker(self.arrays, self.dtype, ctx.executor == "serial")

    def worker(self) -> SinkWorker:
        assert self._worker is not None, "open() the sink first"
        return self._worker

    def consume(self, block: Block, payload: Any) -> None:
        return None

    def finalize(self) -> None:
        return None


def _codecs(codec: Any, name: str) -> Any:
    if codec is None:
        return None
    if not (hasattr(codec, "encode") and hasattr(codec, "get_config")):
        raise ext_error(name, "a numcodecs codec (e.g. numcodecs.Blosc(), numcodecs.LZMA())", codec)
    return codec


def add_recording_to_zarr_group(
    recording: BaseRecording,
    zarr_group: Any,
    verbose: bool = False,
    dtype: Any = None,
    relative_to: str | Path | None = None,
    **kwargs: Any,
) -> None:
    """Write a recording into a zarr format-2 group (see the module docstring).

    Keyword arguments: ``channel_chunk_size``, ``compressor``, ``filters``,
    ``compressor_by_dataset`` / ``filters_by_dataset`` (keys ``"traces"``, ``"times"``), and
    job kwargs for the pass over the traces.
    """
    from memphys.ephys._traces import RecordingTimes
    from memphys.ephys.job_tools import engine_chunk_size, split_job_kwargs
    from memphys.ephys.time_series_tools import run_recording_pass

    zarr_kwargs, job = split_job_kwargs(kwargs)
    allowed = {
        "channel_chunk_size",
        "compressor",
        "filters",
        "compressor_by_dataset",
        "filters_by_dataset",
    }
    unknown = sorted(set(zarr_kwargs) - allowed)
    if unknown:
        raise ExtractorValueError(
            f"Unknown arguments for save(format='zarr'): {unknown}. Allowed: {sorted(allowed)} "
            "and job kwargs."
        )
    if recording.check_serializability("json"):
        zarr_group.attrs["provenance"] = check_json(
            recording.to_dict(recursive=True, relative_to=relative_to)
        )
    else:
        zarr_group.attrs["provenance"] = None
    n_seg = recording.get_num_segments()
    zarr_group.attrs["sampling_frequency"] = float(recording.get_sampling_frequency())
    zarr_group.attrs["num_segments"] = int(n_seg)
    zarr_group.create_array(
        name="channel_ids", data=np.asarray(recording.get_channel_ids()), compressors=None
    )
    dt = np.dtype(recording.get_dtype() if dtype is None else dtype)
    default = zarr_kwargs.get("compressor", "default")
    compressor = default_compressor() if default == "default" else _codecs(default, "compressor")
    filters = zarr_kwargs.get("filters", None)
    by_c = zarr_kwargs.get("compressor_by_dataset", None) or {}
    by_f = zarr_kwargs.get("filters_by_dataset", None) or {}
    c_traces = _codecs(by_c.get("traces", compressor), "compressor")
    c_times = _codecs(by_c.get("times", compressor), "compressor")
    f_traces = by_f.get("traces", filters)
    f_times = by_f.get("times", filters)
    n_ch = recording.get_num_channels()
    ch_chunk = zarr_kwargs.get("channel_chunk_size", None)
    ch_chunk = n_ch if ch_chunk is None else int(ch_chunk)
    row = recording.get_sample_size_in_bytes()
    chunk = engine_chunk_size(recording, job, factor=4.0, row_nbytes=row)
    chunk = max(1, min(chunk, max(recording.get_num_samples(s) for s in range(n_seg)) or 1))
    arrays = []
    for i in range(n_seg):
        arrays.append(
            zarr_group.create_array(
                name=f"traces_seg{i}",
                shape=(recording.get_num_samples(i), n_ch),
                chunks=(chunk, max(1, ch_chunk)),
                dtype=dt,
                compressors=c_traces,
                filters=f_traces,
            )
        )
    func = None
    if dt != np.dtype(recording.get_dtype()):
        from memphys.ephys.time_series_tools import _Cast

        func = _Cast(dt)
    run_recording_pass(
        recording,
        _ZarrChunksSink(arrays, dt),
        job,
        4.0,
        "write_zarr",
        func=func,
        chunk_align=chunk,
        verbose=verbose,
    )
    for i in range(n_seg):
        if recording.has_time_vector(i):
            times = zarr_group.create_array(
                name=f"times_seg{i}",
                shape=(recording.get_num_samples(i),),
                chunks=(chunk,),
                dtype="float64",
                compressors=c_times,
                filters=f_times,
            )
            run_recording_pass(
                recording,
                _ZarrChunksSink([times], "float64"),
                {**job, "n_jobs": 1},
                2.0,
                "write_zarr_times",
                sources=[RecordingTimes(recording, i)],
                chunk_align=chunk,
            )
    t_starts = np.full(n_seg, np.nan)
    for i, rs in enumerate(recording.segments):
        t0 = rs.get_times_kwargs()["t_start"]
        if t0 is not None and not rs.has_time_vector():
            t_starts[i] = t0
    if np.any(~np.isnan(t_starts)):
        zarr_group.create_array(name="t_starts", data=t_starts, compressors=None)
    if recording.has_probe():
        zarr_group.attrs["probegroup"] = check_json(
            recording.get_probegroup().to_dict(array_as_list=True)
        )
    add_properties_and_annotations(zarr_group, recording)
