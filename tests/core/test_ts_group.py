"""Tests of TsGroup: construction, access, metadata, restrict, count, I/O."""

from __future__ import annotations

import copy
import pickle
import warnings
from collections import UserDict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import memphys as nap
from memphys.core import _ts_group_repr
from memphys.core._ts_group_ops import union_supports
from memphys.errors import (
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
)


@pytest.fixture
def units():
    return {
        0: nap.Ts(t=np.arange(0, 200.0)),
        1: nap.Ts(t=np.arange(0, 200, 0.5)),
        2: nap.Ts(t=np.arange(0, 300, 0.2)),
    }


@pytest.fixture
def group(units):
    return nap.TsGroup(units, metadata={"label": ["a", "b", "c"], "depth": [3, 1, 2]})


# ------------------------------------------------------------------ construction
def test_is_a_userdict_with_sorted_int_keys():
    g = nap.TsGroup({"5": nap.Ts(t=[0.0, 1.0]), 2.0: nap.Ts(t=[0.0, 2.0]), -1: nap.Ts([1, 2.0])})
    assert isinstance(g, UserDict)
    assert g.keys() == [-1, 2, 5]
    assert g.index.dtype == np.int64
    assert g.index.tolist() == [-1, 2, 5]
    assert [type(k) for k in g] == [int, int, int]
    assert len(g) == 3
    assert 2 in g
    assert "2" not in g


def test_from_iterable_gives_keys_from_zero(units):
    g = nap.TsGroup(list(units.values()))
    assert g.keys() == [0, 1, 2]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"1": nap.Ts(np.arange(3.0)), 1: nap.Ts(np.arange(3.0))}, "same integer"),
        ({"1.": nap.Ts(np.arange(3.0))}, "convertible to integer"),
        ({1.5: nap.Ts(np.arange(3.0))}, "integer value"),
        ({100000.5: nap.Ts(np.arange(3.0))}, "integer value"),  # pynapple accepts this one
    ],
)
def test_bad_keys(data, match):
    with pytest.raises(MemphysValueError, match=match):
        nap.TsGroup(data)


def test_arrays_become_ts_with_warning():
    with pytest.warns(UserWarning, match="Elements should not be passed as <class 'list'>"):
        g = nap.TsGroup({0: [1.0, 2.0, 3.0]}, time_units="ms")
    assert isinstance(g[0], nap.Ts)
    np.testing.assert_allclose(g[0].t, [0.001, 0.002, 0.003])


