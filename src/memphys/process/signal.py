"""Analytic signal, envelope and phase (Hilbert transform), and oscillatory-event detection.

pynapple's functions and signatures, computed through the engine epoch by epoch:

- An epoch whose analytic signal fits the memory budget (the usual case: at 1250 Hz,
  hours of one channel) is transformed whole with :func:`scipy.signal.hilbert`, exactly
  as pynapple does.
- A longer epoch is transformed in blocks that read ``halo`` samples on each side
  (default: 4 s of data, at least 8192 samples). The analytic signal is not local (its
  kernel decays like ``1/n``), so this is an approximation: for a band-limited signal
  (what the Hilbert transform is meant for, e.g. after a band-pass filter) the error is
  below 1e-6 of the signal's amplitude with the default halo; for broadband noise it
  decays like ``1/sqrt(halo)``. Near an epoch's ends the whole-epoch FFT result itself
  depends on the other end of the epoch (the FFT is circular); blocks do not reproduce
  that artefact.

pynapple transforms the concatenation of all epochs as one signal; memphys transforms
each epoch separately (as its filters do). The results are identical for one epoch.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(0, 10, 0.001)
>>> x = nap.Tsd(t=t, d=np.cos(2 * np.pi * 5 * t))
>>> env = nap.compute_hilbert_envelope(x)
>>> bool(np.allclose(env.values[1000:9000], 1.0, atol=1e-6))
True
"""

from __future__ import annotations

import numbers
import tempfile
import warnings
from typing import Any

import numpy as np

from memphys.engine import Block, BlockOp, MeanVar, reduce_chunks
from memphys.errors import MemphysTypeError, MemphysValueError

__all__ = [
    "HilbertOp",
    "apply_hilbert_transform",
    "compute_hilbert_envelope",
    "compute_hilbert_phase",
    "detect_oscillatory_events",
]

#: Default halo of block-wise Hilbert transforms: this many seconds of data ...
HALO_SECONDS = 8.0
#: ... and at least this many samples.
HALO_MIN_SAMPLES = 16384


def _ramp(n: int) -> np.ndarray:
    """Half a Hann window rising from 0 over ``n`` samples."""
    return 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)


def _phase(analytic: np.ndarray) -> np.ndarray:
    # pynapple's formula, axis included (np.unwrap's default, the last axis)
    return np.mod(np.unwrap(np.angle(analytic)), 2 * np.pi)


class HilbertOp(BlockOp):
    """Analytic signal (or its envelope or phase) of a block, trimmed of its halo.

    Epochs that fit one worker's memory are transformed whole (``whole_segments``), exactly
    as scipy's ``hilbert`` of the epoch; longer ones in blocks with tapered halos.
    """

    whole_segments = True

    def __init__(
        self, kind: str, complex_dtype: np.dtype[Any], out_dtype: np.dtype[Any], halo: int
    ) -> None:
        self.transform = kind
        self.complex_dtype = complex_dtype
        self.dtype = out_dtype
        self.halo = int(halo)
        self.label = f"hilbert {kind}"

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        # the float copy and the FFT's complex128 buffers
        return max(1, int(np.prod(in_trailing, dtype=np.int64))) * (8 + 3 * 16)

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        from scipy.signal import hilbert

        x = np.asarray(data)
        if x.dtype.kind != "f":
            x = x.astype(np.float32 if self.complex_dtype == np.complex64 else np.float64)
        before, after = block.trim_before, block.trim_after
        if before or after:  # taper the halos: the block's periodic extension is smooth
            x = x.astype(np.float64 if x.dtype == np.float64 else np.float32, copy=True)
            shape = (-1,) + (1,) * (x.ndim - 1)
            if before:
                x[:before] *= _ramp(before).reshape(shape)
            if after:
                x[x.shape[0] - after :] *= _ramp(after)[::-1].reshape(shape)
        a = hilbert(x, axis=0)
        a = a[block.trim_before : block.trim_before + block.length]
        if self.transform == "envelope":
            out = np.abs(a)
        elif self.transform == "phase":
            out = _phase(a)
        else:
            return np.asarray(a, dtype=self.complex_dtype)
        return np.asarray(out, dtype=np.float32 if self.complex_dtype == np.complex64 else None)


