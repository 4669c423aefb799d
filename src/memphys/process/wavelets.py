"""Morlet wavelet transforms of time series, out of core.

:func:`compute_wavelet_transform` convolves each epoch of a signal (zero-padded outside
the epoch, as pynapple) with a bank of complex Morlet wavelets. The result, one complex
coefficient per sample, channel and frequency, is usually far larger than the input: it
is computed block by block through the chunked engine (a halo of half the longest
wavelet on each side makes every block exact, since a convolution is local), in
parallel with the job kwargs, and gathered in memory when it fits the memory budget or
written to ``out=`` (a ``.npy`` / ``.zarr`` path or an array) otherwise.

:func:`generate_morlet_filterbank` returns the wavelets as a TsdFrame, as pynapple.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(0, 2, 1 / 500)
>>> sig = nap.Tsd(t=t, d=np.sin(2 * np.pi * 40 * t))
>>> freqs = np.array([10.0, 20.0, 40.0, 80.0])
>>> mwt = nap.compute_wavelet_transform(sig, freqs, chunk_size=300)
>>> mwt.shape, freqs[np.abs(mwt.values).mean(axis=0).argmax()]
((1000, 4), np.float64(40.0))
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.engine import Block, BlockOp
from memphys.errors import EdgeEffectWarning, MemphysTypeError, MemphysValueError

__all__ = ["WaveletOp", "compute_wavelet_transform", "generate_morlet_filterbank"]

#: The mother wavelet is sampled on ``[-_CUTOFF, _CUTOFF]`` (in units of its period).
_CUTOFF = 8.0


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.number) and not isinstance(x, bool | np.bool_)


def _check_freqs(freqs: Any) -> np.ndarray:
    if not isinstance(freqs, np.ndarray):
        raise MemphysTypeError("`freqs` must be a ndarray")
    if len(freqs) == 0:
        raise MemphysValueError("Given list of freqs cannot be empty.")
    if freqs.ndim != 1 or not np.issubdtype(freqs.dtype, np.number):
        raise MemphysValueError(
            f"Invalid value for `freqs`: expected a 1-D array of frequencies in Hz, but got "
            f"shape {freqs.shape} and dtype {freqs.dtype}."
        )
    if np.min(freqs) <= 0:
        raise MemphysValueError("All frequencies in freqs must be strictly positive")
    if not np.all(np.isfinite(freqs)):
        raise MemphysValueError(
            "Invalid value for `freqs`: expected finite frequencies, but got inf or NaN."
        )
    return freqs


def _check_nyquist(freqs: np.ndarray, fs: float) -> None:
    if not (np.isfinite(fs) and fs > 0):
        raise MemphysValueError(
            f"Invalid value for `fs`: expected a finite positive sampling rate in Hz, but got "
            f"{fs!r}."
        )
    top = float(np.max(freqs))
    if top > fs / 2:
        raise MemphysValueError(
            f"Invalid value for `freqs`: expected frequencies up to the Nyquist frequency "
            f"fs / 2 = {fs / 2:g} Hz, but got {top:g} Hz (a wavelet above it is aliased). "
            "Drop the frequencies above fs / 2."
        )


def _check_wavelet_params(gaussian_width: Any, window_length: Any, precision: Any) -> None:
    if not _is_number(gaussian_width):
        raise MemphysTypeError("gaussian_width must be a float or int instance.")
    if gaussian_width <= 0:
        raise MemphysValueError("gaussian_width must be a positive number.")
    if not _is_number(window_length):
        raise MemphysTypeError("window_length must be a float or int instance.")
    if window_length <= 0:
        raise MemphysValueError("window_length must be a positive number.")
    if not isinstance(precision, int) or isinstance(precision, bool):
        raise MemphysTypeError("precision must be a float or int instance.")
    if precision <= 0:
        raise MemphysValueError("precision must be a positive number.")


def _morlet_kernels(
    freqs: np.ndarray, fs: float, gaussian_width: float, window_length: float, precision: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """The wavelet of each frequency (unpadded, time-reversed conjugate Morlet) and the
    time axis of the longest one.

    The mother wavelet ``(pi w)^(-1/4) exp(-x^2 / w) exp(2 pi i L x)`` is defined on
    ``2**precision`` points of ``[-8, 8]``; the wavelet of frequency ``f`` takes the points
    ``ceil(k / (scale * dx))`` for ``k = 0, 1, ...`` with ``scale = L * fs / f``. Only
    those points are evaluated (not the whole mother wavelet: ``precision=24`` would be
    16 M complex values).
    """
    m = int(2**precision)
    span = 2 * _CUTOFF
    dx = span / (m - 1) if m > 1 else span  # spacing of numpy.linspace(-8, 8, m)
    step = (dx - _CUTOFF) + _CUTOFF  # its second point minus its first, as computed
    norm = (np.pi * gaussian_width) ** (-0.25)
    kernels: list[np.ndarray] = []
    longest, time = -1, np.zeros(1)
    for f in freqs.tolist():
        scale = window_length / (f / fs)
        j = np.ceil(np.arange(scale * span + 1) / (scale * step)).astype(np.int64)
        j = j[j < m]
        x = j.astype(np.float64) * dx - _CUTOFF  # numpy.linspace's points, last one exact
        x[j == m - 1] = _CUTOFF
        mother = (
            norm * np.exp(-(x**2) / gaussian_width) * np.exp(1j * 2 * np.pi * window_length * x)
        )
        kernel = np.conj(mother)[::-1]
        if kernel.size > longest:
            longest = kernel.size
            half = _CUTOFF * window_length / f
            time = np.linspace(-half, half, longest)
        kernels.append(np.ascontiguousarray(kernel))
    return kernels, time


def _padded(kernels: list[np.ndarray]) -> np.ndarray:
    """Kernels zero-padded (centred) to the longest: a ``(length, n_freqs)`` array."""
    k = max(w.size for w in kernels)
    bank = np.zeros((k, len(kernels)), dtype=np.complex128)
    for i, w in enumerate(kernels):
        p = (k - w.size) // 2
        bank[p : p + w.size, i] = w
    return bank


def generate_morlet_filterbank(
    freqs: Any,
    fs: Any,
    gaussian_width: Any = 1.5,
    window_length: Any = 1.0,
    precision: Any = 16,
) -> Any:
    """Complex Morlet wavelets at the given frequencies, as a TsdFrame (one column each).

    A single finely sampled mother wavelet (``2**precision`` points over 8 periods on
    each side) is subsampled for each frequency; the wavelets are zero-padded (centred)
    to the length of the longest. Use it to look at the wavelets, or to convolve them
    with a signal yourself.

    Parameters
    ----------
    freqs : numpy.ndarray
        Frequencies in Hz, strictly positive, at most ``fs / 2``.
    fs : float or int
        Sampling rate in Hz.
    gaussian_width : float, default 1.5
        Width of the Gaussian envelope.
    window_length : float, default 1.0
        Number of cycles per unit of the envelope (larger: narrower in frequency).
    precision : int, default 16
        The mother wavelet has ``2**precision`` points.

    Returns
    -------
    TsdFrame
        The wavelets (complex), on a time axis centred on 0.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> fb = nap.generate_morlet_filterbank(np.array([10.0, 20.0]), 1000)
    >>> fb.shape, fb.dtype
    ((1600, 2), dtype('complex128'))
    """
    freqs = _check_freqs(freqs)
    if not _is_number(fs):
        raise MemphysTypeError("`fs` must be of type float or int ndarray")
    _check_wavelet_params(gaussian_width, window_length, precision)
    _check_nyquist(freqs, float(fs))
    from memphys.core.time_series import TsdFrame

    kernels, time = _morlet_kernels(
        freqs, float(fs), float(gaussian_width), float(window_length), precision
    )
    return TsdFrame(t=time, d=_padded(kernels))


class WaveletOp(BlockOp):
    """Convolution of a block (zero-padded beyond its epoch) with each wavelet, cut to the
    block: pynapple's full convolution trimmed on both sides, computed by overlap-add FFT
    with each wavelet's own support (the zero padding of the bank is skipped).

    Output complex128, ``shape`` per row; per row read a float (or complex) copy and the
    FFT buffers of one wavelet; per row produced the coefficients and one wavelet's result.
    """

    dtype = np.complex128
    label = "wavelet transform"

    def __init__(
        self,
        kernels: list[np.ndarray],
        divisors: np.ndarray | None,
        shape: tuple[int, ...],
        columns: Any = None,
    ) -> None:
        self.kernels = kernels
        self.length = max(w.size for w in kernels)  # length of the padded bank
        self.divisors = divisors
        self.shape = shape  # trailing shape of the output
        self.columns = columns
        k = self.length
        self.halo = (k - 1 - (k - 1) // 2, (k - 1) // 2)

    def output_trailing(self, in_trailing: tuple[int, ...]) -> tuple[int, ...]:
        return self.shape

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        return max(1, int(np.prod(in_trailing, dtype=np.int64))) * (16 + 48)

    def out_temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        return max(1, int(np.prod(in_trailing, dtype=np.int64))) * 16

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        from scipy.signal import oaconvolve

        before, after = self.halo
        pad_b = before - block.trim_before
        pad_a = after - block.trim_after
        dtype = np.complex128 if np.iscomplexobj(data) else np.float64
        x = np.asarray(data, dtype=dtype).reshape(data.shape[0], -1)
        n_ch = x.shape[1]
        xz = np.concatenate(
            [np.zeros((pad_b, n_ch), dtype), x, np.zeros((pad_a, n_ch), dtype)], axis=0
        )
        del x
        n_out = block.length
        k = self.length
        out = np.empty((n_out, n_ch, len(self.kernels)), dtype=np.complex128)
        for i, w in enumerate(self.kernels):
            first = k - (k - w.size) // 2 - w.size  # where this wavelet's support starts
            xs = xz[first : first + n_out + w.size - 1]
            y = oaconvolve(xs, w[:, None], mode="valid", axes=0)
            out[:, :, i] = y if self.divisors is None else y / self.divisors[i]
        return out.reshape(n_out, *self.shape)


def compute_wavelet_transform(
    sig: Any,
    freqs: Any,
    fs: Any = None,
    gaussian_width: Any = 1.5,
    window_length: Any = 1.0,
    precision: Any = 16,
    norm: Any = "l1",
    *,
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Time-frequency representation of a signal with complex Morlet wavelets.

    Each epoch of the time support is convolved (zero-padded outside the epoch) with the
    wavelets of :func:`generate_morlet_filterbank`, through the chunked engine: blocks
    read a halo of half the longest wavelet on each side, so the result equals the
    whole-epoch convolution up to float rounding.

    Parameters
    ----------
    sig : Tsd, TsdFrame or TsdTensor
        The signal (in memory, a memmap, zarr, HDF5 ...).
    freqs : numpy.ndarray
        Frequencies in Hz (strictly positive, at most ``fs / 2``).
    fs : float, optional
        Sampling rate in Hz (default ``sig.rate``); must agree (within 1%) with the
        spacing of the timestamps.
    gaussian_width, window_length, precision
        Parameters of the wavelets (see :func:`generate_morlet_filterbank`).
    norm : {"l1", "l2", None}, default "l1"
        Divide by ``fs / f`` ("l1"), by ``fs / sqrt(f)`` ("l2"), or not at all.
    out : None, str, numpy.ndarray or zarr.Array
        None: the result in memory when it fits comfortably in the available memory, else
        a temporary file removed with it (with a warning naming ``out=``). A path ending
        in ``.npy`` or ``.zarr``: written there crash-safely, and the result reads it
        lazily. An array: written into.
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``chunk_duration``, ``chunk_memory``, ``progress_bar``,
        ``pool_engine`` ...

    Returns
    -------
    TsdFrame or TsdTensor
        Complex coefficients: ``(n_samples, n_freqs)`` for a Tsd (columns are the
        frequencies), ``(n_samples, *sig.shape[1:], n_freqs)`` otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 4, 1 / 1000)
    >>> sig = nap.TsdFrame(t=t, d=np.sin(2 * np.pi * 50 * t)[:, None] * [1.0, 2.0])
    >>> mwt = nap.compute_wavelet_transform(sig, np.linspace(10, 100, 10), fs=1000,
    ...                                     n_jobs=2, pool_engine="thread")
    >>> type(mwt).__name__, mwt.shape
    ('TsdTensor', (4000, 2, 10))
    """
    from memphys.core.blocks import apply_blocks, check_job_kwargs, epoch_rows
    from memphys.core.time_series import Tsd, TsdFrame, TsdTensor
    from memphys.process._spectrum_common import resolve_fs

    if not isinstance(sig, Tsd | TsdFrame | TsdTensor):
        raise MemphysTypeError("`sig` must be instance of Tsd, TsdFrame, or TsdTensor")
    freqs = _check_freqs(freqs)
    if fs is not None and not _is_number(fs):
        raise MemphysTypeError("`fs` must be of type float or int or None")
    if norm is not None and (not isinstance(norm, str) or norm not in ("l1", "l2")):
        raise MemphysValueError("norm parameter must be 'l1', 'l2', or None.")
    _check_wavelet_params(gaussian_width, window_length, precision)
    job = check_job_kwargs(job_kwargs, "compute_wavelet_transform")
    rate = resolve_fs(sig, fs)
    _check_nyquist(freqs, rate)

    kernels, _ = _morlet_kernels(
        freqs, rate, float(gaussian_width), float(window_length), precision
    )
    divisors = None
    if norm == "l1":
        divisors = rate / freqs
    elif norm == "l2":
        divisors = rate / np.sqrt(freqs)
    shape = (*tuple(sig.shape[1:]), len(freqs))
    op = WaveletOp(kernels, divisors, shape, columns=freqs if sig.ndim == 1 else None)
    k = op.length

    ep = sig.time_support
    i0, i1 = epoch_rows(sig, ep)
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
            stacklevel=2,
        )
    return apply_blocks(sig, op, ep, out=out, **job)
