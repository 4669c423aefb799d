"""Bounded memory: ``plot_traces`` of the whole of a generated 2 GiB int16 64-channel
memmap (30 kHz, ~9 min) in a child process, whose peak anonymous memory (RssAnon, sampled
by another process: ``benchmarks/_common.ExternalRssSampler``) must stay under 200 MB.
The envelope of a few columns is checked against numpy's min/max of their rows, and the
time is reported beside one sequential read of the file (``benchmarks/bench_plot.py``
measures the ratio; docs/benchmarks.md quotes it)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
LIMIT = 200 * 10**6

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import ExternalRssSampler, make_raw_file

    raw, png = sys.argv[1], sys.argv[2]
    n, c = make_raw_file(raw, 2 * 2**30, n_channels=64)
    t0 = time.perf_counter()
    with open(raw, "rb", buffering=0) as fh:  # one sequential read (warm, as the plot's)
        buf = bytearray(8 * 2**20)
        while fh.readinto(buf):
            pass
    t_read = time.perf_counter() - t0
    del buf
    with ExternalRssSampler(interval=0.005) as sampler:
        sampler.reset()
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import memphys as nap
        from memphys.plot import plot_traces

        t1 = time.perf_counter()
        x = nap.TsdFrame(d=np.memmap(raw, dtype="int16", mode="r", shape=(n, c)), rate=30000.0)
        fig, ax = plt.subplots(figsize=(12, 9), dpi=100)
        out = plot_traces(x, ax=ax, progress_bar=False)
        fig.savefig(png)
        t_plot = time.perf_counter() - t1
        peak, children = sampler.peak()
    mm = np.memmap(raw, dtype="int16", mode="r", shape=(n, c))
    ok = True
    for k in (0, 1, len(out.row_edges) // 2, len(out.row_edges) - 2):
        a, b = out.row_edges[k], out.row_edges[k + 1]
        block = np.asarray(mm[a:b])
        ok = ok and np.array_equal(out.envelope[0][k], block.min(axis=0))
        ok = ok and np.array_equal(out.envelope[1][k], block.max(axis=0))
    print(json.dumps(dict(
        peak=peak, children=[children], t_read=t_read, t_plot=t_plot,
        columns=len(out.row_edges) - 1, rows=n, covered=int(out.row_edges[-1] - out.row_edges[0]),
        equal=bool(ok), mode=out.mode,
    )))
    """
)


def test_plot_traces_of_a_2gib_memmap_stays_under_200mb(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "raw.dat"), str(tmp_path / "whole.png")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    total = report["peak"] + sum(report["children"])
    print(
        f"\nplot_traces of 2 GiB x 64 ch: peak RssAnon {total / 1e6:.0f} MB, "
        f"{report['t_plot']:.2f} s (one sequential read: {report['t_read']:.2f} s, "
        f"ratio {report['t_plot'] / report['t_read']:.2f})"
    )
    assert report["mode"] == "envelope"
    assert report["covered"] == report["rows"]  # the whole file
    assert report["equal"]
    assert (tmp_path / "whole.png").stat().st_size > 10_000
    assert total < LIMIT, report
