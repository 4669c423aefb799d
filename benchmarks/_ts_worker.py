"""One (library, operation) measurement of ``bench_timeseries.py``, in its own process.

Run by the driver with the library's own interpreter (memphys with memphys's virtualenv,
pynapple with the peers' one)::

    python benchmarks/_ts_worker.py '<json arguments>'

It imports only numpy, the library named in the arguments (as ``nap``) and ``_common``
(numpy/stdlib only), so both interpreters can run it. It builds the ``TsdFrame`` over a
memmap of the raw file, warms the operation up once on a 10 s slice (numba compiles
pynapple's kernels on first use; memphys imports some modules lazily), then runs the
operation ``repeats`` times. For each run it records the wall time and the memory the
run adds: the peak ``RssAnon`` (anonymous resident memory: heap and private allocations,
not the page cache nor the mapped file) minus ``RssAnon`` just before the run (taken after
``gc.collect()`` and ``malloc_trim(0)``, so that memory freed by an earlier run and kept by
the allocator does not hide the next run's allocations), plus the peak ``RssAnon`` of any
child process. The peak is sampled every ``interval`` s by a separate sampler *process*
(``_common.ExternalRssSampler``): a sampling thread would be blocked while numba or numpy
code holds the GIL and miss the peaks allocated and freed inside one call. One more,
untimed run under ``tracemalloc`` gives the peak of the traced allocations (Python's and
numpy's, touched or not): a cross-check for runs shorter than the sampling interval. The
result is saved to ``<result>.t.npy`` / ``<result>.v.npy`` for the driver to
compare, and a JSON report is printed on the last line of stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import sys
import time
import tracemalloc
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import ExternalRssSampler


def _trim() -> None:
    """Collect garbage and give freed heap memory back to the OS (glibc ``malloc_trim``)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measured(fn: Any, sampler: ExternalRssSampler) -> tuple[Any, float, int]:
    """``fn()``'s result, wall time and added memory (peak RssAnon minus the baseline)."""
    _trim()
    base = sampler.reset()
    t0 = time.perf_counter()
    res = fn()
    dt = time.perf_counter() - t0
    peak, children = sampler.peak()
    return res, dt, peak - base + children


def traced_peak(fn: Any) -> int:
    """Peak of the memory traced by ``tracemalloc`` during ``fn()`` (Python and numpy)."""
    _trim()
    tracemalloc.start()
    try:
        res = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del res
    return peak


def car_int16(d: np.ndarray) -> np.ndarray:
    """Common average reference, int16 out: each sample minus the mean over channels."""
    m = np.rint(d.mean(axis=1, keepdims=True))
    return (d - m).astype(np.int16)


def main() -> None:
    a = json.loads(sys.argv[1])
    with ExternalRssSampler(interval=float(a.get("interval", 0.005))) as sampler:
        run(a, sampler)


def run(a: dict[str, Any], sampler: ExternalRssSampler) -> None:
    lib, op = a["lib"], a["op"]
    nap: Any = importlib.import_module(lib)
    if lib == "memphys":
        nap.set_config(progress_bar=False)
    n, n_ch, fs = int(a["n"]), int(a["n_channels"]), float(a["fs"])
    mm = np.memmap(a["data"], dtype=np.int16, mode="r", shape=(n, n_ch))
    if a.get("t_memmap"):
        t = np.load(a["t_memmap"], mmap_mode="r")
    else:
        t = np.arange(n) / fs  # created before any measurement: 8 bytes/sample in both
    events = np.load(a["events"])
    r0, r1 = a["restrict"]
    report: dict[str, Any] = {
        "lib": lib,
        "op": op,
        "version": getattr(nap, "__version__", "?"),
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }

    def build(m: int | None = None) -> Any:
        if a.get("rate"):  # memphys only: a regular index from the rate, no timestamps
            return nap.TsdFrame(d=mm if m is None else mm[:m], rate=fs)
        if m is None:
            return nap.TsdFrame(t=t, d=mm)
        return nap.TsdFrame(t=t[:m], d=mm[:m])

    def out_path() -> str:
        return a["result"] + ".map_out.npy"

    def make_op(x: Any) -> Any:
        if op == "restrict":
            ep = nap.IntervalSet(start=r0, end=r1)
            return lambda: x.restrict(ep)
        if op == "value_from":
            ts = nap.Ts(t=events)
            return lambda: ts.value_from(x)
        if op == "bin_average":
            return lambda: x.bin_average(0.1)
        if op == "count":
            return lambda: x.count(0.1)
        if op == "map_chunks":
            return lambda: x.map_chunks(car_int16, out=out_path())
        raise SystemExit(f"unknown op {op!r}")

    small = int(10 * fs)
    times: list[float] = []
    added: list[int] = []
    profiler = None
    if a.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
    if op == "construction":
        build(small)  # warm-up
        fn = build
    else:
        x, dt, mem = measured(build, sampler)
        report["construction_time"] = dt
        report["construction_added"] = mem
        make_op(build(small))()  # warm-up (numba compilation, lazy imports)
        fn = make_op(x)
    res = None
    for _ in range(int(a["repeats"])):
        res = None
        if op == "map_chunks" and os.path.exists(out_path()):
            os.remove(out_path())
        if profiler is not None:
            profiler.enable()
        res, dt, mem = measured(fn, sampler)
        if profiler is not None:
            profiler.disable()
        times.append(dt)
        added.append(mem)
    if profiler is not None:
        import pstats

        prof_path = a["result"] + ".prof"
        profiler.dump_stats(prof_path)
        st = pstats.Stats(profiler, stream=sys.stderr)
        st.sort_stats("cumulative").print_stats(30)
        st.sort_stats("tottime").print_stats(15)
        report["profile"] = prof_path
    if op != "map_chunks":
        keep = res
        res = None
        report["traced_peak"] = traced_peak(fn)
        res = keep

    # save (part of) the result for the driver's comparison
    if op == "construction":
        tail = res[-1000:]
        np.save(a["result"] + ".t.npy", np.asarray(tail.t))
        np.save(a["result"] + ".v.npy", np.asarray(tail.values))
        report["shape"] = list(res.shape)
        report["support"] = [float(res.time_support.start[0]), float(res.time_support.end[-1])]
    elif op == "map_chunks":
        v = res.values
        rows = np.r_[0:1000, n - 1000 : n]
        got = np.asarray(v[rows])
        report["checked"] = bool(np.array_equal(got, car_int16(np.asarray(mm[rows]))))
        report["shape"] = list(res.shape)
        np.save(a["result"] + ".t.npy", np.asarray(res[-1000:].t))
        np.save(a["result"] + ".v.npy", got)
        del v
        res = None
        os.remove(out_path())
    else:
        np.save(a["result"] + ".t.npy", np.asarray(res.t))
        np.save(a["result"] + ".v.npy", np.asarray(res.values))
        report["shape"] = list(res.shape)
    report["times"] = times
    report["added"] = added
    print(json.dumps(report))


if __name__ == "__main__":
    main()
