"""Zarr stores of time series: a streaming, crash-safe writer and a lazy reader.

Layout of a store written by :func:`save_zarr` (a zarr v3 group)::

    x.zarr/
      d        the data, chunked along time with chunks aligned with the engine's blocks
               (absent for Ts and IntervalSet)
      t        float64 timestamps in seconds, only for an explicit time index
      start    float64 starts of the time support (or of the IntervalSet)
      end      float64 ends
      attributes:
        memphys_format_version  1
        memphys_complete        False while writing, True once complete
        type                    "Ts", "Tsd", "TsdFrame", "TsdTensor" or "IntervalSet"
        time_index              {"kind": "regular", "start", "rate", "n", ...} or
                                {"kind": "explicit"}
        columns                 column labels of a TsdFrame (JSON list)
        metadata                {name: {"dtype": ..., "values": [...]}}
        source_dtype            the data's dtype before ``shrink_integers``

The data are compressed with Blosc zstd level 5 and bit-shuffle by default; any numcodecs
codec (``numcodecs.LZMA()``, ``numcodecs.Zstd()``, ``numcodecs.Blosc(...)``), zarr v3
codec, or a name (``"zstd"``, ``"lz4"``, ``"lz4hc"``, ``"zlib"``, ``"blosclz"`` with Blosc
and bit-shuffle; ``"lzma"``, ``"gzip"``, ``"bz2"``; ``None`` for none) is accepted, and
``filters=`` such as ``numcodecs.Delta``. The store is written under ``x.zarr.partial`` and
renamed when complete; :func:`load_zarr` (``load_file``) refuses an incomplete one.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> import memphys as nap
>>> x = nap.TsdFrame(t=None, d=np.arange(20, dtype="int16").reshape(10, 2), rate=100.0,
...                  columns=["a", "b"])
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.zarr"
>>> x.save(path, n_jobs=2)
>>> y = nap.load_file(path)
>>> type(y.values).__name__, y.columns.tolist(), bool(np.array_equal(y.values[:], x.values))
('Array', ['a', 'b'], True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from memphys._validation import check_positive_float
from memphys.arrays import as_lazy
from memphys.core import IntervalSet, Ts, Tsd, TsdFrame, TsdTensor, TsGroup
from memphys.core.time_index import ExplicitTimeIndex, RegularTimeIndex, time_index_from_recipe
from memphys.engine.job_kwargs import resolve_job_kwargs
from memphys.engine.locks import output_lock
from memphys.engine.records import verify_record, warn_no_record, write_record
from memphys.engine.reducers import Max, Min, ReducerGroup
from memphys.engine.run import _selected_trailing, run_blocks
from memphys.engine.sinks import (
    COMPLETE_ATTR,
    PARTIAL_SUFFIX,
    ZarrSink,
    check_complete,
    with_checksum,
)
from memphys.engine.targets import check_replaceable, remove_path, replace_path
from memphys.errors import (
    CorruptStoreError,
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.io._stream import data_source, plan_for, stream

__all__ = [
    "FORMAT_VERSION",
    "SaveReport",
    "load_zarr",
    "resolve_codecs",
    "save_zarr",
    "smallest_integer_dtype",
]

logger = logging.getLogger(__name__)

#: Version of the store layout written by :func:`save_zarr`.
FORMAT_VERSION = 1

_BLOSC_NAMES = ("zstd", "lz4", "lz4hc", "zlib", "blosclz")
_OTHER_NAMES = ("lzma", "gzip", "bz2")
#: The classes a store may hold, by the ``type`` attribute of the store (most derived first).
_CLASSES: dict[str, type[Any]] = {
    "TsdFrame": TsdFrame,
    "TsdTensor": TsdTensor,
    "Tsd": Tsd,
    "Ts": Ts,
    "IntervalSet": IntervalSet,
}
_KINDS = tuple(_CLASSES)


# ------------------------------------------------------------------------------ codecs
def _wrap_numcodecs(codec: Any) -> Any:
    """A numcodecs (zarr v2) codec as the zarr v3 codec that runs it."""
    config = dict(codec.get_config())
    name = config.pop("id")
    if type(codec).__name__ == "Blosc":  # zarr's native Blosc codec (portable v3 spec)
        from zarr.codecs import BloscCodec

        shuffle: Any = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}.get(
            int(config.get("shuffle", 1)), "shuffle"
        )
        cname: Any = config.get("cname", "zstd")
        return BloscCodec(
            cname=cname,
            clevel=int(config.get("clevel", 5)),
            shuffle=shuffle,
            blocksize=int(config.get("blocksize", 0)),
        )
    import zarr.codecs.numcodecs as zn

    cls = getattr(zn, type(codec).__name__, None)
    if cls is None:
        raise MemphysValueError(
            f"Invalid value for the codec: expected a numcodecs codec that zarr v3 can run "
            f"({', '.join(n for n in dir(zn) if n[:1].isupper())}), but got {name!r}."
        )
    with _quiet_numcodecs():
        return cls(**config)


def _codec(value: Any, what: str, level: int) -> Any:
    import numcodecs.abc
    import zarr.abc.codec

    if isinstance(value, str):
        key = value.lower()
        if key in _BLOSC_NAMES:
            from zarr.codecs import BloscCodec

            cname: Any = key
            return BloscCodec(cname=cname, clevel=level, shuffle="bitshuffle")
        if key == "gzip":
            from zarr.codecs import GzipCodec

            return GzipCodec(level=min(level, 9))
        if key == "lzma":
            import numcodecs

            return _wrap_numcodecs(numcodecs.LZMA(preset=min(level, 9)))
        if key == "bz2":
            import numcodecs

            return _wrap_numcodecs(numcodecs.BZ2(level=max(1, min(level, 9))))
        names = ", ".join(repr(n) for n in (*_BLOSC_NAMES, *_OTHER_NAMES))
        raise MemphysValueError(
            f"Invalid value for `{what}`: allowed names are {names}, but got {value!r}. A "
            "numcodecs or zarr codec object is accepted too."
        )
    if isinstance(value, numcodecs.abc.Codec):
        return _wrap_numcodecs(value)
    if isinstance(value, zarr.abc.codec.BaseCodec):
        return value
    raise MemphysTypeError(
        f"Invalid type for `{what}`: expected a codec name, a numcodecs codec or a zarr "
        f"codec, but got {type(value).__name__}."
    )


def resolve_codecs(
    compressor: Any = "default", filters: Any = None, level: int = 5
) -> tuple[list[Any], list[Any]]:
    """``(filters, compressors)`` as zarr v3 codecs, from names or numcodecs/zarr codecs.

    Parameters
    ----------
    compressor : str, codec, list of codecs or None
        ``"default"``: Blosc zstd (``level``) with bit-shuffle. See the module notes.
    filters : codec or list of codecs, optional
        Array-to-array codecs applied before compression (e.g. ``numcodecs.Delta``).
    level : int, default 5
        Compression level for codecs given by name.

    Examples
    --------
    >>> import numcodecs
    >>> filters, compressors = resolve_codecs("lz4", numcodecs.Delta(dtype="<i2"))
    >>> type(filters[0]).__name__, compressors[0].cname.value, compressors[0].shuffle.value
    ('Delta', 'lz4', 'bitshuffle')
    >>> resolve_codecs(None)
    ([], [])
    """
    if isinstance(compressor, str) and compressor == "default":
        compressor = "zstd"
    if compressor is None:
        comps: list[Any] = []
    elif isinstance(compressor, list | tuple):
        comps = [_codec(c, "compressor", level) for c in compressor]
    else:
        comps = [_codec(compressor, "compressor", level)]
    if filters is None:
        filts: list[Any] = []
    elif isinstance(filters, list | tuple):
        filts = [_codec(f, "filters", level) for f in filters]
    else:
        filts = [_codec(filters, "filters", level)]
    return filts, comps


# ----------------------------------------------------------------------------- report
@dataclasses.dataclass
class SaveReport:
    """What a save or conversion wrote, and how fast.

    Attributes
    ----------
    path : pathlib.Path
    kind : str
        The object type written.
    shape : tuple of int
    dtype : str
        The source dtype.
    stored_dtype : str
    nbytes : int
        Uncompressed size of the data written (source dtype), in bytes.
    stored_bytes : int
        Size of the output on disk, in bytes.
    seconds : float
        Wall time of the write.
    codecs : str
        Filters and compressors used.
    """

    path: Path
    kind: str
    shape: tuple[int, ...]
    dtype: str
    stored_dtype: str
    nbytes: int
    stored_bytes: int
    seconds: float
    codecs: str = ""

    @property
    def ratio(self) -> float:
        """Compression ratio: uncompressed bytes / bytes on disk."""
        return self.nbytes / self.stored_bytes if self.stored_bytes else float("nan")

    @property
    def mb_per_s(self) -> float:
        """Throughput in MB/s (1e6 bytes of uncompressed data per second)."""
        return self.nbytes / 1e6 / self.seconds if self.seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        """The report as plain values (for JSON), with ``ratio`` and ``mb_per_s``."""
        out = dataclasses.asdict(self)
        out["path"] = str(self.path)
        out["shape"] = list(self.shape)
        out["ratio"] = self.ratio
        out["mb_per_s"] = self.mb_per_s
        return out

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.kind} {self.shape} {self.dtype}"
            + (f" stored as {self.stored_dtype}" if self.stored_dtype != self.dtype else "")
            + f", {self.nbytes / 1e6:.1f} MB -> {self.stored_bytes / 1e6:.1f} MB "
            f"(ratio {self.ratio:.2f}) in {self.seconds:.2f} s ({self.mb_per_s:.0f} MB/s)"
            + (f" [{self.codecs}]" if self.codecs else "")
        )


def _disk_bytes(path: str | os.PathLike[str]) -> int:
    p = Path(path)
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


# --------------------------------------------------------------------------- helpers
def smallest_integer_dtype(lo: Any, hi: Any, like: Any = None) -> np.dtype[Any]:
    """The smallest integer dtype holding every value of ``[lo, hi]`` (ties: the kind of
    ``like``, signed or unsigned).

    Examples
    --------
    >>> smallest_integer_dtype(-3, 100), smallest_integer_dtype(0, 200, "int64")
    (dtype('int8'), dtype('uint8'))
    >>> smallest_integer_dtype(0, 100, "uint32")
    dtype('uint8')
    """
    lo, hi = int(lo), int(hi)
    prefer_unsigned = like is not None and np.dtype(like).kind == "u"
    for size in (1, 2, 4, 8):
        kinds = ("u", "i") if prefer_unsigned else ("i", "u")
        for k in kinds:
            dt = np.dtype(f"{k}{size}")
            info = np.iinfo(dt)
            if info.min <= lo and hi <= info.max:
                return dt
    return np.dtype("int64") if lo < 0 else np.dtype("uint64")


def _kind(obj: Any) -> str:
    for name, cls in _CLASSES.items():
        if isinstance(obj, cls):
            return name
    raise MemphysTypeError(
        "Invalid type for `obj`: expected Ts, Tsd, TsdFrame, TsdTensor, TsGroup or "
        f"IntervalSet, but got {type(obj).__name__}."
    )


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and not np.isfinite(v):
        return {"float": repr(v)}  # NaN/inf are not JSON
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    return v


def _from_json_value(v: Any) -> Any:
    if isinstance(v, dict) and set(v) == {"float"}:
        return float(v["float"])
    if isinstance(v, list):
        return [_from_json_value(x) for x in v]
    return v


def _metadata_attr(obj: Any) -> dict[str, Any]:
    meta = getattr(obj, "_metadata", None)
    if meta is None:
        return {}
    out: dict[str, Any] = {}
    for name, values in dict(meta).items():
        arr = np.asarray(values)
        if arr.dtype.kind in "biufUS" or arr.dtype.kind == "O":
            items = arr.tolist()
            try:
                json.dumps(items)
            except (TypeError, ValueError):
                raise MemphysTypeError(
                    f"Invalid metadata {name!r}: expected numbers, strings or booleans to "
                    f"store in Zarr, but got values of dtype {arr.dtype} that are not "
                    "JSON-serialisable. Convert them (e.g. to str) or save to '.npz'."
                ) from None
            dtype = "object" if arr.dtype.kind == "O" else arr.dtype.str
            out[str(name)] = {"dtype": dtype, "values": _json_value(items)}
        else:
            raise MemphysTypeError(
                f"Invalid metadata {name!r}: expected numbers, strings or booleans to store "
                f"in Zarr, but got dtype {arr.dtype}. Save to '.npz' instead."
            )
    return out


def _metadata_from_attr(attr: Any) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, spec in (attr or {}).items():
        values = _from_json_value(spec["values"])
        dtype = spec.get("dtype")
        out[name] = np.asarray(values, dtype=None if dtype == "object" else dtype)
    return out


def _columns_attr(columns: Any) -> list[Any]:
    items = list(np.asarray(columns, dtype=object).tolist())
    items = [x.item() if isinstance(x, np.generic) else x for x in items]
    try:
        json.dumps(items)
    except (TypeError, ValueError):
        items = [str(x) for x in items]
    return items


@contextlib.contextmanager
def _quiet_numcodecs() -> Iterator[None]:
    """Silence zarr's note that numcodecs codecs are outside the v3 spec (we chose them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numcodecs codecs are not in the Zarr")
        yield


