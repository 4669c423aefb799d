#!/usr/bin/env python
"""Cross-library check: NWB files written by memphys read in SpikeInterface.

SpikeInterface 0.105.3 lives in its own virtual environment (it pins ``zarr<3``), so:

1. memphys (this interpreter) writes a recording (int16, per-channel gains and offsets, a
   two-shank probe, ``brain_area`` and a float property, a start time) as an
   ``ElectricalSeries`` and a sorting as the ``Units`` table of the same file, and saves
   what it wrote (``expected.npz``);
2. SpikeInterface (``--si-python``, default ``/work/si-venv/bin/python``) runs this file
   with ``--si-side``: ``read_nwb_recording`` / ``read_nwb_sorting`` of memphys's file,
   compared with ``expected.npz`` (traces, scaled traces, times, ids, gains, offsets,
   locations, groups, properties, spike trains).

Usage::

    python compat/check_spikeinterface_nwb.py [--si-python PATH] [--keep DIR]

It prints one line per check and exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

FS = 30000.0
N_CH = 6


def memphys_side(work: Path) -> None:
    import probeinterface as pi

    import memphys.ephys as si

    rng = np.random.default_rng(3)
    rec = si.NumpyRecording(rng.integers(-3000, 3000, (20000, N_CH)).astype("int16"), FS)
    rec.set_channel_gains(np.linspace(0.1, 0.6, N_CH))
    rec.set_channel_offsets(np.array([0.0, -1.0, 2.0, 0.5, 0.0, 1.0]))
    probe = pi.generate_multi_shank(num_shank=2, num_columns=1, num_contact_per_column=N_CH // 2)
    probe.set_device_channel_indices(np.arange(N_CH))
    rec.set_probe(probe, group_mode="by_shank")
    rec.set_property("brain_area", np.array(["CA1"] * 3 + ["CA3"] * 3))
    rec.set_property("quality", np.linspace(0.0, 1.0, N_CH))
    rec.shift_times(12.5)
    sorting = si.NumpySorting.from_unit_dict(
        {3: np.array([10, 2000, 19999]), 7: np.array([5, 6, 7000])}, FS
    )
    sorting.register_recording(rec)
    path = work / "memphys.nwb"
    si.write_recording_to_nwb(rec, path, progress_bar=False)
    si.write_sorting_to_nwb(sorting, path)
    np.savez(
        work / "expected.npz",
        traces=rec.get_traces(),
        scaled=rec.get_traces(return_in_uV=True),
        times=rec.get_times(),
        ids=rec.channel_ids,
        gains=rec.get_channel_gains(),
        offsets=rec.get_channel_offsets(),
        locations=rec.get_channel_locations(),
        groups=rec.get_channel_groups(),
        brain_area=rec.get_property("brain_area"),
        quality=rec.get_property("quality"),
        unit_ids=sorting.unit_ids,
        **{f"train_{u}": sorting.get_unit_spike_train(u) for u in sorting.unit_ids},
    )


def si_side(work: Path) -> int:
    import spikeinterface.extractors as se

    exp = np.load(work / "expected.npz")
    rec = se.read_nwb_recording(work / "memphys.nwb")
    sorting = se.read_nwb_sorting(
        work / "memphys.nwb", electrical_series_path="acquisition/ElectricalSeries"
    )
    checks = {
        "traces": np.array_equal(rec.get_traces(), exp["traces"]),
        "scaled traces": np.allclose(rec.get_traces(return_in_uV=True), exp["scaled"]),
        "times": np.allclose(rec.get_times(), exp["times"]),
        "channel ids": rec.channel_ids.tolist() == exp["ids"].tolist(),
        "gains": np.allclose(rec.get_channel_gains(), exp["gains"]),
        "offsets": np.allclose(rec.get_channel_offsets(), exp["offsets"]),
        "locations": np.array_equal(rec.get_channel_locations(), exp["locations"]),
        # SpikeInterface keeps group names as strings ('0', '1'); memphys reads integers back
        "groups": [str(g) for g in rec.get_channel_groups()] == [str(g) for g in exp["groups"]],
        "brain_area": rec.get_property("brain_area").tolist() == exp["brain_area"].tolist(),
        "quality": np.allclose(rec.get_property("quality"), exp["quality"]),
        "unit ids": sorting.unit_ids.tolist() == exp["unit_ids"].tolist(),
        "spike trains": all(
            np.array_equal(sorting.get_unit_spike_train(u), exp[f"train_{u}"])
            for u in exp["unit_ids"].tolist()
        ),
    }
    for name, ok in checks.items():
        print(f"{'ok ' if ok else 'FAIL'} SpikeInterface reads memphys's NWB: {name}")
    return 0 if all(checks.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--si-python", default="/work/si-venv/bin/python")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--si-side", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.si_side is not None:
        return si_side(args.si_side)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        memphys_side(work)
        proc = subprocess.run(
            [args.si_python, "-W", "ignore", __file__, "--si-side", str(work)],
            capture_output=True,
            text=True,
        )
        print(proc.stdout, end="")
        if proc.returncode not in (0, 1):
            print(proc.stderr, file=sys.stderr)
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
