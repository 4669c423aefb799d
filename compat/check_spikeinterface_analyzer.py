#!/usr/bin/env python
"""Cross-library check of the SortingAnalyzer: same templates, and stores that open in both.

SpikeInterface 0.105.3 runs in its own virtual environment (it pins ``zarr<3``); the two
sides exchange files:

1. memphys (this interpreter) writes a raw int16 recording (16 channels, 30 kHz, 60 s,
   gains, a linear probe, spikes injected at known times) and a sorting (20 units) as plain
   ``.npy``/``.json`` files both libraries can read; it computes ``random_spikes(method="all")``
   + ``templates`` (from random spikes, and through ``waveforms``), dense and sparse (one
   explicit sparsity for both libraries), with 1 and 2 jobs, saves the analyzers as binary
   folders and zarr stores, and writes its averages (``memphys.npz``);
2. SpikeInterface (``--si-python``) runs this file with ``--si-side``: it computes the same
   analyzers, compares its averages with memphys's (max |a - b| / max |b| < 1e-5), opens
   memphys's folders and stores with ``load_sorting_analyzer`` (templates, random spikes,
   waveforms and sparsity equal to what memphys wrote), then saves its own analyzers both
   ways;
3. memphys opens SpikeInterface's folders and stores and compares the same way.

Usage::

    python compat/check_spikeinterface_analyzer.py [--si-python PATH] [--keep DIR]

It prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

FS = 30000.0
N_CH = 16
N_UNITS = 20
DURATION = 60.0
RTOL = 1e-5
CASES = [(sparse, n_jobs) for sparse in (False, True) for n_jobs in (1, 2)]


def make_inputs(work: Path) -> None:
    """A raw recording with each unit's waveform added at its spike times, and the sorting."""
    rng = np.random.default_rng(0)
    n = int(DURATION * FS)
    traces = rng.normal(0, 20, size=(n, N_CH))
    samples, labels = [], []
    t = np.arange(-30, 60)
    main = rng.integers(0, N_CH, N_UNITS)
    for u in range(N_UNITS):
        s = np.sort(rng.choice(np.arange(100, n - 100), int(4 * DURATION), replace=False))
        shape = -np.exp(-((t / 6.0) ** 2)) * rng.uniform(100, 400)
        decay = np.exp(-np.abs(np.arange(N_CH) - main[u]) / 2.0)
        for x in s:
            traces[x - 30 : x + 60] += shape[:, None] * decay[None, :]
        samples.append(s)
        labels.append(np.full(s.size, u))
    traces.astype("int16").tofile(work / "traces.raw")
    samples_all = np.concatenate(samples)
    labels_all = np.concatenate(labels)
    order = np.argsort(samples_all, kind="stable")
    np.save(work / "samples.npy", samples_all[order])
    np.save(work / "labels.npy", labels_all[order])
    mask = np.abs(np.arange(N_CH)[None, :] - main[:, None]) <= 3
    np.save(work / "mask.npy", mask)
    np.save(work / "main.npy", main)


def build(si: Any, work: Path) -> tuple[Any, Any]:
    """The recording and sorting in the running library."""
    import probeinterface as pi

    rec = si.read_binary(
        work / "traces.raw",
        sampling_frequency=FS,
        dtype="int16",
        num_channels=N_CH,
        gain_to_uV=0.195,
        offset_to_uV=0.0,
    )
    probe = pi.generate_linear_probe(num_elec=N_CH, ypitch=20)
    probe.set_device_channel_indices(np.arange(N_CH))
    rec.set_probe(probe)
    labels = np.array([str(u) for u in np.load(work / "labels.npy")])
    sorting = si.NumpySorting.from_samples_and_labels(
        [np.load(work / "samples.npy")], [labels], FS, unit_ids=[str(u) for u in range(N_UNITS)]
    )
    return rec, sorting


def analyzer(si: Any, rec: Any, sorting: Any, work: Path, sparse: bool, **kw: Any) -> Any:
    sparsity = None
    if sparse:
        sparsity = si.ChannelSparsity(np.load(work / "mask.npy"), sorting.unit_ids, rec.channel_ids)
    return si.create_sorting_analyzer(
        sorting,
        rec,
        sparse=False,
        sparsity=sparsity,
        main_channel_indices=np.load(work / "main.npy"),
        job_kwargs={"progress_bar": False},
        **kw,
    )


def compute(an: Any, n_jobs: int, with_waveforms: bool) -> None:
    names = (
        ["random_spikes", "waveforms", "templates"]
        if with_waveforms
        else ["random_spikes", "templates"]
    )
    an.compute(
        names,
        extension_params={"random_spikes": {"method": "all"}},
        n_jobs=n_jobs,
        progress_bar=False,
    )


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))) / np.max(np.abs(b)))