def _hilbert(data: Any, kind: str, halo: Any, out: Any, job_kwargs: dict[str, Any]) -> Any:
    from memphys.core.blocks import apply_blocks, check_job_kwargs
    from memphys.core.time_series import Tsd, TsdFrame

    if not isinstance(data, Tsd | TsdFrame):
        raise MemphysTypeError("data should be a Tsd or TsdFrame.")
    job = check_job_kwargs(job_kwargs, f"hilbert ({kind})")
    in_dtype = np.dtype(data.dtype)
    if in_dtype.kind not in "biuf":
        raise MemphysTypeError(
            f"Invalid data: expected real numbers for the Hilbert transform, but got dtype "
            f"{in_dtype}."
        )
    cdt = np.dtype(np.complex128 if in_dtype == np.float64 else np.complex64)
    out_dtype = cdt if kind == "analytic" else np.dtype(cdt.char.lower())
    rate = float(data.rate) if len(data) > 1 else 1.0
    if halo is None:
        halo = max(HALO_MIN_SAMPLES, round(HALO_SECONDS * rate)) if np.isfinite(rate) else 8192
    return apply_blocks(data, HilbertOp(kind, cdt, out_dtype, int(halo)), out=out, **job)


_HILBERT_PARAMS = """
    Parameters
    ----------
    data : Tsd or TsdFrame
        The signal (in memory, a memmap or a lazy source).
    halo : int, optional
        Samples read on each side of a block when an epoch is transformed in blocks
        (default: 4 s of data, at least 8192 samples). Unused for epochs that fit the
        memory budget, which are transformed whole.
    out : None, str, numpy.ndarray or zarr.Array
        Where to write a result larger than the memory budget (``.npy``/``.zarr`` path).
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``chunk_duration``, ``progress_bar``, ... Giving a
        chunk size forces block-wise processing.
"""


def apply_hilbert_transform(
    data: Any, *, halo: int | None = None, out: Any = None, **job_kwargs: Any
) -> Any:
    """The analytic signal ``x + i H[x]`` of each epoch (:func:`scipy.signal.hilbert`).

    {params}
    Returns
    -------
    Tsd or TsdFrame
        Complex: complex128 for float64 input, complex64 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> from scipy.signal import hilbert
    >>> t = np.arange(0, 20, 0.1)
    >>> a = nap.apply_hilbert_transform(nap.Tsd(t=t, d=np.sin(t)))
    >>> a.dtype, bool(np.array_equal(a.values, hilbert(np.sin(t))))
    (dtype('complex128'), True)
    """
    return _hilbert(data, "analytic", halo, out, job_kwargs)


def compute_hilbert_envelope(
    data: Any, *, halo: int | None = None, out: Any = None, **job_kwargs: Any
) -> Any:
    """The envelope ``|x + i H[x]|`` of each epoch.

    {params}
    Returns
    -------
    Tsd or TsdFrame
        float64 for float64 input, float32 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 20, 0.01)
    >>> env = nap.compute_hilbert_envelope(nap.Tsd(t=t, d=2 * np.sin(2 * np.pi * t)))
    >>> bool(np.allclose(env.values[200:1800], 2.0, atol=1e-3))
    True
    """
    return _hilbert(data, "envelope", halo, out, job_kwargs)


def compute_hilbert_phase(
    data: Any, *, halo: int | None = None, out: Any = None, **job_kwargs: Any
) -> Any:
    """The instantaneous phase of each epoch, wrapped to ``[0, 2 pi)``.

    Computed as pynapple does, ``np.mod(np.unwrap(np.angle(a)), 2 * np.pi)`` (for a
    TsdFrame ``np.unwrap`` runs along its default, last axis).

    {params}
    Returns
    -------
    Tsd or TsdFrame
        float64 for float64 input, float32 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 20, 0.01)
    >>> ph = nap.compute_hilbert_phase(nap.Tsd(t=t, d=np.cos(2 * np.pi * t)))
    >>> round(float(ph.values[1000]), 6)  # cos(2 pi t) has phase 0 at t = 10
    0.0
    """
    return _hilbert(data, "phase", halo, out, job_kwargs)


