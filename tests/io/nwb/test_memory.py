"""Bounded memory: filtering a 2 GB int16 memmap into an NWB processing module.

In a child process (so this test process's memory does not count), sampling the peak
anonymous memory (RssAnon) of itself and of the filter's worker processes:

1. a 2 GiB 16-channel int16 memmap at 1250 Hz is band-pass filtered with
   ``apply_bandpass_filter(..., out="filtered.npy", n_jobs=2)`` (a lazy float32 TsdFrame,
   4 GiB on disk), then streamed by ``write_nwb`` into ``processing/ecephys`` through the
   hdmf chunk iterator (uncompressed: gzip on this machine runs at 15-30 MB/s, which would
   take minutes for 4 GiB);
2. a 256 MiB window of the filtered data is streamed with gzip + shuffle into a second
   file, so the compression filters are measured too.

Both stay under 300 MB of anonymous memory; the written data equal the filter's output.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

BENCH_DIR = pathlib.Path(__file__).resolve().parents[3] / "benchmarks"
LIMIT = 300 * 2**20

SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time, warnings
    sys.path.insert(0, {bench!r})
    import h5py
    import numpy as np
    from _common import RssAnonSampler, make_raw_file
    import memphys as nap
    from memphys.io.nwb.write import write_nwb

    warnings.simplefilter("ignore")
    folder = sys.argv[1]
    raw = os.path.join(folder, "raw.dat")
    t0 = time.perf_counter()
    shape = make_raw_file(raw, 2 * 1024**3, n_channels=16)
    t_make = time.perf_counter() - t0
    frame = nap.TsdFrame(t=None, d=np.memmap(raw, dtype="int16", mode="r", shape=shape),
                         rate=1250.0, start=0.0)
    out_npy = os.path.join(folder, "filtered.npy")
    nwb = os.path.join(folder, "session.nwb")
    nwb_gz = os.path.join(folder, "window_gzip.nwb")
    window = 256 * 2**20 // (16 * 4)
    with RssAnonSampler(interval=0.01) as s1:
        t0 = time.perf_counter()
        filt = nap.apply_bandpass_filter(frame, (300.0, 600.0), out=out_npy, n_jobs=2,
                                         progress_bar=False)
        t_filter = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_nwb(filt, nwb, "bandpass", location="processing", module="ecephys",
                  compression=None, progress_bar=False)
        t_write = time.perf_counter() - t0
    peak_main_1 = s1.peak_self
    with RssAnonSampler(interval=0.01) as s2:
        t0 = time.perf_counter()
        part = nap.TsdFrame(t=None, d=np.load(out_npy, mmap_mode="r")[:window], rate=1250.0,
                            start=0.0)
        write_nwb(part, nwb_gz, "bandpass", location="processing", module="ecephys",
                  compression="gzip", compression_opts=1, shuffle=True, progress_bar=False)
        t_gzip = time.perf_counter() - t0
    ref = np.load(out_npy, mmap_mode="r")
    with h5py.File(nwb, "r") as f, h5py.File(nwb_gz, "r") as g:
        ds = f["processing/ecephys/bandpass/data"]
        dg = g["processing/ecephys/bandpass/data"]
        n = ds.shape[0]
        checks = {{
            "shape": list(ds.shape), "dtype": str(ds.dtype),
            "rate": float(f["processing/ecephys/bandpass/starting_time"].attrs["rate"]),
            "equal": all(np.array_equal(ds[a:a + 20000], ref[a:a + 20000])
                         for a in (0, n // 3, n - 20000)),
            "gzip": dg.compression, "gzip_shape": list(dg.shape),
            "gzip_equal": bool(np.array_equal(dg[-20000:], ref[window - 20000:window])),
        }}
    print(json.dumps({{
        "rows": shape[0], "peak_main": peak_main_1, "peak_main_gzip": s2.peak_self,
        "peak_workers": list(s1.peak_children.values()), "t_make": t_make,
        "t_filter": t_filter, "t_write": t_write, "t_gzip": t_gzip,
        "nwb_bytes": os.path.getsize(nwb), "gzip_bytes": os.path.getsize(nwb_gz),
        "files": sorted(os.listdir(folder)), **checks,
    }}))
    """
)


@pytest.mark.slow
def test_filtering_2gb_memmap_into_nwb_stays_under_300mb(tmp_path):
    script = tmp_path / "nwb_mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, str(script), str(work)], capture_output=True, text=True, timeout=280
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\npeak RssAnon: main {r['peak_main'] / 2**20:.1f} MiB (gzip window "
        f"{r['peak_main_gzip'] / 2**20:.1f} MiB), workers "
        f"{[round(v / 2**20, 1) for v in r['peak_workers']]} MiB; make {r['t_make']:.1f} s, "
        f"filter {r['t_filter']:.1f} s, NWB write {r['t_write']:.1f} s "
        f"({r['nwb_bytes'] / 2**30:.2f} GiB), gzip window {r['t_gzip']:.1f} s "
        f"({r['gzip_bytes'] / 2**20:.0f} MiB)"
    )
    assert r["shape"] == [2 * 1024**3 // 32, 16]
    assert r["dtype"] == "float32"
    assert r["rate"] == 1250.0
    assert r["equal"]
    assert r["gzip"] == "gzip"
    assert r["gzip_equal"]
    assert r["nwb_bytes"] > 4 * 1024**3  # all the float32 data are in the file
    assert not [f for f in r["files"] if "partial" in f]
    assert 0 < r["peak_main"] < LIMIT, r
    assert 0 < r["peak_main_gzip"] < LIMIT, r
    assert len(r["peak_workers"]) >= 2, r  # the filter's workers were sampled
    assert all(0 < v < LIMIT for v in r["peak_workers"]), r
