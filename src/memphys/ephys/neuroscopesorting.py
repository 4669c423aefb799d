"""``NeuroScopeSortingExtractor``: Neuroscope/Klusters ``.res.N`` / ``.clu.N`` files, lazily.

Each shank ``N`` has a ``.res.N`` text file (spike samples, sorted) and a ``.clu.N`` file
(its first line the number of clusters, then one cluster per spike). Cluster 0 is noise
(dropped), cluster 1 multi-unit activity (kept unless ``keep_mua_units=False``). Unit ids
are numbered as SpikeInterface numbers them (per shank, continuing from the previous
shank), and the ``group`` property holds the shank.

Opening reads the ``.clu`` files in chunks (to learn the clusters and count their spikes)
and no spike time. The first train asked for reads the ``.res`` and ``.clu`` files in
chunks once, building the spike vector; every train is then a slice.

Examples
--------
>>> import tempfile, pathlib
>>> import memphys.ephys as si
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "s.xml").write_text("<parameters><acquisitionSystem><nBits>16</nBits>"
...     "<nChannels>2</nChannels><samplingRate>20000</samplingRate></acquisitionSystem>"
...     "</parameters>")
>>> _ = (d / "s.res.1").write_text("10\\n20\\n30\\n40\\n")
>>> _ = (d / "s.clu.1").write_text("3\\n0\\n2\\n1\\n2\\n")
>>> s = si.read_neuroscope_sorting(d)
>>> s.unit_ids.tolist(), s.count_num_spikes_per_unit(), s.get_unit_spike_train(3).tolist()
([2, 3], {2: 1, 3: 2}, [20, 40])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.sorting_tools import SPIKE_DTYPE, sort_piece_inplace
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    FileFormatError,
    MemphysFileNotFoundError,
)

__all__ = ["NeuroScopeSortingExtractor", "read_neuroscope_sorting", "read_int_lines"]

#: bytes of text per parsing step
_TEXT_CHUNK = 16 * 2**20


def read_int_lines(path: Path, chunk: int = _TEXT_CHUNK) -> Iterator[np.ndarray]:
    """The integers of a one-number-per-line text file, in chunks (int64 arrays)."""
    rest = b""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            yield _parse(block[:cut], path)
    if rest.strip():
        yield _parse(rest, path)


def _parse(text: bytes, path: Path) -> np.ndarray:
    try:
        values = np.fromstring(text.decode("ascii"), dtype=np.int64, sep=" ")
    except (ValueError, UnicodeDecodeError):
        raise FileFormatError(f"{path} has a line that is not an integer.") from None
    if values.size != len(text.split()):
        raise FileFormatError(f"{path} has a line that is not an integer.")
    return values


class _Shank:
    """One ``.res``/``.clu`` pair: cluster -> unit position, counts per unit."""

    def __init__(self, res: Path, clu: Path, shank_id: int | None) -> None:
        self.res, self.clu, self.shank_id = res, clu, shank_id
        self.warned = False
        counts = np.zeros(0, dtype=np.int64)
        first = True
        n_clusters = 0
        for values in read_int_lines(clu):
            if first:
                n_clusters = int(values[0])
                values = values[1:]
                first = False
            if values.size:
                if values.min() < 0:
                    raise FileFormatError(f"{clu} has a negative cluster id.")
                c = np.bincount(values)
                if c.size > counts.size:
                    c[: counts.size] += counts
                    counts = c
                else:
                    counts[: c.size] += c
        self.n_spikes = int(counts.sum())
        self.clusters = np.flatnonzero(counts)
        self.cluster_counts = counts[self.clusters]
        if self.n_spikes and self.clusters.size != n_clusters:
            raise FileFormatError(
                f"First value of .clu file ({clu}) does not match the number of unique ids: it "
                f"says {n_clusters}, the file has {self.clusters.size}."
            )


class NeuroScopeSortingExtractor(BaseSorting):
    """A sorting of ``.res``/``.clu`` files (see the module docstring).

    Parameters
    ----------
    folder_path : str or Path, optional
        Folder of ``.res.N``/``.clu.N`` pairs (and the ``.xml``).
    resfile_path, clufile_path : str or Path, optional
        One pair instead of a folder.
    keep_mua_units : bool, default True
    exclude_shanks : list of int, optional
    xml_file_path : str or Path, optional
        The ``.xml`` with ``samplingRate`` (default: the folder's).

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If files are missing.
    memphys.errors.FileFormatError
        If ``.res``/``.clu`` files do not pair up or disagree.
    """

    _si_class_path = "spikeinterface.extractors.neoextractors.neuroscope.NeuroScopeSortingExtractor"
    _build_trains_on_access: ClassVar[bool] = True

    def __init__(
        self,
        folder_path: str | Path | None = None,
        resfile_path: str | Path | None = None,
        clufile_path: str | Path | None = None,
        keep_mua_units: bool = True,
        exclude_shanks: list[int] | None = None,
        xml_file_path: str | Path | None = None,
    ) -> None:
        from memphys.io.binary import read_xml

        if resfile_path is not None or clufile_path is not None:
            if resfile_path is None or clufile_path is None or folder_path is not None:
                raise ExtractorValueError(
                    "Pass either a folder_path, or both resfile_path and clufile_path."
                )
            res_files, clu_files = [Path(resfile_path)], [Path(clufile_path)]
            for p in res_files + clu_files:
                if not p.is_file():
                    raise MemphysFileNotFoundError(f"{p} does not exist.")
            folder = res_files[0].parent
        else:
            if folder_path is None:
                raise ExtractorValueError(
                    "Pass either a folder_path, or both resfile_path and clufile_path."
                )
            folder = Path(folder_path)
            if not folder.is_dir():
                raise MemphysFileNotFoundError(
                    f"Invalid value for `folder_path`: {str(folder)!r} is not a folder."
                )
            res_files = sorted(
                f
                for f in folder.iterdir()
                if f.is_file() and ".res" in f.suffixes and not f.name.endswith("~")
            )
            clu_files = sorted(
                f
                for f in folder.iterdir()
                if f.is_file() and ".clu" in f.suffixes and not f.name.endswith("~")
            )
            if not res_files and not clu_files:
                raise MemphysFileNotFoundError(f"No .res or .clu files found in {folder}.")
        exclude = [] if exclude_shanks is None else list(exclude_shanks)
        if any(not isinstance(x, int | np.integer) or x < 0 for x in exclude):
            raise ExtractorValueError(
                "Optional argument 'exclude_shanks' must contain positive integers only!"
            )
        xml = Path(xml_file_path) if xml_file_path is not None else _find_xml(folder)
        fs = float(read_xml(xml).sampling_rate)
        shank_ids: list[int | None]
        if len(res_files) > 1:
            res_ids = [int(f.suffix[1:]) for f in res_files]
            clu_ids = [int(f.suffix[1:]) for f in clu_files]
            if sorted(res_ids) != sorted(clu_ids):
                raise FileFormatError(
                    f"Unmatched .clu.N and .res.N files in {folder}: {res_ids} and {clu_ids}."
                )
            shank_ids = list(res_ids)
            clu_by_id = dict(zip(clu_ids, clu_files, strict=True))
            clu_files = [clu_by_id[i] for i in res_ids]
        else:
            shank_ids = [None] * len(res_files)
        shanks = []
        unit_ids: list[int] = []
        groups: list[int] = []
        for res, clu, sid in zip(res_files, clu_files, shank_ids, strict=True):
            if sid is not None and sid in exclude:
                continue
            shank = _Shank(res, clu, sid)
            if shank.n_spikes == 0:
                continue
            # SpikeInterface's numbering: position among the shank's clusters (from 1),
            # after the previous shank's last unit id
            numbers = np.arange(1, shank.clusters.size + 1)
            keep = shank.clusters != 0
            if not keep_mua_units:
                keep &= shank.clusters != 1
            last = unit_ids[-1] if unit_ids else 0
            shank.kept_clusters = shank.clusters[keep]  # type: ignore[attr-defined]
            shank.kept_counts = shank.cluster_counts[keep]  # type: ignore[attr-defined]
            shank.first_unit = len(unit_ids)  # type: ignore[attr-defined]
            unit_ids += (numbers[keep] + last).tolist()
            if sid is not None:
                groups += [sid] * int(keep.sum())
            shanks.append(shank)
        BaseSorting.__init__(self, fs, np.array(unit_ids, dtype=np.int64))
        self.add_sorting_segment(NeuroScopeSortingSegment(shanks, len(unit_ids)))
        if groups:
            self.set_property("group", groups)
        self.extra_requirements.append("lxml")
        self._kwargs = dict(
            folder_path=None if resfile_path is not None else str(folder.absolute()),
            resfile_path=None if resfile_path is None else str(Path(resfile_path).absolute()),
            clufile_path=None if clufile_path is None else str(Path(clufile_path).absolute()),
            keep_mua_units=keep_mua_units,
            exclude_shanks=exclude,
            xml_file_path=str(xml),
        )


def _find_xml(folder: Path) -> Path:
    candidate = folder / f"{folder.name}.xml"
    if candidate.is_file():
        return candidate
    xmls = sorted(folder.glob("*.xml"))
    if len(xmls) != 1:
        raise MemphysFileNotFoundError(
            f"Cannot pick the .xml file of {folder}: found {[x.name for x in xmls]}; pass "
            "xml_file_path."
        )
    return xmls[0]


class NeuroScopeSortingSegment(BaseSortingSegment):
    """The one segment of a Neuroscope sorting (all shanks)."""

    def __init__(self, shanks: list[Any], num_units: int) -> None:
        BaseSortingSegment.__init__(self)
        self._shanks = shanks
        self._num_units = num_units

    def _shank_chunks(self, shank: Any) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(samples, unit positions or -1)`` of a shank, in chunks."""
        lut = np.full(int(shank.clusters.max()) + 1, -1, dtype=np.int64)
        lut[shank.kept_clusters] = shank.first_unit + np.arange(shank.kept_clusters.size)
        res_iter = read_int_lines(shank.res)
        pending = np.zeros(0, dtype=np.int64)
        first = True
        for clusters in read_int_lines(shank.clu):
            if first:
                clusters, first = clusters[1:], False
            while pending.size < clusters.size:
                try:
                    pending = np.concatenate([pending, next(res_iter)])
                except StopIteration:
                    raise FileFormatError(
                        f"{shank.res} has fewer spikes than {shank.clu} has labels."
                    ) from None
            yield pending[: clusters.size], lut[clusters]
            pending = pending[clusters.size :]
        extra = pending.size + sum(r.size for r in res_iter)
        if extra and not shank.warned:
            shank.warned = True
            warnings.warn(
                f"{shank.res} has {extra} more spike(s) than {shank.clu} has labels: the "
                "unlabelled last spike(s) are ignored (SpikeInterface ignores them silently).",
                ExtractorWarning,
                stacklevel=4,
            )

    def _spike_piece(self) -> np.ndarray:
        total = sum(int(s.kept_counts.sum()) for s in self._shanks)
        piece = np.empty(total, dtype=SPIKE_DTYPE)
        pos = 0
        for shank in self._shanks:
            for s, u in self._shank_chunks(shank):
                keep = u >= 0
                m = int(keep.sum())
                piece["sample_index"][pos : pos + m] = s[keep]
                piece["unit_index"][pos : pos + m] = u[keep]
                pos += m
        if total and piece["sample_index"].min() < 0:
            raise FileFormatError("A .res file holds negative spike samples.")
        piece["segment_index"] = 0
        # shanks one after the other: sorted by sample (with their units), in place
        return sort_piece_inplace(piece)

    def _spike_counts(self) -> np.ndarray:
        return (
            np.concatenate([s.kept_counts for s in self._shanks])
            if self._shanks
            else np.zeros(0, np.int64)
        )

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        u = self.parent_extractor._unit_index(unit_id)
        parts = []
        for shank in self._shanks:
            if not shank.first_unit <= u < shank.first_unit + shank.kept_clusters.size:
                continue
            for s, units in self._shank_chunks(shank):
                sel = s[units == u]
                if start_frame is not None:
                    sel = sel[sel >= start_frame]
                if end_frame is not None:
                    sel = sel[sel < end_frame]
                parts.append(sel)
        out = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return np.sort(out)  # one unit's samples (all the same label): safe to sort


read_neuroscope_sorting = define_function_from_class(
    NeuroScopeSortingExtractor, "read_neuroscope_sorting"
)
