#!/usr/bin/env python
"""Conversion of a raw int16 recording to Zarr: memphys ``convert`` vs SpikeInterface's
``recording.save(format="zarr")``, each run in its own process, same file, same codec
(Blosc zstd level 5 + bit-shuffle), ``n_jobs=2``.

Usage::

    python benchmarks/bench_convert.py [--dir /tmp/memphys_bench] [--repeats 3]
        [--n-jobs 2] [--peer-python /work/peers-venv/bin/python] [--skip-peers]
        [--data ephys|uniform] [--memphys-chunk-size 30000] [--profile]

The input is a 1 GiB int16 64-channel file at 30 kHz (8,388,608 samples):

- ``--data ephys`` (default): ``ephys_1024MB_64ch.dat``, generated once: Gaussian noise
  (sd 50 steps) plus a channel-scaled 8 Hz + 1.3 Hz field, fresh random numbers for every
  second. It compresses about as well as SpikeInterface's ground-truth recordings (ratio
  ~1.7-1.8 with Blosc zstd 5 + bit-shuffle), so the encoder does real work.
- ``--data uniform``: ``raw_1024MB_64ch.dat`` of the other benchmarks
  (``_common.make_raw_file``: uniform integers in [-2000, 2000), nearly incompressible).

Each library converts the warm file ``--repeats`` times (a fresh process per run; the
first run of each also warms the page cache); the table shows the median time, MB/s,
compression ratio (file bytes / store bytes on disk) and peak ``RssAnon`` (main process,
and the sum over its workers). Both stores are then decoded in full and compared with
the raw file. ``--memphys-chunk-size N`` adds a memphys row with ``chunk_size=N`` (30000:
SpikeInterface's default 1 s chunks; memphys's default blocks are 65,536 rows here, 8 MiB).
Results are written as JSON to ``<dir>/bench_convert_<data>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import make_raw_file  # noqa: E402

WORKER = os.path.join(HERE, "_convert_worker.py")
RATE = 30_000.0
N_CH = 64
NBYTES = 2**30


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def make_ephys_file(path: str, nbytes: int, n_channels: int, rate: float, seed: int = 0) -> None:
    """Write ``nbytes`` of int16 noise + slow field, one second of fresh samples at a time."""
    rng = np.random.default_rng(seed)
    n = nbytes // (2 * n_channels)
    per = int(rate)
    gains = np.linspace(0.5, 1.5, n_channels, dtype=np.float32)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        for s in range(0, n, per):
            m = min(per, n - s)
            t = (np.arange(s, s + m) / rate).astype(np.float32)
            field = 80 * np.sin(2 * np.pi * 8 * t) + 40 * np.sin(2 * np.pi * 1.3 * t + 1)
            x = rng.standard_normal((m, n_channels), dtype=np.float32)
            x *= 50
            x += field[:, None] * gains
            np.rint(x).astype(np.int16).tofile(fh)
    os.replace(tmp, path)


def run_worker(python: str, args: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [python, WORKER, json.dumps(args)], capture_output=True, text=True, check=False
    )
    if args.get("profile"):
        sys.stderr.write(proc.stderr)
    if proc.returncode != 0 or not proc.stdout.strip():
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"worker failed for {args['lib']} ({args['mode']})")
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
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--peer-python", default="/work/peers-venv/bin/python")
    p.add_argument("--skip-peers", action="store_true")
    p.add_argument("--data", choices=("ephys", "uniform"), default="ephys")
    p.add_argument("--profile", action="store_true", help="cProfile one memphys run")
    p.add_argument(
        "--memphys-chunk-size",
        type=int,
        default=None,
        help="also run memphys with this chunk_size (e.g. 30000: SpikeInterface's 1 s chunks)",
    )
    opts = p.parse_args()

    os.makedirs(opts.dir, exist_ok=True)
    if opts.data == "ephys":
        raw = os.path.join(opts.dir, "ephys_1024MB_64ch.dat")
        if not os.path.exists(raw) or os.path.getsize(raw) != NBYTES:
            print(f"generating {raw} ...", flush=True)
            make_ephys_file(raw, NBYTES, N_CH, RATE)
    else:
        raw = os.path.join(opts.dir, "raw_1024MB_64ch.dat")
        if not os.path.exists(raw) or os.path.getsize(raw) != NBYTES:
            make_raw_file(raw, NBYTES, N_CH)
    warm(raw)
    out_dir = os.path.join(opts.dir, "convert_out")
    os.makedirs(out_dir, exist_ok=True)
    libs = [("memphys", opts.python)]
    extra = f"memphys-chunk{opts.memphys_chunk_size}"
    if opts.memphys_chunk_size:
        libs.append((extra, opts.python))
    if not opts.skip_peers:
        libs.append(("spikeinterface", opts.peer_python))
    base = {"raw": raw, "n_channels": N_CH, "rate": RATE, "n_jobs": opts.n_jobs}

    if opts.profile:
        args = dict(base, lib="memphys", mode="convert", profile=True)
        args["dst"] = os.path.join(out_dir, "memphys_profile.zarr")
        print(json.dumps(run_worker(opts.python, args)))
        return

    results: dict[str, Any] = {"load_before": loadavg(), "data": opts.data, "runs": {}}
    for k in range(opts.repeats):  # interleave the libraries: load drifts hit both
        for lib, python in libs:
            args = dict(base, lib=lib, mode="convert")
            if lib == extra:
                args["job"] = {"chunk_size": opts.memphys_chunk_size}
            args["dst"] = os.path.join(out_dir, f"{lib}.zarr")
            r = run_worker(python, args)
            results["runs"].setdefault(lib, []).append(r)
            print(
                f"  {lib:15s} run {k + 1}: {r['seconds']:.2f} s, {r['mb_per_s']:.0f} MB/s, "
                f"ratio {r['ratio']:.3f} (load {loadavg()})",
                flush=True,
            )
    results["load_after"] = loadavg()
    checks = {}
    for lib, python in libs:
        args = dict(base, lib=lib, mode="verify", dst=os.path.join(out_dir, f"{lib}.zarr"))
        checks[lib] = run_worker(python, args)
    results["verify"] = checks
    crcs = {c["crc32"] for c in checks.values()}
    results["same_samples"] = len(crcs) == 1 and all(c["equal_to_raw"] for c in checks.values())

    print()
    print(
        f"raw file: {raw} ({NBYTES / 1e6:.0f} MB, {N_CH} ch int16, {RATE:g} Hz), "
        f"n_jobs={opts.n_jobs}, median of {opts.repeats}; load {results['load_before']} -> "
        f"{results['load_after']}"
    )
    print("| library | time (s) | MB/s | ratio | peak RssAnon main / workers (MB) |")
    print("|---|---|---|---|---|")
    summary = {}
    for lib, _ in libs:
        runs = results["runs"][lib]
        sec = statistics.median(r["seconds"] for r in runs)
        mbs = NBYTES / 1e6 / sec
        ratio = statistics.median(r["ratio"] for r in runs)
        main_mb = max(r["rss_peak"] for r in runs) / 1e6
        kids_mb = max(r["rss_children"] for r in runs) / 1e6
        summary[lib] = {"seconds": sec, "mb_per_s": mbs, "ratio": ratio}
        print(f"| {lib} | {sec:.2f} | {mbs:.0f} | {ratio:.3f} | {main_mb:.0f} / {kids_mb:.0f} |")
    if "spikeinterface" in summary:
        speedup = summary["spikeinterface"]["seconds"] / summary["memphys"]["seconds"]
        results["speedup"] = speedup
        ok = speedup >= 3 and summary["memphys"]["ratio"] >= summary["spikeinterface"]["ratio"]
        print(
            f"\nmemphys / SpikeInterface throughput: x{speedup:.2f}; target x3 at an equal or "
            f"better ratio: {'met' if ok else 'NOT met'}"
        )
    each = ", ".join(f"{k}: {v['equal_to_raw']}" for k, v in checks.items())
    print(f"both stores decode to the raw file's samples: {results['same_samples']} ({each})")
    results["summary"] = summary
    with open(os.path.join(opts.dir, f"bench_convert_{opts.data}.json"), "w") as fh:
        json.dump(results, fh, indent=1)
    shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
