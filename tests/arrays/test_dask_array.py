"""DaskArray: synchronous block reads and cloudpickle recipes."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from memphys.arrays import MemmapArray, as_lazy, from_recipe  # noqa: E402
from memphys.arrays.dask_array import DaskArray, _dumps  # noqa: E402
from memphys.errors import MemphysTypeError, SourceError  # noqa: E402

SHAPES = [(23,), (23, 5), (17, 4, 3)]


def _data(shape: tuple[int, ...], dtype: str = "int32") -> np.ndarray:
    return (np.arange(int(np.prod(shape))) * 7 - 50).astype(dtype).reshape(shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_dask_matches_numpy(check_adapter: Callable, shape: Any) -> None:
    x = _data(shape, "float64")
    d = da.from_array(x, chunks=(5, *shape[1:]))
    a = as_lazy(d)
    assert type(a) is DaskArray
    check_adapter(a, x)


def test_dask_lazy_expression(check_adapter: Callable) -> None:
    x = _data((40, 6), "float32")
    d = da.from_array(x, chunks=(7, 3)) * 2 + 1
    check_adapter(DaskArray(d), x * 2 + 1)


def test_dask_uses_synchronous_scheduler() -> None:
    import threading

    seen: list[str] = []

    def block(b: np.ndarray) -> np.ndarray:
        seen.append(threading.current_thread().name)
        return b

    x = _data((30, 2))
    d = da.from_array(x, chunks=(5, 2)).map_blocks(block, dtype=x.dtype)
    np.testing.assert_array_equal(DaskArray(d).read(0, 30), x)
    assert seen
    assert set(seen) == {threading.current_thread().name}


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ((5, 2), (5, 2)),
        ((10, 4), (10, 4)),
        (((3, 7, 10, 3), (4,)), None),
        (((10, 10, 3), (1, 3)), None),
        (((10, 10, 3), (2, 2)), (10, 2)),
    ],
)
def test_dask_chunks(chunks: Any, expected: Any) -> None:
    assert DaskArray(da.zeros((23, 4), chunks=chunks)).chunks == expected


def test_dask_recipe_and_pickle(check_recipe: Callable, read_in_subprocess: Callable) -> None:
    x = _data((60, 4), "int16")
    a = DaskArray(da.from_array(x, chunks=(16, 4))[:, ::-1] - 3)
    recipe = check_recipe(a, x[:, ::-1] - 3, max_len=10_000)  # embeds x: 480 bytes
    assert recipe["kind"] == "dask"
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(b.read(10, 20, channels=[0]), (x[:, ::-1] - 3)[10:20, [0]])
    got = read_in_subprocess(json.loads(json.dumps(recipe)), 5, 50, [3, 1])
    np.testing.assert_array_equal(got, a.read(5, 50, channels=[3, 1]))


def test_dask_over_large_memmap_recipe_is_small(tmp_path: Path) -> None:
    path = tmp_path / "big.dat"
    with open(path, "wb") as f:
        f.truncate(1 << 30)  # sparse
    shape = ((1 << 29) // 16, 16)
    d = da.from_array(MemmapArray(path, "int16", shape), chunks=(1 << 20, 16))
    a = DaskArray(d.astype("float32") * 0.5)
    assert len(json.dumps(a.recipe())) < 20_000
    assert len(pickle.dumps(a)) < 20_000
    b = from_recipe(a.recipe())
    np.testing.assert_array_equal(b.read(7, 9, channels=[15]), np.zeros((2, 1), "float32"))


def test_memmaps_in_graph_pickle_as_recipes(tmp_path: Path) -> None:
    path = tmp_path / "m.dat"
    x = _data((1000, 8), "float64")
    x.tofile(path)
    mm = np.memmap(path, dtype="float64", mode="r", shape=x.shape)
    payload = _dumps({"block": mm[100:900]})
    assert len(payload) < 1000 < x[100:900].nbytes
    back = pickle.loads(payload)["block"]
    assert isinstance(back, np.memmap)
    np.testing.assert_array_equal(back, x[100:900])


def test_dask_bad_input() -> None:
    with pytest.raises(MemphysTypeError, match=r"`arr`"):
        DaskArray(np.zeros(3))
    with pytest.raises(SourceError, match=r"known shape"):
        DaskArray(da.from_array(np.arange(10), chunks=5)[da.from_array(np.arange(10)) > 3])
    with pytest.raises(SourceError, match=r"known shape"):
        DaskArray(da.from_array(np.float64(1.0)))
    with pytest.raises(SourceError, match=r"unpickling failed"):
        from_recipe({"kind": "dask", "payload": "AAAA"})
