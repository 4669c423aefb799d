"""ExplicitTimeIndex (in memory and lazy), validation, regularity detection, memory bounds."""

from __future__ import annotations

import contextlib
import pickle
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memphys.arrays import NpyFileArray, as_lazy
from memphys.config import config_context
from memphys.core import _time_index_base as tb
from memphys.core import _time_index_explicit as te
from memphys.core.time_index import (
    ExplicitTimeIndex,
    RegularTimeIndex,
    as_time_index,
    check_same_length,
    is_regular,
    sort_by_time,
    validate_timestamps,
)
from memphys.errors import MemphysTypeError, ShapeMismatchError, TimeIndexError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@contextlib.contextmanager
def small_blocks(block: int = 8, fence: int = 4) -> Iterator[None]:
    """Tiny blocks and fences so that small arrays cross many boundaries."""
    old = tb.BLOCK, te.FENCE
    tb.BLOCK, te.FENCE = block, fence
    try:
        yield
    finally:
        tb.BLOCK, te.FENCE = old


class SpyNpy(NpyFileArray):
    """A real .npy adapter that records every read."""

    def __init__(self, path: Any) -> None:
        super().__init__(path)
        self.reads: list[tuple[int, int]] = []

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        self.reads.append((start, stop))
        return super()._read(start, stop, channels)


def _npy(tmp_path: Path, t: np.ndarray, name: str = "t.npy") -> Path:
    path = tmp_path / name
    np.save(path, t)
    return path


sorted_times = st.lists(
    st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, 1.0, 2.5])), max_size=200
).map(lambda x: np.sort(np.asarray(x, dtype=np.float64)))


