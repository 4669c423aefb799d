"""Low-, high-, band-pass and band-stop filters of time series, out of core.

pynapple's functions and signatures. Each epoch of the time support is filtered as a
separate signal (as pynapple does), block by block through the engine:

- ``mode="butter"``: zero-phase Butterworth, ``scipy.signal.sosfiltfilt`` per epoch.
  Blocks read a halo sized from the decay of the filter's impulse response and emulate
  ``sosfiltfilt``'s odd-extension padding and initial states at each epoch's two ends
  (:mod:`memphys.process._sos`). Results equal ``sosfiltfilt`` per epoch to about 1e-9
  of the signal's scale (exactly, to float64 rounding, for an epoch shorter than four
  halos). The recursions run in float64 in a compiled cascade
  (:mod:`memphys.process._sos_kernel`), also for float32 output.
- ``mode="sinc"``: a Blackman-windowed sinc kernel convolved with each epoch, zero outside
  it (pynapple's ``convolve``); blocks read half the kernel on each side, so block-wise
  results equal the whole-epoch convolution up to rounding.

The output is always floating point: float32 for integer (or float32) input, float64 for
float64 input, or ``dtype=``; never the input's integer type (pynapple returns int16 for
int16 input). Each filter is a :class:`FilterOp` run by :func:`memphys.core.apply_blocks`:
the engine sizes the blocks from its halo and work buffers. The result comes back in
memory when it fits comfortably in the available memory (the memory budget bounds the
working memory, not the result), else in a temporary file, or where ``out=`` says (a
``.npy`` or ``.zarr`` path, or an array); job kwargs (``n_jobs``, ``chunk_duration``,
``progress_bar``, ``pool_engine``, ...) are accepted.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(0, 10, 1 / 1250)
>>> x = nap.Tsd(t=t, d=np.sin(2 * np.pi * 15 * t) + np.sin(2 * np.pi * 100 * t))
>>> y = nap.apply_bandpass_filter(x, (10, 20), 1250)
>>> round(float(np.abs(y.values[2500:10000] - np.sin(2 * np.pi * 15 * t[2500:10000])).max()), 2)
0.0
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from memphys.engine import Block, BlockOp
from memphys.errors import (
    ChunkError,
    EdgeEffectWarning,
    MemphysTypeError,
    MemphysValueError,
    NaNInputError,
)
from memphys.process._sos import (
    FILTER_TYPES,
    FiltFiltBlock,
    FirBlock,
    butter_sos,
    check_cutoff,
    sinc_kernel,
    spectral_inversion,
)

__all__ = [
    "FilterOp",
    "apply_bandpass_filter",
    "apply_bandstop_filter",
    "apply_highpass_filter",
    "apply_lowpass_filter",
    "get_filter_frequency_response",
]

_NAN_MESSAGE = (
    "The input signal contains NaN values, which are not supported for filtering. "
    "Please remove or handle NaNs before applying the filter. "
    "You can use the `dropna()` method to drop all NaN values."
)


# --- pynapple's private helpers (its tests call them) --------------------------------------
def _get_butter_coefficients(
    cutoff: Any, filter_type: str, sampling_frequency: float, order: int = 4
) -> np.ndarray:
    """Second-order sections of the Butterworth filter (``scipy.signal.butter``)."""
    return butter_sos(order, cutoff, filter_type, float(sampling_frequency))


def _get_windowed_sinc_kernel(
    fc: Any, filter_type: str, sampling_frequency: float, transition_bandwidth: float = 0.02
) -> np.ndarray:
    """The windowed-sinc kernel (see :func:`memphys.process._sos.sinc_kernel`)."""
    return sinc_kernel(fc, filter_type, float(sampling_frequency), transition_bandwidth)


def _compute_spectral_inversion(kernel: np.ndarray) -> np.ndarray:
    """Spectral inversion of a kernel, in place."""
    return spectral_inversion(kernel)


# --- validation ----------------------------------------------------------------------------
def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, bool)


def _sampling_rate(data: Any) -> float:
    """The rate to design a filter for: the declared rate of a regular time index (a series
    built with ``rate=``, or read from a file that gives its sampling rate), else pynapple's
    ``data.rate`` (samples per second of time support).

    ``data.rate`` of ``n`` samples at ``fs`` over ``[t0, t_last]`` is ``n / ((n - 1) / fs)``:
    100.1 Hz for 1000 samples at 100 Hz, which shifted every cutoff and accepted a cutoff
    at the real Nyquist frequency. For timestamps given by the user it is kept, as pynapple
    computes it (``fs=`` gives the exact rate; see docs/compat.md).
    """
    rate = getattr(data.time_index, "declared_rate", None)
    if rate is not None and np.isfinite(rate) and rate > 0:
        return float(rate)
    return float(data.rate)


def _validate(
    cutoff: Any, filter_type: str, fs: Any, order: Any, transition_bandwidth: Any
) -> None:
    """pynapple's argument checks, with its messages."""
    if filter_type in ("lowpass", "highpass") and not _is_number(cutoff):
        raise MemphysValueError(
            f"{filter_type} filter require a single number. {cutoff} provided instead."
        )
    if filter_type in ("bandpass", "bandstop") and (
        not isinstance(cutoff, Iterable)
        or isinstance(cutoff, str)
        or len(list(cutoff)) != 2
        or not all(_is_number(fq) for fq in cutoff)
    ):
        raise MemphysValueError(
            f"{filter_type} filter require a tuple of two numbers. {cutoff} provided instead."
        )
    if filter_type not in FILTER_TYPES:
        raise MemphysValueError(
            "Invalid value for `filter_type`: allowed values are "
            f"{', '.join(repr(f) for f in FILTER_TYPES)}, but got {filter_type!r}."
        )
    if fs is not None and not _is_number(fs):
        raise MemphysValueError(
            "Invalid value for 'fs'. Parameter 'fs' should be of type float or int"
        )
    if fs is not None and not (np.isfinite(fs) and fs > 0):
        raise MemphysValueError(f"Invalid value for `fs`: expected a number > 0, but got {fs!r}.")
    if not isinstance(order, numbers.Integral) or isinstance(order, bool):
        raise MemphysValueError(
            "Invalid value for 'order': Parameter 'order' should be of type int"
        )
    if not isinstance(transition_bandwidth, float):
        raise MemphysValueError(
            "Invalid value for 'transition_bandwidth'. 'transition_bandwidth' should be of "
            "type float"
        )
    if not (0 < transition_bandwidth <= 0.5):
        raise MemphysValueError(
            "Invalid value for `transition_bandwidth`: expected a float in (0, 0.5], but got "
            f"{transition_bandwidth!r}."
        )


