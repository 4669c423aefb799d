"""One measurement of ``bench_ephys_recording.py``, in its own process.

Run by the driver with the library's own interpreter: memphys's virtualenv
(``import memphys.ephys as si``) or SpikeInterface 0.105.3's (``import spikeinterface.core
as si``). Both sides run the *same* code, SpikeInterface's API with default arguments::

    python benchmarks/_ephys_worker.py '<json arguments>'

Operations (``"op"``) on ``si.read_binary(raw, 30 kHz, int16, 64 channels,
gain_to_uV=0.195, offset_to_uV=0)``:

- ``"save_binary"``: ``rec.save(folder=out, n_jobs=n)``;
- ``"save_zarr"``: ``rec.save(format="zarr", folder=out, n_jobs=n)`` (each library's
  default codec), with the compression ratio (file bytes / store bytes on disk);
- ``"traces"``: ``rec.get_traces(start_frame=a, end_frame=a + 30000, return_in_uV=True)``
  over the whole file, 1-s chunk after 1-s chunk (SpikeInterface's own access pattern);
- ``"noise"``: ``get_noise_levels(rec, n_jobs=n)`` (its defaults: 20 random 500-ms chunks,
  MAD, µV);
- ``"read"``: ``numpy.fromfile`` of the whole file in 8 MiB pieces (the physical reference).

Outputs of earlier runs are removed and dirty pages flushed (``os.sync``) before the timer
starts. Peak ``RssAnon`` of this process and the sum over its workers are sampled by a
separate process (``_common.ExternalRssSampler``). A JSON report is the last stdout line.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import ExternalRssSampler

FS = 30000.0
N_CH = 64


def disk_bytes(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.stat(os.path.join(root, f)).st_size
    return total


def main() -> None:
    a: dict[str, Any] = json.loads(sys.argv[1])
    if a["lib"] == "memphys":
        import memphys.ephys as si
        from memphys.ephys import get_noise_levels
    else:
        import spikeinterface.core as si
        from spikeinterface.core import get_noise_levels
    rec = si.read_binary(
        a["raw"],
        sampling_frequency=FS,
        dtype="int16",
        num_channels=N_CH,
        gain_to_uV=0.195,
        offset_to_uV=0.0,
    )
    op, n_jobs, out = a["op"], a.get("n_jobs", 1), a.get("out", "")
    for path in (out, out + ".zarr"):
        if path and os.path.exists(path):
            shutil.rmtree(path)
    os.sync()
    report: dict[str, Any] = {"lib": a["lib"], "op": op, "n_jobs": n_jobs}
    with ExternalRssSampler(interval=0.005) as sampler:
        sampler.reset()
        t0 = time.perf_counter()
        if op == "save_binary":
            rec.save(folder=out, n_jobs=n_jobs)
        elif op == "save_zarr":
            rec.save(format="zarr", folder=out, n_jobs=n_jobs)
        elif op == "traces":
            checksum = 0.0
            n = rec.get_num_samples()
            for s in range(0, n, int(FS)):
                block = rec.get_traces(
                    start_frame=s, end_frame=min(n, s + int(FS)), return_in_uV=True
                )
                checksum += float(block[0, 0])
            report["checksum"] = checksum
        elif op == "noise":
            noise = get_noise_levels(rec, n_jobs=n_jobs)
            report["noise_median"] = float(np.median(noise))
        elif op == "read":
            with open(a["raw"], "rb") as fh:
                while True:
                    x = np.fromfile(fh, dtype=np.int16, count=4 * 2**20)
                    if x.size == 0:
                        break
        else:
            raise SystemExit(f"unknown op {op}")
        report["seconds"] = time.perf_counter() - t0
        peak, children = sampler.peak()
    report["rss_peak"] = peak
    report["rss_children"] = children
    nbytes = os.path.getsize(a["raw"])
    report["mb_per_s"] = nbytes / 1e6 / report["seconds"]
    if op == "save_zarr":
        report["ratio"] = nbytes / disk_bytes(out + ".zarr")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
