"""Private helpers shared by the adapters: slice-only reads and small recipe payloads.

Sources such as HDF5 and zarr are read with basic slices only. An integer channel
selection is turned into the bounding channel slice, read once, and selected in memory,
never point by point.

Examples
--------
>>> import numpy as np
>>> bounding_slice(np.array([4, 2, 2]))
(slice(2, 5, 1), array([2, 0, 0]))
>>> bounding_slice(slice(0, 3, 1))
(slice(0, 3, 1), None)
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import numpy as np

from memphys.errors import SourceError

__all__ = [
    "MAX_EMBEDDED_BYTES",
    "bounding_slice",
    "read_sliced",
    "decode_payload",
    "encode_payload",
]

#: Largest payload (in bytes, before base64) that a recipe may embed.
MAX_EMBEDDED_BYTES = 1 << 20


def bounding_slice(channels: slice | np.ndarray) -> tuple[slice, np.ndarray | None]:
    """Split a normalised channel selection into a source slice and an in-memory selection.

    Returns ``(sl, local)``: read ``source[..., sl]``, then apply ``block[:, local]`` when
    ``local`` is not None. Slices with a positive step are passed through unchanged.
    """
    if isinstance(channels, slice):
        if channels.step is not None and channels.step < 0:
            start, stop, step = channels.start, channels.stop, channels.step
            return bounding_slice(np.arange(start, stop, step, dtype=np.int64))
        return channels, None
    idx = np.asarray(channels, dtype=np.int64)
    if idx.size == 0:
        return slice(0, 0, 1), None
    lo, hi = int(idx.min()), int(idx.max()) + 1
    local = idx - lo
    if local.size == hi - lo and np.array_equal(local, np.arange(hi - lo)):
        return slice(lo, hi, 1), None
    return slice(lo, hi, 1), local


def read_sliced(
    getitem: Callable[[tuple[slice, ...]], Any],
    ndim: int,
    start: int,
    stop: int,
    channels: slice | np.ndarray,
) -> np.ndarray:
    """Read rows ``[start, stop)`` through ``getitem`` using basic slices only.

    ``getitem`` receives a tuple of slices (one for 1-D sources, two otherwise) and returns
    an array-like; the channel selection is completed in memory.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(12).reshape(3, 4)
    >>> read_sliced(x.__getitem__, 2, 0, 2, np.array([3, 1]))
    array([[3, 1],
           [7, 5]])
    """
    if ndim < 2:
        return np.asarray(getitem((slice(start, stop),)))
    sl, local = bounding_slice(channels)
    block = np.asarray(getitem((slice(start, stop), sl)))
    if local is not None:
        block = block[:, local]
    return block


def encode_payload(data: bytes, what: str) -> str:
    """Base64-encode ``data`` for a recipe, refusing payloads over :data:`MAX_EMBEDDED_BYTES`.

    Examples
    --------
    >>> encode_payload(b"abc", "a test payload")
    'YWJj'
    """
    if len(data) > MAX_EMBEDDED_BYTES:
        raise SourceError(
            f"Cannot build a recipe for {what}: expected at most {MAX_EMBEDDED_BYTES} bytes to "
            f"embed, but got {len(data)} bytes. A recipe rebuilds an array in another process "
            "from a file or store; write the data to a .npy file or a zarr store and wrap that "
            "instead (pickling the adapter still works in this case)."
        )
    return base64.b64encode(data).decode("ascii")


def decode_payload(recipe: dict[str, Any], key: str = "payload") -> bytes:
    """Return the bytes embedded under ``recipe[key]``, raising SourceError when malformed.

    Examples
    --------
    >>> decode_payload({"kind": "x", "payload": "YWJj"})
    b'abc'
    """
    text = recipe.get(key)
    if not isinstance(text, str):
        raise SourceError(
            f"Invalid value for `recipe[{key!r}]`: expected a base64 string, but got "
            f"{type(text).__name__}."
        )
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise SourceError(
            f"Invalid value for `recipe[{key!r}]`: expected a base64 string, but got "
            f"undecodable text ({exc})."
        ) from exc
