"""Small tools of the SpikeInterface face: JSON encoding, paths in provenance dicts, sizes.

The names follow ``spikeinterface.core.core_tools``. Provenance dicts (``to_dict()``) name
files under keys containing ``"path"``; :func:`make_paths_relative` and
:func:`make_paths_absolute` rewrite those that exist, so that a saved folder can move.

Examples
--------
>>> convert_string_to_bytes("1.5M"), convert_string_to_bytes("2Gi")
(1500000, 2147483648)
>>> convert_bytes_to_str(45056)
'43.99 KiB'
>>> convert_seconds_to_str(90.0)
'90.00s (1.50 minutes)'
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from memphys._version import __version__
from memphys.ephys._check import ext_error
from memphys.errors import ExtractorWarning

__all__ = [
    "SIJsonEncoder",
    "EphysJsonEncoder",
    "check_json",
    "define_function_from_class",
    "is_dict_extractor",
    "extractor_dict_iterator",
    "set_value_in_extractor_dict",
    "make_paths_relative",
    "make_paths_absolute",
    "check_paths_relative",
    "is_path_remote",
    "add_suffix",
    "clean_zarr_folder_name",
    "convert_seconds_to_str",
    "convert_bytes_to_str",
    "convert_string_to_bytes",
    "make_shared_array",
    "measure_memory_allocation",
    "ms_to_samples",
    "samples_to_ms",
    "normal_pdf",
    "read_python",
    "write_python",
    "retrieve_importing_provenance",
    "SPIKEINTERFACE_VERSION",
    "save_properties_to_folder",
    "load_properties_from_folder",
    "save_annotations_to_folder",
    "load_annotations_from_folder",
    "save_provenance_to_folder",
    "memory_to_bytes",
]

#: The SpikeInterface release whose API and folder layouts memphys.ephys follows.
SPIKEINTERFACE_VERSION = "0.105.3"

T = TypeVar("T")


# ----------------------------------------------------------------------------- JSON
class EphysJsonEncoder(json.JSONEncoder):
    """JSON encoder for provenance dicts: numpy scalars, arrays and dtypes, paths,
    extractors (as their ``to_dict()``), probe groups and datetimes.

    >>> json.dumps({"a": np.int64(3), "b": np.arange(2), "c": np.dtype("int16")},
    ...            cls=EphysJsonEncoder)
    '{"a": 3, "b": [0, 1], "c": "int16"}'
    """

    def default(self, o: Any) -> Any:
        from memphys.ephys.base import BaseExtractor

        if isinstance(o, datetime.datetime):
            return o.isoformat()
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.dtype):
            return o.name
        if isinstance(o, type) and issubclass(o, np.generic):
            return np.dtype(o).name
        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, BaseExtractor):
            return o.to_dict()
        if isinstance(o, Path):
            return str(o)
        if type(o).__name__ in ("ProbeGroup", "Probe") and hasattr(o, "to_dict"):
            return o.to_dict()
        return super().default(o)

    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:
        # numpy scalars used as dict keys or inside containers become Python values first
        return super().iterencode(_plain(o), _one_shot=_one_shot)


def _plain(obj: Any) -> Any:
    from memphys.ephys.base import BaseExtractor

    if isinstance(obj, dict):
        return {_plain(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [_plain(v) for v in obj]
    if isinstance(obj, BaseExtractor):
        return _plain(obj.to_dict())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


#: SpikeInterface's name for the encoder.
SIJsonEncoder = EphysJsonEncoder


def check_json(dictionary: dict[str, Any]) -> dict[str, Any]:
    """``dictionary`` made JSON-able (a round trip through :class:`EphysJsonEncoder`).

    >>> check_json({"x": np.float32(1.5)})
    {'x': 1.5}
    """
    out: dict[str, Any] = json.loads(json.dumps(dictionary, cls=EphysJsonEncoder))
    return out


def define_function_from_class(source_class: T, name: str) -> T:
    """SpikeInterface's way of exposing a class under a function name: the class itself."""
    return source_class