for _f in (apply_hilbert_transform, compute_hilbert_envelope, compute_hilbert_phase):
    _f.__doc__ = (_f.__doc__ or "").replace("{params}", _HILBERT_PARAMS.strip("\n").lstrip())


# --- detect_oscillatory_events -------------------------------------------------------------
def _check_band(name: str, val: Any) -> None:
    if not isinstance(val, tuple):
        raise MemphysTypeError(f"`{name}` must be a tuple, got {type(val)}")
    if len(val) != 2:
        raise MemphysValueError(f"`{name}` must have length 2, got {len(val)}")
    if not all(isinstance(x, numbers.Real) for x in val):
        raise MemphysTypeError(f"`{name}` must contain numeric values")
    if val[0] >= val[1]:
        raise MemphysValueError(f"`{name}` must be (min, max) with min < max")


def _validate_detection(
    data: Any,
    epochs: Any,
    frequency_band: Any,
    threshold_band: Any,
    duration_band: Any,
    min_interval: Any,
    fs: Any,
    sliding_window_size: Any,
) -> None:
    from memphys.core.interval_set import IntervalSet
    from memphys.core.time_series import Tsd

    if not isinstance(data, Tsd):
        raise MemphysTypeError(f"`data` must be `Tsd`, got {type(data)}")
    if not isinstance(epochs, IntervalSet):
        raise MemphysTypeError(f"`epochs` must be `IntervalSet`, got {type(epochs)}")
    _check_band("frequency_band", frequency_band)
    _check_band("threshold_band", threshold_band)
    _check_band("duration_band", duration_band)
    if not isinstance(min_interval, numbers.Real):
        raise MemphysTypeError("`min_interval` must be a number")
    if min_interval < 0:
        raise MemphysValueError("`min_interval` must be >= 0")
    if fs is not None:
        if not isinstance(fs, numbers.Real):
            raise MemphysTypeError("`fs` must be a number or None")
        if fs <= 0:
            raise MemphysValueError("`fs` must be > 0")
    if not isinstance(sliding_window_size, int) or isinstance(sliding_window_size, bool):
        raise MemphysTypeError("`sliding_window_size` must be an integer")
    if sliding_window_size <= 0:
        raise MemphysValueError("`sliding_window_size` must be > 0")


class _ZScore:
    """``(d - mean) / std`` (picklable)."""

    def __init__(self, mean: float, std: float) -> None:
        self.mean, self.std = mean, std

    def __call__(self, d: np.ndarray) -> np.ndarray:
        return (d - self.mean) / self.std