def _output_dtype(data_dtype: np.dtype, dtype: Any) -> np.dtype:
    """float32 for integer/bool/float16/float32 input, float64 for float64, or ``dtype``."""
    if dtype is not None:
        dt = np.dtype(dtype)
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise MemphysValueError(
                f"Invalid value for `dtype`: expected float32 or float64, but got {dt}."
            )
        return dt
    if data_dtype.kind not in "biuf":
        raise MemphysTypeError(
            f"Invalid data: expected real numbers (integers or floats) to filter, but got "
            f"dtype {data_dtype}."
        )
    if data_dtype.kind == "f" and data_dtype.itemsize >= 8:
        return np.dtype(np.float64)
    return np.dtype(np.float32)


class FilterOp(BlockOp):
    """A block filter (:class:`~memphys.process._sos.FiltFiltBlock` or
    :class:`~memphys.process._sos.FirBlock`) as a map: halo of the filter, output in
    ``out_dtype``, one work buffer per row read; NaN in a block of a lazy source raises.
    """

    def __init__(self, inner: Any, out_dtype: np.dtype[Any], check_nan: bool, label: str) -> None:
        self.inner = inner
        self.halo = int(inner.halo)
        self.dtype = np.dtype(out_dtype)
        self.check_nan = check_nan
        self.label = label

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        # the block's work buffer (with the odd extensions) and the kernel's second chain
        elems = max(1, int(np.prod(in_trailing, dtype=np.int64)))
        return 2 * elems * int(np.dtype(self.inner.work_dtype).itemsize)

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        if self.check_nan and np.isnan(data).any():
            raise NaNInputError(_NAN_MESSAGE)
        return np.asarray(self.inner(data, block))