def retrieve_importing_provenance(a_class: type) -> dict[str, str]:
    """``{"class", "module", "version"}`` of a class, as written in provenance dicts.

    Classes that mirror a SpikeInterface class with the same keyword arguments are written
    under SpikeInterface's class path, so that SpikeInterface can load what memphys saves.

    >>> from memphys.ephys.binaryrecordingextractor import BinaryRecordingExtractor
    >>> retrieve_importing_provenance(BinaryRecordingExtractor)["class"]
    'spikeinterface.core.binaryrecordingextractor.BinaryRecordingExtractor'
    """
    si_path = a_class.__dict__.get("_si_class_path")  # subclasses are written as themselves
    if si_path:
        return {"class": si_path, "module": "spikeinterface", "version": SPIKEINTERFACE_VERSION}
    path = f"{a_class.__module__}.{a_class.__name__}"
    module = path.split(".")[0]
    version = __version__ if module == "memphys" else "unknown"
    return {"class": path, "module": module, "version": version}


# --------------------------------------------------------------- provenance dicts
def is_dict_extractor(d: Any) -> bool:
    """True if ``d`` describes an extractor (has module, class, version and annotations).

    >>> is_dict_extractor({"module": "m", "class": "c", "version": "1", "annotations": {}})
    True
    """
    if not isinstance(d, dict):
        return False
    return all(k in d for k in ("module", "class", "version", "annotations"))


ExtractorDictElement = namedtuple("ExtractorDictElement", ["value", "name", "access_path"])
extractor_dict_element = ExtractorDictElement


def extractor_dict_iterator(extractor_dict: dict[str, Any]) -> Iterator[ExtractorDictElement]:
    """Every leaf value of a nested dict, with its key name and access path.

    >>> [(e.value, e.name, e.access_path) for e in extractor_dict_iterator({"a": {"b": [1]}})]
    [(1, 'b', ('a', 'b', 0))]
    """

    def walk(value: Any, path: tuple[Any, ...], name: str) -> Iterator[ExtractorDictElement]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, (*path, k), k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from walk(v, (*path, i), name)
        else:
            yield ExtractorDictElement(value, name, path)

    yield from walk(extractor_dict, (), "")


def set_value_in_extractor_dict(
    extractor_dict: dict[str, Any], access_path: tuple[Any, ...], new_value: Any
) -> None:
    """Set the value at ``access_path`` of a nested dict, in place."""
    current: Any = extractor_dict
    for key in access_path[:-1]:
        current = current[key]
    current[access_path[-1]] = new_value


def _is_path_element(e: ExtractorDictElement) -> bool:
    return isinstance(e.value, str | Path) and "path" in str(e.name)


def is_path_remote(path: str | Path) -> bool:
    """True for URLs and cloud paths (``s3://``, ``gcs://``, ``http(s)://``).

    >>> is_path_remote("s3://bucket/x.zarr"), is_path_remote("/tmp/x")
    (True, False)
    """
    return any(s in str(path) for s in ("s3://", "gcs://", "http://", "https://"))


def _relative(p: str | Path, folder: Path) -> str:
    return Path(
        os.path.relpath(Path(p).resolve().as_posix(), folder.resolve().as_posix())
    ).as_posix()


def check_paths_relative(input_dict: dict[str, Any], relative_folder: str | Path) -> bool:
    """True if every path of ``input_dict`` can be written relative to ``relative_folder``."""
    folder = Path(relative_folder).resolve()
    for e in extractor_dict_iterator(input_dict):
        if not _is_path_element(e):
            continue
        if is_path_remote(e.value):
            return False
        try:
            _relative(e.value, folder)
        except ValueError:  # another drive (Windows)
            return False
    return True


def make_paths_relative(input_dict: dict[str, Any], relative_folder: str | Path) -> dict[str, Any]:
    """A copy of ``input_dict`` whose existing paths are relative to ``relative_folder``."""
    folder = Path(relative_folder).resolve()
    out = copy.deepcopy(input_dict)
    for e in extractor_dict_iterator(input_dict):
        if _is_path_element(e) and not is_path_remote(e.value) and Path(e.value).exists():
            set_value_in_extractor_dict(out, e.access_path, _relative(e.value, folder))
    return out


def make_paths_absolute(input_dict: dict[str, Any], base_folder: str | Path) -> dict[str, Any]:
    """A copy of ``input_dict`` whose relative paths are made absolute from ``base_folder``
    (only those that then exist, as in SpikeInterface)."""
    base = Path(base_folder)
    out = copy.deepcopy(input_dict)
    for e in extractor_dict_iterator(input_dict):
        if not _is_path_element(e) or is_path_remote(e.value):
            continue
        candidate = (base / e.value).resolve()
        if candidate.exists():
            set_value_in_extractor_dict(out, e.access_path, candidate.as_posix())
    return out