# --- searchsorted, slicing, getitem against numpy ---------------------------------------
@SETTINGS
@given(t=sorted_times, data=st.data())
def test_in_memory_and_lazy_match_numpy(t: np.ndarray, data: st.DataObject) -> None:
    q = np.r_[t, np.nextafter(t, np.inf), data.draw(st.lists(st.floats(), max_size=10))]
    lazy_src = as_lazy(t)
    with small_blocks():
        for idx in (
            ExplicitTimeIndex(t),
            ExplicitTimeIndex(lazy_src),  # validated: fences
            ExplicitTimeIndex(lazy_src, check=False),  # no fences: bisect or build them
        ):
            for side in ("left", "right"):
                np.testing.assert_array_equal(
                    idx.searchsorted(q, side=side), np.searchsorted(t, q, side=side)
                )
                np.testing.assert_array_equal(
                    idx.searchsorted(q[:3], side=side), np.searchsorted(t, q[:3], side=side)
                )
            n = t.size
            a = data.draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
            b = data.draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
            k = data.draw(st.one_of(st.none(), st.integers(1, 5)))
            sub = idx[a:b:k]
            assert isinstance(sub, ExplicitTimeIndex)
            np.testing.assert_array_equal(sub.values, t[a:b:k])
            sq = q[np.isfinite(q)]
            np.testing.assert_array_equal(sub.searchsorted(sq), np.searchsorted(t[a:b:k], sq))
            starts = np.sort(sq)[: sq.size // 2]
            ends = starts + 1.0
            i0, i1 = sub.epoch_positions(starts, ends)
            vv = t[a:b:k]
            for j in range(starts.size):
                inside = np.flatnonzero((vv >= starts[j]) & (vv <= ends[j]))
                assert i1[j] - i0[j] == inside.size
                if inside.size:
                    assert i0[j] == inside[0]
            if n:
                mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
                np.testing.assert_array_equal(idx[mask].values, t[mask])
                i = data.draw(st.integers(-n, n - 1))
                assert idx[i] == t[i]
                pos = np.asarray(data.draw(st.lists(st.integers(-n, n - 1), max_size=8)), int)
                np.testing.assert_array_equal(idx.take(pos), t[pos])


@SETTINGS
@given(
    fs=st.one_of(st.sampled_from([1.0, 250.0, 1250.0, 20000 / 3, 30000.0]), st.floats(0.1, 1e5)),
    t0=st.one_of(st.just(0.0), st.floats(-1e4, 1e4)),
    n=st.integers(0, 3000),
    form=st.sampled_from(["div", "mul", "arange", "linspace", "offset"]),
    data=st.data(),
)
def test_as_time_index_is_lossless(
    fs: float, t0: float, n: int, form: str, data: st.DataObject
) -> None:
    """Whatever kind is chosen, values and searches equal the given timestamps exactly."""
    if form == "div":
        t = np.arange(n) / fs + t0
    elif form == "mul":
        t = np.arange(n) * (1 / fs) + t0
    elif form == "arange":
        t = np.arange(t0, t0 + n / fs, 1 / fs)
    elif form == "linspace":
        t = np.linspace(t0, t0 + n / fs, n)
    else:
        t = np.arange(17, 17 + n) / fs
    with small_blocks(block=64, fence=8):
        idx = as_time_index(t)
    assert len(idx) == t.size
    np.testing.assert_array_equal(idx.values, t)
    if t.size:
        k = data.draw(st.lists(st.integers(0, t.size - 1), max_size=20))
        q = np.r_[t[k], np.nextafter(t[k], -np.inf), np.nextafter(t[k], np.inf), t0 - 1.0]
        for side in ("left", "right"):
            np.testing.assert_array_equal(
                idx.searchsorted(q, side=side), np.searchsorted(t, q, side=side)
            )


# --- regularity detection ---------------------------------------------------------------
@pytest.mark.parametrize("fs", [1250.0, 30000.0, 20000 / 3, 29999.87])
@pytest.mark.parametrize("t0", [0.0, 12.3456])
def test_regular_detected(fs: float, t0: float) -> None:
    t = np.arange(200_000) / fs + t0
    idx = as_time_index(t)
    assert isinstance(idx, RegularTimeIndex)
    np.testing.assert_array_equal(idx.values, t)
    assert idx.rate == pytest.approx(fs, rel=1e-12)


@pytest.mark.parametrize(
    "t",
    [
        np.arange(0, 10, 1 / 30000),
        np.linspace(0, 100, 1001),
        np.arange(1000, 5000) / 1250.0,
        (np.arange(10**6) / 30000.0)[123_456:],
    ],
    ids=["arange-step", "linspace", "grid-slice", "values-slice"],
)
def test_regular_detected_other_forms(t: np.ndarray) -> None:
    idx = as_time_index(t)
    assert isinstance(idx, RegularTimeIndex)
    np.testing.assert_array_equal(idx.values, t)


def _jittered() -> np.ndarray:
    rng = np.random.default_rng(1)
    return np.arange(10_000) / 1000.0 + rng.normal(0, 1e-5, 10_000)


def _gap() -> np.ndarray:
    t = np.arange(10_000) / 1000.0
    t[5000:] += 0.5
    return t


@pytest.mark.parametrize(
    "t",
    [
        _jittered(),
        _gap(),
        (np.arange(100_000) / 1000.0).astype(np.float32).astype(np.float64),
        np.zeros(0),
        np.array([1.0]),
        np.array([1.0, 2.0]),
        np.array([1.0, 1.0, 1.0]),
        np.array([0.0, 1.0, 3.0]),
    ],
    ids=["jitter", "gap", "float32", "n0", "n1", "n2", "constant", "n3-irregular"],
)
def test_irregular_stays_explicit(t: np.ndarray) -> None:
    idx = as_time_index(t)
    assert isinstance(idx, ExplicitTimeIndex)
    np.testing.assert_array_equal(idx.values, t)


def test_float32_input_is_exact_and_explicit() -> None:
    t32 = (np.arange(100_000) / 1000.0).astype(np.float32)
    idx = as_time_index(t32)
    np.testing.assert_array_equal(idx.values, t32.astype(np.float64))
    assert not is_regular(t32, tolerance=1e-6)


def test_lossy_mode_and_is_regular() -> None:
    t = np.arange(10_000) / 1000.0 + np.random.default_rng(0).normal(0, 1e-11, 10_000)
    assert isinstance(as_time_index(t), ExplicitTimeIndex)
    snapped = as_time_index(t, exact=False)
    assert isinstance(snapped, RegularTimeIndex)
    assert np.max(np.abs(snapped.values - t)) <= 1e-6 * snapped.period
    assert isinstance(as_time_index(t, exact=False, regular_tolerance=1e-12), ExplicitTimeIndex)
    with config_context(regular_tolerance=0.0):
        assert isinstance(as_time_index(t, exact=False), ExplicitTimeIndex)
    assert is_regular(t)
    assert not is_regular(t, tolerance=1e-12)
    assert not is_regular(_gap())
    assert not is_regular(_jittered())
    assert is_regular(RegularTimeIndex(0.0, 1.0, 3))
    assert not is_regular(np.array([1.0]))
    assert not is_regular(np.array([0.0, np.nan, 2.0]))


def test_as_time_index_from_parameters() -> None:
    idx = as_time_index(rate=1000.0, n=3, start=500.0, time_units="ms")
    assert isinstance(idx, RegularTimeIndex)
    np.testing.assert_array_equal(idx.values, [0.5, 0.501, 0.502])
    assert as_time_index(idx) is idx
    with pytest.raises(ValueError, match="rate"):
        as_time_index(rate=10.0)
    trusted = as_time_index(np.array([2.0, 1.0]), check=False)
    assert isinstance(trusted, ExplicitTimeIndex)


# --- validation -------------------------------------------------------------------------
@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("where", [3, 7, 8, 9, 16, 23])
def test_unsorted_named_across_blocks(lazy: bool, where: int) -> None:
    t = np.arange(30, dtype=np.float64)
    t[where] = t[where - 1] - 0.5
    src: Any = as_lazy(t) if lazy else t
    with small_blocks(), pytest.raises(TimeIndexError) as err:
        as_time_index(src)
    msg = str(err.value)
    assert (
        f"t[{where}] = {float(t[where])!r} comes after t[{where - 1}] = {float(t[where - 1])!r}"
        in msg
    )
    assert "memphys.sort_by_time(t, d)" in msg


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, 5, 8, 15])
def test_non_finite_named(bad: float, where: int) -> None:
    t = np.arange(20, dtype=np.float64)
    t[where] = bad
    with small_blocks(), pytest.raises(TimeIndexError, match=rf"finite: t\[{where}\] = "):
        ExplicitTimeIndex(t)