def test_element_of_wrong_type_is_a_type_and_attribute_error():
    with pytest.raises(MemphysTypeError, match=r"data\[0\]"):
        nap.TsGroup(np.arange(3))
    with pytest.raises(AttributeError):
        nap.TsGroup({0: "spikes"})


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"time_units": "h"}, ValueError, "time_units"),
        ({"bypass_check": 1}, TypeError, "bypass_check"),
        ({"time_support": [0, 1]}, TypeError, "time_support"),
    ],
)
def test_bad_arguments(units, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nap.TsGroup(units, **kwargs)


def test_empty_union_of_supports_is_an_error():
    with pytest.raises(RuntimeError, match="Union of time supports is empty"):
        nap.TsGroup({0: nap.Ts(t=np.array([])), 1: nap.Ts(t=np.array([]))})
    with pytest.raises(MemphysRuntimeError):
        nap.TsGroup({})


def test_empty_group_with_support():
    g = nap.TsGroup({}, time_support=nap.IntervalSet(0, 1))
    assert len(g) == 0
    assert g.metadata_columns == ["rate"]
    assert str(g) == "Index    rate\n-------  ------"
    counts = g.count(0.5)
    assert counts.shape == (2, 0)


def test_time_support_restricts_units(units):
    ep = nap.IntervalSet(start=[10, 50], end=[20, 60])
    g = nap.TsGroup(units, time_support=ep)
    for k in g:
        ref = units[k].restrict(ep)
        np.testing.assert_array_equal(g[k].t, ref.t)
        np.testing.assert_array_equal(g[k].time_support.values, ep.values)
    np.testing.assert_allclose(g.rates, [22 / 20, 42 / 20, 102 / 20])


def test_bypass_check_keeps_units(units):
    g = nap.TsGroup(units, time_support=nap.IntervalSet(0, 100), bypass_check=True)
    for k in g:
        assert g[k] is units[k]


def test_default_support_is_union_of_supports():
    g = nap.TsGroup({0: nap.Ts(t=np.arange(10.0)), 1: nap.Ts(t=np.arange(5.0))})
    np.testing.assert_array_equal(g.time_support.values, [[0, 9]])
    np.testing.assert_allclose(g.rates, [10 / 9, 5 / 9])


def test_union_supports_joins_overlaps_and_touching_for_many():
    sets = [nap.IntervalSet(0, 5), nap.IntervalSet(5, 8), nap.IntervalSet([10, 30], [20, 40])]
    np.testing.assert_array_equal(union_supports(sets).values, [[0, 8], [10, 20], [30, 40]])


def test_metadata_follows_sorted_keys():
    data = {3: nap.Ts(t=np.arange(3.0)), 1: nap.Ts(t=np.arange(5.0))}
    g = nap.TsGroup(data, metadata={"label": ["three", "one"]})
    assert g.get_info("label").tolist() == ["one", "three"]
    df = pd.DataFrame({"x": [30, 10]}, index=[3, 1])
    assert nap.TsGroup(data, metadata=df).x.tolist() == [10, 30]
    by_label = pd.DataFrame({"x": [10, 30]}, index=[1, 3])  # pynapple reads it by position
    assert nap.TsGroup(data, metadata=by_label).x.tolist() == [10, 30]
    series = pd.Series([10, 30], index=[1, 3])
    with pytest.warns(FutureWarning):
        assert nap.TsGroup(data, x=series).x.tolist() == [10, 30]
    with pytest.raises(ValueError, match="Metadata index does not match"):
        nap.TsGroup(data, metadata=pd.DataFrame({"x": [30, 10]}))  # index 0, 1


def test_kwargs_metadata_is_a_future_warning(units):
    with pytest.warns(FutureWarning, match="may be unsupported"):
        g = nap.TsGroup(units, sr=[1, 2, 3])
    assert g.sr.tolist() == [1, 2, 3]


# ---------------------------------------------------------------------- access
def test_getitem_variants(group):
    assert group[1] is group.data[1]
    assert group[np.int64(2)] is group.data[2]
    sub = group[[2, 0]]
    assert isinstance(sub, nap.TsGroup)
    assert sub.keys() == [0, 2]
    assert sub.label.tolist() == ["a", "c"]
    np.testing.assert_array_equal(sub.rates, group.rates[[0, 2]])
    assert group[np.array([False, True, True])].keys() == [1, 2]
    assert group[[]].keys() == []
    assert isinstance(group["label"], pd.Series)
    assert list(group[["label", "depth"]].columns) == ["label", "depth"]


@pytest.mark.parametrize(
    ("key", "exc", "match"),
    [
        (4, KeyError, "Key 4 not in group index."),
        ([2, 3], KeyError, r"Key \[3\] not in group index."),
        ("nope", KeyError, "Key nope not in group index."),
        (np.ones(4, dtype=bool), IndexError, "Boolean index length must be equal"),
        (np.ones((3, 1), dtype=bool), IndexError, "Only 1-dimensional"),
    ],
)
def test_getitem_errors(group, key, exc, match):
    with pytest.raises(exc, match=match):
        group[key]


def test_group_is_immutable(group):
    with pytest.raises(TypeError, match="Metadata keys must be strings"):
        group[5] = nap.Ts(t=[1.0, 2.0])
    with pytest.raises(MemphysTypeError, match="immutable"):
        del group[0]
    with pytest.raises(AttributeError, match="reserved attribute"):
        group.time_support = nap.IntervalSet(0, 1)
    with pytest.raises(AttributeError, match="Cannot set attribute"):
        group.rate = [1, 2, 3]
    with pytest.raises(ValueError, match="Cannot overwrite TsGroup 'rate'"):
        group["rate"] = [1, 2, 3]
    with pytest.raises(ValueError, match="Cannot drop TsGroup 'rate'"):
        group.drop_info("rate")
    assert not group.index.flags.writeable


def test_metadata_as_attribute_and_key(group):
    group.region = ["x", "y", "z"]
    group["score"] = np.arange(3)
    assert group.metadata_columns == ["rate", "label", "depth", "region", "score"]
    assert "region" in dir(group)
    assert group.groupby("region", get_group="y").keys() == [1]
    assert group.groupby_apply("label", len) == {"a": 1, "b": 1, "c": 1}
    group.restrict_info("score")
    assert group.metadata_columns == ["rate", "score"]
    with pytest.raises(AttributeError, match="'TsGroup' object has no attribute"):
        group.nonexistent


def test_repr_layout(group):
    expected = (
        "  Index     rate  label      depth\n"
        "-------  -------  -------  -------\n"
        "      0  0.66711  a              3\n"
        "      1  1.33422  b              1\n"
        "      2  5.00334  c              2"
    )
    assert str(group) == expected


def test_repr_truncates_rows_and_columns(monkeypatch):
    g = nap.TsGroup([nap.Ts(t=np.arange(10.0))] * 30)
    for c in range(7):
        g.set_info(**{f"c{c}": np.arange(30)})
    monkeypatch.setattr(_ts_group_repr, "terminal_size", lambda: (60, 16))
    lines = repr(g).split("\n")
    assert len(lines) == 2 + 3 + 1 + 3
    assert lines[0].split() == ["Index", "rate", "c0", "c1", "c2", "c3", "c4", "..."]
    assert lines[5].split() == ["..."] * 8
    assert len(str(g).split("\n")) == 32


def test_pickle_and_copy(group):
    for clone in (pickle.loads(pickle.dumps(group)), group.copy(), copy.deepcopy(group)):
        assert clone.keys() == group.keys()
        assert clone._metadata == group._metadata
        for k in group:
            np.testing.assert_array_equal(clone[k].t, group[k].t)
    clone = group.copy()
    clone["label"] = ["x", "y", "z"]
    assert group.label.tolist() == ["a", "b", "c"]


# -------------------------------------------------------------- time operations
def test_restrict_equals_per_unit_restrict(group):
    ep = nap.IntervalSet(start=[0, 20.1, 150], end=[10, 30, 250])
    r = group.restrict(ep)
    for k in group:
        ref = group[k].restrict(ep)
        np.testing.assert_array_equal(r[k].t, ref.t)
        assert r[k].rate == pytest.approx(ref.rate)
    np.testing.assert_array_equal(r.time_support.values, ep.values)
    assert r.label.tolist() == ["a", "b", "c"]
    with pytest.raises(TypeError):
        group.restrict([0, 1])


def test_restrict_keeps_tsd_values():
    tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10) * 10)
    g = nap.TsGroup({0: tsd, 1: nap.Ts(t=np.arange(10.0))})
    r = g.restrict(nap.IntervalSet([1, 5], [2, 7]))
    assert isinstance(r[0], nap.Tsd)
    np.testing.assert_array_equal(r[0].values, [10, 20, 50, 60, 70])


