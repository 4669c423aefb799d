"""How a SortingAnalyzer lives on disk: SpikeInterface 0.105's binary folder and zarr store.

Binary folder::

    spikeinterface_info.json   settings.json   sparsity_mask.npy   recording.json
    recording_info/recording_attributes.json   recording_info/probegroup.json
    sorting/        (a numpy sorting folder: spikes.npy, numpysorting_info.json, properties/)
    extensions/<name>/params.json info.json run_info.json <data>.npy|.json|.csv

Zarr store (format 2, what zarr 2.18 reads): root attributes ``spikeinterface_info`` and
``settings``; groups ``sorting`` (a zarr sorting), ``recording_info`` (attributes
``recording_attributes`` and ``probegroup``) and ``extensions/<name>`` (attributes
``params``, ``info``, ``run_info``; one array per data key, dicts as JSON object arrays);
arrays ``sparsity_mask`` and ``recording`` (the recording's provenance, a JSON object).

Decisions (``docs/compat.md``):

- **No pickle in a store.** The recording's provenance is saved only when it is JSON-able
  (else a warning: the analyzer reloads in recordingless mode); extension data are arrays,
  JSON-able values (a ``str`` is a ``.json`` file / JSON object array, which SpikeInterface
  reads back as the same value) or DataFrames, and anything else is refused with a clear
  error. Pickled data in a SpikeInterface store is skipped with a warning when loading.
- **Crash-safe.** A new folder or store is written as ``.<name>.partial-<pid>`` and renamed
  when complete. An extension's data are written first and its ``params`` last (after
  removing the old ones), so a killed computation never leaves an extension that loads as
  complete; both libraries list an extension only once its ``params`` exist.
- **Locked, recorded, checked** (as every saver of memphys): creating, replacing and
  changing a saved analyzer (an extension saved, reset or deleted, a sorting property
  saved) hold the folder's write lock (:mod:`memphys.engine.locks`), and each change ends
  by renewing its completeness record (``memphys_record.json``: the size of every file, the
  CRC32C of the small ones; :mod:`memphys.engine.records`). Opening checks the folder
  against it (a listing; a missing or truncated file, edited metadata are refused); each
  extension is checked while its ``params`` are the ones recorded (SpikeInterface may
  recompute one: then it cannot be checked, a warning). A folder without a record
  (written by SpikeInterface) opens with a ``CompletenessWarning``. An existing folder is
  replaced (``overwrite=True``) only if memphys or SpikeInterface wrote it, and only when
  the new one is complete.
- **Big arrays stay on disk.** Extension arrays over :data:`LAZY_BYTES` are loaded
  memory-mapped (``.npy``) or as zarr arrays even when ``lazy=False``.
- A missing part of a folder is named in the error (``FileFormatError``).

Examples
--------
>>> read_settings({"return_scaled": False})
{'return_in_uV': False, 'peak_sign': 'both', 'peak_mode': 'extremum'}
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from memphys.engine.locks import output_lock
from memphys.engine.records import verify_record, write_record
from memphys.engine.targets import check_replaceable, replace_path
from memphys.ephys import _zarr_v2 as zv2
from memphys.ephys.core_tools import SPIKEINTERFACE_VERSION, EphysJsonEncoder, check_json
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    FileFormatError,
    MemphysFileNotFoundError,
)

__all__ = [
    "LAZY_BYTES",
    "partial_path",
    "finish_partial",
    "record_analyzer",
    "check_analyzer",
    "changing",
    "write_analyzer",
    "read_analyzer",
    "read_settings",
    "save_extension",
    "load_extension",
    "load_extension_params",
    "load_extension_run_info",
    "reset_extension",
    "delete_extension",
    "saved_extension_names",
    "save_sorting_property",
    "load_sorting_provenance",
]

#: Extension arrays larger than this stay on disk when loaded (memmap / zarr array).
LAZY_BYTES = 64 * 1024 * 1024

_META_FILES = ("params.json", "info.json", "run_info.json")


def _info() -> dict[str, Any]:
    from memphys._version import __version__

    return {
        "version": SPIKEINTERFACE_VERSION,
        "dev_mode": False,
        "object": "SortingAnalyzer",
        "writer": f"memphys {__version__}",
    }


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=4, cls=EphysJsonEncoder)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf8")
    os.replace(tmp, path)


def read_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings with SpikeInterface's backward compatibility (``return_scaled``, no
    ``peak_sign`` before 0.105)."""
    s = dict(settings)
    if "return_in_uV" not in s:
        s["return_in_uV"] = s.pop("return_scaled", True)
    else:
        s.pop("return_scaled", None)
    s.setdefault("peak_sign", "both")
    s.setdefault("peak_mode", "extremum")
    return s


