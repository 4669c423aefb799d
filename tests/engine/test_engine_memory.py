"""Bounded memory: a chunked float64 reduction over a 2 GB int16 memmap with n_jobs=2.

The run happens in a child process (so this test process's memory does not count), which
samples the peak anonymous memory (RssAnon) of itself and of its worker processes from a
thread and reports it as JSON.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
LIMIT = 200 * 2**20

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler, make_raw_file
    from memphys.arrays import MemmapArray
    from memphys.engine import MeanVar, reduce_chunks

    path = sys.argv[1]
    t0 = time.perf_counter()
    shape = make_raw_file(path, 2 * 1024**3, n_channels=16)
    t_write = time.perf_counter() - t0
    src = MemmapArray(path, "int16", shape)
    with RssAnonSampler(interval=0.01) as sampler:
        t0 = time.perf_counter()
        r = reduce_chunks(src, MeanVar(), n_jobs=2, pool_engine="process", progress_bar=False)
        t_run = time.perf_counter() - t0
    print(json.dumps({{
        "n": r.n, "rows": shape[0], "mean": np.asarray(r.mean).tolist(),
        "var": np.asarray(r.var).tolist(), "peak_main": sampler.peak_self,
        "peak_workers": list(sampler.peak_children.values()),
        "t_write": t_write, "t_run": t_run,
    }}))
    """
)


def test_reduction_over_2gb_memmap_stays_under_200mb(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    data = tmp_path / "raw.dat"
    proc = subprocess.run(
        [sys.executable, str(script), str(data)], capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\npeak RssAnon: main {report['peak_main'] / 2**20:.1f} MiB, workers "
        f"{[round(v / 2**20, 1) for v in report['peak_workers']]} MiB; write "
        f"{report['t_write']:.1f} s, reduction {report['t_run']:.1f} s"
    )
    assert report["n"] == report["rows"] == 2 * 1024**3 // 32
    # the data are uniform in [-2000, 2000) shifted by 0..6: mean ~2.5, var ~ 4000**2 / 12
    assert all(-5 < m < 10 for m in report["mean"]), report["mean"]
    assert all(abs(v / (4000**2 / 12) - 1) < 0.01 for v in report["var"])
    assert len(report["peak_workers"]) >= 2, report  # the workers were sampled
    assert 0 < report["peak_main"] < LIMIT, report
    assert all(0 < v < LIMIT for v in report["peak_workers"]), report
    data.unlink()
