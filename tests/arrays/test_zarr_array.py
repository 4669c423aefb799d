"""ZarrArray over format-2 and format-3 stores (zarr-python >= 3)."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

zarr = pytest.importorskip("zarr")

from memphys.arrays import as_lazy, from_recipe  # noqa: E402
from memphys.arrays.zarr_array import ZarrArray  # noqa: E402
from memphys.errors import MemphysFileNotFoundError, MemphysTypeError, SourceError  # noqa: E402

SHAPES = [(23,), (23, 5), (17, 4, 3)]


def _data(shape: tuple[int, ...], dtype: str = "int32") -> np.ndarray:
    return (np.arange(int(np.prod(shape))) * 7 - 50).astype(dtype).reshape(shape)


def _chunks(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(max(1, min(s, 3 if i else 4)) for i, s in enumerate(shape))


def _store(tmp_path: Path, x: np.ndarray, fmt: int, path: str = "group/arr") -> Any:
    root = tmp_path / f"s{fmt}.zarr"
    g = zarr.open_group(str(root), mode="a", zarr_format=fmt)
    z = g.create_array(path, shape=x.shape, chunks=_chunks(x.shape), dtype=x.dtype)
    z[...] = x
    return z


class _SpyArray:
    """Wraps a zarr array and records the keys it is read with."""

    def __init__(self, z: Any) -> None:
        self._z = z
        self.keys: list[Any] = []

    def __getitem__(self, key: Any) -> Any:
        self.keys.append(key)
        return self._z[key]


@pytest.mark.parametrize("fmt", [2, 3])
@pytest.mark.parametrize("shape", SHAPES)
def test_zarr_matches_numpy(check_adapter: Callable, tmp_path: Path, fmt: int, shape: Any) -> None:
    x = _data(shape, ">f8" if fmt == 2 else "int16")
    a = as_lazy(_store(tmp_path, x, fmt))
    assert type(a) is ZarrArray
    assert a.chunks == _chunks(shape)
    check_adapter(a, x)


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_recipe_and_subprocess(
    check_recipe: Callable, read_in_subprocess: Callable, tmp_path: Path, fmt: int
) -> None:
    x = _data((200, 6), "<u2")
    a = ZarrArray(_store(tmp_path, x, fmt))
    recipe = check_recipe(a, x)
    assert recipe == {
        "kind": "zarr",
        "store": str(tmp_path / f"s{fmt}.zarr"),
        "path": "group/arr",
        "zarr_format": fmt,
    }
    got = read_in_subprocess(json.loads(json.dumps(recipe)), 17, 150, [4, -1, 0])
    np.testing.assert_array_equal(got, a.read(17, 150, channels=[4, -1, 0]))
    np.testing.assert_array_equal(got, x[17:150][:, [4, -1, 0]])
    assert len(pickle.dumps(a)) < 1000


def test_zarr_root_array_and_path_constructor(tmp_path: Path) -> None:
    x = _data((10, 2))
    root = tmp_path / "root.zarr"
    z = zarr.create_array(store=str(root), shape=x.shape, chunks=(5, 2), dtype=x.dtype)
    z[:] = x
    a = ZarrArray(str(root))
    assert a.recipe()["path"] == ""
    np.testing.assert_array_equal(from_recipe(a.recipe()).read(), x)


def test_zarr_sharded_chunks(tmp_path: Path) -> None:
    x = _data((100, 8), "int16")
    z = zarr.create_array(
        store=str(tmp_path / "sh.zarr"), shape=x.shape, chunks=(10, 4), shards=(50, 8), dtype="i2"
    )
    z[:] = x
    a = ZarrArray(z)
    assert a.chunks == (10, 4)
    assert a.write_chunks == (50, 8)
    np.testing.assert_array_equal(a.read(45, 62, channels=[7, 1]), x[45:62][:, [7, 1]])
    unsharded = ZarrArray(_store(tmp_path, x, 3))
    assert unsharded.write_chunks == unsharded.chunks


def test_zarr_reads_use_slices_only(tmp_path: Path) -> None:
    x = _data((40, 10))
    a = ZarrArray(_store(tmp_path, x, 3))
    spy = _SpyArray(a.array)
    a._arr = spy  # type: ignore[assignment]
    got = a.read(5, 20, channels=[7, 2, 2, -1])
    np.testing.assert_array_equal(got, x[5:20][:, [7, 2, 2, -1]])
    a.read(0, 3, channels=slice(None, None, -2))
    assert spy.keys == [(slice(5, 20), slice(2, 10, 1)), (slice(0, 3), slice(1, 10, 1))]
    for key in spy.keys:
        assert all(isinstance(k, slice) for k in key)


def test_zarr_memory_store(tmp_path: Path) -> None:
    x = _data((30, 3), "float32")
    z = zarr.create_array(store=zarr.storage.MemoryStore(), shape=x.shape, dtype=x.dtype)
    z[:] = x
    a = ZarrArray(z)
    with pytest.raises(SourceError, match=r"MemoryStore.*cannot be rebuilt from a recipe"):
        a.recipe()
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(b.read(3, 9, channels=[2]), x[3:9, [2]])


def test_zarr_bad_input(tmp_path: Path) -> None:
    missing = tmp_path / "missing.zarr"
    with pytest.raises(MemphysFileNotFoundError, match=r"missing.zarr"):
        from_recipe({"kind": "zarr", "store": str(missing), "path": "", "zarr_format": 3})
    _store(tmp_path, _data((4, 2)), 3)
    with pytest.raises(SourceError, match=r"'nope'.*s3.zarr"):
        ZarrArray(str(tmp_path / "s3.zarr"), path="nope")
    with pytest.raises(SourceError, match=r"`recipe\['store'\]`"):
        from_recipe({"kind": "zarr", "path": ""})
    with pytest.raises(MemphysTypeError, match=r"`source`"):
        ZarrArray(np.zeros(3))
    z0 = zarr.create_array(store=str(tmp_path / "z0.zarr"), shape=(), dtype="f8")
    with pytest.raises(SourceError, match=r"0-d"):
        ZarrArray(z0)
