"""The lazy array protocol every data source is wrapped in.

A :class:`LazyArray` has ``shape``, ``dtype``, ``ndim``, reads *contiguous* time
slices with :meth:`LazyArray.read`, and describes itself with :meth:`LazyArray.recipe`,
a small JSON-able dict from which :func:`from_recipe` rebuilds an equal adapter in
another process. Pickling an adapter sends its recipe, never its bytes.

Axis 0 is always time. Basic indexing (integers and slices, step allowed) is supported
through ``__getitem__`` and translates into one contiguous read; fancy indexing is
refused, because on HDF5 or Zarr it is 10-20x slower than a slice and over a whole time
support it is how whole arrays end up in memory.

Examples
--------
>>> import numpy as np
>>> from memphys.arrays import as_lazy, from_recipe
>>> a = as_lazy(np.arange(12, dtype="int16").reshape(6, 2))
>>> a.shape, a.dtype
((6, 2), dtype('int16'))
>>> a.read(1, 3)
array([[2, 3],
       [4, 5]], dtype=int16)
>>> a[4:, 1]
array([ 9, 11], dtype=int16)
"""

from __future__ import annotations

import abc
import numbers
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from memphys.errors import MemphysTypeError, SourceError

__all__ = [
    "LazyArray",
    "ChannelSelection",
    "register_adapter",
    "from_recipe",
    "normalize_channels",
]

#: A channel (axis 1) selection: None for all, a slice, or a sequence of integer positions.
ChannelSelection = slice | Sequence[int] | np.ndarray | None

#: Recipe ``kind`` -> adapter class. Every adapter module registers its class when it is
#: imported, and ``memphys.arrays`` imports them all (their heavy libraries, zarr, h5py and
#: dask, are imported only when an adapter is made), so a recipe is rebuilt in any process
#: that has imported memphys.
_REGISTRY: dict[str, type[LazyArray]] = {}


def register_adapter(cls: type[LazyArray]) -> type[LazyArray]:
    """Class decorator: make ``cls`` rebuildable from recipes whose ``kind`` is ``cls.kind``."""
    if not getattr(cls, "kind", None):
        raise TypeError(f"{cls.__name__} must define a non-empty class attribute `kind`")
    _REGISTRY[cls.kind] = cls
    return cls


def from_recipe(recipe: dict[str, Any]) -> LazyArray:
    """Rebuild an adapter from the dict returned by :meth:`LazyArray.recipe`.

    Raises
    ------
    memphys.errors.SourceError
        If the recipe's ``kind`` is unknown or its source cannot be opened.
    """
    if not isinstance(recipe, dict) or "kind" not in recipe:
        raise SourceError(
            f"Invalid value for `recipe`: expected a dict with a 'kind' key, but got {recipe!r}."
        )
    kind = recipe["kind"]
    cls = _REGISTRY.get(kind) if isinstance(kind, str) else None
    if cls is None:
        kinds = ", ".join(sorted(_REGISTRY))
        raise SourceError(
            f"Unknown array recipe kind {recipe['kind']!r}: allowed kinds are {kinds}."
        )
    return cls.from_recipe(recipe)


def normalize_channels(channels: ChannelSelection, n: int) -> slice | np.ndarray:
    """Return ``channels`` as a slice or an int64 array of positions in ``range(n)``.

    Examples
    --------
    >>> normalize_channels(None, 4)
    slice(0, 4, 1)
    >>> normalize_channels([3, -1], 4)
    array([3, 3])
    """
    if channels is None:
        return slice(0, n, 1)
    if isinstance(channels, slice):
        start, stop, step = channels.indices(n)
        if step < 0:
            # a reversed slice has no positive-step equivalent: give positions instead
            return np.arange(start, stop, step, dtype=np.int64)
        return slice(start, stop, step)
    if isinstance(channels, numbers.Integral):
        channels = [int(channels)]
    idx = np.asarray(channels)
    if idx.size == 0 and idx.ndim == 1:
        return np.zeros(0, dtype=np.int64)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise MemphysTypeError(
                f"Invalid value for `channels`: expected a boolean mask of length {n}, "
                f"but got shape {idx.shape}."
            )
        return np.flatnonzero(idx)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise MemphysTypeError(
            "Invalid value for `channels`: expected None, a slice or a 1-D sequence of "
            f"integers, but got {channels!r}."
        )
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise SourceError(
            f"Invalid value for `channels`: positions must be in [-{n}, {n}), "
            f"but got {idx.tolist()}."
        )
    return np.where(idx < 0, idx + n, idx)


