"""SpikeInterface's waveform tools over memphys's one-pass window reader.

``extract_waveforms_to_single_buffer`` (all spikes in one array, ``memmap`` / ``.npy``
file, ``shared_memory`` / memory, or ``zarr``), ``extract_waveforms_to_buffers`` and
``split_waveforms_by_units`` (one array per unit), ``estimate_templates`` (average or
median) and ``estimate_templates_with_accumulator`` (average, optionally std) all run
:func:`memphys.ephys.waveform_pass.run_waveform_pass`: only the spikes' windows are read,
through :mod:`memphys.engine` (serial, threads, processes), with identical results for
every executor. Windows that reach past a segment's border are zero-padded, as in
SpikeInterface 0.105. Also here: :func:`has_exceeding_spikes` and
:func:`check_sorting_recording_pair`, the checks made when a sorting meets a recording, and
:func:`noise_levels_of_chunk`, the per-chunk noise estimator of the fused pass.

Examples
--------
>>> import numpy as np
>>> import memphys.ephys as si
>>> rec, sorting = si.generate_ground_truth_recording(durations=[2.0], num_units=3, seed=0)
>>> spikes = sorting.to_spike_vector()
>>> wfs = extract_waveforms_to_single_buffer(rec, spikes, 10, 20, mode="shared_memory",
...                                          progress_bar=False)
>>> wfs.shape == (spikes.size, 30, 4)
True
>>> t = estimate_templates_with_accumulator(rec, spikes, sorting.unit_ids, 10, 20,
...                                         progress_bar=False)
>>> t.shape, t.dtype
((3, 30, 4), dtype('float32'))
"""

from __future__ import annotations

import math
import numbers
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._check import check_in
from memphys.ephys.waveform_pass import run_waveform_pass
from memphys.ephys.waveform_stores import MemoryStore, NpyStore
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "extract_waveforms_to_single_buffer",
    "extract_waveforms_to_buffers",
    "split_waveforms_by_units",
    "estimate_templates",
    "estimate_templates_with_accumulator",
    "has_exceeding_spikes",
    "check_sorting_recording_pair",
    "noise_levels_of_chunk",
]


def has_exceeding_spikes(sorting: Any, recording: Any) -> bool:
    """True if a spike lies past the end of its recording segment (or before its start).

    The last spike frame of each segment is asked of the sorting (lazy sortings answer
    without building their spike vector); negative frames are checked on the spike vector
    only when it is already in memory.
    """
    for seg in range(min(recording.get_num_segments(), sorting.get_num_segments())):
        n = recording.get_num_samples(seg)
        if sorting.get_last_spike_frame(seg) > n - 1:
            return True
    cached = getattr(sorting, "_cached_spike_vector", None)
    return bool(cached is not None and len(cached) and int(np.min(cached["sample_index"])) < 0)


def check_sorting_recording_pair(sorting: Any, recording: Any, allow_exceeding: bool) -> Any:
    """Check that ``sorting`` and ``recording`` go together: the same number of segments
    and sampling rates equal (or within rounding: a warning, the recording's rate is
    used). Returns the sorting to use (a copy with the recording's rate if it differed).

    Raises
    ------
    memphys.errors.ExtractorValueError
        On different segment counts or rates, or (``allow_exceeding=False``) spikes past
        the end of the recording.
    """
    fs_s, fs_r = float(sorting.sampling_frequency), float(recording.sampling_frequency)
    if sorting.get_num_segments() != recording.get_num_segments():
        raise ExtractorValueError(
            f"The sorting has {sorting.get_num_segments()} segments but the recording has "
            f"{recording.get_num_segments()}: they cannot be analyzed together."
        )
    if fs_s != fs_r:
        if math.isclose(fs_s, fs_r, abs_tol=1e-2, rel_tol=1e-5):
            warnings.warn(
                "Sorting and Recording have a small difference in sampling frequency. This "
                "could be due to rounding of floats. Using the sampling frequency from the "
                "Recording.",
                ExtractorWarning,
                stacklevel=3,
            )
            from memphys.ephys.numpysorting import NumpySorting

            sorting = NumpySorting.from_sorting(sorting, with_metadata=True)
            sorting._sampling_frequency = fs_r
        else:
            raise ExtractorValueError(
                f"Sorting and Recording sampling frequencies are too different: recording: "
                f"{fs_r} - sorting: {fs_s}. Ensure that you are associating the correct "
                "Recording and Sorting when creating a SortingAnalyzer."
            )
    if not allow_exceeding and has_exceeding_spikes(sorting, recording):
        raise ExtractorValueError(
            "The sorting has spikes past the end of the recording (or before its start)."
        )
    return sorting


