"""The compiled biquad cascades (numba), imported only by
:func:`memphys.process._sos_kernel.sosfilt_inplace` on its first call.

Layout: a block is ``x[time, channel]`` (C order). Channels are processed in groups of
16 (a literal, so the lane loops compile to full vector instructions); the arithmetic
and the states are float64 in small local arrays (so the compiler sees that they do not
alias ``x``), whatever ``x``'s dtype. Two tricks give the processor independent work:

- *skewed sections*: at step ``k`` section ``s`` processes sample ``k - s``, so the
  sections of one step do not wait for each other;
- *two chains* (``*_split``): the block's first part ``[0, m)`` and its second part
  ``[m - warm, n)`` (processing order) run side by side in the same lanes loop; the
  second chain starts ``warm`` samples early from the steady state of its first input
  (``zb``) and stores nothing during that warm-up, which lets the start-up transient
  decay below the filter's tolerance.

The kernels exist in two copies, one whose lane count is the literal 16 (32 for two
chains), which the compiler turns into full vector instructions, and one for any other
width (the last channels of a block). Blocks of fewer than 4 channels use scalar
kernels. Every lane performs exactly the multiply/add sequence of ``scipy.signal.sosfilt`` (no
fused multiply-add), so the scipy fallback reproduces these results bit for bit.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = ["cascade", "cascade_split"]


@numba.njit(nogil=True, cache=True)
def _one_chain_16(sos: Any, x: Any, z: Any, reverse: Any, o: Any, w: Any) -> None:
    """Channels ``[o, o + 16)`` of ``x``, one chain over the whole block."""
    n = x.shape[0]
    ns = sos.shape[0]
    zz = np.empty((ns, 2, 16), dtype=np.float64)
    pipe = np.zeros((ns + 1, 16), dtype=np.float64)
    for s in range(ns):
        for q in range(16):
            zz[s, 0, q] = z[s, 0, o + q]
            zz[s, 1, q] = z[s, 1, o + q]
    for k in range(n + ns - 1):
        if k < n:
            i = n - 1 - k if reverse else k
            for q in range(16):
                pipe[0, q] = x[i, o + q]
        for s in range(min(ns - 1, k), max(0, k - n + 1) - 1, -1):
            b0 = sos[s, 0]
            b1 = sos[s, 1]
            b2 = sos[s, 2]
            a1 = sos[s, 4]
            a2 = sos[s, 5]
            for q in range(16):
                xi = pipe[s, q]
                yi = b0 * xi + zz[s, 0, q]
                zz[s, 0, q] = b1 * xi - a1 * yi + zz[s, 1, q]
                zz[s, 1, q] = b2 * xi - a2 * yi
                pipe[s + 1, q] = yi
        j = k - (ns - 1)
        if j >= 0:
            i = n - 1 - j if reverse else j
            for q in range(16):
                x[i, o + q] = pipe[ns, q]
    for s in range(ns):
        for q in range(16):
            z[s, 0, o + q] = zz[s, 0, q]
            z[s, 1, o + q] = zz[s, 1, q]


@numba.njit(nogil=True, cache=True)
def _one_chain_w(sos: Any, x: Any, z: Any, reverse: Any, o: Any, w: Any) -> None:
    """Channels ``[o, o + w)`` of ``x``, one chain over the whole block."""
    n = x.shape[0]
    ns = sos.shape[0]
    zz = np.empty((ns, 2, w), dtype=np.float64)
    pipe = np.zeros((ns + 1, w), dtype=np.float64)
    for s in range(ns):
        for q in range(w):
            zz[s, 0, q] = z[s, 0, o + q]
            zz[s, 1, q] = z[s, 1, o + q]
    for k in range(n + ns - 1):
        if k < n:
            i = n - 1 - k if reverse else k
            for q in range(w):
                pipe[0, q] = x[i, o + q]
        for s in range(min(ns - 1, k), max(0, k - n + 1) - 1, -1):
            b0 = sos[s, 0]
            b1 = sos[s, 1]
            b2 = sos[s, 2]
            a1 = sos[s, 4]
            a2 = sos[s, 5]
            for q in range(w):
                xi = pipe[s, q]
                yi = b0 * xi + zz[s, 0, q]
                zz[s, 0, q] = b1 * xi - a1 * yi + zz[s, 1, q]
                zz[s, 1, q] = b2 * xi - a2 * yi
                pipe[s + 1, q] = yi
        j = k - (ns - 1)
        if j >= 0:
            i = n - 1 - j if reverse else j
            for q in range(w):
                x[i, o + q] = pipe[ns, q]
    for s in range(ns):
        for q in range(w):
            z[s, 0, o + q] = zz[s, 0, q]
            z[s, 1, o + q] = zz[s, 1, q]


@numba.njit(nogil=True, cache=True)
def _two_chains_16(
    sos: Any, x: Any, z: Any, zb: Any, reverse: Any, o: Any, w: Any, m: Any, warm: Any
) -> None:
    """Channels ``[o, o + 16)``: chain A over ``[0, m)`` from ``z``, chain B over
    ``[m - warm, n)`` from ``zb``, storing ``[m, n)`` (processing order); both are ``m``
    samples long. ``z`` receives chain B's final states."""
    n = x.shape[0]
    ns = sos.shape[0]
    start_b = m - warm
    zz = np.empty((ns, 2, 2 * 16), dtype=np.float64)
    pipe = np.zeros((ns + 1, 2 * 16), dtype=np.float64)
    for s in range(ns):
        for q in range(16):
            zz[s, 0, q] = z[s, 0, o + q]
            zz[s, 1, q] = z[s, 1, o + q]
            zz[s, 0, 16 + q] = zb[s, 0, o + q]
            zz[s, 1, 16 + q] = zb[s, 1, o + q]
    for k in range(m + ns - 1):
        if k < m:
            i = n - 1 - k if reverse else k
            p = start_b + k
            i2 = n - 1 - p if reverse else p
            for q in range(16):
                pipe[0, q] = x[i, o + q]
                pipe[0, 16 + q] = x[i2, o + q]
        for s in range(min(ns - 1, k), max(0, k - m + 1) - 1, -1):
            b0 = sos[s, 0]
            b1 = sos[s, 1]
            b2 = sos[s, 2]
            a1 = sos[s, 4]
            a2 = sos[s, 5]
            for q in range(2 * 16):
                xi = pipe[s, q]
                yi = b0 * xi + zz[s, 0, q]
                zz[s, 0, q] = b1 * xi - a1 * yi + zz[s, 1, q]
                zz[s, 1, q] = b2 * xi - a2 * yi
                pipe[s + 1, q] = yi
        j = k - (ns - 1)
        if j >= 0:
            i = n - 1 - j if reverse else j
            for q in range(16):
                x[i, o + q] = pipe[ns, q]
            if j >= warm:
                p = start_b + j
                i2 = n - 1 - p if reverse else p
                for q in range(16):
                    x[i2, o + q] = pipe[ns, 16 + q]
    for s in range(ns):
        for q in range(16):
            z[s, 0, o + q] = zz[s, 0, 16 + q]
            z[s, 1, o + q] = zz[s, 1, 16 + q]


