#!/usr/bin/env python
"""Run pynapple's own public-API tests against memphys, with ``pynapple`` aliased to memphys.

The pynapple sdist (which ships its tests) is downloaded from PyPI at run time into
``compat/_cache/`` (git-ignored); nothing of pynapple is committed to this repository,
and pynapple itself is never installed or imported.

Usage::

    python compat/run_pynapple_tests.py                  # the default file list
    python compat/run_pynapple_tests.py test_interval_set.py test_metadata.py
    python compat/run_pynapple_tests.py --all            # every test file of the sdist
    python compat/run_pynapple_tests.py -- -x -k restrict  # extra pytest arguments

It prints a table of passed / failed / errors / skipped per file and writes it to
``compat/_cache/results.json``. The exit code is 0 unless ``--min-pass-rate`` is given
and some file falls below it. Deliberate differences are listed in ``docs/compat.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

PYNAPPLE_VERSION = "0.11.4"
HERE = Path(__file__).resolve().parent
CACHE = HERE / "_cache"

#: Files whose public-API tests memphys aims to pass (per issue), grown as issues land.
DEFAULT_FILES = [
    # issue 2: time index, IntervalSet
    "test_interval_set.py",
    "test_time_index.py",
    "test_time_units.py",
    # issue 4: time-series objects, TsGroup, files
    "test_time_series.py",
    "test_ts_group.py",
    "test_abstract_tsd.py",
    "test_numpy_compatibility.py",
    "test_non_numpy_array.py",
    "test_lazy_loading.py",
    "test_repr.py",
    "test_config.py",
    "test_metadata.py",
    # these two share tests/npzfilestest and must run in this order (see docs/compat.md)
    "test_folder.py",
    "test_npz_file.py",
    # issue 5: analyses
    "test_filtering.py",
    "test_signal.py",
    "test_signal_processing.py",
    "test_power_spectral_density.py",
    "test_perievent.py",
    "test_warping.py",
    "test_tuning_curves.py",
    "test_correlograms.py",
    "test_decoding.py",
    "test_randomize.py",
    # issue 7: NWB
    "test_nwb.py",
]


def fetch_sdist(version: str = PYNAPPLE_VERSION) -> Path:
    """Download and extract the pynapple sdist once; return the extracted folder."""
    root = CACHE / f"pynapple-{version}"
    if (root / "tests").is_dir():
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"pynapple-{version}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                str(CACHE),
                f"pynapple=={version}",
            ],
            check=True,
        )
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if "/tests/" in m.name or m.name.endswith("/tests")]
        tar.extractall(CACHE, members=members, filter="data")
    return root


def summarise(junit: Path) -> dict[str, dict[str, int]]:
    """Per test file counts from a junit XML report."""
    counts: dict[str, dict[str, int]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        # collection errors have no classname; their name is the module ("tests.test_x")
        cls = case.get("classname", "") or case.get("name", "")
        # classname looks like "tests.test_interval_set" or "tests.test_x.TestClass"
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
    parser.add_argument("files", nargs="*", help="test files of the pynapple sdist")
    parser.add_argument("--all", action="store_true", help="run every test file")
    parser.add_argument("--version", default=PYNAPPLE_VERSION, help="pynapple sdist version")
    parser.add_argument(
        "--markdown", action="store_true", help="also print the table as markdown rows"
    )
    parser.add_argument(
        "--min-pass-rate",
        type=float,
        default=None,
        help="exit 1 if a file's pass rate (passed / run) is below this",
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    # everything after "--" goes to pytest untouched
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)

    root = fetch_sdist(args.version)
    tests = root / "tests"
    if args.all:
        files = sorted(p.name for p in tests.glob("test_*.py"))
    else:
        files = args.files or DEFAULT_FILES
    missing = [f for f in files if not (tests / f).exists()]
    if missing:
        parser.error(f"not in the pynapple {args.version} sdist: {', '.join(missing)}")

    junit = CACHE / "junit.xml"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["MPLBACKEND"] = "Agg"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "pynapple_alias",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(root),
        "-c",
        os.devnull,
        "-q",
        "--tb=line",
        "-o",
        "addopts=",
        "--junitxml",
        str(junit),
        "--continue-on-collection-errors",
        "-W",
        "ignore::DeprecationWarning",
        *[str(tests / f) for f in files],
        *extra,
    ]
    proc = subprocess.run(cmd, cwd=root, env=env)
    if not junit.exists():
        print("pytest produced no report", file=sys.stderr)
        return proc.returncode or 1
    counts = summarise(junit)

    print(f"\npynapple {args.version} public-API tests against memphys")
    print(f"{'file':<34} {'passed':>7} {'failed':>7} {'errors':>7} {'skipped':>8}")
    total = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    worst = 1.0
    for fname in files:
        c = counts.get(fname, {"passed": 0, "failed": 0, "errors": 0, "skipped": 0})
        for k in total:
            total[k] += c[k]
        run = c["passed"] + c["failed"] + c["errors"]
        worst = min(worst, c["passed"] / run if run else 1.0)
        print(f"{fname:<34} {c['passed']:>7} {c['failed']:>7} {c['errors']:>7} {c['skipped']:>8}")
    print(
        f"{'total':<34} {total['passed']:>7} {total['failed']:>7} {total['errors']:>7} "
        f"{total['skipped']:>8}"
    )
    if args.markdown:
        print()
        for fname in files:
            c = counts.get(fname, {"passed": 0, "failed": 0, "errors": 0, "skipped": 0})
            print(f"| {fname} | {c['passed']} | {c['failed'] + c['errors']} | {c['skipped']} |")
        print(
            f"| **total** | **{total['passed']}** | **{total['failed'] + total['errors']}** "
            f"| **{total['skipped']}** |"
        )
    (CACHE / "results.json").write_text(json.dumps(counts, indent=2))
    if args.min_pass_rate is not None and worst < args.min_pass_rate:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
