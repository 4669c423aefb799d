"""Tools on recordings: noise levels, random chunks, chunks with margins, channel
distances and order, and the writers (binary, memory, zarr).

:func:`get_noise_levels` is SpikeInterface's estimator: on random chunks (20 per segment
of 500 ms by default, ``random_slices_kwargs``), each channel's median absolute deviation
divided by 0.6744897501960817 (``method="mad"``), or its standard deviation (``"std"``) or
root mean square (``"rms"``), averaged over the chunks; the chunks are read and reduced
through :mod:`memphys.engine` (in parallel with ``n_jobs``). The result is cached in a
property (``noise_level_mad_scaled``, ...) unless ``force_recompute=True``.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> traces = np.random.default_rng(0).normal(10.0, 6.0, size=(200_000, 2))
>>> rec = NumpyRecording(traces, 30000.0)
>>> noise = get_noise_levels(rec, return_in_uV=False, random_slices_kwargs={"seed": 0},
...                          progress_bar=False)
>>> np.allclose(noise, 6.0, rtol=0.03)
True
"""

from __future__ import annotations

import warnings
from copy import deepcopy
from typing import Any

import numpy as np

from memphys.ephys._check import check_in
from memphys.ephys.baserecording import scale_traces
from memphys.ephys.job_tools import TimeSeriesChunkExecutor, split_job_kwargs
from memphys.ephys.time_series_tools import (
    get_chunks,
    get_random_sample_slices,
    get_time_series_chunk_with_margin,
    write_binary,
    write_memory,
)
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "write_binary_recording",
    "write_memory_recording",
    "write_recording_to_zarr",
    "get_random_data_chunks",
    "get_channel_distances",
    "get_closest_channels",
    "get_noise_levels",
    "get_chunk_with_margin",
    "order_channels_by_depth",
    "get_rec_attributes",
    "do_recording_attributes_match",
    "read_binary_recording",
]

#: 1 / Phi^-1(3/4): the MAD of a normal distribution times this is its standard deviation
_MAD_TO_STD = 0.6744897501960817


def write_binary_recording(
    recording: Any,
    file_paths: Any,
    file_timestamps_paths: Any = None,
    dtype: Any = None,
    add_file_extension: bool = True,
    byte_offset: int = 0,
    verbose: bool = False,
    **job_kwargs: Any,
) -> None:
    """Write the traces of each segment to a raw binary file (samples x channels) through
    the engine; each file appears only once complete."""
    write_binary(
        recording,
        file_paths=file_paths,
        file_timestamps_paths=file_timestamps_paths,
        dtype=dtype,
        add_file_extension=add_file_extension,
        byte_offset=byte_offset,
        verbose=verbose,
        **job_kwargs,
    )


def write_memory_recording(
    recording: Any,
    dtype: Any = None,
    verbose: bool = False,
    buffer_type: str = "auto",
    job_name: str = "write_memory",
    **job_kwargs: Any,
) -> tuple[list[np.ndarray], list[Any]]:
    """Copy the traces into one array per segment (shared memory with ``n_jobs > 1``);
    returns ``(arrays, shared_memory_blocks)``."""
    return write_memory(
        recording,
        dtype=dtype,
        verbose=verbose,
        buffer_type=buffer_type,
        job_name=job_name,
        **job_kwargs,
    )


def write_recording_to_zarr(recording: Any, zarr_group: Any, **kwargs: Any) -> None:
    """Write a recording into an open zarr group (see :mod:`memphys.ephys.zarrextractors`)."""
    from memphys.ephys.zarrextractors import add_recording_to_zarr_group

    add_recording_to_zarr_group(recording, zarr_group, **kwargs)