@numba.njit(nogil=True, cache=True)
def _two_chains_w(
    sos: Any, x: Any, z: Any, zb: Any, reverse: Any, o: Any, w: Any, m: Any, warm: Any
) -> None:
    """Channels ``[o, o + w)``: chain A over ``[0, m)`` from ``z``, chain B over
    ``[m - warm, n)`` from ``zb``, storing ``[m, n)`` (processing order); both are ``m``
    samples long. ``z`` receives chain B's final states."""
    n = x.shape[0]
    ns = sos.shape[0]
    start_b = m - warm
    zz = np.empty((ns, 2, 2 * w), dtype=np.float64)
    pipe = np.zeros((ns + 1, 2 * w), dtype=np.float64)
    for s in range(ns):
        for q in range(w):
            zz[s, 0, q] = z[s, 0, o + q]
            zz[s, 1, q] = z[s, 1, o + q]
            zz[s, 0, w + q] = zb[s, 0, o + q]
            zz[s, 1, w + q] = zb[s, 1, o + q]
    for k in range(m + ns - 1):
        if k < m:
            i = n - 1 - k if reverse else k
            p = start_b + k
            i2 = n - 1 - p if reverse else p
            for q in range(w):
                pipe[0, q] = x[i, o + q]
                pipe[0, w + q] = x[i2, o + q]
        for s in range(min(ns - 1, k), max(0, k - m + 1) - 1, -1):
            b0 = sos[s, 0]
            b1 = sos[s, 1]
            b2 = sos[s, 2]
            a1 = sos[s, 4]
            a2 = sos[s, 5]
            for q in range(2 * w):
                xi = pipe[s, q]
                yi = b0 * xi + zz[s, 0, q]
                zz[s, 0, q] = b1 * xi - a1 * yi + zz[s, 1, q]
                zz[s, 1, q] = b2 * xi - a2 * yi
                pipe[s + 1, q] = yi
        j = k - (ns - 1)
        if j >= 0:
            i = n - 1 - j if reverse else j
            for q in range(w):
                x[i, o + q] = pipe[ns, q]
            if j >= warm:
                p = start_b + j
                i2 = n - 1 - p if reverse else p
                for q in range(w):
                    x[i2, o + q] = pipe[ns, w + q]
    for s in range(ns):
        for q in range(w):
            z[s, 0, o + q] = zz[s, 0, w + q]
            z[s, 1, o + q] = zz[s, 1, w + q]


