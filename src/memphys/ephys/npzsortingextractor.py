"""``NpzSortingExtractor``: SpikeInterface's ``.npz`` sorting file, read lazily.

The file (a zip of ``.npy`` members, written by ``np.savez``) holds ``unit_ids``,
``num_segment``, ``sampling_frequency`` and, per segment, ``spike_indexes_seg<i>``
(sample indices, in time order) and ``spike_labels_seg<i>`` (unit ids). Opening reads the
three small members only. Stored (uncompressed) members are memory-mapped inside the zip
file; compressed ones are decompressed in chunks. Spike counts take one chunked pass over
the labels; the first spike train asked for builds the spike vector in one chunked pass
over both members (every later train is a slice of it).

Examples
--------
>>> import tempfile, os
>>> import memphys.ephys as si
>>> path = os.path.join(tempfile.mkdtemp(), "s.npz")
>>> si.create_sorting_npz(2, path)
>>> s = si.read_npz_sorting(path)
>>> s.get_num_segments(), s.count_num_spikes_per_unit()
(2, {0: 68, 1: 66, 2: 66})
>>> s.get_unit_spike_train(1, segment_index=0)[:3].tolist()
[10, 40, 70]
"""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.sorting_tools import SPIKE_DTYPE, _map_labels, sort_piece_inplace
from memphys.errors import FileFormatError, MemphysFileNotFoundError

__all__ = ["NpzSortingExtractor", "NpzSortingSegment", "NpzMember", "read_npz_sorting"]

#: elements per chunk when a member is decompressed or scanned
_CHUNK = 1 << 20


class NpzMember:
    """One ``.npy`` member of an ``.npz`` file: shape, dtype and chunked reads.

    A stored member is memory-mapped at its offset in the zip file; a compressed member
    is streamed (reads go forward from the start of the member).
    """

    def __init__(self, path: str | Path, name: str) -> None:
        self.path = str(path)
        self.name = name
        with zipfile.ZipFile(self.path) as zf:
            member = name if name in zf.namelist() else name + ".npy"
            try:
                info = zf.getinfo(member)
            except KeyError:
                raise FileFormatError(
                    f"{self.path} has no array {name!r}: it is not a sorting npz file "
                    f"(members: {[n.removesuffix('.npy') for n in zf.namelist()]})."
                ) from None
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                else:
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                header_len = fh.tell()
        if fortran and len(shape) > 1:
            raise FileFormatError(f"{self.path}: member {name!r} is Fortran-ordered.")
        if dtype.hasobject:
            raise FileFormatError(f"{self.path}: member {name!r} holds Python objects.")
        self.member = member
        self.shape: tuple[int, ...] = tuple(shape)
        self.dtype: np.dtype[Any] = dtype
        self.stored = info.compress_type == zipfile.ZIP_STORED
        self.offset = -1
        if self.stored:
            with open(self.path, "rb") as raw:
                raw.seek(info.header_offset)
                local = raw.read(30)
            sig, *_, n_name, n_extra = struct.unpack("<4s5H3I2H", local)
            if sig != b"PK\x03\x04":
                raise FileFormatError(f"{self.path}: corrupt zip entry {member!r}.")
            self.offset = info.header_offset + 30 + n_name + n_extra + header_len

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def memmap(self) -> np.ndarray:
        """The member as a read-only memory map (stored members only)."""
        if self.size == 0:
            return np.zeros(self.shape, dtype=self.dtype)
        return np.memmap(
            self.path, dtype=self.dtype, mode="r", offset=self.offset, shape=self.shape
        )

    def read(self) -> np.ndarray:
        """The whole member (for small members)."""
        with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as fh:
            return np.asarray(np.load(fh))

    def chunks(self, chunk: int = _CHUNK) -> Iterator[np.ndarray]:
        """The member (1-D) in consecutive chunks of ``chunk`` elements."""
        n = self.size
        if self.stored:
            mm = self.memmap()
            for a in range(0, n, chunk):
                yield np.asarray(mm[a : a + chunk])
            return
        item = self.dtype.itemsize
        with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as fh:
            if np.lib.format.read_magic(fh) == (1, 0):
                np.lib.format.read_array_header_1_0(fh)
            else:
                np.lib.format.read_array_header_2_0(fh)
            done = 0
            while done < n:
                m = min(chunk, n - done)
                buf = fh.read(m * item)
                if len(buf) != m * item:
                    raise FileFormatError(f"{self.path}: member {self.name!r} is truncated.")
                yield np.frombuffer(buf, dtype=self.dtype)
                done += m


