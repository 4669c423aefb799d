"""The acquisition face on the command line: probes and units for ``memphys info``, a
recording (with its probe) for ``memphys convert --to nwb``.

- :func:`probe_rows`: a recording's probe as rows (contacts, shanks, pitch), from its
  probeinterface probe or, without one, its channel locations and groups;
- :func:`vendor_recordings`: each signal stream of a vendor file as a ``memphys.ephys``
  recording, through the format's reader (SpikeGLX and Open Ephys attach their Neuropixels
  probes) or ``read_neo``;
- :func:`nwb_ephys_rows`: an NWB file's ElectricalSeries (their probes) and Units tables
  (their unit counts);
- :func:`recording_for`: the recording ``memphys convert --to nwb`` writes.

Only headers and metadata are read.

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=4, durations=[0.1], seed=0)
>>> probe_rows(rec)
[('contacts', '4'), ('shanks', '1'), ('pitch', '20 um')]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["probe_rows", "vendor_recordings", "nwb_ephys_rows", "recording_for"]

#: neo RawIO name -> the ``memphys.ephys`` reader that adds what neo does not (probes)
_READERS = {
    "SpikeGLXRawIO": "read_spikeglx",
    "OpenEphysBinaryRawIO": "read_openephys",
    "IntanRawIO": "read_intan",
    "PlexonRawIO": "read_plexon",
}


def _pitch(positions: np.ndarray, shanks: np.ndarray) -> float | None:
    """The row pitch: the smallest vertical distance between two rows of contacts of one
    shank (20 um on a Neuropixels 1.0 probe, whose columns are staggered)."""
    best: float | None = None
    if positions.ndim != 2 or positions.shape[1] < 2:
        return None
    for shank in np.unique(shanks):
        steps = np.diff(np.unique(positions[shanks == shank, 1]))
        steps = steps[steps > 0]
        if steps.size:
            best = float(steps.min()) if best is None else min(best, float(steps.min()))
    return best


def probe_rows(recording: Any) -> list[tuple[str, str]]:
    """``(field, value)`` rows of a recording's probe (empty when it has no geometry)."""
    if recording.has_probe():
        probes = recording.get_probegroup().probes
        positions = np.concatenate([np.asarray(p.contact_positions)[:, :2] for p in probes])
        shank_ids = []
        for i, p in enumerate(probes):
            n = p.get_contact_count()
            raw = getattr(p, "shank_ids", None)
            ids = np.asarray(["0"] * n if raw is None else raw, dtype=str).reshape(-1)
            if ids.size != n:
                ids = np.full(n, "0")
            ids = np.where(ids == "", "0", ids)
            shank_ids.append(np.asarray([f"{i}/{s}" for s in ids.tolist()]))
        shanks = np.concatenate(shank_ids)
        models = sorted({str(p.model_name) for p in probes if getattr(p, "model_name", "")})
        rows = [("contacts", str(positions.shape[0])), ("shanks", str(np.unique(shanks).size))]
        if models:
            rows.insert(0, ("probe", ", ".join(models)))
        if len(probes) > 1:
            rows.insert(0, ("probes", str(len(probes))))
    else:
        locations = recording.get_property("location")
        if locations is None:
            return []
        positions = np.asarray(locations, dtype=np.float64)
        groups = recording.get_property("group")
        shanks = np.zeros(len(positions), dtype=int) if groups is None else np.asarray(groups)
        rows = [
            ("contacts", f"{positions.shape[0]} (channel locations, no probe)"),
            ("shanks", f"{np.unique(shanks).size} (channel groups)"),
        ]
    pitch = _pitch(positions, shanks)
    rows.append(("pitch", "-" if pitch is None else f"{pitch:.6g} um"))
    return rows


def _stream_of_key(key: str) -> tuple[str, int | None]:
    """``(stream name, block)`` of an EphysReader key ``[blockB/][segS/]K:name``."""
    block = None
    parts = key.split("/")
    for part in parts[:-1]:
        if part.startswith("block") and part[5:].isdigit():
            block = int(part[5:])
    return parts[-1].split(":", 1)[-1], block


def _open_stream(path: Path, fmt: str, stream_name: str, block: int | None) -> Any:
    import memphys.ephys as si

    reader = _READERS.get(fmt)
    if reader is None:
        return si.read_neo(fmt, path, stream_name=stream_name, block_index=block)
    kwargs: dict[str, Any] = {"stream_name": stream_name}
    if reader == "read_openephys":
        kwargs["block_index"] = 0 if block is None else block
    target = path
    if reader in ("read_spikeglx", "read_openephys") and path.is_file():
        target = path.parent
    return getattr(si, reader)(target, **kwargs)


def vendor_recordings(path: str | os.PathLike[str], fmt: str) -> list[tuple[str, Any]]:
    """``(stream name, recording)`` of each signal stream of a vendor file (first block);
    streams that do not open as recordings are left out."""
    import memphys.ephys as si
    from memphys.errors import MemphysError

    p = Path(path)
    try:
        names, _ = si.get_neo_streams(fmt, p)
    except (MemphysError, OSError, ValueError):
        return []
    out = []
    for name in names:
        try:
            out.append((name, _open_stream(p, fmt, name, None)))
        except (MemphysError, OSError, ValueError, KeyError):
            continue
    return out


def nwb_ephys_rows(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """Rows for each ElectricalSeries (channels, probe) and Units table (units) of an NWB
    file."""
    import h5py

    import memphys.ephys as si
    from memphys.errors import MemphysError

    rows: list[tuple[str, str]] = []
    with h5py.File(path, "r") as f:
        series: list[str] = []
        units: list[tuple[str, int]] = []

        def visit(name: str, obj: Any) -> None:
            kind = obj.attrs.get("neurodata_type")
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if kind == "ElectricalSeries":
                series.append(name)
            elif kind == "Units" and "id" in obj:
                units.append((name, int(obj["id"].shape[0])))

        f.visititems(visit)
    for name in series:
        try:
            rec = si.read_nwb_recording(path, electrical_series_path=name)
        except (MemphysError, OSError, ValueError, KeyError) as exc:
            rows.append((name, f"unreadable as a recording ({exc})"))
            continue
        probe = "; ".join(f"{k} {v}" for k, v in probe_rows(rec)) or "no channel locations"
        rows.append((name, f"{rec.get_num_channels()} channels; {probe}"))
    for name, n in units:
        rows.append((name, f"sorting, {n} units"))
    return rows


def recording_for(path: Path, container: Any, key: str | None, obj: Any) -> Any:
    """The recording ``memphys convert --to nwb`` writes: a vendor stream through its
    reader (with its probe), else the time series ``obj`` (a TsdFrame) as a recording."""
    import memphys.ephys as si

    if type(container).__name__ == "EphysReader" and key is not None:
        name, block = _stream_of_key(key)
        return _open_stream(path, container.format, name, block)
    if type(obj).__name__ != "TsdFrame":
        from memphys.errors import MemphysTypeError

        raise MemphysTypeError(
            f"Invalid value for SRC: --to nwb writes recordings (a vendor stream or a "
            f"TsdFrame), but {str(path)!r} gives a {type(obj).__name__}."
        )
    return si.from_tsdframe(obj)
