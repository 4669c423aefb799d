"""Which writer :func:`~memphys.io.nwb.write_nwb` hands an object to, when it is not a
memphys time series: a registry that a higher layer fills.

``memphys.ephys`` (above ``io``) registers its recordings and sortings here when it is
imported, so ``write_nwb(recording, path)`` writes an ``ElectricalSeries`` with its
electrodes table and ``write_nwb(sorting, path)`` a ``Units`` table, without ``io``
importing ``ephys``. A writer is called as ``writer(obj, path, name, **kwargs)`` with
``write_nwb``'s arguments.

Examples
--------
>>> register_nwb_writer("demo", lambda obj: obj == "x", lambda obj, path, name, **kw: path)
>>> find_nwb_writer("x")("x", "out.nwb", None)
'out.nwb'
>>> find_nwb_writer("y") is None
True
>>> unregister_nwb_writer("demo")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register_nwb_writer", "unregister_nwb_writer", "find_nwb_writer"]

_WRITERS: dict[str, tuple[Callable[[Any], bool], Callable[..., Any]]] = {}


def register_nwb_writer(
    name: str, accepts: Callable[[Any], bool], writer: Callable[..., Any]
) -> None:
    """Register ``writer`` for the objects ``accepts(obj)`` is true for (``name`` replaces
    an earlier registration of the same name)."""
    _WRITERS[name] = (accepts, writer)


def unregister_nwb_writer(name: str) -> None:
    """Forget the writer registered as ``name`` (if any)."""
    _WRITERS.pop(name, None)


def find_nwb_writer(obj: Any) -> Callable[..., Any] | None:
    """The registered writer that accepts ``obj``, or None."""
    for accepts, writer in _WRITERS.values():
        if accepts(obj):
            return writer
    return None
