"""Bounded memory of the SpikeInterface face's full passes, measured in child processes.

A generated 2 GiB int16 recording (64 channels at 30 kHz, lazy: nothing exists until read)
is saved to a binary folder and to a zarr store with ``n_jobs=2, total_memory="100M"``,
and its noise levels are estimated. A thread samples the peak anonymous memory
(``RssAnon``) of the child process and of each of its workers; the sum over the process
tree must stay under the limits. A few blocks of each output are checked against the
generator.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
MiB = 2**20

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler
    import memphys.ephys as si

    op, out = sys.argv[1], sys.argv[2]
    fs, n_ch = 30000.0, 64
    duration = 2 * 1024**3 / (n_ch * 2 * fs)
    rec = si.NoiseGeneratorRecording(
        n_ch, fs, [duration], noise_levels=40.0, dtype="int16", seed=7, noise_block_size=30000
    )
    rec.set_channel_gains(0.195)
    rec.set_channel_offsets(0.0)
    job = dict(n_jobs=2, total_memory="100M", progress_bar=False)
    with RssAnonSampler(interval=0.01) as sampler:
        t0 = time.perf_counter()
        if op == "binary":
            saved = rec.save(folder=out, **job)
        elif op == "zarr":
            saved = rec.save(format="zarr", folder=out, **job)
        else:
            noise = si.get_noise_levels(rec, progress_bar=False)
        t_run = time.perf_counter() - t0
    report = dict(
        peak_main=sampler.peak_self,
        peak_workers=list(sampler.peak_children.values()),
        t_run=t_run,
        n=rec.get_num_samples(),
    )
    if op == "noise":
        report["noise"] = np.asarray(noise).tolist()
    else:
        rng = np.random.default_rng(0)
        ok = saved.get_num_samples() == rec.get_num_samples()
        for a in rng.integers(0, rec.get_num_samples() - 50_000, 5):
            ok = ok and np.array_equal(
                saved.get_traces(start_frame=a, end_frame=a + 50_000),
                rec.get_traces(start_frame=a, end_frame=a + 50_000),
            )
        report["equal"] = bool(ok)
    print(json.dumps(report))
    """
)


def _run(tmp_path: pathlib.Path, op: str) -> dict:
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(script), op, str(out)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    total = report["peak_main"] + sum(report["peak_workers"])
    print(
        f"\n{op}: peak RssAnon main {report['peak_main'] / MiB:.1f} MiB, workers "
        f"{[round(v / MiB, 1) for v in report['peak_workers']]} MiB, total {total / MiB:.1f} "
        f"MiB; {report['t_run']:.1f} s"
    )
    report["total"] = total
    return report


@pytest.mark.parametrize("fmt", ["binary", "zarr"])
def test_save_2gib_stays_under_250mb(tmp_path, fmt):
    report = _run(tmp_path, fmt)
    assert report["equal"]
    assert len(report["peak_workers"]) == 2, report  # two worker processes were sampled
    assert report["total"] < 250e6, report


def test_noise_levels_stay_under_150mb(tmp_path):
    report = _run(tmp_path, "noise")
    assert all(7.5 < v < 8.1 for v in report["noise"]), report["noise"]  # 40 * 0.195 uV
    assert report["total"] < 150e6, report
