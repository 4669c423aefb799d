"""Fourier transforms and power spectral densities of time series, in bounded memory.

- :func:`compute_fft` and :func:`compute_power_spectral_density` transform one epoch
  whole (a Fourier transform is not blockable). They run in memory when the epoch and the
  transform's temporaries fit the memory budget, and otherwise raise
  :class:`~memphys.errors.MemoryBudgetError` pointing to
  :func:`compute_mean_power_spectral_density` or to a shorter epoch.
- :func:`compute_mean_power_spectral_density` averages the Hamming-windowed periodograms
  of windows of ``interval_size`` (Welch's method, as pynapple) through the chunked
  engine: the source is read once, in contiguous blocks of whole windows, in parallel with
  the job kwargs (``n_jobs``, ``chunk_size``, ``progress_bar`` ...). The periodograms of
  the windows are added in window order in the main process, so the result is
  bit-identical whatever the block size, the executor or the number of jobs.

Outputs are pandas DataFrames indexed by frequency, as in pynapple.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(0, 10, 1 / 100)
>>> sig = nap.Tsd(t=t, d=np.sin(2 * np.pi * 10 * t))
>>> psd = nap.compute_mean_power_spectral_density(sig, interval_size=1.0, fs=100)
>>> float(psd.index[psd.iloc[:, 0].argmax()])
10.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.engine import Block, BlockOp, Plan, Sink, SinkWorker, run_op
from memphys.errors import MemoryBudgetError, MemphysRuntimeError, MemphysValueError
from memphys.process._spectrum_common import check_job_kwargs, check_param_types, resolve_fs

__all__ = [
    "PeriodogramOp",
    "compute_fft",
    "compute_power_spectral_density",
    "compute_mean_power_spectral_density",
]

#: Bytes of FFT temporaries per element of the transform (a float64 copy, the complex128
#: result, and the sorted/selected copy handed to pandas).
_FFT_BYTES_PER_ELEMENT = 8 + 16 + 16

#: Elements of one batch of windows transformed at once (bounds the float64 temporaries).
_BATCH_ELEMENTS = 1 << 18

#: Windows generated per step when splitting epochs (bounds the memory of the split).
_SPLIT_CHUNK = 1 << 20


def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def _n_channels(sig: Any) -> int:
    return int(np.prod(sig.shape[1:], dtype=np.int64)) if sig.ndim > 1 else 1


def _single_epoch(sig: Any, ep: Any) -> tuple[int, int, Any]:
    """Rows ``[i0, i1)`` of the one epoch of ``ep`` (default: the time support)."""
    from memphys.core.blocks import epoch_rows

    if ep is None:
        ep = sig.time_support
    if len(ep) != 1:
        raise MemphysValueError("Given epoch (or signal time_support) must have length 1")
    i0, i1 = epoch_rows(sig, ep)
    a, b = int(i0[0]), int(i1[0])
    if b <= a:
        raise MemphysValueError(
            f"Invalid value for `ep`: expected an epoch holding samples of `sig`, but "
            f"[{ep.start[0]}, {ep.end[0]}] holds none."
        )
    return a, b, ep


def _epoch_fft(
    sig: Any, fs: float, ep: Any, full_range: bool, n: int | None, func: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Sorted frequencies, the matching FFT rows, and the transform length."""
    from memphys.core.blocks import memory_budget, source_of

    a, b, ep = _single_epoch(sig, ep)
    m = b - a
    if n is not None and n <= 0:
        raise MemphysValueError(
            f"Invalid value for `n`: expected a positive length of the transform, but got {n}."
        )
    nfft = m if n is None else int(n)
    rows = min(m, nfft)
    ch = _n_channels(sig)
    itemsize = int(np.dtype(sig.dtype).itemsize)
    need = rows * ch * itemsize + nfft * ch * _FFT_BYTES_PER_ELEMENT
    if need > memory_budget():
        duration = float(ep.end[0] - ep.start[0])
        raise MemoryBudgetError(
            f"{func}: the epoch holds {m} samples ({duration:g} s) x {ch} channel(s); its "
            f"whole-epoch FFT needs about {_mib(need)}, over the memory budget "
            f"({_mib(memory_budget())}). Average the spectra of shorter windows with "
            "compute_mean_power_spectral_density(sig, interval_size=...), restrict the "
            "signal to a shorter epoch (`ep=` or sig.restrict(ep)), or raise the budget with "
            "memphys.set_config(memory_budget=...)."
        )
    data = np.asarray(source_of(sig.values).read(a, a + rows))
    freqs = np.fft.fftfreq(nfft, 1 / fs)
    if not full_range and not np.iscomplexobj(data):
        # non-negative frequencies only: the real transform (half the time and memory)
        keep = (nfft - 1) // 2 + 1
        values = np.fft.rfft(data, n=nfft, axis=0)[:keep]
        return freqs[:keep], values, nfft
    values = np.fft.fft(data, n=nfft, axis=0)
    order = np.argsort(freqs, kind="stable")
    freqs, values = freqs[order], values[order]
    if not full_range:
        pos = freqs >= 0
        freqs, values = freqs[pos], values[pos]
    return freqs, values, nfft


