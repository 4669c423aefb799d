#!/usr/bin/env python
"""Cross-library check of sortings and snippets: what memphys saves opens in SpikeInterface
0.105.3, and what SpikeInterface saves opens in memphys.

SpikeInterface pins ``zarr<3`` and cannot be installed beside memphys, so the two sides run
in two virtual environments and exchange folders on disk:

1. memphys (this interpreter) builds two sortings (string unit ids on two segments with
   ties at equal samples; integer ids on one segment) with properties (strings, floats, a
   2-D array) and annotations, and saves each as a numpy folder, a zarr store, an ``.npz``
   file and an npz folder; it saves snippets as an npy folder; it writes what it saved
   (``expected_*.npz``);
2. SpikeInterface (``--si-python``) runs this file with ``--si-side``: it opens every folder
   with ``spikeinterface.load`` (the npz file with ``read_npz_sorting``), compares spike
   vectors, unit ids, trains, properties and annotations (snippets: frames, cutouts,
   nbefore, probe), then builds the same objects with its own API, saves them the same
   ways and writes what it saved (SpikeInterface orders spikes at one sample as its
   input came, memphys by unit: each side is compared with what the other saved);
3. memphys opens SpikeInterface's folders with ``memphys.ephys.load`` and compares.

Usage::

    python compat/check_spikeinterface_sorting_folders.py [--si-python PATH] [--keep DIR]

One line per check; exit status 1 if any fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

FS = 30000.0
FORMATS = ("numpy_folder", "zarr", "npz_file", "npz_folder")


def make_sortings(si: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    samples = [np.sort(rng.integers(0, 60000, 400)), np.sort(rng.integers(0, 30000, 200))]
    labels = [rng.choice(["a", "bb", "c"], 400), rng.choice(["a", "bb", "c"], 200)]
    s1 = si.NumpySorting.from_samples_and_labels(samples, labels, FS)
    s1.set_property("quality", np.array(["good", "mua", "good"]))
    s1.set_property("depth", np.array([10.5, 20.0, np.nan]))
    s1.set_property("template", np.arange(3 * 4 * 2, dtype="float32").reshape(3, 4, 2))
    s1.annotate(lab="memphys", n_sessions=2)
    s2 = si.NumpySorting.from_unit_dict({7: np.array([5, 40, 90]), 3: np.array([1, 40])}, FS)
    s2.set_property("group", np.array([0, 1]))
    return {"str": s1, "int": s2}


def save(si: Any, sorting: Any, fmt: str, target: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "numpy_folder":
            sorting.save(folder=target)
        elif fmt == "zarr":
            sorting.save(format="zarr", folder=target)
        elif fmt == "npz_file":
            si.NpzSortingExtractor.write_sorting(sorting, target)
        else:
            sorting.save(format="npz_folder", folder=target)


def open_saved(si: Any, fmt: str, target: Path) -> Any:
    if fmt == "npz_file":
        return si.read_npz_sorting(target)
    if fmt == "zarr":
        return si.load(str(target) + ".zarr" if not str(target).endswith(".zarr") else target)
    return si.load(target)


def expected_of(sorting: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "spikes": sorting.to_spike_vector(),
        "unit_ids": np.asarray(sorting.unit_ids),
    }
    for key in sorting.get_property_keys():
        out[f"prop_{key}"] = np.asarray(sorting.get_property(key))
    return out


def compare(
    name: str, sorting: Any, expected: Any, annotations: dict[str, Any], with_metadata: bool
) -> list[tuple[str, bool, str]]:
    rows = []
    spikes = sorting.to_spike_vector()
    ref = expected["spikes"]

    def canon(
        v: Any,
    ) -> Any:  # spikes at one sample in unit order (SpikeInterface keeps input order)
        return v[np.lexsort((v["unit_index"], v["sample_index"], v["segment_index"]))]

    same = spikes.size == ref.size and all(
        np.array_equal(canon(spikes)[f], canon(ref)[f])
        for f in ("sample_index", "unit_index", "segment_index")
    )
    rows.append((f"{name}: spike vector", same, f"{spikes.size} spikes"))
    ids_ok = [str(u) for u in sorting.unit_ids] == [str(u) for u in expected["unit_ids"]]
    rows.append((f"{name}: unit ids", ids_ok, str(list(sorting.unit_ids))))
    trains_ok = True
    for seg in range(sorting.get_num_segments()):
        for u, uid in enumerate(sorting.unit_ids):
            sel = (ref["unit_index"] == u) & (ref["segment_index"] == seg)
            trains_ok &= np.array_equal(
                sorting.get_unit_spike_train(uid, segment_index=seg), ref["sample_index"][sel]
            )
    rows.append((f"{name}: trains", bool(trains_ok), ""))
    if with_metadata:
        for key in [k for k in expected.files if k.startswith("prop_")]:
            got = sorting.get_property(key[5:])
            want = expected[key]
            ok = (
                got is not None
                and got.shape == want.shape
                and (
                    np.allclose(got, want, equal_nan=True)
                    if want.dtype.kind == "f"
                    else np.array_equal(got.astype(str), want.astype(str))
                )
            )
            rows.append((f"{name}: property {key[5:]}", bool(ok), ""))
        for k, v in annotations.items():
            rows.append(
                (
                    f"{name}: annotation {k}",
                    sorting.get_annotation(k) == v,
                    repr(sorting.get_annotation(k)),
                )
            )
    return rows


def make_snippets(si: Any) -> Any:
    from probeinterface import generate_linear_probe

    rng = np.random.default_rng(1)
    wf = rng.integers(-500, 500, size=(30, 16, 4)).astype("int16")
    snip = si.NumpySnippets(
        wf, np.sort(rng.integers(0, 10000, 30)), FS, nbefore=5, channel_ids=["a", "b", "c", "d"]
    )
    probe = generate_linear_probe(num_elec=4, ypitch=20)
    probe.set_device_channel_indices(np.arange(4))
    snip.set_probe(probe)
    snip.set_channel_gains(0.195)
    snip.set_channel_offsets(0.0)
    return snip


def compare_snippets(name: str, snip: Any, expected: Any) -> list[tuple[str, bool, str]]:
    return [
        (f"{name}: frames", np.array_equal(snip.get_frames(), expected["frames"]), ""),
        (f"{name}: cutouts", np.array_equal(snip.get_snippets(), expected["snippets"]), ""),
        (
            f"{name}: scaled",
            np.allclose(snip.get_snippets(return_in_uV=True), expected["scaled"]),
            "",
        ),
        (f"{name}: nbefore", snip.nbefore == int(expected["nbefore"]), str(snip.nbefore)),
        (f"{name}: probe", np.array_equal(snip.get_channel_locations(), expected["locations"]), ""),
    ]


def snippets_expected(snip: Any) -> dict[str, Any]:
    return dict(
        frames=snip.get_frames(),
        snippets=snip.get_snippets(),
        scaled=snip.get_snippets(return_in_uV=True),
        nbefore=snip.nbefore,
        locations=snip.get_channel_locations(),
    )


def side(
    si: Any, who: str, other: str, work: Path, save_ours: bool = True
) -> list[tuple[str, bool, str]]:
    """Check the other library's folders, then save ours."""
    rows: list[tuple[str, bool, str]] = []
    ann = json.loads((work / "annotations.json").read_text())
    for key in ("str", "int"):
        expected = np.load(work / f"expected_{other}_{key}.npz")
        for fmt in FORMATS:
            target = work / f"{other}_{key}_{fmt}"
            if fmt == "npz_file":
                target = work / f"{other}_{key}.npz"
            if not (target.exists() or Path(str(target) + ".zarr").exists()):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sorting = open_saved(si, fmt, target)
                metadata = fmt in ("numpy_folder", "zarr", "npz_folder")
                rows += compare(
                    f"{who} opens {other}'s {key} {fmt}",
                    sorting,
                    expected,
                    ann[key] if metadata else {},
                    metadata,
                )
    snip_expected = np.load(work / "expected_snippets.npz")
    folder = work / f"{other}_snippets"
    if folder.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows += compare_snippets(
                f"{who} opens {other}'s snippets", si.load(folder), snip_expected
            )
    if not save_ours:
        return rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sortings = make_sortings(si)
        for key, sorting in sortings.items():
            np.savez(work / f"expected_{who}_{key}.npz", **expected_of(sorting))
            for fmt in FORMATS:
                target = (
                    work / f"{who}_{key}.npz" if fmt == "npz_file" else work / f"{who}_{key}_{fmt}"
                )
                save(si, sorting, fmt, target)
        make_snippets(si).save(folder=work / f"{who}_snippets")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--si-python", default="/work/si-venv/bin/python")
    ap.add_argument("--keep", default=None, help="folder to keep the exchanged files in")
    ap.add_argument("--si-side", default=None, help=argparse.SUPPRESS)
    opts = ap.parse_args()
    if opts.si_side:
        import spikeinterface.core as si_core

        rows = side(si_core, "SpikeInterface", "memphys", Path(opts.si_side))
        print(json.dumps([[n, bool(ok), d] for n, ok, d in rows]))
        return 0
    import memphys.ephys as si

    work = Path(opts.keep or tempfile.mkdtemp(prefix="memphys_si_sortings_"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    sortings = make_sortings(si)
    ann = {key: dict(s._annotations) for key, s in sortings.items()}
    (work / "annotations.json").write_text(json.dumps(ann))
    for key, s in sortings.items():
        np.savez(work / f"expected_memphys_{key}.npz", **expected_of(s))
        for fmt in FORMATS:
            target = (
                work / f"memphys_{key}.npz" if fmt == "npz_file" else work / f"memphys_{key}_{fmt}"
            )
            save(si, s, fmt, target)
    snip = make_snippets(si)
    np.savez(work / "expected_snippets.npz", **snippets_expected(snip))
    snip.save(folder=work / "memphys_snippets")
    proc = subprocess.run(
        [opts.si_python, __file__, "--si-side", str(work)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
        return 1
    rows = [tuple(r) for r in json.loads(proc.stdout.strip().splitlines()[-1])]
    rows += side(si, "memphys", "SpikeInterface", work, save_ours=False)
    failed = 0
    for name, ok, detail in rows:
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}")
    print(f"\n{len(rows) - failed} of {len(rows)} checks pass")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
