"""``process/`` is written on public names only, and ``core`` never reaches up into it."""

from __future__ import annotations

import ast
import pathlib

import pytest

import memphys

SRC = pathlib.Path(memphys.__file__).parent


def _imports(path: pathlib.Path) -> list[tuple[int, str, str | None]]:
    """``(line, module, name)`` of every import of ``path`` (top level and in functions)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[tuple[int, str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.extend((node.lineno, node.module, a.name) for a in node.names)
    return out


def _is_private(module: str, name: str | None) -> bool:
    parts = module.split(".")
    return any(p.startswith("_") for p in parts) or (name is not None and name.startswith("_"))


PROCESS_FILES = sorted((SRC / "process").glob("*.py"))


@pytest.mark.parametrize("path", PROCESS_FILES, ids=lambda p: p.name)
def test_process_imports_no_private_name_of_core_or_engine(path):
    bad = [
        f"{path.name}:{line}: from {module} import {name}"
        for line, module, name in _imports(path)
        if module.startswith(("memphys.core", "memphys.engine", "memphys.arrays"))
        and _is_private(module, name)
    ]
    assert not bad, "private names of lower layers imported:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "layer", ["core", "engine", "arrays"], ids=lambda layer: f"memphys.{layer}"
)
def test_lower_layers_never_import_process(layer):
    bad = []
    for path in sorted((SRC / layer).glob("*.py")):
        for line, module, _name in _imports(path):
            # (core -> io for save() is being inverted by a writer registry elsewhere)
            if module.startswith(("memphys.process", "memphys.cli")):
                bad.append(f"{layer}/{path.name}:{line}: {module}")
            if module == "memphys" and layer != "core":  # the top-level package
                bad.append(f"{layer}/{path.name}:{line}: import memphys")
        text = path.read_text()
        if "import_module(" in text and "memphys.process" in text:
            bad.append(f"{layer}/{path.name}: import_module of memphys.process")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_the_check_catches_a_private_import(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("def f():\n    from memphys.core.base_class import _Base\n")
    assert [_is_private(m, n) for _, m, n in _imports(f)] == [True]
    f.write_text("from memphys.core.blocks import apply_blocks\n")
    assert [_is_private(m, n) for _, m, n in _imports(f)] == [False]


def test_tuning_modules_import_one_way():
    legacy = {m for _, m, _ in _imports(SRC / "process" / "_tuning_legacy.py")}
    core = {m for _, m, _ in _imports(SRC / "process" / "_tuning_core.py")}
    assert "memphys.process.tuning_curves" not in legacy
    assert not {"memphys.process.tuning_curves", "memphys.process._tuning_legacy"} & core


def test_core_methods_are_registered_by_import_memphys():
    from memphys.registry import get_method, registered_methods

    assert {"convolve", "smooth", "decimate"} <= set(registered_methods())
    assert get_method("convolve").__module__ == "memphys.process.smoothing"
