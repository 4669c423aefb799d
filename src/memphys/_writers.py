"""Where ``save()`` finds its writer: file suffix -> writer, filled by :mod:`memphys.io`.

The data model (``core``) knows no file format: ``obj.save(filename, **kwargs)`` calls
:func:`save_object`, which hands ``obj`` to the writer registered for the suffix of
``filename``, or to the default writer (pynapple's ``.npz``, which also replaces any
unregistered suffix, as pynapple does). ``memphys.io`` registers its writers when
``memphys`` is imported.

The registry lives here, beneath ``core``, rather than in it: ``memphys.io`` fills it while
``memphys`` is imported, and reaching a module of ``core`` would import all of ``core``
(and pandas) at that moment, doubling the import time of ``memphys``.

Examples
--------
>>> import memphys
>>> from memphys._writers import writer_suffixes
>>> writer_suffixes()
['.bin', '.dat', '.npy', '.npz', '.raw', '.zarr']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from memphys.errors import MemphysRuntimeError, MemphysTypeError

__all__ = ["DEFAULT_SUFFIX", "Writer", "register_writer", "save_object", "writer_suffixes"]

#: ``writer(obj, filename, **kwargs)``: writes ``obj``; may return a report (or None).
Writer = Callable[..., Any]

#: The suffix whose writer takes every filename with no registered suffix (pynapple's).
DEFAULT_SUFFIX = ".npz"

_WRITERS: dict[str, Writer] = {}


def _suffix(suffix: str) -> str:
    if not isinstance(suffix, str) or not suffix.strip("."):
        raise MemphysTypeError(
            f"Invalid value for `suffix`: expected a string such as '.zarr', but got {suffix!r}."
        )
    return "." + suffix.lower().lstrip(".")


def register_writer(suffix: str, writer: Writer) -> None:
    """Make ``obj.save("x" + suffix, **kwargs)`` call ``writer(obj, "x" + suffix, **kwargs)``.

    Examples
    --------
    >>> from memphys._writers import _WRITERS, register_writer
    >>> register_writer("TXT", lambda obj, filename: None)
    >>> ".txt" in _WRITERS
    True
    >>> del _WRITERS[".txt"]
    """
    _WRITERS[_suffix(suffix)] = writer


def writer_suffixes() -> list[str]:
    """The registered suffixes, sorted."""
    return sorted(_WRITERS)


def save_object(obj: Any, filename: Any, **kwargs: Any) -> Any:
    """Write ``obj`` with the writer of ``filename``'s suffix (the ``.npz`` one by default).

    Returns what the writer returns (a ``SaveReport`` for ``.zarr``, else None).

    Raises
    ------
    MemphysRuntimeError
        If no writer is registered for the suffix nor for ``.npz`` (``memphys.io`` was not
        imported, which ``import memphys`` does).
    """
    suffix = ""
    if isinstance(filename, str | os.PathLike):
        suffix = os.path.splitext(os.fspath(filename).rstrip("/\\"))[1].lower()
    writer = _WRITERS.get(suffix) or _WRITERS.get(DEFAULT_SUFFIX)
    if writer is None:
        raise MemphysRuntimeError(
            f"Cannot save to {filename!r}: no writer is registered for {suffix or 'it'!r} nor "
            f"for {DEFAULT_SUFFIX!r}. `import memphys` registers memphys.io's writers."
        )
    return writer(obj, filename, **kwargs)