def _frame(values: np.ndarray, freqs: np.ndarray) -> Any:
    import pandas as pd

    return pd.DataFrame(values, index=freqs)


def compute_fft(
    sig: Any,
    fs: float | None = None,
    ep: Any = None,
    full_range: bool = False,
    norm: bool = False,
    n: int | None = None,
    **job_kwargs: Any,
) -> Any:
    """Fast Fourier Transform of a signal over one epoch.

    The epoch is transformed whole, assuming a constant sampling rate. It must fit the
    memory budget together with the transform's temporaries (about 40 bytes per sample and
    channel); otherwise :class:`~memphys.errors.MemoryBudgetError` is raised.

    Parameters
    ----------
    sig : Tsd or TsdFrame
        The signal (in memory, a memmap or a lazy source: only the epoch is read).
    fs : float, optional
        Sampling rate in Hz; by default ``sig.rate``. Must agree (within 1%) with the
        spacing of the timestamps.
    ep : IntervalSet, optional
        The one epoch to transform; by default the time support (which must then have
        one epoch).
    full_range : bool, default False
        Return negative frequencies too; otherwise frequencies >= 0 only (the Nyquist
        frequency excluded, as ``numpy.fft.fftfreq`` puts it on the negative side).
    norm : bool, default False
        Divide the transform by its length.
    n : int, optional
        Length of the transform (the epoch is cropped or zero-padded).
    **job_kwargs
        Accepted for uniformity with the other analyses (the transform runs in memory).

    Returns
    -------
    pandas.DataFrame
        Complex coefficients; the index holds the frequencies (sorted), one column per
        channel.

    Raises
    ------
    ValueError
        If ``ep`` (or the time support) has more than one epoch.
    memphys.errors.MemoryBudgetError
        If the epoch's transform does not fit the memory budget.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 1, 1 / 8)
    >>> r = nap.compute_fft(nap.Tsd(t=t, d=np.cos(2 * np.pi * 2 * t)), fs=8)
    >>> r.index.tolist()
    [0.0, 1.0, 2.0, 3.0]
    >>> np.round(np.abs(r.iloc[:, 0].values), 6).tolist()
    [0.0, 0.0, 4.0, 0.0]
    """
    check_param_types(sig=sig, fs=fs, ep=ep, full_range=full_range, norm=norm, n=n)
    check_job_kwargs(job_kwargs, "compute_fft")
    rate = resolve_fs(sig, fs)
    freqs, values, nfft = _epoch_fft(sig, rate, ep, bool(full_range), n, "compute_fft")
    if norm:
        values = values / nfft
    return _frame(values, freqs)


