"""Benchmark of the time-series operations against pynapple (issue 4) on a 1 GiB memmap.

Run manually (it is not a test)::

    /work/venv/bin/python benchmarks/bench_timeseries.py [--data-dir DIR] [--size-mb 1024]
        [--repeats 3] [--peer-python /work/peers-venv/bin/python] [--profile]

It generates a 1 GiB int16, 16-channel raw file at 1250 Hz (once; reused afterwards; random
data, not a sparse file), 1,000 seeded random event times and the float64 timestamps as a
``.npy``, reads the file once to warm the page cache (runs compare compute, not disk), then
runs every (library, operation) in a separate child process (``_ts_worker.py``) with the
library's own interpreter: memphys with this one, pynapple with ``--peer-python`` (a
virtualenv without memphys). The operations, on ``x = TsdFrame(t=np.arange(n) / 1250,
d=memmap)``:

- construction of ``x`` (``t`` is created before the measurement: it costs 8 bytes per
  sample in both libraries), and construction with ``t`` a float64 ``.npy`` memmap;
- ``x.restrict(IntervalSet(T/2, T/2 + 10))``;
- ``Ts(t=events).value_from(x)`` with 1,000 events;
- ``x.bin_average(0.1)``;
- ``x.count(0.1)`` (samples per 0.1 s bin of the TsdFrame itself);
- ``x.map_chunks(common average reference, out=".npy")`` (memphys only: no pynapple
  equivalent).

Each worker saves its result; the driver checks that both libraries agree (exactly, except
``bin_average``: ``np.allclose``) and prints a markdown table of medians, speed-ups and the
memory each operation adds (peak ``RssAnon`` minus the baseline before it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import make_raw_file

HERE = os.path.dirname(os.path.abspath(__file__))
N_CHANNELS = 16
FS = 1250.0
N_EVENTS = 1000
WORKER = os.path.join(HERE, "_ts_worker.py")

# (operation, minimum speed-up or None); every operation has the memory target (< 1/10)
OPS: list[tuple[str, float | None]] = [
    ("construction", 10.0),
    ("construction_tmemmap", 10.0),
    ("construction_rate", None),
    ("restrict", None),
    ("value_from", 50.0),
    ("bin_average", 3.0),
    ("count", 3.0),
    ("map_chunks", None),
]
LABELS = {
    "construction": "`TsdFrame(t=np.arange(n)/1250, d=memmap)`",
    "construction_tmemmap": "`TsdFrame(t=<float64 .npy memmap>, d=memmap)`",
    "construction_rate": "memphys `TsdFrame(d=memmap, rate=1250)` vs pynapple's from `t`",
    "restrict": "`restrict` to 10 s",
    "value_from": "`Ts(1000 events).value_from(x)`",
    "bin_average": "`bin_average(0.1)`",
    "count": "`count(0.1)` (samples per bin)",
    "map_chunks": "`map_chunks(CAR, out='.npy')`",
}
MEMORY_RATIO = 10.0
MEMPHYS_ONLY = ("map_chunks", "construction_rate")


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def warm(path: str) -> None:
    """Read the file once so that it sits in the page cache."""
    with open(path, "rb") as fh:
        while fh.read(64 * 2**20):
            pass


def run_worker(python: str, args: dict[str, Any], verbose: bool) -> dict[str, Any]:
    proc = subprocess.run(
        [python, WORKER, json.dumps(args)], capture_output=True, text=True, timeout=1800
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"worker failed: {args['lib']} {args['op']} (rc {proc.returncode})")
    if verbose and proc.stderr:
        sys.stderr.write(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def compare(op: str, prefix_a: str, prefix_b: str) -> str:
    """'ok' or a description of the mismatch between the two libraries' saved results."""
    ta, tb = np.load(prefix_a + ".t.npy"), np.load(prefix_b + ".t.npy")
    va, vb = np.load(prefix_a + ".v.npy"), np.load(prefix_b + ".v.npy")
    if ta.shape != tb.shape or va.shape != vb.shape:
        return f"shapes differ: t {ta.shape} vs {tb.shape}, values {va.shape} vs {vb.shape}"
    if not np.allclose(ta, tb, rtol=0, atol=1e-9):
        return f"times differ (max |dt| {np.max(np.abs(ta - tb)):.3g} s)"
    if op == "bin_average":
        if not np.allclose(va, vb, equal_nan=True):
            return f"values differ (max |dv| {np.nanmax(np.abs(va - vb)):.3g})"
    elif va.dtype != vb.dtype or not np.array_equal(va, vb, equal_nan=va.dtype.kind == "f"):
        return f"values differ (dtypes {va.dtype} vs {vb.dtype})"
    return "ok"