def test_first_offence_wins() -> None:
    t = np.array([0.0, 2.0, 1.0, np.nan])
    with pytest.raises(TimeIndexError, match=r"sorted.*t\[2\]"):
        validate_timestamps(t)
    t = np.array([0.0, np.nan, 2.0, 1.0])
    with pytest.raises(TimeIndexError, match=r"finite: t\[1\]"):
        validate_timestamps(t)


def test_other_bad_inputs() -> None:
    with pytest.raises(TimeIndexError, match="1-D"):
        ExplicitTimeIndex(np.zeros((3, 2)))
    with pytest.raises(MemphysTypeError, match="dtype"):
        ExplicitTimeIndex(np.array(["a", "b"]))
    with pytest.raises(MemphysTypeError, match="dtype"):
        ExplicitTimeIndex(np.array([True, False]))
    idx = ExplicitTimeIndex(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="read-only"):
        idx.values[0] = 5.0


def test_check_same_length() -> None:
    check_same_length(np.zeros(3), np.zeros((3, 4, 2)))
    with pytest.raises(ShapeMismatchError, match=r"`d`: expected 3 rows.*but got 2"):
        check_same_length(np.zeros(3), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="`values`"):
        check_same_length([1, 2], [1], names=("times", "values"))


# --- units --------------------------------------------------------------------------------
def test_units_round_trip() -> None:
    t_ms = np.array([0, 1, 1001, 123456])
    idx = ExplicitTimeIndex(t_ms, time_units="ms")
    np.testing.assert_array_equal(idx.values, np.around(t_ms / 1e3, 9))
    np.testing.assert_array_equal(idx.in_units("ms"), t_ms)
    idx_us = ExplicitTimeIndex(t_ms * 1000, time_units="us")
    assert idx_us.equals(idx)
    np.testing.assert_array_equal(idx_us.in_units("us"), t_ms * 1000)
    assert idx.searchsorted(1001, time_units="ms") == 2
    assert idx.searchsorted(1.001) == 2