def _warn_short_epochs(data: Any, k: int) -> None:
    """pynapple's warning (its sinc filter is ``convolve``) when the kernel is longer than
    an epoch of ``data``: that epoch's output is all edge effect."""
    from memphys.core.blocks import epoch_rows

    i0, i1 = epoch_rows(data, data.time_support)
    n_samples = np.asarray(i1) - np.asarray(i0)
    too_short = n_samples < k
    if np.any(too_short):
        warnings.warn(
            f"Kernel size ({k} samples) is larger than the number of samples in "
            f"{np.sum(too_short)} out of {len(n_samples)} epochs (shortest epoch has "
            f"{n_samples.min()} samples). The signal is zero-padded outside each epoch, so "
            "every point of the output in those epochs is contaminated by the padding and "
            "artifacts are expected. Consider decreasing the kernel/window size.",
            EdgeEffectWarning,
            stacklevel=4,
        )


def _compute_filter(
    data: Any,
    cutoff: Any,
    fs: Any,
    mode: str,
    order: Any,
    transition_bandwidth: Any,
    filter_type: str,
    dtype: Any,
    out: Any,
    job_kwargs: dict[str, Any],
) -> Any:
    # core is imported on use: `memphys.apply_bandpass_filter` must not import pandas
    from memphys.core.blocks import apply_blocks, check_job_kwargs, is_in_memory
    from memphys.core.time_series import Tsd, TsdFrame, TsdTensor

    _validate(cutoff, filter_type, fs, order, transition_bandwidth)
    if not isinstance(data, Tsd | TsdFrame | TsdTensor):
        raise MemphysValueError(
            f"Invalid value: {data}. First argument should be of type Tsd, TsdFrame or TsdTensor"
        )
    job = check_job_kwargs(job_kwargs, f"apply_{filter_type}_filter")
    values = data.values
    in_dtype = np.dtype(data.dtype)
    out_dtype = _output_dtype(in_dtype, dtype)
    lazy_nan_check = False
    if in_dtype.kind == "f":
        if is_in_memory(values):
            if np.isnan(values).any():
                raise MemphysValueError(_NAN_MESSAGE)
        else:
            lazy_nan_check = True
    if mode not in ("butter", "sinc"):
        raise MemphysValueError("Unrecognized filter mode. Choose either 'butter' or 'sinc'")
    rate = _sampling_rate(data) if fs is None else float(fs)
    if not (np.isfinite(rate) and rate > 0):
        raise MemphysValueError(
            f"Invalid value for `fs`: the sampling rate inferred from the timestamps is "
            f"{rate!r}; pass `fs` explicitly."
        )
    inner: Any
    if mode == "butter":
        inner = FiltFiltBlock(butter_sos(order, cutoff, filter_type, rate), out_dtype)
    else:
        check_cutoff(cutoff, filter_type, rate)
        kernel = sinc_kernel(cutoff, filter_type, rate, transition_bandwidth)
        _warn_short_epochs(data, len(kernel))
        inner = FirBlock(kernel, out_dtype)
    op = FilterOp(inner, out_dtype, lazy_nan_check, f"{filter_type} filter")
    try:
        return apply_blocks(data, op, out=out, **job)
    except ChunkError as exc:
        if isinstance(exc.__cause__, MemphysValueError):
            raise exc.__cause__ from None
        raise


