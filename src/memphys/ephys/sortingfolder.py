"""Sorting folders in SpikeInterface's layouts: ``NumpyFolderSorting`` and ``NpzFolderSorting``.

``sorting.save(folder=...)`` writes a *numpy folder* (SpikeInterface >= 0.99)::

    folder/
        spikes.npy                 the spike vector
        numpysorting_info.json     {"sampling_frequency", "unit_ids", "num_segments"}
        properties/<key>.npy       one file per unit property
        annotations.json           the annotations (SpikeInterface >= 0.105)
        provenance.json            how the saved sorting was made (when JSON-able)
        si_folder.json             the dict that ``load(folder)`` reads

Folders move between memphys and SpikeInterface 0.105 both ways. The folder is built
under a temporary name and renamed when complete. Opening one memory-maps ``spikes.npy``
(read-only, whatever ``mmap_mode``): nothing is read until spikes are asked for, and then
only through the page cache (no private copy).

``NpzFolderSorting`` reads (and, deprecated, writes) the older layout of SpikeInterface
<= 0.98: ``sorting_cached.npz`` + ``npz.json`` + ``properties/``.

Examples
--------
>>> import tempfile, pathlib
>>> import memphys.ephys as si
>>> s = si.NumpySorting.from_unit_dict({"a": [1, 9], "b": [4]}, 1000.0)
>>> s.annotate(lab="x")
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "sorting"
>>> saved = s.save(folder=folder)
>>> loaded = si.load(folder)
>>> type(loaded).__name__, loaded.get_unit_spike_train("a").tolist(), loaded.get_annotation("lab")
('NumpyFolderSorting', [1, 9], 'x')
"""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.ephys._folder_write import atomic_folder, check_folder
from memphys.ephys._roles import register_role
from memphys.ephys.basesorting import BaseSorting
from memphys.ephys.core_tools import (
    define_function_from_class,
    load_annotations_from_folder,
    load_properties_from_folder,
    make_paths_absolute,
    save_annotations_to_folder,
    save_properties_to_folder,
    save_provenance_to_folder,
)
from memphys.ephys.npzsortingextractor import NpzSortingExtractor
from memphys.ephys.numpysorting import _add_vector_segments
from memphys.ephys.sorting_tools import SPIKE_DTYPE
from memphys.errors import FileFormatError, MemphysFileNotFoundError, MemphysFutureWarning

__all__ = [
    "NumpyFolderSorting",
    "NpzFolderSorting",
    "read_numpy_sorting_folder",
    "read_npz_folder",
]


def _read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise MemphysFileNotFoundError(f"{path.parent} is not a {what}: {path.name} is missing.")
    try:
        return json.loads(path.read_text(encoding="utf8"))
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{path} is not valid JSON ({exc}).") from exc


