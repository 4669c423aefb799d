"""``memphys info PATH``: a table of what a file or folder holds.

- a file ``load_file`` reads (``.npz``, ``.npy``, ``.zarr``, raw binary with its ``.xml`` or
  with ``--n-channels``/``--sampling-rate``, ``.nwb``): the object's type, shape, dtype,
  rate, duration, time support, columns and metadata, and how it is stored (memmap, zarr
  codecs, chunks, size on disk and compression ratio);
- a vendor recording (a folder or file EphysReader reads, or any path with ``--format``):
  its streams with their shapes, rates, dtypes, durations and gains, and the probe of
  each stream that has one (contacts, shanks, pitch; :mod:`memphys.cli.ephys`);
- an NWB file: its entries, then each ElectricalSeries' channels and probe and each
  Units table's unit count;
- a folder of ``.npz``/``.nwb`` files: the ``Folder`` tree.

Nothing is read but headers and metadata.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
import numpy as np

from memphys.cli._common import (
    SourceOptions,
    entry_type,
    fmt_bytes,
    handle_errors,
    is_container,
    open_container,
    sampling_rate_of,
    source_options,
    table,
)

__all__ = ["describe", "info", "info_text"]

_SERIES = ("Tsd", "TsdFrame", "TsdTensor")


def _disk_bytes(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    total = 0
    for root, _, files in os.walk(p):
        for f in files:
            total += os.stat(os.path.join(root, f)).st_size
    return total


def _codec_text(codec: Any) -> str:
    """A codec as ``name(key=value, ...)`` (zarr v3 codecs and numcodecs codecs)."""
    if hasattr(codec, "get_config"):
        config = dict(codec.get_config())
        name = str(config.pop("id", type(codec).__name__))
    else:
        spec = codec.to_dict() if hasattr(codec, "to_dict") else {}
        name = str(spec.get("name", type(codec).__name__))
        config = dict(spec.get("configuration", {}) or {})
        if name.startswith("numcodecs."):
            name = name.split(".", 1)[1]
    shuffle = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}
    if isinstance(config.get("shuffle"), int):
        config["shuffle"] = shuffle.get(config["shuffle"], config["shuffle"])
    config.pop("typesize", None)
    config.pop("blocksize", None) if config.get("blocksize") == 0 else None
    body = ", ".join(f"{k}={v}" for k, v in config.items())
    return f"{name}({body})"


def codec_rows(array: Any) -> list[tuple[str, str]]:
    """The ``codecs`` row of a zarr array (filters and compressors), and a ``checksum`` row
    when its chunks carry a CRC32C (memphys's own stores)."""
    codecs = [*getattr(array, "filters", ()), *getattr(array, "compressors", ())]
    checks = [c for c in codecs if type(c).__name__ == "Crc32cCodec"]
    codecs = [c for c in codecs if c not in checks]
    rows = [("codecs", ", ".join(_codec_text(c) for c in codecs) or "none (uncompressed)")]
    if checks:
        rows.append(("checksum", "crc32c per chunk, checked on read"))
    return rows


def zarr_rows(array: Any, store_path: Path | None) -> list[tuple[str, str]]:
    """Storage rows of a zarr array: codecs, chunks, size on disk, compression ratio."""
    rows: list[tuple[str, str]] = []
    rows.append(("zarr format", str(array.metadata.zarr_format)))
    rows += codec_rows(array)
    rows.append(("chunks", str(tuple(int(c) for c in array.chunks))))
    if store_path is not None:
        nbytes = int(np.prod(array.shape, dtype=np.int64)) * np.dtype(array.dtype).itemsize
        disk = _disk_bytes(store_path)
        ratio = f"{nbytes / disk:.2f}" if disk else "-"
        rows.append(("size", f"{fmt_bytes(nbytes)} of data, {fmt_bytes(disk)} on disk"))
        rows.append(("compression ratio", ratio))
    return rows


def _support_text(support: Any, limit: int = 3) -> str:
    start = np.asarray(support.start, dtype=np.float64)
    end = np.asarray(support.end, dtype=np.float64)
    n = len(start)
    shown = [f"[{a:.6g}, {b:.6g}] s" for a, b in zip(start[:limit], end[:limit], strict=True)]
    more = f" ... ({n} epochs)" if n > limit else ""
    total = float(np.sum(end - start))
    return (", ".join(shown) or "empty") + more + f"; {total:.6g} s in total"


def _list_text(items: list[Any], limit: int = 8) -> str:
    shown = ", ".join(str(x) for x in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _storage(values: Any) -> str:
    kind = type(values).__name__
    module = type(values).__module__.split(".")[0]
    if isinstance(values, np.memmap):
        return f"numpy.memmap of {values.filename} (offset {values.offset}), not read"
    if module == "zarr":
        return "zarr.Array (lazy, read block by block)"
    if module == "h5py":
        return "h5py.Dataset (lazy)"
    if isinstance(values, np.ndarray):
        return "numpy.ndarray (in memory)"
    return f"{kind} (lazy)"


def _rate(obj: Any) -> float | None:
    """The sampling rate of a regular time index, else pynapple's ``rate``."""
    regular = sampling_rate_of(obj)
    if regular is not None:
        return regular
    rate = getattr(obj, "rate", None)
    return None if rate is None else float(rate)


def describe(obj: Any) -> list[tuple[str, str]]:
    """Rows ``(field, value)`` describing a memphys object (no data read)."""
    kind = type(obj).__name__
    rows: list[tuple[str, str]] = [("type", kind)]
    if kind == "IntervalSet":
        rows.append(("intervals", str(len(obj))))
        rows.append(("epochs", _support_text(obj)))
        meta = list(getattr(obj, "metadata_columns", []) or [])
        if meta:
            rows.append(("metadata", _list_text(meta)))
        return rows
    if kind == "TsGroup":
        rows.append(("units", str(len(obj))))
        rows.append(("time support", _support_text(obj.time_support)))
        meta = list(getattr(obj, "metadata_columns", []) or [])
        if meta:
            rows.append(("metadata", _list_text(meta)))
        return rows
    n = len(obj)
    shape = tuple(int(s) for s in getattr(obj, "shape", (n,)))
    rows.append(("shape", str(shape)))
    if kind in _SERIES:
        rows.append(("dtype", str(obj.dtype)))
    rate = _rate(obj)
    if rate is not None and np.isfinite(rate):
        rows.append(("rate", f"{float(rate):.6g} Hz"))
    if n:
        t0, t1 = float(obj.start_time()), float(obj.end_time())
        rows.append(("times", f"{t0:.6g} to {t1:.6g} s"))
    rows.append(("time support", _support_text(obj.time_support)))
    index = getattr(obj, "time_index", None)
    if index is not None:
        regular = bool(getattr(index, "is_regular", False))
        rows.append(("time index", "regular (start, rate, n)" if regular else "explicit"))
    if kind == "TsdFrame":
        rows.append(("columns", _list_text(list(obj.columns))))
    meta = list(getattr(obj, "metadata_columns", []) or [])
    if meta:
        rows.append(("metadata", _list_text(meta)))
    if kind in _SERIES:
        rows.append(("values", _storage(obj.values)))
    return rows


def _gain_text(obj: Any) -> str:
    meta = list(getattr(obj, "metadata_columns", []) or [])
    for name in ("gain", "gain_uv"):
        if name in meta:
            gains = np.unique(np.asarray(obj.get_info(name), dtype=np.float64))
            units = ""
            if "units" in meta:
                found = sorted({str(u) for u in np.asarray(obj.get_info("units"))} - {""})
                units = " " + "/".join(found) if found else ""
            shown = ", ".join(f"{g:.6g}" for g in gains[:4])
            suffix = ", ..." if len(gains) > 4 else ""
            return shown + suffix + (" uV" if name == "gain_uv" else units)
    return "-"


def stream_table(container: Any) -> str:
    """One line per entry of a container; time series with shape, rate, dtype, duration,
    gain."""
    header = ("key", "type", "shape", "dtype", "rate (Hz)", "duration (s)", "gain")
    from memphys.errors import MemphysError

    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for key in container:
        kind = entry_type(container, key)
        if kind in _SERIES:
            try:
                obj = container[key]
            except MemphysError as exc:
                notes.append(f"  [{len(notes) + 1}] {key}: {exc}")
                rows.append((str(key), kind, f"unreadable [{len(notes)}]", "", "", "", ""))
                continue
            rate = _rate(obj) or float("nan")
            duration = float(np.sum(obj.time_support.end - obj.time_support.start))
            rows.append(
                (
                    str(key),
                    kind,
                    str(tuple(int(s) for s in obj.shape)),
                    str(obj.dtype),
                    f"{float(rate):.6g}",
                    f"{duration:.6g}",
                    _gain_text(obj),
                )
            )
        else:
            rows.append((str(key), kind, "", "", "", "", ""))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join([*(line.rstrip() for line in lines), *notes])


def _probes_text(path: Path, fmt: str) -> str:
    """The probe of each stream that has one (as ``memphys.ephys`` reads it), or ''."""
    from memphys.cli.ephys import probe_rows, vendor_recordings

    parts = []
    for name, rec in vendor_recordings(path, fmt):
        rows = probe_rows(rec)
        if rows:
            parts.append(table(rows, f"probe of stream {name!r}"))
    return "".join("\n" + part for part in parts)


def info_text(path: str | os.PathLike[str], opts: SourceOptions | None = None) -> str:
    """The text ``memphys info`` prints for ``path``.

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.npy"
    >>> np.save(p, np.zeros((10, 2), dtype="int16"))
    >>> print(info_text(p, SourceOptions(sampling_rate=5.0)))  # doctest: +ELLIPSIS
    x.npy: .npy file, 168 B
      type          TsdFrame
      shape         (10, 2)
      dtype         int16
      rate          5 Hz
      times         0 to 1.8 s
      time support  [0, 1.8] s; 1.8 s in total
      time index    regular (start, rate, n)
      columns       0, 1
      values        numpy.memmap of .../x.npy (offset 128), not read
    """
    opts = opts or SourceOptions()
    p = Path(path)
    obj = open_container(p, opts)
    kind = type(obj).__name__
    if kind == "Folder":
        return obj.tree(expand=True)
    if kind == "EphysReader":
        head = f"{p.name}: {obj.format} recording (EphysReader)"
        blocks = obj.blocks
        if len(blocks) > 1:
            head += f", blocks {', '.join(blocks)}"
        return head + "\n" + stream_table(obj) + _probes_text(p, obj.format)
    if kind == "NWBFile":
        text = f"{p.name}: NWB file, {fmt_bytes(_disk_bytes(p))}\n" + stream_table(obj)
        from memphys.cli.ephys import nwb_ephys_rows

        rows = nwb_ephys_rows(p)
        return text + (
            "\n" + table(rows, "recordings and sortings (memphys.ephys)") if rows else ""
        )
    if kind == "NpzFile":
        rows = [(str(k), f"{obj[k].dtype} {obj[k].shape}") for k in obj.files]
        return table(rows, f"{p.name}: .npz archive (not a memphys object)")
    module = type(obj).__module__.split(".")[0]
    if module == "zarr":
        if hasattr(obj, "shape"):
            rows = [("type", "zarr array"), ("shape", str(obj.shape)), ("dtype", str(obj.dtype))]
            rows += zarr_rows(obj, p)
            rows.append(("note", "pass --sampling-rate to read it as a time series"))
            return table(rows, f"{p.name}: zarr store")
        members = [(str(k), type(v).__name__) for k, v in obj.members()]
        return table(members or [("(empty)", "")], f"{p.name}: zarr group")
    ext = p.suffix.lower()
    where = "zarr store" if ext == ".zarr" else f"{ext or 'raw'} file"
    title = f"{p.name}: {where}"
    rows = describe(obj)
    if ext == ".zarr":
        import zarr

        node = zarr.open(str(p), mode="r")
        if isinstance(node, zarr.Array):
            rows += zarr_rows(node, p)
        elif "d" in node:
            rows += zarr_rows(node["d"], p)
        if "source_dtype" in node.attrs:
            rows.append(("source dtype", str(np.dtype(str(node.attrs["source_dtype"])))))
    else:
        title += f", {fmt_bytes(_disk_bytes(p))}"
        if ext in (".dat", ".eeg", ".lfp", ".bin", ".raw"):
            xml = p.with_suffix(".xml")
            rows.append(("parameters", f"from {xml.name}" if xml.exists() else "from options"))
    return table(rows, title)


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@source_options
def info(
    path: Path,
    n_channels: int | None,
    sampling_rate: float | None,
    dtype: str | None,
    fmt: str | None,
    stream: str | None,
) -> None:
    """Show what PATH holds, reading only headers and metadata.

    PATH is a file that load_file reads (.npz, .npy, .zarr, .nwb, raw binary with its
    .xml or with --n-channels and --sampling-rate), a vendor recording (Open Ephys,
    SpikeGLX, Intan, Plexon, Neuroscope ...: streams, rates, shapes, gains), or a folder
    of .npz/.nwb files (its tree).

    \b
    Examples:
      memphys info session.zarr
      memphys info rec.dat --n-channels 64 --sampling-rate 30000
      memphys info openephys_folder/
    """
    opts = SourceOptions(n_channels, sampling_rate, dtype, fmt, stream)
    with handle_errors():
        if stream is not None:
            container = open_container(path, opts)
            if not is_container(container) or stream not in list(container.keys()):
                from memphys.cli._common import open_source

                open_source(path, opts)  # raises the message listing the keys
            obj = container[stream]
            if type(obj).__name__ in (*_SERIES, "Ts", "IntervalSet", "TsGroup"):
                click.echo(table(describe(obj), f"{path.name} [{stream}]"))
            else:
                click.echo(str(obj))
            return
        click.echo(info_text(path, opts))