# ----------------------------------------------------------------------------- writer
def _write_small(group: Any, name: str, data: np.ndarray) -> None:
    from zarr.codecs import ZstdCodec

    arr = group.create_array(
        name,
        shape=data.shape,
        chunks=(max(1, data.shape[0]),),
        dtype=data.dtype,
        compressors=with_checksum(ZstdCodec()),
    )
    if data.size:
        arr[:] = data


def _write_times(group: Any, ti: Any, chunk_len: int, compressors: list[Any]) -> None:
    """Stream an explicit index's float64 seconds into ``t``, block by block."""
    n = len(ti)
    arr = group.create_array(
        "t",
        shape=(n,),
        chunks=(max(1, chunk_len),),
        dtype="float64",
        compressors=compressors,
    )
    for s in range(0, n, max(1, chunk_len)):
        e = min(n, s + chunk_len)
        arr[s:e] = np.asarray(ti._read(s, e), dtype=np.float64)


def _data_minmax(src: Any, channels: Any, squeeze: bool, job: Any) -> tuple[Any, Any]:
    if src.shape[0] == 0:
        return 0, 0
    red = ReducerGroup({"min": Min(axis=None), "max": Max(axis=None)})
    plan = plan_for(src, channels, job)
    r = run_blocks(None, src, plan, red, channels=channels, desc="min/max", job=job)
    return r["min"], r["max"]


