"""Filter design and the block-wise emulation of :func:`scipy.signal.sosfiltfilt`.

pynapple filters each epoch with ``sosfiltfilt(sos, x, axis=0)``: the epoch is extended
at both ends by an odd reflection of ``padlen`` samples, filtered forwards from the
steady state of its first sample (``sosfilt_zi(sos) * x_ext[0]``), then backwards from
the steady state of the last forward output, and the extension is cut off.

:class:`FiltFiltBlock` computes the same thing one block at a time. A block reads a halo
of :func:`decay_length` samples on each side (clipped to the epoch):

- at an epoch's first (last) sample the block builds the same odd extension and the
  same scaled initial state as ``sosfiltfilt``: the edges are emulated exactly;
- inside the epoch the forward pass starts ``halo`` samples before the block, from the
  steady state of the first sample read, and the backward pass starts ``halo`` samples
  after it. The state there is not the whole-epoch state, but the difference decays like
  the filter's impulse response, which the halo lets fall below ``tol`` (default 1e-9)
  of its peak. The halo rule: the smallest ``n`` such that ``|h[k]| <= tol * max|h|``
  for every ``k >= n`` (``h`` the impulse response of the cascade), found by simulating
  ``h`` over ``1.5 * log(tol) / log(max|pole|)`` samples (the pole bound, with room for
  the polynomial growth of repeated poles), plus 10 % and at least ``padlen + 1``.

Both passes run through :func:`memphys.process._sos_kernel.sosfilt_inplace`, which
splits a block of at least four halos into two chains run side by side (the second one
warming up over ``halo`` samples in the same way; ``split=False`` turns that off).

Examples
--------
>>> import numpy as np
>>> from scipy import signal
>>> sos = butter_sos(4, (10, 20), "bandpass", 1250.0)
>>> x = np.random.default_rng(0).normal(size=(5000, 2))
>>> f = FiltFiltBlock(sos, np.float64)
>>> y = f.filter_epoch(x)
>>> bool(np.allclose(y, signal.sosfiltfilt(sos, x, axis=0), rtol=0, atol=1e-12))
True
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from memphys.engine import BlockOp
from memphys.errors import MemphysValueError
from memphys.process._sos_kernel import sosfilt_inplace

__all__ = [
    "FILTER_TYPES",
    "FiltFiltBlock",
    "FirBlock",
    "butter_sos",
    "check_cutoff",
    "decay_length",
    "padlen_of",
    "sinc_kernel",
    "spectral_inversion",
]

FILTER_TYPES = ("lowpass", "highpass", "bandpass", "bandstop")

#: Default relative tolerance of the interior warm-up (see the module docstring).
DEFAULT_TOL = 1e-9


def check_cutoff(cutoff: Any, filter_type: str, fs: float) -> np.ndarray:
    """``cutoff`` as a float array, checked against the Nyquist frequency ``fs / 2``.

    >>> check_cutoff((10, 20), "bandpass", 100.0)
    array([10., 20.])
    >>> check_cutoff(60, "lowpass", 100.0)
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `cutoff`: expected ...
    """
    c = np.atleast_1d(np.asarray(cutoff, dtype=float))
    nyq = fs / 2.0
    two = filter_type in ("bandpass", "bandstop")
    what = (
        f"two frequencies 0 < low < high < fs/2 = {nyq:g} Hz"
        if two
        else f"a frequency 0 < cutoff < fs/2 = {nyq:g} Hz"
    )
    ok = c.size == (2 if two else 1) and bool(np.all(np.isfinite(c)))
    ok = ok and bool(np.all(c > 0)) and bool(np.all(c < nyq))
    if ok and two:
        ok = bool(c[0] < c[1])
    if not ok:
        shown = cutoff if not isinstance(cutoff, np.ndarray) else cutoff.tolist()
        raise MemphysValueError(
            f"Invalid value for `cutoff`: expected {what} for a {filter_type} filter at "
            f"fs = {fs:g} Hz, but got {shown!r}. Lower the cutoff or check `fs`."
        )
    return c if two else c[:1]


def butter_sos(order: int, cutoff: Any, filter_type: str, fs: float) -> np.ndarray:
    """Second-order sections of a digital Butterworth filter (``scipy.signal.butter``).

    >>> butter_sos(4, 100.0, "lowpass", 1000.0).shape
    (2, 6)
    """
    from scipy import signal

    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
        raise MemphysValueError(
            f"Invalid value for `order`: expected an integer >= 1, but got {order!r}."
        )
    c = check_cutoff(cutoff, filter_type, fs)
    wn = c if c.size == 2 else float(c[0])
    sos = signal.butter(int(order), wn, btype=filter_type, fs=fs, output="sos")
    return np.asarray(sos, dtype=np.float64)


def padlen_of(sos: np.ndarray) -> int:
    """The default ``padlen`` of :func:`scipy.signal.sosfiltfilt` for ``sos``.

    >>> padlen_of(butter_sos(4, 10.0, "lowpass", 1000.0))
    15
    """
    n_sections = sos.shape[0]
    zeros = min(int(np.sum(sos[:, 2] == 0)), int(np.sum(sos[:, 5] == 0)))
    return 3 * (2 * n_sections + 1 - zeros)


@functools.lru_cache(maxsize=64)
def _decay_cached(key: bytes, n_sections: int, tol: float) -> int:
    from scipy import signal

    sos = np.frombuffer(key, dtype=np.float64).reshape(n_sections, 6).copy()
    poles = np.concatenate([np.roots([1.0, s[4], s[5]]) for s in sos])
    r = float(np.max(np.abs(poles))) if poles.size else 0.0
    if r >= 1.0:
        raise MemphysValueError(
            "Invalid filter: a pole lies on or outside the unit circle (|p| = "
            f"{r:.12g}); the filter is unstable. Use a lower order or a wider band."
        )
    if r <= 0.0:
        return 8 * n_sections
    bound = math.log(tol) / math.log(r)
    length = int(min(max(64, 1.5 * bound + 32 * n_sections), 50_000_000))
    impulse = np.zeros(length)
    impulse[0] = 1.0
    h = np.abs(signal.sosfilt(sos, impulse))
    above = np.flatnonzero(h > tol * h.max())
    last = int(above[-1]) + 1 if above.size else 1
    return math.ceil(1.1 * last)


def decay_length(sos: np.ndarray, tol: float = DEFAULT_TOL) -> int:
    """Samples after which the impulse response of ``sos`` stays below ``tol`` of its peak
    (plus 10 %).

    >>> sos = butter_sos(4, (10, 20), "bandpass", 1250.0)
    >>> 1000 < decay_length(sos) < 5000
    True
    """
    s = np.ascontiguousarray(sos, dtype=np.float64)
    return _decay_cached(s.tobytes(), s.shape[0], float(tol))


@functools.lru_cache(maxsize=64)
def _zi_cached(key: bytes, n_sections: int) -> np.ndarray:
    from scipy import signal

    sos = np.frombuffer(key, dtype=np.float64).reshape(n_sections, 6).copy()
    zi = np.asarray(signal.sosfilt_zi(sos), dtype=np.float64)
    zi.flags.writeable = False
    return zi


def _zi(sos: np.ndarray) -> np.ndarray:
    s = np.ascontiguousarray(sos, dtype=np.float64)
    return _zi_cached(s.tobytes(), s.shape[0])


class FiltFiltBlock(BlockOp):
    """Zero-phase filtering of one block of an epoch, ``sosfiltfilt``'s result (see above).

    Parameters
    ----------
    sos : numpy.ndarray
        Second-order sections (float64).
    work_dtype : dtype
        float32 or float64: precision of the passes and of the output.
    tol : float
        Interior warm-up tolerance (sizes :attr:`halo`).
    backend : {"auto", "numba", "scipy"}
    segments : list of (int, int), optional
        The epochs' row ranges ``[start, stop)`` (engine segments); a block whose read
        range touches one of its ends gets ``sosfiltfilt``'s edge treatment. By default
        the block's own segment bounds (:attr:`memphys.engine.Block.at_segment_start`).
    split : bool, default True
        Let the kernel run a long block as two chains side by side (faster; the second
        chain warms up over :attr:`halo` samples, within the same tolerance as blocks).
        With ``split=False`` an epoch filtered as one block is ``sosfiltfilt``'s result
        to float64 rounding.
    """

    def __init__(
        self,
        sos: np.ndarray,
        work_dtype: Any,
        tol: float = DEFAULT_TOL,
        backend: str = "auto",
        segments: Iterable[tuple[int, int]] = (),
        split: bool = True,
    ) -> None:
        self.sos = np.ascontiguousarray(sos, dtype=np.float64)
        self.work_dtype = np.dtype(work_dtype)
        self.dtype = self.work_dtype
        self.backend = backend
        self.padlen = padlen_of(self.sos)
        self.halo = max(decay_length(self.sos, tol), self.padlen + 1)
        self.zi = _zi(self.sos)  # (n_sections, 2)
        self.segments = list(segments)
        #: warm-up of the kernel's second chain within a long block (0: one chain)
        self.warm = self.halo if split else 0

    def _passes(self, x: np.ndarray, front: bool, back: bool) -> np.ndarray:
        """Both passes over ``x`` (2-D, float); odd extensions where ``front``/``back``."""
        n, c = x.shape
        p = self.padlen
        if (front or back) and n <= p:
            raise MemphysValueError(
                f"Invalid data: an epoch has {n} samples, but the zero-phase filter needs "
                f"more than padlen = {p} samples per epoch (scipy's sosfiltfilt "
                "requirement). Drop the short epochs or use mode='sinc'."
            )
        pre = p if front else 0
        post = p if back else 0
        buf = np.empty((pre + n + post, c), dtype=self.work_dtype)
        buf[pre : pre + n] = x
        if front:  # 2 x[0] - x[p:0:-1]
            np.subtract(2 * buf[pre], buf[pre + p : pre : -1], out=buf[:pre])
        if back:  # 2 x[-1] - x[-2:-p-2:-1]
            last = pre + n - 1
            np.subtract(2 * buf[last], buf[last - 1 : last - 1 - p : -1], out=buf[pre + n :])
        zi = self.zi[:, :, None]
        b, w = self.backend, self.warm
        sosfilt_inplace(self.sos, buf, zi * buf[0], backend=b, warm=w, zi_unit=self.zi)
        sosfilt_inplace(
            self.sos, buf, zi * buf[-1], reverse=True, backend=b, warm=w, zi_unit=self.zi
        )
        return buf[pre : pre + n]

    def filter_epoch(self, x: np.ndarray) -> np.ndarray:
        """``sosfiltfilt(sos, x, axis=0)`` of a whole epoch, in :attr:`work_dtype`."""
        x = np.asarray(x)
        shape = x.shape
        y = self._passes(x.reshape(shape[0], -1), True, True)
        return y.reshape(shape)

    def __call__(self, data: np.ndarray, block: Any) -> np.ndarray:
        if self.segments:
            seg_start, seg_stop = self.segments[block.segment]
            front = block.read_start == seg_start
            back = block.read_stop == seg_stop
        else:  # the block knows its segment's bounds
            front, back = block.at_segment_start, block.at_segment_stop
        shape = data.shape
        y = self._passes(np.asarray(data).reshape(shape[0], -1), front, back)
        k = block.trim_before
        return y[k : k + block.length].reshape(block.length, *shape[1:])


# --- windowed sinc -------------------------------------------------------------------------
def spectral_inversion(kernel: np.ndarray) -> np.ndarray:
    """Turn a low-pass kernel into the complementary high-pass one (in place).

    >>> spectral_inversion(np.array([0.25, 0.5, 0.25]))
    array([-0.25,  0.5 , -0.25])
    """
    kernel *= -1.0
    mid = kernel.shape[0] // 2
    kernel[mid] += 1.0
    return kernel


def sinc_kernel(
    cutoff: Any, filter_type: str, fs: float, transition_bandwidth: float = 0.02
) -> np.ndarray:
    """Blackman-windowed sinc kernel (Smith 2003, ch. 16), normalised to unit DC gain.

    The kernel has ``2 * (round(4 / transition_bandwidth) // 2) + 1`` taps. Band-pass and
    band-stop kernels combine a low-pass at the low cutoff with a high-pass at the high one.

    >>> k = sinc_kernel(100.0, "lowpass", 1000.0, 0.2)
    >>> k.shape, round(float(k.sum()), 12)
    ((21,), 1.0)
    """
    if filter_type not in FILTER_TYPES:
        raise MemphysValueError(
            f"Invalid value for `filter_type`: allowed values are "
            f"{', '.join(repr(f) for f in FILTER_TYPES)}, but got {filter_type!r}."
        )
    m = int(np.rint(4.0 / transition_bandwidth))
    half = m // 2
    taps = np.arange(-half, half + 1)
    fc = np.atleast_1d(np.asarray(cutoff, dtype=float)) / fs
    window = np.blackman(taps.size)
    kernels = np.sinc(2.0 * fc[None, :] * taps[:, None]) * window[:, None]
    kernels /= kernels.sum(axis=0)
    if filter_type == "lowpass":
        return np.ascontiguousarray(kernels[:, 0])
    if filter_type == "highpass":
        return spectral_inversion(np.ascontiguousarray(kernels[:, 0]))
    stop = kernels[:, 0] + spectral_inversion(np.ascontiguousarray(kernels[:, 1]))
    if filter_type == "bandstop":
        return stop
    return spectral_inversion(stop)


class FirBlock(BlockOp):
    """Convolution of one block with an odd-length FIR kernel, zero outside its epoch.

    The halo is the kernel's half-length on each side: block-wise results equal the
    whole-epoch ``np.convolve(x, kernel, mode="same")`` up to rounding.
    """

    def __init__(self, kernel: np.ndarray, work_dtype: Any) -> None:
        self.work_dtype = np.dtype(work_dtype)
        self.dtype = self.work_dtype
        self.kernel = np.asarray(kernel, dtype=self.work_dtype)
        self.half = (self.kernel.shape[0] - 1) // 2

    @property
    def halo(self) -> int:
        return self.half

    def __call__(self, data: np.ndarray, block: Any) -> np.ndarray:
        from scipy import signal

        shape = data.shape
        x = np.asarray(data).reshape(shape[0], -1)
        pad_b = self.half - block.trim_before
        pad_a = self.half - block.trim_after
        buf = np.zeros((pad_b + x.shape[0] + pad_a, x.shape[1]), dtype=self.work_dtype)
        buf[pad_b : pad_b + x.shape[0]] = x
        y = signal.oaconvolve(buf, self.kernel[:, None], mode="valid", axes=0)
        return np.asarray(y, dtype=self.work_dtype).reshape(block.length, *shape[1:])
