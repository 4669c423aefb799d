#!/usr/bin/env python
"""SortingAnalyzer: memphys.ephys vs SpikeInterface 0.105.3, the same script on the same
data, each run in its own process.

Usage::

    python benchmarks/bench_ephys_analyzer.py [--dir /tmp/memphys_bench] [--repeats 3]
        [--si-python /work/si-venv/bin/python] [--skip-si] [--cases core:1,core:2,...]

Input: the 1.152 GB int16 recording of ``bench_ephys_recording.py`` (64 channels at 30 kHz,
300 s, gain 0.195 µV; generated once as noise plus a slow field) with a linear 64-contact
probe, and 50 units firing at 3 Hz (~45 k spikes, drawn once with a fixed seed). Each case
(``_ephys_analyzer_worker.py``) runs SpikeInterface's API with default arguments in both
libraries: ``create_sorting_analyzer``, then the four core extensions
(``random_spikes``, ``waveforms``, ``templates``, ``noise_levels``) in memory, in a binary
folder and in a zarr store, and ``random_spikes(method="all")`` + ``templates``; with 1 and
2 jobs (each library's default engine: memphys runs the analyzer's passes on threads,
SpikeInterface on processes; a case with ``pool_engine="process"`` for both is included).
Libraries alternate per repeat, the file is read once before each run (warm page cache);
the tables give the median time, the ratio (SpikeInterface / memphys), the peak ``RssAnon``
of the process (and what the operation added, and the sum over worker processes) and the
zarr stores' size. Results go to ``<dir>/bench_ephys_analyzer.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_convert import make_ephys_file  # noqa: E402

WORKER = os.path.join(HERE, "_ephys_analyzer_worker.py")
RATE = 30_000.0
N_CH = 64
NBYTES = 9_000_000 * N_CH * 2  # 300 s
N_UNITS = 50
RATE_HZ = 3.0
#: (case name, op, format, n_jobs, pool_engine)
CASES = {
    "create:1": ("create", "memory", 1, None),
    "core:1": ("core", "memory", 1, None),
    "core:2": ("core", "memory", 2, None),
    "core_process:2": ("core", "memory", 2, "process"),
    "core_binary:1": ("core", "binary_folder", 1, None),
    "core_zarr:1": ("core", "zarr", 1, None),
    "fast_templates:1": ("fast_templates", "memory", 1, None),
}
NAMES = {
    "create": "`create_sorting_analyzer` (main channels + sparsity)",
    "core": "four core extensions",
    "fast_templates": "`random_spikes(method='all')` + `templates`",
}


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def run_worker(python: str, args: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    if args["lib"] == "spikeinterface":
        env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [python, WORKER, json.dumps(args)], capture_output=True, text=True, timeout=3600, env=env
    )
    if proc.returncode != 0:
        raise SystemExit(f"worker failed ({args['lib']}, {args['op']}):\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def warm(path: str) -> None:
    with open(path, "rb") as fh:
        while fh.read(64 << 20):
            pass


def make_spikes(folder: str) -> tuple[str, str]:
    rng = np.random.default_rng(0)
    n = NBYTES // (2 * N_CH)
    samples, labels = [], []
    for u in range(N_UNITS):
        s = np.sort(
            rng.choice(np.arange(100, n - 100), rng.poisson(RATE_HZ * n / RATE), replace=False)
        )
        samples.append(s)
        labels.append(np.full(s.size, u))
    s_all, l_all = np.concatenate(samples), np.concatenate(labels)
    order = np.argsort(s_all, kind="stable")
    paths = (os.path.join(folder, "samples.npy"), os.path.join(folder, "labels.npy"))
    np.save(paths[0], s_all[order])
    np.save(paths[1], l_all[order])
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="/tmp/memphys_bench")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--si-python", default="/work/si-venv/bin/python")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--skip-si", action="store_true")
    opts = ap.parse_args()
    os.makedirs(opts.dir, exist_ok=True)
    raw = os.path.join(opts.dir, "ephys_300s_64ch.dat")
    if not os.path.exists(raw) or os.path.getsize(raw) != NBYTES:
        print("writing", raw, flush=True)
        make_ephys_file(raw, NBYTES, N_CH, RATE)
    samples, labels = make_spikes(opts.dir)
    n_spikes = np.load(samples).size
    libs = [("memphys", sys.executable)] + (
        [] if opts.skip_si else [("spikeinterface", opts.si_python)]
    )
    results: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for case in opts.cases.split(","):
        op, fmt, n_jobs, engine = CASES[case]
        results[case] = {lib: [] for lib, _ in libs}
        for rep in range(opts.repeats):
            order = libs if rep % 2 == 0 else libs[::-1]
            for lib, python in order:
                warm(raw)
                args = dict(
                    lib=lib,
                    op=op,
                    format=fmt,
                    n_jobs=n_jobs,
                    pool_engine=engine,
                    raw=raw,
                    samples=samples,
                    labels=labels,
                    work=opts.dir,
                )
                r = run_worker(python, args)
                r["loadavg"] = loadavg()
                results[case][lib].append(r)
                print(
                    case,
                    lib,
                    f"{r['seconds']:.3f} s",
                    f"{r['rss_peak'] / 1e6:.0f} MB",
                    f"load {r['loadavg']}",
                    flush=True,
                )
    print(
        f"\n{n_spikes:,} spikes, {N_UNITS} units, 300 s x {N_CH} channels; median of "
        f"{opts.repeats}\n"
    )
    print(
        "| operation | jobs | library | time (s) | ratio | peak RssAnon (MB) | added (MB) "
        "| workers (MB) | zarr store (MB) |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for case, per_lib in results.items():
        op, fmt, n_jobs, engine = CASES[case]
        label = (
            NAMES[op]
            + ("" if fmt == "memory" else f", {fmt}")
            + (f", pool_engine={engine!r}" if engine else "")
        )

        def med(lib: str, key: str, runs: dict[str, list[dict[str, Any]]] = per_lib) -> float:
            return float(statistics.median(x.get(key, 0) for x in runs[lib]))

        t_si = med("spikeinterface", "seconds") if "spikeinterface" in per_lib else None
        for lib, _ in libs:
            t = med(lib, "seconds")
            ratio = f"x{t_si / t:.1f}" if lib == "memphys" and t_si else ""
            store = f"{med(lib, 'store_bytes') / 1e6:.0f}" if fmt == "zarr" else ""
            print(
                f"| {label} | {n_jobs} | {lib} | {t:.2f} | {ratio} | "
                f"{med(lib, 'rss_peak') / 1e6:.0f} | {med(lib, 'rss_added') / 1e6:.0f} | "
                f"{med(lib, 'rss_children') / 1e6:.0f} | {store} |"
            )
    with open(os.path.join(opts.dir, "bench_ephys_analyzer.json"), "w") as fh:
        json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