def mb(nbytes: float) -> float:
    return max(nbytes, 0) / 1e6


def added_mb(r: dict[str, Any]) -> float:
    """Memory an operation adds (MB): the largest sampled RssAnon increase over the runs."""
    return mb(max(r["added"]))


def fmt_ratio(pyn: float, mem: float) -> str:
    """memphys's added memory as a fraction of pynapple's ('1/k')."""
    floor = 0.1  # MB: below the resolution of RssAnon sampling (4 kB pages, 5 ms)
    if pyn < 1.0:
        return "n/a (both < 1 MB)" if mem < 1.0 else f"{mem / max(pyn, floor):.1f}x"
    return f"1/{pyn / max(mem, floor):.0f}" if mem < pyn else f"{mem / pyn:.2f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "memphys_bench"))
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-python", default="/work/peers-venv/bin/python")
    ap.add_argument("--interval", type=float, default=0.005, help="RssAnon sampling period (s)")
    ap.add_argument("--only", nargs="*", help="operations to run (default: all)")
    ap.add_argument("--profile", action="store_true", help="cProfile the memphys runs")
    args = ap.parse_args()

    os.makedirs(args.data_dir, exist_ok=True)
    path = os.path.join(args.data_dir, f"raw_{args.size_mb}MB_{N_CHANNELS}ch.dat")
    nbytes = args.size_mb * 2**20
    n = nbytes // (2 * N_CHANNELS)
    if not os.path.exists(path) or os.path.getsize(path) != nbytes:
        print(f"generating {path} ...", file=sys.stderr)
        make_raw_file(path, nbytes, N_CHANNELS)
    duration = n / FS
    t_path = os.path.join(args.data_dir, f"t_{n}_{FS:g}Hz.npy")
    if not os.path.exists(t_path):
        np.save(t_path, np.arange(n) / FS)
    rng = np.random.default_rng(42)
    events = np.sort(rng.uniform(0.0, (n - 1) / FS, N_EVENTS))
    ev_path = os.path.join(args.data_dir, "events.npy")
    np.save(ev_path, events)
    warm(path)
    warm(t_path)

    load_before = loadavg()
    pythons = {"pynapple": args.peer_python, "memphys": sys.executable}
    base = {
        "data": path,
        "n": n,
        "n_channels": N_CHANNELS,
        "fs": FS,
        "events": ev_path,
        "restrict": [duration / 2, duration / 2 + 10.0],
        "repeats": args.repeats,
        "interval": args.interval,
    }
    reports: dict[tuple[str, str], dict[str, Any]] = {}
    checks: dict[str, str] = {}
    ops = [o for o in OPS if not args.only or o[0] in args.only]
    for op, _ in ops:
        libs = ["memphys"] if op in MEMPHYS_ONLY else ["pynapple", "memphys"]
        for lib in libs:
            wargs = dict(base, lib=lib, op=op.removesuffix("_tmemmap").removesuffix("_rate"))
            wargs["result"] = os.path.join(args.data_dir, f"result_{lib}_{op}")
            if op.endswith("_tmemmap"):
                wargs["t_memmap"] = t_path
            wargs["rate"] = op.endswith("_rate")
            wargs["profile"] = bool(args.profile and lib == "memphys")
            print(f"{op} / {lib} ...", file=sys.stderr, flush=True)
            reports[lib, op] = run_worker(pythons[lib], wargs, args.profile)
        if op == "map_chunks":
            ok = reports["memphys", op].get("checked")
            checks[op] = "ok (vs numpy on 2,000 rows)" if ok else "MISMATCH vs numpy"
        elif op == "construction_rate":
            if ("pynapple", "construction") not in reports:
                checks[op] = "not compared (run `construction` too)"
                continue
            reports["pynapple", op] = reports["pynapple", "construction"]
            checks[op] = compare(
                op,
                os.path.join(args.data_dir, "result_pynapple_construction"),
                os.path.join(args.data_dir, f"result_memphys_{op}"),
            )
        else:
            checks[op] = compare(
                op,
                os.path.join(args.data_dir, f"result_pynapple_{op}"),
                os.path.join(args.data_dir, f"result_memphys_{op}"),
            )
        if not checks[op].startswith("ok"):
            print(f"\n!!! RESULTS DIFFER for {op}: {checks[op]} !!!\n", file=sys.stderr)

    mp = next(iter(r for (lib, _), r in reports.items() if lib == "memphys"))
    pn = next(iter(r for (lib, _), r in reports.items() if lib == "pynapple"), None)
    print(
        f"\n{datetime.date.today()} on {platform.node() or 'unknown'}: {os.cpu_count()} cores, "
        f"Python {mp['python']}, numpy {mp['numpy']}, memphys {mp['version']}"
        + (f", pynapple {pn['version']} (numpy {pn['numpy']})" if pn else "")
        + f"; {args.size_mb} MiB int16 x {N_CHANNELS} channels at {FS:g} Hz ({n:,} samples, "
        f"{duration:.0f} s), warm page cache, median of {args.repeats}; load average "
        f"{load_before} before, {loadavg()} after\n"
    )
    print(
        "| operation | pynapple time (s) | memphys time (s) | speed-up | pynapple memory "
        "added (MB) | memphys memory added (MB) | memory ratio | target met? | first-run "
        "speed-up |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    extra = []
    for op, speed_target in ops:
        m = reports["memphys", op]
        tm, am = statistics.median(m["times"]), added_mb(m)
        p = reports.get(("pynapple", op))
        if p is None:
            print(
                f"| {LABELS[op]} | - | {tm:.3f} | - | - | {am:.1f} | - | (no pynapple "
                "equivalent) | - |"
            )
            extra.append((op, None, m))
            continue
        tp, ap_ = statistics.median(p["times"]), added_mb(p)
        speed = tp / tm
        verdicts = []
        if speed_target is not None:
            verdicts.append(f"time x{speed_target:g}: {'yes' if speed >= speed_target else 'NO'}")
        if ap_ >= 1.0:
            verdicts.append(f"memory: {'yes' if am < ap_ / MEMORY_RATIO else 'NO'}")
        else:
            verdicts.append("memory: n/a (pynapple < 1 MB)")
        if not checks[op].startswith("ok"):
            verdicts.append(f"**RESULTS DIFFER: {checks[op]}**")
        print(
            f"| {LABELS[op]} | {tp:.3f} | {tm:.4f} | x{speed:.1f} | {ap_:.1f} | {am:.1f} | "
            f"{fmt_ratio(ap_, am)} | {'; '.join(verdicts)} | "
            f"x{p['times'][0] / m['times'][0]:.1f} |"
        )
        extra.append((op, p, m))

    print("\nPer run (all repeats) and the tracemalloc cross-check (peak traced, MB):\n")
    print("| operation | library | times (s) | RssAnon added (MB) | tracemalloc peak (MB) |")
    print("|---|---|---|---|---:|")
    for op, p, m in extra:
        for lib, r in (("pynapple", p), ("memphys", m)):
            if r is None or (lib == "pynapple" and op in MEMPHYS_ONLY):
                continue
            ts = ", ".join(f"{x:.4f}" for x in r["times"])
            ad = ", ".join(f"{mb(x):.1f}" for x in r["added"])
            tr = f"{mb(r['traced_peak']):.1f}" if "traced_peak" in r else "-"
            print(f"| {op} | {lib} | {ts} | {ad} | {tr} |")
    print("\nresult checks: " + ", ".join(f"{op} {c}" for op, c in checks.items()))


if __name__ == "__main__":
    main()
