#!/usr/bin/env python
"""Run pynapple 0.11.4's user-guide pages as a user would, under memphys and under pynapple.

The pages (``doc/user_guide/*.md`` of the pynapple sdist, MyST notebooks) are read from the
sdist that ``run_pynapple_tests.py`` downloads into ``compat/_cache/`` (git-ignored);
nothing of pynapple is committed here. Each page runs cell by cell as a notebook would (the
value of a cell's last expression is displayed with ``repr``, printed output and warnings
are recorded, plots go to matplotlib's Agg backend), in a fresh process and a fresh
working folder, with ``numpy.random.seed(0)`` first:

- under memphys, with ``import pynapple`` aliased to memphys (``pynapple_alias.py``), by
  this Python;
- under the real pynapple 0.11.4, by the Python of another environment
  (``--pynapple-python``, default ``$PYNAPPLE_PYTHON`` or ``/work/pyn-venv/bin/python``;
  create it with ``python -m venv /work/pyn-venv && /work/pyn-venv/bin/pip install
  pynapple==0.11.4 matplotlib seaborn zarr``), never in this repository's environment.

Then it compares, cell by cell, what each displayed, printed, warned and raised (class
paths ``memphys.`` read as ``pynapple.``; memory addresses and numba's warnings ignored),
and prints one line per page. Cells that need a download (they call ``requests``) are
skipped, and so are the cells that use what they produced. ``seaborn`` is replaced by a
stub where it is not installed (it only styles the figures).

Usage::

    python compat/run_pynapple_user_guide.py                 # every page
    python compat/run_pynapple_user_guide.py 03_core_methods  # some pages
    python compat/run_pynapple_user_guide.py --details       # and print each difference

Exit code 0; a report, not a gate (``docs/compat.md`` lists the results and every
remaining difference).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / "_cache"
VERSION = "0.11.4"
DEFAULT_PYNAPPLE_PYTHON = "/work/pyn-venv/bin/python"

_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.M | re.S)


# --- pages -----------------------------------------------------------------------------------
def user_guide(version: str = VERSION) -> Path:
    """The user-guide folder of the sdist (downloaded and extracted once)."""
    sys.path.insert(0, str(HERE))
    from run_pynapple_tests import fetch_sdist

    root = fetch_sdist(version)  # downloads the archive and extracts the tests
    guide = root / "doc" / "user_guide"
    if not guide.is_dir():
        with tarfile.open(CACHE / f"pynapple-{version}.tar.gz") as tar:
            members = [m for m in tar.getmembers() if "/doc/user_guide/" in m.name]
            tar.extractall(CACHE, members=members, filter="data")
    return guide


def read_cells(page: Path) -> list[dict[str, object]]:
    """The code cells of a MyST page: source (options stripped) and tags."""
    cells = []
    for match in _CELL.finditer(page.read_text(encoding="utf-8")):
        lines = match.group(1).splitlines()
        tags: list[str] = []
        if lines and lines[0].strip() == "---":  # a YAML options block
            end = lines.index("---", 1)
            lines = lines[end + 1 :]
        while lines and lines[0].startswith(":"):
            if lines[0].startswith(":tags:"):
                tags = [t.strip() for t in lines[0].split("[", 1)[1].rstrip("]").split(",")]
            lines = lines[1:]
        code = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
        cells.append({"source": code, "tags": tags})
    return cells


def _names(code: str) -> tuple[set[str], set[str]]:
    """Names a cell reads and names it assigns (imports, assignments, defs)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), set()
    read, written = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else written).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            written.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            written.update((a.asname or a.name).split(".")[0] for a in node.names)
    return read, written


def mark_downloads(cells: list[dict[str, object]]) -> None:
    """Reduce cells that download to their imports; skip the cells that use what they made.

    What a download cell made is every name it assigns (but its imports) and every string it
    assigns (the file names: a later cell may open ``"File_plexon_3.plx"`` by name).
    """
    tainted: set[str] = set()
    files: set[str] = set()
    for cell in cells:
        code = str(cell["source"])
        read, written = _names(code)
        if "requests" in code or "urlretrieve" in code:
            tree = ast.parse(code)
            imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
            rest = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)]
            cell["source"] = "\n".join(ast.unparse(n) for n in imports)
            cell["note"] = "downloads a file: only its imports run"
            for node in rest:
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                        tainted.add(sub.id)
                    elif (
                        isinstance(sub, ast.Assign)
                        and isinstance(sub.value, ast.Constant)
                        and isinstance(sub.value.value, str)
                    ):
                        files.add(sub.value.value)
        elif read & tainted or any(f in code for f in files):
            used = sorted(read & tainted) or sorted(f for f in files if f in code)
            cell["skip"] = f"uses {', '.join(used)} (downloaded)"
            tainted |= written
        else:
            tainted -= written


