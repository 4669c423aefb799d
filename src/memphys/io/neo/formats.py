"""Format names, detection, RawIO arguments and per-format fixes for ``EphysReader``.

Examples
--------
>>> resolve_format("spikeglx"), resolve_format("OpenEphysBinaryIO")
('SpikeGLXRawIO', 'OpenEphysBinaryRawIO')
>>> resolve_format("nope")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
memphys.errors.FileFormatError: Invalid value for `format`: allowed values are ...
"""

from __future__ import annotations

import inspect
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from memphys._validation import check_sample_dtype
from memphys.arrays import MemmapArray
from memphys.arrays.neo_array import ColumnSelectArray, NeoArray, ScaledArray
from memphys.core import Ts, TsdFrame, TsGroup
from memphys.errors import FileContentWarning, FileFormatError, MemphysTypeError

__all__ = [
    "FORMATS",
    "resolve_format",
    "detect_format",
    "rawio_arguments",
    "signal_frame",
    "stream_array",
    "block_names",
    "check_spikeglx_sizes",
    "lfp_sampling_rate",
    "neuroscope_files",
    "cellexplorer_session",
    "neuroscope_spike_groups",
    "read_clu_res",
]

#: Short format names -> neo RawIO class names (any other RawIO is accepted by its name).
FORMATS: dict[str, str] = {
    "openephys": "OpenEphysBinaryRawIO",
    "spikeglx": "SpikeGLXRawIO",
    "intan": "IntanRawIO",
    "plexon": "PlexonRawIO",
    "neuroscope": "NeuroScopeRawIO",
    "rawbinary": "RawBinarySignalRawIO",
}


def _norm(name: str) -> str:
    s = "".join(ch for ch in name.lower() if ch.isalnum())
    for suffix in ("rawio", "io"):
        if s.endswith(suffix) and len(s) > len(suffix):
            return s[: -len(suffix)]
    return s


def _rawio_names() -> list[str]:
    import neo.rawio

    return sorted({cls.__name__ for cls in neo.rawio.rawiolist})


def resolve_format(format: Any) -> str:
    """The neo RawIO class name for ``format`` (short name, RawIO/IO name or class).

    Raises
    ------
    FileFormatError
        If ``format`` names no neo RawIO; the message lists the accepted names.
    """
    if isinstance(format, type):
        format = format.__name__
    if not isinstance(format, str):
        raise MemphysTypeError(
            f"Invalid type for `format`: expected None, a string or a neo (Raw)IO class, but "
            f"got {type(format).__name__}."
        )
    key = _norm(format)
    if key in FORMATS:
        return FORMATS[key]
    if key == "openephysbinary":
        return "OpenEphysBinaryRawIO"
    if key == "rawbinarysignal":
        return "RawBinarySignalRawIO"
    names = _rawio_names()
    for name in names:
        if _norm(name) == key:
            return name
    raise FileFormatError(
        f"Invalid value for `format`: allowed values are {', '.join(repr(k) for k in FORMATS)} "
        f"or a neo RawIO name ({', '.join(names)}), but got {format!r}."
    )