def test_get(group):
    g = group.get(10, 20)
    assert [len(u) for u in g.values()] == [11, 21, 51]
    np.testing.assert_array_equal(g.time_support.values, group.time_support.values)
    assert all(len(u) == 1 for u in group.get(10).values())


def test_time_diff(group):
    out = group.time_diff(align="start", epochs=nap.IntervalSet(0, 5))
    assert set(out) == {0, 1, 2}
    np.testing.assert_allclose(out[0].values, np.ones(5))
    with pytest.raises(RuntimeError, match="align should be"):
        group.time_diff(align="middle")
    with pytest.raises(TypeError, match="epochs should be"):
        group.time_diff(epochs=[0, 1])


def test_to_tsd(group):
    ref_t = np.concatenate([group[k].t for k in group])
    ref_d = np.concatenate([np.full(len(group[k]), k) for k in group])

    def same_events(tsd, values):  # same (time, value) pairs, sorted by time
        assert np.all(np.diff(tsd.t) >= 0)
        got = np.lexsort((tsd.values, tsd.t))
        ref = np.lexsort((values, ref_t))
        np.testing.assert_array_equal(tsd.t[got], ref_t[ref])
        np.testing.assert_array_equal(tsd.values[got], values[ref])

    same_events(group.to_tsd(), ref_d)
    same_events(group.to_tsd("depth"), np.array([3, 1, 2])[ref_d])
    beta = pd.Series(index=[0, 1, 2], data=[0.5, 1.5, 2.5])
    same_events(group.to_tsd(beta), beta.values[ref_d])
    with pytest.raises(RuntimeError, match="Index are not equals"):
        group.to_tsd(pd.Series(index=[0, 1, 5], data=[1, 2, 3]))
    with pytest.raises(RuntimeError, match=r"Values is not the same length\."):
        group.to_tsd([1, 2])
    with pytest.raises(RuntimeError, match="Key nope not in metadata of TsGroup"):
        group.to_tsd("nope")
    with pytest.raises(RuntimeError, match=r"following values : \[rate, depth\]"):
        group.to_tsd(dict)


# --------------------------------------------------------------------- selection
def test_getby(group):
    assert group.getby_threshold("depth", 1).keys() == [0, 2]
    assert group.getby_threshold("depth", 2, "<=").keys() == [1, 2]
    with pytest.raises(RuntimeError, match=r"Operation != not recognized\."):
        group.getby_threshold("depth", 1, "!=")
    groups, centers = group.getby_intervals("depth", [0, 1.5, 2.5, 10])
    assert [g.keys() for g in groups] == [[1], [2], [0]]
    np.testing.assert_allclose(centers, [0.75, 2.0, 6.25])
    cats = group.getby_category("label")
    assert list(cats) == ["a", "b", "c"]
    assert cats["b"].keys() == [1]


