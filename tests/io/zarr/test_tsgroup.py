"""TsGroup in a Zarr store (io/zarr/tsgroup.py): round trips equal to the ``.npz`` ones
(times, values, metadata, time support), crash-safety and damaged stores."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.errors import FileFormatError, IncompleteWriteError, MemphysTypeError
from memphys.io.zarr import save_zarr


def _same(a, b, types=True):
    assert a.keys() == b.keys()
    for k in a:
        if types:  # .npz (pynapple's layout) gives NaN-valued Tsd for Ts units beside Tsd ones
            assert type(a[k]) is type(b[k]), k
        np.testing.assert_array_equal(a[k].t, b[k].t)
        if isinstance(a[k], nap.Tsd) and isinstance(b[k], nap.Tsd):
            np.testing.assert_array_equal(a[k].values, b[k].values)
    np.testing.assert_array_equal(a.time_support.values, b.time_support.values)
    assert sorted(a.metadata_columns) == sorted(b.metadata_columns)
    for c in a.metadata_columns:
        np.testing.assert_array_equal(np.asarray(a[c]), np.asarray(b[c]), err_msg=c)


def test_round_trip_with_metadata_and_values(tmp_path):
    g = nap.TsGroup(
        {
            3: nap.Ts(t=np.array([0.1, 0.5, 2.0])),
            1: nap.Tsd(t=np.array([0.2, 0.3]), d=np.array([np.nan, 7.0])),
            8: nap.Ts(t=np.array([], dtype=float)),
        },
        time_support=nap.IntervalSet(start=[0.0, 1.5], end=[1.0, 3.0]),
        metadata={
            "area": np.array(["CA1", "CA3", "PFC"]),
            "depth": np.array([10, 20, 30]),
            "good": np.array([True, False, True]),
        },
    )
    g.save(tmp_path / "g.zarr")
    g.save(tmp_path / "g.npz")
    back = nap.load_file(tmp_path / "g.zarr")
    _same(g, back)
    _same(nap.load_file(tmp_path / "g.npz"), back, types=False)  # as .npz gives it
    assert back["area"].tolist() == ["CA3", "CA1", "PFC"]  # sorted by key, as the group
    np.testing.assert_array_equal(back.rate, g.rate)


@pytest.mark.filterwarnings(  # a one-spike unit: its own support has no duration
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)
@settings(max_examples=25, deadline=None)
@given(
    trains=st.lists(
        st.lists(st.floats(0.0, 100.0, allow_nan=False), max_size=20), min_size=1, max_size=6
    ),
    with_values=st.booleans(),
)
def test_round_trip_equals_npz(tmp_path_factory, trains, with_values):
    folder = tmp_path_factory.mktemp("g")
    units = {}
    for i, t in enumerate(trains):
        t = np.sort(np.asarray(t, dtype=np.float64))
        units[2 * i] = nap.Tsd(t=t, d=t * 2 + i) if with_values and i % 2 else nap.Ts(t=t)
    g = nap.TsGroup(
        units, time_support=nap.IntervalSet(0.0, 100.0), metadata={"label": [str(k) for k in units]}
    )
    g.save(folder / "g.zarr")
    g.save(folder / "g.npz")
    back = nap.load_file(folder / "g.zarr")
    _same(g, back)
    _same(nap.load_file(folder / "g.npz"), back, types=False)


def test_errors_and_crash_safety(tmp_path, monkeypatch):
    import zarr

    from memphys.io.zarr import tsgroup

    bad = nap.TsGroup({0: nap.TsdFrame(t=[1.0, 2.0], d=np.ones((2, 2)))})
    with pytest.raises(MemphysTypeError, match="unit 0"):
        save_zarr(bad, tmp_path / "bad.zarr")
    assert not any(tmp_path.iterdir())

    g = nap.TsGroup({0: nap.Ts(t=[1.0, 2.0]), 1: nap.Tsd(t=[3.0, 4.0], d=[1.0, 2.0])})

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tsgroup, "_unit_values", boom)
    with pytest.raises(KeyboardInterrupt):
        g.save(tmp_path / "g.zarr")
    assert not any(tmp_path.iterdir())
    monkeypatch.undo()

    g.save(tmp_path / "g.zarr")
    zarr.open_group(tmp_path / "g.zarr", mode="a")["ends"][:] = [2, 5]
    with pytest.raises(FileFormatError, match="units end at 5 but 't' holds 4"):
        nap.load_file(tmp_path / "g.zarr")
    g.save(tmp_path / "p.zarr")
    (tmp_path / "p.zarr").rename(tmp_path / "p.zarr.partial")
    with pytest.raises(IncompleteWriteError):
        nap.load_file(tmp_path / "p.zarr")