def detect_format(path: Path) -> str:
    """Guess the RawIO of a recording from its files (neo's guess by extension last).

    Raises
    ------
    FileFormatError
        If nothing matches; the message lists the formats and how to name one.
    """
    if path.is_file():
        ext = path.suffix.lower()
        if ext in (".rhd", ".rhs"):
            return "IntanRawIO"
        if ext == ".plx":
            return "PlexonRawIO"
        if ext == ".oebin":
            return "OpenEphysBinaryRawIO"
        if ext in (".meta",) or (ext == ".bin" and path.with_suffix(".meta").exists()):
            return "SpikeGLXRawIO"
        if ext in (".xml", ".lfp", ".eeg") or (
            ext == ".dat"
            and (path.with_suffix(".xml").exists() or any(path.parent.glob("*.session.mat")))
        ):
            return "NeuroScopeRawIO"
        if ext == ".dat" and (path.parent / "info.rhd").exists():
            return "IntanRawIO"
        if ext in (".dat", ".raw", ".bin"):
            return "RawBinarySignalRawIO"
    else:
        names = {p.name for p in path.iterdir()}
        if any(path.rglob("structure.oebin")):
            return "OpenEphysBinaryRawIO"
        if any(path.rglob("*.meta")):
            return "SpikeGLXRawIO"
        if "info.rhd" in names or "info.rhs" in names or _single(path, (".rhd", ".rhs")):
            return "IntanRawIO"
        if _single(path, (".plx",)):
            return "PlexonRawIO"
        try:
            _neuroscope_xml(path)
            return "NeuroScopeRawIO"
        except FileFormatError:
            if any(path.glob("*.session.mat")):
                return "NeuroScopeRawIO"  # CellExplorer session: read as raw binary
    from neo.rawio import get_rawio

    guess = get_rawio(path)
    if guess is not None:
        return str(guess.__name__)
    raise FileFormatError(
        f"Cannot detect the recording format of {str(path)!r}: pass `format=` with one of "
        f"{', '.join(repr(k) for k in FORMATS)} or a neo RawIO name."
    )


def _single(folder: Path, exts: tuple[str, ...]) -> Path | None:
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in exts)
    return found[0] if len(found) == 1 else None


_RAW_BINARY_ALIASES = {
    "n_channels": "nb_channel",
    "num_channels": "nb_channel",
    "gain": "signal_gain",
    "offset": "signal_offset",
    "file_offset": "bytesoffset",
    "byte_offset": "bytesoffset",
}


def rawio_arguments(rawio_name: str, path: Path, user: dict[str, Any]) -> dict[str, Any]:
    """JSON-able constructor arguments of ``rawio_name`` for ``path`` and user options.

    Raises
    ------
    MemphysTypeError
        For an option the RawIO does not take, or missing raw-binary parameters.
    FileFormatError
        If the file the RawIO needs cannot be found in a folder.
    """
    import neo.rawio

    cls = getattr(neo.rawio, rawio_name)
    kwargs: dict[str, Any] = {}
    if rawio_name == "RawBinarySignalRawIO":
        user = {_RAW_BINARY_ALIASES.get(k, k): v for k, v in user.items()}
        missing = [k for k in ("sampling_rate", "dtype", "nb_channel") if k not in user]
        if missing:
            raise MemphysTypeError(
                f"Missing arguments for a raw binary file {str(path)!r}: `sampling_rate`, "
                f"`dtype` and `n_channels` are required (a headerless file does not say), "
                f"but got no {', '.join(missing)}."
            )
        user = dict(user)
        user["dtype"] = check_sample_dtype("dtype", user["dtype"]).name
        user["sampling_rate"] = float(user["sampling_rate"])
        user["nb_channel"] = int(user["nb_channel"])
        if user["nb_channel"] <= 0:
            raise FileFormatError(
                f"Invalid value for `n_channels`: expected a positive integer, but got "
                f"{user['nb_channel']}."
            )
    params = inspect.signature(cls.__init__).parameters
    allowed = [p for p in params if p not in ("self", "filename", "dirname")]
    bad = sorted(set(user) - set(allowed))
    if bad:
        raise MemphysTypeError(
            f"Invalid arguments for {rawio_name}: {', '.join(bad)}; allowed values are "
            f"{', '.join(allowed) or 'none'}."
        )
    if "dirname" in params:
        kwargs["dirname"] = str(path if path.is_dir() else _dir_for_file(rawio_name, path))
    else:
        kwargs["filename"] = str(path if path.is_file() else _file_in(rawio_name, path))
    if rawio_name == "PlexonRawIO" and "progress_bar" not in user:
        kwargs["progress_bar"] = False
    if rawio_name == "RawBinarySignalRawIO" and path.is_file():
        size = path.stat().st_size - int(user.get("bytesoffset", 0))
        row = np.dtype(user["dtype"]).itemsize * user["nb_channel"]
        if size % row:
            raise FileFormatError(
                f"File {str(path)!r} holds {size} data bytes, not a multiple of n_channels * "
                f"itemsize = {row}: check `n_channels`, `dtype` and the byte offset."
            )
    for k, v in user.items():
        kwargs[k] = v.item() if isinstance(v, np.generic) else v
    return kwargs


