"""Tests of the derived lazy views (RowSliceView, RowRangesView)."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memphys.arrays import LazyArray, as_lazy, from_recipe
from memphys.arrays.views import RowRangesView, RowSliceView, row_view
from memphys.errors import MemphysTypeError, MemphysValueError, ShapeMismatchError


class Spy(LazyArray):
    """Counts the reads of a parent adapter (and records their ranges)."""

    kind = "spy-views"

    def __init__(self, data: np.ndarray) -> None:
        self._data = data
        self.shape = data.shape
        self.dtype = data.dtype
        self.reads: list[tuple[int, int]] = []

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        self.reads.append((start, stop))
        return self._data[start:stop] if self.ndim < 2 else self._data[start:stop][:, channels]

    def recipe(self) -> dict[str, Any]:
        return {"kind": "numpy-test"}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> Spy:  # pragma: no cover
        raise NotImplementedError


def test_ranges_view_reads_contiguous_blocks_of_parent() -> None:
    data = np.arange(40).reshape(20, 2)
    spy = Spy(data)
    v = RowRangesView(spy, [2, 10, 15], [5, 12, 20])
    assert v.shape == (10, 2)
    np.testing.assert_array_equal(v.read(), np.concatenate([data[2:5], data[10:12], data[15:20]]))
    assert spy.reads == [(2, 5), (10, 12), (15, 20)]
    spy.reads.clear()
    np.testing.assert_array_equal(v.read(4, 6), data[[11, 15]])
    assert spy.reads == [(11, 12), (15, 16)]


def test_channels_are_passed_to_parent() -> None:
    data = np.arange(30).reshape(10, 3)
    v = RowRangesView(as_lazy(data), [0, 6], [2, 8])
    np.testing.assert_array_equal(v.read(0, 4, channels=[2, 0]), data[[0, 1, 6, 7]][:, [2, 0]])
    np.testing.assert_array_equal(v[1:3, 1], data[[1, 6], 1])


def test_fancy_indexing_refused() -> None:
    v = RowSliceView(as_lazy(np.arange(10)), 2, 8)
    with pytest.raises(MemphysTypeError, match="fancy indexing"):
        v[[0, 1]]


def test_invalid_ranges() -> None:
    parent = as_lazy(np.arange(10))
    with pytest.raises(MemphysValueError, match="start <= stop"):
        RowRangesView(parent, [5], [3])
    with pytest.raises(MemphysValueError, match="start <= stop"):
        RowRangesView(parent, [0], [11])
    with pytest.raises(ShapeMismatchError):
        RowRangesView(parent, [0, 1], [2])


def test_empty_view() -> None:
    v = RowRangesView(as_lazy(np.zeros((10, 2))), [3], [3])
    assert v.shape == (0, 2)
    assert v.read().shape == (0, 2)


def test_views_of_views_compose_to_parent_reads() -> None:
    data = np.arange(100)
    spy = Spy(data)
    outer = RowRangesView(RowRangesView(spy, [10, 50], [20, 60]), [5, 12], [12, 15])
    assert outer.source is spy
    np.testing.assert_array_equal(outer.read(), np.r_[15:20, 50:52, 52:55])
    assert spy.reads == [(15, 20), (50, 55)]  # adjacent pieces merged into one read
    single = RowSliceView(RowSliceView(spy, 10, 90), 5, 10)
    assert single.source is spy
    assert (single.start, single.stop) == (15, 20)


def test_recipe_and_pickle(tmp_path: Any) -> None:
    path = tmp_path / "x.npy"
    np.save(path, np.arange(24, dtype="int16").reshape(12, 2))
    parent = as_lazy(str(path))
    for v in (RowRangesView(parent, [1, 7], [3, 9]), RowSliceView(parent, 4, 10)):
        rebuilt = from_recipe(v.recipe())
        assert type(rebuilt) is type(v)
        np.testing.assert_array_equal(rebuilt.read(), v.read())
        again = pickle.loads(pickle.dumps(v))
        np.testing.assert_array_equal(again.read(), v.read())
        assert len(pickle.dumps(v)) < 2000


def test_row_view_kind() -> None:
    parent = as_lazy(np.arange(10))
    assert isinstance(row_view(parent, [1, 4], [1, 6]), RowSliceView)
    assert type(row_view(parent, [1, 4], [2, 6])) is RowRangesView


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 12)), min_size=0, max_size=6),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_reads_equal_numpy(ranges: list[tuple[int, int]], a: int, b: int) -> None:
    data = np.arange(120).reshape(60, 2)
    starts = [s for s, _ in ranges]
    stops = [min(s + k, 60) for s, k in ranges]
    v = RowRangesView(as_lazy(data), starts, stops)
    expected = np.concatenate([data[s:e] for s, e in zip(starts, stops, strict=True)] + [data[:0]])
    np.testing.assert_array_equal(v.read(), expected)
    np.testing.assert_array_equal(v.read(a, b), expected[a:b] if b >= a else expected[:0])