def add_suffix(file_path: str | Path, possible_suffix: str | list[str]) -> Path:
    """``file_path`` with the first of ``possible_suffix`` appended unless it has one.

    >>> add_suffix("traces", ["raw", "bin"]).name, add_suffix("x.bin", ["raw", "bin"]).name
    ('traces.raw', 'x.bin')
    """
    p = Path(file_path)
    suffixes = [possible_suffix] if isinstance(possible_suffix, str) else list(possible_suffix)
    suffixes = [s if s.startswith(".") else "." + s for s in suffixes]
    if p.suffix not in suffixes:
        p = p.parent / (p.name + suffixes[0])
    return p


def clean_zarr_folder_name(folder: str | Path) -> Path:
    """``folder`` ending in ``.zarr``.

    >>> clean_zarr_folder_name("rec").name
    'rec.zarr'
    """
    p = Path(folder)
    return p if p.suffix == ".zarr" else p.with_suffix(".zarr")


# ------------------------------------------------------------------------- sizes
def convert_seconds_to_str(seconds: float, long_notation: bool = True) -> str:
    """A duration for humans: ``'1.50s'``, ``'0.25s (250.00 ms)'``, ``'7,200.00s (2.00 hours)'``."""
    text = f"{seconds:,.2f}s"
    if long_notation:
        if seconds < 1.0:
            text += f" ({seconds * 1000:.2f} ms)"
        elif seconds < 60:
            pass
        elif seconds < 3600:
            text += f" ({seconds / 60:.2f} minutes)"
        elif seconds < 2 * 86400:
            text += f" ({seconds / 3600:.2f} hours)"
        else:
            text += f" ({seconds / 86400:.2f} days)"
    return text


def convert_bytes_to_str(byte_value: float) -> str:
    """A size for humans with binary prefixes: ``'1.00 KiB'``, ``'1.07 GiB'``."""
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    i = 0
    value = float(byte_value)
    while value >= 1024 and i < len(units) - 1:
        value /= 1024
        i += 1
    return f"{value:.2f} {units[i]}"


_SIZE_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)\s*$")
_SIZE_FACTORS = {
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
}


def convert_string_to_bytes(memory_string: str) -> int:
    """Bytes in ``"500M"`` (decimal: 500,000,000) or ``"512Mi"`` (binary), as in SpikeInterface.

    >>> convert_string_to_bytes("1k")
    1000
    >>> convert_string_to_bytes("lots")
    Traceback (most recent call last):
    ...
    memphys.errors.ExtractorValueError: Invalid value for `memory`: expected a size such as ...
    """
    expected = "a size such as '500k', '100M', '2G' (decimal) or '512Mi', '1Gi' (binary)"
    if not isinstance(memory_string, str):
        raise ext_error("memory", expected, memory_string)
    m = _SIZE_RE.match(memory_string)
    if m is None:
        raise ext_error("memory", expected, memory_string)
    return int(float(m.group(1)) * _SIZE_FACTORS[m.group(2)])


def memory_to_bytes(value: Any, name: str) -> int:
    """A memory size given as SpikeInterface's string or as a number of bytes."""
    if isinstance(value, str):
        try:
            return convert_string_to_bytes(value)
        except ValueError:
            raise ext_error(
                name, "a size such as '500k', '100M', '2G' or '512Mi', or bytes", value
            ) from None
    number = isinstance(value, int | float | np.integer | np.floating)
    if number and not isinstance(value, bool) and value > 0 and np.isfinite(value):
        return int(value)
    raise ext_error(name, "a size such as '500k', '100M', '2G' or '512Mi', or bytes", value)


def make_shared_array(shape: Any, dtype: Any) -> tuple[np.ndarray, Any]:
    """A zeroed array in a new ``multiprocessing.shared_memory.SharedMemory`` block."""
    from multiprocessing.shared_memory import SharedMemory

    dt = np.dtype(dtype)
    shp = tuple(int(s) for s in shape)
    nbytes = max(1, int(np.prod(shp, dtype=np.int64)) * dt.itemsize)
    shm = SharedMemory(name=None, create=True, size=nbytes)
    arr: np.ndarray = np.ndarray(shape=shp, dtype=dt, buffer=shm.buf)
    arr[...] = 0
    return arr, shm


def measure_memory_allocation(measure_in_process: bool = True) -> float:
    """Resident memory of this process (or memory in use system-wide), in bytes."""
    import psutil

    if measure_in_process:
        return float(psutil.Process().memory_info().rss)
    vm = psutil.virtual_memory()
    return float(vm.total - vm.available)


