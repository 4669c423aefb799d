"""Bounded memory of the bridge: a generated 2 GiB recording as a TsdFrame, then
``compute_perievent`` on 1,000 events, in a child process whose peak anonymous memory
(RssAnon, sampled by ``benchmarks/_common.RssAnonSampler``) must stay under 200 MB.

The recording is SpikeInterface-style lazy noise (nothing exists until read), so the only
memory is what the conversion and the analysis hold: pynapple on the same data loads the
whole support (+3.2 GB for the alignment, ANCHORS.md). A few windows are checked against
``get_traces``.
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
LIMIT = 200 * 10**6

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler
    import memphys as nap
    import memphys.ephys as si

    fs, n_ch = 30000.0, 16
    duration = 2 * 1024**3 / (n_ch * 2 * fs)
    rec = si.NoiseGeneratorRecording(
        n_ch, fs, [duration], noise_levels=40.0, dtype="int16", seed=7, noise_block_size=30000
    )
    ev_t = np.sort(np.random.default_rng(0).uniform(1, duration - 1, 1000))
    with RssAnonSampler(interval=0.005) as sampler:
        t0 = time.perf_counter()
        frame = rec.to_tsdframe()
        peri = nap.compute_perievent(frame, nap.Ts(t=ev_t), window=0.01)
        t_run = time.perf_counter() - t0
    ok = True
    half = int(round(0.01 * fs))
    for k in (0, 500, 999):
        pos = int(rec.time_to_sample_index(ev_t[k]))
        ok = ok and np.array_equal(
            peri.values[:, k], rec.get_traces(start_frame=pos - half, end_frame=pos + half + 1)
        )
    print(json.dumps(dict(peak=sampler.peak_self, t=t_run, shape=list(peri.shape),
                          ok=bool(ok), result=int(peri.values.nbytes))))
    """
)


def test_tsdframe_perievent_on_2gib_recording_under_200mb(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\nto_tsdframe + compute_perievent(1000 events): peak RssAnon "
        f"{info['peak'] / 1e6:.0f} MB (result {info['result'] / 1e6:.0f} MB), {info['t']:.2f} s"
    )
    assert info["ok"], info
    assert info["shape"] == [601, 1000, 16]
    assert 0 < info["peak"] < LIMIT, info
