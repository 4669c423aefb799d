"""Filters of time series: ``convolve``, ``smooth``, ``derivative`` and ``decimate``.

``derivative`` (numpy only) runs here through :func:`memphys.core.apply_blocks`. The
scipy-based ``convolve``, ``smooth`` and ``decimate`` are implemented in
:mod:`memphys.process.smoothing` and :mod:`memphys.process.resampling`; the methods look
them up in :mod:`memphys.registry` (``core`` never imports ``process``).

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

from typing import TYPE_CHECKING, Any

import numpy as np

from memphys._validation import found_type, pynapple_error
from memphys.core.blocks import apply_blocks, check_job_kwargs
from memphys.core.interval_set import IntervalSet
from memphys.engine import Block, BlockOp
from memphys.errors import MemphysOSError
from memphys.registry import get_method

if TYPE_CHECKING:
    from memphys.core._base_tsd import _BaseTsd

__all__ = ["GradientOp", "convolve", "decimate", "derivative", "smooth"]


# --- convolve -----------------------------------------------------------------------------
def convolve(
    self: _BaseTsd,
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
    return get_method("convolve")(self, array, ep, trim, out, **job_kwargs)


def smooth(
    self: _BaseTsd,
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
    return get_method("smooth")(
        self, std, windowsize, time_units, size_factor, norm, out, **job_kwargs
    )


# --- derivative ---------------------------------------------------------------------------
class GradientOp(BlockOp):
    """``np.gradient`` along time with the block's own timestamps (halo of one sample)."""

    halo = 1
    dtype = np.float64
    label = "derivative"

    def __init__(self, ti: Any) -> None:
        self.ti = ti

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        return 2 * 8 * max(1, int(np.prod(in_trailing, dtype=np.int64))) + 8

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        if data.shape[0] < 2:
            return np.full(data.shape, np.nan)
        t = self.ti._read(block.read_start, block.read_stop)
        return np.asarray(np.gradient(data, t, axis=0), dtype=np.float64)


def derivative(
    self: _BaseTsd, ep: IntervalSet | None = None, out: Any = None, **job_kwargs: Any
) -> Any:
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
        raise pynapple_error(
            MemphysOSError, "ep should be an object of type IntervalSet", found_type(ep), exact=True
        )
    return apply_blocks(self, GradientOp(self.time_index), ep, out=out, **job)


# --- decimate -----------------------------------------------------------------------------
def decimate(
    self: _BaseTsd,
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
    return get_method("decimate")(self, down, order, filter_type, ep, **job_kwargs)
