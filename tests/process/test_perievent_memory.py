"""Bounded memory of the peri-event analyses on a generated 2 GB int16 16-channel memmap.

Each operation runs in a child process that samples its own peak anonymous memory
(RssAnon, see ``benchmarks/_common.py``) from a thread and reports it as JSON; each must
stay under 300 MB (pynapple: +3.2 GB for the peri-event alignment, +2.0 GB for the ETA).
The recording (real data written in blocks, not a sparse file) is generated once per
module; the results are checked against direct reads of the memmap.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
LIMIT = 300 * 10**6
RATE = 1250.0
N_CH = 16

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler
    import memphys as nap

    raw, op = sys.argv[1:3]
    n = int(sys.argv[3])
    d = np.memmap(raw, dtype="int16", mode="r", shape=(n, {n_ch}))
    ev_t = np.sort(np.random.default_rng(0).uniform(1, n / {rate} - 1, 1000))
    info = {{}}
    with RssAnonSampler(interval=0.005) as sampler:
        t0 = time.perf_counter()
        x = nap.TsdFrame(d=d, rate={rate}, start=0.0)
        ev = nap.Ts(t=ev_t)
        if op == "perievent":
            r = nap.compute_perievent(x, ev, 0.1, n_jobs=2, pool_engine="thread")
            pos = np.rint(ev_t * {rate}).astype(int)
            k = 123
            ok = np.array_equal(r.values[:, k], d[pos[k] - 125 : pos[k] + 126])
        else:
            r = nap.compute_event_triggered_average(x, ev, {bs}, 0.1)
            ok = None
        info["shape"] = list(r.shape)
        info["t"] = time.perf_counter() - t0
    info["peak"] = sampler.peak_self
    if op == "eta":  # offset 0: the mean over events of their bin's mean
        k = np.floor(ev_t / {bs})
        lb = np.round(k * {bs}, 9)
        lo = x.time_index.searchsorted(lb)
        hi = x.time_index.searchsorted(np.round(lb + {bs}, 9))
        means = np.array([d[a:b].mean(axis=0) for a, b in zip(lo, hi)])
        ok = bool(np.allclose(r.values[round(0.1 / {bs}), 0], means.mean(axis=0), rtol=1e-9))
    info["ok"] = bool(ok)
    print(json.dumps(info))
    """
)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    from benchmarks._common import make_raw_file

    path = tmp_path_factory.mktemp("peri") / "raw.dat"
    n, _ = make_raw_file(str(path), 2 * 10**9, n_channels=N_CH)
    yield path, n
    path.unlink()


@pytest.mark.parametrize("op", ["perievent", "eta"])
def test_perievent_memory_under_300mb(recording, tmp_path, op):
    path, n = recording
    script = tmp_path / "mem.py"
    # 10 ms bins: 5.4 M bins over the recording, the case that used to pass 300 MB
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR), n_ch=N_CH, rate=RATE, bs=0.01))
    proc = subprocess.run(
        [sys.executable, str(script), str(path), op, str(n)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n{op}: peak RssAnon {info['peak'] / 1e6:.0f} MB, {info['t']:.2f} s")
    assert info["ok"], info
    assert info["shape"] == ([251, 1000, N_CH] if op == "perievent" else [21, 1, N_CH])
    assert 0 < info["peak"] < LIMIT, info