def compute_power_spectral_density(
    sig: Any,
    fs: float | None = None,
    ep: Any = None,
    full_range: bool = False,
    n: int | None = None,
    **job_kwargs: Any,
) -> Any:
    """Power spectral density (periodogram) of a signal over one epoch.

    ``|FFT|**2 / (fs * n)``, doubled for the frequencies that occur twice when only the
    non-negative ones are returned. The epoch is transformed whole (see
    :func:`compute_fft` for the memory it needs); for long recordings use
    :func:`compute_mean_power_spectral_density`.

    Parameters
    ----------
    sig : Tsd or TsdFrame
    fs : float, optional
        Sampling rate in Hz (default ``sig.rate``).
    ep : IntervalSet, optional
        The one epoch to use (default: the time support, which must have one epoch).
    full_range : bool, default False
        Return negative frequencies too.
    n : int, optional
        Length of the transform (crop or zero-pad).
    **job_kwargs
        Accepted for uniformity (the transform runs in memory).

    Returns
    -------
    pandas.DataFrame
        Power per Hz, indexed by frequency, one column per channel.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 1, 1 / 8)
    >>> sig = nap.Tsd(t=t, d=np.cos(2 * np.pi * 2 * t))
    >>> p = nap.compute_power_spectral_density(sig, fs=8)
    >>> np.round(p.iloc[:, 0].values, 6).tolist()
    [0.0, 0.0, 0.5, 0.0]
    """
    check_param_types(sig=sig, fs=fs, ep=ep, full_range=full_range, n=n)
    check_job_kwargs(job_kwargs, "compute_power_spectral_density")
    rate = resolve_fs(sig, fs)
    freqs, values, nfft = _epoch_fft(
        sig, rate, ep, bool(full_range), n, "compute_power_spectral_density"
    )
    psd = (1 / (rate * nfft)) * (np.abs(values) ** 2)
    if not full_range:
        # frequencies other than 0 and Nyquist occur twice in the full spectrum
        psd[(freqs != 0) & (freqs < (rate / 2 - 1e-6))] *= 2
    return _frame(psd, freqs)


