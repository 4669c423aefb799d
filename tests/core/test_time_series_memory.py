"""Bounded memory of the time-series methods on a generated 2 GB int16 16-channel memmap.

Each operation runs in a child process that samples its own peak anonymous memory
(RssAnon, see ``benchmarks/_common.py``) from a thread and reports it as JSON; each must
stay under 150 MiB. The recording (real data written in blocks, not a sparse file) and
its float64 timestamps (a ``.npy`` memmap) are generated once per module.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
LIMIT = 150 * 2**20
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

    raw, tpath, op, tmp = sys.argv[1:5]
    n = int(sys.argv[5])
    d = np.memmap(raw, dtype="int16", mode="r", shape=(n, {n_ch}))
    t = np.load(tpath, mmap_mode="r")
    info = {{}}
    with RssAnonSampler(interval=0.005) as sampler:
        t0 = time.perf_counter()
        x = nap.TsdFrame(t=t, d=d)
        if op == "construct":
            info["n"] = len(x)
        elif op == "restrict":
            r = x.restrict(nap.IntervalSet(100.0, 110.0))
            info["n"] = len(r)
            info["sum"] = float(np.asarray(r.values, dtype=float).sum())
        elif op == "value_from":
            ev = nap.Ts(t=np.sort(np.random.default_rng(0).uniform(0, n / {rate}, 1000)))
            v = ev.value_from(x)
            info["n"] = len(v)
            pos = np.clip(np.rint(ev.t * {rate}).astype(int), 0, n - 1)
            info["ok"] = bool(np.array_equal(v.values, d[pos]))
        elif op == "bin_average":
            b = x.bin_average(0.1, out=tmp + "/b.zarr")
            info["n"] = len(b)
            k = 1234
            lo = x.time_index.searchsorted(b.t[k] - 0.05)
            hi = x.time_index.searchsorted(b.t[k] + 0.05)
            info["ok"] = bool(np.allclose(np.asarray(b.values[k]), d[lo:hi].mean(axis=0)))
        elif op == "map_chunks":
            m = x.map_chunks(
                lambda v: v.mean(axis=1, keepdims=True, dtype=np.float32),
                out=tmp + "/m.npy",
            )
            info["n"] = len(m)
            info["ok"] = bool(np.allclose(m.values[-5:, 0], d[-5:].mean(axis=1)))
        info["t_run"] = time.perf_counter() - t0
    info["peak"] = sampler.peak_self
    print(json.dumps(info))
    """
)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    from benchmarks._common import make_raw_file

    folder = tmp_path_factory.mktemp("memory")
    raw = folder / "raw.dat"
    n, _ = make_raw_file(str(raw), 2 * 1024**3, n_channels=N_CH)
    tpath = folder / "t.npy"
    t = np.lib.format.open_memmap(str(tpath), mode="w+", dtype=np.float64, shape=(n,))
    step = 2**22
    for a in range(0, n, step):
        b = min(a + step, n)
        t[a:b] = np.arange(a, b) / RATE
    t.flush()
    del t
    script = folder / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR), n_ch=N_CH, rate=RATE))
    return script, raw, tpath, n, folder


def _run(recording, op):
    script, raw, tpath, n, folder = recording
    out = folder / op
    out.mkdir(exist_ok=True)
    proc = subprocess.run(
        [sys.executable, str(script), str(raw), str(tpath), op, str(out), str(n)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n{op}: peak RssAnon {report['peak'] / 2**20:.1f} MiB in {report['t_run']:.1f} s")
    assert report["peak"] < LIMIT, report
    return report


def test_construction_from_memmapped_times(recording):
    assert _run(recording, "construct")["n"] == recording[3]


def test_restrict_10s(recording):
    assert _run(recording, "restrict")["n"] == 12501


def test_value_from_1000_events(recording):
    report = _run(recording, "value_from")
    assert report["n"] == 1000
    assert report["ok"]


def test_bin_average_to_zarr(recording):
    report = _run(recording, "bin_average")
    assert report["ok"]
    assert report["n"] > 500_000


def test_map_chunks_to_npy(recording):
    report = _run(recording, "map_chunks")
    assert report["ok"]
    assert report["n"] == recording[3]
