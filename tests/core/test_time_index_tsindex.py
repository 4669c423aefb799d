"""pynapple's public TsIndex, and the package-level names."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import memphys
import memphys.core as core
from memphys.config import config_context
from memphys.core.time_index import RegularTimeIndex, TsIndex
from memphys.errors import TimeIndexError


def test_tsindex_basics() -> None:
    a = TsIndex(np.arange(10))
    assert isinstance(a, np.ndarray)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a.values, np.arange(10))
    assert type(a.values) is np.ndarray
    assert type(a.to_numpy()) is np.ndarray
    np.testing.assert_array_equal(a.in_units("ms"), np.arange(10) * 1e3)
    np.testing.assert_array_equal(a.in_units("us"), np.arange(10) * 1e6)
    with pytest.raises(RuntimeError, match=r"TsIndex object is not mutable\."):
        a[0] = 1
    b = TsIndex(np.array([1500.0, 2500.0]), time_units="ms")
    np.testing.assert_array_equal(b, [1.5, 2.5])


def test_tsindex_does_not_copy_into_callers_array() -> None:
    t = np.arange(3.0)
    a = TsIndex(t)
    t[0] = 10.0
    assert a[0] == 0.0


def test_tsindex_never_sorts() -> None:
    with pytest.raises(TimeIndexError, match=r"t\[1\] = 0.5 comes after t\[0\] = 1.0"):
        TsIndex(np.array([1.0, 0.5]))
    with pytest.raises(TimeIndexError, match="finite"):
        TsIndex(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="1 dimensional"):
        TsIndex(np.zeros((2, 2)))


@pytest.mark.parametrize("func", [TsIndex.format_timestamps, TsIndex.return_timestamps])
def test_units_errors(func) -> None:
    with pytest.raises(ValueError, match="unrecognized time units type"):
        func(np.zeros(2), "aaaa")
    with pytest.raises(ValueError, match="unrecognized time units type"):
        TsIndex(np.zeros(2), time_units="h")


def test_format_and_return_round_trip() -> None:
    t = np.random.default_rng(0).random(100)
    for units in ("s", "ms", "us"):
        back = TsIndex.format_timestamps(TsIndex.return_timestamps(t, units), units)
        np.testing.assert_allclose(back, t, rtol=0, atol=1e-9)


def test_sort_timestamps_warns_and_sorts_times_only() -> None:
    t = np.array([2.0, 1.0, 3.0])
    with pytest.warns(UserWarning, match="^timestamps are not sorted$"):
        out = TsIndex.sort_timestamps(t)
    np.testing.assert_array_equal(out, [1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TsIndex.sort_timestamps(t, give_warning=False)
        TsIndex.sort_timestamps(np.array([1.0, 2.0]))
        with config_context(suppress_time_index_sorting_warnings=True):
            TsIndex.sort_timestamps(t)


def test_to_tsindex() -> None:
    a = RegularTimeIndex(start=0.0, rate=2.0, n=3).to_tsindex()
    assert isinstance(a, TsIndex)
    np.testing.assert_array_equal(a, [0.0, 0.5, 1.0])


def test_public_names() -> None:
    for name in ("TimeIndex", "RegularTimeIndex", "ExplicitTimeIndex", "TsIndex", "sort_by_time"):
        assert getattr(memphys, name) is getattr(core, name)