# ------------------------------------------------------------------ atomic folders
def partial_path(folder: Path) -> Path:
    """Where a new folder or store is written until complete (one per process and thread:
    concurrent creators of one folder never share it; the first to finish wins)."""
    return folder.with_name(f".{folder.name}.partial-{os.getpid()}-{threading.get_ident()}")


def finish_partial(tmp: Path, folder: Path, overwrite: bool = False) -> None:
    """Record a completed partial folder and move it to its final name (under the final
    name's lock; an existing analyzer there is replaced only with ``overwrite``)."""
    with output_lock(folder, what="SortingAnalyzer folder"):
        if os.path.lexists(folder):
            if not overwrite:
                raise ExtractorValueError(f"Folder {folder} already exists")
            check_replaceable(folder, "folder", spikeinterface=True)
        record_analyzer(tmp)
        replace_path(tmp, folder)


def record_analyzer(folder: Path) -> None:
    """Write the completeness record of an analyzer folder or store (extensions as
    sections keyed by their ``params``)."""
    # run_info.json is optional (SpikeInterface before 0.101 wrote none, and loads without)
    write_record(
        folder, files=True, sections="extensions", extra={"optional_files": ["run_info.json"]}
    )


def check_analyzer(folder: Path) -> None:
    """Check an analyzer folder or store against its record when it is opened."""
    if folder.name.startswith("."):  # a partial folder being written
        return
    verify_record(folder, what="SortingAnalyzer folder")


@contextlib.contextmanager
def changing(analyzer: Any) -> Iterator[None]:
    """Hold the write lock of a saved analyzer while changing it, then renew its record."""
    if analyzer.format not in ("binary_folder", "zarr") or analyzer.folder is None:
        yield
        return
    folder = Path(analyzer.folder)
    with output_lock(folder, what="SortingAnalyzer folder"):
        yield
        record_analyzer(folder)


# ------------------------------------------------------------------------ sorting
def _plain_property(values: Any) -> np.ndarray | None:
    arr = np.asarray(values)
    if arr.dtype.kind == "O":
        return None
    return arr


