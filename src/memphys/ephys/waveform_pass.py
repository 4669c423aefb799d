"""One bounded pass over a recording for waveforms, templates and noise levels.

The analyzer's core extensions all come from the traces around a few spikes: the
``waveforms`` are those windows, the ``templates`` their per-unit mean and standard
deviation, and the ``noise_levels`` come from a few random chunks. :func:`run_waveform_pass`
produces any of them in **one** pass through :func:`memphys.engine.run_blocks` that reads only
what is needed:

- the segment time is cut into blocks (``chunk_duration``, default 1 s, as SpikeInterface's
  chunks) and only blocks holding a spike or the start of a noise chunk are planned;
- in a block, the spikes' windows ``[s - nbefore, s + nafter)`` are read, windows closer than
  :data:`MERGE_GAP` samples sharing one contiguous read (a raw binary file or an in-memory
  array is gathered from directly, without copying the block); noise chunks are read there
  too;
- a compiled kernel cuts each window on its unit's channels (sparse rows: the unit's
  channels first, zeros after), scaled to µV in float32 exactly as
  ``get_traces(return_in_uV=True)`` would; windows reaching past a segment's border are
  zero-padded, as SpikeInterface 0.105 does, never read out of bounds;
- per block, per unit, the count, mean and squared deviations are computed in float64 and
  folded into running moments in block order with Chan et al.'s pairwise update: the same
  numbers for any executor and any number of jobs, and a standard deviation that stays
  accurate for millions of spikes (SpikeInterface's accumulator uses the one-pass float32
  ``E[x²] - E[x]²``);
- waveform blocks go, in order, to a :mod:`~memphys.ephys.waveform_stores` store (memory,
  ``.npy`` file or zarr array) as they arrive, so waveforms of a chronic recording are never
  held whole in memory.

The working memory is a block's reads and waveforms plus the running moments (units x
samples x sparse channels, float64).

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> traces = np.zeros((1000, 2), dtype="float32"); traces[100:103, 1] = [1, 5, 1]
>>> rec = NumpyRecording(traces, 1000.0)
>>> spikes = np.zeros(2, dtype=[("sample_index", "int64"), ("unit_index", "int64"),
...                             ("segment_index", "int64")])
>>> spikes["sample_index"] = [101, 101]
>>> res = run_waveform_pass(rec, spikes, num_units=1, nbefore=1, nafter=2,
...                         return_in_uV=False, templates=True, progress_bar=False)
>>> res.mean[0, :, 1]
array([1., 5., 1.])
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from typing import Any

import numpy as np

from memphys.engine import Block, Plan, Sink, SinkWorker, run_blocks
from memphys.ephys.job_tools import (
    _NullSource,
    ensure_chunk_size,
    ensure_n_jobs,
    fix_job_kwargs,
    to_engine_job,
)
from memphys.errors import ExtractorValueError

__all__ = ["PassResult", "run_waveform_pass", "channel_table", "prefer_threads", "MERGE_GAP"]

#: Windows of one block closer than this many samples are read together.
MERGE_GAP = 256

#: Waveform bytes of one task: consecutive chunks are grouped up to this size (fewer,
#: larger tasks cost less to schedule, above all in worker processes).
TASK_BYTES = 8 * 1024 * 1024

#: Tasks are grouped into at least this many when there are enough chunks, whatever the
#: number of jobs (so that the plan, hence the numbers, never depend on ``n_jobs``).
MIN_TASKS = 16


@dataclasses.dataclass
class PassResult:
    """What :func:`run_waveform_pass` computed (None where not asked for).

    ``counts`` (units), ``mean`` and ``m2`` (units x samples x width, float64, sparse
    layout: a unit's channels first) are the running moments; ``noise_levels`` the
    per-channel levels averaged over the noise chunks; ``waveforms`` what the store
    returned.
    """

    waveforms: Any = None
    counts: np.ndarray | None = None
    mean: np.ndarray | None = None
    m2: np.ndarray | None = None
    noise_levels: np.ndarray | None = None


def channel_table(sparsity_mask: Any, num_units: int, num_channels: int) -> tuple[np.ndarray, ...]:
    """``(table, nchan)``: unit ``u``'s channel positions ``table[u, :nchan[u]]`` (all
    channels when ``sparsity_mask`` is None)."""
    if sparsity_mask is None:
        table = np.tile(np.arange(num_channels, dtype=np.int64), (num_units, 1))
        return table, np.full(num_units, num_channels, dtype=np.int64)
    mask = np.asarray(sparsity_mask, dtype=bool)
    if mask.shape != (num_units, num_channels):
        raise ExtractorValueError(
            f"Invalid value for `sparsity_mask`: expected shape ({num_units}, {num_channels}) "
            f"(units x channels), but got {mask.shape}."
        )
    nchan = mask.sum(axis=1).astype(np.int64)
    width = int(nchan.max()) if num_units else 0
    table = np.zeros((num_units, max(width, 1)), dtype=np.int64)
    for u in range(num_units):
        idx = np.flatnonzero(mask[u])
        table[u, : idx.size] = idx
    return table, nchan


# ------------------------------------------------------------------------- reading
def _direct_view(recording: Any, segment_index: int) -> np.ndarray | None:
    """The whole segment as an ndarray gathered from without copying (a raw binary
    file mapped read-only, or an in-memory array), or None."""
    from memphys.ephys.baserecording import ArrayRecordingSegment

    seg = recording.segments[segment_index]
    if not isinstance(seg, ArrayRecordingSegment):
        return None
    arr = seg.array
    if arr.kind == "memmap":
        r = arr.recipe()
        if r.get("order", "C") != "C" or int(np.prod(r["shape"])) == 0:
            return None
        return np.memmap(
            r["path"],
            dtype=np.dtype(r["dtype"]),
            mode="r",
            offset=int(r["offset"]),
            shape=tuple(r["shape"]),
        )
    if arr.kind == "numpy":
        view = np.asarray(arr.read(0, arr.shape[0]))
        return view if view.ndim == 2 else None
    return None


def _whole_block_reads(recording: Any, segment_index: int) -> bool:
    """Chunked compressed sources decode whole chunks: read a block's span once."""
    seg = recording.segments[segment_index]
    arr = getattr(seg, "array", None)
    return getattr(arr, "kind", "") in ("zarr", "hdf5", "dask")


