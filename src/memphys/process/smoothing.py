"""Convolution and Gaussian smoothing of time series, out of core (``Tsd.convolve`` and
``Tsd.smooth``).

Each epoch is a separate signal, zero-padded outside (pynapple's semantics). Blocks read a
halo of the kernel's length, so chunked results equal the whole-epoch convolution up to
float rounding. Outputs are float64, whatever the input dtype. The methods of
``Tsd``/``TsdFrame``/``TsdTensor`` call these functions (registered by ``import memphys``).

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(6.0), d=np.array([0, 0, 3, 0, 0, 0], dtype="int16"))
>>> convolve(tsd, np.ones(3) / 3).values
array([0., 1., 1., 1., 0., 0.])
"""

from __future__ import annotations

import warnings
from numbers import Number
from typing import Any

import numpy as np

from memphys.core.blocks import apply_blocks, check_job_kwargs, epoch_rows
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import TsIndex
from memphys.core.utils import is_array_like
from memphys.engine import Block, BlockOp
from memphys.errors import EdgeEffectWarning, MemphysOSError

__all__ = ["ConvolveOp", "convolve", "smooth"]


def _cut(k: int, trim: str) -> int:
    """Offset in the full convolution of the first kept sample."""
    if trim == "left":
        return k - 1
    if trim == "right":
        return 0
    return (k - 1) // 2


class ConvolveOp(BlockOp):
    """Full convolution of a block with zero padding beyond its epoch, cut to the block.

    ``kernel`` is ``(k, n_kernels)``; ``shape`` the trailing shape of the output.
    """

    dtype = np.float64
    label = "convolve"

    def __init__(self, kernel: np.ndarray, trim: str, shape: tuple[int, ...]) -> None:
        self.kernel = kernel
        self.trim = trim
        self.shape = shape
        k = kernel.shape[0]
        c0 = _cut(k, trim)
        self.halo = (k - 1 - c0, c0)

    def output_trailing(self, in_trailing: tuple[int, ...]) -> tuple[int, ...]:
        return self.shape

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        # the zero-padded float64 copy of the block, and scipy's buffers per column
        return 16 * max(1, int(np.prod(in_trailing, dtype=np.int64)))

    def out_temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        return 2 * 8 * max(1, int(np.prod(self.shape, dtype=np.int64)))

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        from scipy import signal

        before, after = self.halo
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
    data: Any,
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
        ep = data.time_support
    elif not isinstance(ep, IntervalSet):
        raise MemphysOSError("ep should be an object of type IntervalSet")
    i0, i1 = epoch_rows(data, ep)
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
            EdgeEffectWarning,
            stacklevel=stacklevel,
        )
    shape = (*tuple(data.shape[1:]), *array.shape[1:])
    op = ConvolveOp(array.astype(np.float64).reshape(k, -1), trim, shape)
    return apply_blocks(data, op, ep, out=out, **job_kwargs)


def convolve(
    data: Any,
    array: Any,
    ep: IntervalSet | None = None,
    trim: str = "both",
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Discrete linear convolution of ``data`` with a kernel, each epoch zero-padded, as
    float64 (the implementation of :meth:`Tsd.convolve <memphys.Tsd.convolve>`).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> convolve(nap.Tsd(t=np.arange(5.0), d=np.ones(5)), np.ones(3)).values
    array([2., 3., 3., 3., 2.])
    """
    job = check_job_kwargs(job_kwargs, "convolve")
    return _convolve_kernel(data, array, ep, trim, out, job, stacklevel=4)


def smooth(
    data: Any,
    std: float,
    windowsize: float | None = None,
    time_units: str = "s",
    size_factor: int = 100,
    norm: bool = True,
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Convolution of ``data`` with a Gaussian kernel (scipy's ``windows.gaussian``), as
    float64 (the implementation of :meth:`Tsd.smooth <memphys.Tsd.smooth>`).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> float(smooth(nap.Tsd(t=np.arange(100.0), d=np.ones(100)), 1, size_factor=5).values[50])
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
    std_size = data.rate * std
    if windowsize is not None:
        if not isinstance(windowsize, Number):
            raise MemphysOSError("windowsize should be type int or float")
        ws = TsIndex.format_timestamps(np.array([windowsize]), time_units)[0]
        m = int(data.rate * ws)
    else:
        m = int(std_size * size_factor)
    if m % 2 == 0:
        m += 1
    window = signal.windows.gaussian(M=m, std=std_size)
    if norm:
        window = window / window.sum()
    return _convolve_kernel(data, window, None, "both", out, job, stacklevel=4)