@register_role("sorting.numpy_folder")
class NumpyFolderSorting(BaseSorting):
    """A sorting saved as a numpy folder (see the module docstring).

    Parameters
    ----------
    folder_path : str or Path
    mmap_mode : {None, "r", "r+", "c"}, default None
        How ``spikes.npy`` is memory-mapped (None means read-only: the file is never read
        into private memory).
    """

    _si_class_path = "spikeinterface.core.sortingfolder.NumpyFolderSorting"
    _ready_for_one_job: ClassVar[bool] = True
    _ready_for_processes: ClassVar[bool] = True
    mode = "folder"

    def __init__(self, folder_path: str | Path, mmap_mode: str | None = None) -> None:
        folder = Path(folder_path)
        info = _read_json(folder / "numpysorting_info.json", "numpy sorting folder")
        check_folder(folder, "Numpy sorting folder")
        try:
            fs = float(info["sampling_frequency"])
            unit_ids = np.array(info["unit_ids"])
            num_segments = int(info["num_segments"])
        except (KeyError, TypeError, ValueError) as exc:
            raise FileFormatError(
                f"{folder / 'numpysorting_info.json'} lacks a field: expected "
                f"sampling_frequency, unit_ids and num_segments ({exc!r})."
            ) from exc
        BaseSorting.__init__(self, fs, unit_ids)
        spikes_path = folder / "spikes.npy"
        if not spikes_path.is_file():
            raise MemphysFileNotFoundError(
                f"{folder} is not a numpy sorting folder: spikes.npy is missing."
            )
        mode: Any = "r" if mmap_mode is None else mmap_mode
        spikes = np.load(spikes_path, mmap_mode=mode)
        names = spikes.dtype.names or ()
        if not {"sample_index", "unit_index", "segment_index"} <= set(names) or spikes.ndim != 1:
            raise FileFormatError(
                f"{spikes_path} is not a spike vector: expected a 1-D structured array with "
                f"sample_index, unit_index and segment_index, but got dtype {spikes.dtype} and "
                f"shape {spikes.shape}."
            )
        self.spikes = spikes
        _add_vector_segments(self, spikes, num_segments)
        load_properties_from_folder(folder / "properties", self)
        load_annotations_from_folder(folder, self)
        self._kwargs = dict(folder_path=str(folder.absolute()), mmap_mode=mmap_mode)

    @classmethod
    def _holds_vector(cls) -> bool:
        return True

    @staticmethod
    def write_sorting(
        sorting: BaseSorting,
        folder_path: str | Path,
        overwrite: bool = False,
        mmap_mode: str | None = None,
        relative_to: str | Path | None = None,
    ) -> NumpyFolderSorting:
        """Save ``sorting`` as a numpy folder and return the sorting read from it."""
        folder = Path(folder_path)
        spikes = sorting.to_spike_vector()
        with atomic_folder(folder, overwrite=overwrite) as tmp:
            info = {
                "sampling_frequency": float(sorting.get_sampling_frequency()),
                "unit_ids": sorting.unit_ids.tolist(),
                "num_segments": int(sorting.get_num_segments()),
            }
            (tmp / "numpysorting_info.json").write_text(json.dumps(info), encoding="utf8")
            if spikes.dtype != SPIKE_DTYPE:
                spikes = spikes[["sample_index", "unit_index", "segment_index"]].astype(SPIKE_DTYPE)
            np.save(tmp / "spikes.npy", spikes)
            save_properties_to_folder(tmp / "properties", sorting)
            if sorting.check_serializability("json") or sorting.check_serializability("pickle"):
                rel = tmp if relative_to is None else relative_to
                save_provenance_to_folder(tmp, sorting, relative_to=rel)
            save_annotations_to_folder(tmp, sorting)
            cached = NumpyFolderSorting(tmp, mmap_mode=mmap_mode)
            cached.dump_to_json(
                tmp / "si_folder.json",
                relative_to=tmp,
                include_extra_metadata=False,
                include_properties=False,
                include_annotations=False,
            )
            del cached
        return NumpyFolderSorting(folder, mmap_mode=mmap_mode)


@register_role("sorting.npz_folder")
class NpzFolderSorting(NpzSortingExtractor):
    """A sorting folder of SpikeInterface <= 0.98: ``sorting_cached.npz``, ``npz.json``
    and ``properties/`` (read lazily, as :class:`~memphys.ephys.NpzSortingExtractor`)."""

    _si_class_path = "spikeinterface.core.sortingfolder.NpzFolderSorting"
    mode = "folder"

    def __init__(self, folder_path: str | Path) -> None:
        folder = Path(folder_path)
        d = _read_json(folder / "npz.json", "npz sorting folder")
        check_folder(folder, "Npz sorting folder")
        if not str(d.get("class", "")).endswith(".NpzSortingExtractor"):
            raise FileFormatError(
                f"{folder} is not an npz spikeinterface folder: npz.json describes "
                f"{d.get('class')!r}, not an NpzSortingExtractor."
            )
        if d.get("relative_paths", False):
            d = make_paths_absolute(d, folder)
        NpzSortingExtractor.__init__(self, **d["kwargs"])
        load_properties_from_folder(folder / "properties", self)
        load_annotations_from_folder(folder, self)
        self._kwargs = dict(folder_path=str(folder.absolute()))
        self._npz_kwargs = d["kwargs"]

    @staticmethod
    def write_sorting(  # type: ignore[override]
        sorting: BaseSorting, save_path: str | Path, overwrite: bool = False
    ) -> NpzFolderSorting:
        """Save ``sorting`` in the npz folder layout (deprecated in SpikeInterface)."""
        import warnings

        warnings.warn(
            "`NpzFolderSorting.write_sorting()` is deprecated and will be removed in 0.106.0. "
            "The NpzFolderSorting() read will stay for a while",
            category=MemphysFutureWarning,
            stacklevel=2,
        )
        folder = Path(save_path)
        with atomic_folder(folder, overwrite=overwrite) as tmp:
            npz_file = tmp / "sorting_cached.npz"
            NpzSortingExtractor.write_sorting(sorting, npz_file)
            save_properties_to_folder(tmp / "properties", sorting)
            npz = NpzSortingExtractor(npz_file)
            npz.dump_to_json(tmp / "npz.json", relative_to=tmp)
            cached = NpzFolderSorting(tmp)
            cached._annotations = deepcopy(sorting._annotations)
            cached.dump_to_json(
                tmp / "si_folder.json", relative_to=tmp, include_extra_metadata=False
            )
            del cached, npz
        return NpzFolderSorting(folder)


read_numpy_sorting_folder = define_function_from_class(
    NumpyFolderSorting, "read_numpy_sorting_folder"
)
read_npz_folder = define_function_from_class(NpzFolderSorting, "read_npz_folder")
