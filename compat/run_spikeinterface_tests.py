#!/usr/bin/env python
"""Run SpikeInterface's own core tests for recordings against memphys.ephys.

The test files are read at run time from a git copy of SpikeInterface's repository (a bare
or ordinary git directory, given with ``--repo`` or the ``MEMPHYS_SPIKEINTERFACE_REPO``
environment variable) into ``compat/_cache/`` (git-ignored); nothing of SpikeInterface is
committed to this repository, and SpikeInterface itself is never installed or imported:
``spikeinterface``, ``spikeinterface.core``, ``spikeinterface.full`` and their submodules are
aliased to :mod:`memphys.ephys` (``compat/spikeinterface_alias.py``).

Usage::

    python compat/run_spikeinterface_tests.py                      # the default file list
    python compat/run_spikeinterface_tests.py test_baserecording.py
    python compat/run_spikeinterface_tests.py --rev <commit>       # another revision
    python compat/run_spikeinterface_tests.py --markdown           # rows for docs/compat.md
    python compat/run_spikeinterface_tests.py -- -x -k time_slice  # extra pytest arguments

It prints passed / failed / errors / skipped per file and writes them to
``compat/_cache/spikeinterface_results.json``. The exit code is 0 unless ``--min-pass-rate``
is given and some file falls below it. Deliberate differences are listed in
``docs/compat.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / "_cache"
DEFAULT_REPO = "/work/.mirror/SpikeInterface+spikeinterface/repo"
TESTS_DIR = "src/spikeinterface/core/tests"

#: SpikeInterface's core test files for recordings (issue 12)
DEFAULT_FILES = [
    "test_baserecording.py",
    "test_channelslicerecording.py",
    "test_frameslicerecording.py",
    "test_channelsaggregationrecording.py",
    "test_segmentutils.py",
    "test_numpy_extractors.py",
    "test_binaryrecordingextractor.py",
    "test_binaryfolder.py",
    "test_time_handling.py",
    "test_job_tools.py",
    "test_recording_tools.py",
    # issue 13: sortings, events, snippets, generators
    "test_basesorting.py",
    "test_frameslicesorting.py",
    "test_unitsselectionsorting.py",
    "test_unitsaggregationsorting.py",
    "test_sorting_folder.py",
    "test_loading.py",
    "test_basesnippets.py",
    "test_npzsortingextractor.py",
    "test_npysnippetsextractor.py",
    "test_npyfoldersnippets.py",
    "test_generate.py",
    # SortingAnalyzer, sparsity, templates (issue 14)
    "test_sparsity.py",
    "test_template_class.py",
    "test_template_tools.py",
    "test_waveform_tools.py",
    "test_sortinganalyzer.py",
    "test_analyzer_extension_core.py",
]


def _git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def extract(repo: str, rev: str, files: list[str]) -> Path:
    """Write the test files (and the repository's root conftest.py) of ``rev`` to the
    cache; return the folder holding them."""
    commit = _git(repo, "rev-parse", rev).decode().strip()
    root = CACHE / f"spikeinterface-{commit[:12]}"
    tests = root / "tests"
    tests.mkdir(parents=True, exist_ok=True)
    (root / "conftest.py").write_bytes(_git(repo, "show", f"{commit}:conftest.py"))
    for f in files:
        (tests / f).write_bytes(_git(repo, "show", f"{commit}:{TESTS_DIR}/{f}"))
    # worker processes started with "spawn" import the test modules afresh: a
    # `spikeinterface` package on their path installs the alias there too
    shim = root / "_shim" / "spikeinterface"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "__init__.py").write_text(
        "import sys\nimport spikeinterface_alias\n"
        "sys.modules[__name__] = spikeinterface_alias._Proxy(__name__, "
        "spikeinterface_alias.importlib.import_module('memphys.ephys'))\n"
    )
    return root


def summarise(junit: Path) -> dict[str, dict[str, int]]:
    """Per test file counts from a junit XML report."""
    counts: dict[str, dict[str, int]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        cls = case.get("classname", "") or case.get("name", "")
        parts = cls.split(".")
        fname = next((p for p in parts if p.startswith("test_")), cls) + ".py"
        c = counts.setdefault(fname, {"passed": 0, "failed": 0, "errors": 0, "skipped": 0})
        if case.find("failure") is not None:
            c["failed"] += 1
        elif case.find("error") is not None:
            c["errors"] += 1
        elif case.find("skipped") is not None:
            c["skipped"] += 1
        else:
            c["passed"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="test files of spikeinterface/core/tests")
    parser.add_argument(
        "--repo",
        default=os.environ.get("MEMPHYS_SPIKEINTERFACE_REPO", DEFAULT_REPO),
        help="git directory of SpikeInterface's repository",
    )
    parser.add_argument("--rev", default="HEAD", help="revision to read the tests from")
    parser.add_argument("--markdown", action="store_true", help="also print markdown rows")
    parser.add_argument("--min-pass-rate", type=float, default=None)
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)
    if not Path(args.repo).exists():
        parser.error(f"no git directory at {args.repo} (use --repo or MEMPHYS_SPIKEINTERFACE_REPO)")
    files = args.files or DEFAULT_FILES
    root = extract(args.repo, args.rev, files)
    junit = CACHE / "spikeinterface_junit.xml"
    env = dict(os.environ)
    paths = [str(HERE), str(root / "_shim"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(paths).rstrip(os.pathsep)
    env["MPLBACKEND"] = "Agg"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "spikeinterface_alias",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(root),
        # SpikeInterface's tests run under pytest's defaults, not memphys's settings (which
        # make memphys's own warnings errors in its suite)
        "-c",
        os.devnull,
        "-q",
        "--tb=line",
        "-o",
        "addopts=",
        "-o",
        "timeout=600",
        "--junitxml",
        str(junit),
        "--continue-on-collection-errors",
        "-W",
        "ignore::DeprecationWarning",
        *[str(root / "tests" / f) for f in files],
        *extra,
    ]
    proc = subprocess.run(cmd, cwd=root, env=env)
    if not junit.exists():
        print("pytest produced no report", file=sys.stderr)
        return proc.returncode or 1
    counts = summarise(junit)
    zero = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    print(f"\nSpikeInterface core tests ({args.rev}) against memphys.ephys")
    print(f"{'file':<42} {'passed':>7} {'failed':>7} {'errors':>7} {'skipped':>8}")
    total = dict(zero)
    worst = 1.0
    for fname in files:
        c = counts.get(fname, zero)
        for k in total:
            total[k] += c[k]
        run = c["passed"] + c["failed"] + c["errors"]
        worst = min(worst, c["passed"] / run if run else 1.0)
        print(f"{fname:<42} {c['passed']:>7} {c['failed']:>7} {c['errors']:>7} {c['skipped']:>8}")
    print(
        f"{'total':<42} {total['passed']:>7} {total['failed']:>7} {total['errors']:>7} "
        f"{total['skipped']:>8}"
    )
    if args.markdown:
        print()
        for fname in files:
            c = counts.get(fname, zero)
            print(f"| {fname} | {c['passed']} | {c['failed'] + c['errors']} | {c['skipped']} |")
        print(
            f"| **total** | **{total['passed']}** | **{total['failed'] + total['errors']}** "
            f"| **{total['skipped']}** |"
        )
    (CACHE / "spikeinterface_results.json").write_text(json.dumps(counts, indent=2))
    if args.min_pass_rate is not None and worst < args.min_pass_rate:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