_DOC_PARAMS = """
    Parameters
    ----------
    data : Tsd, TsdFrame or TsdTensor
        The signal to filter (in memory, a memmap, or a lazy zarr/HDF5 source).
    cutoff : {cutoff}
    fs : float, optional
        Sampling frequency in Hz; by default the rate of ``data``.
    mode : {{'butter', 'sinc'}}, default 'butter'
        Zero-phase Butterworth (``order``) or windowed-sinc convolution
        (``transition_bandwidth``).
    order : int, default 4
        Order of the Butterworth filter.
    transition_bandwidth : float, default 0.02
        Transition band of the windowed sinc, as a fraction of the sampling frequency
        (the kernel has about ``4 / transition_bandwidth`` taps).
    dtype : {{None, 'float32', 'float64'}}
        Output (and working) precision; default float32 for integer or float32 input,
        float64 for float64 input.
    out : None, str, numpy.ndarray or zarr.Array
        Where to write the result: a ``.npy`` or ``.zarr`` path (written crash-safely and
        read back lazily) or an array. By default in memory when it fits comfortably in
        the available memory, else a temporary file removed with the result (with a
        warning that names ``out=``).
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``chunk_duration``, ``chunk_memory``,
        ``progress_bar``, ``pool_engine``, ...

    Returns
    -------
    Tsd, TsdFrame or TsdTensor
        The filtered signal on the same times and time support, as floats.

    Raises
    ------
    ValueError
        On a bad cutoff (type, or not within ``0 < cutoff < fs/2``), ``fs``, ``order``,
        ``transition_bandwidth`` or ``mode``; on NaN in the data; if ``data`` is not a
        Tsd, TsdFrame or TsdTensor.
    memphys.errors.MemoryBudgetError
        If the result fits neither the available memory nor the temporary folder.
"""


