"""What an operation returns, on a generated 1 GiB int16 16-channel memmap (issue 10).

- ``nap.apply_bandpass_filter(eeg, (10, 20), 1250)`` without ``out=`` returns the float32
  result in memory (2 GiB: it fits the available memory), and the working memory of the
  computation, the peak ``RssAnon`` of the child process minus the result's own bytes,
  stays under 300 MB;
- ``eeg[:, 0]`` returns a lazy column without reading the file;
- with the memory budget below the result's size and the available memory reported small,
  the result is a temporary memmap (removed with it), the warning names ``out=``, and the
  process's anonymous memory stays under 300 MB.
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

SCRIPT = textwrap.dedent(
    """
    import gc, json, os, sys, time, warnings
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler, make_raw_file, rss_anon_bytes
    import memphys as nap
    from memphys.engine import ResultOnDiskWarning

    raw = sys.argv[1]
    n, c = make_raw_file(raw, 2**30, n_channels=16)
    eeg = nap.TsdFrame(d=np.memmap(raw, dtype="int16", mode="r", shape=(n, c)), rate=1250.0)
    from scipy import signal
    sos = signal.butter(4, (10, 20), btype="bandpass", fs=1250, output="sos")
    a = n // 2
    ref = signal.sosfiltfilt(sos, np.asarray(eeg.values[a - 20000 : a + 20000]), axis=0)
    nap.apply_bandpass_filter(eeg.restrict(nap.IntervalSet(0, 10)), (10, 20), 1250)  # warm up
    gc.collect()
    report = {{"rows": n, "before": rss_anon_bytes()}}

    # 1. the seed's call: a result in memory
    with RssAnonSampler(interval=0.01) as sampler:
        t0 = time.perf_counter()
        y = nap.apply_bandpass_filter(eeg, (10, 20), 1250)
        report["t_memory"] = time.perf_counter() - t0
    report["peak_memory"] = sampler.peak_self
    report["result_bytes"] = int(y.values.nbytes)
    report["type_memory"] = type(y.values).__name__
    got = np.asarray(y.values[a - 1000 : a + 1000], dtype=np.float64)
    report["err"] = float(np.abs(got - ref[19000:21000]).max() / np.abs(ref).max())
    del y
    gc.collect()

    # 2. a column
    with RssAnonSampler(interval=0.01) as sampler:
        col = eeg[:, 0]
        report["column_head"] = col.values[:3].tolist()
    report["peak_column"] = sampler.peak_self
    report["type_column"] = type(col.values).__name__
    report["column_ok"] = bool(np.array_equal(col.values[a : a + 5], eeg.values[a : a + 5, 0]))

    # 3. budget below the result, little memory available: a temporary file
    os.environ["MEMPHYS_MEMORY_AVAILABLE"] = "1G"
    nap.set_config(memory_budget="64M")
    gc.collect()
    with RssAnonSampler(interval=0.01) as sampler:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            z = nap.apply_bandpass_filter(eeg, (10, 20), 1250)
    report["peak_disk"] = sampler.peak_self
    report["type_disk"] = type(z.values).__name__
    report["warnings"] = [str(w.message) for w in caught if w.category is ResultOnDiskWarning]
    folder = os.path.dirname(z.values.filename)
    got = np.asarray(z.values[a - 1000 : a + 1000], dtype=np.float64)
    report["err_disk"] = float(np.abs(got - ref[19000:21000]).max() / np.abs(ref).max())
    del z, got
    gc.collect()
    report["temp_removed"] = not os.path.exists(folder)
    print(json.dumps(report))
    """
)


@pytest.mark.slow
def test_results_of_a_1gib_memmap_in_memory_lazy_or_on_disk(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "raw.dat")],
        capture_output=True,
        text=True,
        timeout=500,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    working = r["peak_memory"] - r["result_bytes"]
    print(
        f"\nin memory: peak RssAnon {r['peak_memory'] / 1e6:.0f} MB, result "
        f"{r['result_bytes'] / 1e6:.0f} MB, working {working / 1e6:.0f} MB, "
        f"{r['t_memory']:.1f} s; column: peak {r['peak_column'] / 1e6:.0f} MB; on disk: "
        f"peak {r['peak_disk'] / 1e6:.0f} MB"
    )
    assert r["type_memory"] == "ndarray"
    assert r["result_bytes"] == r["rows"] * 16 * 4
    assert r["err"] < 1e-4
    assert working < LIMIT
    assert r["type_column"] in ("memmap", "ColumnView")
    assert r["column_ok"]
    assert r["peak_column"] < LIMIT
    assert r["type_disk"] == "memmap"
    assert len(r["warnings"]) == 1
    assert "out=" in r["warnings"][0]
    assert r["err_disk"] < 1e-4
    assert r["peak_disk"] < LIMIT
    assert r["temp_removed"]