# ------------------------------------------------------------------------- merge
def test_merge(group):
    other = nap.TsGroup(
        {7: nap.Ts(t=np.arange(0, 100.0))},
        time_support=group.time_support,
        metadata={"label": ["z"], "depth": [9]},
    )
    merged = group.merge(other)
    assert merged.keys() == [0, 1, 2, 7]
    assert merged.label.tolist() == ["a", "b", "c", "z"]
    assert group.merge(group, reset_index=True).keys() == list(range(6))
    with pytest.raises(ValueError, match="overlapping keys"):
        group.merge(group)
    with pytest.raises(ValueError, match="different metadata columns"):
        group.merge(nap.TsGroup({9: nap.Ts(t=[1.0, 2.0])}, time_support=group.time_support))
    shifted = nap.TsGroup({9: nap.Ts(t=[1.0, 2.0])}, time_support=nap.IntervalSet(0, 3))
    with pytest.raises(ValueError, match="different time support"):
        group.merge(shifted, ignore_metadata=True)
    both = group.merge(shifted, ignore_metadata=True, reset_time_support=True)
    assert both.metadata_columns == ["rate"]
    with pytest.raises(TypeError, match=r"Input at positions \[2\] are not TsGroup!"):
        nap.TsGroup.merge_group(group, {})


# --------------------------------------------------------------------- subsample
def test_subsample(group):
    sub = group.subsample(0.5, seed=3)
    for k in group:
        assert len(sub[k]) == round(len(group[k]) * 0.5)
        assert np.isin(sub[k].t, group[k].t).all()
        assert np.all(np.diff(sub[k].t) > 0)
    again = group.subsample(0.5, seed=3)
    for k in group:
        np.testing.assert_array_equal(sub[k].t, again[k].t)
    assert sub.label.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="fraction must be between 0 and 1"):
        group.subsample(1.5)
    with pytest.raises(TypeError, match="fraction must be a number"):
        group.subsample("0.5")


def test_subsample_tsd_keeps_values():
    g = nap.TsGroup({0: nap.Tsd(t=np.arange(100.0), d=np.arange(100) * 2)})
    sub = g.subsample(0.3, seed=0)
    np.testing.assert_array_equal(sub[0].values, sub[0].t * 2)


# ---------------------------------------------------------------------------- I/O
def test_save_and_read_back(tmp_path, group):
    path = tmp_path / "units.npz"
    group.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["units.npz"]  # no temp file left
    with np.load(path, allow_pickle=True) as f:
        assert set(f.keys()) == {"type", "_metadata", "t", "index", "keys", "start", "end"}
        assert np.all(np.diff(f["t"]) >= 0)
    back = nap.load_file(path)
    assert back.keys() == group.keys()
    assert back.label.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(back.rates, group.rates)
    for k in group:
        np.testing.assert_array_equal(back[k].t, group[k].t)


def test_save_tsd_keeps_values_at_repeated_times(tmp_path):
    a = nap.Tsd(t=[0.0, 1.0, 1.0, 1.0, 2.0], d=[1.0, 2.0, 3.0, 4.0, 5.0])
    b = nap.Tsd(t=[1.0, 1.0, 3.0], d=[-1.0, -2.0, -3.0])
    g = nap.TsGroup({0: a, 1: b}, time_support=nap.IntervalSet(0, 3))
    g.save(tmp_path / "g")
    back = nap.load_file(tmp_path / "g.npz")
    np.testing.assert_array_equal(back[0].values, a.values)
    np.testing.assert_array_equal(back[1].values, b.values)


def test_save_errors(tmp_path, group):
    with pytest.raises(TypeError):
        group.save(dict)
    with pytest.raises(RuntimeError, match="is directory"):
        group.save(tmp_path)
    with pytest.raises(RuntimeError, match="does not exist"):
        group.save(tmp_path / "missing" / "f.npz")


def test_read_legacy_metadata_layouts(tmp_path, group):
    path = tmp_path / "old.npz"
    t, unit, _ = group._flat()
    order = np.argsort(t, kind="stable")
    np.savez(
        path,
        t=t[order],
        index=group.index[unit[order]],
        start=group.time_support.start,
        end=group.time_support.end,
        type=np.array(["TsGroup"]),
        _metadata=group.metadata.drop(columns="rate").to_dict(),
        extra=np.array([7, 8, 9]),
    )
    back = nap.load_file(path)
    assert back.label.tolist() == ["a", "b", "c"]
    assert back.extra.tolist() == [7, 8, 9]


def test_no_warning_on_plain_use(units):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = nap.TsGroup(units, metadata={"label": ["a", "b", "c"]})
        g.restrict(nap.IntervalSet(0, 10)).count(1.0)
        g[[0, 1]].to_tsd()
        repr(g)


def test_path_is_accepted_as_str(tmp_path, group, monkeypatch):
    monkeypatch.chdir(tmp_path)
    group.save("plain")
    assert Path("plain.npz").exists()