def save_zarr(
    obj: Any,
    path: str | os.PathLike[str],
    *,
    compressor: Any = "default",
    filters: Any = None,
    level: int = 5,
    shrink_integers: bool = False,
    report: bool = False,
    overwrite: bool = True,
    **job_kwargs: Any,
) -> SaveReport | None:
    """Write a time series (or an IntervalSet) to a Zarr v3 store, streaming and crash-safely.

    The data are read block by block (``n_jobs`` workers; each writes its own chunks: the
    chunks are the engine's blocks) so a memory-mapped recording of any size is written in
    bounded memory. The store is built under ``<path>.partial`` and renamed to ``path``
    only when complete; :func:`load_zarr` restores an equal object (lazily).

    Parameters
    ----------
    obj : Ts, Tsd, TsdFrame, TsdTensor, IntervalSet or TsGroup
        A TsGroup is written unit by unit (:mod:`memphys.io.zarr.tsgroup`; the job
        arguments, ``filters`` and ``shrink_integers`` do not apply).
    path : str or path-like
        The store (conventionally ending in ``.zarr``).
    compressor : str, codec, list or None, default "default"
        Blosc zstd + bit-shuffle by default; see :func:`resolve_codecs`.
    filters : codec or list, optional
        E.g. ``numcodecs.Delta(dtype="<i2")``.
    level : int, default 5
        Level of a compressor given by name.
    shrink_integers : bool, default False
        Store integer data in the smallest integer dtype that holds all its values (one
        extra pass computes the min and max); the source dtype is kept in the attributes.
    report : bool, default False
        Return a :class:`SaveReport` (compression ratio, MB/s).
    overwrite : bool, default True
        Replace an existing store once the new one is complete.
    **job_kwargs
        ``n_jobs``, ``chunk_size``/``chunk_duration``/``chunk_memory``, ``progress_bar``,
        ``pool_engine``, ``mp_context`` ... (the chunk length follows the block length).

    Returns
    -------
    SaveReport or None

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile, numcodecs
    >>> import memphys as nap
    >>> x = nap.Tsd(t=None, d=np.arange(100_000, dtype="int64") % 100, rate=1000.0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.zarr"
    >>> r = save_zarr(x, path, compressor=numcodecs.LZMA(), shrink_integers=True, report=True)
    >>> r.stored_dtype, r.ratio > 10
    ('int8', True)
    >>> load_zarr(path).values.dtype
    dtype('int8')
    """
    kind = "TsGroup" if isinstance(obj, TsGroup) else _kind(obj)
    if not isinstance(path, str | os.PathLike):
        raise MemphysTypeError(
            f"Invalid type for `path`: expected str or pathlib.Path, but got {type(path).__name__}."
        )
    dest = os.path.abspath(os.fspath(path))
    if not os.path.isdir(os.path.dirname(dest)):
        raise MemphysFileNotFoundError(
            f"Invalid value for `path`: expected a path in an existing folder, but "
            f"{os.path.dirname(dest)!r} does not exist."
        )
    job = resolve_job_kwargs(**job_kwargs)
    filts, comps = resolve_codecs(compressor, filters, level)
    with output_lock(dest, what="Zarr store"), _quiet_numcodecs():
        if os.path.lexists(dest) and not overwrite:
            raise MemphysValueError(
                f"Invalid value for `path`: {dest!r} already exists. Pass overwrite=True or "
                "choose another path."
            )
        check_replaceable(dest, "zarr")
        if kind == "TsGroup":
            return _save_tsgroup(obj, dest, comps, report)
        return _save(obj, kind, dest, job, filts, comps, shrink_integers, report)


