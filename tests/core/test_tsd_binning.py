"""count, bin_average, value_from, interpolate, trial_count, to_trial_tensor."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.core._tsd_helpers import SpyArray, random_epochs

import memphys as nap
from memphys.engine import ResultOnDiskWarning

# A Ts of one timestamp spans no time: its support is dropped with pynapple's warning
# "Some epochs have no duration" (tested in tests/core/test_ts.py); here such a Ts (an
# event, a unit with one spike) is incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)


def _frame(n=5000, rate=100.0, ch=3, seed=0, dtype="int16"):
    rng = np.random.default_rng(seed)
    d = rng.integers(-500, 500, (n, ch)).astype(dtype)
    return (
        d,
        nap.TsdFrame(d=d, rate=rate, start=0.0),
        nap.TsdFrame(d=SpyArray(d), rate=rate, start=0.0),
    )


def _ref_bin_average(t, d, starts, ends, bin_size):
    """Straight re-statement of pynapple's documented bin rules (for small inputs)."""
    centers, out = [], []
    for s, e in zip(starts, ends, strict=True):
        lo = s
        n_max = int(np.ceil((e + bin_size - s) / bin_size)) if e - s > bin_size else 1
        for _ in range(n_max):
            if lo + bin_size / 2 > e:
                break
            hi = np.round(lo + bin_size, 9)
            sel = (t >= lo) & (t < hi) & (t >= s) & (t <= e)
            centers.append(lo + bin_size / 2)
            with np.errstate(invalid="ignore"):
                out.append(d[sel].astype(float).sum(0) / sel.sum())
            lo = np.round(lo + bin_size, 9)
    return np.array(centers), np.array(out)


class TestCount:
    def test_count_regular_index_reads_nothing(self):
        _, _, lazy = _frame()
        spy = lazy.values
        c = lazy.count(0.1)
        assert spy.reads == 0
        assert c.values.sum() == len(lazy)
        assert c.dtype == np.int64

    def test_count_equals_ts_count_and_histogram(self):
        rng = np.random.default_rng(1)
        t = np.sort(rng.uniform(0, 100, 3000))
        ts = nap.Ts(t=t)
        tsd = nap.Tsd(t=t, d=np.zeros(t.size))
        ep = nap.IntervalSet([0, 40], [30, 100])
        a, b = ts.count(1.0, ep=ep), tsd.count(1.0, ep=ep, dtype=np.int32)
        np.testing.assert_array_equal(a.values, b.values)
        assert b.dtype == np.int32
        hist, _ = np.histogram(t, bins=np.arange(0, 31.0))
        np.testing.assert_array_equal(a.values[:30], hist)
        np.testing.assert_array_equal(a.time_support.values, ep.values)

    def test_count_per_epoch(self):
        ts = nap.Ts(t=np.arange(10.0))
        np.testing.assert_array_equal(ts.count(ep=nap.IntervalSet([0, 5], [2, 9])).values, [3, 5])
        assert ts.count().values.tolist() == [10]

    def test_count_errors(self):
        ts = nap.Ts(t=np.arange(10.0))
        with pytest.raises(TypeError, match="bin_size"):
            ts.count("a")
        with pytest.raises(ValueError, match="time_units"):
            ts.count(1, time_units="min")
        with pytest.raises(TypeError, match="ep"):
            ts.count(1, ep=[0, 1])
        with pytest.raises(ValueError, match="dtype"):
            ts.count(1, dtype="notadtype")


