"""Benchmark of the chunked engine (issue 3): a full pass over a 1 GB int16 memmap.

Run manually (it is not a test)::

    python benchmarks/bench_engine.py [--data-dir DIR] [--size-mb 1024] [--repeats 3]

It generates a 1 GB int16, 64-channel raw file (once; reused afterwards), reads it once to
warm the page cache (we cannot drop the cache), then reports the median of ``repeats``
runs of:

- ``np.fromfile`` of the whole file: the plain sequential read, the physical reference;
- the engine's sum per channel (``reduce_chunks(src, Sum())``) with the serial, thread,
  process and dask executors at ``n_jobs`` = 1 and 2;
- a compute-bound kernel (4th-order Butterworth band-pass ``sosfilt`` in float64, then the
  sum per channel) over the first quarter of the file, to show scaling with ``n_jobs``.

It prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import evict_from_page_cache, make_raw_file, median_time

from memphys.arrays import MemmapArray
from memphys.engine import Sum, reduce_chunks

N_CHANNELS = 64
FS = 30_000.0


class Bandpass:
    """A compute-bound kernel: float64 band-pass (300-6000 Hz) along time, per block."""

    def __init__(self) -> None:
        from scipy.signal import butter

        self.sos = butter(4, [300, 6000], btype="bandpass", fs=FS, output="sos")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        from scipy.signal import sosfilt

        return sosfilt(self.sos, x.astype(np.float64), axis=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "memphys_bench"))
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--compute-fraction", type=float, default=0.25)
    ap.add_argument(
        "--cache",
        choices=("warm", "cold"),
        default="warm",
        help="warm: file in the page cache (memory-speed reads); cold: evicted before each "
        "timed run (disk-speed reads, the case of a recording larger than RAM)",
    )
    args = ap.parse_args()

    os.makedirs(args.data_dir, exist_ok=True)
    path = os.path.join(args.data_dir, f"raw_{args.size_mb}MB_{N_CHANNELS}ch.dat")
    nbytes = args.size_mb * 2**20
    if not os.path.exists(path) or os.path.getsize(path) != nbytes:
        print(f"generating {path} ...", file=sys.stderr)
        make_raw_file(path, nbytes, N_CHANNELS)
    n = nbytes // (2 * N_CHANNELS)
    src = MemmapArray(path, "int16", (n, N_CHANNELS))
    mb = nbytes / 1e6

    setup = None
    if args.cache == "cold":

        def setup() -> None:
            src.close()  # a live map would keep the file's pages resident
            evict_from_page_cache(path)

    else:
        np.fromfile(path, dtype=np.int16)  # warm the page cache
    rows: list[tuple[str, str, int, float, float]] = []

    t, ref = median_time(lambda: np.fromfile(path, dtype=np.int16), args.repeats, setup)
    rows.append(("full pass", "np.fromfile (whole file)", 1, t, mb / t))
    del ref

    def read_and_sum() -> np.ndarray:
        x = np.fromfile(path, dtype=np.int16).reshape(n, N_CHANNELS)
        return np.add.reduce(x, axis=0, dtype=np.float64)

    t, _ = median_time(read_and_sum, args.repeats, setup)
    rows.append(("full pass", "np.fromfile + sum per channel (in memory)", 1, t, mb / t))
    expected = None
    configs = [("serial", 1), ("thread", 2), ("process", 2), ("dask", 1), ("dask", 2)]
    for engine, n_jobs in configs:
        t, res = median_time(
            lambda e=engine, j=n_jobs: reduce_chunks(
                src, Sum(), n_jobs=j, pool_engine=e, progress_bar=False
            ),
            args.repeats,
            setup,
        )
        if expected is None:
            expected = res
        assert np.array_equal(res, expected), (engine, n_jobs)
        rows.append(("full pass", f"engine sum per channel, {engine}", n_jobs, t, mb / t))

    # compute-bound: band-pass + sum over a fraction of the file
    sub = int(n * args.compute_fraction)
    sub_src = MemmapArray(path, "int16", (sub, N_CHANNELS))
    sub_mb = sub * 2 * N_CHANNELS / 1e6
    kernel = Bandpass()
    base = None
    for engine, n_jobs in [("serial", 1), ("thread", 2), ("process", 2), ("dask", 2)]:
        t, _ = median_time(
            lambda e=engine, j=n_jobs: reduce_chunks(
                sub_src,
                Sum(),
                func=kernel,
                halo=0,
                n_jobs=j,
                pool_engine=e,
                chunk_duration="1s",
                sampling_rate=FS,
                progress_bar=False,
            ),
            args.repeats,
        )
        base = base or t
        rows.append(
            (f"band-pass + sum ({sub_mb:.0f} MB)", f"engine, {engine}", n_jobs, t, sub_mb / t)
        )

    fromfile_rate = rows[0][4]
    print(
        f"\n{datetime.date.today()} on {platform.node() or 'unknown'}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}; "
        f"{args.size_mb} MiB int16 x {N_CHANNELS} channels, {args.cache} page cache, median of "
        f"{args.repeats}\n"
    )
    print("| workload | method | n_jobs | time (s) | MB/s | vs np.fromfile |")
    print("|---|---|---:|---:|---:|---:|")
    for work, method, n_jobs, t, rate in rows:
        ratio = f"{rate / fromfile_rate:.0%}" if work == "full pass" else ""
        print(f"| {work} | {method} | {n_jobs} | {t:.3f} | {rate:.0f} | {ratio} |")
    compute = [r for r in rows if r[0] != "full pass"]
    print(
        "\ncompute-bound speed-up at n_jobs=2 vs serial: "
        + ", ".join(f"{m.split(', ')[1]} x{compute[0][3] / t:.2f}" for _, m, _, t, _ in compute[1:])
    )


if __name__ == "__main__":
    main()