def test_lazy_units_converted_on_read(tmp_path: Path) -> None:
    t_ms = np.arange(0, 50_000, 3, dtype=np.int64)
    src = SpyNpy(_npy(tmp_path, t_ms))
    idx = ExplicitTimeIndex(src, time_units="ms")
    assert idx.is_lazy
    np.testing.assert_array_equal(idx.values, np.around(t_ms / 1e3, 9))
    assert idx.searchsorted(0.0305) == 11


# --- lazy sources -----------------------------------------------------------------------
def test_lazy_search_reads_few_small_blocks(tmp_path: Path) -> None:
    n = 3_000_000
    t = np.cumsum(np.random.default_rng(0).exponential(0.001, n))
    src = SpyNpy(_npy(tmp_path, t))
    idx = ExplicitTimeIndex(src)  # one validation pass, keeps fences
    assert idx.nbytes <= 8 * 2 * (n // te.FENCE + 1)
    src.reads.clear()
    q = t[[10, 1_234_567, n - 1]]
    np.testing.assert_array_equal(idx.searchsorted(q), np.searchsorted(t, q))
    assert len(src.reads) <= 3
    assert all(b - a <= te.FENCE for a, b in src.reads)

    lazy = ExplicitTimeIndex(SpyNpy(src.path), check=False)  # no pass at all
    spy = lazy.source
    assert isinstance(spy, SpyNpy)
    assert spy.reads == []
    assert lazy.searchsorted(t[2_000_000], side="right") == 2_000_001
    assert len(spy.reads) <= int(np.log2(n / te.FENCE)) + 2
    assert sum(b - a for a, b in spy.reads) <= te.FENCE + 64


def test_lazy_slices_stay_lazy(tmp_path: Path) -> None:
    t = np.cumsum(np.random.default_rng(2).exponential(1.0, 50_000))
    src = SpyNpy(_npy(tmp_path, t))
    idx = ExplicitTimeIndex(src)
    sub = idx[10_000:40_000]
    assert isinstance(sub, ExplicitTimeIndex)
    assert sub.is_lazy
    src.reads.clear()
    assert sub.searchsorted(t[25_000]) == 15_000
    assert len(src.reads) == 1
    np.testing.assert_array_equal(sub[::7].values, t[10_000:40_000:7])
    assert sub.period == pytest.approx(np.log(2), rel=0.1)  # median of exponential(1)


def test_memmap_input_is_lazy_and_detected(tmp_path: Path) -> None:
    path = tmp_path / "t.f64"
    (np.arange(100_000) / 1250.0).tofile(path)
    mm = np.memmap(path, dtype=np.float64, mode="r")
    assert isinstance(as_time_index(mm), RegularTimeIndex)
    irregular = np.cumsum(np.random.default_rng(3).exponential(1.0, 1000))
    irregular.tofile(path)
    idx = as_time_index(np.memmap(path, dtype=np.float64, mode="r"))
    assert isinstance(idx, ExplicitTimeIndex)
    assert idx.is_lazy
    assert len(pickle.dumps(idx)) < 5000
    assert pickle.loads(pickle.dumps(idx)).equals(irregular)


def test_pickle_explicit(tmp_path: Path) -> None:
    t = np.cumsum(np.random.default_rng(4).exponential(1.0, 200_000))
    mem = ExplicitTimeIndex(t)
    back = pickle.loads(pickle.dumps(mem))
    assert back.equals(mem)
    assert not back.is_lazy
    lazy = ExplicitTimeIndex(NpyFileArray(_npy(tmp_path, t)))[5:150_000]
    blob = pickle.dumps(lazy)
    assert len(blob) < 20_000  # the recipe and fences, not 1.6 MB of timestamps
    back = pickle.loads(blob)
    assert back.is_lazy
    assert back.equals(t[5:150_000])
    assert back.searchsorted(t[100]) == 95


def test_explicit_properties() -> None:
    idx = ExplicitTimeIndex(np.array([0.0, 0.1, 0.2, 0.4]))
    assert idx.period == pytest.approx(0.1)
    assert idx.rate == pytest.approx(10.0)
    assert not idx.is_regular
    assert (idx.start_time, idx.end_time) == (0.0, 0.4)
    empty = ExplicitTimeIndex(np.zeros(0))
    assert empty.period is None
    assert empty.rate is None
    assert empty.start_time is None
    assert repr(idx) == "ExplicitTimeIndex(n=4, start=0.0, end=0.4)"
    assert idx.get_slice(0.1, 0.3) == slice(1, 3)


# --- memory -------------------------------------------------------------------------------
def test_regularity_check_bounded_memory() -> None:
    t = np.arange(10_000_000) / 30000.0
    tracemalloc.start()
    try:
        idx = as_time_index(t)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(idx, RegularTimeIndex)
    assert peak < 24 * 2**20, f"peak {peak / 2**20:.1f} MiB"  # 80 MB would be one O(n) copy


def test_irregular_validation_bounded_memory(tmp_path: Path) -> None:
    t = np.cumsum(np.random.default_rng(5).exponential(1.0, 5_000_000))
    path = _npy(tmp_path, t)
    del t
    tracemalloc.start()
    try:
        idx = as_time_index(NpyFileArray(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(idx, ExplicitTimeIndex)
    assert idx.is_lazy
    assert peak < 24 * 2**20, f"peak {peak / 2**20:.1f} MiB"  # the file is 40 MB


# --- sort_by_time -------------------------------------------------------------------------
def test_sort_by_time_reorders_data_together() -> None:
    t = np.array([3.0, 1.0, 2.0, 1.0])
    d = np.arange(8).reshape(4, 2)
    ts, ds = sort_by_time(t, d)
    np.testing.assert_array_equal(ts, [1.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ds, [[2, 3], [6, 7], [4, 5], [0, 1]])  # stable
    assert sort_by_time(t)[1] is None
    ExplicitTimeIndex(ts)  # now valid
    with pytest.raises(ShapeMismatchError):
        sort_by_time(t, np.zeros(3))


def test_sort_by_time_refuses_lazy(tmp_path: Path) -> None:
    path = _npy(tmp_path, np.zeros(4))
    with pytest.raises(MemphysTypeError, match="lazy source"):
        sort_by_time(np.array([1.0, 0.0, 2.0, 3.0]), NpyFileArray(path))
    with pytest.raises(MemphysTypeError, match="lazy source"):
        sort_by_time(np.array([1.0, 0.0, 2.0, 3.0]), np.load(path, mmap_mode="r"))


@pytest.mark.slow
@pytest.mark.parametrize("fs", [1250.0, 30000.0])
def test_67m_samples_detected_regular_and_exact(fs: float) -> None:
    t = np.arange(67_108_864) / fs  # a 2 GiB 16-channel int16 recording's time axis
    idx = as_time_index(t)
    assert isinstance(idx, RegularTimeIndex)
    assert idx.nbytes < 100
    assert idx.equals(t)  # bit for bit, compared in blocks
    q = t[::1_000_003]
    np.testing.assert_array_equal(idx.searchsorted(q, side="right"), np.searchsorted(t, q, "right"))


@pytest.mark.parametrize(
    "t",
    [
        [2.22507386e-311, 2.22507386e-309, 0.05],
        [0.0, 2.22507386e-309, 1.0],
        [1e-300, 2e-300, 3e-300, 4e-300],
    ],
)
def test_subnormal_and_tiny_spacings_do_not_crash_detection(t):
    from memphys.core.time_index import as_time_index

    t = np.array(t)
    ix = as_time_index(t)
    np.testing.assert_array_equal(ix.values, t)