class TestBinAverage:
    @settings(max_examples=25, deadline=None)
    @given(
        seed=st.integers(0, 2**16),
        chunk=st.integers(1, 300),
        bin_size=st.sampled_from([0.05, 0.1, 0.37, 2.0]),
    )
    def test_lazy_equals_reference(self, seed, chunk, bin_size):
        rng = np.random.default_rng(seed)
        d, mem, lazy = _frame(n=1500, seed=seed)
        ep = random_epochs(rng, 0, 15, int(rng.integers(1, 5)))
        got = lazy.bin_average(bin_size, ep=ep, chunk_size=chunk)
        ref = mem.bin_average(bin_size, ep=ep)
        c, r = _ref_bin_average(mem.t, d, ep.start, ep.end, bin_size)
        np.testing.assert_allclose(got.t, ref.t)
        np.testing.assert_allclose(got.values, ref.values, equal_nan=True)
        if len(c):
            np.testing.assert_allclose(ref.t, c)
            np.testing.assert_allclose(ref.values, r, rtol=1e-12, equal_nan=True)
        assert got.dtype == np.float64

    @pytest.mark.parametrize("engine", ["thread", "process"])
    def test_parallel(self, engine):
        _, mem, _ = _frame(n=4000)
        lazy = nap.TsdFrame(d=nap.TsdFrame(d=mem.values, rate=100.0).values, rate=100.0)
        got = lazy.bin_average(0.3, n_jobs=2, pool_engine=engine, chunk_size=7)
        np.testing.assert_allclose(got.values, mem.bin_average(0.3).values)

    def test_out_paths_and_budget(self, tmp_path, monkeypatch):
        _, mem, lazy = _frame(n=3000)
        ref = mem.bin_average(0.05)
        with nap.config_context(memory_budget=2000):
            # the budget bounds the working memory, not the result
            np.testing.assert_allclose(lazy.bin_average(0.05).values, ref.values)
            monkeypatch.setenv("MEMPHYS_MEMORY_AVAILABLE", "1000")
            with pytest.warns(ResultOnDiskWarning, match="out="):
                disk = lazy.bin_average(0.05)
            assert isinstance(disk.values, np.memmap)
            np.testing.assert_allclose(disk.values, ref.values)
            monkeypatch.delenv("MEMPHYS_MEMORY_AVAILABLE")
            z = lazy.bin_average(0.05, out=str(tmp_path / "b.zarr"))
            npy = lazy.bin_average(0.05, out=str(tmp_path / "b.npy"))
        assert type(z.values).__module__.startswith("zarr")
        assert isinstance(npy.values, np.memmap)
        np.testing.assert_allclose(np.asarray(z.values[:]), ref.values)
        np.testing.assert_allclose(npy.values, ref.values)
        arr = np.empty(ref.shape)
        res = lazy.bin_average(0.05, out=arr)
        assert res.values is arr
        np.testing.assert_allclose(arr, ref.values)

    def test_1d_and_tensor(self):
        d = np.arange(100.0)
        np.testing.assert_allclose(
            nap.Tsd(t=np.arange(100.0), d=d).bin_average(10).values, np.arange(4.5, 100, 10)
        )
        x = nap.TsdTensor(t=np.arange(10.0), d=np.arange(40.0).reshape(10, 2, 2))
        assert x.bin_average(5).shape == (2, 2, 2)

    def test_unknown_kwarg(self):
        _, mem, _ = _frame(n=10)
        with pytest.raises(TypeError, match="unexpected keyword"):
            mem.bin_average(1, bogus=1)


class TestValueFrom:
    def test_reads_about_n_rows(self):
        rng = np.random.default_rng(3)
        n = 4_000_000
        d = rng.integers(-10, 10, (n, 4)).astype("int16")
        spy = SpyArray(d)
        x = nap.TsdFrame(d=spy, rate=1250.0, start=0.0)
        ev = nap.Ts(t=np.sort(rng.uniform(0, n / 1250, 1000)))
        out = ev.value_from(x)
        assert spy.reads <= 1000
        assert spy.rows <= 1500, spy.rows  # ~1 row per event, a few short gaps merged
        ref = ev.value_from(nap.TsdFrame(d=d, rate=1250.0, start=0.0))
        np.testing.assert_array_equal(out.values, ref.values)
        pos = np.rint(ev.t * 1250).astype(int)
        np.testing.assert_array_equal(out.values, d[np.clip(pos, 0, n - 1)])

    @pytest.mark.parametrize("mode", ["closest", "before", "after"])
    def test_modes_against_brute_force(self, mode):
        rng = np.random.default_rng(4)
        tt = np.sort(rng.choice(np.arange(0, 100, 0.5), 80, replace=False))
        target = nap.Tsd(t=tt, d=np.arange(tt.size))
        t = np.sort(rng.uniform(0, 100, 300))
        ep = nap.IntervalSet([0, 50], [40, 100])
        got = nap.Ts(t=t).value_from(target, ep=ep, mode=mode)
        exp = []
        keep = ((t >= 0) & (t <= 40)) | ((t >= 50) & (t <= 100))
        for x in t[keep]:
            s, e = (0, 40) if x <= 40 else (50, 100)
            cand = np.flatnonzero((tt >= s) & (tt <= e))
            if mode == "before":
                c = cand[tt[cand] <= x]
                exp.append(c[-1] if c.size else np.nan)
            elif mode == "after":
                c = cand[tt[cand] >= x]
                exp.append(c[0] if c.size else np.nan)
            else:
                dist = np.abs(tt[cand] - x)
                exp.append(cand[np.flatnonzero(dist == dist.min())[-1]])
        np.testing.assert_array_equal(got.t, t[keep])
        np.testing.assert_array_equal(got.values, np.array(exp, dtype=float))

    def test_int_dtype_kept_without_nan(self):
        target = nap.Tsd(t=np.arange(10.0), d=np.arange(10))
        assert nap.Ts(t=[1.2, 5.0]).value_from(target).dtype == np.int64
        assert nap.Ts(t=[1.2, 5.0]).value_from(target, mode="after").dtype == np.int64

    def test_errors(self):
        target = nap.Tsd(t=np.arange(10.0), d=np.arange(10))
        with pytest.raises(TypeError, match="First argument"):
            nap.Ts(t=[1.0]).value_from(np.arange(3))
        with pytest.raises(TypeError, match="ep"):
            nap.Ts(t=[1.0]).value_from(target, ep=[0, 1])
        with pytest.raises(ValueError, match="mode"):
            nap.Ts(t=[1.0]).value_from(target, mode="near")