# --- running one page in a subprocess ----------------------------------------------------------
_EXECUTOR = r"""
import ast, contextlib, io, json, sys, types, warnings, traceback
cells, lib, out_path = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
try:
    import seaborn  # noqa: F401
except ImportError:  # it only styles figures
    stub = types.ModuleType("seaborn")
    stub.__getattr__ = lambda name: (lambda *a, **k: None)
    sys.modules["seaborn"] = stub
if lib == "memphys":
    import pynapple_alias  # noqa: F401  (import pynapple -> memphys)
import numpy as np
np.random.seed(0)
ns = {"__name__": "__main__"}
BUILTINS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning,
            RuntimeWarning, SyntaxWarning, ImportWarning, UnicodeWarning, BytesWarning,
            ResourceWarning, Warning)
results = []
for i, cell in enumerate(cells):
    if cell.get("skip"):
        results.append({"skipped": cell["skip"]})
        continue
    src = cell["source"]
    rec = {"display": None, "stdout": "", "warnings": [], "error": None}
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tree = ast.parse(src)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(ast.Module(tree.body, []), f"<cell {i}>", "exec"), ns)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), f"<cell {i}>", "eval"), ns)
                if value is not None and not src.rstrip().endswith(";"):
                    rec["display"] = repr(value)
        except Exception as exc:
            rec["error"] = f"{type(exc).__name__}: {exc}"
            rec["traceback"] = traceback.format_exc(limit=-4)
    for w in caught:
        fname = str(w.filename)
        if "numba" in fname or not ("pynapple" in fname or "memphys" in fname or fname.startswith("<cell")):
            continue
        base = next(c for c in w.category.__mro__ if c in BUILTINS)
        rec["warnings"].append(f"{base.__name__}: {str(w.message).splitlines()[0] if str(w.message) else ''}")
    rec["stdout"] = buf.getvalue()
    plt.close("all")
    results.append(rec)
json.dump(results, open(out_path, "w"))
"""


def run_page(cells: list[dict[str, object]], lib: str, python: str, timeout: float) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix=f"ug-{lib}-") as tmp:
        job, out = Path(tmp) / "cells.json", Path(tmp) / "results.json"
        job.write_text(json.dumps(cells))
        script = Path(tmp) / "run_cells.py"
        script.write_text(_EXECUTOR)
        env = dict(os.environ, MPLBACKEND="Agg")
        if lib == "memphys":
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in [str(HERE), os.environ.get("PYTHONPATH", "")] if p
            )
        else:
            env.pop("PYTHONPATH", None)
        work = Path(tmp) / "work"
        work.mkdir()
        proc = subprocess.run(
            [python, str(script), str(job), lib, str(out)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if not out.exists():
            raise RuntimeError(f"{lib} run failed:\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text())


# --- comparing ---------------------------------------------------------------------------------
def _norm(text: str | None) -> str:
    if text is None:
        return ""
    text = text.replace("memphys", "pynapple")
    text = re.sub(r"0x[0-9a-f]{6,}", "0x…", text)
    text = re.sub(r"/tmp/ug-\w+-[^/\s'\"]+", "<tmp>", text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def compare(ours: dict, theirs: dict) -> list[str]:
    """The fields in which two records of one cell differ (with a short diff each)."""
    diffs = []
    for key in ("display", "stdout", "error", "warnings"):
        a, b = ours.get(key), theirs.get(key)
        if key == "warnings":
            a, b = "\n".join(sorted(set(a or []))), "\n".join(sorted(set(b or [])))
        a, b = _norm(a), _norm(b)
        if a != b:
            lines = difflib.unified_diff(
                b.splitlines(), a.splitlines(), "pynapple", "memphys", n=1, lineterm=""
            )
            diffs.append(f"{key}:\n" + "\n".join(list(lines)[2:40]))
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", help="page names (without .md); default: all")
    parser.add_argument(
        "--pynapple-python",
        default=os.environ.get("PYNAPPLE_PYTHON", DEFAULT_PYNAPPLE_PYTHON),
        help="a Python with pynapple 0.11.4 installed (another environment)",
    )
    parser.add_argument("--details", action="store_true", help="print each difference")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per page")
    args = parser.parse_args(argv)

    guide = user_guide()
    pages = sorted(guide.glob("*.md"))
    if args.pages:
        pages = [p for p in pages if p.stem in args.pages]
    have_pynapple = Path(args.pynapple_python).exists()
    if not have_pynapple:
        print(f"no pynapple Python at {args.pynapple_python}: running memphys only")

    report: dict[str, dict] = {}
    print(f"{'page':<32} {'cells':>5} {'skipped':>7} {'same':>5} {'differ':>6} {'errors':>6}")
    for page in pages:
        cells = read_cells(page)
        mark_downloads(cells)
        ours = run_page(cells, "memphys", sys.executable, args.timeout)
        theirs = (
            run_page(cells, "pynapple", args.pynapple_python, args.timeout)
            if have_pynapple
            else [{}] * len(cells)
        )
        rows = []
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if "skipped" in a:
                rows.append({"cell": i, "skipped": a["skipped"]})
                continue
            diffs = compare(a, b) if have_pynapple else []
            rows.append(
                {
                    "cell": i,
                    "source": cells[i]["source"],
                    "diffs": diffs,
                    "error": a.get("error"),
                    "traceback": a.get("traceback"),
                }
            )
        n_skip = sum("skipped" in r for r in rows)
        n_diff = sum(bool(r.get("diffs")) for r in rows)
        n_err = sum(bool(r.get("error")) for r in rows if "skipped" not in r)
        same = len(rows) - n_skip - n_diff
        report[page.stem] = {"cells": rows, "same": same, "differ": n_diff, "skipped": n_skip}
        print(f"{page.stem:<32} {len(rows):>5} {n_skip:>7} {same:>5} {n_diff:>6} {n_err:>6}")
        if args.details:
            for r in rows:
                if r.get("diffs"):
                    print(
                        f"  --- cell {r['cell']}:\n    " + str(r["source"]).replace("\n", "\n    ")
                    )
                    for d in r["diffs"]:
                        print("    " + d.replace("\n", "\n    "))
    CACHE.mkdir(exist_ok=True)
    (CACHE / "user_guide.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
