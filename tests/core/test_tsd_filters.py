"""convolve, smooth, derivative, decimate: chunked results equal whole-epoch scipy/numpy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal
from tests.core._tsd_helpers import SpyArray, random_epochs

import memphys as nap
from memphys.engine import ResultOnDiskWarning


def _pair(n=2000, ch=2, seed=0, rate=100.0):
    d = np.random.default_rng(seed).integers(-1000, 1000, (n, ch)).astype("int16")
    return d, nap.TsdFrame(d=d, rate=rate), nap.TsdFrame(d=SpyArray(d), rate=rate)


def _ref_convolve(x, t, ep, kernel, trim):
    """Per-epoch full convolution (zero padding), cut as documented, with numpy."""
    k = len(kernel)
    out = []
    for s, e in ep.values:
        seg = x[(t >= s) & (t <= e)].astype(float)
        n = len(seg)
        if not n:
            continue
        full = np.stack([np.convolve(seg[:, i], kernel) for i in range(seg.shape[1])], 1)
        c0 = {"left": k - 1, "right": 0, "both": (k - 1) // 2}[trim]
        out.append(full[c0 : c0 + n])
    return np.concatenate(out) if out else np.zeros((0, x.shape[1]))


class TestConvolve:
    @settings(max_examples=30, deadline=None)
    @given(
        seed=st.integers(0, 2**16),
        k=st.integers(1, 40),
        chunk=st.integers(1, 257),
        trim=st.sampled_from(["both", "left", "right"]),
    )
    def test_chunked_equals_numpy(self, seed, k, chunk, trim):
        rng = np.random.default_rng(seed)
        d, mem, lazy = _pair(n=700, seed=seed)
        ep = random_epochs(rng, 0, 7, int(rng.integers(1, 4)))
        kernel = rng.normal(size=k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            got = lazy.convolve(kernel, ep=ep, trim=trim, chunk_size=chunk)
            ref = mem.convolve(kernel, ep=ep, trim=trim)
        exp = _ref_convolve(d, mem.t, ep, kernel, trim)
        np.testing.assert_allclose(got.values, exp, atol=1e-8)
        np.testing.assert_allclose(ref.values, exp, atol=1e-8)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got.time_support.values, ep.values)

    def test_2d_kernel_adds_an_axis(self):
        tsd = nap.Tsd(t=np.arange(50.0), d=np.arange(50.0))
        out = tsd.convolve(np.ones((3, 2)))
        assert out.shape == (50, 2)
        np.testing.assert_allclose(
            out.values[:, 0], np.convolve(np.arange(50.0), np.ones(3), "same")
        )

    @pytest.mark.parametrize("engine", ["thread", "process"])
    def test_parallel_engines(self, engine):
        _d, mem, _ = _pair(n=3000)
        got = mem.convolve(np.hanning(15), chunk_size=101, n_jobs=2, pool_engine=engine)
        np.testing.assert_allclose(got.values, mem.convolve(np.hanning(15)).values, atol=1e-9)

    def test_errors_and_warning(self):
        tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
        with pytest.raises(OSError, match="length 0"):
            tsd.convolve(np.array([]))
        with pytest.raises(OSError, match="1 or 2 dimension"):
            tsd.convolve(np.ones((2, 2, 2)))
        with pytest.raises(OSError, match="trim"):
            tsd.convolve(np.ones(3), trim="middle")
        with pytest.raises(OSError, match="IntervalSet"):
            tsd.convolve(np.ones(3), ep=[0, 1])
        with pytest.warns(UserWarning, match="zero-padded"):
            tsd.convolve(np.ones(20))

    def test_large_result_in_memory_or_on_disk(self, tmp_path, monkeypatch):
        d, _, lazy = _pair(n=5000)
        ref = _ref_convolve(d, lazy.t, lazy.time_support, np.ones(5), "both")
        with nap.config_context(memory_budget=20_000):
            np.testing.assert_allclose(lazy.convolve(np.ones(5)).values, ref)
            monkeypatch.setenv("MEMPHYS_MEMORY_AVAILABLE", "1000")
            with pytest.warns(ResultOnDiskWarning, match="out="):
                disk = lazy.convolve(np.ones(5))
            assert isinstance(disk.values, np.memmap)
            np.testing.assert_allclose(disk.values, ref)
            monkeypatch.delenv("MEMPHYS_MEMORY_AVAILABLE")
            out = lazy.convolve(np.ones(5), out=str(tmp_path / "c.npy"))
        assert isinstance(out.values, np.memmap)
        np.testing.assert_allclose(
            out.values, _ref_convolve(d, out.t, lazy.time_support, np.ones(5), "both")
        )


class TestSmooth:
    def test_smooth_equals_gaussian_convolution(self):
        d, mem, lazy = _pair(n=3000)
        got = lazy.smooth(0.05, chunk_size=333)
        std = mem.rate * 0.05
        m = int(std * 100)
        m += 1 - m % 2
        w = signal.windows.gaussian(m, std)
        w /= w.sum()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            exp = _ref_convolve(d, mem.t, mem.time_support, w, "both")
        np.testing.assert_allclose(got.values, exp, atol=1e-9)
        assert got.dtype == np.float64  # int16 in, float64 out
        s2 = mem.smooth(50, windowsize=200, time_units="ms", norm=False)
        assert s2.shape == mem.shape

    def test_errors(self):
        tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
        for kw in (
            {"std": "a"},
            {"std": 1, "size_factor": 1.5},
            {"std": 1, "norm": 1},
            {"std": 1, "windowsize": "a"},
        ):
            with pytest.raises(OSError):
                tsd.smooth(**kw)


class TestDerivative:
    @settings(max_examples=20, deadline=None)
    @given(seed=st.integers(0, 2**16), chunk=st.integers(1, 100))
    def test_chunked_equals_gradient(self, seed, chunk):
        rng = np.random.default_rng(seed)
        t = np.cumsum(rng.uniform(0.01, 0.1, 500))
        d = rng.normal(size=(500, 2))
        x = nap.TsdFrame(t=t, d=SpyArray(d))
        ep = random_epochs(rng, t[0], t[-1], 3)
        got = x.derivative(ep=ep, chunk_size=chunk)
        parts = []
        for s, e in ep.values:
            sel = (t >= s) & (t <= e)
            if sel.sum() >= 2:
                parts.append(np.gradient(d[sel], t[sel], axis=0))
            elif sel.sum() == 1:
                parts.append(np.full((1, 2), np.nan))
        exp = np.concatenate(parts) if parts else np.zeros((0, 2))
        np.testing.assert_allclose(got.values, exp, rtol=1e-10, atol=1e-12, equal_nan=True)


class TestDecimate:
    @pytest.mark.parametrize("ftype", ["iir", "fir"])
    def test_whole_epochs_equal_scipy(self, ftype):
        d, mem, lazy = _pair(n=1000)
        ep = nap.IntervalSet([0, 5], [4, 9.99])
        got = lazy.decimate(3, filter_type=ftype, ep=ep)
        parts, times = [], []
        for s, e in ep.values:
            sel = (mem.t >= s) & (mem.t <= e)
            parts.append(signal.decimate(d[sel], 3, n=8, ftype=ftype, axis=0, zero_phase=True))
            times.append(mem.t[sel][::3])
        np.testing.assert_allclose(got.values, np.concatenate(parts))
        np.testing.assert_array_equal(got.t, np.concatenate(times))

    @pytest.mark.parametrize(("ftype", "down"), [("iir", 4), ("fir", 3), ("iir", 10)])
    def test_blocked_long_epoch_within_tolerance(self, ftype, down):
        rng = np.random.default_rng(1)
        d = rng.normal(size=(60_000, 2))
        x = nap.TsdFrame(d=SpyArray(d), rate=1000.0)
        with nap.config_context(memory_budget=4_000_000):
            got = x.decimate(down, filter_type=ftype, n_jobs=2, pool_engine="thread")
        exp = signal.decimate(d, down, n=8, ftype=ftype, axis=0, zero_phase=True)
        assert got.shape == exp.shape
        np.testing.assert_allclose(got.values, exp, atol=1e-9 * np.abs(d).max())

    def test_errors(self):
        tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
        with pytest.raises(OSError, match="down"):
            tsd.decimate(2.0)
        with pytest.raises(OSError, match="order"):
            tsd.decimate(2, order=0)
        with pytest.raises(OSError, match="filter_type"):
            tsd.decimate(2, filter_type="x")