def noise_levels_of_chunk(
    raw: np.ndarray, gains: Any, offsets: Any, scale: bool, method: str
) -> np.ndarray:
    """One chunk's per-channel noise level, as :func:`memphys.ephys.get_noise_levels`
    computes it (MAD of integer traces from value counts, bit for bit numpy's medians)."""
    from memphys.ephys.baserecording import scale_traces
    from memphys.ephys.recording_tools import _MAD_TO_STD, _mad_by_counts

    raw = np.asarray(raw)
    if method == "mad" and raw.dtype.kind in "iu" and raw.size:
        mad = _mad_compiled(raw, gains, offsets, scale)
        if mad is not None:
            return mad
    if method == "mad" and raw.dtype.kind in "iu":
        scale_fn = None
        if scale:
            g = np.asarray(gains)
            o = np.asarray(offsets)

            def scale_fn(values: np.ndarray, c: int) -> np.ndarray:
                return scale_traces(values[:, None], g[c : c + 1], o[c : c + 1])[:, 0]

        mad = _mad_by_counts(raw, scale_fn)
        if mad is not None:
            return np.asarray(mad)
    chunk = scale_traces(raw, gains, offsets) if scale else raw
    if method == "mad":
        dtype = chunk.dtype if chunk.dtype.kind == "f" else np.float64
        work = np.array(chunk.T, dtype=dtype, order="C", copy=True)
        med = np.median(work, axis=1, overwrite_input=True)
        np.subtract(work, med[:, None], out=work)
        np.abs(work, out=work)
        return np.asarray(np.median(work, axis=1, overwrite_input=True) / _MAD_TO_STD)
    if method == "std":
        return np.asarray(np.std(chunk, axis=0))
    return np.asarray(np.sqrt(np.sum(np.square(chunk), axis=0) / chunk.shape[0]))


def _mad_compiled(raw: np.ndarray, gains: Any, offsets: Any, scale: bool) -> np.ndarray | None:
    """The MAD noise level of integer traces from value counts, compiled (the same numbers
    as :func:`memphys.ephys.get_noise_levels`, which uses numpy per channel)."""
    from memphys.ephys import _waveform_numba as K
    from memphys.ephys.recording_tools import _MAD_TO_STD

    if raw.ndim != 2:
        return None
    lo, hi = K.value_range(raw)
    n_ch = raw.shape[1]
    span = int(hi) - int(lo) + 1
    if span * n_ch > 2**22:
        return None
    counts = np.zeros((n_ch, span), dtype=np.int64)
    K.count_values(raw, int(lo), counts)
    if scale:
        g = np.asarray(gains).astype(np.float32)
        o = np.asarray(offsets).astype(np.float32)
        out32 = np.empty(n_ch, dtype=np.float32)
        K.mad_from_counts_f32(counts, int(lo), g, o, out32)
        return np.asarray(out32 / _MAD_TO_STD)
    out64 = np.empty(n_ch, dtype=np.float64)
    K.mad_from_counts_f64(counts, int(lo), out64)
    return np.asarray(out64 / _MAD_TO_STD)


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ExtractorValueError(
            f"Invalid value for `{name}`: expected an integer >= 0, but got {value!r}."
        )
    return int(value)


def _spikes_units(spikes: Any) -> int:
    u = np.asarray(spikes["unit_index"])
    return int(u.max()) + 1 if u.size else 0


