"""Per-executor block sizing: a 128 MiB band-pass to Zarr on each executor (issue 10).

Run by hand (it is not a test)::

    python benchmarks/bench_executors.py [--size-mb 128] [--repeats 3] [--n-jobs 2]

It writes an int16, 16-channel raw file at 1250 Hz (random data), warms the page cache,
and times ``apply_bandpass_filter(x, (10, 20), 1250, out="y.zarr", **job)`` on
``x = TsdFrame(d=np.memmap(...), rate=1250)`` with, for ``n_jobs`` workers:

- the process pool (``pool_engine="process"``);
- a dask ``LocalCluster`` of ``n_jobs`` single-threaded worker *processes*
  (``dask_client=client``), started once before the timed runs (its start-up is reported
  apart);
- dask's local scheduler (``pool_engine="dask"``, no client) and the thread pool, for
  reference.

Each configuration warms up once (numba's cached kernel loads in every worker process),
then the median of ``repeats`` runs is reported with the number of blocks of the run. It
prints a markdown table; the ratio column is time / process-pool time.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import make_raw_file

N_CHANNELS = 16
FS = 1250.0


def _blocks_of(path: str) -> int:
    import zarr

    arr = zarr.open_array(path, mode="r")
    return int(-(-arr.shape[0] // arr.chunks[0]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "memphys_bench"))
    ap.add_argument("--size-mb", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="configurations to run (default: all)")
    args = ap.parse_args()

    import memphys as nap

    os.makedirs(args.data_dir, exist_ok=True)
    raw = os.path.join(args.data_dir, f"raw_{args.size_mb}MB_{N_CHANNELS}ch.dat")
    nbytes = args.size_mb * 2**20
    if not os.path.exists(raw) or os.path.getsize(raw) != nbytes:
        make_raw_file(raw, nbytes, N_CHANNELS)
    n = nbytes // (2 * N_CHANNELS)
    np.fromfile(raw, dtype=np.int16)  # warm the page cache
    x = nap.TsdFrame(d=np.memmap(raw, dtype=np.int16, mode="r", shape=(n, N_CHANNELS)), rate=FS)
    out_dir = tempfile.mkdtemp(prefix="memphys-bench-exec-")
    j = args.n_jobs
    rows: list[tuple[str, float, int, str]] = []

    def run(label: str, **job: Any) -> None:
        if args.only and label.split()[0] not in args.only:
            return
        out = os.path.join(out_dir, "y.zarr")
        call = dict(out=out, progress_bar=False, **job)
        nap.apply_bandpass_filter(x, (10, 20), FS, **call)  # warm-up
        times = []
        for _ in range(args.repeats):
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            nap.apply_bandpass_filter(x, (10, 20), FS, **call)
            times.append(time.perf_counter() - t0)
        rows.append((label, statistics.median(times), _blocks_of(out), ""))
        print(f"{label}: {times}", file=sys.stderr)

    run("serial (n_jobs=1)", n_jobs=1)
    run(f"process (n_jobs={j})", n_jobs=j, pool_engine="process")
    run(f"thread (n_jobs={j})", n_jobs=j, pool_engine="thread")
    run(f"dask local scheduler (n_jobs={j})", n_jobs=j, pool_engine="dask")
    if not args.only or "dask" in args.only:
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(
            n_workers=j, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        startup = time.perf_counter() - t0
        try:
            run(f"dask LocalCluster ({j} processes)", pool_engine="dask", dask_client=client)
        finally:
            client.close()
            cluster.close()
        print(f"LocalCluster start-up: {startup:.2f} s", file=sys.stderr)
    shutil.rmtree(out_dir, ignore_errors=True)

    base = next((t for label, t, _, _ in rows if label.startswith("process")), None)
    print(
        f"\n{datetime.date.today()} on {platform.node() or 'unknown'}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}; "
        f"{args.size_mb} MiB int16 x {N_CHANNELS} channels at {FS:g} Hz, band-pass (10, 20) Hz "
        f"to Zarr, median of {args.repeats}, load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| executor | time (s) | blocks | vs process pool |")
    print("|---|---:|---:|---:|")
    for label, t, blocks, _ in rows:
        ratio = f"x{t / base:.2f}" if base else ""
        print(f"| {label} | {t:.2f} | {blocks} | {ratio} |")


if __name__ == "__main__":
    main()
