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
    "NWBFile": "memphys.io.nwb_read",
    "EphysReader": "memphys.io.ephys",
    "load_binary_file": "memphys.io.binary",
    "write_nwb": "memphys.io.nwb_write",
    "add_scratch": "memphys.io.nwb_write",
    "get_scratch": "memphys.io.nwb_write",
    "make_processed_copy": "memphys.io.nwb_write",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "nwb":
        return importlib.import_module("memphys.io.nwb")
    raise AttributeError(f"module 'memphys.io' has no attribute {name!r}")