def extract_waveforms_to_single_buffer(
    recording: Any,
    spikes: np.ndarray,
    *args: Any,
    mode: str = "memmap",
    return_in_uV: bool = True,
    return_scaled: bool | None = None,
    file_path: str | Path | None = None,
    dtype: Any = None,
    sparsity_mask: Any = None,
    copy: bool = True,
    job_name: str | None = None,
    verbose: bool = False,
    zarr_target_chunk_bytes: int = 10 * 1024 * 1024,
    **job_kwargs: Any,
) -> Any:
    """Every spike's waveform in one array (spikes x samples x channels).

    Called as ``(recording, spikes, nbefore, nafter, ...)`` (SpikeInterface 0.105.3) or
    ``(recording, spikes, unit_ids, nbefore, nafter, ...)`` (its development version).
    ``mode``: ``"memmap"`` (a ``.npy`` file at ``file_path``), ``"shared_memory"`` (in
    memory; with ``copy=False`` SpikeInterface's ``(array, info)`` pair is returned) or
    ``"zarr"`` (``file_path`` inside a ``.zarr`` store). Sparse rows (``sparsity_mask``) keep
    each unit's channels first, zero-padded.
    """
    pos = list(args)
    if pos and not isinstance(pos[0], numbers.Integral):
        pos.pop(0)  # unit_ids (the development signature)
    if len(pos) < 2:
        raise ExtractorValueError("extract_waveforms_to_single_buffer needs nbefore and nafter.")
    nbefore, nafter = _as_int("nbefore", pos[0]), _as_int("nafter", pos[1])
    if len(pos) > 2:
        mode = pos[2]
    if return_scaled is not None:
        return_in_uV = bool(return_scaled)
    check_in("mode", mode, ("memmap", "shared_memory", "zarr"))
    if mode in ("memmap", "zarr") and file_path is None:
        raise ExtractorValueError(f"mode={mode!r} needs `file_path`.")
    spikes = np.asarray(spikes)
    if dtype is None:
        dtype = np.float32 if return_in_uV and recording.has_scaleable_traces() else None
    num_units = _spikes_units(spikes)
    if sparsity_mask is not None:
        num_units = max(num_units, np.asarray(sparsity_mask).shape[0])
    store: Any
    if mode == "memmap":
        store = NpyStore(Path(file_path))  # type: ignore[arg-type]
    elif mode == "zarr":
        store = _zarr_store_for(Path(file_path), zarr_target_chunk_bytes)  # type: ignore[arg-type]
    else:
        store = MemoryStore()
    res = run_waveform_pass(
        recording,
        spikes,
        num_units,
        nbefore,
        nafter,
        return_in_uV=return_in_uV,
        sparsity_mask=sparsity_mask,
        store=store,
        dtype=dtype,
        job_name=job_name or f"extract waveforms {mode}",
        verbose=verbose,
        **job_kwargs,
    )
    wfs = res.waveforms
    if mode == "shared_memory" and not copy:
        return wfs, dict(shm=None, shm_name=None, dtype=wfs.dtype.str, shape=wfs.shape)
    return wfs


def _zarr_store_for(file_path: Path, chunk_bytes: int) -> Any:
    """A ZarrStore for a path inside a ``.zarr`` store (``store.zarr/group/name``)."""
    import zarr

    from memphys.ephys.waveform_stores import ZarrStore

    parts = file_path.parts
    idx = next((i for i, p in enumerate(parts) if p.endswith(".zarr")), None)
    if idx is None:
        raise ExtractorValueError(
            f"Invalid value for `file_path`: expected a path inside a '.zarr' store, but got "
            f"{str(file_path)!r}."
        )
    root = zarr.open_group(str(Path(*parts[: idx + 1])), mode="a", zarr_format=2)
    group = root
    for p in parts[idx + 1 : -1]:
        group = group.require_group(p)
    return ZarrStore(group, parts[-1], chunk_bytes=chunk_bytes)


def split_waveforms_by_units(
    unit_ids: Any,
    spikes: np.ndarray,
    all_waveforms: Any,
    sparsity_mask: Any = None,
    folder: str | Path | None = None,
) -> dict[Any, np.ndarray]:
    """``{unit_id: its waveforms}`` from one buffer (sparse rows cut to the unit's
    channels); with ``folder``, each unit is saved as ``waveforms_<unit_id>.npy`` and
    memory-mapped."""
    units = np.asarray(spikes["unit_index"])
    out = {}
    for i, u in enumerate(unit_ids):
        sel = np.flatnonzero(units == i)
        wfs = np.asarray(all_waveforms[sel]) if len(sel) else np.asarray(all_waveforms[:0])
        if sparsity_mask is not None:
            wfs = wfs[:, :, : int(np.sum(np.asarray(sparsity_mask)[i]))]
        if folder is None:
            out[u] = wfs
        else:
            path = Path(folder) / f"waveforms_{u}.npy"
            np.save(path, wfs)
            out[u] = np.load(path, mmap_mode="r")
    return out