def detect_oscillatory_events(
    data: Any,
    epochs: Any,
    frequency_band: tuple[float, float],
    threshold_band: tuple[float, float],
    duration_band: tuple[float, float],
    min_interval: float,
    fs: float | None = None,
    sliding_window_size: int = 51,
    **job_kwargs: Any,
) -> Any:
    """Detect oscillatory events (ripples, spindles, ...) as an IntervalSet.

    pynapple's algorithm: band-pass filter ``data`` restricted to ``epochs``, take the
    Hilbert envelope, smooth it with a box of ``sliding_window_size`` samples, z-score it
    (mean and standard deviation over all epochs), keep the epochs where it lies between
    the two thresholds, drop those shorter or longer than ``duration_band``, and merge
    those closer than ``min_interval``. Each step streams through the engine; results
    larger than the memory budget go to temporary files. The thresholding is block-wise
    and joins runs across block boundaries, so an event crossing a boundary is found once.

    Parameters
    ----------
    data : Tsd
        One-dimensional signal.
    epochs : IntervalSet
        Where to look for events.
    frequency_band : (float, float)
        Band-pass cutoffs in Hz.
    threshold_band : (float, float)
        Lower and upper thresholds of the z-scored smoothed envelope.
    duration_band : (float, float)
        Minimal and maximal event duration in seconds.
    min_interval : float
        Events closer than this (seconds) are merged.
    fs : float, optional
        Sampling rate in Hz (default: the rate of ``data``).
    sliding_window_size : int, default 51
        Samples of the box smoothing window.
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``progress_bar``, ...

    Returns
    -------
    IntervalSet
        The events, with metadata ``power`` (dB of the mean squared envelope),
        ``amplitude`` (envelope maximum) and ``peak_time``.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 5, 0.001)
    >>> x = np.where((t > 1) & (t < 2), np.sin(2 * np.pi * 25 * t), 0.0)
    >>> ev = nap.detect_oscillatory_events(nap.Tsd(t=t, d=x), nap.IntervalSet(0, 5),
    ...                                    (10, 30), (1, 10), (0.1, 2), 0.02)
    >>> len(ev), bool(abs(ev.start[0] - 1) < 0.05 and abs(ev.end[0] - 2) < 0.05)
    (1, True)
    """
    from memphys.core.blocks import is_in_memory, memory_budget
    from memphys.core.interval_set import IntervalSet
    from memphys.process.filtering import apply_bandpass_filter

    _validate_detection(
        data,
        epochs,
        frequency_band,
        threshold_band,
        duration_band,
        min_interval,
        fs,
        sliding_window_size,
    )
    if fs is None:
        fs = data.rate
    data = data.restrict(epochs)
    n = len(data)
    # one float64 column per intermediate result: keep it in memory if all fit
    in_memory = is_in_memory(data.values) or 6 * 8 * n <= memory_budget()
    with tempfile.TemporaryDirectory(prefix="memphys-events-", ignore_cleanup_errors=True) as tmp:

        def dest(name: str) -> str | None:
            return None if in_memory else f"{tmp}/{name}.npy"

        filtered = apply_bandpass_filter(
            data, frequency_band, fs, out=dest("filtered"), **job_kwargs
        )
        envelope = compute_hilbert_envelope(filtered, out=dest("envelope"), **job_kwargs)
        window = np.ones(sliding_window_size) / sliding_window_size
        smoothed = envelope.convolve(window, out=dest("smoothed"), **job_kwargs)
        if in_memory:
            zscored = (smoothed - smoothed.mean()) / smoothed.std()
        else:
            stats = reduce_chunks(smoothed.values, MeanVar(), progress_bar=False)
            zfunc = _ZScore(float(stats.mean), float(stats.std))
            zscored = smoothed.map_chunks(zfunc, out=dest("zscored"), **job_kwargs)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Some epochs have no duration")
            above = zscored.threshold(threshold_band[0], method="above", **job_kwargs)
            inside = above.threshold(threshold_band[1], method="below")
        osc_ep = inside.time_support
        osc_ep = osc_ep.drop_short_intervals(duration_band[0], time_units="s")
        osc_ep = osc_ep.drop_long_intervals(duration_band[1], time_units="s")
        osc_ep = osc_ep.merge_close_intervals(min_interval, time_units="s")
        powers, amplitudes, peaks = [], [], []
        for s, e in osc_ep.values:
            seg = envelope.get(s, e)
            vals = np.asarray(seg.values, dtype=np.float64)
            if vals.size == 0:
                powers.append(np.nan)
                amplitudes.append(np.nan)
                peaks.append(np.nan)
                continue
            power = float(np.mean(vals**2))
            powers.append(10 * np.log10(power) if power > 0 else np.nan)
            k = int(np.argmax(vals))
            amplitudes.append(float(vals[k]))
            peaks.append(float(seg.t[k]))
    metadata = {"power": powers, "amplitude": amplitudes, "peak_time": peaks}
    return IntervalSet(start=osc_ep.start, end=osc_ep.end, metadata=metadata)
