"""Filters of time series through the engine: ``convolve``, ``smooth``, ``derivative``
and ``decimate``.

Each epoch is a separate signal (pynapple's semantics: zero padding outside each epoch
for convolutions, one-sided differences at epoch edges for derivatives, scipy's edge
handling per epoch for decimation). Blocks read a halo around them (the kernel length,
one sample, or the decay of the anti-aliasing filter), so chunked results equal the
whole-epoch computation: exactly for convolutions and derivatives up to float rounding,
and to about 1e-10 of the signal's scale for the IIR decimation of epochs that do not
fit the memory budget (smaller epochs are decimated whole, as pynapple does).
Outputs are float64, whatever the input dtype.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(6.0), d=np.array([0, 0, 3, 0, 0, 0], dtype="int16"))
>>> tsd.convolve(np.ones(3) / 3).values
array([0., 1., 1., 1., 0., 0.])
>>> tsd.derivative().values
array([ 0. ,  1.5,  0. , -1.5,  0. ,  0. ])
"""

from __future__ import annotations

import warnings
from numbers import Number
from typing import Any

import numpy as np

from memphys.core._tsd_engine import check_job_kwargs, epoch_rows, run_epochs
from memphys.core.base_class import (
    _initialize_tsd_output,
    budget,
    index_ranges,
    is_array_like,
    make_time_index,
    row_nbytes,
)
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import TsIndex
from memphys.errors import MemphysOSError

__all__ = ["convolve", "decimate", "derivative", "smooth"]


# --- convolve -----------------------------------------------------------------------------
def _cut(k: int, trim: str) -> int:
    """Offset in the full convolution of the first kept sample."""
    if trim == "left":
        return k - 1
    if trim == "right":
        return 0
    return (k - 1) // 2


class _ConvolveBlock:
    """Full convolution of a block with zero padding beyond its epoch, cut to the block."""

    def __init__(self, kernel: np.ndarray, trim: str, shape: tuple[int, ...]) -> None:
        self.kernel = kernel  # (k, n_kernels)
        self.trim = trim
        self.shape = shape  # trailing shape of the output

    def halo(self) -> tuple[int, int]:
        k = self.kernel.shape[0]
        c0 = _cut(k, self.trim)
        return k - 1 - c0, c0

    def __call__(self, data: np.ndarray, block: Any) -> np.ndarray:
        from scipy import signal

        before, after = self.halo()
        pad_b = before - block.trim_before
        pad_a = after - block.trim_after
        x = np.asarray(data, dtype=np.float64).reshape(data.shape[0], -1)
        x = np.concatenate(
            [np.zeros((pad_b, x.shape[1])), x, np.zeros((pad_a, x.shape[1]))], axis=0
        )
        n_k = self.kernel.shape[1]
        out = np.empty((block.length, x.shape[1], n_k))
        for i in range(x.shape[1]):
            for j in range(n_k):
                out[:, i, j] = signal.convolve(x[:, i], self.kernel[:, j], mode="valid")
        return out.reshape(block.length, *self.shape)


def _convolve_kernel(
    self: Any,
    array: Any,
    ep: IntervalSet | None,
    trim: str,
    out: Any,
    job_kwargs: dict[str, Any],
    stacklevel: int,
) -> Any:
    if not is_array_like(array):
        raise MemphysOSError(
            "Input should be a numpy array (or jax array if pynajax is installed)."
        )
    if len(array) == 0:
        raise MemphysOSError("Input array is length 0")
    array = np.asarray(array)
    if array.ndim > 2:
        raise MemphysOSError("Array should be 1 or 2 dimension.")
    if trim not in ("both", "left", "right"):
        raise MemphysOSError("Unknown argument. trim should be 'both', 'left' or 'right'.")
    if ep is None:
        ep = self.time_support
    elif not isinstance(ep, IntervalSet):
        raise MemphysOSError("ep should be an object of type IntervalSet")
    i0, i1 = epoch_rows(self, ep)
    k = array.shape[0]
    n_samples = i1 - i0
    too_short = n_samples < k
    if np.any(too_short):
        warnings.warn(
            f"Kernel size ({k} samples) is larger than the number of samples in "
            f"{np.sum(too_short)} out of {len(n_samples)} epochs (shortest epoch has "
            f"{n_samples.min()} samples). The signal is zero-padded outside each epoch, so "
            "every point of the output in those epochs is contaminated by the padding and "
            "artifacts are expected. Consider decreasing the kernel/window size.",
            UserWarning,
            stacklevel=stacklevel,
        )
    shape = (*tuple(self.shape[1:]), *array.shape[1:])
    func = _ConvolveBlock(array.astype(np.float64).reshape(k, -1), trim, shape)
    n_out = int(np.prod(shape, dtype=np.int64)) if shape else 1
    factor = 2.0 + 3.0 * 8.0 * n_out / max(row_nbytes(self.values), 1)
    values = run_epochs(
        self,
        func,
        i0,
        i1,
        trailing=shape,
        dtype=np.float64,
        halo=func.halo(),
        out=out,
        factor=factor,
        job_kwargs=job_kwargs,
        desc="convolve",
    )
    ti = index_ranges(self._ti, i0, i1)
    return _initialize_tsd_output(self, values, ti, ep)


