"""``snippets_from_sorting``: cut the recording around every spike, through the engine.

Only the windows ``[frame - nbefore, frame + nafter)`` around spikes are read. Windows
closer than one snippet length are grouped into one contiguous read (no more than the
job's chunk size per read), and the reads run on the engine's executor (job kwargs:
``n_jobs``, ``pool_engine``, ``progress_bar``, ...); each read cuts its snippets and the
results land, in order, in one output array per segment (in memory, or ``.npy`` files in
``wf_folder``). Windows past the recording's start or end are padded with zeros.

Examples
--------
>>> import numpy as np
>>> import memphys.ephys as si
>>> rec = si.NumpyRecording(np.arange(200, dtype="float32").reshape(100, 2), 1000.0)
>>> sorting = si.NumpySorting.from_unit_dict({0: [1, 50]}, 1000.0)
>>> snip = si.snippets_from_sorting(rec, sorting, nbefore=2, nafter=2, progress_bar=False)
>>> snip.get_snippets()[1, :, 0].tolist()
[96.0, 98.0, 100.0, 102.0]
>>> snip.get_snippets()[0, :, 0].tolist()
[0.0, 0.0, 2.0, 4.0]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._check import check_int, ext_error
from memphys.errors import ExtractorValueError

__all__ = ["snippets_from_sorting", "plan_snippet_reads"]


def plan_snippet_reads(
    frames: np.ndarray, nbefore: int, nafter: int, max_len: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group the windows of sorted ``frames`` into reads: ``(read_start, read_stop,
    first_spike)`` per read (frames unclipped; each read covers its spikes' windows).

    Windows overlapping or separated by less than one snippet length share a read; a
    read spans at most ``max_len`` + one snippet length.

    >>> plan_snippet_reads(np.array([10, 12, 100]), 2, 3, 1000)
    (array([  8,  98]), array([ 15, 103]), array([0, 2]))
    """
    n = frames.size
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    width = nbefore + nafter
    starts = frames.astype(np.int64) - nbefore
    stops = starts + width
    # a new read where a window starts past the furthest stop so far (plus one width)
    reach = np.maximum.accumulate(stops)
    new = np.ones(n, dtype=bool)
    new[1:] = starts[1:] > reach[:-1] + width
    group = np.cumsum(new) - 1
    group_start = starts[new][group]
    # split long groups into reads of at most max_len samples
    block = (starts - group_start) // max(int(max_len), 1)
    key_new = new.copy()
    key_new[1:] |= block[1:] != block[:-1]
    first = np.flatnonzero(key_new)
    read_start = starts[first]
    read_stop = np.maximum.reduceat(stops, first)
    return read_start, read_stop, first.astype(np.int64)


def _init_worker(
    recording: Any, frames_list: list[np.ndarray], nbefore: int, nafter: int
) -> dict[str, Any]:
    return dict(recording=recording, frames_list=frames_list, nbefore=nbefore, nafter=nafter)


def _cut(
    segment_index: int, start_frame: int, end_frame: int, ctx: dict[str, Any]
) -> tuple[int, int, np.ndarray]:
    """Read ``[start_frame, end_frame)`` and cut the snippets of the spikes whose windows
    lie in it; at the recording's start or end, windows may reach past it (zero-padded)."""
    rec = ctx["recording"]
    nbefore, nafter = ctx["nbefore"], ctx["nafter"]
    frames = ctx["frames_list"][segment_index]
    n_samples = int(rec.get_num_samples(segment_index))
    lower = start_frame + nbefore if start_frame > 0 else np.iinfo(np.int64).min
    upper = end_frame - nafter if end_frame < n_samples else np.iinfo(np.int64).max
    a = int(np.searchsorted(frames, lower, side="left"))
    b = int(np.searchsorted(frames, upper, side="right"))
    width = nbefore + nafter
    if b <= a:
        return segment_index, a, np.zeros((0, width, rec.get_num_channels()), dtype=rec.get_dtype())
    ws = min(start_frame, int(frames[a]) - nbefore)
    we = max(end_frame, int(frames[b - 1]) + nafter)
    lo, hi = max(ws, 0), min(we, n_samples)
    traces = rec.get_traces(segment_index=segment_index, start_frame=lo, end_frame=hi)
    if lo != ws or hi != we:
        padded = np.zeros((we - ws, traces.shape[1]), dtype=traces.dtype)
        padded[lo - ws : hi - ws] = traces
        traces = padded
    offsets = frames[a:b] - nbefore - ws
    idx = offsets[:, None] + np.arange(width)[None, :]
    return segment_index, a, traces[idx]


