#!/usr/bin/env python
"""Peri-event alignment and event-triggered average: memphys vs pynapple, side by side.

Usage (from the repository root, with memphys's interpreter)::

    python benchmarks/bench_perievent.py [--size-gb 1] [--repeats 3] \
        [--peer-python /work/peers-venv/bin/python]

Generates a raw int16 16-channel file at 1250 Hz (``--size-gb`` GiB, random data written
in blocks) and 1,000 random event times, warms the page cache with one read, and runs
each (library, operation) in a separate process (``_perievent_worker.py``): pynapple 0.11.4
with the peers' interpreter, memphys with this one. Operations: ``compute_perievent(x,
events, 0.1)`` and ``compute_event_triggered_average(x, events, 0.01, 0.1)`` over the
whole recording. Prints a Markdown table (median time, median memory added, speed-up)
and checks that both libraries' results agree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import make_raw_file  # noqa: E402

FS = 1250.0
N_CH = 16


def run_worker(python: str, args: dict) -> dict:
    proc = subprocess.run(
        [python, os.path.join(HERE, "_perievent_worker.py"), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"worker failed ({args['lib']}, {args['op']}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gb", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n-events", type=int, default=1000)
    ap.add_argument("--peer-python", default="/work/peers-venv/bin/python")
    ap.add_argument("--dir", default=None, help="folder for the generated file")
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=opts.dir) as tmp:
        raw = os.path.join(tmp, "raw.dat")
        n, _ = make_raw_file(raw, int(opts.size_gb * 2**30), n_channels=N_CH)
        with open(raw, "rb") as fh:  # warm the page cache
            while fh.read(64 * 2**20):
                pass
        rng = np.random.default_rng(0)
        events = np.sort(rng.uniform(1.0, n / FS - 1.0, opts.n_events))
        ev_path = os.path.join(tmp, "events.npy")
        np.save(ev_path, events)
        rows = []
        for op in ("perievent", "eta"):
            out = {}
            for lib, python in (("pynapple", opts.peer_python), ("memphys", sys.executable)):
                args = {
                    "lib": lib,
                    "op": op,
                    "data": raw,
                    "n": n,
                    "n_channels": N_CH,
                    "fs": FS,
                    "events": ev_path,
                    "window": 0.1,
                    "binsize": 0.01,
                    "repeats": opts.repeats,
                    "result": os.path.join(tmp, f"{lib}_{op}"),
                }
                out[lib] = run_worker(python, args)
            a = np.load(os.path.join(tmp, f"pynapple_{op}.npy"))
            b = np.load(os.path.join(tmp, f"memphys_{op}.npy"))
            if op == "perievent":
                same = a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
                agree = "identical" if same else "DIFFER"
            else:
                close = a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-9)
                err = float(np.max(np.abs(a - b))) if a.shape == b.shape else float("nan")
                agree = f"max abs diff {err:.1e}" if close else "DIFFER"
            rows.append((op, out, agree))
    print(
        f"\nfile: {opts.size_gb:g} GiB int16, {N_CH} channels, {FS:g} Hz, {n} samples; "
        f"{opts.n_events} events; median of {opts.repeats}\n"
    )
    print("| operation | library | time (s) | memory added (MB) | speed-up | results |")
    print("|---|---|---:|---:|---:|---|")
    names = {
        "perievent": "`compute_perievent(x, events, 0.1)`",
        "eta": "`compute_event_triggered_average(x, events, 0.01, 0.1)`",
    }
    for op, out, agree in rows:
        tp = statistics.median(out["pynapple"]["times"])
        tm = statistics.median(out["memphys"]["times"])
        for lib in ("pynapple", "memphys"):
            r = out[lib]
            t = statistics.median(r["times"])
            mem = statistics.median(r["added"]) / 1e6
            ratio = f"x{tp / tm:.0f}" if lib == "memphys" else ""
            res = agree if lib == "memphys" else f"shape {tuple(r['shape'])}"
            print(f"| {names[op]} | {lib} {r['version']} | {t:.3f} | {mem:.0f} | {ratio} | {res} |")


if __name__ == "__main__":
    main()