def check_store(
    si: Any, folder: Path, expected: dict[str, np.ndarray], key: str, label: str
) -> list[tuple[str, bool, str]]:
    out = []
    try:
        an = si.load_sorting_analyzer(folder)
    except Exception as exc:  # report, do not stop
        return [(f"{label}: load", False, repr(exc))]
    out.append((f"{label}: recording re-created from the saved provenance", an.has_recording(), ""))
    tpl = an.get_extension("templates")
    ok = tpl is not None and np.array_equal(np.asarray(tpl.get_data()), expected[f"{key}_avg"])
    out.append((f"{label}: templates average", ok, ""))
    rs = an.get_extension("random_spikes")
    ok = rs is not None and np.array_equal(np.asarray(rs.get_data()), expected[f"{key}_rs"])
    out.append((f"{label}: random_spikes_indices", ok, ""))
    mask = expected.get(f"{key}_mask")
    if mask is not None and mask.size:
        out.append(
            (
                f"{label}: sparsity mask",
                an.sparsity is not None and np.array_equal(an.sparsity.mask, mask),
                "",
            )
        )
    else:
        out.append((f"{label}: dense", an.sparsity is None, ""))
    if f"{key}_wf0" in expected:
        wf = an.get_extension("waveforms")
        ok = wf is not None and np.array_equal(
            np.asarray(wf.get_data()[:50]), expected[f"{key}_wf0"]
        )
        out.append((f"{label}: waveforms (first 50)", ok, ""))
    return out


def run_side(si: Any, work: Path, who: str) -> dict[str, np.ndarray]:
    """Compute every case with this library, save its stores, return its results."""
    rec, sorting = build(si, work)
    res: dict[str, np.ndarray] = {}
    for sparse, n_jobs in CASES:
        for with_wf in (False, True):
            key = f"{'sparse' if sparse else 'dense'}_{n_jobs}_{'wf' if with_wf else 'rs'}"
            an = analyzer(si, rec, sorting, work, sparse)
            compute(an, n_jobs, with_wf)
            res[f"{key}_avg"] = np.asarray(an.get_extension("templates").get_data())
            res[f"{key}_rs"] = np.asarray(an.get_extension("random_spikes").get_data())
            res[f"{key}_mask"] = an.sparsity.mask if an.sparsity is not None else np.zeros(0)
            if with_wf:
                res[f"{key}_wf0"] = np.asarray(an.get_extension("waveforms").get_data()[:50])
            if n_jobs == 1:
                an.save_as(format="binary_folder", folder=work / f"{who}_{key}_bin")
                an.save_as(format="zarr", folder=work / f"{who}_{key}.zarr")
    np.savez(work / f"{who}.npz", **res)
    return res


def compare_sides(
    mine: dict[str, np.ndarray], theirs: dict[str, np.ndarray], label: str
) -> list[tuple[str, bool, str]]:
    out = []
    for key in sorted(k[:-4] for k in mine if k.endswith("_avg")):
        e = rel_err(mine[f"{key}_avg"], theirs[f"{key}_avg"])
        out.append((f"{label} {key}: templates average (rel {e:.1e})", e < RTOL, ""))
    return out


def report(checks: list[tuple[str, bool, str]]) -> int:
    bad = 0
    for name, ok, msg in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}{(' - ' + msg) if msg and not ok else ''}")
        bad += not ok
    print(f"{len(checks) - bad} of {len(checks)} checks passed")
    return 1 if bad else 0


def si_side(work: Path) -> int:
    import spikeinterface.core as si

    mine = run_side(si, work, "si")
    theirs = dict(np.load(work / "memphys.npz"))
    checks = compare_sides(mine, theirs, "SpikeInterface vs memphys")
    for key in sorted(k[:-4] for k in theirs if k.endswith("_avg")):
        if key.split("_")[1] != "1":
            continue
        checks += check_store(
            si, work / f"memphys_{key}_bin", theirs, key, f"SI opens memphys binary {key}"
        )
        checks += check_store(
            si, work / f"memphys_{key}.zarr", theirs, key, f"SI opens memphys zarr {key}"
        )
    return report(checks)


def memphys_side(work: Path, si_python: str) -> int:
    import memphys.ephys as si

    make_inputs(work)
    run_side(si, work, "memphys")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([si_python, __file__, "--si-side", str(work)], env=env)
    theirs = dict(np.load(work / "si.npz"))
    checks = []
    for key in sorted(k[:-4] for k in theirs if k.endswith("_avg")):
        if key.split("_")[1] != "1":
            continue
        checks += check_store(
            si, work / f"si_{key}_bin", theirs, key, f"memphys opens SI binary {key}"
        )
        checks += check_store(
            si, work / f"si_{key}.zarr", theirs, key, f"memphys opens SI zarr {key}"
        )
    code = report(checks)
    return int(proc.returncode or code)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--si-python", default=os.environ.get("MEMPHYS_SI_PYTHON", "/work/si-venv/bin/python")
    )
    p.add_argument("--keep", default=None, help="work in this folder and keep it")
    p.add_argument("--si-side", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.si_side:
        return si_side(Path(args.si_side))
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
        return memphys_side(work, args.si_python)
    with tempfile.TemporaryDirectory(prefix="memphys-si-analyzer-") as tmp:
        return memphys_side(Path(tmp), args.si_python)


if __name__ == "__main__":
    sys.exit(main())