def _save_tsgroup(obj: Any, dest: str, comps: list[Any], report: bool) -> SaveReport | None:
    from memphys.io.zarr.tsgroup import save_tsgroup

    t0 = time.perf_counter()
    n = save_tsgroup(
        obj,
        dest,
        version=FORMAT_VERSION,
        metadata=_metadata_attr(obj),
        compressors=with_checksum(comps),
    )
    if not report:
        return None
    return SaveReport(
        path=Path(dest),
        kind="TsGroup",
        shape=(n,),
        dtype="float64",
        stored_dtype="float64",
        nbytes=8 * n,
        stored_bytes=_disk_bytes(dest),
        seconds=time.perf_counter() - t0,
        codecs=", ".join(repr(c) for c in comps) or "uncompressed",
    )


def _save(
    obj: Any,
    kind: str,
    dest: str,
    job: Any,
    filts: list[Any],
    comps: list[Any],
    shrink_integers: bool,
    report: bool,
) -> SaveReport | None:
    import zarr

    partial = dest + PARTIAL_SUFFIX
    t0 = time.perf_counter()
    remove_path(partial)  # a stale leftover of a killed run (we hold the lock)
    checked = with_checksum(comps)
    attrs: dict[str, Any] = {
        COMPLETE_ATTR: False,
        "memphys_format_version": FORMAT_VERSION,
        "type": kind,
    }
    shape: tuple[int, ...] = ()
    dtype = stored = np.dtype("float64")
    nbytes = 0
    try:
        root = zarr.open_group(partial, mode="w", zarr_format=3, attributes=attrs)
        if kind == "IntervalSet":
            start, end = np.asarray(obj.start, np.float64), np.asarray(obj.end, np.float64)
            shape = (len(start), 2)
            nbytes = start.nbytes + end.nbytes
            _write_small(root, "start", start)
            _write_small(root, "end", end)
            root.attrs["metadata"] = _metadata_attr(obj)
        else:
            support = obj.time_support
            _write_small(root, "start", np.asarray(support.start, np.float64))
            _write_small(root, "end", np.asarray(support.end, np.float64))
            ti = obj.time_index
            chunk_len = 0
            if kind != "Ts":
                src, channels, squeeze = data_source(obj.values)
                dtype = np.dtype(src.dtype)
                if dtype.hasobject or dtype.kind in "USV" or dtype.fields is not None:
                    raise MemphysTypeError(
                        f"Invalid data for Zarr: expected numeric or boolean values, but got "
                        f"dtype {dtype}. Save to '.npz' instead."
                    )
                stored = dtype.newbyteorder("=") if dtype.byteorder not in "=|" else dtype
                if shrink_integers and dtype.kind in "iu":
                    lo, hi = _data_minmax(src, channels, squeeze, job)
                    stored = smallest_integer_dtype(lo, hi, like=dtype)
                plan = plan_for(src, channels, job)
                chunk_len = max(1, int(plan.chunk_size))

                trailing = () if squeeze else _selected_trailing(src, channels)
                shape = (int(src.shape[0]), *trailing)
                nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                arr = root.create_array(
                    "d",
                    shape=shape,
                    chunks=(min(chunk_len, max(1, shape[0])), *trailing),
                    dtype=stored,
                    filters=filts,
                    compressors=checked,
                    attributes={COMPLETE_ATTR: False},
                )
                if shape[0]:
                    sink = ZarrSink(arr)
                    stream(src, channels, squeeze, plan, sink, stored, job, "save zarr")
                else:
                    arr.attrs[COMPLETE_ATTR] = True
                if stored != dtype:
                    root.attrs["source_dtype"] = dtype.str
            else:
                shape = (len(ti),)
                nbytes = 8 * len(ti)
            if getattr(ti, "is_regular", False) and hasattr(ti, "recipe"):
                root.attrs["time_index"] = ti.recipe()
            else:
                root.attrs["time_index"] = {"kind": "explicit"}
                if not chunk_len:
                    chunk_len = max(1, 2**20)
                _write_times(root, ti, chunk_len, checked)
            if kind == "TsdFrame":
                root.attrs["columns"] = _columns_attr(obj.columns)
                root.attrs["metadata"] = _metadata_attr(obj)
        root.attrs[COMPLETE_ATTR] = True
        write_record(partial)
        replace_path(partial, dest)
    except BaseException:
        remove_path(partial)
        raise
    seconds = time.perf_counter() - t0
    logger.debug("wrote %s (%s %s) in %.2f s", dest, kind, shape, seconds)
    if not report:
        return None
    codecs = ", ".join(repr(c) for c in (*filts, *comps)) or "uncompressed"
    return SaveReport(
        path=Path(dest),
        kind=kind,
        shape=shape,
        dtype=str(dtype),
        stored_dtype=str(stored),
        nbytes=nbytes,
        stored_bytes=_disk_bytes(dest),
        seconds=seconds,
        codecs=codecs,
    )