def _write_sorting_folder(sorting: Any, folder: Path, relative_to: Path) -> None:
    """The analyzer's copy of the sorting as a numpy sorting folder (no pickles)."""
    from memphys.ephys.core_tools import save_annotations_to_folder

    folder.mkdir(parents=True)
    spikes = sorting.to_spike_vector()
    dtype = np.dtype(
        [("sample_index", "int64"), ("unit_index", "int64"), ("segment_index", "int64")]
    )
    if spikes.dtype != dtype:
        spikes = spikes[["sample_index", "unit_index", "segment_index"]].astype(dtype)
    np.save(folder / "spikes.npy", spikes)
    info = {
        "sampling_frequency": float(sorting.get_sampling_frequency()),
        "unit_ids": np.asarray(sorting.unit_ids).tolist(),
        "num_segments": int(sorting.get_num_segments()),
    }
    (folder / "numpysorting_info.json").write_text(json.dumps(info), encoding="utf8")
    props = folder / "properties"
    props.mkdir()
    for key in sorting.get_property_keys():
        values = _plain_property(sorting.get_property(key))
        if values is None:
            warnings.warn(
                f"Property {key} not saved because it is a python Object type",
                ExtractorWarning,
                stacklevel=4,
            )
            continue
        np.save(props / f"{key}.npy", values, allow_pickle=False)
    save_annotations_to_folder(folder, sorting)
    if sorting.check_serializability("json"):
        try:
            d = sorting.to_dict(recursive=True, relative_to=relative_to.resolve())
            (folder / "provenance.json").write_text(_dumps(d), encoding="utf8")
        except Exception:  # the provenance is a convenience: never fail the save for it
            pass
    si_folder = {
        "class": "spikeinterface.core.sortingfolder.NumpyFolderSorting",
        "module": "spikeinterface",
        "version": SPIKEINTERFACE_VERSION,
        "kwargs": {"folder_path": "."},
        "annotations": {},
        "properties": {},
        "relative_paths": True,
    }
    (folder / "si_folder.json").write_text(_dumps(si_folder), encoding="utf8")


# ------------------------------------------------------------------ the analyzer
def _rec_attributes_to_save(rec_attributes: dict[str, Any]) -> dict[str, Any]:
    d = {k: v for k, v in rec_attributes.items() if k != "probegroup"}
    d["dtype"] = str(np.dtype(d["dtype"])) if d.get("dtype") is not None else None
    return check_json(d)


def write_analyzer(
    folder: Path,
    format: str,
    sorting: Any,
    recording: Any,
    rec_attributes: dict[str, Any],
    sparsity: Any,
    settings: dict[str, Any],
    saving_options: dict[str, Any] | None = None,
) -> None:
    """Write a new analyzer folder or zarr store at ``folder`` (a partial path: the
    caller renames it). Extensions are added afterwards."""
    probegroup = rec_attributes.get("probegroup")
    attrs = _rec_attributes_to_save(rec_attributes)
    folder.mkdir(parents=True)
    rec_dict = None
    if recording is not None:
        if recording.check_serializability("json"):
            rec_dict = check_json(recording.to_dict(recursive=True, relative_to=folder.resolve()))
        else:
            warnings.warn(
                "The Recording is not JSON serializable (it holds data in memory): its link "
                "is not saved, and the analyzer will reload in recordingless mode. memphys "
                "never pickles into an analyzer folder.",
                ExtractorWarning,
                stacklevel=4,
            )
    if format == "binary_folder":
        (folder / "recording_info").mkdir()
        (folder / "extensions").mkdir()
        (folder / "spikeinterface_info.json").write_text(_dumps(_info()), encoding="utf8")
        (folder / "settings.json").write_text(_dumps(check_json(settings)), encoding="utf8")
        _write_sorting_folder(sorting, folder / "sorting", folder)
        if sparsity is not None:
            np.save(folder / "sparsity_mask.npy", np.asarray(sparsity.mask, dtype=bool))
        if rec_dict is not None:
            (folder / "recording.json").write_text(_dumps(rec_dict), encoding="utf8")
        (folder / "recording_info" / "recording_attributes.json").write_text(
            _dumps(attrs), encoding="utf8"
        )
        if probegroup is not None:
            import probeinterface

            probeinterface.write_probeinterface(
                folder / "recording_info" / "probegroup.json", probegroup
            )
        return
    from memphys.ephys.zarrsorting import add_sorting_to_zarr_group

    opts = dict(saving_options or {})
    root = zv2.open_group(folder, mode="w")
    root.attrs["spikeinterface_info"] = _info()
    root.attrs["settings"] = check_json(settings)
    sorting_group = root.create_group("sorting")
    kw = {"compressor": opts["compressor"]} if "compressor" in opts else {}
    add_sorting_to_zarr_group(sorting, sorting_group, relative_to=folder.resolve(), **kw)
    root.create_group("extensions")
    info_group = root.create_group("recording_info")
    info_group.attrs["recording_attributes"] = attrs
    if probegroup is not None:
        info_group.attrs["probegroup"] = check_json(probegroup.to_dict(array_as_list=True))
    if sparsity is not None:
        root.create_array(
            "sparsity_mask", data=np.asarray(sparsity.mask, dtype=bool), compressors=None
        )
    if rec_dict is not None:
        zv2.write_json_object(folder, "recording", rec_dict)
    zv2.consolidate(folder)


