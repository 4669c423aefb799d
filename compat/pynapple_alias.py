"""pytest plugin: make ``import pynapple`` (and its submodules) import memphys instead.

Loaded by ``run_pynapple_tests.py`` with ``-p pynapple_alias``. Nothing of pynapple is
imported or installed: every ``pynapple.X`` resolves to ``memphys.X`` (or to the module
named in :data:`RENAMES` where memphys organises a private module differently).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any

#: pynapple module path -> memphys module path, where the two differ.
RENAMES = {
    "pynapple.core.metadata_class": "memphys.core.metadata",
}


def _target(name: str) -> str:
    if name in RENAMES:
        return RENAMES[name]
    return "memphys" + name[len("pynapple") :]


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve ``pynapple.X`` to the already-importable module ``memphys.X``."""

    def __init__(self) -> None:
        self._real_specs: dict[int, Any] = {}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "pynapple" and not fullname.startswith("pynapple."):
            return None
        try:
            found = importlib.util.find_spec(_target(fullname))
        except ModuleNotFoundError:
            return None
        if found is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> ModuleType:
        module = importlib.import_module(_target(spec.name))
        self._real_specs[id(module)] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # the import system has just set __spec__ to the alias's spec: restore the real one
        module.__spec__ = self._real_specs.pop(id(module), module.__spec__)


sys.meta_path.insert(0, _AliasFinder())
