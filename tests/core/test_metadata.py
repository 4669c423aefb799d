"""Tests of the metadata mixin and of the _Metadata container."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from memphys.core.interval_set import IntervalSet
from memphys.core.metadata import _Metadata, _MetadataMixin
from memphys.errors import MemphysKeyError, MemphysTypeError, MemphysValueError


@pytest.fixture
def ep():
    return IntervalSet(start=[0, 10, 16, 25], end=[5, 15, 20, 40])


class Units(_MetadataMixin):
    """A minimal TsGroup-like user of the mixin (rows = unit labels, a protected 'rate')."""

    _protected_metadata = frozenset({"rate"})

    def __init__(self, keys):
        self.index = np.asarray(keys)
        self.nap_class = "TsGroup"
        _MetadataMixin.__init__(self)
        self._class_attributes = frozenset(dir(type(self))) | {
            "index",
            "nap_class",
            "_metadata",
            "rate",
        }
        self._initialized = True
        self._metadata["rate"] = np.ones(len(keys))

    def __getitem__(self, key):
        if isinstance(key, str) or (isinstance(key, list) and all(isinstance(k, str) for k in key)):
            return _MetadataMixin.__getitem__(self, key)
        return list(np.asarray(key))


# ------------------------------------------------------------------- set/get
@pytest.mark.parametrize(
    "value",
    [[1, 2, 3, 4], (1, 2, 3, 4), np.array([1, 2, 3, 4]), pd.Series([1, 2, 3, 4])],
)
def test_set_info_value_types(ep, value):
    ep.set_info(label=value)
    assert ep._metadata.shape == (4, 1)
    np.testing.assert_array_equal(ep._metadata["label"], [1, 2, 3, 4])
    np.testing.assert_array_equal(ep.get_info("label"), [1, 2, 3, 4])
    np.testing.assert_array_equal(ep.label, [1, 2, 3, 4])
    np.testing.assert_array_equal(ep["label"], [1, 2, 3, 4])
    assert isinstance(ep.get_info("label"), pd.Series)
    # stored values are read-only
    with pytest.raises(ValueError, match="read-only"):
        ep._metadata["label"][0] = 5


def test_set_info_ways(ep):
    ep.set_info(pd.DataFrame({"a": [0, 0, 1, 1], "b": list("wxyz")}))
    ep.set_info({"c": np.arange(4)}, d=[9] * 4)
    ep["e"] = [1.5] * 4
    ep.f = ["u"] * 4
    assert ep.metadata_columns == ["a", "b", "c", "d", "e", "f"]
    assert list(ep.metadata.columns) == ep.metadata_columns
    ep.a = [5] * 4  # overwrite
    assert list(ep.a) == [5] * 4
    assert "f" in dir(ep)
    df = ep[["a", "b"]]
    pd.testing.assert_frame_equal(df, ep.get_info(["a", "b"]))


def test_single_row_accepts_scalars_and_series():
    one = IntervalSet(0, 5, metadata={"m": 0, "s": "x"})
    assert one.m.tolist() == [0]
    assert one.s.tolist() == ["x"]
    one.set_info(pd.Series(index=["l1", "l2"], data=[0, np.array([1, 2])]))
    np.testing.assert_array_equal(one._metadata["l2"][0], [1, 2])
    one.set_info(pair=[["a", "b"]])
    assert list(one._metadata["pair"][0]) == ["a", "b"]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((pd.DataFrame(np.zeros((4, 2))),), {}, TypeError, "Invalid metadata type"),
        ((), {"label": np.zeros(100)}, ValueError, "input array length 100 does not match"),
        (
            (pd.DataFrame({"x": range(4)}, index=list("abcd")),),
            {},
            ValueError,
            "Metadata index does not match",
        ),
        (
            ({"x": pd.Series([1, 2, 3, 4], index=list("abcd"))},),
            {},
            ValueError,
            "Metadata index does not match",
        ),
        ((np.zeros(4),), {}, TypeError, "should be passed as a keyword argument"),
        (({"label": slice(4)},), {}, TypeError, "Cannot set the following metadata"),
    ],
)
def test_set_info_errors(ep, args, kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        ep.set_info(*args, **kwargs)
    assert isinstance(info.value, MemphysTypeError | MemphysValueError)
    assert ep.metadata_columns == []


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("1a", "starts with a number"),
        ("l 1", "contains a special character"),
        ("l.1", "contains a special character"),
        ("values", "overlaps with an existing attribute"),
        ("set_info", "overlaps with an existing attribute"),
    ],
)
def test_name_warnings(ep, name, match):
    with pytest.warns(UserWarning, match=match):
        ep.set_info({name: np.ones(4)})
    np.testing.assert_array_equal(ep.get_info(name), np.ones(4))
    np.testing.assert_array_equal(ep[name], np.ones(4))  # still readable as a key


def test_names_that_shadow_attributes(ep):
    with pytest.warns(UserWarning, match="overlaps"):
        ep.set_info(start=np.ones(4))
    np.testing.assert_array_equal(ep.start, [0, 10, 16, 25])  # the attribute wins
    np.testing.assert_array_equal(ep["start"], [0, 10, 16, 25])
    with pytest.raises(AttributeError, match="IntervalSet is immutable"):
        ep.metadata = np.ones(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ep.good_name = np.ones(4)


def test_get_info_errors(ep):
    ep.set_info(label=[1] * 4)
    with pytest.raises(KeyError, match="Metadata column nope not found") as info:
        ep.get_info("nope")
    assert isinstance(info.value, MemphysKeyError)
    with pytest.raises(KeyError, match=r"Metadata column\(s\) \['x'\] not found"):
        ep.get_info(["label", "x"])
    for bad in (0, (0, 0), {"label": 1}):
        with pytest.raises(TypeError):
            ep.get_info(bad)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        ep.nope


def test_drop_and_restrict(ep):
    ep.set_info(a=[1] * 4, b=[2] * 4, c=[3] * 4, d=[4] * 4)
    ep.drop_info("a")
    ep.drop_info(["b"])
    assert ep.metadata_columns == ["c", "d"]
    with pytest.raises(KeyError, match=r"Metadata column\(s\) \['x'\] not found"):
        ep.drop_info(["c", "x"])
    assert ep.metadata_columns == ["c", "d"]
    with pytest.raises(KeyError, match="Metadata column x not found"):
        ep.drop_info("x")
    with pytest.raises(TypeError, match="Invalid metadata column"):
        ep.drop_info(0)
    ep.restrict_info("d")
    assert ep.metadata_columns == ["d"]
    with pytest.raises(KeyError, match=r"\[0\] not found"):
        ep.restrict_info(["d", 0])
    with pytest.raises(TypeError, match="Invalid metadata column"):
        ep.restrict_info(0)
    assert ep.metadata_columns == ["d"]


def test_tsgroup_like_rate_is_protected():
    u = Units([3, 7, 9])
    with pytest.raises(ValueError, match="Cannot overwrite TsGroup 'rate'"):
        u.set_info(rate=[1, 2, 3])
    with pytest.raises(ValueError, match="Cannot drop TsGroup 'rate'!"):
        u.drop_info(["rate"])
    u.set_info(label=["a", "b", "a"])
    u.restrict_info("label")
    assert u.metadata_columns == ["rate", "label"]
    groups = u.groupby("label")
    np.testing.assert_array_equal(groups["a"], [3, 9])  # metadata index labels, not positions
    with pytest.raises(TypeError, match="Metadata keys must be strings!"):
        u[0] = [1, 2, 3]


# ------------------------------------------------------------------- groupby
@pytest.mark.parametrize(
    ("metadata", "by"),
    [
        ({"label": [1, 1, 2, 2]}, "label"),
        ({"l1": [1, 1, 2, 2], "l2": ["a", "b", "b", "b"]}, ["l1", "l2"]),
        ({"l1": [2, 1, 2, 1], "l2": [0.5, 0.5, 0.25, 0.5]}, ["l2", "l1"]),
    ],
)
def test_groupby_matches_pandas(ep, metadata, by):
    ep.set_info(metadata)
    expected = ep.metadata.groupby(by).groups
    groups = ep.groupby(by)
    assert groups.keys() == expected.keys()
    for key, idx in groups.items():
        np.testing.assert_array_equal(idx, expected[key])
        sub = ep.groupby(by, get_group=key)
        np.testing.assert_array_equal(sub.values, ep.values[idx])


def test_groupby_errors(ep):
    ep.set_info(label=[1, 1, 2, 2])
    with pytest.raises(ValueError, match="Metadata column 'labels' not found"):
        ep.groupby("labels")
    with pytest.raises(ValueError, match="not found"):
        ep.groupby(["label", "l2"])
    with pytest.raises(ValueError, match="Group '3' not found in metadata"):
        ep.groupby("label", 3)


def test_groupby_apply(ep):
    ep.set_info(label=["x", "x", "y", "y"])
    out = ep.groupby_apply("label", lambda e: e.tot_length())
    assert out == {"x": 10.0, "y": 19.0}
    with pytest.warns(UserWarning, match="Converting IntervalSet"):
        out = ep.groupby_apply("label", np.mean, axis=1)
    np.testing.assert_allclose(out["x"], [2.5, 12.5])

    def f(a, epochs=None):
        return a + len(epochs)

    assert ep.groupby_apply("label", f, "epochs", a=10) == {"x": 12, "y": 12}
    with pytest.raises(TypeError, match="input_key must be a string"):
        ep.groupby_apply("label", f, 1)
    with pytest.raises(KeyError, match="does not have input parameter"):
        ep.groupby_apply("label", f, "eps")


# ---------------------------------------------------------------- _Metadata
@pytest.fixture
def meta():
    return _Metadata(
        np.arange(4),
        {
            "label": np.array([1, 2, 3, 4]),
            "other": np.array(["a", "b", "c", "d"]),
            "more": np.array([[1, 2], [3, 4], [5, 6], [7, 8]]),
        },
    )


def test_metadata_container_basics(meta):
    assert meta.shape == (4, 3)
    assert meta.columns == ["label", "other", "more"]
    assert meta.dtypes["label"] == np.int64
    sub = meta[["label"]]
    assert isinstance(sub, _Metadata)
    assert sub.columns == ["label"]
    df = meta.as_dataframe()
    assert list(df["more"].iloc[0]) == [1, 2]
    assert meta == meta.copy()
    assert meta != meta[["label"]]
    assert meta != 3
    c = meta.copy()
    c["x"] = [0] * 4
    assert "x" not in meta
    assert isinstance(repr(meta), str)
    assert "label" in repr(meta)
    assert isinstance(repr(meta.loc[0]), str)
    assert isinstance(repr(meta[[]]), str)


@pytest.mark.parametrize(
    ("rows", "positions"),
    [
        (pd.Series([False, True, True, False]), [1, 2]),
        ([True, False, False, False], [0]),
        (0, 0),
        ([0, 2], [0, 2]),
        ([], []),
        (slice(None), [0, 1, 2, 3]),
        (pd.Index([0, 3]), [0, 3]),
    ],
)
def test_metadata_loc(meta, rows, positions):
    out = meta.loc[rows]
    assert isinstance(out, _Metadata)
    np.testing.assert_array_equal(out["label"], meta["label"][positions])
    np.testing.assert_array_equal(out["more"], meta["more"][positions])
    col = meta.loc[rows, "other"]
    assert col.columns == ["other"]
    np.testing.assert_array_equal(col["other"], meta["other"][positions])


@pytest.mark.parametrize(
    ("rows", "expectation"),
    [
        ("label", pytest.raises(KeyError)),
        (100, pytest.raises(KeyError)),
        ([True, False], pytest.raises(IndexError, match="boolean index")),
        (pd.DataFrame({"a": [0]}), pytest.raises(TypeError)),
        (slice(0, 2), pytest.raises(TypeError, match="Unknown metadata index")),
    ],
)
def test_metadata_loc_errors(meta, rows, expectation):
    with expectation:
        meta.loc[rows]


def test_metadata_loc_uses_labels():
    m = _Metadata(np.array([10, 20, 30]), {"x": np.array([1, 2, 3])})
    np.testing.assert_array_equal(m.loc[[30, 10]]["x"], [3, 1])
    assert m.loc[20]["x"] == 2
    with pytest.raises(IndexError, match="Too many indices"):
        m.loc[0, 1, 2]
    with pytest.raises(TypeError):
        m.loc[[10], 0]


def test_metadata_iloc(meta):
    np.testing.assert_array_equal(meta.iloc[[1, 2]]["other"], ["b", "c"])
    assert meta.iloc[1:3, 0].columns == ["label"]
    assert meta.iloc[:, [True, False, True]].columns == ["label", "more"]
    with pytest.raises(IndexError, match="index 100 is out of bounds"):
        meta.iloc[100, "label"]
    with pytest.raises(IndexError, match="only integers, slices"):
        meta.iloc[:, "label"]
    with pytest.raises(IndexError, match="boolean index did not match"):
        meta.iloc[[True, False]]
    with pytest.raises(IndexError, match="Too many indices"):
        meta.iloc[0, 1, 2]


def test_metadata_drop_join_merge(meta):
    meta["info"] = [2] * 4
    meta.drop(["label", "info"])
    assert meta.columns == ["other", "more"]
    with pytest.raises(KeyError, match=r"\['x', 'y'\] not found"):
        meta.drop(["x", "other", "y"])
    with pytest.raises(TypeError, match="Invalid metadata column"):
        meta.drop(0)

    a, b = _Metadata(np.arange(2)), _Metadata(np.arange(2))
    a["l1"], b["l2"] = [1, 1], [2, 2]
    a.join(b)
    assert list(a.keys()) == ["l1", "l2"]
    with pytest.raises(ValueError, match=r"\['l2'\] already exists"):
        a.join(b)
    with pytest.raises(ValueError, match="Metadata indices must match"):
        a.join(_Metadata(np.arange(5, 7)))
    with pytest.raises(TypeError, match="Can only join with another _Metadata object"):
        a.join({"x": [1, 2]})

    c = _Metadata(np.arange(2), {"l1": np.array([1, 1])})
    d = _Metadata(np.arange(2), {"l1": np.array([2, 2])})
    with pytest.warns(UserWarning, match="duplicate and unsorted indices"):
        c.merge(d)
    np.testing.assert_array_equal(c["l1"], [1, 1, 2, 2])
    np.testing.assert_array_equal(c.index, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="Column names must match"):
        c.merge(_Metadata(np.arange(2), {"z": np.array([1, 2])}))
    with pytest.raises(TypeError, match="Can only merge"):
        c.merge([1])


def test_metadata_groupby_and_reset(meta):
    meta["g"] = np.array(["x", "y", "x", "x"])
    groups = meta.groupby("g")
    assert list(groups) == ["x", "y"]
    np.testing.assert_array_equal(groups["x"], [0, 2, 3])
    multi = meta.groupby(["g", "label"])
    assert set(multi) == {("x", 1), ("y", 2), ("x", 3), ("x", 4)}
    sub = meta.iloc[[2, 3]]
    np.testing.assert_array_equal(sub.index, [2, 3])
    np.testing.assert_array_equal(sub.reset_index().index, [0, 1])
    assert meta.loc[2].reset_index().index == 0


def test_groupby_labels_as_pynapple():
    import memphys as nap

    frame = nap.TsdFrame(
        t=np.arange(3.0), d=np.ones((3, 3)), columns=["a", "b", "c"], metadata={"g": [1, 2, 1]}
    )
    groups = frame.groupby("g")
    assert isinstance(groups[1], pd.Index)  # a TsdFrame's columns: a pd.Index, as pynapple
    assert groups[1].tolist() == ["a", "c"]
    ep = nap.IntervalSet([0, 2, 4], [1, 3, 5], metadata={"g": [1, 2, 1]})
    assert isinstance(ep.groupby("g")[1], np.ndarray)
    assert ep.groupby("g")[1].tolist() == [0, 2]
