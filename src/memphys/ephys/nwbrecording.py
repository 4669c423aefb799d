"""``NwbRecordingExtractor``: an NWB file's ``ElectricalSeries`` as a recording, read
lazily through h5py.

The data stay in the file: a segment is an :class:`~memphys.arrays.HDF5Array` (reopened by
path in each worker) read in contiguous frame ranges. Opening reads the series' attributes
and the electrodes table's columns for its channels (a few values per channel), never a
sample. As SpikeInterface 0.105:

- channel ids are the electrodes' ``channel_name`` column, else their ids;
- ``gain_to_uV`` = ``conversion`` x ``channel_conversion`` x 1e6 and ``offset_to_uV`` =
  the series ``offset`` x 1e6 (or the electrodes' ``offset`` column when the series' is 0);
- a dummy probe at ``rel_x``/``rel_y`` (``rel_z`` in the ``location`` property), as
  SpikeInterface's ``set_channel_locations``; groups from ``group_name`` (integers
  again when every name is one), the electrodes ``location`` as ``brain_area``, the other
  scalar columns as properties;
- times: ``rate`` and ``starting_time``, or the timestamps (kept on disk as the time
  vector with ``load_time_vector=True``; otherwise the rate is estimated from the first
  ``samples_for_rate_estimation`` of them).

An electrodes region that points past the electrodes table is refused
(:class:`~memphys.errors.FileFormatError`, naming the series, the largest index and the
table's length).

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.read_nwb_recording("session.nwb")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys.baserecording import ArrayRecordingSegment, BaseRecording
from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.nwbsorting import _decode, _electrical_series
from memphys.errors import (
    ExtractorValueError,
    FileFormatError,
    MemphysFileNotFoundError,
    StreamNotFoundError,
)

__all__ = ["NwbRecordingExtractor", "read_nwb_recording"]

#: electrodes columns read into core fields, not generic properties
_CORE = {"id", "rel_x", "rel_y", "rel_z", "group", "group_name", "channel_name", "offset"}


def _series_path(h5: Any, path: Path, requested: str | None) -> str:
    found = _electrical_series(h5)
    if requested is not None:
        key = requested.strip("/")
        if key not in h5 or key not in found:
            raise StreamNotFoundError(
                f"Invalid value for `electrical_series_path`: {str(path)!r} holds the "
                f"ElectricalSeries {found or 'none'}, but got {requested!r}."
            )
        return key
    if not found:
        raise StreamNotFoundError(f"{str(path)!r} holds no ElectricalSeries.")
    if len(found) > 1:
        raise StreamNotFoundError(
            f"{str(path)!r} holds several ElectricalSeries {found}: choose one with "
            "`electrical_series_path`."
        )
    return found[0]


def _electrodes(h5: Any, series: Any, name: str, path: Path) -> tuple[Any, np.ndarray]:
    if "electrodes" not in series:
        raise FileFormatError(f"{str(path)!r}: the ElectricalSeries {name!r} has no electrodes.")
    region = series["electrodes"]
    table = h5[region.attrs["table"]]
    indices = np.asarray(region[:], dtype=np.int64)
    n_rows = int(table["id"].shape[0])
    if indices.size and (indices.min() < 0 or indices.max() >= n_rows):
        bad = int(indices.max() if indices.max() >= n_rows else indices.min())
        raise FileFormatError(
            f"{str(path)!r}: the electrodes region of the ElectricalSeries {name!r} points to "
            f"row {bad}, past the electrodes table ({n_rows} rows: 0..{n_rows - 1}). The file "
            "is inconsistent."
        )
    return table, indices


def _column(table: Any, name: str, indices: np.ndarray, colnames: list[str]) -> np.ndarray | None:
    if name not in table or f"{name}_index" in colnames:
        return None
    ds = table[name]
    if not hasattr(ds, "shape") or len(ds.shape) != 1 or ds.dtype.kind not in "biufSUO":
        return None
    values = np.asarray(ds[:])
    if values.dtype.kind == "O" and values.size and not isinstance(values.flat[0], bytes | str):
        return None  # object references (the group column)
    return _decode(values)[indices]


class NwbRecordingExtractor(BaseRecording):
    """An ElectricalSeries of an NWB file (see the module docstring).

    Parameters
    ----------
    file_path : str or Path
    load_time_vector : bool, default False
        Keep a timestamped series' timestamps (on disk) as the segment's times.
    samples_for_rate_estimation : int, default 1000
    stream_mode : None
        Remote files are not supported yet.
    stream_cache_path : None
    electrical_series_path : str, optional
        ``"acquisition/ElectricalSeries"``; required when the file holds several.
    load_channel_properties : bool, default True

    Raises
    ------
    memphys.errors.StreamNotFoundError
        For a series that does not exist (the message lists those that do).
    memphys.errors.FileFormatError
        For an inconsistent file (electrodes region past the table, no data, ...).
    """

    _si_class_path = "spikeinterface.extractors.nwbextractors.NwbRecordingExtractor"

    def __init__(
        self,
        file_path: Any,
        load_time_vector: bool = False,
        samples_for_rate_estimation: int = 1_000,
        stream_mode: str | None = None,
        stream_cache_path: Any = None,
        electrical_series_path: str | None = None,
        load_channel_properties: bool = True,
        *,
        file: Any = None,
        cache: bool = False,
        storage_options: dict[str, Any] | None = None,
        use_pynwb: bool = False,
    ) -> None:
        import h5py

        from memphys.arrays.hdf5_array import HDF5Array

        if stream_mode is not None or file is not None or storage_options:
            raise ExtractorValueError(
                "Streaming or file-object NWB reads are not supported by memphys.ephys yet: "
                "open a local file by its path."
            )
        path = Path(file_path)
        if not path.is_file():
            raise MemphysFileNotFoundError(
                f"Invalid value for `file_path`: {str(path)!r} does not exist."
            )
        with h5py.File(path, "r") as h5:
            name = _series_path(h5, path, electrical_series_path)
            series = h5[name]
            if "data" not in series or len(series["data"].shape) != 2:
                raise FileFormatError(
                    f"{str(path)!r}: the ElectricalSeries {name!r} has no 2-D data."
                )
            data = series["data"]
            n_ch = int(data.shape[1])
            dtype = data.dtype
            table, indices = _electrodes(h5, series, name, path)
            if indices.size != n_ch:
                raise FileFormatError(
                    f"{str(path)!r}: the ElectricalSeries {name!r} has {n_ch} channels but "
                    f"its electrodes region lists {indices.size} electrodes."
                )
            colnames = [_decode(np.asarray([c]))[0] for c in table.attrs.get("colnames", [])]
            ids = _column(table, "channel_name", indices, colnames)
            if ids is None:
                ids = np.asarray(table["id"][:])[indices]
            conversion = float(data.attrs.get("conversion", 1.0))
            gains = np.full(n_ch, conversion)
            if "channel_conversion" in series:
                gains = gains * np.asarray(series["channel_conversion"][:], dtype=np.float64)
            offset = float(data.attrs.get("offset", 0.0))
            offsets: Any = np.full(n_ch, offset)
            if offset == 0.0 and "offset" in colnames:
                col = _column(table, "offset", indices, colnames)
                if col is not None:
                    offsets = np.asarray(col, dtype=np.float64)
            fs, t0, vector = self._time_base(series, samples_for_rate_estimation, load_time_vector)
            props = (
                self._column_properties(table, indices, colnames) if load_channel_properties else {}
            )
            locations = [_column(table, c, indices, colnames) for c in ("rel_x", "rel_y", "rel_z")]
            groups = _column(table, "group_name", indices, colnames)
        BaseRecording.__init__(self, fs, ids, dtype)
        array = HDF5Array(str(path.absolute()), f"/{name}/data")
        times = None if vector is None else HDF5Array(str(path.absolute()), vector)
        self.add_recording_segment(ArrayRecordingSegment(array, fs, t0, times))
        self.set_channel_gains(gains * 1e6)
        self.set_channel_offsets(np.asarray(offsets, dtype=np.float64) * 1e6)
        rel_x, rel_y = locations[0], locations[1]
        if rel_x is not None and rel_y is not None:
            # as SpikeInterface: a dummy probe at the contacts (x, y; z kept as a property)
            self.set_dummy_probe_from_locations(
                np.column_stack([rel_x, rel_y]).astype(np.float64), axes="xy"
            )
            if locations[2] is not None:
                cols = [c for c in locations if c is not None]
                self.set_property("location", np.column_stack(cols).astype(np.float64))
        if groups is not None:
            as_text = [str(g) for g in groups.tolist()]
            if all(g.lstrip("-").isdigit() for g in as_text):
                self.set_channel_groups(np.asarray([int(g) for g in as_text]))
            else:
                self.set_channel_groups(np.asarray(as_text))
        for key, values in props.items():
            self.set_property(key, values)
        self.electrical_series_path = name
        self.extra_requirements.append("h5py")
        self._kwargs = {
            "file_path": str(path.resolve()),
            "electrical_series_path": name,
            "load_time_vector": load_time_vector,
            "samples_for_rate_estimation": samples_for_rate_estimation,
            "stream_mode": stream_mode,
            "load_channel_properties": load_channel_properties,
            "storage_options": storage_options,
            "cache": cache,
            "stream_cache_path": stream_cache_path,
            "file": file,
        }

    @staticmethod
    def _time_base(series: Any, n_rate: int, load_vector: bool) -> tuple[float, Any, Any]:
        if "starting_time" in series:
            st = series["starting_time"]
            return float(st.attrs["rate"]), float(st[()]), None
        if "timestamps" not in series:
            raise FileFormatError(
                f"The ElectricalSeries {series.name!r} has neither starting_time nor timestamps."
            )
        ts = series["timestamps"]
        head = np.asarray(ts[: max(2, int(n_rate))], dtype=np.float64)
        if head.size < 2:
            raise FileFormatError(f"{series.name!r}: too few timestamps to estimate a rate.")
        fs = float(1.0 / np.median(np.diff(head)))
        if load_vector:
            return fs, None, f"{series.name}/timestamps"
        return fs, float(head[0]), None

    @staticmethod
    def _column_properties(table: Any, indices: np.ndarray, colnames: list[str]) -> dict[str, Any]:
        out = {}
        for col in colnames:
            if col in _CORE or col.endswith("_index"):
                continue
            values = _column(table, col, indices, colnames)
            if values is not None:
                out["brain_area" if col == "location" else col] = values
        return out


read_nwb_recording = define_function_from_class(NwbRecordingExtractor, "read_nwb_recording")
