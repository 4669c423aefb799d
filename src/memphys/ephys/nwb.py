"""Recordings and sortings to NWB: an ``ElectricalSeries`` with its electrodes table, a
``Units`` table, streamed and crash-safe (:mod:`memphys.io.nwb`'s building blocks).

:func:`write_recording_to_nwb` writes one ``ElectricalSeries`` per segment:

- the electrodes table from the probe and the channel properties: one device (the probe's
  model), one ``ElectrodeGroup`` per channel ``group``, and per channel ``location``
  (``brain_area``, else ``"unknown"``), ``group``/``group_name``, ``rel_x``/``rel_y``
  (/``rel_z``: the contact positions in µm), the channel ids (integer ids as the
  electrodes' ids, others in ``channel_name``) and every other scalar property as a column;
- the raw samples, with ``conversion`` from the gains (volts per unit: ``gain_to_uV`` *
  1e-6, or ``channel_conversion`` when channels differ) and ``offset`` (per channel, in an
  ``offset`` electrodes column, when channels differ), streamed through hdmf's chunk
  iterator in blocks (bounded memory whatever the length), HDF5-chunked (~1 MiB) and
  compressed;
- the times as ``rate``/``starting_time``, or ``timestamps`` streamed from the time vector.

:func:`write_sorting_to_nwb` writes the ``Units`` table: spike times in seconds (through
the registered recording's times), ``resolution`` = 1/fs, unit properties as columns,
``electrodes`` (the rows of the unit's channels: an analyzer's sparsity, else the
``main_channel_id`` property) when the file's electrodes table has those channels, and
``waveform_mean``/``waveform_sd`` (volts) from an analyzer's ``templates`` extension.

``memphys.write_nwb`` (and :func:`memphys.io.nwb.write_nwb`) hand recordings and sortings
here through :mod:`memphys.io.nwb.dispatch`. :func:`memphys.ephys.read_nwb_recording` and
:func:`memphys.ephys.read_nwb_sorting` read them back.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=4, durations=[1.0], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "rec.nwb")
>>> _ = write_recording_to_nwb(rec, path, progress_bar=False)
>>> back = si.read_nwb_recording(path)
>>> np.array_equal(back.get_traces(end_frame=100), rec.get_traces(end_frame=100))
True
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from memphys.errors import ExtractorValueError

__all__ = [
    "write_recording_to_nwb",
    "write_sorting_to_nwb",
    "add_electrodes",
    "add_electrical_series",
    "add_units",
    "write_nwb_ephys",
]

#: properties written as electrodes columns of their own (not generic columns)
_HANDLED = {
    "group",
    "location",
    "brain_area",
    "gain_to_uV",
    "offset_to_uV",
    "channel_name",
    "contact_vector",
}
_UV = 1e-6


def _is_scalar_column(values: Any, n: int) -> bool:
    arr = np.asarray(values)
    return (
        arr.ndim == 1 and arr.shape[0] == n and arr.dtype.kind in "biufUS" and not arr.dtype.names
    )


def _column_data(values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "US":
        return np.asarray([str(v) for v in arr.tolist()], dtype=object)
    return arr


def _device_and_groups(nwbfile: Any, recording: Any, groups: np.ndarray) -> dict[Any, Any]:
    probe = recording.get_probegroup().probes[0] if recording.has_probe() else None
    model = None if probe is None else (probe.model_name or probe.annotations.get("model_name"))
    device_name = str(model) if model else "memphys recording device"
    device = nwbfile.devices.get(device_name)
    if device is None:
        manufacturer = None if probe is None else probe.manufacturer
        desc = f"probe {model}" + (f" ({manufacturer})" if manufacturer else "")
        device = nwbfile.create_device(
            name=device_name, description=desc if model else "written by memphys"
        )
    areas = recording.get_property("brain_area")
    out = {}
    for g in np.unique(groups).tolist():
        gname = str(g)
        existing = nwbfile.electrode_groups.get(gname)
        if existing is not None:
            out[g] = existing
            continue
        where = "unknown"
        if areas is not None:
            vals = {str(a) for a in np.asarray(areas)[groups == g].tolist()}
            where = vals.pop() if len(vals) == 1 else "several"
        out[g] = nwbfile.create_electrode_group(
            name=gname,
            description=f"channels of group {gname} (written by memphys)",
            location=where,
            device=device,
        )
    return out


def add_electrodes(nwbfile: Any, recording: Any) -> list[int]:
    """Add one electrodes-table row per channel of ``recording``; return the row indices.

    Columns: ``location`` (``brain_area``), ``group``/``group_name``, ``rel_x``/``rel_y``
    (/``rel_z``) from the channel locations, the channel ids (as the electrodes' ids when
    they are integers and the table is new, else a ``channel_name`` column) and the other
    scalar properties; ``offset`` (volts) when the channels' offsets differ. A file whose
    electrodes table exists keeps its columns: properties without a column are left out.
    """
    n = recording.get_num_channels()
    ids = [str(c) for c in recording.channel_ids.tolist()]
    groups = recording.get_property("group")
    groups = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups)
    elec_groups = _device_and_groups(nwbfile, recording, groups)
    areas = recording.get_property("brain_area")
    locations = recording.get_property("location")
    offsets = recording.get_property("offset_to_uV")
    extra: dict[str, np.ndarray] = {}
    for key in recording.get_property_keys():
        values = recording.get_property(key)
        if key not in _HANDLED and _is_scalar_column(values, n):
            extra[key] = _column_data(values)
    table = nwbfile.electrodes
    start = 0 if table is None else len(table)
    existing = set() if table is None else set(table.colnames)
    raw_ids = np.asarray(recording.channel_ids)
    # integer channel ids are the electrodes' ids in a new table (read back as they were);
    # other ids, or rows appended to a table, are named in a channel_name column
    as_ids = start == 0 and raw_ids.dtype.kind in "iu" and np.unique(raw_ids).size == n
    if not as_ids or "channel_name" in existing:
        extra["channel_name"] = np.asarray(ids, dtype=object)
    if offsets is not None and np.unique(np.asarray(offsets)).size > 1:
        extra["offset"] = np.asarray(offsets, dtype=np.float64) * _UV
    if table is None or start == 0:
        for key in extra:
            if key not in existing:
                nwbfile.add_electrode_column(name=key, description=f"channel property {key!r}")
        existing = (
            set(nwbfile.electrodes.colnames) if nwbfile.electrodes is not None else set(extra)
        )
    for c in range(n):
        kw: dict[str, Any] = {
            "group": elec_groups[groups[c].item() if hasattr(groups[c], "item") else groups[c]],
            "location": "unknown" if areas is None else str(np.asarray(areas)[c]),
        }
        if locations is not None:
            loc = np.asarray(locations, dtype=np.float64)[c]
            kw["rel_x"], kw["rel_y"] = float(loc[0]), float(loc[1])
            if loc.size > 2:
                kw["rel_z"] = float(loc[2])
        for key, values in extra.items():
            if key in existing:
                kw[key] = values[c]
        if as_ids:
            kw["id"] = int(raw_ids[c])
        nwbfile.add_electrode(**kw, enforce_unique_id=True)
    return list(range(start, start + n))


def _conversion(recording: Any, channels: int) -> dict[str, Any]:
    """``conversion``, ``channel_conversion`` and ``offset`` of an ElectricalSeries."""
    if not recording.has_scaleable_traces():
        return {"conversion": _UV}  # values taken as µV (as SpikeInterface takes floats)
    gains = np.asarray(recording.get_channel_gains(), dtype=np.float64)
    offsets = np.asarray(recording.get_channel_offsets(), dtype=np.float64)
    out: dict[str, Any] = {}
    if np.unique(gains).size == 1:
        out["conversion"] = float(gains[0]) * _UV
    else:
        out["conversion"] = _UV
        out["channel_conversion"] = gains.astype(np.float32)
        if not np.array_equal(out["channel_conversion"].astype(np.float64), gains):
            out["channel_conversion"] = gains  # float64 only when float32 would round
    if np.unique(offsets).size == 1:
        out["offset"] = float(offsets[0]) * _UV
    return out


def add_electrical_series(
    nwbfile: Any,
    recording: Any,
    name: str = "ElectricalSeries",
    segment_index: int | None = None,
    electrode_rows: list[int] | None = None,
    location: str = "acquisition",
    module: str | None = None,
    description: str | None = None,
    compression: Any = "gzip",
    compression_opts: Any = None,
    shuffle: bool = False,
    **job_kwargs: Any,
) -> Any:
    """Add one segment of ``recording`` as an ElectricalSeries (streamed when written)."""
    from pynwb.ecephys import ElectricalSeries

    from memphys.io.nwb.compose import LazyDataIterator, TimestampIterator, h5_data_io

    segment_index = recording._check_segment_index(segment_index)
    rows = add_electrodes(nwbfile, recording) if electrode_rows is None else electrode_rows
    region = nwbfile.create_electrode_table_region(
        region=list(rows), description=f"the channels of {name!r}"
    )
    fs = recording.get_sampling_frequency()
    job = _job(job_kwargs, "add_electrical_series")
    job.setdefault("progress_bar", False)
    data = LazyDataIterator(recording.traces_array(segment_index), sampling_rate=fs, **job)
    kw: dict[str, Any] = {
        "name": name,
        "data": h5_data_io(data, compression, compression_opts, shuffle),
        "electrodes": region,
        "description": description or f"recording written by memphys (segment {segment_index})",
        **_conversion(recording, recording.get_num_channels()),
    }
    ti = recording.segments[segment_index].time_index
    if recording.has_time_vector(segment_index):
        kw["timestamps"] = h5_data_io(TimestampIterator(ti), compression, compression_opts)
    else:
        kw["rate"] = float(fs)
        kw["starting_time"] = float(recording.get_start_time(segment_index))
    series = ElectricalSeries(**kw)
    _place(nwbfile, series, location, module)
    return series


#: job arguments that size the blocks read (the others of memphys's job kwargs are accepted
#: and have no effect: the write is sequential, hdmf consumes one block at a time)
_BLOCK_KEYS = ("chunk_size", "chunk_memory", "chunk_duration", "total_memory", "progress_bar")
_IGNORED_JOB_KEYS = ("n_jobs", "pool_engine", "mp_context", "max_threads_per_worker")


def _job(kwargs: Mapping[str, Any], where: str, block_keys: bool = True) -> dict[str, Any]:
    """The block-sizing job arguments of ``kwargs``; an unknown name is an error."""
    from memphys.errors import MemphysTypeError

    allowed = (*_BLOCK_KEYS, *_IGNORED_JOB_KEYS)
    unknown = sorted(k for k in kwargs if k not in allowed)
    if unknown:
        raise MemphysTypeError(
            f"{where}() got unexpected keyword argument(s) {unknown}; expected job arguments "
            f"among {list(allowed)}."
        )
    return {k: v for k, v in kwargs.items() if block_keys and k in _BLOCK_KEYS}


def _place(nwbfile: Any, container: Any, location: str, module: str | None) -> None:
    from memphys._validation import check_option

    check_option("location", location, ("acquisition", "processing", "scratch"))
    if location == "acquisition":
        nwbfile.add_acquisition(container)
    elif location == "scratch":
        nwbfile.add_scratch(container)
    else:
        if module is None:
            raise ExtractorValueError(
                "Invalid value for `module`: location='processing' needs a processing module "
                "name (e.g. 'ecephys'), but got None."
            )
        mod = nwbfile.processing.get(module) or nwbfile.create_processing_module(
            name=module, description=f"processed data written by memphys ({module})"
        )
        mod.add(container)


def _unit_channels(sorting: Any, sorting_analyzer: Any) -> dict[Any, list[Any]] | None:
    if sorting_analyzer is not None and getattr(sorting_analyzer, "sparsity", None) is not None:
        mapping = sorting_analyzer.sparsity.unit_id_to_channel_ids
        return {u: list(np.asarray(mapping[u]).tolist()) for u in sorting.unit_ids.tolist()}
    main = sorting.get_property("main_channel_id")
    if main is not None:
        return {
            u: [m]
            for u, m in zip(sorting.unit_ids.tolist(), np.asarray(main).tolist(), strict=True)
        }
    if sorting_analyzer is not None:
        chans = list(np.asarray(sorting_analyzer.channel_ids).tolist())
        return dict.fromkeys(sorting.unit_ids.tolist(), chans)
    return None


def _electrode_rows_by_name(nwbfile: Any) -> dict[str, int]:
    """Channel name (the ``channel_name`` column, else the electrode id) -> table row."""
    table = nwbfile.electrodes
    if table is None:
        return {}
    if "channel_name" in table.colnames:
        names = [str(v) for v in table["channel_name"].data[:]]
    else:
        names = [str(v) for v in table.id.data[:]]
    rows: dict[str, int] = {}
    for i, v in enumerate(names):
        rows[v] = i  # the last rows written win (the latest recording)
    return rows


def add_units(
    nwbfile: Any,
    sorting: Any,
    name: str = "units",
    location: str = "acquisition",
    module: str | None = None,
    description: str | None = None,
    sorting_analyzer: Any = None,
) -> Any:
    """Add ``sorting`` as a Units table (see the module docstring)."""
    from pynwb.misc import Units

    fs = sorting.get_sampling_frequency()
    ids = np.asarray(sorting.unit_ids)
    int_ids = ids.dtype.kind in "iu" and np.unique(ids).size == ids.size and ids.min(initial=0) >= 0
    kw: dict[str, Any] = {
        "name": name,
        "description": description or "units written by memphys",
        "resolution": 1.0 / fs,
    }
    rows_by_name = _electrode_rows_by_name(nwbfile)
    unit_chans = _unit_channels(sorting, sorting_analyzer)
    use_electrodes = (
        bool(rows_by_name)
        and unit_chans is not None
        and all(str(c) in rows_by_name for chans in unit_chans.values() for c in chans)
    )
    templates = None
    if sorting_analyzer is not None and sorting_analyzer.get_extension("templates") is not None:
        ext = sorting_analyzer.get_extension("templates")
        mean = np.asarray(ext.get_data(operator="average"))
        try:
            sd = np.asarray(ext.get_data(operator="std"))
        except (KeyError, ValueError):
            sd = None
        templates = (mean, sd)
        kw["waveform_rate"] = float(sorting_analyzer.sampling_frequency)
        kw["waveform_unit"] = "volts"
        kw["waveform_time_before_peak_in_ms"] = float(ext.nbefore) / fs * 1000.0
    if use_electrodes:
        kw["electrode_table"] = nwbfile.electrodes
    table = Units(**kw)
    n = ids.size
    extra = {
        k: _column_data(sorting.get_property(k))
        for k in sorting.get_property_keys()
        if _is_scalar_column(sorting.get_property(k), n)
    }
    if not int_ids:
        extra = {"unit_name": np.asarray([str(u) for u in ids.tolist()], dtype=object), **extra}
    for key in extra:
        table.add_column(name=key, description=f"unit property {key!r}")
    for i, u in enumerate(ids.tolist()):
        parts = [
            np.asarray(sorting.get_unit_spike_train_in_seconds(u, s), dtype=np.float64)
            for s in range(sorting.get_num_segments())
        ]
        times = np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]
        unit_kw: dict[str, Any] = {"spike_times": times, "id": int(u) if int_ids else i}
        if use_electrodes and unit_chans is not None:
            unit_kw["electrodes"] = [rows_by_name[str(c)] for c in unit_chans[u]]
        if templates is not None:
            unit_kw["waveform_mean"] = templates[0][i] * _UV
            if templates[1] is not None:
                unit_kw["waveform_sd"] = templates[1][i] * _UV
        for key, values in extra.items():
            unit_kw[key] = values[i]
        table.add_unit(**unit_kw)
    if location == "acquisition" and name == "units":
        if nwbfile.units is not None:
            raise ExtractorValueError(
                "Invalid value for `name`: the file already has a units table (/units); "
                "choose another name or location='processing'."
            )
        nwbfile.units = table
    else:
        _place(nwbfile, table, location, module)
    return table


def write_recording_to_nwb(
    recording: Any,
    path: str | os.PathLike[str],
    name: str | None = None,
    *,
    segment_index: int | None = None,
    location: str = "acquisition",
    module: str | None = None,
    description: str | None = None,
    compression: str | None = "gzip",
    compression_opts: Any = None,
    shuffle: bool = False,
    overwrite: bool = False,
    validate: bool = True,
    nwbfile_kwargs: Mapping[str, Any] | None = None,
    **job_kwargs: Any,
) -> pathlib.Path:
    """Write ``recording`` into a new or an existing NWB file (see the module docstring).

    Parameters
    ----------
    recording : BaseRecording
    path : str or path-like
    name : str, optional
        Name of the ElectricalSeries (default ``"ElectricalSeries"``; with several segments
        written, ``"<name>_segment<k>"``).
    segment_index : int, optional
        One segment (default: every segment, one series each, sharing the electrodes).
    location, module, description : str
        Where the series go (``"acquisition"``, ``"processing"`` with ``module``,
        ``"scratch"``) and their description.
    compression : {'gzip', 'lzf', None}
        HDF5 filter of the data; ``compression_opts`` its level, ``shuffle`` the
        byte-shuffle filter.
    overwrite, validate, nwbfile_kwargs
        As :func:`memphys.io.nwb.write_nwb`: the file is written under a temporary name,
        validated, then renamed.
    **job_kwargs
        ``chunk_size``, ``chunk_memory``, ``chunk_duration``, ``progress_bar``: the blocks
        read from the recording.

    Returns
    -------
    pathlib.Path
    """
    from memphys.io.nwb.compose import check_compression, write_nwbfile_with

    compression = check_compression(compression)
    _job(job_kwargs, "write_recording_to_nwb")  # an unknown argument fails before any write
    base = name or "ElectricalSeries"
    segments = (
        list(range(recording.get_num_segments()))
        if segment_index is None
        else [recording._check_segment_index(segment_index)]
    )

    def add(nwbfile: Any) -> None:
        rows = add_electrodes(nwbfile, recording)
        for s in segments:
            series_name = base if len(segments) == 1 else f"{base}_segment{s}"
            add_electrical_series(
                nwbfile,
                recording,
                series_name,
                s,
                rows,
                location,
                module,
                description,
                compression,
                compression_opts,
                shuffle,
                **job_kwargs,
            )

    return write_nwbfile_with(
        path, add, overwrite=overwrite, validate=validate, nwbfile_kwargs=nwbfile_kwargs
    )


def write_sorting_to_nwb(
    sorting: Any,
    path: str | os.PathLike[str],
    name: str | None = None,
    *,
    sorting_analyzer: Any = None,
    location: str = "acquisition",
    module: str | None = None,
    description: str | None = None,
    overwrite: bool = False,
    validate: bool = True,
    nwbfile_kwargs: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> pathlib.Path:
    """Write ``sorting`` as a Units table (``"units"`` in acquisition is the file's
    ``/units``) into a new or an existing NWB file; ``sorting_analyzer`` adds
    ``waveform_mean``/``waveform_sd`` from its templates and the units' electrodes from its
    sparsity (SpikeInterface's public analyzer API)."""
    from memphys.io.nwb.compose import write_nwbfile_with

    _job(kwargs, "write_sorting_to_nwb", block_keys=False)  # accepted, no effect (no blocks)

    def add(nwbfile: Any) -> None:
        add_units(
            nwbfile, sorting, name or "units", location, module, description, sorting_analyzer
        )

    return write_nwbfile_with(
        path, add, overwrite=overwrite, validate=validate, nwbfile_kwargs=nwbfile_kwargs
    )


def _is_kind(obj: Any, base: str) -> bool:
    return any(
        c.__name__ == base and c.__module__.startswith("memphys.ephys") for c in type(obj).__mro__
    )


def write_nwb_ephys(obj: Any, path: Any, name: str | None = None, **kwargs: Any) -> pathlib.Path:
    """``write_nwb`` for a recording or a sorting (registered with
    :mod:`memphys.io.nwb.dispatch` by ``memphys.ephys``)."""
    kwargs.pop("unit", None)  # a TimeSeries argument: an ElectricalSeries is in volts
    if _is_kind(obj, "BaseRecording"):
        return write_recording_to_nwb(obj, path, name, **kwargs)
    for key in ("compression", "compression_opts", "shuffle"):
        kwargs.pop(key, None)
    return write_sorting_to_nwb(obj, path, name, **kwargs)


def accepts(obj: Any) -> bool:
    """True for the recordings and sortings of :mod:`memphys.ephys`."""
    return _is_kind(obj, "BaseRecording") or _is_kind(obj, "BaseSorting")