@numba.njit(nogil=True, cache=True)
def _narrow(sos: Any, x: Any, z: Any, zb: Any, reverse: Any, m: Any, warm: Any, split: Any) -> None:
    """Few channels: scalar code, one channel at a time (two chains when ``split``)."""
    n, c = x.shape
    ns = sos.shape[0]
    za = np.empty((ns, 2), dtype=np.float64)
    zc = np.empty((ns, 2), dtype=np.float64)
    length = m if split else n
    start_b = m - warm
    for ch in range(c):
        for s in range(ns):
            za[s, 0] = z[s, 0, ch]
            za[s, 1] = z[s, 1, ch]
            if split:
                zc[s, 0] = zb[s, 0, ch]
                zc[s, 1] = zb[s, 1, ch]
        for k in range(length):
            i = n - 1 - k if reverse else k
            v = np.float64(x[i, ch])
            for s in range(ns):
                yi = sos[s, 0] * v + za[s, 0]
                za[s, 0] = sos[s, 1] * v - sos[s, 4] * yi + za[s, 1]
                za[s, 1] = sos[s, 2] * v - sos[s, 5] * yi
                v = yi
            if split:
                p = start_b + k
                i2 = n - 1 - p if reverse else p
                u = np.float64(x[i2, ch])
                for s in range(ns):
                    yi = sos[s, 0] * u + zc[s, 0]
                    zc[s, 0] = sos[s, 1] * u - sos[s, 4] * yi + zc[s, 1]
                    zc[s, 1] = sos[s, 2] * u - sos[s, 5] * yi
                    u = yi
                if k >= warm:
                    x[i2, ch] = u
            x[i, ch] = v
        for s in range(ns):
            if split:
                z[s, 0, ch] = zc[s, 0]
                z[s, 1, ch] = zc[s, 1]
            else:
                z[s, 0, ch] = za[s, 0]
                z[s, 1, ch] = za[s, 1]


@numba.njit(nogil=True, cache=True)
def cascade(sos: Any, x: Any, z: Any, reverse: Any) -> None:
    """Filter all channels of ``x`` in place with one chain; ``z``: in/out states."""
    c = x.shape[1]
    if c < 4:
        _narrow(sos, x, z, z, reverse, 0, 0, False)
        return
    ng = c // 16
    for g in range(ng):
        _one_chain_16(sos, x, z, reverse, g * 16, 16)
    if c > ng * 16:
        _one_chain_w(sos, x, z, reverse, ng * 16, c - ng * 16)


@numba.njit(nogil=True, cache=True)
def cascade_split(sos: Any, x: Any, z: Any, zb: Any, reverse: Any, m: Any, warm: Any) -> None:
    """Filter all channels of ``x`` in place with two chains (see the module docstring)."""
    c = x.shape[1]
    if c < 4:
        _narrow(sos, x, z, zb, reverse, m, warm, True)
        return
    ng = c // 16
    for g in range(ng):
        _two_chains_16(sos, x, z, zb, reverse, g * 16, 16, m, warm)
    if c > ng * 16:
        _two_chains_w(sos, x, z, zb, reverse, ng * 16, c - ng * 16, m, warm)
