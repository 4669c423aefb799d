"""memphys: neurophysiology time series larger than memory.

pynapple's API (``import memphys as nap``) over lazy sources (memmap, ``.npy``, zarr,
HDF5/NWB, neo) and a chunked engine that runs every analysis in bounded memory.

Heavy submodules are imported on first use, so ``import memphys`` stays fast. Importing
``memphys`` registers the readers and writers of :mod:`memphys.io` (light: each format's
code is imported when a file of it is first opened or saved).

Examples
--------
>>> import memphys as nap
>>> ep = nap.IntervalSet(start=[0, 10], end=[5, 20])
>>> ep.tot_length()
np.float64(15.0)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import memphys.io as _io  # registers the readers and writers
from memphys._version import __version__
from memphys.config import (
    config_context,
    get_config,
    nap_config,
    reset_config,
    set_config,
)


def _wire_layers() -> None:
    """Let ``core`` find the methods implemented in ``process`` (dependency inversion:
    the registry lives at the base layer, ``process`` fills it with loaders; nothing heavy
    is imported here). ``memphys.io`` registers its readers and writers on import, above."""
    from memphys.process import register_core_methods

    register_core_methods()


_wire_layers()

# public name of the data model -> module that defines it (imported on first access)
_LAZY: dict[str, str] = {
    "IntervalSet": "memphys.core.interval_set",
    "Ts": "memphys.core.ts",
    "Tsd": "memphys.core.tsd",
    "TsdFrame": "memphys.core.tsd_frame",
    "TsdTensor": "memphys.core.tsd_tensor",
    "TsGroup": "memphys.core.ts_group",
    "TsIndex": "memphys.core.time_index",
    "TimeIndex": "memphys.core.time_index",
    "RegularTimeIndex": "memphys.core.time_index",
    "ExplicitTimeIndex": "memphys.core.time_index",
    "sort_by_time": "memphys.core.time_index",
    "as_lazy": "memphys.arrays",
    "from_recipe": "memphys.arrays",
}

#: pynapple's names of files and folders, found in memphys.io (which finds them in its
#: format families).
_IO_NAMES = (
    "load_file",
    "load_folder",
    "load_binary_file",
    "Folder",
    "NPZFile",
    "EphysReader",
    "NWBFile",
    "load_session",
    "write_nwb",
    # pynapple 0.11.4's deprecated names
    "load_eeg",
    "append_NWB_LFP",
    "NeoSignalInterface",
)

#: pynapple's io modules, also attributes of the package there (``nap.misc``)
_IO_MODULES = ("misc", "interface_nwb", "interface_neo")

_SUBMODULES = ("core", "arrays", "engine", "io", "process", "errors", "config", "cli", "ephys")

__all__ = [
    "__version__",
    "config_context",
    "get_config",
    "nap_config",
    "reset_config",
    "set_config",
    *_LAZY,
    *_IO_NAMES,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _IO_NAMES:
        value = getattr(_io, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"memphys.{name}")
    if name in _IO_MODULES:
        return importlib.import_module(f"memphys.io.{name}")
    from memphys.process import NAMES as _PROCESS_NAMES

    if name in _PROCESS_NAMES:
        value = getattr(importlib.import_module("memphys.process"), name)
        globals()[name] = value
        return value
    if name in set(_PROCESS_NAMES.values()):
        # pynapple's analysis modules are attributes of the package (nap.randomize)
        return getattr(importlib.import_module("memphys.process"), name)
    raise AttributeError(f"module 'memphys' has no attribute {name!r}")


def __dir__() -> list[str]:
    from memphys.process import NAMES as _PROCESS_NAMES

    names = set(_LAZY) | set(_IO_NAMES) | set(_SUBMODULES) | set(_IO_MODULES) | set(_PROCESS_NAMES)
    return sorted(set(globals()) | names)


if TYPE_CHECKING:  # pragma: no cover
    from memphys.arrays import as_lazy, from_recipe
    from memphys.core.interval_set import IntervalSet
    from memphys.core.time_index import (
        ExplicitTimeIndex,
        RegularTimeIndex,
        TimeIndex,
        TsIndex,
        sort_by_time,
    )
    from memphys.core.ts import Ts
    from memphys.core.ts_group import TsGroup
    from memphys.core.tsd import Tsd
    from memphys.core.tsd_frame import TsdFrame
    from memphys.core.tsd_tensor import TsdTensor
    from memphys.io.binary import load_binary_file
    from memphys.io.folder import Folder, load_folder
    from memphys.io.interface import load_file
    from memphys.io.neo import EphysReader
    from memphys.io.npz import NPZFile
    from memphys.io.nwb import NWBFile, load_session, write_nwb
