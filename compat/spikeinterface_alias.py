"""pytest plugin: make ``import spikeinterface`` (and ``spikeinterface.core``, ``.full``,
``.core.<module>``) import :mod:`memphys.ephys` instead.

Loaded by ``run_spikeinterface_tests.py`` with ``-p spikeinterface_alias``. SpikeInterface
itself is never imported. Every ``spikeinterface...`` module is a proxy over the matching
``memphys.ephys`` module (or over the package when there is none): names memphys provides
resolve to memphys's objects, and names it does not provide (sortings, analyzers,
preprocessing, ...) resolve to a placeholder that raises when used. A test file therefore
collects even when it imports names beyond recordings; only the tests that use them fail,
and the missing names are listed at the end of the run.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any

#: spikeinterface module -> memphys module, where the names differ
RENAMES = {
    "spikeinterface": "memphys.ephys",
    "spikeinterface.core": "memphys.ephys",
    "spikeinterface.full": "memphys.ephys",
    "spikeinterface.generation": "memphys.ephys.generate",
    "spikeinterface.preprocessing": "memphys.ephys.astyperecording",
}

MISSING: set[str] = set()


class _Missing:
    """Stands for a SpikeInterface name that memphys.ephys does not provide."""

    def __init__(self, qualname: str) -> None:
        self._qualname = qualname

    def _fail(self) -> None:
        raise NotImplementedError(f"{self._qualname} is not provided by memphys.ephys")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._fail()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()

    def __repr__(self) -> str:
        return f"<missing {self._qualname}>"

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[Any, ...]:
        self._fail()
        return ()


def _target(name: str) -> str | None:
    if name in RENAMES:
        return RENAMES[name]
    if name.startswith("spikeinterface.core."):
        candidate = "memphys.ephys." + name[len("spikeinterface.core.") :]
        try:
            if importlib.util.find_spec(candidate) is not None:
                return candidate
        except ModuleNotFoundError:
            pass
    return None


class _Proxy(ModuleType):
    """A spikeinterface module whose names come from a memphys module."""

    def __init__(self, name: str, target: ModuleType | None) -> None:
        super().__init__(name)
        self.__dict__["_target"] = target
        self.__dict__["__path__"] = []  # a package: submodules can be imported

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        target = self.__dict__["_target"]
        if target is not None:
            try:
                return getattr(target, attr)
            except AttributeError:
                pass
        package = importlib.import_module("memphys.ephys")
        if target is not package and attr in getattr(package, "__all__", ()):
            return getattr(package, attr)
        sub = f"{self.__name__}.{attr}"
        if sub in sys.modules:
            return sys.modules[sub]
        qual = f"{self.__name__}.{attr}"
        MISSING.add(qual)
        return _Missing(qual)


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "spikeinterface" and not fullname.startswith("spikeinterface."):
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> ModuleType:
        name = _target(spec.name)
        module = importlib.import_module(name) if name is not None else None
        return _Proxy(spec.name, module)

    def exec_module(self, module: ModuleType) -> None:
        return None


sys.meta_path.insert(0, _AliasFinder())


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MISSING:
        terminalreporter.write_sep("-", "SpikeInterface names not provided by memphys.ephys")
        for name in sorted(MISSING):
            terminalreporter.write_line(name)
