"""One (library, operation) measurement of ``bench_ephys_sorting.py``, in its own process.

Run by the driver with the library's own interpreter (memphys's virtualenv, or
SpikeInterface 0.105.3's)::

    python benchmarks/_ephys_sorting_worker.py '<json arguments>'

The same SpikeInterface-API code runs in both libraries (``spikeinterface.core`` or
``memphys.ephys`` imported as ``si``). Untimed set-up (loading the inputs, building the
sorting the operation needs, compiling kernels on a tiny sorting) comes first; then the
operation is timed ``repeats`` times, each in a fresh state (a new sorting object, a
removed output folder). Memory is the peak ``RssAnon`` of this process sampled by a
separate process (``_common.ExternalRssSampler``), reported as the peak itself and as the
part added by the operation. A JSON report is printed on the last line of stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import shutil
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
    lib, op, data = a["lib"], a["op"], a["data"]
    si: Any = importlib.import_module(
        "spikeinterface.core" if lib == "spikeinterface" else "memphys.ephys"
    )
    si.set_global_job_kwargs(progress_bar=False)
    fs = 30000.0
    samples = np.load(os.path.join(data, "samples.npy"))
    labels = np.load(os.path.join(data, "labels.npy"))

    def build() -> Any:
        return si.NumpySorting.from_samples_and_labels([samples], [labels], fs)

    # warm-up: imports, numba compilation, caches on a tiny sorting
    tiny = si.NumpySorting.from_samples_and_labels([np.array([1, 2, 3])], [np.array([0, 1, 0])], fs)
    for u in tiny.unit_ids:
        tiny.get_unit_spike_train(u)
    tiny.select_units(tiny.unit_ids[::-1]).to_spike_vector()
    tiny.count_num_spikes_per_unit()

    out = os.path.join(a["work"], f"{lib}_{op}")
    state: dict[str, Any] = {}

    def setup() -> None:
        state.clear()
        if op in ("vector_selection", "trains_cold", "trains_warm", "save", "count"):
            state["s"] = build()
        if op == "trains_warm":
            for u in state["s"].unit_ids:
                state["s"].get_unit_spike_train(u)
        if op == "save" and os.path.exists(out):
            shutil.rmtree(out)
        if op == "gt" and os.path.exists(out):
            shutil.rmtree(out)
        _trim()

    def run() -> Any:
        if op == "build":
            return build().to_spike_vector().size
        if op == "vector_selection":
            s = state["s"]
            return s.select_units(s.unit_ids[1:]).to_spike_vector().size
        if op == "vector_npz":
            return si.read_npz_sorting(os.path.join(data, "sorting.npz")).to_spike_vector().size
        if op in ("trains_cold", "trains_warm"):
            s = state["s"]
            return sum(s.get_unit_spike_train(u).size for u in s.unit_ids)
        if op == "count":
            return int(np.sum(state["s"].count_num_spikes_per_unit(outputs="array")))
        if op == "save":
            return state["s"].save(folder=out).get_num_units()
        if op == "load":
            s = si.load(a["folder"])
            return s.to_spike_vector().size + sum(
                s.get_unit_spike_train(u).size for u in s.unit_ids[:1]
            )
        if op == "gt":
            rec, _ = si.generate_ground_truth_recording(durations=[600.0], num_channels=64, seed=0)
            saved = rec.save(
                folder=out,
                format="binary",
                n_jobs=a.get("n_jobs", 1),
                chunk_duration="1s",
                progress_bar=False,
            )
            return saved.get_total_samples()
        raise SystemExit(f"unknown op {op}")

    times: list[float] = []
    peaks: list[int] = []
    added: list[int] = []
    result = None
    with ExternalRssSampler(interval=0.005) as sampler:
        for _ in range(int(a["repeats"])):
            setup()
            base = sampler.reset()
            t0 = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - t0)
            peak, children = sampler.peak()
            peaks.append(peak + children)
            added.append(peak - base + children)
    if op == "gt":
        # a block of the saved file, for the driver's cross-library comparison
        raw = os.path.join(out, "traces_cached_seg0.raw")
        block = np.fromfile(raw, dtype="float32", count=64 * 25000, offset=64 * 4 * 25000 * 100)
        np.save(os.path.join(a["work"], f"{lib}_gt_block.npy"), block)
        shutil.rmtree(out, ignore_errors=True)
    version = getattr(importlib.import_module(si.__name__.split(".")[0]), "__version__", "?")
    print(
        json.dumps(
            dict(
                lib=lib,
                op=op,
                version=version,
                times=times,
                peaks=peaks,
                added=added,
                result=int(result),
            )
        )
    )


if __name__ == "__main__":
    main()