def ms_to_samples(ms: float, sampling_frequency: float) -> int:
    """Nearest number of samples in ``ms`` milliseconds.

    >>> ms_to_samples(1.5, 30000.0)
    45
    """
    return round(ms * sampling_frequency / 1000.0)


def samples_to_ms(samples: int, sampling_frequency: float) -> float:
    """Milliseconds spanned by ``samples`` samples."""
    return samples / sampling_frequency * 1000.0


def normal_pdf(x: Any, mu: float = 0.0, sigma: float = 1.0) -> Any:
    """Probability density of the normal distribution at ``x``."""
    x = np.asarray(x) if not np.isscalar(x) else x
    return 1 / (sigma * np.sqrt(2 * np.pi)) * np.exp(-((x - mu) ** 2) / (2 * sigma**2))


def read_python(path: str | Path) -> dict[str, Any]:
    """Read the assignments of a parameter file written as Python (``key = value`` lines).

    Only literals are evaluated (:func:`ast.literal_eval`); keys are lowercased.
    """
    import ast

    out: dict[str, Any] = {}
    tree = ast.parse(Path(path).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                value = node.value
                if (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Name)
                    and value.func.id == "range"
                ):
                    args = [ast.literal_eval(a) for a in value.args]
                    out[target.id.lower()] = list(range(*args))
                else:
                    out[target.id.lower()] = ast.literal_eval(value)
    return out


def write_python(path: str | Path, dict: Any) -> None:
    """Write ``key = value`` lines (strings quoted) readable by :func:`read_python`."""
    with Path(path).open("w") as fh:
        for k, v in dict.items():
            fh.write(f"{k} = {v!r}\n")


def _ensure_seed(seed: int | None) -> int:
    """A concrete seed: ``seed``, or a fresh random one stored in the kwargs so that a
    dumped and reloaded object regenerates the same values."""
    if seed is None:
        seed = int(np.random.default_rng(seed=None).integers(0, 2**63))
    return int(seed)


# ------------------------------------------------------------- folders of metadata
def save_properties_to_folder(folder: str | Path, extractor: Any) -> None:
    """One ``<key>.npy`` per property in ``folder`` (SpikeInterface's ``properties/``)."""
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    for key in extractor.get_property_keys():
        np.save(folder / f"{key}.npy", extractor.get_property(key), allow_pickle=True)


def load_properties_from_folder(folder: str | Path, extractor: Any) -> None:
    """Set the properties stored as ``.npy`` files in ``folder`` (a legacy
    ``contact_vector`` is skipped: probes are stored as ``probegroup.json``)."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    for f in sorted(folder.iterdir()):
        if f.suffix == ".npy" and f.stem != "contact_vector":
            extractor.set_property(f.stem, np.load(f, allow_pickle=True))


def save_annotations_to_folder(folder: str | Path, extractor: Any) -> None:
    """The annotations as ``annotations.json`` (SpikeInterface >= 0.105)."""
    text = json.dumps(extractor._annotations, indent=4, cls=EphysJsonEncoder)
    (Path(folder) / "annotations.json").write_text(text, encoding="utf8")


def load_annotations_from_folder(folder: str | Path, extractor: Any) -> None:
    """Annotations from ``annotations.json``, or from ``si_folder.json`` (older layout)."""
    folder = Path(folder)
    f = folder / "annotations.json"
    if f.is_file():
        extractor._annotations.update(json.loads(f.read_text(encoding="utf8")))
        return
    si = folder / "si_folder.json"
    if si.is_file():
        d = json.loads(si.read_text(encoding="utf8"))
        extractor._annotations.update(d.get("annotations", {}) or {})


def save_provenance_to_folder(
    folder: str | Path, extractor: Any, relative_to: str | Path | None = None
) -> None:
    """``provenance.json`` (or ``provenance.pkl`` when not JSON-able) of ``extractor``."""
    import warnings

    folder = Path(folder)
    if extractor.check_serializability("json"):
        extractor.dump_to_json(folder / "provenance.json", relative_to=relative_to)
    elif extractor.check_serializability("pickle"):
        extractor.dump_to_pickle(folder / "provenance.pkl", relative_to=folder)
    else:
        warnings.warn(
            f"{type(extractor).__name__} cannot be written to a file (it lives in memory): "
            "the provenance of the saved folder is not stored.",
            ExtractorWarning,
            stacklevel=3,
        )
