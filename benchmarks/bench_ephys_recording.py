#!/usr/bin/env python
"""Recordings: memphys.ephys vs SpikeInterface 0.105.3, the same script on the same file,
each run in its own process.

Usage::

    python benchmarks/bench_ephys_recording.py [--dir /tmp/memphys_bench] [--repeats 3]
        [--si-python /work/si-venv/bin/python] [--skip-si] [--ops save_binary,save_zarr,...]

The input is a 1.152 GB int16 recording, 64 channels at 30 kHz, 300 s (gain 0.195 µV),
generated once as Gaussian noise (sd 50 steps) plus a slow channel-scaled field
(``bench_convert.make_ephys_file``): it compresses like a real recording. Each operation
runs with SpikeInterface's API and default arguments in both libraries (see
``_ephys_worker.py``) with 1 and 2 jobs, ``--repeats`` times, interleaving the libraries so
that load drifts hit both; the tables give the median time, MB/s (file bytes / time), the
ratio to SpikeInterface, the compression ratio of the zarr stores and the peak ``RssAnon``
(main process / sum over workers). A sequential ``numpy.fromfile`` read is the physical
reference. Results go to ``<dir>/bench_ephys_recording.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_convert import make_ephys_file  # noqa: E402

WORKER = os.path.join(HERE, "_ephys_worker.py")
RATE = 30_000.0
N_CH = 64
NBYTES = 9_000_000 * N_CH * 2  # 300 s
#: (operation, jobs) measured, and memphys's target over SpikeInterface's throughput
PLAN = [
    ("save_binary", 1, 5.0),
    ("save_binary", 2, 5.0),
    ("save_zarr", 1, 3.0),
    ("save_zarr", 2, 3.0),
    ("traces", 1, 2.0),
    ("noise", 1, 1.0),
    ("noise", 2, 1.0),
]


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def run_worker(python: str, args: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    if args["lib"] == "spikeinterface":
        env.pop("PYTHONPATH", None)  # its own virtualenv only
    proc = subprocess.run(
        [python, WORKER, json.dumps(args)], capture_output=True, text=True, env=env
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"worker failed for {args['lib']} ({args['op']})")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def warm(path: str) -> None:
    with open(path, "rb") as fh:
        while fh.read(64 << 20):
            pass


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", default="/tmp/memphys_bench")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--si-python", default="/work/si-venv/bin/python")
    p.add_argument("--skip-si", action="store_true")
    p.add_argument("--ops", default="", help="comma-separated subset of operations")
    opts = p.parse_args()

    os.makedirs(opts.dir, exist_ok=True)
    raw = os.path.join(opts.dir, "ephys_300s_64ch.dat")
    if not os.path.exists(raw) or os.path.getsize(raw) != NBYTES:
        print(f"generating {raw} ...", flush=True)
        make_ephys_file(raw, NBYTES, N_CH, RATE)
    warm(raw)
    out = os.path.join(opts.dir, "ephys_out")
    libs = [("memphys", opts.python)] + (
        [] if opts.skip_si else [("spikeinterface", opts.si_python)]
    )
    plan = [x for x in PLAN if not opts.ops or x[0] in opts.ops.split(",")]
    results: dict[str, Any] = {"load_before": loadavg(), "runs": {}}
    for k in range(opts.repeats):
        r = run_worker(opts.python, {"lib": "memphys", "op": "read", "raw": raw})
        results["runs"].setdefault("read", []).append(r)
        for op, n_jobs, _ in plan:
            for lib, python in libs:
                args = {"lib": lib, "op": op, "n_jobs": n_jobs, "raw": raw, "out": f"{out}_{lib}"}
                r = run_worker(python, args)
                results["runs"].setdefault(f"{op}/{n_jobs}/{lib}", []).append(r)
                extra = f", ratio {r['ratio']:.3f}" if "ratio" in r else ""
                print(
                    f"  {op:11s} n_jobs={n_jobs} {lib:14s} run {k + 1}: {r['seconds']:.2f} s, "
                    f"{r['mb_per_s']:.0f} MB/s{extra} (load {loadavg()})",
                    flush=True,
                )
    results["load_after"] = loadavg()
    for lib, _ in libs:
        for path in (f"{out}_{lib}", f"{out}_{lib}.zarr"):
            if os.path.exists(path):
                subprocess.run(["rm", "-rf", path], check=False)

    read = statistics.median(r["seconds"] for r in results["runs"]["read"])
    print(
        f"\n{raw}: {NBYTES / 1e6:.0f} MB int16, {N_CH} channels, {RATE:g} Hz; median of "
        f"{opts.repeats}; load {results['load_before']} -> {results['load_after']}; sequential "
        f"read {read:.2f} s ({NBYTES / 1e6 / read:.0f} MB/s)\n"
    )
    print(
        "| operation | n_jobs | memphys s (MB/s) | SpikeInterface s (MB/s) | memphys / SI | target "
        "| zarr ratio memphys / SI | peak RssAnon main + workers, MB: memphys / SI |"
    )
    print("|---|---|---|---|---|---|---|---|")
    summary = {}
    for op, n_jobs, target in plan:
        row: dict[str, Any] = {}
        for lib, _ in libs:
            runs = results["runs"][f"{op}/{n_jobs}/{lib}"]
            sec = statistics.median(r["seconds"] for r in runs)
            mem = max(r["rss_peak"] for r in runs) / 1e6, max(r["rss_children"] for r in runs) / 1e6
            ratio = statistics.median(r.get("ratio", 0.0) for r in runs)
            row[lib] = {"seconds": sec, "mb_per_s": NBYTES / 1e6 / sec, "mem": mem, "ratio": ratio}
        m = row["memphys"]
        s = row.get("spikeinterface")
        speed = s["seconds"] / m["seconds"] if s else float("nan")
        zr = f"{m['ratio']:.3f} / {s['ratio']:.3f}" if op == "save_zarr" and s else ""
        si_txt = f"{s['seconds']:.2f} ({s['mb_per_s']:.0f})" if s else "-"
        si_mem = f"{s['mem'][0]:.0f} + {s['mem'][1]:.0f}" if s else "-"
        ok = "met" if speed >= target else "NOT met"
        print(
            f"| {op} | {n_jobs} | {m['seconds']:.2f} ({m['mb_per_s']:.0f}) | {si_txt} | x{speed:.2f} "
            f"| x{target:g} {ok} | {zr} | {m['mem'][0]:.0f} + {m['mem'][1]:.0f} / {si_mem} |"
        )
        summary[f"{op}/{n_jobs}"] = {
            "memphys": m,
            "spikeinterface": s,
            "speedup": speed,
            "target": target,
        }
    results["summary"] = summary
    results["read_seconds"] = read
    with open(os.path.join(opts.dir, "bench_ephys_recording.json"), "w") as fh:
        json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