# ----------------------------------------------------------------------------- reader
def _open_node(path: Path) -> Any:
    import zarr

    try:
        return zarr.open(str(path), mode="r")
    except Exception as exc:  # zarr raises several types for a non-store
        cls = CorruptStoreError if isinstance(exc, ValueError) and _has_metadata(path) else None
        if cls is not None:
            raise cls(
                f"Zarr store {str(path)!r} is damaged: its root metadata cannot be read "
                f"({type(exc).__name__}: {exc})."
            ) from None
        raise FileFormatError(
            f"Invalid file {str(path)!r}: expected a zarr store (format 2 or 3), but opening "
            f"failed ({type(exc).__name__}: {exc})."
        ) from None


def _has_metadata(path: Path) -> bool:
    return any((path / name).is_file() for name in ("zarr.json", ".zarray", ".zgroup"))


def _member(root: Any, name: str, path: Path, read: bool = False) -> Any:
    """``root[name]`` (its values when ``read``), with damage reported as a memphys error
    naming the store and the array (a KeyError, for a missing array, is left to the
    caller)."""
    try:
        arr = root[name]
        return arr[:] if read else arr
    except KeyError:
        raise
    except Exception as exc:  # JSON, codec (blosc, crc32c), reshape errors of zarr
        raise CorruptStoreError(
            f"Zarr store {str(path)!r} is damaged: its array {name!r} cannot be read "
            f"({type(exc).__name__}: {str(exc).rstrip('.')}). Write the store again."
        ) from None


