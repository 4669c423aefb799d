#!/usr/bin/env python
"""Cross-library check: folders saved by memphys open in SpikeInterface, and back.

SpikeInterface 0.105.3 cannot be installed beside memphys (it pins ``zarr<3``), so the two
sides run in two virtual environments and exchange folders on disk:

1. memphys (this interpreter) saves a two-segment int16 recording with gains, a probe,
   string and float properties, annotations, a start time on one segment and a time vector
   on the other, as a binary folder and as a zarr store, and writes what it saved
   (``expected.npz``);
2. SpikeInterface (``--si-python``, default ``/work/si-venv/bin/python``) runs this same
   file with ``--si-side``: it loads memphys's folders with ``spikeinterface.load`` and
   compares traces, scaled traces, properties, probe, annotations and times, then saves its
   own recording the same two ways;
3. memphys loads SpikeInterface's folders with ``memphys.ephys.load`` and compares.

Usage::

    python compat/check_spikeinterface_folders.py [--si-python PATH] [--keep DIR]

It prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

FS = 30000.0
N_CH = 8
LENGTHS = (30000, 12000)
TIMES = ("t_start", "time_vector")


def _folders(work: Path, who: str, times: str) -> list[tuple[str, Path]]:
    return [("binary", work / f"{who}_binary_{times}"), ("zarr", work / f"{who}_{times}.zarr")]


def make_traces(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-3000, 3000, size=(n, N_CH), dtype=np.int16) for n in LENGTHS]


def decorate(rec: Any, probe_module: Any, times: str) -> None:
    """Same metadata on both sides: gains, probe, properties, annotations, and either a
    start time per segment (``times="t_start"``) or a time vector per segment."""
    rec.set_channel_gains(np.linspace(0.1, 0.8, N_CH))
    rec.set_channel_offsets(np.full(N_CH, -2.5))
    probe = probe_module.generate_linear_probe(num_elec=N_CH, ypitch=25)
    probe.set_device_channel_indices(np.arange(N_CH)[::-1].copy())
    rec.set_probe(probe)
    rec.set_property("brain_area", np.array(["CA1", "CA3"] * (N_CH // 2)))
    rec.set_property("quality", np.linspace(0.0, 1.0, N_CH))
    rec.annotate(experimenter="ann", session=3)
    for s, n in enumerate(LENGTHS):
        if times == "t_start":
            rec.segments[s]._t_start = 12.5 + 100 * s
        else:
            rec.set_times(100.0 * s + np.cumsum(np.full(n, 1.0 / FS)), segment_index=s)


def expected_of(rec: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in range(rec.get_num_segments()):
        out[f"traces{s}"] = np.asarray(rec.get_traces(segment_index=s))
        out[f"scaled{s}"] = np.asarray(rec.get_traces(segment_index=s, return_in_uV=True))
        out[f"times{s}"] = np.asarray(rec.get_times(segment_index=s))
    out["locations"] = np.asarray(rec.get_channel_locations())
    out["channel_ids"] = np.asarray(rec.get_channel_ids())
    out["brain_area"] = np.asarray(rec.get_property("brain_area"))
    out["quality"] = np.asarray(rec.get_property("quality"))
    out["group"] = np.asarray(rec.get_property("group"))
    return out


def compare(rec: Any, expected: dict[str, Any], label: str) -> list[tuple[str, bool, str]]:
    """``(check, ok, detail)`` for a loaded recording against the expected values."""
    results: list[tuple[str, bool, str]] = []

    def check(name: str, ok: Any, detail: str = "") -> None:
        results.append((f"{label}: {name}", bool(ok), detail))

    check("segments", rec.get_num_segments() == len(LENGTHS), str(rec.get_num_segments()))
    check("channel ids", np.array_equal(rec.get_channel_ids(), expected["channel_ids"]))
    check("sampling frequency", rec.get_sampling_frequency() == FS)
    for s in range(len(LENGTHS)):
        check(
            f"traces seg{s}",
            np.array_equal(rec.get_traces(segment_index=s), expected[f"traces{s}"]),
        )
        scaled = rec.get_traces(segment_index=s, return_in_uV=True)
        check(f"scaled traces seg{s}", np.array_equal(scaled, expected[f"scaled{s}"]))
        check(
            f"times seg{s}", np.array_equal(rec.get_times(segment_index=s), expected[f"times{s}"])
        )
    if label.endswith("t_start"):
        check("start times", [rec.get_time_info(s)["t_start"] for s in range(2)] == [12.5, 112.5])
    else:
        check("time vectors", all(rec.has_time_vector(segment_index=s) for s in range(2)))
    check("probe locations", np.array_equal(rec.get_channel_locations(), expected["locations"]))
    check(
        "property brain_area",
        np.array_equal(rec.get_property("brain_area"), expected["brain_area"]),
    )
    check("property quality", np.array_equal(rec.get_property("quality"), expected["quality"]))
    check("property group", np.array_equal(rec.get_property("group"), expected["group"]))
    check(
        "annotations",
        rec.get_annotation("experimenter") == "ann" and rec.get_annotation("session") == 3,
    )
    return results


def si_side(work: Path) -> int:
    """Run under SpikeInterface: load memphys's folders, then save SpikeInterface's."""
    import probeinterface
    import spikeinterface.core as si

    results = []
    for times in TIMES:
        expected = dict(np.load(work / f"memphys_expected_{times}.npz"))
        for name, path in _folders(work, "memphys", times):
            rec = si.load(path)
            results += compare(rec, expected, f"SpikeInterface opens memphys {name} {times}")
        rec = si.NumpyRecording(make_traces(1), FS)
        decorate(rec, probeinterface, times)
        np.savez(work / f"si_expected_{times}.npz", **expected_of(rec))
        rec.save(folder=work / f"si_binary_{times}", progress_bar=False)
        rec.save(format="zarr", folder=work / f"si_{times}", progress_bar=False)
    (work / "si_results.json").write_text(json.dumps(results))
    return 0


def memphys_side(work: Path, si_python: str) -> int:
    import probeinterface

    import memphys.ephys as si

    for times in TIMES:
        rec = si.NumpyRecording(make_traces(0), FS)
        decorate(rec, probeinterface, times)
        np.savez(work / f"memphys_expected_{times}.npz", **expected_of(rec))
        rec.save(folder=work / f"memphys_binary_{times}", progress_bar=False)
        rec.save(format="zarr", folder=work / f"memphys_{times}", progress_bar=False)
    proc = subprocess.run(
        [si_python, os.path.abspath(__file__), "--si-side", str(work)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        print("the SpikeInterface side failed", file=sys.stderr)
        return 1
    results = [tuple(r) for r in json.loads((work / "si_results.json").read_text())]
    for times in TIMES:
        expected = dict(np.load(work / f"si_expected_{times}.npz"))
        for name, path in _folders(work, "si", times):
            results += compare(
                si.load(path), expected, f"memphys opens SpikeInterface {name} {times}"
            )
    failed = 0
    for name, ok, detail in results:
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}")
    print(f"\n{len(results) - failed} of {len(results)} checks passed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--si-python", default=os.environ.get("MEMPHYS_SI_PYTHON", "/work/si-venv/bin/python")
    )
    parser.add_argument("--keep", default=None, help="folder to write into (kept)")
    parser.add_argument("--si-side", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.si_side:
        return si_side(Path(args.si_side))
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
        return memphys_side(work, args.si_python)
    with tempfile.TemporaryDirectory() as tmp:
        return memphys_side(Path(tmp), args.si_python)


if __name__ == "__main__":
    raise SystemExit(main())