def convolve(
    self: Any,
    array: Any,
    ep: IntervalSet | None = None,
    trim: str = "both",
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Discrete linear convolution with a kernel, each epoch zero-padded, as float64.

    The full convolution of each epoch is trimmed to the epoch's length on both sides
    (``trim="both"``), on the left or on the right. Assumes a constant sampling rate. The
    data is processed in blocks with a halo of the kernel's length.

    Parameters
    ----------
    array : array_like
        1-D kernel, or 2-D (time x kernels): the output then has one more axis.
    ep : IntervalSet, optional
        Epochs to convolve (default: the time support); samples outside are dropped.
    trim : {"both", "left", "right"}
    out : None, str, numpy.ndarray or zarr.Array
        Where to write a result larger than the memory budget (``.npy``/``.zarr`` path).
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``chunk_duration``, ``progress_bar``, ...

    Returns
    -------
    Tsd, TsdFrame or TsdTensor

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(5.0), d=np.ones(5))
    >>> tsd.convolve(np.ones(3)).values
    array([2., 3., 3., 3., 2.])
    """
    job = check_job_kwargs(job_kwargs, "convolve")
    return _convolve_kernel(self, array, ep, trim, out, job, stacklevel=3)


def smooth(
    self: Any,
    std: float,
    windowsize: float | None = None,
    time_units: str = "s",
    size_factor: int = 100,
    norm: bool = True,
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Convolution with a Gaussian kernel (scipy's ``windows.gaussian``), as float64.

    ``std`` (and ``windowsize``) are in ``time_units`` and become samples through the
    rate: ``M = int(rate * windowsize)`` or ``int(rate * std * size_factor)``, made odd.
    The kernel sums to 1 when ``norm``. See :meth:`convolve` for the rest.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(100.0), d=np.ones(100))
    >>> s = tsd.smooth(std=1, size_factor=5)
    >>> float(s.values[50])
    1.0
    """
    from scipy import signal

    job = check_job_kwargs(job_kwargs, "smooth")
    if isinstance(std, bool) or not isinstance(std, int | float):
        raise MemphysOSError("std should be type int or float")
    if isinstance(size_factor, bool) or not isinstance(size_factor, int):
        raise MemphysOSError("size_factor should be of type int")
    if not isinstance(norm, bool):
        raise MemphysOSError("norm should be of type boolean")
    if not isinstance(time_units, str):
        raise MemphysOSError("time_units should be of type str")
    std = TsIndex.format_timestamps(np.array([std]), time_units)[0]
    std_size = self.rate * std
    if windowsize is not None:
        if not isinstance(windowsize, Number):
            raise MemphysOSError("windowsize should be type int or float")
        ws = TsIndex.format_timestamps(np.array([windowsize]), time_units)[0]
        m = int(self.rate * ws)
    else:
        m = int(std_size * size_factor)
    if m % 2 == 0:
        m += 1
    window = signal.windows.gaussian(M=m, std=std_size)
    if norm:
        window = window / window.sum()
    return _convolve_kernel(self, window, None, "both", out, job, stacklevel=3)


# --- derivative ---------------------------------------------------------------------------
class _GradientBlock:
    """``np.gradient`` along time with the block's own timestamps (halo of one sample)."""

    def __init__(self, ti: Any) -> None:
        self.ti = ti

    def __call__(self, data: np.ndarray, block: Any) -> np.ndarray:
        if data.shape[0] < 2:
            return np.full(data.shape, np.nan)
        t = self.ti._read(block.read_start, block.read_stop)
        return np.asarray(np.gradient(data, t, axis=0), dtype=np.float64)


def derivative(self: Any, ep: IntervalSet | None = None, out: Any = None, **job_kwargs: Any) -> Any:
    """Derivative with respect to time (``numpy.gradient`` per epoch), as float64.

    Second-order central differences inside each epoch, one-sided at its edges; blocks
    read one sample of halo, so the chunked result equals the whole-epoch one. An epoch
    of a single sample gives NaN.

    Parameters
    ----------
    ep : IntervalSet, optional
        Epochs (default: the time support); samples outside are dropped.
    out : None, str, numpy.ndarray or zarr.Array
        Where to write a result larger than the memory budget.
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ...

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> nap.Tsd(t=np.arange(5.0), d=np.arange(0, 10, 2)).derivative().values
    array([2., 2., 2., 2., 2.])
    """
    job = check_job_kwargs(job_kwargs, "derivative")
    if ep is None:
        ep = self.time_support
    elif not isinstance(ep, IntervalSet):
        raise MemphysOSError("ep should be an object of type IntervalSet")
    i0, i1 = epoch_rows(self, ep)
    trailing = tuple(self.shape[1:])
    values = run_epochs(
        self,
        _GradientBlock(self._ti),
        i0,
        i1,
        trailing=trailing,
        dtype=np.float64,
        halo=1,
        out=out,
        factor=2.0 + 3.0 * 8.0 / max(np.dtype(self.dtype).itemsize, 1),
        job_kwargs=job,
        desc="derivative",
    )
    return _initialize_tsd_output(self, values, index_ranges(self._ti, i0, i1), ep)


