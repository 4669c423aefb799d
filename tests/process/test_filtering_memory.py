"""Bounded memory: band-pass filter of a 2 GB int16 16-channel memmap at 1250 Hz, written
to a zarr store with ``out=``, in a child process whose peak anonymous memory (RssAnon,
sampled from /proc by ``benchmarks/_common.RssAnonSampler``) must stay under 300 MB."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
LIMIT = 300 * 10**6

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    import zarr
    from _common import RssAnonSampler, make_raw_file
    import memphys as nap

    raw, out = sys.argv[1], sys.argv[2]
    n, c = make_raw_file(raw, 2 * 10**9, n_channels=16)
    eeg = nap.TsdFrame(t=np.arange(n) / 1250.0,
                       d=np.memmap(raw, dtype="int16", mode="r", shape=(n, c)))
    with RssAnonSampler(interval=0.01) as sampler:
        t0 = time.perf_counter()
        y = nap.apply_bandpass_filter(eeg, (10, 20), 1250, out=out, n_jobs=2,
                                      pool_engine="thread", progress_bar=False)
        t_run = time.perf_counter() - t0
    z = zarr.open_array(out, mode="r")
    # spot check a block in the middle against scipy on the same rows with a wide margin
    from scipy import signal
    sos = signal.butter(4, (10, 20), btype="bandpass", fs=1250, output="sos")
    a = n // 2
    ref = signal.sosfiltfilt(sos, np.asarray(eeg.values[a - 20000 : a + 20000]), axis=0)
    got = np.asarray(z[a - 1000 : a + 1000], dtype=np.float64)
    err = float(np.abs(got - ref[19000:21000]).max() / np.abs(ref).max())
    print(json.dumps({{
        "peak_main": sampler.peak_self, "peak_children": list(sampler.peak_children.values()),
        "t_run": t_run, "shape": list(z.shape), "dtype": str(z.dtype), "type": type(y).__name__,
        "rows": n, "err": err,
    }}))
    """
)


@pytest.mark.slow
def test_bandpass_2gb_memmap_to_zarr_under_300mb(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "raw.dat"), str(tmp_path / "out.zarr")],
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\npeak RssAnon {report['peak_main'] / 1e6:.0f} MB, filter + zarr write "
        f"{report['t_run']:.1f} s, error vs scipy {report['err']:.2e}"
    )
    assert report["type"] == "TsdFrame"
    assert report["shape"] == [report["rows"], 16]
    assert report["dtype"] == "float32"
    assert report["err"] < 1e-4
    assert report["peak_main"] + sum(report["peak_children"]) < LIMIT
