"""The data model's classes, registered by themselves, for the modules beneath them.

Imports in ``core`` point one way: ``IntervalSet`` lies beneath ``Ts`` (a time series has
a time support), the base classes beneath ``Ts``/``Tsd``/``TsdFrame``/``TsdTensor``, the
method modules (``_tsd_*.py``) beneath the classes whose methods they are, and ``TsGroup``
above them all. A module that must still *build* an object of a class above it
(``IntervalSet.starts`` is a ``Ts``; ``np.stack`` of two ``Tsd`` a ``TsdFrame``;
``Tsd.to_tsgroup`` a ``TsGroup``) finds the class here. Each class registers itself with
:func:`register_kind` where it is defined, and ``memphys.core`` imports them all, so the
registry is complete as soon as any module of ``core`` is imported.

Examples
--------
>>> import memphys.core
>>> from memphys.core._kinds import kind, series_class
>>> kind("TsGroup").__name__, series_class(2).__name__, series_class(5).__name__
('TsGroup', 'TsdFrame', 'TsdTensor')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from memphys.errors import MemphysRuntimeError

__all__ = ["kind", "register_kind", "series_class"]

_T = TypeVar("_T", bound=type)

_BY_NAME: dict[str, type] = {}
_BY_NDIM: dict[int, type] = {}


def register_kind(*, ndim: int | None = None) -> Callable[[_T], _T]:
    """Class decorator: register a class under its name (and, for a time series, ``ndim``).

    ``ndim`` is the number of dimensions of the values of a time series of this class:
    0 for one without values (``Ts``), 1 for ``Tsd``, 2 for ``TsdFrame``, 3 for
    ``TsdTensor`` (which also serves any larger ``ndim``). Subclasses are not registered
    unless decorated themselves, so a user's subclass never replaces a memphys class.
    """

    def decorate(cls: _T) -> _T:
        _BY_NAME[cls.__name__] = cls
        if ndim is not None:
            _BY_NDIM[ndim] = cls
        return cls

    return decorate


def kind(name: str) -> type[Any]:
    """The registered class called ``name`` (``"Ts"``, ``"Tsd"``, ..., ``"TsGroup"``)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise MemphysRuntimeError(
            f"No class {name!r} is registered: expected one of {', '.join(sorted(_BY_NAME))}. "
            "Import memphys.core to register the data model."
        ) from None


def series_class(ndim: int) -> type[Any]:
    """The time-series class for values of ``ndim`` dimensions (0: no values, a ``Ts``)."""
    if ndim in _BY_NDIM:
        return _BY_NDIM[ndim]
    larger = [k for k in _BY_NDIM if 0 < k < ndim]
    if not larger:
        raise MemphysRuntimeError(
            f"No time-series class is registered for values of {ndim} dimensions. Import "
            "memphys.core to register the data model."
        )
    return _BY_NDIM[max(larger)]
