"""Adapter over any array-like with ``shape``, ``dtype`` and ``__getitem__``.

Examples
--------
>>> import numpy as np
>>> from memphys.arrays import DuckArray
>>> class Rows:
...     shape, dtype = (3, 2), np.dtype("int64")
...     def __getitem__(self, key):
...         return np.arange(6).reshape(3, 2)[key]
>>> DuckArray(Rows()).read(1, 3, channels=[1])
array([[3],
       [5]])
"""

from __future__ import annotations

import numbers
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

from memphys.arrays._select import decode_payload, encode_payload
from memphys.arrays.base import LazyArray, register_adapter
from memphys.errors import MemphysTypeError, SourceError

__all__ = ["DuckArray"]


@register_adapter
class DuckArray(LazyArray):
    """Adapter over an array-like object (``shape``, ``dtype`` and ``__getitem__``).

    A read asks the object for ``obj[start:stop]`` (all channels) and selects channels in
    memory. The recipe embeds the pickled object (base64) when it pickles to at most 1 MiB;
    pickling the adapter pickles the object, whatever its size.

    Recipes of this kind hold a pickle: rebuild them only from trusted sources.

    Parameters
    ----------
    obj : array-like
        Object with ``shape`` (a tuple of ints, at least one dimension), ``dtype`` and
        ``__getitem__`` accepting a slice along axis 0.

    Examples
    --------
    >>> import numpy as np
    >>> class Wrapped:
    ...     def __init__(self, x):
    ...         self.x, self.shape, self.dtype = x, x.shape, x.dtype
    ...     def __getitem__(self, key):
    ...         return self.x[key]
    >>> a = DuckArray(Wrapped(np.arange(4.0)))
    >>> a[::2]
    array([0., 2.])
    """

    kind = "duck"

    def __init__(self, obj: Any) -> None:
        for attr in ("shape", "dtype", "__getitem__"):
            if not hasattr(obj, attr):
                raise MemphysTypeError(
                    "Invalid type for `obj`: expected an array-like with shape, dtype and "
                    f"__getitem__, but got {type(obj).__name__} (no `{attr}`)."
                )
        shape = obj.shape
        try:
            shape_t = tuple(int(s) for s in shape)
            ok = all(isinstance(s, numbers.Integral) and int(s) >= 0 for s in shape)
        except (TypeError, ValueError):
            ok = False
        if not ok or len(shape_t) == 0:
            raise MemphysTypeError(
                f"Invalid value for `obj.shape`: expected a tuple of non-negative integers with "
                f"at least one dimension, but got {shape!r}."
            )
        try:
            dtype = np.dtype(obj.dtype)
        except TypeError as exc:
            raise MemphysTypeError(
                f"Invalid value for `obj.dtype`: expected a numpy dtype, but got {obj.dtype!r}."
            ) from exc
        self._obj = obj
        self.shape = shape_t
        self.dtype = dtype

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        block = np.asarray(self._obj[start:stop], dtype=self.dtype)
        expected = (stop - start, *self.shape[1:])
        if block.shape != expected:
            raise SourceError(
                f"{type(self._obj).__name__}[{start}:{stop}] returned an array of shape "
                f"{block.shape}: expected shape {expected}."
            )
        if self.ndim >= 2:
            block = block[:, channels]
        return block

    def recipe(self) -> dict[str, Any]:
        """Embed the pickled object when it pickles to at most 1 MiB, else raise SourceError."""
        name = type(self._obj).__name__
        try:
            data = pickle.dumps(self._obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise SourceError(
                f"Cannot build a recipe for a {name} object: expected a picklable object, "
                f"but pickling failed ({exc}). Save the data to a .npy file or a zarr store "
                "and wrap that instead."
            ) from exc
        return {"kind": self.kind, "payload": encode_payload(data, f"a {name} object")}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> DuckArray:
        raw = decode_payload(recipe)
        try:
            obj = pickle.loads(raw)
        except Exception as exc:
            raise SourceError(
                f"Cannot rebuild a duck array from its recipe: unpickling failed ({exc})."
            ) from exc
        return cls(obj)

    def __reduce__(self) -> tuple[Callable[..., DuckArray], tuple[Any]]:
        return (DuckArray, (self._obj,))