def _load_recording(rec_dict: Any, folder: Path) -> Any:
    from memphys.ephys.loading import load

    try:
        return load(rec_dict, base_folder=folder)
    except Exception as exc:
        warnings.warn(
            f"The recording of the analyzer at {folder} could not be loaded ({exc}): "
            "recordingless mode.",
            ExtractorWarning,
            stacklevel=4,
        )
        return None


def _rec_attributes_from_json(attrs: dict[str, Any]) -> dict[str, Any]:
    out = dict(attrs)
    out["channel_ids"] = np.asarray(out["channel_ids"])
    out["properties"] = {k: np.asarray(v) for k, v in (out.get("properties") or {}).items()}
    out["num_samples"] = [int(n) for n in out["num_samples"]]
    return out


def read_analyzer(folder: Path, format: str, recording: Any = None) -> dict[str, Any]:
    """``settings``, ``sorting``, ``recording`` (or None), ``rec_attributes`` (with
    ``probegroup``) and ``sparsity_mask`` of a saved analyzer.

    Raises
    ------
    memphys.errors.FileFormatError
        If the folder or store lacks a part (named in the message).
    """
    if not folder.is_dir():
        raise MemphysFileNotFoundError(
            f"Invalid value for `folder`: expected an analyzer folder, but {str(folder)!r} does "
            "not exist."
        )
    check_analyzer(folder)
    if format == "binary_folder":
        return _read_binary(folder, recording)
    return _read_zarr(folder, recording)


def _need_part(path: Path, what: str, folder: Path, is_dir: bool = False) -> None:
    ok = path.is_dir() if is_dir else path.is_file()
    if not ok:
        raise FileFormatError(
            f"Folder {folder} is not a valid SortingAnalyzer binary folder: {what} "
            f"({path.relative_to(folder)}) is missing. It may be incomplete (an interrupted "
            "write) or not an analyzer."
        )


def _read_binary(folder: Path, recording: Any) -> dict[str, Any]:
    import probeinterface

    from memphys.ephys.sortingfolder import NumpyFolderSorting

    _need_part(folder / "settings.json", "the settings", folder)
    _need_part(folder / "sorting", "the sorting", folder, is_dir=True)
    _need_part(folder / "sorting" / "spikes.npy", "the sorting's spikes", folder)
    attrs_file = folder / "recording_info" / "recording_attributes.json"
    _need_part(attrs_file, "the recording attributes", folder)
    try:
        settings = read_settings(json.loads((folder / "settings.json").read_text("utf8")))
        rec_attributes = _rec_attributes_from_json(json.loads(attrs_file.read_text("utf8")))
    except (ValueError, KeyError) as exc:
        raise FileFormatError(f"{folder}: corrupt analyzer metadata ({exc}).") from exc
    sorting = NumpyFolderSorting(folder / "sorting")
    if recording is None:
        for name in ("recording.json", "recording.pickle", "recording.pkl"):
            f = folder / name
            if f.is_file():
                if f.suffix != ".json":
                    warnings.warn(
                        f"{f} is a pickle: memphys does not unpickle analyzer files "
                        "(recordingless mode).",
                        ExtractorWarning,
                        stacklevel=3,
                    )
                    break
                recording = _load_recording(json.loads(f.read_text("utf8")), folder)
                break
    pg = folder / "recording_info" / "probegroup.json"
    rec_attributes["probegroup"] = probeinterface.read_probeinterface(pg) if pg.is_file() else None
    mask_file = folder / "sparsity_mask.npy"
    mask = np.load(mask_file) if mask_file.is_file() else None
    return dict(
        settings=settings,
        sorting=sorting,
        recording=recording,
        rec_attributes=rec_attributes,
        sparsity_mask=mask,
    )