def _dir_for_file(rawio_name: str, path: Path) -> Path:
    if rawio_name == "OpenEphysBinaryRawIO" and path.name == "structure.oebin":
        return path.parent
    return path.parent


def _file_in(rawio_name: str, folder: Path) -> Path:
    exts = {
        "IntanRawIO": (".rhd", ".rhs"),
        "PlexonRawIO": (".plx",),
        "RawBinarySignalRawIO": (".raw", ".bin", ".dat"),
    }.get(rawio_name)
    if rawio_name == "IntanRawIO":
        for name in ("info.rhd", "info.rhs"):
            if (folder / name).exists():
                return folder / name
    found = _single(folder, exts) if exts else None
    if found is None:
        raise FileFormatError(
            f"Invalid value for `path`: {rawio_name} reads one file, and the folder "
            f"{str(folder)!r} holds none or several candidates: pass the file itself."
        )
    return found


def block_names(rawio: Any) -> list[str]:
    """One name per block: Open Ephys experiment names, else ``block0``, ``block1``, ..."""
    nb = int(rawio.header["nb_block"])
    fs = getattr(rawio, "folder_structure", None)
    if isinstance(fs, dict) and fs:
        node = next(iter(fs.values()))
        exps = node.get("experiments", {})
        # neo numbers blocks in the order of the sorted experiment ids
        names = [str(exps[i].get("name", i)) for i in sorted(exps)]
        if len(names) == nb:
            return names
    return [f"block{b}" for b in range(nb)]


def check_spikeglx_sizes(rawio: Any) -> None:
    """Warn for each ``.bin`` whose size disagrees with its ``.meta`` ``fileSizeBytes``.

    neo takes the sample count from the file size (so do we): the warning says that the
    metadata describes another (usually the original, untruncated) file.
    """
    for info in getattr(rawio, "signals_info_list", []):
        meta = info.get("meta", {})
        bin_file = Path(info.get("bin_file", ""))
        if "fileSizeBytes" not in meta or not bin_file.is_file():
            continue
        declared = int(meta["fileSizeBytes"])
        actual = bin_file.stat().st_size
        if declared != actual:
            nch = int(info["num_chan"])
            n = actual // 2 // nch
            extra = actual - n * 2 * nch
            tail = f"; the last {extra} bytes (a partial sample) are ignored" if extra else ""
            warnings.warn(
                f"SpikeGLX metadata of {bin_file.name!r} says fileSizeBytes={declared} "
                f"({declared // 2 // nch} samples of {nch} channels, fileTimeSecs="
                f"{meta.get('fileTimeSecs', '?')}), but the file holds {actual} bytes: using "
                f"{n} samples from the file size{tail}.",
                FileContentWarning,
                stacklevel=4,
            )


def _xml_root(xml: Path) -> ET.Element:
    try:
        return ET.parse(xml).getroot()
    except ET.ParseError as exc:
        raise FileFormatError(f"Invalid Neuroscope .xml {str(xml)!r}: {exc}") from exc


def lfp_sampling_rate(xml: Path) -> float:
    """``fieldPotentials/lfpSamplingRate`` of a Neuroscope ``.xml`` (1250 Hz if absent)."""
    node = _xml_root(xml).find("fieldPotentials/lfpSamplingRate")
    if node is None or not (node.text or "").strip():
        warnings.warn(
            f"{str(xml)!r} has no fieldPotentials/lfpSamplingRate: using Neuroscope's "
            "default of 1250 Hz for the .lfp/.eeg file.",
            FileContentWarning,
            stacklevel=4,
        )
        return 1250.0
    return float(str(node.text).strip())


