"""``NwbSortingExtractor``: the Units table of an NWB file, read lazily through h5py.

A Units table stores every unit's spike times (seconds) one unit after the other in
``spike_times``, with ``spike_times_index`` the end of each unit. Opening reads the ids,
the index (a few numbers per unit) and the per-unit columns (properties), never a spike
time. A unit's train is one contiguous slice of ``spike_times`` (read in chunks), converted
to samples ``round((t - t_start) * sampling_frequency)``; spike counts come from the
index alone; the spike vector reads ``spike_times`` once, in chunks, and sorts the spikes by
time (with their units).

The time base follows SpikeInterface 0.105: name an ElectricalSeries
(``electrical_series_path``: its rate, or its timestamps, and its start), or give
``sampling_frequency`` (else the ``resolution`` of ``spike_times``) and ``t_start`` (required
when the file holds an ElectricalSeries, else 0).

Examples
--------
>>> import tempfile, os, datetime
>>> import numpy as np
>>> from pynwb import NWBFile, NWBHDF5IO
>>> import memphys.ephys as si
>>> path = os.path.join(tempfile.mkdtemp(), "units.nwb")
>>> nwb = NWBFile("d", "id", datetime.datetime.now(datetime.timezone.utc))
>>> nwb.add_unit(spike_times=[0.5, 1.0]); nwb.add_unit(spike_times=[0.75])
>>> with NWBHDF5IO(path, "w") as io:
...     io.write(nwb)
>>> s = si.read_nwb_sorting(path, sampling_frequency=1000.0)
>>> s.unit_ids.tolist(), s.get_unit_spike_train(0).tolist(), s.count_num_spikes_per_unit()
([0, 1], [500, 1000], {0: 2, 1: 1})
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._check import check_sampling_frequency
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.sorting_tools import _CHUNK, SPIKE_DTYPE, sort_piece_inplace
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    FileFormatError,
    MemphysFileNotFoundError,
)

__all__ = ["NwbSortingExtractor", "NwbSortingSegment", "read_nwb_sorting"]


def _decode(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind in "SO":
        return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values.tolist()])
    return values


def _electrical_series(h5: Any) -> list[str]:
    found: list[str] = []

    def visit(name: str, obj: Any) -> None:
        t = obj.attrs.get("neurodata_type", b"")
        if (t.decode() if isinstance(t, bytes) else t) == "ElectricalSeries":
            found.append(name)

    h5.visititems(visit)
    return found


class NwbSortingExtractor(BaseSorting):
    """A sorting read from an NWB file's Units table (see the module docstring).

    Parameters
    ----------
    file_path : str or Path
    electrical_series_path : str, optional
        The ElectricalSeries giving the time base (not with ``sampling_frequency`` or
        ``t_start``).
    sampling_frequency : float, optional
    samples_for_rate_estimation : int, default 1000
        Timestamps read to estimate the rate of a timestamped series.
    load_unit_properties : bool, default True
        Per-unit columns become properties (ragged columns are skipped).
    unit_table_path : str, default "units"
    t_start : float, optional
        Time (s) of sample 0.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the time base is missing or given twice, or the file is remote.
    memphys.errors.FileFormatError
        If the Units table is missing or malformed.
    """

    _si_class_path = "spikeinterface.extractors.nwbextractors.NwbSortingExtractor"

    def __init__(
        self,
        file_path: str | Path,
        electrical_series_path: str | None = None,
        sampling_frequency: float | None = None,
        samples_for_rate_estimation: int = 1_000,
        stream_mode: str | None = None,
        stream_cache_path: Any = None,
        load_unit_properties: bool = True,
        unit_table_path: str = "units",
        *,
        t_start: float | None = None,
        cache: bool = False,
        storage_options: dict[str, Any] | None = None,
        use_pynwb: bool = False,
    ) -> None:
        import h5py

        if stream_mode is not None or storage_options:
            raise ExtractorValueError(
                "Streaming NWB files is not supported by memphys.ephys yet: download the file "
                "and open the local copy."
            )
        path = Path(file_path)
        if not path.is_file():
            raise MemphysFileNotFoundError(
                f"Invalid value for `file_path`: {str(path)!r} does not exist."
            )
        self._h5 = h5py.File(path, "r")
        if unit_table_path not in self._h5:
            raise FileFormatError(f"{path} has no Units table at {unit_table_path!r}.")
        table = self._h5[unit_table_path]
        for name in ("id", "spike_times", "spike_times_index"):
            if name not in table:
                raise FileFormatError(
                    f"{path}: the Units table {unit_table_path!r} has no {name!r} column."
                )
        spike_times = table["spike_times"]
        time_vector = None
        if electrical_series_path is not None:
            if sampling_frequency is not None or t_start is not None:
                raise ExtractorValueError(
                    "Provide either 'electrical_series_path' or the time base "
                    "('sampling_frequency' "
                    "and 't_start'), not both."
                )
            sampling_frequency, t_start, time_vector = self._series_time_base(
                electrical_series_path, samples_for_rate_estimation
            )
        else:
            if t_start is None:
                if _electrical_series(self._h5):
                    raise ExtractorValueError(
                        "The file contains an ElectricalSeries but 't_start' was not provided. "
                        "Pass "
                        "'electrical_series_path' to read the time base from it, or pass 't_start' "
                        "explicitly."
                    )
                t_start = 0.0
            if sampling_frequency is None:
                resolution = spike_times.attrs.get("resolution", None)
                if resolution is not None and np.isfinite(resolution) and float(resolution) > 0:
                    sampling_frequency = 1.0 / float(resolution)
            if sampling_frequency is None:
                raise ExtractorValueError(
                    "Couldn't determine the sampling frequency. Provide it with the "
                    "'sampling_frequency' argument, set the Units table 'resolution' attribute, or "
                    "pass 'electrical_series_path'."
                )
        fs = check_sampling_frequency(sampling_frequency)
        columns = list(table.keys())
        ids = (
            _decode(np.asarray(table["unit_name"][:]))
            if "unit_name" in columns
            else np.asarray(table["id"][:])
        )
        BaseSorting.__init__(self, fs, ids)
        index = np.asarray(table["spike_times_index"][:], dtype=np.int64)
        if index.size != self.get_num_units() or (
            index.size and (np.any(np.diff(index) < 0) or index[-1] > spike_times.shape[0])
        ):
            raise FileFormatError(
                f"{path}: spike_times_index does not describe {self.get_num_units()} units."
            )
        self.t_start = float(t_start)
        self.add_sorting_segment(
            NwbSortingSegment(spike_times, index, fs, self.t_start, time_vector)
        )
        if load_unit_properties:
            for name, values in self._properties_of(table, columns).items():
                self.set_property(name, values)
        self.extra_requirements.append("h5py")
        self._kwargs = {
            "file_path": str(path.absolute()),
            "electrical_series_path": electrical_series_path,
            "sampling_frequency": None if electrical_series_path is not None else fs,
            "samples_for_rate_estimation": samples_for_rate_estimation,
            "cache": cache,
            "stream_mode": stream_mode,
            "stream_cache_path": stream_cache_path,
            "storage_options": storage_options,
            "load_unit_properties": load_unit_properties,
            "t_start": None if electrical_series_path is not None else self.t_start,
        }
        if unit_table_path != "units":
            self._kwargs["unit_table_path"] = unit_table_path

    def _series_time_base(self, series_path: str, n_rate: int) -> tuple[float, float, Any]:
        series_path = series_path.strip("/")
        if series_path not in self._h5:
            raise ExtractorValueError(
                f"Invalid value for `electrical_series_path`: {series_path!r} is not in the file; "
                f"ElectricalSeries: {_electrical_series(self._h5)}."
            )
        series = self._h5[series_path]
        if "starting_time" in series:
            st = series["starting_time"]
            return float(st.attrs["rate"]), float(st[()]), None
        if "timestamps" in series:
            ts = series["timestamps"]
            head = np.asarray(ts[: max(2, int(n_rate))], dtype=np.float64)
            if head.size < 2:
                raise FileFormatError(f"{series_path}: too few timestamps to estimate a rate.")
            return float(1.0 / np.median(np.diff(head))), float(head[0]), ts
        raise FileFormatError(f"{series_path} has neither starting_time nor timestamps.")

    @staticmethod
    def _properties_of(table: Any, columns: list[str]) -> dict[str, np.ndarray]:
        skip = {"spike_times", "spike_times_index", "unit_name", "id"}
        skip |= {c for c in columns if c.endswith("_index")}
        n = table["id"].shape[0]
        out: dict[str, np.ndarray] = {}
        for name in columns:
            if name in skip or f"{name}_index" in columns:
                continue  # ragged (per-spike or per-unit lists): not a property
            ds = table[name]
            if not hasattr(ds, "shape") or ds.shape[:1] != (n,) or ds.dtype.kind not in "biufSUO":
                continue
            try:
                values = _decode(np.asarray(ds[:]))
            except (TypeError, ValueError):
                continue
            if values.dtype.kind == "O":
                continue  # object references (electrodes, groups)
            out[name] = values
        return out


class NwbSortingSegment(BaseSortingSegment):
    """The one segment of an NWB sorting: slices of ``spike_times`` per unit."""

    def __init__(
        self,
        spike_times: Any,
        index: np.ndarray,
        sampling_frequency: float,
        t_start: float,
        time_vector: Any = None,
    ) -> None:
        BaseSortingSegment.__init__(self, t_start=t_start)
        self.spike_times_data = spike_times
        self.spike_times_index_data = index
        self._sampling_frequency = float(sampling_frequency)
        self._time_vector = time_vector
        self._time_index: Any = None
        self._unsorted: np.ndarray | None = None
        self._warned: set[int] = set()

    def _unit_bounds(self, u: int) -> tuple[int, int]:
        a = 0 if u == 0 else int(self.spike_times_index_data[u - 1])
        return a, int(self.spike_times_index_data[u])

    def _read_times(self, a: int, b: int) -> np.ndarray:
        out = np.empty(b - a, dtype=np.float64)
        for lo in range(a, b, _CHUNK):
            hi = min(b, lo + _CHUNK)
            out[lo - a : hi - a] = self.spike_times_data[lo:hi]
        return out

    def _to_samples(self, times: np.ndarray) -> np.ndarray:
        if self._time_vector is None:
            return np.round((times - self._native_t_start) * self._sampling_frequency).astype(
                np.int64
            )
        if self._time_index is None:
            from memphys.arrays import as_lazy
            from memphys.core.time_index import ExplicitTimeIndex

            self._time_index = ExplicitTimeIndex(as_lazy(self._time_vector), check=False)
        return np.asarray(self._time_index.searchsorted(times, side="right"), dtype=np.int64) - 1

    def unsorted_units(self) -> np.ndarray:
        """Positions of the units whose stored spike times are not sorted (one chunked pass
        over ``spike_times`` on first call; a warning names them)."""
        if self._unsorted is None:
            ends = self.spike_times_index_data
            n = int(ends[-1]) if ends.size else 0
            bad: set[int] = set()
            prev = None
            for lo in range(0, n, _CHUNK):
                hi = min(n, lo + _CHUNK)
                t = np.asarray(self.spike_times_data[lo:hi], dtype=np.float64)
                if prev is not None:
                    t = np.concatenate(([prev], t))
                    pos = np.arange(lo - 1, hi)
                else:
                    pos = np.arange(lo, hi)
                drops = pos[1:][
                    t[1:] < t[:-1]
                ]  # position of each spike earlier than its predecessor
                if drops.size:
                    units = np.searchsorted(ends, drops, side="right")
                    first = np.concatenate(([0], ends))[units]
                    bad |= set(units[drops != first].tolist())  # not the first of its unit
                prev = t[-1] if t.size else prev
            self._unsorted = np.array(sorted(bad), dtype=np.int64)
            if self._unsorted.size:
                ids = np.asarray(self.parent_extractor.unit_ids)[self._unsorted].tolist()
                warnings.warn(
                    f"The Units table has unsorted spike times for {self._unsorted.size} "
                    f"unit(s) ({ids[:10]}{' ...' if len(ids) > 10 else ''}): each unit's times "
                    "are sorted when read (the table's per-spike columns are not read).",
                    ExtractorWarning,
                    stacklevel=3,
                )
        return self._unsorted

    def _unit_times(self, unit_id: Any) -> np.ndarray:
        u = self.parent_extractor._unit_index(unit_id)
        times = self._read_times(*self._unit_bounds(u))
        if times.size > 1 and np.any(times[1:] < times[:-1]):
            if self._unsorted is None and u not in self._warned:
                self._warned.add(u)
                warnings.warn(
                    f"The Units table has unsorted spike times for unit {unit_id!r}: its times "
                    "are sorted when read (the table's per-spike columns are not read).",
                    ExtractorWarning,
                    stacklevel=4,
                )
            times.sort(kind="stable")  # one unit's times: sorting them alone is safe
        return times

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        frames = self._to_samples(self._unit_times(unit_id))
        a = 0 if start_frame is None else int(np.searchsorted(frames, start_frame, side="left"))
        b = (
            frames.size
            if end_frame is None
            else int(np.searchsorted(frames, end_frame, side="left"))
        )
        return frames[a:b]

    def get_unit_spike_train_in_seconds(
        self, unit_id: Any, start_time: float | None = None, end_time: float | None = None
    ) -> np.ndarray:
        times = self._unit_times(unit_id)
        a = 0 if start_time is None else int(np.searchsorted(times, start_time, side="left"))
        b = times.size if end_time is None else int(np.searchsorted(times, end_time, side="right"))
        return times[a:b]

    def _spike_counts(self) -> np.ndarray:
        return np.diff(self.spike_times_index_data, prepend=0)

    def _spike_piece(self) -> np.ndarray:
        self.unsorted_units()  # say so (the piece is sorted below whatever the order)
        ends = self.spike_times_index_data
        n = int(ends[-1]) if ends.size else 0
        piece = np.empty(n, dtype=SPIKE_DTYPE)
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            times = np.asarray(self.spike_times_data[lo:hi], dtype=np.float64)
            piece["sample_index"][lo:hi] = self._to_samples(times)
            # the unit of each position, from the index (no array of the units' size)
            piece["unit_index"][lo:hi] = np.searchsorted(ends, np.arange(lo, hi), side="right")
        piece["segment_index"] = 0
        # unit-major: a stable sort on samples keeps units in order at equal samples
        return sort_piece_inplace(piece, unit_major=True)

    def _last_spike_frame(self) -> int:
        counts = self._spike_counts()
        ends = self.spike_times_index_data[counts > 0] - 1
        if ends.size == 0:
            return 0
        if self.unsorted_units().size:
            last = max(float(self._unit_times(u)[-1]) for u in np.flatnonzero(counts > 0))
            last = float(last)
        else:
            last = max(float(self.spike_times_data[int(e)]) for e in ends)  # one read per unit
        return int(self._to_samples(np.array([last]))[0])


read_nwb_sorting = define_function_from_class(NwbSortingExtractor, "read_nwb_sorting")
