"""DuckArray over a minimal array-like (shape, dtype, __getitem__)."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from memphys.arrays import DuckArray, as_lazy, from_recipe
from memphys.errors import MemphysTypeError, SourceError

SHAPES = [(23,), (23, 5), (17, 4, 3)]


class MockArray:
    """Array-like that records every key it is indexed with."""

    def __init__(self, x: np.ndarray) -> None:
        self._x = x
        self.shape = x.shape
        self.dtype = x.dtype
        self.keys: list[Any] = []

    def __getitem__(self, key: Any) -> np.ndarray:
        self.keys.append(key)
        return self._x[key]


class Unpicklable(MockArray):
    def __reduce__(self) -> Any:
        raise TypeError("this object holds a live handle")


class WrongShape(MockArray):
    def __getitem__(self, key: Any) -> np.ndarray:
        return self._x[key][:-1]


def _data(shape: tuple[int, ...], dtype: str = "float32") -> np.ndarray:
    return (np.arange(int(np.prod(shape))) * 3 - 7).astype(dtype).reshape(shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_duck_matches_numpy(check_adapter: Callable, shape: Any) -> None:
    x = _data(shape)
    a = as_lazy(MockArray(x))
    assert type(a) is DuckArray
    check_adapter(a, x)


def test_duck_reads_contiguous_rows_only() -> None:
    obj = MockArray(_data((30, 4)))
    a = DuckArray(obj)
    a.read(3, 12, channels=[3, 0])
    a[20:5:-3, 1]
    assert obj.keys == [slice(3, 12), slice(6, 21)]


def test_duck_recipe_small(check_recipe: Callable) -> None:
    x = _data((12, 3))
    recipe = check_recipe(DuckArray(MockArray(x)), x)
    assert recipe["kind"] == "duck"
    json.dumps(recipe)


def test_duck_recipe_too_large_but_pickles() -> None:
    x = _data((300_000,), "float64")  # 2.4 MB
    a = DuckArray(MockArray(x))
    with pytest.raises(SourceError, match=r"MockArray.*at most 1048576 bytes"):
        a.recipe()
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(b.read(-4), x[-4:])


def test_duck_unpicklable_recipe_refused() -> None:
    a = DuckArray(Unpicklable(_data((5, 2))))
    with pytest.raises(SourceError, match=r"Unpicklable.*picklable object.*live handle"):
        a.recipe()


def test_duck_wrong_block_shape() -> None:
    a = DuckArray(WrongShape(_data((10, 2))))
    with pytest.raises(SourceError, match=r"expected shape \(4, 2\)"):
        a.read(0, 4)


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        (object(), "no `shape`"),
        (type("NoGet", (), {"shape": (3,), "dtype": np.dtype("f8")})(), "__getitem__"),
    ],
)
def test_duck_refuses_non_arrays(obj: Any, match: str) -> None:
    with pytest.raises(MemphysTypeError, match=match):
        DuckArray(obj)


def test_duck_refuses_bad_shape_and_dtype() -> None:
    obj = MockArray(np.zeros(3))
    obj.shape = ()  # type: ignore[assignment]
    with pytest.raises(MemphysTypeError, match=r"`obj.shape`"):
        DuckArray(obj)
    obj.shape = (3,)
    obj.dtype = "no-such-dtype"  # type: ignore[assignment]
    with pytest.raises(MemphysTypeError, match=r"`obj.dtype`"):
        DuckArray(obj)


def test_duck_bad_payload() -> None:
    with pytest.raises(SourceError, match=r"unpickling failed"):
        from_recipe({"kind": "duck", "payload": "AAAA"})