def read_binary_recording(
    file: Any, num_channels: int, dtype: Any, time_axis: int = 0, offset: int = 0
) -> np.ndarray:
    """A raw binary file as a read-only ``(samples, channels)`` memmap."""
    from memphys.ephys.binaryrecordingextractor import _num_samples

    num_channels = int(num_channels)
    dt = np.dtype(dtype)
    from pathlib import Path

    n = _num_samples(Path(file), int(offset), num_channels * dt.itemsize, num_channels, dt.itemsize)
    if time_axis == 0:
        return np.memmap(file, dt, mode="r", offset=offset, shape=(n, num_channels))
    return np.memmap(file, dt, mode="r", offset=offset, shape=(num_channels, n)).T


def get_random_data_chunks(
    recording: Any,
    return_in_uV: bool = False,
    concatenated: bool = True,
    **random_slices_kwargs: Any,
) -> Any:
    """Random chunks of traces (see
    :func:`~memphys.ephys.time_series_tools.get_random_sample_slices` for
    ``num_chunks_per_segment``, ``chunk_size``, ``seed``...)."""
    return_scaled = random_slices_kwargs.pop("return_scaled", None)
    if return_scaled is not None:
        return_in_uV = bool(return_scaled)
    return get_chunks(
        recording,
        concatenated=concatenated,
        get_data_kwargs={"return_in_uV": return_in_uV},
        **random_slices_kwargs,
    )


def get_channel_distances(recording: Any) -> np.ndarray:
    """``(channels, channels)`` Euclidean distances between channel locations."""
    loc = recording.get_channel_locations()
    return np.asarray(np.linalg.norm(loc[:, np.newaxis] - loc[np.newaxis, :], axis=2))


