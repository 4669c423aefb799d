"""Completeness records: stores that prove they are complete and undamaged.

When memphys finishes writing a Zarr store (``save_zarr``, ``out=`` stores of the engine,
the recording stores and folders of :mod:`memphys.ephys`), it writes a record,
``memphys_record.json``, at the root of the store, just before the store is renamed
into place. For each array it holds the shape, the dtype, the chunk shape and grid, the
number of chunk files written, and per chunk file its size and CRC32C checksum; for
other folders (raw binary recordings), the size of every file.

- On open, :func:`verify_record` checks the metadata of every recorded array against
  the record (a ``zarr.json`` whose shape was edited is refused) and lists the chunk
  files (a listing and their sizes, never their content): a missing, extra or truncated
  chunk file is refused with an error naming the store, the array and the chunk.
- On read, memphys's own Zarr v3 stores carry zarr's ``crc32c`` codec after the
  compressor: every chunk read, in any process and by any Zarr v3 reader, is checked
  against the checksum stored with it (the record keeps the same value, read from the
  end of the chunk, so writing the record does not re-read the data).
  :func:`verify_chunks` re-reads every chunk and checks it against the record.
- A store without a record (written by another tool, or by a memphys older than records)
  opens with a :class:`~memphys.errors.CompletenessWarning`: that it is complete cannot be
  checked.

Examples
--------
>>> import os, tempfile, numpy as np, zarr
>>> from memphys.engine.records import write_record, verify_record
>>> store = os.path.join(tempfile.mkdtemp(), "x.zarr")
>>> z = zarr.create_array(store, shape=(10,), chunks=(4,), dtype="int16")
>>> z[:] = np.arange(10)
>>> write_record(store)["arrays"][""]["n_chunks"]
3
>>> os.remove(os.path.join(store, "c", "1"))
>>> verify_record(store)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
memphys.errors.IncompleteWriteError: ...x.zarr is incomplete: ... lacks 1 of its 3 chunk ...
"""

from __future__ import annotations

import datetime
import json
import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

from memphys.errors import CompletenessWarning, CorruptStoreError, IncompleteWriteError

__all__ = [
    "RECORD_NAME",
    "RECORD_VERSION",
    "SMALL_FILE_BYTES",
    "crc32c",
    "read_record",
    "verify_chunks",
    "verify_record",
    "warn_no_record",
    "write_record",
]

#: Name of the record file at the root of a store or folder.
RECORD_NAME = "memphys_record.json"
#: Version of the record layout.
RECORD_VERSION = 1
#: Files up to this size get a CRC32C in a files record (metadata, small arrays).
SMALL_FILE_BYTES = 64 * 1024
#: The key files of a section (see :func:`write_record`'s ``sections``).
SECTION_KEYS = ("params.json", ".zattrs")

_V3_META = "zarr.json"
_V2_META = (".zarray", ".zattrs", ".zgroup", ".zmetadata")
_META_FILES = frozenset((_V3_META, *_V2_META, RECORD_NAME))


def crc32c(data: Any, value: int = 0) -> int:
    """CRC32C (Castagnoli) of a bytes-like object, hardware-accelerated (google-crc32c).

    >>> crc32c(b"123456789")
    3808858755
    """
    import google_crc32c

    if value:
        return int(google_crc32c.extend(value, data))
    return int(google_crc32c.value(data))


# ------------------------------------------------------------------------------ metadata
def _load_json(path: str, store: str, array: str | None) -> Any:
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except (ValueError, UnicodeDecodeError) as exc:
        where = "its root" if array is None else f"its array {array!r}"
        raise CorruptStoreError(
            f"Zarr store {store} is damaged: the metadata of {where} "
            f"({os.path.relpath(path, store)}) is not valid JSON ({exc}). Write it again."
        ) from None


