"""Readers and writers (npz, folders; binary, zarr, NWB and neo readers as they land).

Names are imported on first access so that ``import memphys.io`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "load_file": "memphys.io.interface",
    "load_folder": "memphys.io.interface",
    "Folder": "memphys.io.folder",
    "NPZFile": "memphys.io.npz",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'memphys.io' has no attribute {name!r}")