def apply_bandpass_filter(
    data: Any,
    cutoff: Any,
    fs: float | None = None,
    mode: str = "butter",
    order: int = 4,
    transition_bandwidth: float = 0.02,
    *,
    dtype: Any = None,
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Band-pass filter each epoch of a time series.

    {params}
    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> x = nap.TsdFrame(t=np.arange(5000) / 1250, d=np.ones((5000, 2), dtype="int16"))
    >>> y = nap.apply_bandpass_filter(x, (10, 20), 1250, chunk_size=1024)
    >>> y.dtype, float(np.abs(y.values).max()) < 1e-4
    (dtype('float32'), True)
    """
    return _compute_filter(
        data, cutoff, fs, mode, order, transition_bandwidth, "bandpass", dtype, out, job_kwargs
    )


def apply_bandstop_filter(
    data: Any,
    cutoff: Any,
    fs: float | None = None,
    mode: str = "butter",
    order: int = 4,
    transition_bandwidth: float = 0.02,
    *,
    dtype: Any = None,
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Band-stop filter each epoch of a time series.

    {params}
    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 4, 1 / 1000)
    >>> x = nap.Tsd(t=t, d=np.sin(2 * np.pi * 50 * t))
    >>> y = nap.apply_bandstop_filter(x, (45, 55), 1000)
    >>> float(np.abs(y.values[1000:3000]).max()) < 0.01
    True
    """
    return _compute_filter(
        data, cutoff, fs, mode, order, transition_bandwidth, "bandstop", dtype, out, job_kwargs
    )


def apply_highpass_filter(
    data: Any,
    cutoff: Any,
    fs: float | None = None,
    mode: str = "butter",
    order: int = 4,
    transition_bandwidth: float = 0.02,
    *,
    dtype: Any = None,
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """High-pass filter each epoch of a time series.

    {params}
    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> x = nap.Tsd(t=np.arange(1000) / 100, d=np.full(1000, 7.0))
    >>> float(np.abs(nap.apply_highpass_filter(x, 1.0).values).max()) < 1e-9
    True
    """
    return _compute_filter(
        data, cutoff, fs, mode, order, transition_bandwidth, "highpass", dtype, out, job_kwargs
    )


def apply_lowpass_filter(
    data: Any,
    cutoff: Any,
    fs: float | None = None,
    mode: str = "butter",
    order: int = 4,
    transition_bandwidth: float = 0.02,
    *,
    dtype: Any = None,
    out: Any = None,
    **job_kwargs: Any,
) -> Any:
    """Low-pass filter each epoch of a time series.

    {params}
    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> x = nap.Tsd(t=np.arange(1000) / 100, d=np.full(1000, 7.0))
    >>> np.allclose(nap.apply_lowpass_filter(x, 10.0, mode="sinc").values[200:800], 7.0)
    True
    """
    return _compute_filter(
        data, cutoff, fs, mode, order, transition_bandwidth, "lowpass", dtype, out, job_kwargs
    )


for _f, _c in (
    (apply_bandpass_filter, "(float, float)\n        Low and high cutoff frequencies in Hz."),
    (apply_bandstop_filter, "(float, float)\n        Low and high cutoff frequencies in Hz."),
    (apply_highpass_filter, "float\n        Cutoff frequency in Hz (-3 dB for 'butter')."),
    (apply_lowpass_filter, "float\n        Cutoff frequency in Hz (-3 dB for 'butter')."),
):
    _f.__doc__ = (_f.__doc__ or "").replace(
        "{params}", _DOC_PARAMS.format(cutoff=_c).strip("\n").lstrip() + "\n"
    )


def get_filter_frequency_response(
    cutoff: Any,
    fs: float,
    filter_type: str,
    mode: str,
    order: int = 4,
    transition_bandwidth: float = 0.02,
) -> Any:
    """Magnitude of a filter's frequency response, as a pandas Series indexed by frequency.

    Parameters
    ----------
    cutoff : float or (float, float)
        Cutoff frequency (or frequencies) in Hz.
    fs : float
        Sampling frequency in Hz.
    filter_type : {'lowpass', 'highpass', 'bandpass', 'bandstop'}
    mode : {'butter', 'sinc'}
    order : int, default 4
        Order of the Butterworth filter.
    transition_bandwidth : float, default 0.02
        Transition band of the windowed sinc.

    Returns
    -------
    pandas.Series
        ``|H(f)|`` at 1024 frequencies in ``[0, fs/2)`` (Butterworth) or at the
        non-negative FFT frequencies of the kernel (sinc).

    Examples
    --------
    >>> import memphys as nap
    >>> r = nap.get_filter_frequency_response(250, 1000, "lowpass", "butter")
    >>> len(r), round(float(r.iloc[0]), 6)
    (1024, 1.0)
    """
    import pandas as pd
    from scipy import signal

    _validate(cutoff, filter_type, fs, order, transition_bandwidth)
    if fs is None:
        raise MemphysValueError("Invalid value for `fs`: expected a number > 0, but got None.")
    if mode == "butter":
        sos = butter_sos(order, cutoff, filter_type, float(fs))
        freqz = getattr(signal, "freqz_sos", None) or signal.sosfreqz
        w, h = freqz(sos, worN=1024, fs=fs)
        return pd.Series(index=w, data=np.abs(h))
    if mode == "sinc":
        check_cutoff(cutoff, filter_type, float(fs))
        kernel = sinc_kernel(cutoff, filter_type, float(fs), transition_bandwidth)
        spectrum = np.fft.fftshift(np.fft.fft(kernel))
        freqs = np.fft.fftshift(np.fft.fftfreq(n=kernel.size, d=1 / fs))
        keep = freqs >= 0
        return pd.Series(index=freqs[keep], data=np.abs(spectrum[keep]))
    raise MemphysValueError("Unrecognized filter mode. Choose either 'butter' or 'sinc'")
