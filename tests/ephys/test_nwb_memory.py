"""Bounded memory of the NWB writer: a generated 2 GiB recording written as an
``ElectricalSeries`` (gzip-compressed, streamed through hdmf's chunk iterator), in a child
process whose peak anonymous memory (RssAnon, sampled by
``benchmarks/_common.RssAnonSampler``) must stay under 300 MB.

The recording is SpikeInterface-style lazy noise (nothing exists until read), so the only
memory is what the writer holds: one block of samples and the HDF5 chunk cache. A few
windows of the written file are checked against ``get_traces``.
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
LIMIT = 300 * 10**6

SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler
    import memphys.ephys as si

    fs, n_ch = 30000.0, 16
    duration = 2 * 1024**3 / (n_ch * 2 * fs)
    rec = si.NoiseGeneratorRecording(
        n_ch, fs, [duration], noise_levels=40.0, dtype="int16", seed=7, noise_block_size=30000
    )
    rec.set_channel_gains(0.195)
    rec.set_channel_offsets(0.0)
    path = {path!r}
    with RssAnonSampler(interval=0.01) as sampler:
        t0 = time.perf_counter()
        si.write_recording_to_nwb(rec, path, compression_opts=1, validate=False,
                                  progress_bar=False)
        t_run = time.perf_counter() - t0
    back = si.read_nwb_recording(path)
    n = rec.get_num_samples()
    ok = back.get_num_samples() == n and back.get_num_channels() == n_ch
    for a in (0, n // 2 - 17, n - 100):
        ok = ok and np.array_equal(back.get_traces(start_frame=a, end_frame=a + 100),
                                   rec.get_traces(start_frame=a, end_frame=a + 100))
    ok = ok and np.allclose(back.get_channel_gains(), 0.195)
    print(json.dumps(dict(peak=sampler.peak_self, t=t_run, ok=bool(ok),
                          raw=int(n * n_ch * 2), size=os.path.getsize(path))))
    """
)


def test_write_2gib_recording_to_nwb_under_300mb(tmp_path):
    script = tmp_path / "mem.py"
    out = tmp_path / "big.nwb"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR), path=str(out)))
    try:
        proc = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=1500
        )
    finally:
        out.unlink(missing_ok=True)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\nwrite_recording_to_nwb (2 GiB, gzip 1): peak RssAnon {info['peak'] / 1e6:.0f} MB, "
        f"{info['t']:.1f} s, file {info['size'] / 1e9:.2f} GB"
    )
    assert info["ok"], info
    assert 0 < info["peak"] < LIMIT, info