def _as_series(data: Any, rate: float, start: float, columns: Any) -> Any:
    rate = check_positive_float("rate", rate)
    ti = RegularTimeIndex(start=float(start), rate=rate, n=int(data.shape[0]))
    lazy = not isinstance(data, np.ndarray)
    if len(data.shape) == 1:
        return Tsd(t=ti, d=data, load_array=not lazy)
    if len(data.shape) == 2:
        return TsdFrame(t=ti, d=data, columns=columns, load_array=not lazy)
    return TsdTensor(t=ti, d=data, load_array=not lazy)


def _build(root: Any, path: Path, lazy: bool) -> Any:
    attrs = dict(root.attrs)
    kind = attrs.get("type")
    if kind not in _KINDS and kind != "TsGroup":
        raise FileFormatError(
            f"Invalid file {str(path)!r}: expected a memphys store of type "
            f"{', '.join(_KINDS)}, but its attribute 'type' is {kind!r}."
        )
    version = attrs.get("memphys_format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FileFormatError(
            f"Invalid file {str(path)!r}: expected a store of format version at most "
            f"{FORMAT_VERSION}, but got {version!r}. Upgrade memphys to read it."
        )
    if kind == "TsGroup":
        from memphys.io.zarr.tsgroup import build_tsgroup

        return build_tsgroup(root, path, _metadata_from_attr(attrs.get("metadata")))
    start = np.asarray(_member(root, "start", path, read=True), dtype=np.float64)
    end = np.asarray(_member(root, "end", path, read=True), dtype=np.float64)
    if kind == "IntervalSet":
        meta = _metadata_from_attr(attrs.get("metadata"))
        return IntervalSet(start=start, end=end, metadata=meta or None)
    support = IntervalSet(start=start, end=end)
    spec = attrs.get("time_index") or {}
    if spec.get("kind") == "regular":
        ti: Any = time_index_from_recipe(spec)
    else:
        tsrc: Any = _member(root, "t", path, read=not lazy)
        tsrc = tsrc if not lazy else as_lazy(tsrc)
        ti = ExplicitTimeIndex(tsrc, check=False)
    cls = _CLASSES[kind]
    if kind == "Ts":
        return cls._from_trusted(ti, support)
    values: Any = _member(root, "d", path, read=not lazy)
    if kind == "TsdFrame":
        columns = _from_json_value(attrs.get("columns"))
        obj = cls._from_trusted(ti, support, values, columns=columns)
        meta = _metadata_from_attr(attrs.get("metadata"))
        if meta:
            obj.set_info(meta)
        return obj
    return cls._from_trusted(ti, support, values)