# --- mean power spectral density ------------------------------------------------------------
def _split_windows(
    starts: np.ndarray, ends: np.ndarray, interval_size: Any, overlap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``[t, t + interval_size]`` of each epoch, ``t`` advancing by the step.

    ``t`` is accumulated one step at a time (a cumulative sum), so the window edges are
    the same floats as pynapple's loop gives.
    """
    step = (1 - overlap) * interval_size
    out: list[np.ndarray] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        t = np.float64(s)
        while True:
            steps = np.full(_SPLIT_CHUNK, step, dtype=np.float64)
            steps[0] = t
            run = np.cumsum(steps)  # t, t + step, (t + step) + step, ...
            ok = run + interval_size < e
            n_ok = int(np.argmin(ok)) if not ok.all() else ok.size
            out.append(run[:n_ok])
            if n_ok < ok.size:
                break
            t = run[-1] + step
    w0 = np.concatenate(out) if out else np.empty(0)
    return w0, w0 + interval_size


def _group_windows(w0: np.ndarray, n: int, span: int) -> list[tuple[int, int, int, int]]:
    """Consecutive windows (rows ``[w0[i], w0[i] + n)``) grouped into contiguous reads.

    A group is cut where the next window starts more than ``n`` rows after the end of
    the previous one (another epoch: the rows in between are not read) or would make the
    read longer than ``span`` rows. Returns ``(first, last + 1,
    read_start, read_stop)`` per group.
    """
    groups = []
    first = 0
    read_start = int(w0[0])
    read_stop = read_start + n
    for i in range(1, w0.size):
        s = int(w0[i])
        if s > read_stop + n or s + n - read_start > span:
            groups.append((first, i, read_start, read_stop))
            first, read_start = i, s
        read_stop = s + n
    groups.append((first, int(w0.size), read_start, read_stop))
    return groups


class PeriodogramOp(BlockOp):
    """Per block: the Hamming-windowed periodogram of each window, stacked in order.

    A reduction whose blocks are groups of whole windows (:meth:`plan` groups the windows
    starting at rows ``starts`` into contiguous reads of at most ``chunk_size`` rows) and
    whose sink adds the periodograms in window order (:class:`_OrderedSum`). Per row read,
    the stacked float64 periodograms of the windows it starts, computed then delivered.
    """

    kind = "reduce"
    label = "mean PSD"

    def __init__(
        self,
        starts: np.ndarray,
        n: int,
        window: np.ndarray,
        scale: float,
        overlap: float,
        n_channels: int,
    ) -> None:
        self.starts = np.asarray(starts, dtype=np.int64)
        self.n = n
        self.window = window
        self.scale = scale
        self.windows_per_row = 1.0 / max(1.0, (1 - float(overlap)) * n)
        self.offsets: list[np.ndarray] = []  # per block, window starts in its read range
        self.n_channels = int(n_channels)

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        ch = max(1, int(np.prod(in_trailing, dtype=np.int64)))
        return int(np.ceil(2 * 8 * (self.n // 2 + 1) * ch * self.windows_per_row))

    def plan(self, segments: Any, chunk_size: int, align_to: Any) -> Plan:
        groups = _group_windows(self.starts, self.n, max(int(chunk_size), self.n))
        blocks, offsets, out_pos = [], [], 0
        for g, (first, last, rs, re) in enumerate(groups):
            blocks.append(Block(g, g, rs, re, rs, re, out_pos, rs, re))
            offsets.append(self.starts[first:last] - rs)
            out_pos += re - rs
        self.offsets = offsets
        return Plan(tuple(blocks), tuple((b.start, b.stop) for b in blocks), int(chunk_size))

    def sink(self) -> Sink:
        return _OrderedSum((self.n // 2 + 1, self.n_channels))

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        x = data.reshape(data.shape[0], -1)
        offs = self.offsets[block.index]
        n, ch = self.n, x.shape[1]
        out = np.empty((offs.size, n // 2 + 1, ch), dtype=np.float64)
        batch = max(1, _BATCH_ELEMENTS // (n * ch))
        ramp = np.arange(n)
        win = self.window[None, :, None]
        for a in range(0, offs.size, batch):
            o = offs[a : a + batch]
            tmp = x[o[:, None] + ramp] * win
            spec = np.fft.rfft(tmp, axis=1)
            out[a : a + o.size] = self.scale * (np.abs(spec) ** 2)
        return out


class _Passthrough(SinkWorker):
    trims = False  # payloads are stacks of periodograms, not rows of the block


class _OrderedSum(Sink):
    """Adds the periodograms in window order (block order, then order in the block), so
    the sum is the same floats whatever the blocks and the executor."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.acc = np.zeros(shape, dtype=np.float64)
        self.count = 0

    def worker(self) -> SinkWorker:
        return _Passthrough()

    def consume(self, block: Any, payload: Any) -> None:
        for p in payload:
            self.acc += p
        self.count += len(payload)

    def finalize(self) -> tuple[np.ndarray, int]:
        return self.acc, self.count


def compute_mean_power_spectral_density(
    sig: Any,
    interval_size: float,
    fs: float | None = None,
    overlap: float = 0.25,
    ep: Any = None,
    full_range: bool = False,
    time_unit: str = "s",
    **job_kwargs: Any,
) -> Any:
    """Mean power spectral density over windows of ``interval_size`` (Welch's method).

    Each epoch of ``ep`` is split into windows of ``interval_size`` starting every
    ``(1 - overlap) * interval_size``; every window (cut to the length ``N`` of the
    shortest) is multiplied by a Hamming window, transformed, and its periodogram
    ``|FFT|**2 / (fs * N)`` averaged over the windows. The signal is read once, in
    contiguous blocks of whole windows, and processed in parallel with the job kwargs;
    the periodograms are added in window order, so the result does not depend on the
    block size, the executor or ``n_jobs``. Assumes a constant sampling rate.

    Parameters
    ----------
    sig : Tsd or TsdFrame
        The signal (in memory, a memmap, zarr, HDF5 ...).
    interval_size : float
        Duration of the windows, in ``time_unit``.
    fs : float, optional
        Sampling rate in Hz (default ``sig.rate``); must agree (within 1%) with the
        spacing of the timestamps.
    overlap : float, default 0.25
        Fraction of overlap of successive windows, in ``[0, 1)``.
    ep : IntervalSet, optional
        Epochs to split into windows (default: the time support).
    full_range : bool, default False
        Return negative frequencies too; otherwise the non-negative ones (doubled where
        they occur twice in the full spectrum).
    time_unit : {"s", "ms", "us"}
        Unit of ``interval_size``.
    **job_kwargs
        ``n_jobs``, ``chunk_size`` (the longest read of a block, in samples),
        ``chunk_duration``, ``chunk_memory``, ``progress_bar``, ``pool_engine`` ...

    Returns
    -------
    pandas.DataFrame
        Power per Hz indexed by frequency, one column per channel.

    Raises
    ------
    RuntimeError
        If no window fits in the epochs, or a window holds no sample.
    ValueError
        If ``overlap`` is not in ``[0, 1)``, or ``fs`` disagrees with the timestamps.
    memphys.errors.MemoryBudgetError
        If one window's transform does not fit the memory budget.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 20, 1 / 200)
    >>> sig = nap.TsdFrame(t=t, d=np.stack([np.sin(2 * np.pi * 30 * t)] * 2, axis=1))
    >>> psd = nap.compute_mean_power_spectral_density(sig, 1.995, fs=200, n_jobs=2,
    ...                                               pool_engine="thread", chunk_size=900)
    >>> psd.shape, float(psd.index[psd[0].argmax()])
    ((200, 2), 30.0)
    """
    from scipy.signal import windows

    from memphys.core.blocks import memory_budget, source_of
    from memphys.core.time_index import TsIndex
    from memphys.core.time_units import check_time_units

    check_param_types(
        sig=sig,
        interval_size=interval_size,
        fs=fs,
        overlap=overlap,
        ep=ep,
        full_range=full_range,
        time_unit=time_unit,
    )
    job = check_job_kwargs(job_kwargs, "compute_mean_power_spectral_density")
    if not (0.0 <= overlap < 1.0):
        raise MemphysValueError("Overlap should be in intervals [0.0, 1.0).")
    if ep is None:
        ep = sig.time_support
    rate = resolve_fs(sig, fs)
    size = TsIndex.format_timestamps(np.array([interval_size]), check_time_units(time_unit))[0]
    if not (np.isfinite(size) and size > 0):
        raise MemphysValueError(
            f"Invalid value for `interval_size`: expected a positive duration, but got "
            f"{interval_size!r}."
        )
    starts, ends = np.asarray(ep.start, dtype=np.float64), np.asarray(ep.end, dtype=np.float64)
    w0, w1 = _split_windows(starts, ends, size, float(overlap))
    if w0.size == 0:
        raise MemphysRuntimeError(
            f"Splitting epochs with interval_size={size} generated an empty IntervalSet. Try "
            "decreasing interval_size"
        )
    i0, i1 = sig.time_index.epoch_positions(w0, w1)
    i0 = np.asarray(i0, dtype=np.int64)
    n = int(np.min(np.asarray(i1) - i0))
    if n == 0:
        raise MemphysRuntimeError(
            "One interval doesn't have any signal associated. Check the parameter ep or the "
            "time support if no epoch is passed."
        )
    ch = _n_channels(sig)
    itemsize = int(np.dtype(sig.dtype).itemsize)
    one_window = n * ch * (itemsize + 8 + 8 + 8) + (n // 2 + 1) * ch * 8 * 2
    if one_window > memory_budget():
        raise MemoryBudgetError(
            f"compute_mean_power_spectral_density: one window of {n} samples x {ch} "
            f"channel(s) needs about {_mib(one_window)}, over the memory budget "
            f"({_mib(memory_budget())}). Use a shorter interval_size or raise the budget with "
            "memphys.set_config(memory_budget=...)."
        )
    op = PeriodogramOp(i0, n, windows.hamming(n), 1 / (rate * n), float(overlap), ch)
    total, count = run_op(op, source_of(sig.values), sampling_rate=rate, **job)
    half = total / float(count)
    if sig.ndim == 1:
        half = half[:, 0]
    freqs = np.fft.fftfreq(n, 1 / rate)
    if full_range:
        j = np.arange(n)
        full = half[np.minimum(j, n - j)]
        order = np.argsort(freqs, kind="stable")
        return _frame(full[order], freqs[order])
    keep = (n - 1) // 2 + 1
    psd, freqs = half[:keep].copy(), freqs[:keep]
    psd[(freqs != 0) & (freqs < (rate / 2 - 1e-6))] *= 2
    return _frame(psd, freqs)