class LazyArray(abc.ABC):
    """Abstract lazy array: shape, dtype, contiguous reads along axis 0, and a recipe.

    Subclasses implement :meth:`_read` (a contiguous ``[start, stop)`` block along axis 0
    and a channel selection along axis 1), :meth:`recipe` and :meth:`from_recipe`, and set
    ``shape``/``dtype`` in ``__init__``. Everything else (bounds checks, basic indexing,
    pickling, ``np.asarray``) is provided here.
    """

    #: Name under which recipes of this adapter are registered.
    kind: ClassVar[str] = ""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]

    # --- the contract --------------------------------------------------------------
    @abc.abstractmethod
    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        """Return rows ``[start, stop)`` (0 <= start <= stop <= len) as a numpy array.

        ``channels`` is already normalised (a slice with positive step, or an int64 array)
        and applies to axis 1; for 1-D arrays it is ``slice(None)`` and must be ignored.
        """

    @abc.abstractmethod
    def recipe(self) -> dict[str, Any]:
        """A small JSON-able dict, with a ``kind`` key, that rebuilds an equal adapter."""

    @classmethod
    @abc.abstractmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> LazyArray:
        """Rebuild an adapter from :meth:`recipe` (opening files again if needed)."""

    # --- optional ------------------------------------------------------------------
    @property
    def chunks(self) -> tuple[int, ...] | None:
        """The source's own chunk shape (zarr, HDF5), or None for contiguous sources."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release file handles (a later read may reopen them)."""

    # --- derived -------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def itemsize(self) -> int:
        return int(self.dtype.itemsize)

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    @property
    def row_nbytes(self) -> int:
        """Bytes in one row (one time sample across all other axes)."""
        return int(np.prod(self.shape[1:], dtype=np.int64)) * self.itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def read(
        self, start: int = 0, stop: int | None = None, channels: ChannelSelection = None
    ) -> np.ndarray:
        """Read rows ``[start, stop)`` along axis 0, optionally a channel selection on axis 1.

        Negative ``start``/``stop`` count from the end, as in Python slices; bounds past the
        ends are clipped. The result is always a new or read-only numpy array.
        """
        n = self.shape[0]
        start, stop, _ = slice(start, stop).indices(n)
        stop = max(stop, start)
        if self.ndim >= 2:
            ch = normalize_channels(channels, self.shape[1])
        else:
            if channels is not None:
                raise MemphysTypeError(
                    f"Invalid value for `channels`: the array is 1-D, but got {channels!r}."
                )
            ch = slice(None)
        return self._read(start, stop, ch)

    def __getitem__(self, key: Any) -> np.ndarray | np.generic:
        """Basic indexing: integers and slices (with steps) only.

        Returns an array, or a numpy scalar when every axis is indexed by an integer.

        Anything else (integer arrays, boolean masks) raises :class:`TypeError`, because
        fancy indexing a lazy source reads it point by point or whole.
        """
        if not isinstance(key, tuple):
            key = (key,)
        if any(k is Ellipsis for k in key):
            i = next(j for j, k in enumerate(key) if k is Ellipsis)
            fill = (slice(None),) * (self.ndim - len(key) + 1)
            key = key[:i] + fill + key[i + 1 :]
        if len(key) > self.ndim:
            raise IndexError(f"too many indices for a {self.ndim}-D lazy array: got {len(key)}")
        for k in key:
            if not (isinstance(k, (slice, numbers.Integral))):
                raise MemphysTypeError(
                    f"{type(self).__name__} supports only integer and slice indexing "
                    f"(fancy indexing a lazy source would read it point by point); got {k!r}. "
                    "Read a contiguous block with `.read(start, stop)` and index that."
                )
        k0 = key[0] if key else slice(None)
        n = self.shape[0]
        if isinstance(k0, numbers.Integral):
            i = int(k0)
            if i < -n or i >= n:
                raise IndexError(f"index {i} is out of bounds for axis 0 with size {n}")
            i = i + n if i < 0 else i
            rows = (i, i + 1, 1)
        else:
            rows = k0.indices(n)
        start, stop, step = rows
        if step < 0:
            # read the covered range forwards, then reverse
            lo = stop + 1
            hi = start + 1
            if hi <= lo:
                block_start, block_stop = 0, 0
            else:
                block_start, block_stop = lo, hi
        else:
            block_start, block_stop = start, max(stop, start)
        ch: ChannelSelection = None
        rest = key[1:]
        if self.ndim >= 2 and rest:
            k1 = rest[0]
            if isinstance(k1, numbers.Integral):
                m = self.shape[1]
                j = int(k1)
                if j < -m or j >= m:
                    raise IndexError(f"index {j} is out of bounds for axis 1 with size {m}")
                ch = slice(j % m, j % m + 1)
            else:
                ch = k1
        block = self.read(block_start, block_stop, ch)
        if step < 0:
            block = block[::-1][::-step]
        elif step > 1:
            block = block[::step]
        out_key: tuple[Any, ...] = (0 if isinstance(k0, numbers.Integral) else slice(None),)
        if self.ndim >= 2 and rest:
            out_key += (0 if isinstance(rest[0], numbers.Integral) else slice(None),)
            out_key += tuple(rest[1:])
        out: np.ndarray | np.generic = block[out_key]
        return out

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """Read the whole array: only when the caller asks for exactly that."""
        out = self.read(0, self.shape[0])
        return out.astype(dtype, copy=False) if dtype is not None else out

    def __reduce__(self) -> tuple[Callable[..., LazyArray], tuple[dict[str, Any]]]:
        return (from_recipe, (self.recipe(),))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} shape={self.shape} dtype={self.dtype}>"