def _read_zarr(folder: Path, recording: Any) -> dict[str, Any]:
    from memphys.ephys.zarrsorting import ZarrSortingExtractor

    root_attrs = zv2.read_attrs(folder)
    info_attrs = zv2.read_attrs(folder / "recording_info")
    missing = [
        what
        for what, ok in (
            ("the settings attribute", "settings" in root_attrs),
            ("the sorting group", (folder / "sorting" / ".zgroup").is_file()),
            ("the recording_info group", (folder / "recording_info" / ".zgroup").is_file()),
            ("the recording attributes", "recording_attributes" in info_attrs),
        )
        if not ok
    ]
    if missing:
        raise FileFormatError(
            f"Folder {folder} is not a valid SortingAnalyzer Zarr folder: "
            f"{', '.join(missing)} missing. It may be incomplete (an interrupted write) or not "
            "an analyzer."
        )
    settings = read_settings(root_attrs["settings"])
    sorting = ZarrSortingExtractor(folder / "sorting")
    if recording is None and zv2.is_object_array(folder / "recording"):
        try:
            rec_dict = zv2.read_object(folder / "recording")
        except FileFormatError as exc:
            warnings.warn(f"{exc} (recordingless mode)", ExtractorWarning, stacklevel=3)
            rec_dict = None
        if rec_dict is not None:
            recording = _load_recording(rec_dict, folder)
    rec_attributes = _rec_attributes_from_json(info_attrs["recording_attributes"])
    pg = info_attrs.get("probegroup")
    if pg is not None:
        import probeinterface

        rec_attributes["probegroup"] = probeinterface.ProbeGroup.from_dict(pg)
    else:
        rec_attributes["probegroup"] = None
    mask = None
    if (folder / "sparsity_mask" / ".zarray").is_file():
        mask = np.asarray(zv2.open_group(folder, mode="r")["sparsity_mask"][:], dtype=bool)
    return dict(
        settings=settings,
        sorting=sorting,
        recording=recording,
        rec_attributes=rec_attributes,
        sparsity_mask=mask,
    )


def save_sorting_property(analyzer: Any, key: str, values: np.ndarray) -> None:
    """Persist one sorting property of an analyzer on disk."""
    arr = _plain_property(values)
    if arr is None:
        warnings.warn(
            f"Property {key} not saved because it is a python Object type",
            ExtractorWarning,
            stacklevel=3,
        )
        return
    with changing(analyzer):
        _save_sorting_property(analyzer, key, arr)


def _save_sorting_property(analyzer: Any, key: str, arr: np.ndarray) -> None:
    folder = Path(analyzer.folder)
    if analyzer.format == "binary_folder":
        props = folder / "sorting" / "properties"
        props.mkdir(exist_ok=True)
        tmp = props / f".{key}.tmp.npy"
        np.save(tmp, arr, allow_pickle=False)
        os.replace(tmp, props / f"{key}.npy")
    elif analyzer.format == "zarr":
        group = zv2.open_group(folder, mode="r+")["sorting"]
        props = group.require_group("properties")
        if key in props:
            del props[key]
        props.create_array(name=key, data=arr, compressors=None)
        zv2.consolidate(folder)


