"""NeoArray, ColumnSelectArray and ScaledArray on generated raw binary files (no shared data)."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import memphys as nap
from memphys.arrays import MemmapArray, as_lazy, from_recipe
from memphys.arrays.neo_array import ColumnSelectArray, NeoArray, ScaledArray, open_rawio
from memphys.errors import MemphysTypeError, ShapeMismatchError, SourceError


@pytest.fixture
def raw_file(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.random.default_rng(0).integers(-3000, 3000, size=(1000, 5)).astype("int16")
    path = tmp_path / "rec.raw"
    data.tofile(path)
    return path, data


def _kwargs(path: Path) -> dict[str, Any]:
    return {
        "filename": str(path),
        "dtype": "int16",
        "sampling_rate": 1000.0,
        "nb_channel": 5,
        "signal_gain": 0.25,
        "signal_offset": -3.0,
    }


def test_neo_array_reads_blocks_and_channels(raw_file: tuple[Path, np.ndarray]) -> None:
    path, data = raw_file
    a = NeoArray("RawBinarySignalRawIO", _kwargs(path))
    assert a.shape == (1000, 5)
    assert a.dtype == np.int16
    np.testing.assert_array_equal(a.read(10, 20), data[10:20])
    np.testing.assert_array_equal(a.read(10, 20, [4, 0, 2]), data[10:20][:, [4, 0, 2]])
    np.testing.assert_array_equal(a[5:9, 1:3], data[5:9, 1:3])
    np.testing.assert_array_equal(a[7, 3], data[7, 3])
    # empty reads never turn into neo's "i_stop=None/0 means the whole segment"
    assert a.read(0, 0).shape == (0, 5)
    assert a.read(3, 3, [1]).shape == (0, 1)


def test_neo_array_recipe_round_trip(raw_file: tuple[Path, np.ndarray]) -> None:
    path, data = raw_file
    a = NeoArray("RawBinarySignalRawIO", _kwargs(path))
    recipe = a.recipe()
    assert recipe["kind"] == "neo"
    assert recipe["rawio"] == "RawBinarySignalRawIO"
    b = from_recipe(recipe)
    assert isinstance(b, NeoArray)
    assert b.shape == a.shape
    np.testing.assert_array_equal(b.read(), data)
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.read(100, 200), data[100:200])
    # one parsed RawIO per process and arguments
    assert open_rawio("RawBinarySignalRawIO", _kwargs(path)) is b._get_reader()


def test_neo_array_bad_recipes(raw_file: tuple[Path, np.ndarray]) -> None:
    path, _ = raw_file
    with pytest.raises(SourceError, match="neo RawIO class names"):
        NeoArray("NoSuchRawIO", {"filename": str(path)})
    with pytest.raises(SourceError, match="'rawio'"):
        from_recipe({"kind": "neo", "kwargs": {}})
    with pytest.raises(SourceError, match="stream_index"):
        NeoArray("RawBinarySignalRawIO", _kwargs(path), stream_index=3)
    with pytest.raises(MemphysTypeError):
        NeoArray(3, {})  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="Cannot open"):
        NeoArray("RawBinarySignalRawIO", {"filename": str(path), "bogus": 1})


def test_column_select(raw_file: tuple[Path, np.ndarray]) -> None:
    path, data = raw_file
    mm = MemmapArray(path, dtype="int16", shape=(1000, 5))
    v = ColumnSelectArray(mm, slice(0, -1))
    assert v.shape == (1000, 4)
    np.testing.assert_array_equal(v.read(1, 4), data[1:4, :4])
    np.testing.assert_array_equal(v.read(1, 4, [3, 0]), data[1:4][:, [3, 0]])
    np.testing.assert_array_equal(v[2:5, ::2], data[2:5, 0:4:2])
    last = ColumnSelectArray(mm, slice(-1, None))
    np.testing.assert_array_equal(last.read(), data[:, 4:])
    picked = ColumnSelectArray(mm, [4, 1])
    np.testing.assert_array_equal(picked.read(0, 3, slice(1, 2)), data[0:3, 1:2])
    for arr in (v, last, picked):
        back = pickle.loads(pickle.dumps(arr))
        assert isinstance(back, ColumnSelectArray)
        np.testing.assert_array_equal(back.read(), arr.read())
    with pytest.raises(SourceError):
        ColumnSelectArray(mm, [7])
    with pytest.raises(ShapeMismatchError):
        ColumnSelectArray(as_lazy(np.zeros(4)), [0])


def test_scaled_matches_neo(raw_file: tuple[Path, np.ndarray]) -> None:
    path, data = raw_file
    rawio = open_rawio("RawBinarySignalRawIO", _kwargs(path))
    chans = rawio.header["signal_channels"]
    s = ScaledArray(NeoArray("RawBinarySignalRawIO", _kwargs(path)), chans["gain"], chans["offset"])
    expected = rawio.rescale_signal_raw_to_float(data, dtype="float32", stream_index=0)
    np.testing.assert_array_equal(s.read(), expected)
    np.testing.assert_array_equal(s.read(3, 9, [2]), expected[3:9, [2]])
    back = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(back.read(), expected)
    # gain 1 and offset 0: just the cast
    ident = ScaledArray(as_lazy(data), np.ones(5), np.zeros(5))
    np.testing.assert_array_equal(ident.read(), data.astype("float32"))
    with pytest.raises(ShapeMismatchError, match="one per"):
        ScaledArray(as_lazy(data), [1.0], [0.0])


def test_reader_on_a_generated_raw_file(raw_file: tuple[Path, np.ndarray]) -> None:
    path, data = raw_file
    reader = nap.EphysReader(path, sampling_rate=1000, dtype="int16", n_channels=5, gain=0.5)
    assert list(reader.keys()) == ["0:Signals"]
    frame = reader["0:Signals"]
    assert isinstance(frame.values, MemmapArray)  # neo's buffer description, memory-mapped
    np.testing.assert_array_equal(np.asarray(frame.values), data)
    assert frame._ti.rate == 1000.0
    assert frame.t[0] == 0.0
    scaled = reader.get("0:Signals", scaled=True)
    np.testing.assert_array_equal(np.asarray(scaled.values), data.astype("float32") * 0.5)
    np.testing.assert_array_equal(frame.gain.values, np.full(5, 0.5))
    assert reader["0:Signals"] is frame  # loaded once
    always = nap.EphysReader(
        path, format="rawbinary", scaled=True, sampling_rate=1000, dtype="int16", n_channels=5
    )
    assert always["0:Signals"].dtype == np.float32
    assert always.get("0:Signals", scaled=False).dtype == np.int16


def test_pickled_neo_frame_in_this_process_after_fork_key(
    raw_file: tuple[Path, np.ndarray],
) -> None:
    path, data = raw_file
    a = NeoArray("RawBinarySignalRawIO", _kwargs(path))
    frame = nap.TsdFrame(d=a, rate=1000.0, start=2.0, load_array=False)
    back = pickle.loads(pickle.dumps(frame))
    assert isinstance(back.values, NeoArray)
    np.testing.assert_array_equal(np.asarray(back.values), data)
    assert back.t[0] == 2.0
    a.close()
    assert a._pid == -1
    assert a.read(0, 2).shape == (2, 5)
    assert a._pid == os.getpid()
