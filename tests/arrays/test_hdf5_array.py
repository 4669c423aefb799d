"""HDF5Array: slice-only reads, recipes, and one file handle per process (fork and spawn)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from memphys.arrays import as_lazy, from_recipe  # noqa: E402
from memphys.arrays.hdf5_array import _HANDLES, HDF5Array  # noqa: E402
from memphys.errors import (  # noqa: E402
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    SourceError,
)

SHAPES = [(23,), (23, 5), (17, 4, 3)]


def _data(shape: tuple[int, ...], dtype: str = "int32") -> np.ndarray:
    return (np.arange(int(np.prod(shape))) * 7 - 50).astype(dtype).reshape(shape)


def _write(path: Path, x: np.ndarray, name: str = "/acq/data", chunks: Any = True) -> Path:
    with h5py.File(path, "a") as f:
        f.create_dataset(name, data=x, chunks=chunks)
    return path


class _SpyDataset:
    def __init__(self, ds: Any) -> None:
        self._ds = ds
        self.id = ds.id
        self.keys: list[Any] = []

    def __getitem__(self, key: Any) -> Any:
        self.keys.append(key)
        return self._ds[key]


@pytest.mark.parametrize("chunks", [True, None])
@pytest.mark.parametrize("shape", SHAPES)
def test_hdf5_matches_numpy(
    check_adapter: Callable, tmp_path: Path, shape: Any, chunks: Any
) -> None:
    x = _data(shape, "<f4")
    path = _write(tmp_path / "m.h5", x, chunks=chunks)
    with h5py.File(path, "r") as f:
        a = as_lazy(f["acq/data"])
        assert type(a) is HDF5Array
        assert (a.chunks is None) == (chunks is None)
        check_adapter(a, x)
    # the user's file is closed: the adapter reopens on its own
    np.testing.assert_array_equal(a.read(1, 3), x[1:3])
    a.close()
    b = HDF5Array(path, "acq/data")
    check_adapter(b, x)
    b.close()


def test_hdf5_reads_use_slices_only(tmp_path: Path) -> None:
    x = _data((50, 12))
    a = HDF5Array(_write(tmp_path / "s.h5", x), "/acq/data")
    spy = _SpyDataset(a._dataset())
    a._ds = spy  # type: ignore[assignment]
    got = a.read(10, 30, channels=[9, 3, 3, -2])
    np.testing.assert_array_equal(got, x[10:30][:, [9, 3, 3, -2]])
    a.read(0, 5, channels=slice(None, None, -3))
    assert spy.keys == [(slice(10, 30), slice(3, 11, 1)), (slice(0, 5), slice(2, 12, 1))]
    a.close()


def test_hdf5_recipe_and_subprocess(
    check_recipe: Callable, read_in_subprocess: Callable, tmp_path: Path
) -> None:
    x = _data((400, 7), ">i2")
    path = _write(tmp_path / "r.h5", x)
    a = HDF5Array(path, "acq/data")
    recipe = check_recipe(a, x)
    assert recipe == {"kind": "hdf5", "path": str(path), "name": "/acq/data"}
    got = read_in_subprocess(json.loads(json.dumps(recipe)), 33, 301, [6, 0])
    np.testing.assert_array_equal(got, a.read(33, 301, channels=[6, 0]))
    data = pickle.dumps(a)
    assert len(data) < 1000
    assert b"\x89HDF" not in data  # no file content (HDF5 signature), only the recipe
    a.close()


def test_hdf5_one_handle_per_process(tmp_path: Path) -> None:
    x = _data((20, 2))
    path = _write(tmp_path / "h.h5", x)
    a = HDF5Array(path, "acq/data")
    b = pickle.loads(pickle.dumps(a))
    b.read(0, 2)
    assert a._dataset().file == b._dataset().file
    b.close()
    assert a._ds is not None
    assert not a._ds.id.valid  # b.close() closed the shared per-process handle
    np.testing.assert_array_equal(a.read(3, 5), x[3:5])  # reopened
    a.close()


def _child_read_inherited(q: Any, a: HDF5Array) -> None:
    # with "fork", `a` is inherited (not pickled): it must notice the new pid and reopen
    q.put((os.getpid(), a._pid, a.read(5, 9, channels=[1]).tolist()))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_hdf5_workers_reopen(tmp_path: Path, method: str) -> None:
    if method not in mp.get_all_start_methods():
        pytest.skip(f"{method} not available")
    x = _data((1000, 3), "float64")
    path = _write(tmp_path / "w.h5", x)
    a = HDF5Array(path, "acq/data")
    np.testing.assert_array_equal(a.read(0, 10), x[:10])  # parent has the file open
    ctx = mp.get_context(method)
    starts = range(0, 1000, 100)
    with ctx.Pool(2) as pool:
        # tasks reference only importable functions (spawned workers cannot import tests)
        results = pool.starmap(HDF5Array.read, [(a, s, s + 100, [2, 0]) for s in starts])
    for block, s in zip(results, starts, strict=True):
        np.testing.assert_array_equal(block, x[s : s + 100][:, [2, 0]])
    if method == "fork":
        q = ctx.Queue()
        p = ctx.Process(target=_child_read_inherited, args=(q, a))
        p.start()
        child_pid, inherited_pid, values = q.get(timeout=60)
        p.join(60)
        assert p.exitcode == 0
        assert inherited_pid == os.getpid() != child_pid
        assert values == x[5:9, [1]].tolist()
    np.testing.assert_array_equal(a.read(990, 1000), x[990:])
    a.close()


def test_hdf5_in_memory_file_has_no_recipe(tmp_path: Path) -> None:
    f = h5py.File(tmp_path / "mem.h5", "w", driver="core", backing_store=False)
    f["d"] = np.arange(5)
    a = HDF5Array(f["d"])
    with pytest.raises(SourceError, match=r"'core' driver"):
        a.recipe()
    with pytest.raises(SourceError, match=r"'core' driver"):
        pickle.dumps(a)
    np.testing.assert_array_equal(a.read(1, 3), [1, 2])
    f.close()


def test_hdf5_bad_input(tmp_path: Path) -> None:
    with pytest.raises(MemphysFileNotFoundError, match=r"nope.h5"):
        HDF5Array(tmp_path / "nope.h5", "d")
    with pytest.raises(MemphysFileNotFoundError, match=r"nope.h5"):
        from_recipe({"kind": "hdf5", "path": str(tmp_path / "nope.h5"), "name": "d"})
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5" * 100)
    with pytest.raises(FileFormatError, match=r"bad.h5.*expected an HDF5 file"):
        HDF5Array(bad, "d")
    path = _write(tmp_path / "ok.h5", np.zeros((4, 2)))
    with pytest.raises(SourceError, match=r"`name`.*found nothing at 'missing'"):
        HDF5Array(path, "missing")
    with pytest.raises(SourceError, match=r"found a Group at 'acq'"):
        HDF5Array(path, "acq")
    with pytest.raises(MemphysTypeError, match=r"`name`"):
        HDF5Array(path)
    with pytest.raises(MemphysTypeError, match=r"`source`"):
        HDF5Array(3)
    _HANDLES.close(str(path))  # the failed lookups above opened the cached handle
    with h5py.File(path, "a") as f:
        f["scalar"] = 1.0
    with pytest.raises(SourceError, match=r"scalar"):
        HDF5Array(path, "scalar")
    with pytest.raises(SourceError, match=r"'path' and 'name'"):
        from_recipe({"kind": "hdf5", "path": str(path)})
    _HANDLES.close(str(path))