def snippets_from_sorting(
    recording: Any,
    sorting: Any,
    nbefore: int = 20,
    nafter: int = 44,
    wf_folder: str | Path | None = None,
    **job_kwargs: Any,
) -> Any:
    """A :class:`~memphys.ephys.NumpySnippets` with one snippet per spike of ``sorting``
    (all units), cut from ``recording`` (see the module docstring).

    Parameters
    ----------
    recording : BaseRecording
    sorting : BaseSorting
        Same number of segments and sampling frequency as the recording.
    nbefore, nafter : int
        Samples before and after each spike.
    wf_folder : str or Path, optional
        Write the snippets to ``.npy`` files there (memory-mapped) instead of memory.
    **job_kwargs
        ``n_jobs``, ``chunk_duration``/``chunk_size``/..., ``progress_bar``, ``pool_engine``.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If segments or sampling frequencies differ, or ``nbefore``/``nafter`` are negative.
    """
    from memphys.ephys.basesnippets import NumpySnippets
    from memphys.ephys.job_tools import TimeSeriesChunkExecutor, ensure_chunk_size, fix_job_kwargs

    nbefore = check_int("nbefore", nbefore, minimum=0)
    nafter = check_int("nafter", nafter, minimum=1)
    if recording.get_num_segments() != sorting.get_num_segments():
        raise ExtractorValueError(
            f"The recording has {recording.get_num_segments()} segments and the sorting "
            f"{sorting.get_num_segments()}: they must have the same segments."
        )
    if not np.isclose(
        recording.get_sampling_frequency(), sorting.get_sampling_frequency(), atol=0.1, rtol=0
    ):
        raise ext_error(
            "sorting",
            f"the recording's sampling frequency ({recording.get_sampling_frequency()} Hz)",
            f"a sorting at {sorting.get_sampling_frequency()} Hz",
        )
    job = fix_job_kwargs(job_kwargs)
    spikes = sorting.to_spike_vector(concatenated=False)
    frames_list = [np.ascontiguousarray(s["sample_index"], dtype=np.int64) for s in spikes]
    width = nbefore + nafter
    n_ch = recording.get_num_channels()
    dtype = recording.get_dtype()
    for seg, frames in enumerate(frames_list):
        n = int(recording.get_num_samples(seg))
        if frames.size and frames[-1] >= n:
            raise ExtractorValueError(
                f"Some spikes exceed the recording's duration: segment {seg} has a spike at sample "
                f"{int(frames[-1])} but the recording has {n} samples."
            )
    outputs: list[np.ndarray] = []
    for seg, frames in enumerate(frames_list):
        shape = (frames.size, width, n_ch)
        if wf_folder is None:
            outputs.append(np.zeros(shape, dtype=dtype))
        else:
            folder = Path(wf_folder)
            folder.mkdir(parents=True, exist_ok=True)
            outputs.append(
                np.lib.format.open_memmap(
                    folder / f"snippets_seg{seg}.npy", mode="w+", dtype=dtype, shape=shape
                )
            )
    executor_kwargs = {k: v for k, v in job.items() if k in _EXECUTOR_KEYS}
    chunk = ensure_chunk_size(recording, **executor_kwargs)
    slices = []
    for seg, frames in enumerate(frames_list):
        starts, stops, _ = plan_snippet_reads(frames, nbefore, nafter, chunk)
        n = int(recording.get_num_samples(seg))
        starts = np.clip(starts, 0, n)
        stops = np.clip(stops, 0, n)
        slices += [(seg, int(a), int(b)) for a, b in zip(starts, stops, strict=True)]

    def gather(result: tuple[int, int, np.ndarray]) -> None:
        seg, first, cut = result
        outputs[seg][first : first + cut.shape[0]] = cut

    if slices:
        executor = TimeSeriesChunkExecutor(
            recording,
            _cut,
            _init_worker,
            (recording, frames_list, nbefore, nafter),
            handle_returns=False,
            gather_func=gather,
            job_name="snippets_from_sorting",
            **executor_kwargs,
        )
        executor.run(slices=slices)
    for out in outputs:
        if isinstance(out, np.memmap):
            out.flush()
    snippets = NumpySnippets(
        snippets_list=outputs,
        spikesframes_list=frames_list,
        sampling_frequency=recording.get_sampling_frequency(),
        nbefore=nbefore,
        channel_ids=recording.get_channel_ids(),
    )
    for key in ("gain_to_uV", "offset_to_uV"):
        values = recording.get_property(key)
        if values is not None:
            snippets.set_property(key, values)
    return snippets


_EXECUTOR_KEYS = (
    "n_jobs",
    "total_memory",
    "chunk_size",
    "chunk_memory",
    "chunk_duration",
    "progress_bar",
    "mp_context",
    "pool_engine",
    "max_threads_per_worker",
)
