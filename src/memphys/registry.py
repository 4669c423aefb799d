"""Implementations that a lower layer calls and a higher layer provides (dependency inversion).

``Tsd.convolve``, ``smooth`` and ``decimate`` are scipy-based analyses implemented in
:mod:`memphys.process`, which sits above ``core``. ``core`` never imports ``process``: the
methods look their implementation up here by name, and ``process`` registers them (as
loaders, so nothing is imported until a method is first called). ``import memphys`` wires
them (:func:`memphys.process.register_core_methods`); a third party may register its own.

The registry sits at the bottom of the layers, beside ``config`` and ``errors``, so that
filling it at ``import memphys`` time imports nothing else (importing a module of
``core`` would import the whole data model, pandas included, and quadruple the import
time).

Examples
--------
>>> from memphys.registry import get_method, register_method
>>> register_method("example_double", lambda x: 2 * x)
>>> get_method("example_double")(21)
42
>>> unregister_method("example_double")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from memphys.errors import MemphysRuntimeError, MemphysTypeError

__all__ = ["get_method", "register_method", "registered_methods", "unregister_method"]


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
