"""The house points one way: no base class names its subclasses, no module reaches up.

import-linter (``lint-imports``, run by ``.ci/run``) checks the layers between packages;
these tests check what it cannot say: that a module defining a base class neither imports
the modules of its subclasses nor names them in its code (a name, an attribute, or a
string that is a class name, as a lookup by name would use; docstrings, comments and the
prose of messages aside), at any layer.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import memphys

SRC = Path(memphys.__file__).parent


def _modules() -> list[str]:
    names = ["memphys"]
    for info in pkgutil.walk_packages([str(SRC)], prefix="memphys."):
        if ".cli" in info.name or info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


def _classes() -> list[type]:
    out = []
    for name in _modules():
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional dependency (dask, matplotlib) is missing
            continue
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == name:
                out.append(obj)
    return out


def _code_names(path: Path) -> set[str]:
    """Names, attributes, imported names and whole string constants of a module's code."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.name.split(".")[-1])
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            names.add(node.value.strip())
    return names


def _base_pairs() -> list[tuple[type, type]]:
    pairs = []
    for base in _classes():
        for sub in base.__subclasses__():
            if sub.__module__.startswith("memphys") and sub.__module__ != base.__module__:
                pairs.append((base, sub))
    return pairs


PAIRS = _base_pairs()


def test_there_are_base_classes_to_check():
    bases = {b.__name__ for b, _ in PAIRS}
    assert {"_Base", "_BaseTsd", "TimeIndex", "_MetadataMixin", "LazyArray", "Reader"} <= bases


@pytest.mark.parametrize(
    ("base", "sub"), PAIRS, ids=[f"{b.__name__}-{s.__name__}" for b, s in PAIRS]
)
def test_no_base_class_module_names_a_subclass(base, sub):
    path = Path(inspect.getfile(base))
    names = _code_names(path)
    assert sub.__name__ not in names, (
        f"{base.__module__} (defining {base.__name__}) names its subclass {sub.__name__}"
    )
    assert sub.__module__ not in names, (
        f"{base.__module__} (defining {base.__name__}) imports {sub.__module__}, the module "
        f"of its subclass {sub.__name__}"
    )


def test_no_module_of_memphys_imports_the_top_level_package():
    """Only the package's face and the command line may use `memphys` itself."""
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent)
        if rel.parts[1] == "cli" or path == SRC / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import) and any(a.name == "memphys" for a in node.names):
                offenders.append(str(rel))
            if isinstance(node, ast.ImportFrom) and node.module == "memphys" and node.level == 0:
                offenders.append(str(rel))
    assert offenders == []