def load_sorting_provenance(analyzer: Any) -> Any:
    """The original sorting, rebuilt from the provenance saved with the analyzer (None if
    it is not available)."""
    from memphys.ephys.loading import load

    folder = Path(analyzer.folder)
    d: Any = None
    if analyzer.format == "binary_folder":
        for f in (folder / "sorting" / "provenance.json", folder / "sorting_provenance.json"):
            if f.is_file():
                try:
                    d = json.loads(f.read_text("utf8"))
                except ValueError:
                    d = None
                break
    elif analyzer.format == "zarr":
        d = zv2.read_attrs(folder / "sorting").get("provenance")
    if d is None:
        return None
    try:
        return load(d, base_folder=folder)
    except Exception:
        return None


# --------------------------------------------------------------------- extensions
def _ext_path(analyzer: Any, name: str) -> Path:
    return Path(analyzer.folder) / "extensions" / name


def reset_extension(analyzer: Any, name: str) -> None:
    """An empty storage for extension ``name`` (the old one removed)."""
    with changing(analyzer):
        _reset_extension(analyzer, name)


def _reset_extension(analyzer: Any, name: str) -> None:
    path = _ext_path(analyzer, name)
    if path.exists():
        shutil.rmtree(path)
    if analyzer.format == "binary_folder":
        path.mkdir(parents=True)
    elif analyzer.format == "zarr":
        root = zv2.open_group(analyzer.folder, mode="r+")
        root.require_group("extensions").create_group(name)
        zv2.consolidate(analyzer.folder)


def delete_extension(analyzer: Any, name: str) -> None:
    """Remove extension ``name`` from the folder or store."""
    with changing(analyzer):
        _delete_extension(analyzer, name)


def _delete_extension(analyzer: Any, name: str) -> None:
    path = _ext_path(analyzer, name)
    if path.exists():
        shutil.rmtree(path)
    if analyzer.format == "zarr":
        zv2.consolidate(analyzer.folder)


def saved_extension_names(analyzer: Any) -> list[str]:
    """Extensions saved complete (their ``params`` written) in the folder or store."""
    base = Path(analyzer.folder) / "extensions"
    names: list[str] = []
    if not base.is_dir():
        return names
    for child in sorted(base.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        if analyzer.format == "binary_folder":
            if (child / "params.json").is_file():
                names.append(child.name)
        elif "params" in zv2.read_attrs(child):
            names.append(child.name)
    return names


def _is_dataframe(obj: Any) -> bool:
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "to_csv")


def _json_value(name: str, key: str, value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, cls=EphysJsonEncoder))
    except (TypeError, ValueError) as exc:
        raise ExtractorValueError(
            f"Extension {name!r}: data {key!r} ({type(value).__name__}) can be saved only as "
            f"an array, a DataFrame or a JSON-able value; memphys never pickles into an "
            f"analyzer folder ({exc})."
        ) from exc


def save_extension(analyzer: Any, ext: Any) -> None:
    """Write an extension: data first, then run info and provenance, ``params`` last."""
    with changing(analyzer):
        _save_extension(analyzer, ext)


def _save_extension(analyzer: Any, ext: Any) -> None:
    from memphys.ephys.core_tools import retrieve_importing_provenance

    name = str(ext.extension_name)
    path = _ext_path(analyzer, name)
    params = check_json(dict(ext.params or {}))
    info = retrieve_importing_provenance(type(ext))
    run_info = dict(ext.run_info) if ext.run_info is not None else None
    if analyzer.format == "binary_folder":
        path.mkdir(parents=True, exist_ok=True)
        pf = path / "params.json"
        if pf.exists():
            pf.unlink()
        for key, value in ext.data.items():
            _save_binary_value(path, name, key, value)
        if run_info is not None:
            _write_text(path / "run_info.json", _dumps(run_info))
        _write_text(path / "info.json", _dumps(info))
        _write_text(pf, _dumps(params))
        return
    root = zv2.open_group(analyzer.folder, mode="r+")
    exts = root.require_group("extensions")
    group = exts[name] if (path / ".zgroup").is_file() else exts.create_group(name)
    if "params" in group.attrs:
        del group.attrs["params"]
    opts = dict(analyzer._backend_options.get("saving_options", {}) or {})
    for key, value in ext.data.items():
        _save_zarr_value(analyzer.folder, group, path, name, key, value, opts)
    if run_info is not None:
        group.attrs["run_info"] = check_json(run_info)
    group.attrs["info"] = info
    group.attrs["params"] = params
    zv2.consolidate(analyzer.folder)


