#!/usr/bin/env python
"""Sortings: memphys.ephys vs SpikeInterface 0.105.3, the same script, each run in its own
process.

Usage (from the repository root, with memphys's interpreter; the ground-truth operation
needs issue 12's recordings and writers)::

    python benchmarks/bench_ephys_sorting.py [--dir /tmp] [--repeats 3]
        [--si-python /work/si-venv/bin/python] [--ops build,trains_cold,...] [--skip-si]

Input: 10 million spikes of 500 units over one hour at 30 kHz (sorted sample indices and
integer labels drawn with a fixed seed), also written as an ``.npz`` sorting file. The
operations (``_ephys_sorting_worker.py``): ``NumpySorting.from_samples_and_labels``;
``to_spike_vector`` of a unit selection (499 of 500 units) and of the ``.npz`` file just
opened; ``get_unit_spike_train`` for every unit on a fresh sorting (cold: the first call
builds the caches) and again (warm); ``count_num_spikes_per_unit``; ``save`` to the numpy
folder and ``load`` of the library's own folder (spike vector + one train); and
``generate_ground_truth_recording`` of 10 minutes x 64 channels saved to binary. Each
repeat is a fresh process, libraries alternating (so that load bursts of a shared machine
hit both). Tables: median time, ratio (SpikeInterface time / memphys time),
peak ``RssAnon`` of the process (and the part the operation added). Results go to
``<dir>/bench_ephys_sorting.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "_ephys_sorting_worker.py")
N_SPIKES = 10_000_000
N_UNITS = 500
FS = 30000.0
OPS = [
    "build",
    "vector_selection",
    "vector_npz",
    "trains_cold",
    "trains_warm",
    "count",
    "save",
    "load",
    "gt",
]
NAMES = {
    "build": "`NumpySorting.from_samples_and_labels` (10 M spikes)",
    "vector_selection": "`select_units(499 units).to_spike_vector()`",
    "vector_npz": "`read_npz_sorting(f).to_spike_vector()`",
    "trains_cold": "`get_unit_spike_train` x 500 units, fresh sorting",
    "trains_warm": "`get_unit_spike_train` x 500 units, again",
    "count": "`count_num_spikes_per_unit()`",
    "save": "`save(folder=...)` (numpy folder)",
    "load": "`load(folder)` + spike vector + one train",
    "gt": "`generate_ground_truth_recording` 10 min x 64 ch + `save` binary",
}


def run_worker(python: str, args: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    if args["lib"] == "spikeinterface":
        env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [python, WORKER, json.dumps(args)], capture_output=True, text=True, timeout=7200, env=env
    )
    if proc.returncode != 0:
        raise SystemExit(f"worker failed ({args['lib']}, {args['op']}):\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def make_data(folder: str) -> None:
    rng = np.random.default_rng(0)
    samples = np.sort(rng.integers(0, int(3600 * FS), N_SPIKES))
    labels = rng.integers(0, N_UNITS, N_SPIKES)
    np.save(os.path.join(folder, "samples.npy"), samples)
    np.save(os.path.join(folder, "labels.npy"), labels)
    # the .npz layout both libraries read (unit_ids, per-segment indexes and labels)
    np.savez(
        os.path.join(folder, "sorting.npz"),
        unit_ids=np.arange(N_UNITS),
        num_segment=np.array([1]),
        sampling_frequency=np.array([FS]),
        spike_indexes_seg0=samples,
        spike_labels_seg0=labels,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--si-python", default="/work/si-venv/bin/python")
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--skip-si", action="store_true")
    opts = ap.parse_args()
    ops = opts.ops.split(",")
    libs = [("memphys", sys.executable)] + (
        [] if opts.skip_si else [("spikeinterface", opts.si_python)]
    )
    with tempfile.TemporaryDirectory(dir=opts.dir) as tmp:
        make_data(tmp)
        results: dict[str, dict[str, Any]] = {}
        for op in ops:
            results[op] = {}
            repeats = max(1, min(opts.repeats, 3)) if op == "gt" else opts.repeats
            for _ in range(repeats):  # one process per repeat, libraries alternating
                for lib, python in libs:
                    args: dict[str, Any] = dict(lib=lib, op=op, data=tmp, work=tmp, repeats=1)
                    if op == "load":
                        args["folder"] = os.path.join(tmp, f"{lib}_save")
                        if not os.path.exists(args["folder"]):
                            run_worker(python, dict(args, op="save"))
                    r = run_worker(python, args)
                    if lib in results[op]:
                        for key in ("times", "peaks", "added"):
                            results[op][lib][key] += r[key]
                    else:
                        results[op][lib] = r
            for lib, _ in libs:
                print(op, lib, [round(t, 3) for t in results[op][lib]["times"]], flush=True)
            if op == "gt" and not opts.skip_si:
                a = np.load(os.path.join(tmp, "memphys_gt_block.npy"))
                b = np.load(os.path.join(tmp, "spikeinterface_gt_block.npy"))
                results[op]["agree"] = float(np.max(np.abs(a - b)))
        print(
            f"\n{N_SPIKES:,} spikes, {N_UNITS} units, 1 h at {FS:g} Hz; median of {opts.repeats}\n"
        )
        print("| operation | library | time (s) | ratio | peak RssAnon (MB) | added (MB) |")
        print("|---|---|---:|---:|---:|---:|")
        for op in ops:
            r = results[op]
            t_si = (
                statistics.median(r["spikeinterface"]["times"]) if "spikeinterface" in r else None
            )
            for lib, _ in libs:
                x = r[lib]
                t = statistics.median(x["times"])
                ratio = f"x{t_si / t:.1f}" if (lib == "memphys" and t_si) else ""
                print(
                    f"| {NAMES[op]} | {lib} {x['version']} | {t:.3f} | {ratio} | "
                    f"{statistics.median(x['peaks']) / 1e6:.0f} | {statistics.median(x['added']) / 1e6:.0f} |"
                )
        if "gt" in results and "agree" in results["gt"]:
            print(
                f"\nground truth: max abs difference of a saved 1 s block between the libraries: {results['gt']['agree']:.3g}"
            )
        with open(
            os.path.join(opts.dir or tempfile.gettempdir(), "bench_ephys_sorting.json"), "w"
        ) as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
