"""Implementations that a lower layer calls and a higher layer provides (dependency inversion).

Two tables live here, at the bottom of the layers beside ``config`` and ``errors``:

- **methods**: ``Tsd.convolve``, ``smooth`` and ``decimate`` are scipy-based analyses
  implemented in :mod:`memphys.process`, which sits above ``core``. ``core`` never imports
  ``process``: the methods look their implementation up here by name, and ``process``
  registers them (as loaders, so nothing is imported until a method is first called;
  :func:`memphys.process.register_core_methods`);
- **writers**: ``obj.save(filename, **kwargs)`` calls :func:`save_object`, which hands
  ``obj`` to the writer registered for the suffix of ``filename`` by :mod:`memphys.io`, or
  to the default writer (pynapple's ``.npz``, which also takes any unregistered suffix, as
  pynapple does). The data model knows no file format.

``import memphys`` fills both. They sit beneath ``core`` because filling them while
``memphys`` is imported must import nothing else: reaching a module of ``core`` would
import the whole data model, pandas included, and multiply the import time. A third party
may register its own methods and writers.

Examples
--------
>>> import memphys
>>> from memphys.registry import get_method, register_method, unregister_method
>>> register_method("example_double", lambda x: 2 * x)
>>> get_method("example_double")(21)
42
>>> unregister_method("example_double")
>>> writer_suffixes()
['.bin', '.dat', '.npy', '.npz', '.raw', '.zarr']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from memphys.errors import MemphysRuntimeError, MemphysTypeError

__all__ = [
    "DEFAULT_SUFFIX",
    "Writer",
    "get_method",
    "register_method",
    "register_writer",
    "registered_methods",
    "save_object",
    "unregister_method",
    "writer_suffixes",
]


class _Registry:
    """The one holder of method implementations (functions, or loaders of functions)."""

    def __init__(self) -> None:
        self.functions: dict[str, Callable[..., Any]] = {}
        self.loaders: dict[str, Callable[[], Callable[..., Any]]] = {}


_REGISTRY = _Registry()


def register_method(
    name: str,
    func: Callable[..., Any] | None = None,
    *,
    loader: Callable[[], Callable[..., Any]] | None = None,
) -> None:
    """Register the implementation of the method ``name``: ``func`` itself, or a
    ``loader`` returning it on first use (so that registering imports nothing).

    A later registration replaces an earlier one.
    """
    if (func is None) == (loader is None):
        raise MemphysTypeError(
            "Invalid arguments for register_method: expected exactly one of `func` and `loader`."
        )
    target = func if func is not None else loader
    if not callable(target):
        raise MemphysTypeError(
            f"Invalid type for the implementation of {name!r}: expected a callable, but got "
            f"{type(target).__name__}."
        )
    _REGISTRY.functions.pop(name, None)
    _REGISTRY.loaders.pop(name, None)
    if func is not None:
        _REGISTRY.functions[name] = func
    else:
        assert loader is not None
        _REGISTRY.loaders[name] = loader


def unregister_method(name: str) -> None:
    """Forget the implementation of ``name`` (no error if there is none)."""
    _REGISTRY.functions.pop(name, None)
    _REGISTRY.loaders.pop(name, None)


def registered_methods() -> list[str]:
    """Names of the registered methods.

    >>> "convolve" in registered_methods()
    True
    """
    return sorted(set(_REGISTRY.functions) | set(_REGISTRY.loaders))


def get_method(name: str) -> Callable[..., Any]:
    """The implementation of the method ``name`` (loading it on first use).

    Raises
    ------
    memphys.errors.MemphysRuntimeError
        If nothing registered it.
    """
    func = _REGISTRY.functions.get(name)
    if func is not None:
        return func
    loader = _REGISTRY.loaders.get(name)
    if loader is None:
        raise MemphysRuntimeError(
            f"No implementation of the method {name!r} is registered: it is provided by "
            "memphys.process, registered by `import memphys`. Import memphys (not only "
            "memphys.core), or register one with memphys.registry.register_method."
        )
    func = loader()
    _REGISTRY.functions[name] = func
    _REGISTRY.loaders.pop(name, None)
    return func


# ---------------------------------------------------------------- writers

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
    >>> from memphys.registry import _WRITERS, register_writer
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