def _array_meta(store: str, rel: str) -> dict[str, Any] | None:
    """``{"zarr_format", "shape", "dtype", "chunks", "codecs"}`` of the array at ``rel``."""
    folder = os.path.join(store, rel) if rel else store
    v3 = os.path.join(folder, _V3_META)
    if os.path.isfile(v3):
        doc = _load_json(v3, store, rel)
        if not isinstance(doc, dict) or doc.get("node_type") != "array":
            return None
        grid = doc.get("chunk_grid", {})
        chunks = (
            grid.get("configuration", {}).get("chunk_shape") if isinstance(grid, dict) else None
        )
        codecs = [c.get("name") if isinstance(c, dict) else c for c in doc.get("codecs", [])]
        return {
            "zarr_format": 3,
            "shape": doc.get("shape"),
            "dtype": doc.get("data_type"),
            "chunks": chunks,
            "codecs": codecs,
        }
    v2 = os.path.join(folder, ".zarray")
    if os.path.isfile(v2):
        doc = _load_json(v2, store, rel)
        if not isinstance(doc, dict):
            return None
        return {
            "zarr_format": 2,
            "shape": doc.get("shape"),
            "dtype": doc.get("dtype"),
            "chunks": doc.get("chunks"),
            "codecs": [],
        }
    return None


def _arrays(store: str) -> Iterator[str]:
    """Relative paths of the arrays in a store (the root itself is ``""``)."""
    for root, dirs, files in os.walk(store):
        dirs.sort()
        rel = os.path.relpath(root, store)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        is_array = False
        if _V3_META in files:
            try:
                with open(os.path.join(root, _V3_META), "rb") as fh:
                    is_array = json.loads(fh.read()).get("node_type") == "array"
            except (OSError, ValueError, AttributeError):
                is_array = False
        elif ".zarray" in files:
            is_array = True
        if is_array:
            dirs[:] = []  # chunks below, no nested arrays
            yield rel


def _chunk_files(folder: str) -> dict[str, int]:
    """Chunk file key (relative, '/'-separated) -> size, by listing (nothing is read)."""
    out: dict[str, int] = {}
    stack = [("", folder)]
    while stack:
        prefix, d = stack.pop()
        try:
            entries = list(os.scandir(d))
        except FileNotFoundError:
            continue
        for e in entries:
            key = f"{prefix}{e.name}"
            if e.is_dir(follow_symlinks=False):
                stack.append((key + "/", e.path))
            elif not prefix and e.name in _META_FILES:
                continue
            else:
                out[key] = e.stat(follow_symlinks=False).st_size
    return out


def _grid(shape: list[int], chunks: list[int]) -> list[int]:
    return [math.ceil(s / c) if c else 0 for s, c in zip(shape, chunks, strict=False)]


def _trailer_crc(path: str, size: int) -> int:
    with open(path, "rb") as fh:
        fh.seek(size - 4)
        return int.from_bytes(fh.read(4), "little")


def _file_crc(path: str, skip_tail: int = 0) -> int:
    value = 0
    with open(path, "rb") as fh:
        data = fh.read()
    if skip_tail:
        data = data[:-skip_tail]
    return crc32c(data, value)