def _neuroscope_xml(path: Path) -> Path:
    if path.is_file():
        xml = path if path.suffix.lower() == ".xml" else path.with_suffix(".xml")
        if not xml.exists():
            raise FileFormatError(
                f"Invalid value for `path`: a Neuroscope file needs its .xml beside it, but "
                f"{str(xml)!r} does not exist. For a headerless file use format='rawbinary' "
                "with sampling_rate=, dtype= and n_channels=."
            )
        return xml
    xmls = sorted(path.glob("*.xml"))
    named = [x for x in xmls if x.stem == path.name]
    with_data = [
        x for x in xmls if any(x.with_suffix(e).exists() for e in (".dat", ".lfp", ".eeg"))
    ]
    for group in (named, with_data, xmls):
        if len(group) == 1 and group[0].name != "settings.xml":
            return group[0]
    raise FileFormatError(
        f"Invalid value for `path`: expected a Neuroscope session folder with one .xml, but "
        f"{str(path)!r} holds {len(xmls)} .xml files."
    )


def cellexplorer_session(path: Path) -> tuple[dict[str, Any], list[Path]] | None:
    """A CellExplorer ``*.session.mat`` beside ``.dat``/``.lfp`` files (no Neuroscope .xml).

    Returns the binary-file parameters (``n_channels``, ``dtype``, ``sampling_rate`` of the
    ``.dat``, ``lfp_rate``, ``gain`` in uV) and the binary files, or None.
    """
    folder = path if path.is_dir() else path.parent
    mats = sorted(folder.glob("*.session.mat"))
    if len(mats) != 1:
        return None
    base = mats[0].name[: -len(".session.mat")]
    if path.is_file():
        binaries = [path] if path.suffix.lower() in (".dat", ".lfp", ".eeg") else []
    else:
        binaries = [folder / f"{base}{e}" for e in (".dat", ".lfp", ".eeg")]
    binaries = [b for b in binaries if b.exists()]
    if not binaries:
        return None
    import scipy.io

    try:
        mat = scipy.io.loadmat(mats[0], simplify_cells=True)
        ext = mat["session"]["extracellular"]
        params = {
            "n_channels": int(ext["nChannels"]),
            "dtype": np.dtype(str(ext.get("precision", "int16"))).name,
            "sampling_rate": float(ext["sr"]),
            "lfp_rate": float(ext.get("srLfp", 1250.0)),
            "gain": float(ext.get("leastSignificantBit", 1.0)),
        }
    except (KeyError, TypeError, ValueError, NotImplementedError, OSError) as exc:
        raise FileFormatError(
            f"Cannot read the recording parameters from the CellExplorer session "
            f"{str(mats[0])!r} (session.extracellular: nChannels, sr, precision): {exc}"
        ) from exc
    return params, binaries


def neuroscope_files(path: Path) -> tuple[Path, list[Path]]:
    """The session's ``.xml`` and its binary files (``.dat``, ``.lfp``, ``.eeg``)."""
    xml = _neuroscope_xml(path)
    if path.is_file() and path.suffix.lower() in (".dat", ".lfp", ".eeg"):
        return xml, [path]
    return xml, [
        xml.with_suffix(e) for e in (".dat", ".lfp", ".eeg") if xml.with_suffix(e).exists()
    ]


def neuroscope_spike_groups(xml: Path) -> list[tuple[Path, Path, int]]:
    """``(clu, res, shank)`` for every ``.clu.N`` with its ``.res.N``, by shank number."""
    folder = xml.parent
    clus = list(folder.glob(f"{xml.stem}.clu.*")) or list(folder.glob("*.clu.*"))
    out = []
    for clu in clus:
        shank = clu.name.rsplit(".", 1)[-1]
        res = clu.with_name(clu.name[: -len(f"clu.{shank}")] + f"res.{shank}")
        if shank.isdigit() and res.exists():
            out.append((clu, res, int(shank)))
    return sorted(out, key=lambda x: x[2])


