"""The biquad cascade (numba and scipy backends) and the sosfiltfilt emulation of _sos."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from memphys.errors import MemphysValueError
from memphys.process import _sos, _sos_kernel
from memphys.process._sos import FiltFiltBlock, butter_sos, decay_length, padlen_of
from memphys.process._sos_kernel import sosfilt_inplace

FILTERS = [
    (4, (10.0, 20.0), "bandpass", 1250.0),
    (2, 300.0, "highpass", 30000.0),
    (4, 100.0, "lowpass", 1000.0),
    (3, (45.0, 55.0), "bandstop", 1000.0),
    (1, 5.0, "lowpass", 1000.0),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_channels", [1, 3, 16, 21, 40])
@pytest.mark.parametrize("reverse", [False, True])
def test_numba_equals_scipy_bit_for_bit(dtype, n_channels, reverse):
    rng = np.random.default_rng(n_channels)
    sos = butter_sos(4, (10.0, 20.0), "bandpass", 1250.0)
    x = rng.normal(size=(3000, n_channels)).astype(dtype) * 100
    zi = rng.normal(size=(sos.shape[0], 2, n_channels)).astype(dtype)
    y1, y2 = x.copy(), x.copy()
    z1 = sosfilt_inplace(sos, y1, zi, reverse=reverse, backend="numba")
    z2 = sosfilt_inplace(sos, y2, zi, reverse=reverse, backend="scipy")
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(z1, z2)
    assert y1.dtype == dtype
    assert z1.dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_channels", [1, 3, 16, 21, 40])
@pytest.mark.parametrize("reverse", [False, True])
def test_two_chains_numba_equals_scipy_bit_for_bit(dtype, n_channels, reverse):
    rng = np.random.default_rng(n_channels + 7)
    sos = butter_sos(4, (10.0, 20.0), "bandpass", 1250.0)
    zi_unit = signal.sosfilt_zi(sos)
    x = rng.normal(size=(5001, n_channels)).astype(dtype) * 100
    zi = rng.normal(size=(sos.shape[0], 2, n_channels)).astype(dtype)
    kw = {"reverse": reverse, "warm": 1000, "zi_unit": zi_unit}
    y1, y2 = x.copy(), x.copy()
    z1 = sosfilt_inplace(sos, y1, zi, backend="numba", **kw)
    z2 = sosfilt_inplace(sos, y2, zi, backend="scipy", **kw)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(z1, z2)
    # and close to one chain: the second chain warmed up over 1000 samples
    y3 = x.copy()
    sosfilt_inplace(sos, y3, zi, reverse=reverse, backend="numba")
    assert np.abs(y1 - y3).max() < 1e-3 * np.abs(y3).max()
    assert not np.array_equal(y1, y3)  # the split did happen


def test_split_point():
    assert _sos_kernel.split_point(100, 10) == (55, 10)
    assert _sos_kernel.split_point(101, 10) == (56, 11)
    assert _sos_kernel.split_point(39, 10) is None
    assert _sos_kernel.split_point(1000, 0) is None


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(0, 400),
    c=st.integers(1, 35),
    filt=st.sampled_from(FILTERS),
    reverse=st.booleans(),
)
def test_cascade_matches_scipy_sosfilt(n, c, filt, reverse):
    order, cutoff, btype, fs = filt
    sos = butter_sos(order, cutoff, btype, fs)
    rng = np.random.default_rng(n * 100 + c)
    x = rng.normal(size=(n, c))
    zi = rng.normal(size=(sos.shape[0], 2, c))
    y = x.copy()
    zf = sosfilt_inplace(sos, y, zi, reverse=reverse, backend="numba")
    assert not np.shares_memory(zf, zi)
    if n == 0:  # scipy's sosfilt does not take empty input
        np.testing.assert_array_equal(zf, zi)
        return
    src = x[::-1] if reverse else x
    ref, zref = signal.sosfilt(sos, src, axis=0, zi=zi)
    np.testing.assert_allclose(y[::-1] if reverse else y, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(zf, zref, rtol=1e-12, atol=1e-12)


def test_backend_is_checked():
    sos = butter_sos(2, 10.0, "lowpass", 100.0)
    with pytest.raises(MemphysValueError, match="allowed values are 'auto', 'numba', 'scipy'"):
        sosfilt_inplace(sos, np.zeros((4, 1)), np.zeros((1, 2, 1)), backend="cuda")


def test_default_backend_is_numba_when_installed():
    assert _sos_kernel.default_backend() == "numba"


@pytest.mark.parametrize("filt", FILTERS)
@pytest.mark.parametrize("backend", ["numba", "scipy"])
@pytest.mark.parametrize("split", [False, True])
def test_filter_epoch_equals_sosfiltfilt(filt, backend, split):
    order, cutoff, btype, fs = filt
    sos = butter_sos(order, cutoff, btype, fs)
    x = np.random.default_rng(1).normal(size=(40000, 3)) * 50 + 10
    f = FiltFiltBlock(sos, np.float64, backend=backend, split=split)
    y = f.filter_epoch(x)
    ref = signal.sosfiltfilt(sos, x, axis=0)
    # one chain: float64 rounding; two chains: the warm-up tolerance (1e-9)
    tol = 1e-8 if split and f.warm and len(x) >= 4 * f.warm else 1e-12
    np.testing.assert_allclose(y, ref, rtol=0, atol=tol * np.abs(ref).max())


def test_filter_epoch_float32_within_1e4_of_float64():
    sos = butter_sos(4, (10.0, 20.0), "bandpass", 1250.0)
    x = np.random.default_rng(2).integers(-2000, 2000, size=(20000, 4)).astype(np.int16)
    y = FiltFiltBlock(sos, np.float32).filter_epoch(x)
    ref = signal.sosfiltfilt(sos, x, axis=0)
    assert y.dtype == np.float32
    err = np.abs(y - ref).max(axis=0) / np.abs(ref).max(axis=0)
    assert err.max() < 1e-4


@pytest.mark.parametrize("filt", FILTERS)
def test_padlen_is_scipys_default(filt):
    order, cutoff, btype, fs = filt
    sos = butter_sos(order, cutoff, btype, fs)
    x = np.random.default_rng(3).normal(size=500)
    np.testing.assert_array_equal(
        signal.sosfiltfilt(sos, x), signal.sosfiltfilt(sos, x, padlen=padlen_of(sos))
    )
    with pytest.raises(ValueError):
        signal.sosfiltfilt(sos, x[: padlen_of(sos)])


@pytest.mark.parametrize("filt", FILTERS)
@pytest.mark.parametrize("tol", [1e-6, 1e-9])
def test_decay_length_bounds_the_impulse_response(filt, tol):
    order, cutoff, btype, fs = filt
    sos = butter_sos(order, cutoff, btype, fs)
    n = decay_length(sos, tol)
    impulse = np.zeros(3 * n + 100)
    impulse[0] = 1.0
    h = np.abs(signal.sosfilt(sos, impulse))
    assert h[n:].max() <= tol * h.max()
    # not grossly oversized: the response is still above tol/1e3 somewhere in the last half
    assert h[n // 2 :].max() > tol * 1e-3 * h.max()


def test_decay_length_grows_with_narrower_filters():
    wide = decay_length(butter_sos(4, 100.0, "highpass", 1000.0))
    narrow = decay_length(butter_sos(4, 1.0, "highpass", 1000.0))
    assert narrow > 20 * wide


@pytest.mark.parametrize(
    ("cutoff", "btype", "match"),
    [
        (600.0, "lowpass", "0 < cutoff < fs/2 = 500 Hz"),
        (500.0, "highpass", "0 < cutoff < fs/2 = 500 Hz"),
        (0.0, "lowpass", "0 < cutoff"),
        (-3.0, "highpass", "0 < cutoff"),
        ((20.0, 10.0), "bandpass", "0 < low < high < fs/2"),
        ((10.0, 700.0), "bandstop", "0 < low < high < fs/2"),
        ((10.0, float("nan")), "bandpass", "0 < low < high"),
    ],
)
def test_bad_cutoffs(cutoff, btype, match):
    with pytest.raises(MemphysValueError, match=match):
        butter_sos(4, cutoff, btype, 1000.0)


@pytest.mark.parametrize("order", [0, -1, 2.0, True])
def test_bad_order(order):
    with pytest.raises(MemphysValueError, match="`order`: expected an integer >= 1"):
        butter_sos(order, 10.0, "lowpass", 1000.0)


def test_short_epoch_is_a_clear_error():
    f = FiltFiltBlock(butter_sos(4, 10.0, "lowpass", 1000.0), np.float64)
    with pytest.raises(MemphysValueError, match="more than padlen = 15 samples"):
        f.filter_epoch(np.zeros(15))
    assert f.filter_epoch(np.zeros(16)).shape == (16,)


def test_sinc_kernel_unknown_type():
    with pytest.raises(MemphysValueError, match="allowed values are 'lowpass'"):
        _sos.sinc_kernel(10.0, "notch", 1000.0)


@pytest.mark.parametrize("tb", [0.02, 0.05, 0.1])
def test_sinc_kernels_are_odd_and_unit_gain(tb):
    for ftype, cut in [("lowpass", 50.0), ("highpass", 50.0), ("bandpass", (100.0, 400.0))]:
        k = _sos.sinc_kernel(cut, ftype, 1000.0, tb)
        assert k.size % 2 == 1
        _w, h = signal.freqz(k, worN=[0.0, 250.0, 499.0], fs=1000.0)
        if ftype == "lowpass":
            assert abs(abs(h[0]) - 1) < 1e-9
        elif ftype == "highpass":
            assert abs(h[0]) < 1e-9
        else:
            assert abs(h[0]) < 1e-9
            assert abs(abs(h[1]) - 1) < 0.01


def test_import_memphys_does_not_import_numba_or_scipy():
    code = (
        "import sys, time; t = time.perf_counter(); import memphys; "
        "f = memphys.apply_bandpass_filter; dt = time.perf_counter() - t; "
        "print('numba' in sys.modules, 'scipy' in sys.modules, dt)"
    )
    times = []
    for _ in range(2):  # the best of two: a loaded machine must not fail this
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        numba_loaded, scipy_loaded, dt = out.stdout.split()
        assert numba_loaded == "False"
        assert scipy_loaded == "False"
        times.append(float(dt))
    assert min(times) < 0.5