def load_zarr(
    path: str | os.PathLike[str],
    lazy_loading: bool | None = None,
    *,
    rate: float | None = None,
    start: float = 0.0,
    columns: Any = None,
) -> Any:
    """Open a Zarr store: a memphys object (lazily), or any zarr array or group.

    Parameters
    ----------
    path : str or path-like
        A store written by :func:`save_zarr` (``obj.save("x.zarr")``), or any zarr store
        of format 2 or 3.
    lazy_loading : bool, optional
        ``False`` reads the data into memory; otherwise (default) the object's ``values``
        is the ``zarr.Array`` (pynapple's ``load_array=False``), read block by block.
    rate, start, columns
        For a store holding a bare array: make a ``Tsd``/``TsdFrame``/``TsdTensor`` on the
        regular index ``start + i / rate``.

    Returns
    -------
    Ts, Tsd, TsdFrame, TsdTensor, IntervalSet, zarr.Array or zarr.Group

    Raises
    ------
    IncompleteWriteError
        If the store's write did not complete (an interrupted save), or a chunk file
        that it recorded is missing.
    CorruptStoreError
        If a memphys store is damaged (metadata unreadable or edited, chunk files of the
        wrong size; a chunk whose checksum is wrong when it is read).
    FileFormatError
        If ``path`` is not a zarr store.

    Warns
    -----
    CompletenessWarning
        For a store without a memphys completeness record (another tool's): that it is
        complete cannot be checked.

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile, warnings, zarr
    >>> from memphys.errors import CompletenessWarning
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "v2.zarr"
    >>> z = zarr.create_array(store=str(path), shape=(4,), dtype="f4", zarr_format=2)
    >>> z[:] = [1, 2, 3, 4]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     x = load_zarr(path, rate=2.0)
    >>> caught[0].category.__name__
    'CompletenessWarning'
    >>> x
    Time (s)
    ----------  --
    0            1
    0.5          2
    1            3
    1.5          4
    dtype: float32, shape: (4,)
    """
    p = Path(path)
    if not p.exists():
        check_complete(p)  # IncompleteWriteError for a leftover .partial, else not found
    with _quiet_numcodecs():
        return _load(p, lazy_loading is not False, rate, start, columns)