def _save_binary_value(path: Path, name: str, key: str, value: Any) -> None:
    if isinstance(value, np.ndarray):
        target = path / f"{key}.npy"
        if isinstance(value, np.memmap) and target.is_file() and _same_file(value, target):
            return  # streamed there by the computation
        tmp = path / f".{key}.tmp.npy"
        if value.dtype.kind == "O":
            raise ExtractorValueError(
                f"Extension {name!r}: data {key!r} is an object array; memphys never pickles "
                "into an analyzer folder."
            )
        np.save(tmp, value, allow_pickle=False)
        os.replace(tmp, target)
    elif _is_dataframe(value):
        tmp = path / f".{key}.tmp.csv"
        value.to_csv(tmp, index=True)
        os.replace(tmp, path / f"{key}.csv")
    elif _is_zarr_array(value):
        tmp = path / f".{key}.tmp.npy"
        _copy_zarr_to_npy(value, tmp)
        os.replace(tmp, path / f"{key}.npy")
    else:
        _write_text(path / f"{key}.json", json.dumps(_json_value(name, key, value)))


def _same_file(mm: np.memmap[Any, Any], path: Path) -> bool:
    fn = getattr(mm, "filename", None)
    try:
        return fn is not None and os.path.samefile(fn, path)
    except OSError:
        return False


def _is_zarr_array(value: Any) -> bool:
    return type(value).__module__.startswith("zarr") and hasattr(value, "chunks")


def _copy_zarr_to_npy(arr: Any, target: Path) -> None:
    out = np.lib.format.open_memmap(target, mode="w+", dtype=arr.dtype, shape=arr.shape)
    step = max(1, int(arr.chunks[0]))
    for a in range(0, arr.shape[0], step):
        out[a : a + step] = arr[a : a + step]
    out.flush()
    del out


def _save_zarr_value(
    root: Any, group: Any, path: Path, name: str, key: str, value: Any, opts: dict[str, Any]
) -> None:
    from memphys.ephys.waveform_stores import analyzer_compressor

    if _is_zarr_array(value) and (path / key / ".zarray").is_file():
        try:
            if os.path.samefile(os.path.join(str(value.store.root), value.path), path / key):
                return  # streamed there by the computation
        except (OSError, AttributeError):
            pass
    member = path / key
    if member.exists():
        shutil.rmtree(member)
    compressor = opts.get("compressor", analyzer_compressor())
    if isinstance(value, np.ndarray) or _is_zarr_array(value):
        if value.dtype.kind == "O":
            raise ExtractorValueError(
                f"Extension {name!r}: data {key!r} is an object array; memphys never pickles "
                "into an analyzer store."
            )
        if isinstance(value, np.ndarray):
            group.create_array(name=key, data=np.asarray(value), compressors=compressor)
        else:
            dst = group.create_array(
                name=key,
                shape=value.shape,
                chunks=value.chunks,
                dtype=value.dtype,
                compressors=compressor,
            )
            step = max(1, int(value.chunks[0]))
            for a in range(0, value.shape[0], step):
                dst[a : a + step] = value[a : a + step]
    elif _is_dataframe(value):
        df_group = group.create_group(key)
        index = value.index.to_numpy()
        df_group.create_array(
            name="index", data=index.astype(str) if index.dtype.kind == "O" else index
        )
        for col in value.columns:
            data = value[col].to_numpy()
            df_group.create_array(
                name=str(col), data=data.astype(str) if data.dtype.kind == "O" else data
            )
        df_group.attrs["dataframe"] = True
    else:
        zv2.write_json_object(path, key, _json_value(name, key, value), attrs={"dict": True})


