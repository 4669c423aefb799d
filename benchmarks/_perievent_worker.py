"""One (library, operation) measurement of ``bench_perievent.py``, in its own process.

Run by the driver with the library's own interpreter (memphys's virtualenv, or the peers'
one for pynapple)::

    python benchmarks/_perievent_worker.py '<json arguments>'

It imports numpy, the library named in the arguments (as ``nap``) and ``_common`` only.
It builds a ``TsdFrame`` over a memmap of the raw int16 file (pynapple: with float64
timestamps ``arange(n) / fs``; memphys: ``rate=fs``, a regular index), warms the operation
up on the first 10 s (numba compiles pynapple's kernels on first use), then times
``repeats`` runs. Memory added by a run is the peak ``RssAnon`` (heap and private
allocations; not the page cache nor the mapped file) sampled by a separate process
(``_common.ExternalRssSampler``) minus ``RssAnon`` just before the run. The result is
saved to ``<result>.npy`` and a JSON report printed on the last line of stdout.
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
    mm = np.memmap(a["data"], dtype=np.int16, mode="r", shape=(n, n_ch))
    t = None if a["lib"] == "memphys" else np.arange(n) / fs

    def build(m: int) -> Any:
        if t is None:
            return nap.TsdFrame(d=mm[:m], rate=fs, start=0.0)
        return nap.TsdFrame(t=t[:m], d=mm[:m])

    events = np.load(a["events"])
    win, bs = a["window"], a["binsize"]

    def op(x: Any, ev: Any) -> Any:
        if a["op"] == "perievent":
            return nap.compute_perievent(x, ev, win)
        return nap.compute_event_triggered_average(x, ev, bs, win)

    small = build(int(10 * fs))
    op(small, nap.Ts(t=np.array([2.0, 5.0])))  # warm-up: numba, lazy imports
    x = build(n)
    ev = nap.Ts(t=events)
    times: list[float] = []
    added: list[int] = []
    res = None
    with ExternalRssSampler(interval=0.005) as sampler:
        for _ in range(int(a["repeats"])):
            res = None
            _trim()
            base = sampler.reset()
            t0 = time.perf_counter()
            res = op(x, ev)
            times.append(time.perf_counter() - t0)
            peak, children = sampler.peak()
            added.append(peak - base + children)
    np.save(a["result"] + ".npy", np.asarray(res.values))
    print(
        json.dumps(
            {
                "lib": a["lib"],
                "op": a["op"],
                "version": getattr(nap, "__version__", "?"),
                "times": times,
                "added": added,
                "shape": list(res.shape),
            }
        )
    )


if __name__ == "__main__":
    main()
