"""Readers and writers: one package per family of formats, behind one registry.

=========================  ==============================================================
family                     reads (``load_file``) / writes (``obj.save``)
=========================  ==============================================================
:mod:`memphys.io.npz`      ``.npz`` in pynapple's layout (and any other suffix, on save)
:mod:`memphys.io.npy`      ``.npy``, memory-mapped / streamed
:mod:`memphys.io.zarr`     ``.zarr`` stores (v2/v3) / memphys's compressed store
:mod:`memphys.io.binary`   raw ``.dat``, ``.eeg``, ``.lfp``, ``.bin``, ``.raw`` and
                           Neuroscope ``.xml``
:mod:`memphys.io.nwb`      ``.nwb`` through pynwb (and ``write_nwb``, scratch, sessions)
:mod:`memphys.io.neo`      vendor recordings through neo (``EphysReader``)
=========================  ==============================================================

Each family's face (its ``__init__``) defines its :class:`~memphys.io.readers.Reader` and
its writer, and hands on its functions from its modules when they are first asked for, so
that importing it stays light: the lines below register them when ``memphys`` is imported.
A new format is one package (or module) and one line here; another package registers a
reader through the entry point group ``memphys.readers`` (see :mod:`memphys.io.readers`).

Besides: :func:`load_file` (:mod:`~memphys.io.interface`), :class:`Folder` and
:func:`load_folder` (:mod:`~memphys.io.folder`), ``convert`` (:mod:`~memphys.io.convert`)
and synthetic recordings (:mod:`~memphys.io.synthetic`).
Every public name of a family is also a name of ``memphys.io``.

Examples
--------
>>> import memphys.io
>>> memphys.io.load_binary_file is memphys.io.binary.load_binary_file
True
"""

from __future__ import annotations

import importlib
from typing import Any

from memphys.io import binary, neo, npy, npz, nwb, zarr
from memphys.io.readers import (
    Reader,
    find_reader,
    get_reader,
    list_readers,
    register_reader,
    supported_extensions,
    unregister_reader,
)
from memphys.registry import register_writer

# memphys's readers, in the order load_file asks them: one line per format
register_reader(npz.NPZReader)
register_reader(npy.NPYReader)
register_reader(zarr.ZarrReader)
register_reader(binary.BinaryReader)
register_reader(nwb.NWBReader)
register_reader(neo.NeoReader)

# what obj.save(filename) writes, by suffix (".npz" also takes every unregistered suffix)
register_writer(".npz", npz.save)
register_writer(".npy", npy.save)
register_writer(".zarr", zarr.save)
register_writer(".dat", binary.save)
register_writer(".bin", binary.save)
register_writer(".raw", binary.save)

_FAMILIES = (npz, npy, zarr, binary, nwb, neo)
#: Each family's public names (its ``save`` is what ``obj.save`` reaches).
_FAMILY_NAMES = {name: family for family in _FAMILIES for name in family.__all__ if name != "save"}
#: The names of io's own modules, handed on when first asked for (``Folder`` imports
#: memphys.core; ``load_file`` pathlib and inspect).
_OWN_NAMES = {
    "load_file": "memphys.io.interface",
    "register_loader": "memphys.io.interface",
    "Folder": "memphys.io.folder",
    "load_folder": "memphys.io.folder",
    # pynapple 0.11.4's deprecated names
    "load_eeg": "memphys.io.misc",
    "append_NWB_LFP": "memphys.io.misc",
    "NeoSignalInterface": "memphys.io.interface_neo",
}
#: pynapple's module paths (``nap.io.misc``, ``nap.io.interface_nwb``, ...), imported when
#: first asked for.
_PYNAPPLE_MODULES = ("misc", "interface_nwb", "interface_neo")

__all__ = [
    "Reader",
    "find_reader",
    "get_reader",
    "list_readers",
    "register_reader",
    "supported_extensions",
    "unregister_reader",
    *_OWN_NAMES,
    *_FAMILY_NAMES,
]


def __getattr__(name: str) -> Any:
    if name in _FAMILY_NAMES:
        return getattr(_FAMILY_NAMES[name], name)
    if name in _OWN_NAMES:
        return getattr(importlib.import_module(_OWN_NAMES[name]), name)
    if name in _PYNAPPLE_MODULES:
        return importlib.import_module(f"memphys.io.{name}")
    raise AttributeError(f"module 'memphys.io' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_PYNAPPLE_MODULES))