def read_clu_res(xml: Path, clu: Path, res: Path, shank: int) -> Any:
    """A TsGroup of the sorted units of one shank (clusters 0 and 1, noise and MUA, skipped).

    Spike times are ``res / samplingRate``; metadata ``group`` (the shank) and ``cluster``.
    """
    node = _xml_root(xml).find("acquisitionSystem/samplingRate")
    if node is None or not (node.text or "").strip():
        raise FileFormatError(f"{str(xml)!r} has no acquisitionSystem/samplingRate.")
    fs = float(str(node.text))
    r = np.loadtxt(res, dtype=np.int64, ndmin=1)
    c = np.loadtxt(clu, dtype=np.int64, ndmin=1)[1:]
    if r.size != c.size:
        n = min(r.size, c.size)
        warnings.warn(
            f"{clu.name!r} assigns {c.size} spikes but {res.name!r} holds {r.size} times "
            f"(a truncated file?): reading the first {n} spikes only.",
            FileContentWarning,
            stacklevel=4,
        )
        r, c = r[:n], c[:n]
    ids = np.unique(c)
    ids = ids[ids > 1]
    units = {i: Ts(t=np.sort(r[c == u] / fs)) for i, u in enumerate(ids)}
    meta = {"group": np.full(ids.size, shank), "cluster": ids}
    return TsGroup(units, metadata=meta)


def stream_array(
    rawio_name: str, kwargs: dict[str, Any], rawio: Any, b: int, s: int, k: int
) -> Any:
    """The raw samples of stream ``k`` of segment ``s`` of block ``b``, lazily.

    Memory-mapped through neo's buffer description when it has one (a
    :class:`~memphys.arrays.MemmapArray`, with a :class:`ColumnSelectArray` for a stream
    that is part of a wider file), else a :class:`NeoArray` reading
    ``get_analogsignal_chunk``. The one reader of a stream's samples, shared by
    :class:`~memphys.io.neo.EphysReader` and the recordings of :mod:`memphys.ephys`.
    """
    neo_arr = NeoArray(rawio_name, kwargs, b, s, k, reader=rawio)
    if not rawio.has_buffer_description_api():
        return neo_arr
    stream = rawio.header["signal_streams"][k]
    try:
        bd = rawio.get_analogsignal_buffer_description(b, s, stream["buffer_id"])
    except (NotImplementedError, KeyError, ValueError):
        return neo_arr
    if bd.get("type") != "raw":
        return neo_arr
    shape = tuple(int(v) for v in bd["shape"])
    if len(shape) != 2:
        return neo_arr
    order = str(bd.get("order", "C"))
    if int(bd.get("time_axis", 0)) == 1:
        # (channels, time) in C order is (time, channels) in Fortran order
        shape, order = (shape[1], shape[0]), ("F" if order == "C" else "C")
    arr: Any = MemmapArray(
        bd["file_path"], dtype=bd["dtype"], shape=shape, offset=int(bd["file_offset"]), order=order
    )
    sl = getattr(rawio, "_stream_buffer_slice", {}).get(stream["id"])
    if sl is not None:
        arr = ColumnSelectArray(arr, sl)
    if arr.shape != neo_arr.shape or arr.dtype != neo_arr.dtype:
        return neo_arr
    return arr


def signal_frame(
    rawio_name: str,
    kwargs: dict[str, Any],
    rawio: Any,
    b: int,
    s: int,
    k: int,
    scaled: bool,
    rate: float | None = None,
) -> Any:
    """The lazy TsdFrame of stream ``k`` of segment ``s`` of block ``b``."""
    header = rawio.header
    sid = header["signal_streams"][k]["id"]
    chans = header["signal_channels"][header["signal_channels"]["stream_id"] == sid]
    arr = stream_array(rawio_name, kwargs, rawio, b, s, k)
    gain = np.asarray(chans["gain"], dtype=np.float64)
    offset = np.asarray(chans["offset"], dtype=np.float64)
    if scaled:
        arr = ScaledArray(arr, gain, offset)
    sr = float(rate) if rate is not None else float(rawio.get_signal_sampling_rate(k))
    t0 = float(rawio.get_signal_t_start(b, s, k))
    meta = {
        "channel_name": np.asarray(chans["name"]).astype(str),
        "channel_id": np.asarray(chans["id"]).astype(str),
        "units": np.asarray(chans["units"]).astype(str),
        "gain": gain,
        "offset": offset,
    }
    return TsdFrame(d=arr, rate=sr, start=t0, load_array=False, metadata=meta)
