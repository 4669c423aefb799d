"""Public names of a package, imported from its modules on first access (PEP 562).

A family package of ``memphys.io`` (``memphys.io.nwb``, ...) is imported when ``memphys``
is: its face must stay light (its :class:`~memphys.io.readers.Reader`, and nothing that
imports ``memphys.core``, pandas, h5py or pynwb). Its functions and classes live in its
modules, and the face hands them on when they are first asked for::

    _NAMES = {"NWBFile": ".read", "write_nwb": ".write"}

    def __getattr__(name: str) -> Any:
        return lazy_attribute(__name__, _NAMES, name)

Examples
--------
>>> lazy_attribute("memphys.io", {"sqrt": "math"}, "sqrt")(4.0)
2.0
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

__all__ = ["lazy_attribute"]


def lazy_attribute(package: str, names: Mapping[str, str], name: str) -> Any:
    """``name`` of ``package``, taken from its module in ``names`` (absolute, or relative
    to ``package`` such as ``".read"``); AttributeError for any other name."""
    module = names.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, package), name)