# -------------------------------------------------------------------------------- write
def write_record(
    store: str | os.PathLike[str],
    *,
    files: bool = False,
    extra: dict[str, Any] | None = None,
    sections: str | None = None,
) -> dict[str, Any]:
    """Write the completeness record of a finished store (or folder) and return it.

    Call it when everything else is written, before the store is renamed into place.

    Parameters
    ----------
    store : str or path-like
        The store (or folder).
    files : bool, default False
        Record the size of every file instead of Zarr arrays (raw binary folders, the
        stores of a SortingAnalyzer), and the CRC32C of files up to
        :data:`SMALL_FILE_BYTES` (metadata: an edited JSON file is found on open).
    sections : str, optional
        With ``files``: a folder (e.g. ``"extensions"``) whose subfolders are sections
        that other tools may rewrite: a section is checked only while its key file
        (``params.json``, or ``.zattrs`` in a Zarr v2 store) is the one recorded; a
        section whose key file is gone (reset or deleted) is not checked, one whose key
        file changed warns that it cannot be checked.
    extra : dict, optional
        More JSON-able facts to keep in the record.
    """
    from memphys._version import __version__

    root = os.fspath(store)
    record: dict[str, Any] = {
        "memphys_record": RECORD_VERSION,
        "complete": True,
        "written_by": f"memphys {__version__}",
        "written_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "arrays": {},
    }
    if files:
        record["files"] = {
            k: [size, _file_crc(os.path.join(root, *k.split("/")))]
            if size <= SMALL_FILE_BYTES
            else [size]
            for k, size in sorted(_chunk_files(root).items())
        }
        if sections:
            record["sections"] = sections
    else:
        for rel in _arrays(root):
            meta = _array_meta(root, rel)
            if meta is None:  # pragma: no cover - listed as an array above
                continue
            folder = os.path.join(root, rel) if rel else root
            trailer = bool(meta["codecs"]) and meta["codecs"][-1] == "crc32c"
            chunks: dict[str, list[int]] = {}
            for key, size in sorted(_chunk_files(folder).items()):
                path = os.path.join(folder, *key.split("/"))
                crc = _trailer_crc(path, size) if trailer and size >= 4 else _file_crc(path)
                chunks[key] = [size, crc]
            record["arrays"][rel] = {
                "zarr_format": meta["zarr_format"],
                "shape": meta["shape"],
                "dtype": meta["dtype"],
                "chunks": meta["chunks"],
                "grid": _grid(list(meta["shape"] or []), list(meta["chunks"] or [])),
                "n_chunks": len(chunks),
                "checksum": "crc32c-trailer" if trailer else "crc32c",
                "chunk_files": chunks,
            }
    if extra:
        record.update(extra)
    tmp = os.path.join(root, f".{RECORD_NAME}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(record, fh, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, os.path.join(root, RECORD_NAME))
    return record


# ------------------------------------------------------------------------------- verify
def read_record(store: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The record of a store, or None when it has none."""
    root = os.fspath(store)
    path = os.path.join(root, RECORD_NAME)
    if not os.path.isfile(path):
        return None
    doc = _load_json(path, root, None)
    if not isinstance(doc, dict) or doc.get("memphys_record") is None:
        raise CorruptStoreError(
            f"Zarr store {root} is damaged: its completeness record {RECORD_NAME} is not a "
            "memphys record."
        )
    if int(doc["memphys_record"]) > RECORD_VERSION:
        raise CorruptStoreError(
            f"Zarr store {root} has a completeness record of version {doc['memphys_record']}, "
            f"newer than this memphys reads ({RECORD_VERSION}). Upgrade memphys."
        )
    return doc


def warn_no_record(store: str | os.PathLike[str], what: str = "Zarr store") -> None:
    """Warn that ``store`` has no completeness record (see the module notes)."""
    warnings.warn(
        f"{what} {os.fspath(store)} has no memphys completeness record (it was written by "
        "another tool or an older memphys): that it is complete and undamaged cannot be "
        "checked; a missing chunk would read as fill values.",
        CompletenessWarning,
        stacklevel=3,
    )


def _listing(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _check_array(root: str, rel: str, rec: dict[str, Any]) -> None:
    name = repr(rel)
    meta = _array_meta(root, rel)
    if meta is None:
        raise CorruptStoreError(
            f"Zarr store {root} is damaged: its array {name} is missing (its metadata "
            "file was removed). Write the store again."
        )
    for field in ("shape", "dtype", "chunks"):
        if meta[field] != rec.get(field):
            raise CorruptStoreError(
                f"Zarr store {root} is damaged: its array {name} has {field} {meta[field]}, "
                f"but the store was written with {field} {rec.get(field)} (its metadata was "
                "edited or replaced). Write the store again."
            )
    folder = os.path.join(root, rel) if rel else root
    found = _chunk_files(folder)
    expected = rec.get("chunk_files", {})
    missing = sorted(set(expected) - set(found))
    if missing:
        raise IncompleteWriteError(
            f"Zarr store {root} is incomplete: its array {name} lacks {len(missing)} of its "
            f"{len(expected)} chunk files ({_listing(missing)}); they would read as fill "
            "values. Write the store again."
        )
    extra = sorted(set(found) - set(expected))
    if extra:
        raise CorruptStoreError(
            f"Zarr store {root} is damaged: its array {name} has {len(extra)} chunk files "
            f"that were not written with it ({_listing(extra)}). Write the store again."
        )
    wrong = sorted(k for k, v in expected.items() if found[k] != v[0])
    if wrong:
        raise CorruptStoreError(
            f"Zarr store {root} is damaged: {len(wrong)} chunk files of its array {name} "
            f"have the wrong size ({_listing(wrong)}: truncated or replaced). Write the "
            "store again."
        )


def _unchecked_sections(root: str, record: dict[str, Any], what: str) -> set[str]:
    """Sections (``<folder>/<name>/``) of a files record that are not to be checked."""
    folder = record.get("sections")
    if not folder:
        return set()
    files = record["files"]
    names = {k.split("/")[1] for k in files if k.startswith(folder + "/") and k.count("/") >= 2}
    skip: set[str] = set()
    for name in sorted(names):
        prefix = f"{folder}/{name}/"
        keys = [prefix + k for k in SECTION_KEYS if prefix + k in files]
        if not keys:
            skip.add(prefix)  # not complete when recorded
            continue
        key = keys[0]
        path = os.path.join(root, *key.split("/"))
        if not os.path.isfile(path):
            skip.add(prefix)  # reset or deleted since: it does not load
            continue
        rec = files[key]
        if os.path.getsize(path) != rec[0] or (len(rec) > 1 and _file_crc(path) != rec[1]):
            skip.add(prefix)
            warnings.warn(
                f"{what} {root}: {prefix.rstrip('/')} was rewritten since memphys recorded "
                "it (by another tool): that it is complete cannot be checked.",
                CompletenessWarning,
                stacklevel=4,
            )
    return skip


def _check_files(root: str, record: dict[str, Any], what: str) -> None:
    skip = _unchecked_sections(root, record, what)
    files = {k: v for k, v in record["files"].items() if not any(k.startswith(p) for p in skip)}
    found = _chunk_files(root)
    optional = set(record.get("optional_files", ()))
    missing = sorted(k for k in set(files) - set(found) if k.rsplit("/", 1)[-1] not in optional)
    files = {k: v for k, v in files.items() if k in found or k in missing}
    if missing:
        raise IncompleteWriteError(
            f"{what} {root} is incomplete: {len(missing)} of its files are missing "
            f"({_listing(missing)}). Write it again."
        )
    wrong = sorted(k for k, v in files.items() if found[k] != v[0])
    if wrong:
        raise CorruptStoreError(
            f"{what} {root} is damaged: {len(wrong)} of its files have the wrong size "
            f"({_listing(wrong)}: truncated or replaced). Write it again."
        )
    edited = sorted(
        k
        for k, v in files.items()
        if len(v) > 1 and _file_crc(os.path.join(root, *k.split("/"))) != v[1]
    )
    if edited:
        raise CorruptStoreError(
            f"{what} {root} is damaged: {len(edited)} of its files were changed since it was "
            f"written ({_listing(edited)}: CRC32C differs). Write it again."
        )


def verify_record(
    store: str | os.PathLike[str], *, warn: bool = True, what: str = "Zarr store"
) -> dict[str, Any] | None:
    """Check a store against its record, by listing (no chunk is read); return the record.

    Raises
    ------
    IncompleteWriteError
        A recorded array or chunk file is missing.
    CorruptStoreError
        Metadata unreadable or different from the record, extra or resized chunk files.

    Without a record, warns (:class:`~memphys.errors.CompletenessWarning`, unless
    ``warn=False``) and returns None.
    """
    root = os.fspath(store)
    record = read_record(root)
    if record is None:
        if warn:
            warn_no_record(root, what)
        return None
    if "files" in record:
        _check_files(root, record, what)
    for rel, rec in record.get("arrays", {}).items():
        _check_array(root, rel, rec)
    return record


def verify_chunks(store: str | os.PathLike[str]) -> int:
    """Re-read every recorded chunk and check its CRC32C; return the number checked.

    This reads the whole store (a deep check, e.g. after copying it); opening a store
    checks only its listing, and reads check the chunks they read.

    Raises
    ------
    CorruptStoreError
        A chunk's content does not match its checksum (naming the store, array, chunk).
    """
    root = os.fspath(store)
    record = verify_record(root)
    if record is None:
        return 0
    n = 0
    for rel, rec in record.get("arrays", {}).items():
        folder = os.path.join(root, rel) if rel else root
        trailer = rec.get("checksum") == "crc32c-trailer"
        for key, (size, crc) in rec.get("chunk_files", {}).items():
            path = os.path.join(folder, *key.split("/"))
            ok = _file_crc(path, 4 if trailer else 0) == crc
            if trailer and ok:
                ok = _trailer_crc(path, size) == crc
            if not ok:
                raise CorruptStoreError(
                    f"Zarr store {root} is damaged: chunk {key} of its array {rel!r} does not "
                    "match its CRC32C checksum. Write the store again."
                )
            n += 1
    return n
