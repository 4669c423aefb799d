"""House rules the linters do not check, read from the source (AST) of every module.

- no ``print`` in library code: the command line writes with ``click.echo``, display
  methods (``Folder.view``) write to ``sys.stdout``, everything else goes through
  :mod:`logging` (loggers under ``memphys``) or :mod:`warnings`;
- every exception and warning class is defined in :mod:`memphys.errors`;
- every ``warnings.warn`` names its category, a :class:`~memphys.errors.MemphysWarning`
  (so the test suite, which turns them into errors, sees every one).
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

import memphys
from memphys import errors

SRC = Path(memphys.__file__).parent
MODULES = sorted(SRC.rglob("*.py"))

#: Exception classes allowed outside errors.py, and why.
INTERNAL_EXCEPTIONS = {
    # carries a worker's exception and its block back to the main process, where it is
    # re-raised as a ChunkError; it never reaches the user
    ("engine/executors.py", "_BlockFailed"),
}


def _rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_source_is_found():
    assert len(MODULES) > 100
    assert {"errors.py", "core/interval_set.py", "cli/main.py"} <= {_rel(p) for p in MODULES}


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_print_in_library_code(path):
    calls = [
        node.lineno
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
    ]
    assert not calls, f"print() at {_rel(path)} lines {calls}: use logging, warnings or click.echo"


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


@pytest.mark.parametrize("path", [p for p in MODULES if _rel(p) != "errors.py"], ids=_rel)
def test_exception_classes_live_in_errors(path):
    found = []
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [_base_name(b) for b in node.bases]
        if node.name.endswith(("Error", "Warning", "Exception")) or any(
            b.endswith(("Error", "Warning", "Exception")) for b in bases
        ):
            found.append(node.name)
    unexpected = [name for name in found if (_rel(path), name) not in INTERNAL_EXCEPTIONS]
    assert not unexpected, f"{_rel(path)} defines {unexpected}: move them to memphys/errors.py"


def _warn_calls(tree: ast.Module) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "warn"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "warnings"
    ]


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_every_warning_is_a_memphys_warning(path):
    bad = []
    for call in _warn_calls(_tree(path)):
        category = call.args[1] if len(call.args) > 1 else None
        for kw in call.keywords:
            if kw.arg == "category":
                category = kw.value
        name = _base_name(category) if category is not None else ""
        cls = getattr(errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, errors.MemphysWarning)):
            bad.append((call.lineno, name or "no category"))
    assert not bad, (
        f"warnings.warn at {_rel(path)} {bad}: pass a category from memphys.errors "
        "(a MemphysWarning)"
    )


@pytest.mark.parametrize("name", [n for n in errors.__all__ if n.endswith("Warning")])
def test_each_warning_is_a_memphys_warning_and_a_builtin_category(name):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.MemphysWarning)
    if cls is not errors.MemphysWarning:
        assert issubclass(cls, UserWarning | RuntimeWarning | FutureWarning | DeprecationWarning), (
            name
        )


def test_the_suite_turns_memphys_warnings_into_errors():
    # pyproject's filterwarnings has "error::memphys.errors.MemphysWarning"
    with pytest.raises(errors.IntervalSetWarning):
        warnings.warn("boom", errors.IntervalSetWarning, stacklevel=1)
    # ... and pytest.warns still catches what a test expects
    with pytest.warns(UserWarning, match="boom"):
        warnings.warn("boom", errors.IntervalSetWarning, stacklevel=1)
