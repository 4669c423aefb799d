"""``load``: rebuild an object from a dict, a JSON or pickle dump, or a saved folder.

What is accepted, as in SpikeInterface:

- a provenance dict (``to_dict()``), a ``.json`` or ``.pkl``/``.pickle`` dump;
- a folder written by ``save()``: ``si_folder.json`` (SpikeInterface >= 0.94) or
  ``cached.json``/``.pkl`` (older) describe the object;
- a ``.zarr`` folder: its ``spikeinterface_info`` or ``zarr_class_info`` attribute, else its
  datasets (``channel_ids`` -> recording, ``unit_ids`` -> sorting), tell what it holds.

Object kinds other than recordings and sortings (analyzers, motion, templates) are loaded
by readers that other modules register with :func:`register_object_loader`.

Examples
--------
>>> import tempfile, os
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=2, durations=[1.0], seed=1)
>>> path = os.path.join(tempfile.mkdtemp(), "rec.json")
>>> rec.dump_to_json(path)
>>> si.load(path).get_num_channels()
2
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from memphys.ephys.base import BaseExtractor
from memphys.ephys.core_tools import is_path_remote
from memphys.errors import ExtractorValueError, MemphysFileNotFoundError

__all__ = ["load", "load_extractor", "register_object_loader", "register_zarr_reader"]

_ERROR = (
    "{path} is not a file or a folder that memphys.ephys can load: expected a JSON or pickle "
    "dump, or a folder written by save() (with si_folder.json) or a .zarr store."
)

#: object kind ("SortingAnalyzer", "Motion", "Templates", ...) -> loader(folder, **kwargs)
_OBJECT_LOADERS: dict[str, Callable[..., Any]] = {}
#: zarr content ("Recording", "Sorting") -> reader(folder, **kwargs)
_ZARR_READERS: dict[str, Callable[..., Any]] = {}


def register_object_loader(object_type: str, loader: Callable[..., Any]) -> None:
    """Let :func:`load` open folders (or zarr stores) holding ``object_type``."""
    _OBJECT_LOADERS[object_type] = loader


def register_zarr_reader(object_type: str, reader: Callable[..., Any]) -> None:
    """Let :func:`load` open ``.zarr`` stores of ``object_type`` ("Recording", "Sorting")."""
    _ZARR_READERS[object_type] = reader


def _load_analyzer(path: Any, **kwargs: Any) -> Any:
    from memphys.ephys.sortinganalyzer import load_sorting_analyzer

    return load_sorting_analyzer(path, **kwargs)


def _load_templates(obj: Any, **kwargs: Any) -> Any:
    from memphys.ephys.template import Templates

    if isinstance(obj, dict):
        return Templates.from_dict(obj)
    return Templates.from_zarr(obj)


def _has_object_loader(object_type: str) -> bool:
    """Whether :func:`load` can open ``object_type`` (the analyzer's and templates' loaders
    are registered on first use)."""
    if object_type == "SortingAnalyzer" and object_type not in _OBJECT_LOADERS:
        register_object_loader("SortingAnalyzer", _load_analyzer)
    if object_type == "Templates" and object_type not in _OBJECT_LOADERS:
        register_object_loader("Templates", _load_templates)
    return object_type in _OBJECT_LOADERS


def _zarr_reader(object_type: str) -> Callable[..., Any]:
    if object_type == "Recording" and "Recording" not in _ZARR_READERS:
        from memphys.ephys.zarrextractors import read_zarr_recording

        register_zarr_reader("Recording", read_zarr_recording)
    if object_type == "Sorting" and "Sorting" not in _ZARR_READERS:
        from memphys.ephys.zarrsorting import read_zarr_sorting

        register_zarr_reader("Sorting", read_zarr_sorting)
    if object_type not in _ZARR_READERS:
        raise ExtractorValueError(
            f"memphys.ephys cannot load a zarr store holding a {object_type}: no reader is "
            f"registered for it (readers: {sorted(_ZARR_READERS) or 'Recording'})."
        )
    return _ZARR_READERS[object_type]


def _guess_object_from_dict(d: Any) -> str | None:
    if not isinstance(d, dict):
        return None
    if d.get("object") is not None:
        return str(d["object"])
    if all(k in d for k in ("templates_array", "sampling_frequency", "nbefore")):
        return "Templates"
    if all(k in d for k in ("kwargs", "class", "version", "annotations")):
        return "Recording|Sorting"
    return None


def _load_object_from_dict(d: dict[str, Any], object_type: str, base_folder: Any) -> Any:
    if object_type == "Recording|Sorting":
        return BaseExtractor.from_dict(d, base_folder=base_folder)
    if _has_object_loader(object_type):
        return _OBJECT_LOADERS[object_type](d)
    raise ExtractorValueError(f"memphys.ephys cannot load a {object_type} (not supported yet).")


def _guess_object_from_zarr(folder: Path) -> str | None:
    import zarr

    attrs_file = folder / ".zattrs"  # analyzer stores hold object arrays zarr 3 cannot list
    if attrs_file.is_file():
        try:
            attrs = json.loads(attrs_file.read_text(encoding="utf8"))
        except ValueError:
            attrs = {}
        if isinstance(attrs, dict) and attrs.get("spikeinterface_info") is not None:
            return _guess_object_from_dict(attrs["spikeinterface_info"])

    try:
        root = zarr.open_group(str(folder), mode="r")
    except Exception as exc:  # zarr raises several types for a non-store
        raise ExtractorValueError(f"Cannot open {folder} as a zarr store ({exc}).") from exc
    info = root.attrs.get("spikeinterface_info")
    if info is not None:
        return _guess_object_from_dict(info)
    keys = set(root.keys())
    if "templates_array" in keys:
        return "Templates"
    if "channel_ids" in keys and "unit_ids" not in keys:
        return "Recording"
    if "unit_ids" in keys and "channel_ids" not in keys:
        return "Sorting"
    return None


def _guess_object_from_folder(folder: Path) -> str | None:
    info = folder / "spikeinterface_info.json"
    if info.is_file():
        return _guess_object_from_dict(json.loads(info.read_text(encoding="utf8")))
    if (folder / "si_folder.json").is_file():
        return "Recording|Sorting"
    for ext in ("json", "pkl", "pickle"):
        if (folder / f"cached.{ext}").is_file():
            return "Recording|Sorting"
    return None


def _read_dump(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf8"))
    if path.suffix in (".pkl", ".pickle"):
        with path.open("rb") as fh:
            return pickle.load(fh)
    raise ExtractorValueError(_ERROR.format(path=path))


def load(file_or_folder_or_dict: Any, **kwargs: Any) -> Any:
    """Load an object (see the module docstring).

    Parameters
    ----------
    file_or_folder_or_dict : dict, str or Path
    base_folder : str, Path or True, optional
        Folder that relative paths of a dump are relative to (True: the dump's folder).
    **kwargs
        Passed to the zarr reader or the object loader.

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If the path does not exist.
    memphys.errors.ExtractorValueError
        If it is not something :func:`load` knows, or names a class memphys does not provide.
    """
    base_folder = kwargs.pop("base_folder", None)
    if isinstance(file_or_folder_or_dict, dict):
        kind = _guess_object_from_dict(file_or_folder_or_dict)
        if kind is None:
            raise ExtractorValueError(_ERROR.format(path="the provided dictionary"))
        return _load_object_from_dict(file_or_folder_or_dict, kind, base_folder)
    if is_path_remote(file_or_folder_or_dict):
        raise ExtractorValueError(
            f"Cannot load {file_or_folder_or_dict}: remote stores are not supported by "
            "memphys.ephys yet. Download the store and load the local copy."
        )
    path = Path(file_or_folder_or_dict)
    if path.is_file():
        if base_folder is True:
            base_folder = path.parent
        d = _read_dump(path)
        kind = _guess_object_from_dict(d)
        if kind is None:
            raise ExtractorValueError(_ERROR.format(path=path))
        return _load_object_from_dict(d, kind, base_folder)
    if path.is_dir():
        if path.suffix == ".zarr":
            kind = _guess_object_from_zarr(path)
            if kind is None:
                raise ExtractorValueError(_ERROR.format(path=path))
            if _has_object_loader(kind):
                return _OBJECT_LOADERS[kind](path, **kwargs)
            return _zarr_reader(kind)(path, **kwargs)
        kind = _guess_object_from_folder(path)
        if kind is None:
            raise ExtractorValueError(_ERROR.format(path=path))
        if kind == "Recording|Sorting":
            for name in ("si_folder.json", "cached.json", "cached.pkl", "cached.pickle"):
                if (path / name).is_file():
                    return load(path / name, base_folder=path)
        if _has_object_loader(kind):
            return _OBJECT_LOADERS[kind](path, **kwargs)
        raise ExtractorValueError(f"memphys.ephys cannot load a {kind} folder ({path}) yet.")
    raise MemphysFileNotFoundError(
        f"Invalid value for `file_or_folder_or_dict`: {str(path)!r} does not exist."
    )


def load_extractor(file_or_folder_or_dict: Any, base_folder: Any = None) -> Any:
    """Older name of :func:`load` (SpikeInterface < 0.102)."""
    return load(file_or_folder_or_dict, base_folder=base_folder)