def _load(p: Path, lazy: bool, rate: float | None, start: float, columns: Any) -> Any:
    import zarr

    record = verify_record(p, warn=False) if p.is_dir() else None
    node = _open_node(p)
    check_complete(p)
    if record is None:
        warn_no_record(p)
    if isinstance(node, zarr.Group):
        if "memphys_format_version" in node.attrs:
            if rate is not None:
                raise MemphysValueError(
                    f"Invalid value for `rate`: {str(p)!r} holds a {node.attrs.get('type')} "
                    f"with its own time index, but got rate={rate!r}."
                )
            try:
                return _build(node, p, lazy)
            except KeyError as exc:
                raise FileFormatError(
                    f"Invalid file {str(p)!r}: expected a complete memphys store, but the "
                    f"array {exc} is missing."
                ) from None
        if rate is not None:
            raise MemphysValueError(
                f"Invalid value for `rate`: expected a store holding one array, but "
                f"{str(p)!r} is a group; open an array of it with zarr and wrap it."
            )
        return node
    if lazy:
        data = node
    else:
        try:
            data = node[:]
        except Exception as exc:
            raise CorruptStoreError(
                f"Zarr store {str(p)!r} is damaged: its array cannot be read "
                f"({type(exc).__name__}: {exc})."
            ) from None
    if rate is None:
        return data
    return _as_series(data, rate, start, columns)
