"""``.npy`` reading through ``load_file`` (memory-mapped) and the streaming ``.npy`` writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import memphys as nap
from memphys.errors import FileFormatError, MemphysFileNotFoundError, MemphysValueError
from memphys.io.npy.array import load_npy, save_npy

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared test data not found at {DATA} (../shared/data)"
)
NPY_FILES = [
    "npy_bycycle_lfp/ca1.npy",
    "npy_bycycle_lfp/ec3.npy",
    "npy_neurodsp_lfp/sample_data_1.npy",
    "npy_neurodsp_lfp/sample_data_2.npy",
]


@needs_data
@pytest.mark.realdata
@pytest.mark.parametrize("name", NPY_FILES)
def test_shared_npy_files_match_numpy(name):
    path = DATA / name
    ref = np.load(path)
    m = nap.load_file(path)
    assert isinstance(m, np.memmap)
    np.testing.assert_array_equal(m, ref)
    t = nap.load_file(path, rate=1250.0)
    assert isinstance(t, nap.Tsd)
    assert isinstance(t.values, np.memmap)
    np.testing.assert_array_equal(t.values, ref)
    assert t.time_index.is_regular
    assert t.t[-1] == (len(ref) - 1) / 1250.0
    loaded = nap.load_file(path, lazy_loading=False)
    assert not isinstance(loaded, np.memmap)
    np.testing.assert_array_equal(loaded, ref)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", [(7,), (7, 3), (7, 2, 3)])
def test_shapes_orders_and_types(tmp_path, order, shape):
    x = (
        np.asfortranarray(np.arange(np.prod(shape)).reshape(shape))
        if order == "F"
        else (np.arange(np.prod(shape)).reshape(shape))
    )
    np.save(tmp_path / "x.npy", x)
    obj = load_npy(tmp_path / "x.npy", rate=10.0, start=1.0)
    cls = {1: nap.Tsd, 2: nap.TsdFrame, 3: nap.TsdTensor}[len(shape)]
    assert isinstance(obj, cls)
    np.testing.assert_array_equal(np.asarray(obj.values), x)
    assert obj.t[0] == 1.0
    assert obj.t[1] == 1.1


def test_columns(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 2)))
    assert nap.load_file(tmp_path / "x.npy", rate=1.0, columns=["a", "b"]).columns.tolist() == [
        "a",
        "b",
    ]
    with pytest.raises(MemphysValueError, match="columns"):
        load_npy(tmp_path / "x.npy", columns=["a", "b"])


def test_truncated_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(100))
    size = (tmp_path / "x.npy").stat().st_size
    with open(tmp_path / "x.npy", "r+b") as fh:
        fh.truncate(size - 8)
    with pytest.raises(FileFormatError, match="too small"):
        nap.load_file(tmp_path / "x.npy")


def test_not_npy_and_object_arrays(tmp_path):
    (tmp_path / "x.npy").write_bytes(b"hello world, not numpy")
    with pytest.raises(FileFormatError, match=r"not a valid \.npy"):
        nap.load_file(tmp_path / "x.npy")
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(FileFormatError, match="object array"):
        nap.load_file(tmp_path / "o.npy")
    with pytest.raises(MemphysFileNotFoundError):
        nap.load_file(tmp_path / "none.npy")


def test_bad_rate(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros(3))
    with pytest.raises(MemphysValueError, match="rate"):
        load_npy(tmp_path / "x.npy", rate=0)


@pytest.mark.parametrize("engine", ["serial", "thread", "process"])
def test_save_npy_streams_a_memmap_column(tmp_path, engine):
    x = (np.arange(40_000) % 997).astype("int16").reshape(10_000, 4)
    x.tofile(tmp_path / "r.dat")
    f = nap.load_binary_file(tmp_path / "r.dat", n_channels=4, sampling_rate=1e3)
    save_npy(f, tmp_path / "all.npy", n_jobs=2, pool_engine=engine, chunk_size=999)
    np.testing.assert_array_equal(np.load(tmp_path / "all.npy"), x)
    col = f[:, 3]
    col.save(tmp_path / "c.npy", n_jobs=2, pool_engine=engine, chunk_size=1234)
    np.testing.assert_array_equal(np.load(tmp_path / "c.npy"), x[:, 3])
    back = nap.load_file(tmp_path / "c.npy", rate=1e3)
    np.testing.assert_array_equal(back.values, col.values)
    assert not list(tmp_path.glob("*.partial"))


def test_save_npy_dtype_and_suffix(tmp_path):
    t = nap.Tsd(t=None, d=np.arange(5), rate=1.0)
    save_npy(t, tmp_path / "x.npy", dtype="float32")
    assert np.load(tmp_path / "x.npy").dtype == np.float32
    with pytest.raises(FileFormatError, match=r"\.npy"):
        save_npy(t, tmp_path / "x.bin")
