"""One measurement of ``bench_ephys_analyzer.py``, in its own process.

Run by the driver with the library's own interpreter: memphys's virtualenv
(``import memphys.ephys as si``) or SpikeInterface 0.105.3's (``import spikeinterface.core
as si``). Both sides run the *same* code, SpikeInterface's API with default arguments::

    python benchmarks/_ephys_analyzer_worker.py '<json arguments>'

The recording is ``si.read_binary(raw, 30 kHz, int16, 64 channels, gain 0.195 µV)`` with a
linear 64-contact probe (20 µm pitch); the sorting is ``NumpySorting.from_samples_and_labels``
of the driver's spikes. Operations (``"op"``):

- ``"create"``: ``create_sorting_analyzer(sorting, rec, **job)`` (defaults: memory, sparse;
  main channels and sparsity estimated from 100 spikes per unit);
- ``"core"``: on an analyzer created (untimed) with the same defaults,
  ``compute(["random_spikes", "waveforms", "templates", "noise_levels"], **job)``;
  with ``"format"`` ``"binary_folder"`` or ``"zarr"`` the analyzer is created in a folder
  (creation untimed) and the zarr store's size on disk is reported;
- ``"fast_templates"``: ``compute(["random_spikes", "templates"])`` with
  ``random_spikes(method="all")`` (no waveforms: SpikeInterface's accumulator path).

Peak ``RssAnon`` of this process (absolute and added by the operation) and the sum over
its workers are sampled by a separate process (``_common.ExternalRssSampler``). A JSON
report is the last stdout line.
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
CORE = ["random_spikes", "waveforms", "templates", "noise_levels"]


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
    else:
        import spikeinterface.core as si
    from probeinterface import generate_linear_probe

    rec = si.read_binary(
        a["raw"],
        sampling_frequency=FS,
        dtype="int16",
        num_channels=N_CH,
        gain_to_uV=0.195,
        offset_to_uV=0.0,
    )
    probe = generate_linear_probe(num_elec=N_CH, ypitch=20)
    probe.set_device_channel_indices(np.arange(N_CH))
    rec.set_probe(probe)
    sorting = si.NumpySorting.from_samples_and_labels(
        [np.load(a["samples"])], [np.load(a["labels"])], FS
    )
    job: dict[str, Any] = dict(n_jobs=a["n_jobs"], progress_bar=False)
    if a.get("pool_engine"):
        job["pool_engine"] = a["pool_engine"]
    op, fmt = a["op"], a.get("format", "memory")
    folder = None
    if fmt != "memory":
        folder = os.path.join(
            a["work"], f"{a['lib']}_analyzer" + (".zarr" if fmt == "zarr" else "")
        )
        shutil.rmtree(folder, ignore_errors=True)
    os.sync()
    report: dict[str, Any] = {"lib": a["lib"], "op": op, "n_jobs": a["n_jobs"], "format": fmt}
    kw: dict[str, Any] = dict(format=fmt, folder=folder) if folder else {}
    with ExternalRssSampler(interval=0.005) as sampler:
        if op != "create":
            an = si.create_sorting_analyzer(sorting, rec, job_kwargs=dict(job), **kw)
        base = sampler.reset()
        t0 = time.perf_counter()
        if op == "create":
            an = si.create_sorting_analyzer(sorting, rec, job_kwargs=dict(job), **kw)
        elif op == "core":
            an.compute(CORE, **job)
        elif op == "fast_templates":
            an.compute(
                ["random_spikes", "templates"],
                extension_params={"random_spikes": {"method": "all"}},
                **job,
            )
        else:
            raise SystemExit(f"unknown op {op}")
        report["seconds"] = time.perf_counter() - t0
        peak, children = sampler.peak()
    report["rss_peak"] = peak
    report["rss_added"] = peak - base
    report["rss_children"] = children
    if op != "create":
        tpl = np.asarray(an.get_extension("templates").get_data())
        report["template_checksum"] = float(np.abs(tpl).sum())
    if an.sparsity is not None:
        report["mean_sparse_channels"] = float(an.sparsity.mask.sum(axis=1).mean())
    if fmt == "zarr":
        report["store_bytes"] = disk_bytes(folder)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
