"""compute_perievent, compute_event_triggered_average, compute_spike_triggered_average.

Lazy sources (a spy adapter, memmap, zarr) must give the in-memory result and read only
the windows around events; results are checked against direct reference computations
written here from pynapple's documented rules (nearest sample, NaN padding at the edges
of the data's epochs; bin means and count-weighted sums for the ETA).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.arrays import LazyArray, NumpyArray
from memphys.process._perievent_reads import merge_ranges, read_ranges

# A Ts of one timestamp spans no time: its support is dropped with pynapple's warning
# "Some epochs have no duration" (tested in tests/core/test_ts.py); here such a Ts (an
# event, a unit with one spike) is incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)


class PeriSpy(LazyArray):
    """A lazy source over a numpy array that records every read range."""

    kind = "test.perispy"

    def __init__(self, data: np.ndarray) -> None:
        self._inner = NumpyArray(data)
        self.shape = self._inner.shape
        self.dtype = self._inner.dtype
        self.ranges: list[tuple[int, int]] = []

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        self.ranges.append((start, stop))
        return np.array(self._inner._read(start, stop, channels))

    @property
    def rows(self) -> int:
        return sum(b - a for a, b in self.ranges)

    def recipe(self) -> dict[str, Any]:
        from memphys.errors import MemphysError

        raise MemphysError("no recipe: pickled whole")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> PeriSpy:
        raise NotImplementedError

    def __reduce__(self) -> Any:
        return (PeriSpy, (np.asarray(self._inner._data),))


# --- references ---------------------------------------------------------------------------
def ref_perievent(t, d, sup_s, sup_e, ev, w0, w1):
    """Direct loop: nearest sample (ties to the later one), NaN outside the epoch."""
    out = np.full((w0 + w1 + 1, ev.size, *d.shape[1:]), np.nan)
    col = 0
    for e in ev:
        k = np.flatnonzero((sup_s <= e) & (e <= sup_e))
        if k.size == 0:
            continue
        rows = np.flatnonzero((t >= sup_s[k[0]]) & (t <= sup_e[k[0]]))
        if rows.size:
            dist = np.abs(t[rows] - e)
            best = rows[np.flatnonzero(dist == dist.min())[-1]]
            for r in range(-w0, w1 + 1):
                if rows[0] <= best + r <= rows[-1]:
                    out[r + w0, col] = d[best + r]
        col += 1
    return out[:, :col]


# --- compute_perievent, continuous -------------------------------------------------------
def test_perievent_values_match_reference():
    rng = np.random.default_rng(0)
    t = np.arange(2000) / 100.0
    d = rng.normal(size=(2000, 3))
    sup = nap.IntervalSet([0.0, 8.0], [6.0, 19.99])
    x = nap.TsdFrame(t=t, d=d, time_support=sup)
    ev = np.sort(rng.uniform(-1, 21, 40))
    r = nap.compute_perievent(x, nap.Ts(t=ev), (-0.3, 0.2))
    assert isinstance(r, nap.TsdTensor)
    keep = ev[((ev >= 0) & (ev <= 6)) | ((ev >= 8) & (ev <= 19.99))]
    ref = ref_perievent(t, d, sup.start, sup.end, keep, 30, 20)
    np.testing.assert_array_equal(r.values, ref)
    np.testing.assert_array_almost_equal(r.t, np.arange(-30, 21) / 100.0)
    np.testing.assert_array_equal(r.time_support.values, [[-0.3, 0.2]])


def test_perievent_tie_goes_to_later_sample():
    x = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0) * 10)
    r = nap.compute_perievent(x, nap.Ts(t=[2.5]), 1)
    np.testing.assert_array_equal(r.values[:, 0], [20.0, 30.0, 40.0])


def test_perievent_edges_are_nan_padded():
    x = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
    r = nap.compute_perievent(x, nap.Ts(t=[0.0, 9.0]), 2)
    np.testing.assert_array_equal(r.values[:, 0], [np.nan, np.nan, 0, 1, 2])
    np.testing.assert_array_equal(r.values[:, 1], [7, 8, 9, np.nan, np.nan])
    assert r.values.dtype == np.float64


def test_perievent_reads_only_windows():
    rng = np.random.default_rng(1)
    n, rate = 400_000, 1250.0
    d = rng.integers(-100, 100, size=(n, 4)).astype(np.int16)
    spy = PeriSpy(d)
    x = nap.TsdFrame(d=spy, rate=rate, start=0.0)
    ev = nap.Ts(t=np.sort(rng.uniform(1, n / rate - 1, 100)))
    r = nap.compute_perievent(x, ev, 0.1)
    width = r.shape[0]
    assert width == 251
    assert spy.rows <= 100 * width  # windows only, never the support
    assert spy.rows >= 0.9 * 100 * width
    assert all(b - a <= 2 * width * 5 for a, b in spy.ranges)  # no huge read
    mem = nap.compute_perievent(nap.TsdFrame(d=d, rate=rate, start=0.0), ev, 0.1)
    np.testing.assert_array_equal(r.values, mem.values)


def test_perievent_overlapping_windows_merge_into_one_read():
    d = np.arange(10_000.0)
    spy = PeriSpy(d)
    x = nap.Tsd(d=spy, rate=100.0, start=0.0)
    ev = nap.Ts(t=np.arange(20.0, 30.0, 0.05))  # 200 events, windows overlap
    r = nap.compute_perievent(x, ev, 1.0)
    assert len(spy.ranges) == 1
    assert spy.rows == (30.0 - 0.05 - 20.0 + 2) * 100 + 1
    assert r.shape == (201, 200)


def test_perievent_memmap_and_zarr_equal_memory(tmp_path):
    zarr = pytest.importorskip("zarr")
    rng = np.random.default_rng(2)
    d = rng.integers(-1000, 1000, size=(50_000, 5)).astype(np.int16)
    mm = np.memmap(tmp_path / "x.dat", dtype="int16", mode="w+", shape=d.shape)
    mm[:] = d
    mm.flush()
    z = zarr.create_array(str(tmp_path / "x.zarr"), shape=d.shape, dtype="int16", chunks=(4096, 5))
    z[:] = d
    ev = nap.Ts(t=np.sort(rng.uniform(0, 40, 300)))
    ref = nap.compute_perievent(nap.TsdFrame(d=d, rate=1250.0, start=0.0), ev, (-0.05, 0.1))
    for src in (np.memmap(tmp_path / "x.dat", dtype="int16", mode="r", shape=d.shape), z):
        x = nap.TsdFrame(d=src, rate=1250.0, start=0.0, load_array=False)
        r = nap.compute_perievent(x, ev, (-0.05, 0.1), n_jobs=2, pool_engine="thread")
        np.testing.assert_array_equal(r.values, ref.values)


def test_perievent_tsd_in_epochs_and_time_units():
    x = nap.Tsd(t=np.arange(0, 100, 0.5), d=np.arange(200.0))
    ep = nap.IntervalSet(10, 20)
    r = nap.compute_perievent(x, nap.Ts(t=[5.0, 15.0, 50.0]), 1000, time_unit="ms", epochs=ep)
    assert r.shape == (5, 1)
    np.testing.assert_array_equal(r.values[:, 0], [28, 29, 30, 31, 32])


# degenerate draws (a zero-length window, touching epochs) are repaired with an
# IntervalSetWarning, as in pynapple; the warnings themselves are tested in core/
@pytest.mark.filterwarnings("ignore::memphys.errors.IntervalSetWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(2, 3000),
    w0=st.floats(0, 0.7),
    w1=st.floats(0, 0.7),
    n_ev=st.integers(1, 40),
    n_jobs=st.sampled_from([1, 2]),
)
def test_perievent_random_lazy_equals_memory_and_reference(seed, n, w0, w1, n_ev, n_jobs):
    rng = np.random.default_rng(seed)
    rate = float(rng.choice([50.0, 100.0, 1000.0 / 3]))
    t = np.arange(n) / rate
    d = rng.normal(size=(n, 2))
    cuts = np.sort(rng.uniform(0, t[-1], 4))
    sup = nap.IntervalSet([0.0, cuts[1]], [cuts[0], cuts[2]]) if rng.random() < 0.5 else None
    ev = nap.Ts(t=np.sort(rng.uniform(-0.5, t[-1] + 0.5, n_ev)))
    ep = None
    if rng.random() < 0.5:
        s = np.sort(rng.uniform(-0.5, t[-1] + 0.5, 4))
        ep = nap.IntervalSet(s[0::2], s[1::2])
    mem = nap.TsdFrame(t=t, d=d, time_support=sup)
    lazy = nap.TsdFrame(t=t, d=PeriSpy(d), time_support=sup)
    kept_ev = ev.restrict(ep if ep is not None else mem.time_support).restrict(mem.time_support)
    if len(mem) < 2:  # one sample left in the support: its sampling step is unknowable
        for obj in (mem, lazy):
            with pytest.raises(ValueError, match="at least 2 are needed"):
                nap.compute_perievent(obj, ev, (w0, w1), epochs=ep)
        return
    if len(kept_ev) == 0:  # no event inside the data's support
        for obj in (mem, lazy):
            with pytest.raises(ValueError, match="No overlap"):
                nap.compute_perievent(obj, ev, (w0, w1), epochs=ep)
        return
    ref = nap.compute_perievent(mem, ev, (w0, w1), epochs=ep)
    got = nap.compute_perievent(lazy, ev, (w0, w1), epochs=ep, n_jobs=n_jobs, pool_engine="thread")
    np.testing.assert_array_equal(got.values, ref.values)
    if ref.shape[0] == 0:  # a zero-length window: its support [0, 0] is dropped (pynapple too)
        assert np.all(ref.time_support.values.size == 0)
        return
    kept = ev.restrict(ep if ep is not None else mem.time_support)
    kept = kept.restrict(mem.time_support).t
    w_0 = int(np.sum(ref.t < 0))
    w_1 = int(np.sum(ref.t > 0))
    expect = ref_perievent(t, d, mem.time_support.start, mem.time_support.end, kept, w_0, w_1)
    np.testing.assert_array_equal(ref.values, expect)


# --- compute_perievent, discrete ----------------------------------------------------------
def test_perievent_discrete_values_and_metadata():
    spikes = nap.Ts(t=np.arange(0, 100, 0.7))
    ev = nap.Ts(t=[10.0, 50.0, 99.0])
    r = nap.compute_perievent(spikes, ev, (-1, 2))
    assert isinstance(r, nap.TsGroup)
    assert len(r) == 3
    for i, e in enumerate(ev.t):
        s = spikes.t
        np.testing.assert_array_equal(r[i].t, s[(s >= e - 1) & (s <= e + 2)] - e)
    np.testing.assert_array_equal(np.asarray(r.metadata["events"]), ev.t)
    np.testing.assert_array_equal(r.time_support.values, [[-1.0, 2.0]])


def test_perievent_tsgroup_gives_dict():
    g = nap.TsGroup({3: nap.Ts(t=np.arange(10.0)), 7: nap.Ts(t=np.arange(0, 10, 0.5))})
    r = nap.compute_perievent(g, nap.Ts(t=[5.0]), 1)
    assert list(r) == [3, 7]
    np.testing.assert_array_equal(r[7][0].t, [-1.0, -0.5, 0.0, 0.5, 1.0])


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("window", [(1, 2, 3), "ab", None, (1, "a"), (np.nan, 1)])
def test_bad_window(window):
    x = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
    with pytest.raises(RuntimeError, match="window should be a tuple of 2 numbers"):
        nap.compute_perievent(x, nap.Ts(t=[2.0]), window)
    with pytest.raises(RuntimeError, match="window should be a tuple of 2 numbers"):
        nap.compute_event_triggered_average(x, nap.Ts(t=[2.0]), 1.0, window)


def test_bad_types_and_units():
    x = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
    ev = nap.Ts(t=[2.0])
    with pytest.raises(RuntimeError, match="time_unit should be"):
        nap.compute_perievent(x, ev, 1, time_unit="h")
    with pytest.raises(TypeError, match="data should be a time series object"):
        nap.compute_perievent(np.arange(3), ev, 1)
    with pytest.raises(TypeError, match="events should be a time series object"):
        nap.compute_perievent(x, [1.0], 1)
    with pytest.raises(TypeError, match="epochs"):
        nap.compute_perievent(x, ev, 1, epochs=[0, 1])
    with pytest.raises(TypeError, match="data should be a continuous time series"):
        nap.compute_event_triggered_average(nap.Ts(t=[1.0]), ev, 1.0, 1)
    with pytest.raises(TypeError, match="binsize"):
        nap.compute_event_triggered_average(x, ev, "1", 1)
    with pytest.raises(ValueError, match="binsize"):
        nap.compute_event_triggered_average(x, ev, -1.0, 1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        nap.compute_perievent(x, ev, 1, n_job=2)


def test_irregular_and_no_overlap():
    x = nap.Tsd(t=[0.0, 1.0, 3.0, 4.0], d=np.zeros(4))
    with pytest.raises(RuntimeError, match="regularly sampled"):
        nap.compute_perievent(x, nap.Ts(t=[1.0]), 1)
    with pytest.raises(RuntimeError, match="regularly sampled"):
        nap.compute_event_triggered_average(x, nap.Ts(t=[1.0]), 1.0, 1)
    y = nap.Tsd(t=np.arange(10.0), d=np.zeros(10))
    with pytest.raises(ValueError, match="No overlap"):
        nap.compute_perievent(y, nap.Ts(t=[50.0]), 1)


def test_output_over_budget_is_read_in_batches_and_equals_one_pass():
    rng = np.random.default_rng(3)
    d = rng.normal(size=(1000, 8))
    x = nap.TsdFrame(t=np.arange(1000.0), d=d)
    ev = nap.Ts(t=np.arange(100.5, 900.0, 3.0))
    whole = nap.compute_perievent(x, ev, 50)
    spy = PeriSpy(d)
    lazy = nap.TsdFrame(t=np.arange(1000.0), d=spy)
    with nap.config_context(memory_budget=100_000):  # the result is ~1.7 MB
        batched = nap.compute_perievent(lazy, ev, 50)
    assert len(spy.ranges) > 4
    assert max(b - a for a, b in spy.ranges) * 8 * 8 <= 100_000
    np.testing.assert_array_equal(batched.values, whole.values)
    np.testing.assert_array_equal(batched.t, whole.t)


def test_result_larger_than_available_memory_is_a_temporary_file(monkeypatch):
    from memphys.engine import ResultOnDiskWarning

    x = nap.TsdFrame(t=np.arange(1000.0), d=np.arange(8000.0).reshape(1000, 8))
    ev = nap.Ts(t=np.arange(100.0, 900.0, 7.0))
    whole = nap.compute_perievent(x, ev, (20, 30))
    monkeypatch.setenv("MEMPHYS_MEMORY_AVAILABLE", "100000")  # result: ~370 KB
    with pytest.warns(ResultOnDiskWarning, match="compute_perievent"):
        on_disk = nap.compute_perievent(x, ev, (20, 30))
    assert isinstance(on_disk.values, np.memmap)
    np.testing.assert_array_equal(on_disk.values, whole.values)


# --- event-triggered average --------------------------------------------------------------
def ref_eta(t, d, ev_groups, binsize, w0, w1, start, end):
    """A single epoch, bins fully inside the data: the count-weighted window mean."""
    edges = start + np.arange(round((end - start) / binsize) + 1) * binsize
    nb = edges.size - 1
    v = np.zeros((nb, *d.shape[1:]))
    for b in range(nb):
        m = (t >= edges[b] - 1e-9) & (t < edges[b + 1] - 1e-9)
        v[b] = d[m].mean(axis=0)
    out = np.zeros((w0 + w1 + 1, len(ev_groups), *d.shape[1:]))
    for n, ev in enumerate(ev_groups):
        c = np.histogram(ev, edges)[0]
        for b in np.flatnonzero(c):
            for r in range(w0 + w1 + 1):
                if 0 <= b - w0 + r < nb:
                    out[r, n] += c[b] * v[b - w0 + r]
        out[:, n] /= max(c.sum(), 1)
    return out


def test_eta_matches_reference_and_reads_windows_only():
    rng = np.random.default_rng(3)
    n, rate = 200_000, 1000.0
    d = rng.normal(size=(n, 3))
    spy = PeriSpy(d)
    lazy = nap.TsdFrame(d=spy, rate=rate, start=0.0)
    g = nap.TsGroup({0: nap.Ts(t=np.sort(rng.uniform(5, 195, 50))), 1: nap.Ts(t=[100.0])})
    eta = nap.compute_event_triggered_average(lazy, g, 0.01, (0.05, 0.1))
    assert eta.shape == (16, 2, 3)
    assert spy.rows <= 51 * (16 * 10 + 32)  # bins of the windows only (+ merged gaps)
    ref = ref_eta(np.arange(n) / rate, d, [g[0].t, g[1].t], 0.01, 5, 10, 0.0, 200.0)
    np.testing.assert_allclose(eta.values, ref, rtol=1e-10, atol=1e-12)
    mem = nap.compute_event_triggered_average(
        nap.TsdFrame(d=d, rate=rate, start=0.0), g, 0.01, (0.05, 0.1)
    )
    np.testing.assert_allclose(eta.values, mem.values, rtol=1e-12, atol=1e-14)


def test_seed_call_shape_on_zarr(tmp_path):
    zarr = pytest.importorskip("zarr")
    rng = np.random.default_rng(4)
    d = rng.normal(size=(20_000, 5))
    z = zarr.create_array(str(tmp_path / "f.zarr"), shape=d.shape, dtype="f8", chunks=(1000, 5))
    z[:] = d
    tsdframe = nap.TsdFrame(d=z, rate=100.0, start=0.0, load_array=False)
    group = nap.TsGroup({0: nap.Ts(t=np.sort(rng.uniform(10, 190, 30)))})
    eta = nap.compute_event_triggered_average(tsdframe, group, 1, (-2, 3))
    assert eta.shape == (6, 1, 5)
    ref = nap.compute_event_triggered_average(
        nap.TsdFrame(d=d, rate=100.0, start=0.0), group, 1, (-2, 3)
    )
    np.testing.assert_allclose(eta.values, ref.values, rtol=1e-12)


def test_eta_tsd_ts_and_sta_alias():
    x = nap.Tsd(t=np.arange(0, 100, 0.1), d=np.arange(1000.0))
    ev = nap.Ts(t=[20.0, 40.0])
    a = nap.compute_event_triggered_average(x, ev, 0.1, 0.3)
    assert isinstance(a, nap.TsdFrame)
    assert a.shape[1] == 1
    np.testing.assert_allclose(a.values[:, 0], np.arange(297.0, 304.0))
    b = nap.compute_spike_triggered_average(x, ev, 0.1, 0.3)
    np.testing.assert_array_equal(a.values, b.values)
    g = nap.TsGroup({4: ev, 9: nap.Ts(t=[50.0])})
    c = nap.compute_spike_triggered_average(x, g, 0.1, 0.3)
    assert list(c.columns) == [4, 9]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(20, 3000),
    w0=st.floats(0, 0.5),
    w1=st.floats(0, 0.5),
    n_jobs=st.sampled_from([1, 2]),
)
def test_eta_random_lazy_equals_memory(seed, n, w0, w1, n_jobs):
    rng = np.random.default_rng(seed)
    rate = float(rng.choice([50.0, 100.0, 1000.0 / 3]))
    d = rng.normal(size=(n, 2))
    if rng.random() < 0.3:
        d[rng.integers(0, n, 3), 0] = np.nan
    t = np.arange(n) / rate
    ev = nap.TsGroup({0: nap.Ts(t=np.sort(rng.uniform(0, t[-1], 20))), 1: nap.Ts(t=[t[n // 2]])})
    ep = None
    if rng.random() < 0.6:
        s = np.sort(rng.uniform(-0.5, t[-1] + 0.5, 6))
        ep = nap.IntervalSet(s[0::2], s[1::2])
    bs = float(rng.choice([1 / rate, 3 / rate, 0.05, 0.5 / rate]))
    mem = nap.compute_event_triggered_average(nap.TsdFrame(t=t, d=d), ev, bs, (w0, w1), epochs=ep)
    lazy = nap.TsdFrame(t=t, d=PeriSpy(d))
    got = nap.compute_event_triggered_average(
        lazy, ev, bs, (w0, w1), epochs=ep, n_jobs=n_jobs, pool_engine="thread"
    )
    np.testing.assert_allclose(got.values, mem.values, rtol=1e-12, atol=1e-14)


# --- the read helper ----------------------------------------------------------------------
def test_merge_and_read_ranges():
    rs, re, run_of = merge_ranges(np.array([0, 3, 50, 51]), np.array([5, 9, 52, 60]), gap=4)
    assert rs.tolist() == [0, 50]
    assert re.tolist() == [9, 60]
    assert run_of.tolist() == [0, 0, 1, 1]
    x = np.arange(1000) * 3
    lo = np.array([500, 10, 12, 900, 900])
    hi = np.array([510, 20, 30, 900, 905])
    buf, off = read_ranges(NumpyArrayBacked(x), lo, hi)
    for a, b, o in zip(lo, hi, off, strict=True):
        np.testing.assert_array_equal(buf[o : o + b - a], x[a:b])


def test_read_ranges_cut_by_budget():
    x = np.arange(100_000, dtype=np.float64)
    spy = PeriSpy(x)
    lo = np.arange(0, 9_000, 100)
    with nap.config_context(memory_budget=200_000):
        buf, off = read_ranges(spy, lo, lo + 150)
    assert len(spy.ranges) >= 2
    assert max(b - a for a, b in spy.ranges) <= 200_000 // 32
    for a, o in zip(lo, off, strict=True):
        np.testing.assert_array_equal(buf[o : o + 150], x[a : a + 150])


def NumpyArrayBacked(x: np.ndarray) -> PeriSpy:
    return PeriSpy(x)