def get_closest_channels(
    recording: Any, channel_ids: Any = None, num_channels: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each channel, the indices and distances of its ``num_channels`` nearest channels
    (itself excluded), nearest first."""
    if channel_ids is None:
        channel_ids = recording.get_channel_ids()
    if num_channels is None:
        num_channels = len(channel_ids) - 1
    loc = recording.get_channel_locations(channel_ids=channel_ids)
    inds, dists = [], []
    for i in range(loc.shape[0]):
        d = np.linalg.norm(loc[i, :] - loc, axis=1)
        order = np.argsort(d)
        inds.append(order[1 : num_channels + 1])
        dists.append(d[order][1 : num_channels + 1])
    return np.array(inds), np.array(dists)


def _median_of_counts(values: np.ndarray, counts: np.ndarray) -> Any:
    """``np.median`` of the multiset ``values`` (sorted) repeated ``counts`` times: the middle
    value, or the mean of the two middle values in the values' dtype, as numpy computes it."""
    n = int(counts.sum())
    ends = np.cumsum(counts)
    lo = values[int(np.searchsorted(ends, (n - 1) // 2, side="right"))]
    if n % 2:
        return lo
    hi = values[int(np.searchsorted(ends, n // 2, side="right"))]
    return np.mean(np.array([lo, hi], dtype=values.dtype))


def _mad_by_counts(raw: np.ndarray, scale: Any) -> np.ndarray | None:
    """Per-channel MAD of integer traces from value counts: bit for bit
    ``np.median(|x - np.median(x)|)`` of the (scaled) traces, in O(samples) instead of
    partitions. ``scale(values, c)`` maps channel ``c``'s distinct raw values to the values
    the traces have (None: the raw values as float64). None if the value range is too wide."""
    lo, hi = int(raw.min()), int(raw.max())
    n_ch = raw.shape[1]
    span = hi - lo + 1
    if span * n_ch > 2**22:
        return None
    idx = (raw.astype(np.intp) - lo) + np.arange(n_ch, dtype=np.intp) * span
    counts = np.bincount(idx.ravel(), minlength=span * n_ch).reshape(n_ch, span)
    levels = np.arange(lo, hi + 1)
    out = []
    for c in range(n_ch):
        nz = np.flatnonzero(counts[c])
        vals = levels[nz].astype(np.float64) if scale is None else scale(levels[nz], c)
        cnt = counts[c][nz]
        order = np.argsort(vals, kind="stable")
        med = _median_of_counts(vals[order], cnt[order])
        dev = np.abs(vals - med)
        order = np.argsort(dev, kind="stable")
        out.append(_median_of_counts(dev[order], cnt[order]))
    return np.asarray(out) / _MAD_TO_STD


class _NoiseChunk:
    """Chunk function of :func:`get_noise_levels` (picklable)."""

    def __call__(
        self, segment_index: int, start_frame: int, end_frame: int, ctx: dict[str, Any]
    ) -> np.ndarray:
        rec = ctx["recording"]
        method = ctx["method"]
        kw = dict(start_frame=start_frame, end_frame=end_frame, segment_index=segment_index)
        if method == "mad" and rec.get_dtype().kind in "iu":
            # integer traces: medians from value counts (exactly numpy's, 5-10x faster)
            raw = rec.get_traces(**kw)
            scale = None
            if ctx["return_in_uV"] and rec.has_scaleable_traces():
                gains = np.asarray(rec.get_property("gain_to_uV"))
                offsets = np.asarray(rec.get_property("offset_to_uV"))

                def scale(values: np.ndarray, c: int) -> np.ndarray:
                    return scale_traces(values[:, None], gains[c : c + 1], offsets[c : c + 1])[:, 0]

            mad = _mad_by_counts(np.asarray(raw), scale)
            if mad is not None:
                return mad
        chunk = rec.get_traces(**kw, return_in_uV=ctx["return_in_uV"])
        if method == "mad":
            # channels as contiguous rows (one copy), partitioned in place: the same medians
            # as along axis 0, without strided partitions
            dtype = chunk.dtype if chunk.dtype.kind == "f" else np.float64
            work = np.array(chunk.T, dtype=dtype, order="C", copy=True)
            med = np.median(work, axis=1, overwrite_input=True)
            np.subtract(work, med[:, None], out=work)
            np.abs(work, out=work)
            return np.asarray(np.median(work, axis=1, overwrite_input=True) / _MAD_TO_STD)
        if method == "std":
            return np.asarray(np.std(chunk, axis=0))
        return np.asarray(np.sqrt(np.sum(np.square(chunk), axis=0) / chunk.shape[0]))


def _noise_init(recording: Any, return_in_uV: bool, method: str) -> dict[str, Any]:
    return {"recording": recording, "return_in_uV": return_in_uV, "method": method}


def get_noise_levels(
    recording: Any,
    return_in_uV: bool = True,
    method: str = "mad",
    force_recompute: bool = False,
    random_slices_kwargs: dict[str, Any] | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """Per-channel noise level on random chunks (see the module docstring).

    Parameters
    ----------
    recording : BaseRecording
    return_in_uV : bool, default True
        Scale to µV first (``return_scaled=`` is the older spelling).
    method : {"mad", "std", "rms"}
    force_recompute : bool, default False
        Ignore the cached property.
    random_slices_kwargs : dict, optional
        ``num_chunks_per_segment`` (20), ``chunk_duration`` ("500ms") or ``chunk_size``,
        ``margin_frames``, ``seed``.
    **kwargs
        Job kwargs (``n_jobs``, ``pool_engine``, ``progress_bar`` ...).
    """
    if "return_scaled" in kwargs:
        return_in_uV = bool(kwargs.pop("return_scaled"))
    check_in("method", method, ("mad", "std", "rms"))
    key = f"noise_level_{method}_{'scaled' if return_in_uV else 'raw'}"
    if key in recording.get_property_keys() and not force_recompute:
        return np.asarray(recording.get_property(key))
    slices_kwargs = deepcopy(random_slices_kwargs) if random_slices_kwargs else {}
    legacy, job_kwargs = split_job_kwargs(kwargs)
    if legacy or "chunk_size" in kwargs:
        msg = (
            "get_noise_levels(recording, num_chunks_per_segment=20) is deprecated: use "
            "get_noise_levels(recording, random_slices_kwargs=dict(num_chunks_per_segment=20, "
            "chunk_size=1000))."
        )
        if random_slices_kwargs:
            raise ExtractorValueError(msg + " Do not mix both spellings.")
        warnings.warn(msg, ExtractorWarning, stacklevel=2)
        slices_kwargs = dict(legacy)
        if "chunk_size" in kwargs:
            slices_kwargs["chunk_size"] = kwargs["chunk_size"]
    slices = get_random_sample_slices(recording, **slices_kwargs)
    job_kwargs.pop("chunk_size", None)
    job_kwargs.pop("chunk_memory", None)
    job_kwargs.pop("total_memory", None)
    job_kwargs.pop("chunk_duration", None)
    executor = TimeSeriesChunkExecutor(
        recording,
        _NoiseChunk(),
        _noise_init,
        (recording, return_in_uV, method),
        job_name="noise_level",
        verbose=False,
        handle_returns=True,
        chunk_size=max(b - a for _, a, b in slices),
        **job_kwargs,
    )
    levels = np.mean(np.stack(executor.run(slices=slices) or []), axis=0)
    recording.set_property(key, levels)
    return np.asarray(levels)


def get_chunk_with_margin(
    rec_segment: Any,
    start_frame: int | None,
    end_frame: int | None,
    channel_indices: Any,
    margin: int,
    add_zeros: bool = False,
    add_reflect_padding: bool = False,
    window_on_margin: bool = False,
    dtype: Any = None,
) -> tuple[np.ndarray, int, int]:
    """Traces of ``[start_frame, end_frame)`` with ``margin`` frames on each side (fewer at
    the edges unless ``add_zeros`` or ``add_reflect_padding``); returns
    ``(traces, left_margin, right_margin)``."""
    return get_time_series_chunk_with_margin(
        rec_segment,
        start_frame,
        end_frame,
        channel_indices,
        margin,
        add_zeros=add_zeros,
        add_reflect_padding=add_reflect_padding,
        window_on_margin=window_on_margin,
        dtype=dtype,
    )


def order_channels_by_depth(
    recording: Any, channel_ids: Any = None, dimensions: Any = ("x", "y"), flip: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Channel order by depth (``order``) and its inverse (``order_reverse``)."""
    loc = recording.get_channel_locations()
    ndim = loc.shape[1]
    loc = loc[recording.ids_to_indices(ids=channel_ids, prefer_slice=True), :]
    names = ["x", "y", "z"]
    if isinstance(dimensions, str):
        check_in("dimensions", dimensions, tuple(names[:ndim]))
        order = np.argsort(loc[:, names.index(dimensions)], kind="stable")
    else:
        keys = []
        for d in dimensions:
            check_in("dimensions", d, tuple(names[:ndim]))
            keys.append(loc[:, names.index(d)])
        order = np.lexsort(tuple(keys))
    if flip:
        order = order[::-1]
    return order, np.argsort(order, kind="stable")


def get_rec_attributes(recording: Any) -> dict[str, Any]:
    """Channel ids, sampling frequency, lengths, dtype, properties of a recording."""
    return dict(
        channel_ids=recording.channel_ids,
        sampling_frequency=recording.get_sampling_frequency(),
        num_channels=recording.get_num_channels(),
        num_samples=[recording.get_num_samples(s) for s in range(recording.get_num_segments())],
        is_filtered=recording.is_filtered(),
        properties=deepcopy(recording._properties),
        dtype=recording.get_dtype(),
    )


def do_recording_attributes_match(
    recording1: Any, recording2_attributes: dict[str, Any], check_dtype: bool = True
) -> tuple[bool, str]:
    """``(match, message)``: whether ``recording1`` has the given attributes."""
    a = get_rec_attributes(recording1)
    b = dict(recording2_attributes)
    bad = []
    if not np.array_equal(a["channel_ids"], b["channel_ids"]):
        bad.append("channel_ids")
    for k in ("sampling_frequency", "num_channels", "num_samples"):
        if a[k] != b[k]:
            bad.append(k)
    if check_dtype and "dtype" in b and np.dtype(a["dtype"]) != np.dtype(b["dtype"]):
        bad.append("dtype")
    if bad:
        return False, f"Recordings do not match in the following attributes: {bad}"
    return True, ""
