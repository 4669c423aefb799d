"""One band-pass filter measurement of ``bench_filtering.py``, in its own process.

Run by the driver with the library's own interpreter (memphys's virtualenv or the peers'
one with pynapple)::

    python benchmarks/_filter_worker.py '<json arguments>'

It imports numpy, the library named in the arguments (as ``nap``) and ``_common``, builds
a ``TsdFrame`` over a memmap of the first ``n`` rows of the raw int16 file, warms the
filter up on 10 s (numba compilation, lazy imports), then runs
``nap.apply_bandpass_filter(x, band, fs)`` ``repeats`` times (memphys: with ``out=`` a
``.npy`` file when asked, and job kwargs). For each run it records the wall time and
the memory the run adds: peak ``RssAnon`` minus ``RssAnon`` before the run, sampled by
a separate process (``_common.ExternalRssSampler``). A few rows of the result (head,
middle, tail) are saved for the driver to compare, and a JSON report is printed on the
last line of stdout.
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
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import ExternalRssSampler


def _trim() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def main() -> None:
    a = json.loads(sys.argv[1])
    nap: Any = importlib.import_module(a["lib"])
    if a["lib"] == "memphys":
        nap.set_config(progress_bar=False)
    n, n_ch, fs = int(a["n"]), int(a["n_channels"]), float(a["fs"])
    band = tuple(a["band"])
    mm = np.memmap(a["data"], dtype=np.int16, mode="r", shape=(n, n_ch))
    t = np.arange(n) / fs
    kwargs: dict[str, Any] = dict(a.get("kwargs", {}))
    out = a.get("out")
    with ExternalRssSampler(interval=0.005) as sampler:
        _trim()
        base = sampler.reset()
        t0 = time.perf_counter()
        x = nap.TsdFrame(t=t, d=mm)
        t_build = time.perf_counter() - t0
        build_added = sampler.peak()[0] - base
        small = nap.TsdFrame(t=t[: int(10 * fs)], d=mm[: int(10 * fs)])
        t0 = time.perf_counter()
        nap.apply_bandpass_filter(small, band, fs, **kwargs)  # warm-up
        t_warm = time.perf_counter() - t0
        times, added = [], []
        res = None
        for _ in range(int(a["repeats"])):
            res = None
            if out and os.path.exists(out):
                os.remove(out)
            _trim()
            base = sampler.reset()
            t0 = time.perf_counter()
            if out:
                res = nap.apply_bandpass_filter(x, band, fs, out=out, **kwargs)
            else:
                res = nap.apply_bandpass_filter(x, band, fs, **kwargs)
            times.append(time.perf_counter() - t0)
            peak, children = sampler.peak()
            added.append(peak - base + children)
    assert res is not None
    rows = np.r_[0:500, n // 2 - 250 : n // 2 + 250, n - 500 : n]
    v = np.asarray(res.values[rows])
    np.save(a["result"] + ".v.npy", v)
    report = {
        "lib": a["lib"],
        "version": getattr(nap, "__version__", "?"),
        "n": n,
        "times": times,
        "added": added,
        "build_time": t_build,
        "build_added": build_added,
        "warmup_time": t_warm,
        "dtype": str(res.dtype),
        "shape": list(res.shape),
    }
    del res
    if out and os.path.exists(out):
        os.remove(out)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
