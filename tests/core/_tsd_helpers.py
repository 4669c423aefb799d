"""Shared helpers of the data-method tests: a spy adapter and paired lazy/in-memory data."""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.arrays import LazyArray, NumpyArray


class SpyArray(LazyArray):
    """A lazy source over a numpy array that counts reads and rows read."""

    kind = "test.spy"

    def __init__(self, data: np.ndarray) -> None:
        self._inner = NumpyArray(data)
        self.shape = self._inner.shape
        self.dtype = self._inner.dtype
        self.reads = 0
        self.rows = 0

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        self.reads += 1
        self.rows += stop - start
        return np.array(self._inner._read(start, stop, channels))

    def recipe(self) -> dict[str, Any]:
        from memphys.errors import MemphysError

        raise MemphysError("no recipe: pickled whole")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> SpyArray:
        raise NotImplementedError

    def __reduce__(self) -> Any:
        return (SpyArray, (np.asarray(self._inner._data),))


def random_epochs(rng: np.random.Generator, t0: float, t1: float, n: int) -> Any:
    """``n`` sorted, disjoint random epochs within ``[t0, t1]``."""
    import memphys as nap

    edges = np.sort(rng.uniform(t0, t1, 2 * n))
    edges = np.unique(np.round(edges, 4))
    if edges.size % 2:
        edges = edges[:-1]
    return nap.IntervalSet(start=edges[0::2], end=edges[1::2])
