"""The biquad cascade that every Butterworth filter of memphys runs through.

:func:`sosfilt_inplace` filters a ``(time, channels)`` block in place with a cascade of
second-order sections (transposed direct form II, the same recurrence as
:func:`scipy.signal.sosfilt`), forwards or backwards in time, from given section states,
and returns the final states. Time is the outer loop and channels the inner one, so the
inner loop runs over contiguous memory and the compiler vectorises it across channels.

Two backends give the same results (the same operations in the same order, no
fused multiply-add): ``"numba"``, a compiled kernel (``nogil``, so the engine's thread
executor runs blocks in parallel; cached on disk after the first compilation), and
``"scipy"``, :func:`scipy.signal.sosfilt` along axis 0. numba is imported on the first
call, never by ``import memphys``. ``"auto"`` picks numba when it is installed.

Examples
--------
>>> import numpy as np
>>> from scipy import signal
>>> sos = signal.butter(2, 0.2, output="sos")
>>> x = np.random.default_rng(0).normal(size=(100, 3))
>>> y = x.copy()
>>> zf = sosfilt_inplace(sos, y, np.zeros((1, 2, 3)), backend="scipy")
>>> np.allclose(y, signal.sosfilt(sos, x, axis=0))
True
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np

from memphys._validation import check_option

__all__ = ["BACKENDS", "default_backend", "sosfilt_inplace", "split_point"]

#: Names accepted by ``backend=``.
BACKENDS = ("auto", "numba", "scipy")


@functools.cache
def _numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def default_backend() -> str:
    """``"numba"`` when numba is installed, else ``"scipy"``."""
    return "numba" if _numba_available() else "scipy"


def split_point(n: int, warm: int) -> tuple[int, int] | None:
    """``(m, warm)`` for two chains over ``n`` samples, or None when ``n < 4 * warm``.

    Chain A processes ``[0, m)``, chain B ``[m - warm, n)``; both have ``m`` samples
    (``warm`` is raised by one when ``n + warm`` is odd).

    >>> split_point(100, 10), split_point(101, 10), split_point(30, 10)
    ((55, 10), (56, 11), None)
    """
    if warm <= 0 or n < 4 * warm:
        return None
    if (n + warm) % 2:
        warm += 1
    return (n + warm) // 2, warm


def sosfilt_inplace(
    sos: np.ndarray,
    x: np.ndarray,
    zi: np.ndarray,
    *,
    reverse: bool = False,
    backend: str = "auto",
    warm: int = 0,
    zi_unit: np.ndarray | None = None,
) -> np.ndarray:
    """Filter ``x`` (``(n, channels)``, C-contiguous, float32 or float64) in place.

    Parameters
    ----------
    sos : numpy.ndarray
        ``(n_sections, 6)`` second-order sections with ``a0 == 1``.
    x : numpy.ndarray
        The block, overwritten with the filtered values. The arithmetic and the states
        are float64 whatever ``x``'s dtype: a float32 block only stores the input and
        the output in float32 (so block-wise and whole-epoch float32 results agree to
        float32 rounding, not to the much larger noise of float32 recursions).
    zi : numpy.ndarray
        ``(n_sections, 2, channels)`` initial states (not modified).
    reverse : bool, default False
        Run backwards in time (from the last sample to the first).
    backend : {"auto", "numba", "scipy"}
    warm : int, default 0
        With ``zi_unit`` and at least ``4 * warm`` samples, run two chains side by side
        (:func:`split_point`): the second starts ``warm`` samples before its first output
        from the steady state ``zi_unit * x[first]``. Its first outputs then differ from
        a single chain's by the decay of the filter over ``warm`` samples.
    zi_unit : numpy.ndarray, optional
        ``scipy.signal.sosfilt_zi(sos)``, ``(n_sections, 2)``.

    Returns
    -------
    numpy.ndarray
        The final states, ``(n_sections, 2, channels)``, float64.

    Examples
    --------
    >>> import numpy as np
    >>> sos = np.array([[0.5, 0.0, 0.0, 1.0, -0.5, 0.0]])  # y[n] = 0.5 x[n] + 0.5 y[n-1]
    >>> x = np.ones((4, 1))
    >>> _ = sosfilt_inplace(sos, x, np.zeros((1, 2, 1)))
    >>> x[:, 0]
    array([0.5   , 0.75  , 0.875 , 0.9375])
    """
    check_option("backend", backend, BACKENDS)
    if backend == "auto":
        backend = default_backend()
    coeffs = np.ascontiguousarray(sos, dtype=np.float64)
    z = np.array(zi, dtype=np.float64, order="C")
    n = x.shape[0]
    if n == 0:
        return z
    split = split_point(n, int(warm)) if zi_unit is not None else None
    view = x[::-1] if reverse else x
    zb = None
    if split is not None:
        m, warm = split
        first_b = np.asarray(view[m - warm], dtype=np.float64)
        zb = np.ascontiguousarray(np.asarray(zi_unit)[:, :, None] * first_b[None, None, :])
    if backend == "numba":
        from memphys.process import _sos_numba

        if split is None:
            _sos_numba.cascade(coeffs, x, z, bool(reverse))
        else:
            _sos_numba.cascade_split(coeffs, x, z, zb, bool(reverse), split[0], split[1])
        return z
    from scipy import signal

    if split is None:
        y, zf = signal.sosfilt(coeffs, view.astype(np.float64), axis=0, zi=z)
        view[...] = y
        return np.asarray(zf, dtype=np.float64)
    m, warm = split
    xa = view[:m].astype(np.float64)
    xb = view[m - warm :].astype(np.float64)
    ya, _ = signal.sosfilt(coeffs, xa, axis=0, zi=z)
    yb, zf = signal.sosfilt(coeffs, xb, axis=0, zi=zb)
    view[:m] = ya
    view[m:] = yb[warm:]
    return np.asarray(zf, dtype=np.float64)