class NpzSortingExtractor(BaseSorting):
    """A sorting stored in an ``.npz`` file (see the module docstring).

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If the file does not exist.
    memphys.errors.FileFormatError
        If it is not a sorting npz file (a member is missing or malformed).
    """

    _si_class_path = "spikeinterface.core.npzsortingextractor.NpzSortingExtractor"
    mode = "file"
    _build_trains_on_access: ClassVar[bool] = True

    def __init__(self, file_path: str | Path) -> None:
        path = Path(file_path)
        if not path.is_file():
            raise MemphysFileNotFoundError(
                f"Invalid value for `file_path`: {str(path)!r} does not exist."
            )
        if not zipfile.is_zipfile(path):
            raise FileFormatError(f"{path} is not an .npz file (not a zip archive).")
        self.npz_filename = str(file_path)
        num_segment = int(NpzMember(path, "num_segment").read().ravel()[0])
        unit_ids = NpzMember(path, "unit_ids").read()
        fs = float(NpzMember(path, "sampling_frequency").read().ravel()[0])
        BaseSorting.__init__(self, fs, unit_ids)
        for seg in range(num_segment):
            self.add_sorting_segment(NpzSortingSegment(path, seg, self.unit_ids))
        self._kwargs = {"file_path": str(path.absolute())}

    @staticmethod
    def write_sorting(sorting: BaseSorting, save_path: str | Path) -> None:
        """Write ``sorting`` as an ``.npz`` file (``.npz`` appended as numpy does), through
        a temporary file renamed when complete."""
        path = Path(save_path)
        if path.suffix != ".npz":
            path = path.with_name(path.name + ".npz")
        unit_ids = np.asarray(sorting.unit_ids)
        d: dict[str, Any] = {
            "unit_ids": unit_ids,
            "num_segment": np.array([sorting.get_num_segments()], dtype="int64"),
            "sampling_frequency": np.array([sorting.get_sampling_frequency()], dtype="float64"),
        }
        for seg, spikes in enumerate(sorting.to_spike_vector(concatenated=False)):
            d[f"spike_indexes_seg{seg}"] = np.ascontiguousarray(
                spikes["sample_index"], dtype=np.int64
            )
            d[f"spike_labels_seg{seg}"] = (
                unit_ids[spikes["unit_index"]] if unit_ids.size else np.zeros(0, dtype="int64")
            )
        tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, **d)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()


class NpzSortingSegment(BaseSortingSegment):
    """One segment of an npz sorting: its two members, read on demand."""

    def __init__(self, path: Path, segment_index: int, unit_ids: np.ndarray) -> None:
        BaseSortingSegment.__init__(self)
        self.indexes = NpzMember(path, f"spike_indexes_seg{segment_index}")
        self.labels = NpzMember(path, f"spike_labels_seg{segment_index}")
        if self.indexes.shape != self.labels.shape or len(self.indexes.shape) != 1:
            raise FileFormatError(
                f"{path}: segment {segment_index} has {self.indexes.shape} spike indexes but "
                f"{self.labels.shape} labels (they must be 1-D and of one length)."
            )
        if self.indexes.dtype.kind not in "iu":
            raise FileFormatError(
                f"{path}: spike_indexes_seg{segment_index} must hold integers, not "
                f"{self.indexes.dtype}."
            )
        self._unit_ids = unit_ids
        self._segment_index = segment_index
        self._counts: np.ndarray | None = None

    def _spike_piece(self) -> np.ndarray:
        n = self.indexes.size
        piece = np.empty(n, dtype=SPIKE_DTYPE)
        pos = 0
        for idx, lab in zip(self.indexes.chunks(), self.labels.chunks(), strict=True):
            m = idx.size
            u, _ = _map_labels(np.asarray(lab), self._unit_ids, "spike labels")
            if m and u.min() < 0:
                bad = pos + int(np.argmin(u))
                raise FileFormatError(
                    f"{self.indexes.path}: spike {bad} of segment {self._segment_index} has a "
                    "label that is not in unit_ids."
                )
            if m and idx.min() < 0:
                raise FileFormatError(
                    f"{self.indexes.path}: negative spike indexes in segment {self._segment_index}."
                )
            piece["sample_index"][pos : pos + m] = idx
            piece["unit_index"][pos : pos + m] = u
            pos += m
        piece["segment_index"] = 0
        # unsorted files: spikes sorted with their labels, in place
        return sort_piece_inplace(piece)

    def _spike_counts(self) -> np.ndarray:
        if self._counts is None:
            counts = np.zeros(self._unit_ids.size, dtype=np.int64)
            for lab in self.labels.chunks():
                _, c = _map_labels(np.asarray(lab), self._unit_ids, "spike labels")
                counts += c
            self._counts = counts
        return self._counts

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        parts = []
        for idx, lab in zip(self.indexes.chunks(), self.labels.chunks(), strict=True):
            sel = idx[np.asarray(lab) == unit_id]
            if start_frame is not None:
                sel = sel[sel >= start_frame]
            if end_frame is not None:
                sel = sel[sel < end_frame]
            parts.append(sel.astype(np.int64))
        if not parts:
            return np.zeros(0, dtype=np.int64)
        out = np.concatenate(parts)
        if out.size > 1 and np.any(out[1:] < out[:-1]):
            out.sort()  # one unit's samples: all share the label, sorting them is safe
        return out


read_npz_sorting = define_function_from_class(NpzSortingExtractor, "read_npz_sorting")