def _read_groups(
    starts: np.ndarray, stops: np.ndarray, gap: int
) -> list[tuple[int, int, int, int]]:
    """Merge sorted windows ``[starts, stops)`` closer than ``gap`` into read groups:
    ``(read_start, read_stop, first_window, end_window)``."""
    groups = []
    n = starts.size
    i = 0
    while i < n:
        a, b = int(starts[i]), int(stops[i])
        j = i + 1
        while j < n and int(starts[j]) - b <= gap:
            b = max(b, int(stops[j]))
            j += 1
        groups.append((a, b, i, j))
        i = j
    return groups


def prefer_threads(job_kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """``job_kwargs`` with ``pool_engine="thread"`` when neither the call nor the global
    job kwargs choose an engine: the pass runs compiled code that releases the GIL, so
    threads share the reads and the output without copies (processes send them back)."""
    from memphys.ephys.globals import DEFAULT_JOB_KWARGS, get_global_job_kwargs

    out = dict(job_kwargs or {})
    if out.get("pool_engine") is None:
        default = DEFAULT_JOB_KWARGS["pool_engine"]
        if get_global_job_kwargs().get("pool_engine", default) == default:
            out["pool_engine"] = "thread"
    return out


class _PassTask:
    """Runs one block of the pass (picklable; per-worker caches rebuilt in each process)."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        return {"job": self.job}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.job = state["job"]
        self._local = threading.local()

    def _views(self) -> dict[int, Any]:
        local = self._local
        if getattr(local, "views", None) is None:
            local.views = {}
        views: dict[int, Any] = local.views
        return views

    def _target(self) -> Any:
        """The waveform array this worker writes into directly, if any: the store's own
        array when the worker shares this process's memory, else the store's ``.npy``
        file mapped in the worker."""
        t = self.job.get("target")
        if t is None or isinstance(t, np.ndarray):
            return t
        local = self._local
        if getattr(local, "target", None) is None:
            if t[0] == "file":
                _, path, offset, shape, dtype = t
                local.target = np.memmap(path, dtype=dtype, mode="r+", offset=offset, shape=shape)
            else:
                from multiprocessing.shared_memory import SharedMemory

                _, name, shape, dtype = t
                local.shm = SharedMemory(name=name)  # the creating process unlinks it
                local.target = np.ndarray(shape, dtype=dtype, buffer=local.shm.buf)
        return local.target

    def _view(self, seg: int) -> Any:
        views = self._views()
        if seg not in views:
            views[seg] = _direct_view(self.job["recording"], seg)
        return views[seg]

    def __call__(self, data: np.ndarray, block: Block) -> dict[str, Any]:
        from memphys.ephys import _waveform_numba as K

        j = self.job
        rec = j["recording"]
        seg = block.segment
        i0, i1 = (int(v) for v in j["block_spikes"][block.index])
        samples = j["samples"][i0:i1]
        units = j["units"][i0:i1]
        nb, na = j["nbefore"], j["nafter"]
        ns = nb + na
        seg_len = int(j["seg_lens"][seg])
        width = j["width"]
        out: dict[str, Any] = {"rows": (i0, i1)}
        wf = None
        if i1 > i0:
            target = self._target()
            if target is not None:
                wf = target[i0:i1]  # written in place: nothing to send back
            else:
                wf = np.empty((i1 - i0, ns, width), dtype=j["wf_dtype"])
            view = self._view(seg)
            if view is not None:
                K.gather_windows(
                    view,
                    0,
                    samples,
                    units,
                    j["chan_table"],
                    j["nchan"],
                    nb,
                    na,
                    seg_len,
                    j["gains"],
                    j["offsets"],
                    j["scale"],
                    j["add_offset"],
                    wf,
                    0,
                )
            else:
                starts = np.clip(samples - nb, 0, seg_len)
                stops = np.clip(samples + na, 0, seg_len)
                if j["whole"][seg]:
                    groups = [(int(starts.min()), int(stops.max()), 0, samples.size)]
                else:
                    groups = _read_groups(starts, stops, MERGE_GAP)
                segment = rec.segments[seg]
                for a, b, g0, g1 in groups:
                    traces = np.asarray(segment.get_traces(start_frame=a, end_frame=b))
                    K.gather_windows(
                        traces,
                        a,
                        samples[g0:g1],
                        units[g0:g1],
                        j["chan_table"],
                        j["nchan"],
                        nb,
                        na,
                        seg_len,
                        j["gains"],
                        j["offsets"],
                        j["scale"],
                        j["add_offset"],
                        wf,
                        g0,
                    )
            if j["moments"]:
                present = np.unique(units)
                slot = np.zeros(j["num_units"], dtype=np.int64)
                slot[present] = np.arange(present.size)
                counts = np.zeros(present.size, dtype=np.int64)
                mean = np.zeros((present.size, ns, width), dtype=np.float64)
                m2 = np.zeros_like(mean) if j["std"] else np.zeros((present.size, 1, 1))
                K.block_moments(wf, units, slot, counts, mean, m2, j["std"])
                out["moments"] = (present, counts, mean, m2)
            if not j["keep_waveforms"] or target is not None:
                wf = None
        out["waveforms"] = wf
        noise = []
        for k in j["block_noise"].get(block.index, ()):
            ns_seg, a, b = j["noise_slices"][k]
            noise.append((k, self._noise_levels(int(ns_seg), int(a), int(b))))
        out["noise"] = noise
        return out

    def _noise_levels(self, seg: int, a: int, b: int) -> np.ndarray:
        from memphys.ephys.waveform_tools import noise_levels_of_chunk

        j = self.job
        view = self._view(seg)
        if view is not None:
            raw = np.array(view[a:b])
        else:
            raw = np.asarray(j["recording"].segments[seg].get_traces(start_frame=a, end_frame=b))
        return noise_levels_of_chunk(
            raw, j["noise_gains"], j["noise_offsets"], j["noise_scale"], j["noise_method"]
        )


class _PassWorker(SinkWorker):
    trims = False


class _PassSink(Sink):
    """Consumes the blocks in order: waveforms to the store, moments merged, noise kept."""

    def __init__(
        self, store: Any, moments: tuple[np.ndarray, ...] | None, std: bool, n_noise: int
    ) -> None:
        self.store = store
        self.moments = moments
        self.std = std
        self.noise: list[np.ndarray | None] = [None] * n_noise

    def worker(self) -> SinkWorker:
        return _PassWorker()

    def consume(self, block: Block, payload: Any) -> None:
        from memphys.ephys import _waveform_numba as K

        i0, _i1 = payload["rows"]
        if self.store is not None and payload["waveforms"] is not None:
            self.store.write(i0, payload["waveforms"])
        if self.moments is not None and "moments" in payload:
            present, counts_b, mean_b, m2_b = payload["moments"]
            counts, mean, m2 = self.moments
            K.merge_moments(present, counts_b, mean_b, m2_b, counts, mean, m2, self.std)
        for k, levels in payload["noise"]:
            self.noise[k] = levels

    def finalize(self) -> Any:
        return None

    def abort(self) -> None:
        if self.store is not None:
            self.store.abort()


def _plan(
    spikes_seg: np.ndarray,
    samples: np.ndarray,
    seg_lens: list[int],
    chunk: int,
    noise_slices: list[tuple[int, int, int]],
    row_bytes: int,
    whole: list[bool],
    min_tasks: int,
    task_bytes: int = TASK_BYTES,
) -> tuple[Plan, np.ndarray, dict[int, list[int]]]:
    """Tasks: chunks of ``chunk`` samples holding a spike or a noise chunk's start, and
    consecutive such chunks of a segment grouped while their waveforms stay under
    ``task_bytes`` (not for sources read whole per chunk), keeping at least
    ``min_tasks`` tasks for the workers."""
    by_chunk: dict[tuple[int, int], list[int]] = {}
    for k, (seg, a, _b) in enumerate(noise_slices):
        by_chunk.setdefault((int(seg), int(a) // chunk), []).append(k)
    seg_bounds = np.searchsorted(spikes_seg, np.arange(len(seg_lens) + 1))
    pieces: list[tuple[int, int, int, int, int, list[int]]] = []
    for seg, n in enumerate(seg_lens):
        s0, s1 = int(seg_bounds[seg]), int(seg_bounds[seg + 1])
        seg_samples = samples[s0:s1]
        keys = set(np.unique(seg_samples // chunk).tolist()) if seg_samples.size else set()
        keys |= {c for (sg, c) in by_chunk if sg == seg}
        for c in sorted(keys):
            start = c * chunk
            stop = max(start, min(start + chunk, n))
            a, b = np.searchsorted(seg_samples, [start, start + chunk])
            pieces.append((seg, start, stop, s0 + int(a), s0 + int(b), by_chunk.get((seg, c), [])))
    total = sum(p[4] - p[3] for p in pieces) * max(row_bytes, 1)
    limit = min(task_bytes, max(row_bytes, total // max(min_tasks, 1)))
    blocks: list[Block] = []
    spans: list[tuple[int, int]] = []
    block_noise: dict[int, list[int]] = {}
    cur: list[Any] | None = None
    for seg, start, stop, a, b, noise in pieces:
        grow = (
            cur is not None
            and cur[0] == seg
            and not whole[seg]
            and (b - cur[3]) * row_bytes <= limit
        )
        if grow:
            assert cur is not None
            cur[2], cur[4] = stop, b
            cur[5] = cur[5] + noise
            continue
        if cur is not None:
            _emit(cur, blocks, spans, block_noise)
        cur = [seg, start, stop, a, b, list(noise)]
    if cur is not None:
        _emit(cur, blocks, spans, block_noise)
    plan = Plan(tuple(blocks), tuple((0, int(n)) for n in seg_lens), max(1, int(chunk)))
    return plan, np.asarray(spans, dtype=np.int64).reshape(-1, 2), block_noise


def _emit(
    cur: list[Any],
    blocks: list[Block],
    spans: list[tuple[int, int]],
    block_noise: dict[int, list[int]],
) -> None:
    seg, start, stop, a, b, noise = cur
    idx = len(blocks)
    blocks.append(Block(idx, seg, start, stop, start, stop, 0))
    spans.append((a, b))
    if noise:
        block_noise[idx] = list(noise)


def run_waveform_pass(
    recording: Any,
    spikes: np.ndarray,
    num_units: int,
    nbefore: int,
    nafter: int,
    *,
    return_in_uV: bool = True,
    sparsity_mask: Any = None,
    store: Any = None,
    dtype: Any = None,
    templates: bool = False,
    std: bool = False,
    noise: dict[str, Any] | None = None,
    job_name: str = "waveforms",
    verbose: bool = False,
    **job_kwargs: Any,
) -> PassResult:
    """Waveforms, template moments and noise levels in one pass (module docstring).

    Parameters
    ----------
    recording : BaseRecording
    spikes : structured array
        ``sample_index``, ``unit_index``, ``segment_index``, sorted by segment then sample.
    num_units : int
    nbefore, nafter : int
        The window, in samples.
    return_in_uV : bool
        Scale to µV (float32) when the recording has gains.
    sparsity_mask : array (units x channels), optional
        Each unit's channels (all when None).
    store : waveform store, optional
        Where the waveforms go (:mod:`memphys.ephys.waveform_stores`); None: not kept.
    dtype : dtype, optional
        Waveform dtype (default float32 when scaled, else the recording's).
    templates, std : bool
        Accumulate the per-unit mean (and squared deviations).
    noise : dict, optional
        ``slices`` [(segment, start, stop)], ``method`` ("mad", "std", "rms") and
        ``return_in_uV``: noise levels of those chunks, averaged.
    **job_kwargs
        ``n_jobs``, ``chunk_duration`` (block length), ``pool_engine``, ``progress_bar``...
    """
    spikes = np.asarray(spikes)
    samples = np.ascontiguousarray(spikes["sample_index"], dtype=np.int64)
    units = np.ascontiguousarray(spikes["unit_index"], dtype=np.int64)
    segs = np.ascontiguousarray(spikes["segment_index"], dtype=np.int64)
    n_seg = recording.get_num_segments()
    seg_lens = [int(recording.get_num_samples(s)) for s in range(n_seg)]
    if samples.size:
        key_ok = np.all((np.diff(segs) > 0) | ((np.diff(segs) == 0) & (np.diff(samples) >= 0)))
        if not key_ok:
            raise ExtractorValueError(
                "Invalid value for `spikes`: expected spikes sorted by segment then sample "
                "(as sorting.to_spike_vector() gives them)."
            )
        if segs[0] < 0 or segs[-1] >= n_seg:
            raise ExtractorValueError(
                f"Invalid value for `spikes`: segment indices must be in [0, {n_seg}), but got "
                f"{int(segs.min())}..{int(segs.max())}."
            )
        if units.min() < 0 or units.max() >= num_units:
            raise ExtractorValueError(
                f"Invalid value for `spikes`: unit indices must be in [0, {num_units}), but "
                f"got {int(units.min())}..{int(units.max())}."
            )
    n_ch = recording.get_num_channels()
    table, nchan = channel_table(sparsity_mask, num_units, n_ch)
    width = int(nchan.max()) if num_units else 0
    if sparsity_mask is None:
        width = n_ch
    scale = bool(return_in_uV and recording.has_scaleable_traces())
    rec_dtype = np.dtype(recording.get_dtype())
    if dtype is None:
        dtype = np.float32 if scale else rec_dtype
    wf_dtype = np.dtype(dtype)
    if scale and wf_dtype.kind != "f":
        raise ExtractorValueError(
            f"Invalid value for `dtype`: waveforms scaled to µV need a float dtype, but got "
            f"{wf_dtype}."
        )
    if scale:
        gains = np.asarray(recording.get_property("gain_to_uV"), dtype=np.float32)
        offsets = np.asarray(recording.get_property("offset_to_uV"), dtype=np.float32)
    else:
        gains = np.ones(n_ch, dtype=np.float32)
        offsets = np.zeros(n_ch, dtype=np.float32)
    moments_dtype = wf_dtype if wf_dtype.kind == "f" else np.dtype(np.float32)
    noise_slices = list(noise["slices"]) if noise else []
    job = fix_job_kwargs(prefer_threads({k: v for k, v in job_kwargs.items() if v is not None}))
    chunk = ensure_chunk_size(recording, **job)
    n_jobs = ensure_n_jobs(recording, job.get("n_jobs", 1))
    whole = [_whole_block_reads(recording, s) for s in range(n_seg)]
    row_bytes = int(nbefore + nafter) * max(width, 1) * 4
    task_bytes = TASK_BYTES
    if job.get("chunk_memory") is not None or job.get("total_memory") is not None:
        from memphys.ephys.core_tools import memory_to_bytes

        if job.get("chunk_memory") is not None:
            budget = memory_to_bytes(job["chunk_memory"], "chunk_memory")
        else:
            budget = memory_to_bytes(job["total_memory"], "total_memory") // max(n_jobs, 1)
        task_bytes = max(row_bytes, min(TASK_BYTES, budget // 2))  # waveforms + moments
    plan, spans, block_noise = _plan(
        segs, samples, seg_lens, chunk, noise_slices, row_bytes, whole, MIN_TASKS, task_bytes
    )
    noise_gains, noise_offsets, noise_scale = gains, offsets, False
    if noise:
        noise_scale = bool(noise.get("return_in_uV", True))
        if noise_scale and not recording.has_scaleable_traces() and rec_dtype.kind != "f":
            raise ExtractorValueError(
                "This recording does not support return_in_uV=True (need gain_to_uV and "
                "offset_to_uV properties): set them with set_channel_gains() and "
                "set_channel_offsets()."
            )
        noise_scale = noise_scale and recording.has_scaleable_traces()
        if noise_scale:
            noise_gains = np.asarray(recording.get_property("gain_to_uV"))
            noise_offsets = np.asarray(recording.get_property("offset_to_uV"))
    task_job = dict(
        recording=recording,
        samples=samples,
        units=units,
        block_spikes=spans,
        block_noise=block_noise,
        noise_slices=noise_slices,
        seg_lens=seg_lens,
        whole=whole,
        chan_table=table,
        nchan=nchan,
        width=width,
        nbefore=int(nbefore),
        nafter=int(nafter),
        gains=gains,
        offsets=offsets,
        scale=scale,
        add_offset=bool(scale and np.any(offsets != 0)),
        wf_dtype=wf_dtype if store is not None else moments_dtype,
        moments=bool(templates),
        std=bool(std),
        keep_waveforms=store is not None,
        num_units=int(num_units),
        noise_gains=noise_gains,
        noise_offsets=noise_offsets,
        noise_scale=noise_scale,
        noise_method=(noise or {}).get("method", "mad"),
    )
    engine_job = to_engine_job(
        dict(
            n_jobs=n_jobs,
            pool_engine=job.get("pool_engine", "process"),
            progress_bar=bool(job.get("progress_bar", False)),
            mp_context=job.get("mp_context"),
            max_threads_per_worker=job.get("max_threads_per_worker"),
        )
    )
    result = PassResult()
    if store is not None:
        store.open((int(samples.size), int(nbefore + nafter), int(width)), wf_dtype)
    if store is not None and len(plan):
        from memphys.engine import make_executor

        executor = make_executor(engine_job, len(plan)).name
        if executor in ("serial", "thread", "process"):  # dask workers may be remote
            task_job["target"] = store.target(executor != "process")
    moments = None
    if templates:
        from memphys.ephys._waveform_numba import empty_moments

        moments = empty_moments(int(num_units), int(nbefore + nafter), int(width))
    sink = _PassSink(store, moments, bool(std), len(noise_slices))
    if verbose:
        # SpikeInterface prints its verbose lines to stdout
        sys.stdout.write(
            f"{job_name}: {len(plan)} blocks of up to {chunk} samples, n_jobs={n_jobs}\n"
        )
    sources = [_NullSource(n) for n in seg_lens] if seg_lens else [_NullSource(0)]
    if len(plan):
        run_blocks(_PassTask(task_job), sources, plan, sink, desc=job_name, job=engine_job)
    if store is not None:
        result.waveforms = store.finalize()
    if moments is not None:
        result.counts, result.mean, result.m2 = moments
    if noise_slices:
        levels = [lv for lv in sink.noise if lv is not None]
        if len(levels) != len(noise_slices):
            raise ExtractorValueError("Some noise chunks were not read (a bug in the plan).")
        result.noise_levels = np.mean(np.stack(levels), axis=0)
    return result
