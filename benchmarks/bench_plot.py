#!/usr/bin/env python
"""``plot_traces`` of a whole 2 GiB recording vs one sequential read of the file.

Usage (from the repository root, with memphys's interpreter)::

    python benchmarks/bench_plot.py [--size-gb 2] [--channels 64] [--repeats 3] [--dir DIR]

Generates a raw int16 file (``--size-gb`` GiB, ``--channels`` channels at 30 kHz, random
data written in blocks), warms the page cache with one read, then measures (medians of
``--repeats``):

- one sequential read of the file (``readinto`` of 8 MiB blocks): the floor;
- ``plot_traces(TsdFrame(memmap), ax=...)`` of the whole file (the min/max envelope per
  pixel column of a 12 x 9 in figure, computed by ``EnvelopeOp`` through the engine),
  serial and with two threads, in a process where numba and matplotlib are already
  imported (the steady state: a notebook, a script's second figure);
- the same as a fresh process's first figure (``python -c``: imports of memphys,
  matplotlib and numba's cached kernel, the envelope, ``savefig``), with its peak
  ``RssAnon``.

Prints a Markdown table with the ratio to the sequential read (the target is 3x).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _common import make_raw_file, median_time  # noqa: E402

FIRST = """
import json, sys, time
sys.path.insert(0, {here!r})
from _common import ExternalRssSampler
with ExternalRssSampler(interval=0.005) as s:
    s.reset()
    t0 = time.perf_counter()
    import numpy as np
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import memphys as nap
    from memphys.plot import plot_traces
    x = nap.TsdFrame(d=np.memmap({raw!r}, dtype="int16", mode="r").reshape(-1, {c}), rate=30000.0)
    fig, ax = plt.subplots(figsize=(12, 9), dpi=100)
    plot_traces(x, ax=ax, progress_bar=False)
    fig.savefig({png!r})
    t = time.perf_counter() - t0
    peak, children = s.peak()
print(json.dumps(dict(t=t, peak=peak + children)))
"""


def sequential_read(path: str) -> None:
    with open(path, "rb", buffering=0) as fh:
        buf = bytearray(8 * 2**20)
        while fh.readinto(buf):
            pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gb", type=float, default=2.0)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dir", default=None, help="folder for the generated file")
    opts = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import memphys as nap
    from memphys.plot import plot_traces

    with tempfile.TemporaryDirectory(dir=opts.dir) as tmp:
        raw = os.path.join(tmp, "raw.dat")
        n, c = make_raw_file(raw, int(opts.size_gb * 2**30), n_channels=opts.channels)
        size = n * c * 2
        sequential_read(raw)  # warm the page cache
        t_read, _ = median_time(lambda: sequential_read(raw), opts.repeats)
        x = nap.TsdFrame(d=np.memmap(raw, dtype="int16", mode="r", shape=(n, c)), rate=30000.0)

        def draw(**job: object) -> None:
            fig, ax = plt.subplots(figsize=(12, 9), dpi=100)
            plot_traces(x, ax=ax, progress_bar=False, **job)
            plt.close(fig)

        draw()  # numba's kernel loaded once in this process
        t_serial, _ = median_time(draw, opts.repeats)
        t_thread, _ = median_time(lambda: draw(n_jobs=2, pool_engine="thread"), opts.repeats)
        firsts = []
        for _ in range(opts.repeats):
            code = FIRST.format(here=HERE, raw=raw, c=c, png=os.path.join(tmp, "f.png"))
            proc = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            firsts.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        t_first = float(np.median([f["t"] for f in firsts]))
        peak = float(np.median([f["peak"] for f in firsts]))
    mb = size / 1e6
    print(
        f"\n{opts.size_gb:g} GiB, {c} channels, {n:,} samples at 30 kHz; medians of {opts.repeats}\n"
    )
    print("| what | time (s) | MB/s | vs one sequential read |")
    print("|---|---:|---:|---:|")
    rows = [
        ("one sequential read of the file (8 MiB `readinto`)", t_read),
        ("`plot_traces` of the whole file, serial", t_serial),
        ("`plot_traces` of the whole file, 2 threads", t_thread),
        (
            f"first figure of a fresh process (imports, envelope, `savefig`; peak RssAnon {peak / 1e6:.0f} MB)",
            t_first,
        ),
    ]
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {mb / t:.0f} | x{t / t_read:.2f} |")
    print(f"\n(measured {time.strftime('%Y-%m-%d')})")


if __name__ == "__main__":
    main()