# --- decimate -----------------------------------------------------------------------------
class _DecimateBlock:
    """scipy's zero-phase decimation of a halo-extended block, kept at the block's rows."""

    def __init__(self, down: int, order: int, ftype: str) -> None:
        self.down, self.order, self.ftype = down, order, ftype

    def __call__(self, data: np.ndarray, block: Any) -> tuple[int, np.ndarray]:
        from scipy import signal

        x = np.asarray(data, dtype=np.float64)
        y = signal.decimate(x, self.down, n=self.order, ftype=self.ftype, axis=0, zero_phase=True)
        first = block.trim_before // self.down
        n = -(-block.length // self.down)
        return block.out_start, y[first : first + n]


def _decimate_halo(down: int, order: int, ftype: str) -> int:
    """Samples after which the zero-phase anti-aliasing filter's response is negligible."""
    from scipy import signal

    if ftype == "fir":
        length = 2 * (order + 1) * down + down
    else:
        sos = signal.cheby1(order, 0.05, 0.8 / down, output="sos")
        n = 64 * down * order + 1024
        imp = np.zeros(n)
        imp[0] = 1.0
        h = np.abs(signal.sosfilt(sos, imp))
        big = np.flatnonzero(h > 1e-13 * h.max())
        length = 2 * (int(big[-1]) + 1) + 6 * sos.shape[0] * 2
    return int(-(-length // down) * down)


def decimate(
    self: Any,
    down: int,
    order: int = 8,
    filter_type: str = "iir",
    ep: IntervalSet | None = None,
    **job_kwargs: Any,
) -> Any:
    """Downsample by an integer factor after an anti-aliasing filter (``scipy.signal.decimate``).

    Zero-phase Chebyshev type I (``"iir"``, order ``order``) or a Hamming FIR
    (``"fir"``), applied per epoch; the kept samples are every ``down``-th from each
    epoch's first. An epoch that fits the memory budget is decimated whole (as pynapple);
    a longer one is decimated in blocks with a halo covering the filter's decay (equal to
    the whole-epoch result to about 1e-10 of the signal's scale). Output float64.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(100.0), d=np.ones(100))
    >>> d = tsd.decimate(4)
    >>> d.t[:3], d.shape, d.dtype
    (array([0., 4., 8.]), (25,), dtype('float64'))
    """
    from scipy import signal

    job = check_job_kwargs(job_kwargs, "decimate")
    if isinstance(down, bool) or not isinstance(down, int):
        raise MemphysOSError("Invalid value for 'down': Parameter 'down' should be of type int.")
    if isinstance(order, bool) or not isinstance(order, int) or order <= 0:
        raise MemphysOSError(
            "Invalid value for 'order': Parameter 'order' should be a positive int."
        )
    if filter_type not in ("fir", "iir"):
        raise MemphysOSError("'filter_type' should be one of 'fir', 'iir'.")
    if ep is None:
        ep = self.time_support
    if not isinstance(ep, IntervalSet):
        raise MemphysOSError("ep should be an object of type IntervalSet")
    i0, i1 = epoch_rows(self, ep)
    trailing = tuple(self.shape[1:])
    elems = max(int(np.prod(trailing, dtype=np.int64)), 1)
    whole_max = max(1, budget() // (elems * 8 * 6 + max(row_nbytes(self.values), 1)))
    times, pieces = [], []
    for a, b in zip(i0.tolist(), i1.tolist(), strict=True):
        if b <= a:
            continue
        times.append(self._ti._read(a, b)[::down])
        if b - a <= whole_max:
            x = np.asarray(self._read_block(a, b))
            pieces.append(
                signal.decimate(x, down, n=order, ftype=filter_type, axis=0, zero_phase=True)
            )
            continue
        from memphys.engine import CollectSink

        halo = _decimate_halo(down, order, filter_type)
        parts = run_epochs(
            self,
            _DecimateBlock(down, order, filter_type),
            np.array([a]),
            np.array([b]),
            trailing=trailing,
            dtype=np.float64,
            halo=halo,
            factor=10.0,
            job_kwargs=job,
            desc="decimate",
            chunk_multiple=down,
            sink=CollectSink(),
        )
        pieces.append(np.concatenate([p for _, p in parts], axis=0))
    t = np.concatenate(times) if times else np.zeros(0)
    d = (
        np.concatenate([np.asarray(p, dtype=np.float64) for p in pieces], axis=0)
        if pieces
        else np.zeros((0, *trailing))
    )
    return _initialize_tsd_output(self, d, make_time_index(t), ep)