def extract_waveforms_to_buffers(
    recording: Any,
    spikes: np.ndarray,
    unit_ids: Any,
    nbefore: int,
    nafter: int,
    mode: str = "memmap",
    return_in_uV: bool = True,
    folder: str | Path | None = None,
    dtype: Any = None,
    sparsity_mask: Any = None,
    copy: bool = False,
    return_scaled: bool | None = None,
    **job_kwargs: Any,
) -> Any:
    """Waveforms of each unit in its own array (``waveforms_<unit_id>.npy`` files in
    ``folder`` for ``mode="memmap"``). With ``mode="shared_memory"`` and ``copy=False``,
    SpikeInterface's ``(arrays, arrays_info)`` pair is returned."""
    if return_scaled is not None:
        return_in_uV = bool(return_scaled)
    check_in("mode", mode, ("memmap", "shared_memory"))
    if mode == "memmap" and folder is None:
        raise ExtractorValueError("mode='memmap' needs `folder`.")
    spikes = np.asarray(spikes)
    store = MemoryStore()
    res = run_waveform_pass(
        recording,
        spikes,
        max(len(unit_ids), _spikes_units(spikes)),
        _as_int("nbefore", nbefore),
        _as_int("nafter", nafter),
        return_in_uV=return_in_uV,
        sparsity_mask=sparsity_mask,
        store=store,
        dtype=dtype,
        job_name="extract waveforms",
        **job_kwargs,
    )
    arrays = split_waveforms_by_units(
        unit_ids,
        spikes,
        res.waveforms,
        sparsity_mask=sparsity_mask,
        folder=folder if mode == "memmap" else None,
    )
    if mode == "shared_memory" and not copy:
        return arrays, {u: None for u in unit_ids}
    return arrays


def estimate_templates_with_accumulator(
    recording: Any,
    spikes: np.ndarray,
    unit_ids: Any,
    nbefore: int,
    nafter: int,
    return_in_uV: bool = True,
    sparsity_mask: Any = None,
    job_name: str | None = None,
    return_std: bool = False,
    verbose: bool = False,
    return_scaled: bool | None = None,
    **job_kwargs: Any,
) -> Any:
    """Average templates (and standard deviations) of ``spikes``, float32, shaped
    (units, samples, channels) or (units, samples, max sparse channels) with
    ``sparsity_mask``. Accumulated in float64 with a stable variance (Chan et al.) from
    the spikes' windows only."""
    if return_scaled is not None:
        return_in_uV = bool(return_scaled)
    res = run_waveform_pass(
        recording,
        np.asarray(spikes),
        len(unit_ids),
        _as_int("nbefore", nbefore),
        _as_int("nafter", nafter),
        return_in_uV=return_in_uV,
        sparsity_mask=sparsity_mask,
        templates=True,
        std=return_std,
        job_name=job_name or "estimate_templates_with_accumulator",
        verbose=verbose,
        **job_kwargs,
    )
    assert res.mean is not None
    assert res.m2 is not None
    assert res.counts is not None
    mean = res.mean.astype(np.float32)
    if not return_std:
        return mean
    return mean, _std(res.m2, res.counts).astype(np.float32)


def _std(m2: np.ndarray, counts: np.ndarray) -> np.ndarray:
    n = np.maximum(counts, 1).astype(np.float64)[:, None, None]
    return np.sqrt(np.maximum(m2, 0.0) / n)


def estimate_templates(
    recording: Any,
    spikes: np.ndarray,
    unit_ids: Any,
    nbefore: int,
    nafter: int,
    operator: str = "average",
    return_in_uV: bool = True,
    sparsity_mask: Any = None,
    job_name: str | None = None,
    return_scaled: bool | None = None,
    **job_kwargs: Any,
) -> np.ndarray:
    """Templates by ``operator``: ``"average"`` (accumulated, no waveform buffer) or
    ``"median"`` (from the waveforms, unit by unit)."""
    check_in("operator", operator, ("average", "median"))
    if return_scaled is not None:
        return_in_uV = bool(return_scaled)
    if operator == "average":
        return np.asarray(
            estimate_templates_with_accumulator(
                recording,
                spikes,
                unit_ids,
                nbefore,
                nafter,
                return_in_uV=return_in_uV,
                sparsity_mask=sparsity_mask,
                job_name=job_name or "estimate_templates",
                **job_kwargs,
            )
        )
    spikes = np.asarray(spikes)
    wfs = extract_waveforms_to_single_buffer(
        recording,
        spikes,
        nbefore,
        nafter,
        mode="shared_memory",
        return_in_uV=return_in_uV,
        dtype=np.float32,
        sparsity_mask=sparsity_mask,
        job_name=job_name or "estimate_templates",
        **job_kwargs,
    )
    out = np.zeros((len(unit_ids), wfs.shape[1], wfs.shape[2]), dtype=wfs.dtype)
    units = spikes["unit_index"]
    for i in range(len(unit_ids)):
        sel = units == i
        if np.any(sel):
            out[i] = np.median(wfs[sel], axis=0)
    return out