def load_extension_params(analyzer: Any, name: str) -> dict[str, Any]:
    path = _ext_path(analyzer, name)
    if analyzer.format == "binary_folder":
        f = path / "params.json"
        if not f.is_file():
            raise FileFormatError(f"No params file in extension {name} folder ({f}).")
        return dict(json.loads(f.read_text("utf8")))
    attrs = zv2.read_attrs(path)
    if "params" not in attrs:
        raise FileFormatError(f"No params in extension {name} group ({path}).")
    return dict(attrs["params"])


def load_extension_run_info(analyzer: Any, name: str) -> dict[str, Any] | None:
    path = _ext_path(analyzer, name)
    if analyzer.format == "binary_folder":
        f = path / "run_info.json"
        return dict(json.loads(f.read_text("utf8"))) if f.is_file() else None
    ri = zv2.read_attrs(path).get("run_info")
    return None if ri is None else dict(ri)


def load_extension(analyzer: Any, name: str, lazy: bool = False) -> tuple[Any, Any, dict[str, Any]]:
    """``(params, run_info, data)`` of a saved extension."""
    params = load_extension_params(analyzer, name)
    run_info = load_extension_run_info(analyzer, name)
    path = _ext_path(analyzer, name)
    data: dict[str, Any] = {}
    if analyzer.format == "binary_folder":
        for f in sorted(path.iterdir()):
            if f.name in _META_FILES or f.name.startswith(".") or f.name.endswith(".partial"):
                continue
            key = f.stem
            if f.suffix == ".npy":
                big = f.stat().st_size > LAZY_BYTES
                data[key] = np.load(f, mmap_mode="r") if (lazy or big) else np.load(f)
            elif f.suffix == ".json":
                data[key] = json.loads(f.read_text("utf8"))
            elif f.suffix == ".csv":
                import pandas as pd

                df = pd.read_csv(f, index_col=0)
                unit_ids = analyzer.unit_ids
                if df.shape[0] == unit_ids.size and df.index.dtype != unit_ids.dtype:
                    df.index = df.index.astype(unit_ids.dtype)
                data[key] = df
            elif f.suffix in (".pkl", ".pickle"):
                warnings.warn(
                    f"{f} is a pickle: memphys does not unpickle analyzer files; {key!r} of "
                    f"extension {name!r} is skipped.",
                    ExtractorWarning,
                    stacklevel=3,
                )
        return params, run_info, data
    groups, arrays = zv2.list_members(path)
    group = None
    for key in arrays:
        attrs = zv2.read_attrs(path / key)
        if zv2.is_object_array(path / key):
            if "object" in attrs:
                warnings.warn(
                    f"{path / key} holds a pickled object: memphys does not unpickle analyzer "
                    f"stores; {key!r} of extension {name!r} is skipped.",
                    ExtractorWarning,
                    stacklevel=3,
                )
                continue
            data[key] = zv2.read_object(path / key)
            continue
        if group is None:
            group = zv2.open_group(analyzer.folder, mode="r")["extensions"][name]
        arr = group[key]
        nbytes = int(np.prod(arr.shape, dtype=np.int64)) * np.dtype(arr.dtype).itemsize
        data[key] = arr if (lazy or nbytes > LAZY_BYTES) else np.asarray(arr[...])
    for key in groups:
        if zv2.read_attrs(path / key).get("dataframe"):
            import pandas as pd

            if group is None:
                group = zv2.open_group(analyzer.folder, mode="r")["extensions"][name]
            g = group[key]
            df = pd.DataFrame(index=np.asarray(g["index"][:]))
            for col in zv2.list_members(path / key)[1]:
                if col != "index":
                    df[col] = np.asarray(g[col][:])
            data[key] = df
    return params, run_info, data