class TestInterpolate:
    @settings(max_examples=20, deadline=None)
    @given(seed=st.integers(0, 2**16))
    def test_lazy_equals_numpy_interp(self, seed):
        rng = np.random.default_rng(seed)
        d, mem, lazy = _frame(n=800, seed=seed)
        ts = nap.Ts(t=np.sort(rng.uniform(-1, 9, 50)))
        ep = random_epochs(rng, 0, 8, 2)
        a, b = lazy.interpolate(ts, ep=ep), mem.interpolate(ts, ep=ep)
        np.testing.assert_array_equal(a.t, b.t)
        np.testing.assert_allclose(a.values, b.values, equal_nan=True)
        for s, e in ep.values:
            sel = (ts.t >= s) & (ts.t <= e)
            rows = (mem.t >= s) & (mem.t <= e)
            if rows.any() and sel.any():
                exp = np.interp(ts.t[sel], mem.t[rows], d[rows, 0].astype(float))
                np.testing.assert_allclose(b.values[(b.t >= s) & (b.t <= e), 0], exp)
        assert lazy.values.rows < 800


class TestTrials:
    def test_trial_count_matches_count(self):
        ts = nap.Ts(t=np.sort(np.random.default_rng(0).uniform(0, 100, 500)))
        ep = nap.IntervalSet([10, 50], [20, 55])
        tc = ts.trial_count(ep, 1.0)
        c = ts.count(1.0, ep=ep).values
        np.testing.assert_array_equal(tc[0], c[:10])
        np.testing.assert_array_equal(tc[1, :5], c[10:])
        assert np.isnan(tc[1, 5:]).all()
        with pytest.raises(RuntimeError):
            ts.trial_count([1, 2], 1)

    def test_to_trial_tensor_lazy(self):
        _d, mem, lazy = _frame(n=1000)
        ep = nap.IntervalSet([1, 3], [1.5, 4])
        np.testing.assert_array_equal(lazy.to_trial_tensor(ep), mem.to_trial_tensor(ep))
        out = lazy.to_trial_tensor(ep, align="end")
        assert out.shape == (3, 2, 101)
        assert np.isnan(out[:, 0, :50]).all()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_count_in_small_edge_chunks_equals_whole(monkeypatch, chunk):
    import memphys.core._tsd_binning as tb

    rng = np.random.default_rng(chunk)
    ts = nap.Ts(t=np.sort(rng.uniform(0, 50, 300)))
    ep = nap.IntervalSet(start=[1.0, 20.0, 30.0], end=[9.5, 22.0, 44.0])
    whole = [ts.count(bs, ep=ep) for bs in (None, 0.37, 1.0)]
    monkeypatch.setattr(tb, "_EDGE_CHUNK", chunk)
    for bs, ref in zip((None, 0.37, 1.0), whole, strict=True):
        got = ts.count(bs, ep=ep)
        np.testing.assert_array_equal(got.t, ref.t)
        np.testing.assert_array_equal(got.values, ref.values)
    # and against a direct count of each 0.37 s bin
    got = ts.count(0.37, ep=ep)
    for c, v in zip(got.t, got.values, strict=True):
        e = int(ep.in_interval(nap.Ts(t=np.array([c])))[0])
        lo, hi = c - 0.185, c + 0.185
        m = (ts.t >= lo - 1e-9) & (ts.t < hi - 1e-9) & (ts.t <= ep.end[e])
        assert v == m.sum()
