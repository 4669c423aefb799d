"""Shared pieces of the ``memphys`` commands: source options, opening a source, job options,
error translation and small text tables.

Every command opens its input through :func:`open_source`, which uses only the public API:
``load_file`` for the formats it reads (with the raw-binary parameters when given),
``EphysReader`` for vendor files and folders, and a ``--stream`` key to pick one entry of
a container (an EphysReader, an NWB file, an ``.npz`` archive).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from memphys.errors import MemphysValueError
from memphys.io.readers import Reader, find_reader, get_reader

__all__ = [
    "SourceOptions",
    "handle_errors",
    "one_line",
    "job_options",
    "job_kwargs",
    "open_container",
    "open_source",
    "source_options",
    "table",
]

F = TypeVar("F", bound=Callable[..., Any])

_SERIES = ("Tsd", "TsdFrame", "TsdTensor")


def one_line(exc: BaseException) -> str:
    """The message of ``exc`` (and its notes) on one line: memphys errors as they are,
    others prefixed with their type, since their message alone may not say what failed.

    >>> one_line(ValueError("bad\\nvalue"))
    'ValueError: bad value'
    """
    from memphys.errors import MemphysError

    text = " ".join(" ".join([str(exc), *getattr(exc, "__notes__", [])]).split())
    if isinstance(exc, MemphysError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def handle_errors() -> Iterator[None]:
    """Turn a :class:`~memphys.errors.MemphysError` into a one-line ``click`` error
    (exit code 1, no traceback), and print warnings as one ``Warning: ...`` line each on
    stderr."""
    import warnings

    from memphys.errors import MemphysError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            yield
        except MemphysError as exc:
            raise click.ClickException(one_line(exc)) from exc
        finally:
            seen: set[str] = set()
            for w in caught:
                text = f"Warning: {w.message}"
                if text not in seen:
                    seen.add(text)
                    click.echo(text, err=True)


def source_options(func: F) -> F:
    """The options that say how to read an input: raw-binary parameters, vendor format and
    stream key."""
    options = [
        click.option(
            "--n-channels",
            type=int,
            default=None,
            help="Raw binary input: number of interleaved channels (default: from the .xml "
            "beside the file).",
        ),
        click.option(
            "--sampling-rate",
            "--rate",
            "sampling_rate",
            type=float,
            default=None,
            help="Sampling rate in Hz: for raw binary input (default: from the .xml) and "
            "for a bare .npy or zarr array.",
        ),
        click.option(
            "--dtype",
            "dtype",
            default=None,
            help="Raw binary input: sample type, e.g. int16 (default: from the .xml, else int16).",
        ),
        click.option(
            "--format",
            "fmt",
            default=None,
            help="Read with EphysReader in this vendor format (openephys, spikeglx, intan, "
            "plexon, neuroscope, rawbinary, or a neo RawIO name); detected for folders and "
            "files that load_file does not read.",
        ),
        click.option(
            "--stream",
            default=None,
            help="Key of the entry to use when the input holds several (an EphysReader "
            "stream such as '0:imec0.ap', an NWB object, an .npz key).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


class SourceOptions:
    """The values of :func:`source_options`."""

    def __init__(
        self,
        n_channels: int | None = None,
        sampling_rate: float | None = None,
        dtype: str | None = None,
        fmt: str | None = None,
        stream: str | None = None,
    ) -> None:
        self.n_channels = n_channels
        self.sampling_rate = sampling_rate
        self.dtype = dtype
        self.fmt = fmt
        self.stream = stream


def job_options(func: F) -> F:
    """``--n-jobs``, ``--chunk-duration``, ``--progress/--no-progress``."""
    options = [
        click.option(
            "--n-jobs",
            type=int,
            default=None,
            help="Worker processes (-1: all cores; default: memphys's global setting).",
        ),
        click.option(
            "--chunk-duration",
            default=None,
            help="Length of one block, e.g. '1s' or '500ms' (default: from the memory budget).",
        ),
        click.option(
            "--progress/--no-progress",
            default=True,
            show_default=True,
            help="Show a progress bar.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def job_kwargs(
    n_jobs: int | None, chunk_duration: str | None, rate: float | None = None
) -> dict[str, Any]:
    """The job keyword arguments given on the command line (others keep their defaults).

    With the source's sampling ``rate``, ``--chunk-duration`` becomes ``chunk_size`` (in
    samples), which every writer accepts.
    """
    out: dict[str, Any] = {}
    if n_jobs is not None:
        out["n_jobs"] = n_jobs
    if chunk_duration is not None:
        if rate is not None and rate > 0:
            from memphys.engine.job_kwargs import parse_duration

            seconds = parse_duration(chunk_duration)
            out["chunk_size"] = max(1, round(seconds * rate))
        else:
            out["chunk_duration"] = chunk_duration
    return out


def sampling_rate_of(obj: Any) -> float | None:
    """The sampling rate of a regularly sampled series (None otherwise)."""
    index = getattr(obj, "time_index", None)
    rate = getattr(index, "rate", None) if getattr(index, "is_regular", False) else None
    return float(rate) if rate else None


def _raw_kwargs(opts: SourceOptions) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if opts.n_channels is not None:
        kw["n_channels"] = opts.n_channels
    if opts.sampling_rate is not None:
        kw["sampling_rate"] = opts.sampling_rate
    if opts.dtype is not None:
        kw["precision"] = opts.dtype
    return kw


#: Readers of bare arrays, which take ``--sampling-rate`` as ``rate=``.
_RATE_READERS = ("npy", "zarr")


def _only_binary(path: Path, reader: Reader, opts: SourceOptions) -> None:
    options: list[tuple[str, object]] = [("--n-channels", opts.n_channels), ("--dtype", opts.dtype)]
    if reader.name not in _RATE_READERS:
        options.append(("--sampling-rate", opts.sampling_rate))
    given = [name for name, value in options if value is not None]
    if given:
        binary = ", ".join(get_reader("binary").extensions)
        raise MemphysValueError(
            f"Invalid option {', '.join(given)} for {str(path)!r}: expected it only for a raw "
            f"binary file ({binary}), a bare .npy or zarr array "
            "(--sampling-rate), or with --format; this file stores its own parameters."
        )


def open_container(path: str | os.PathLike[str], opts: SourceOptions) -> Any:
    """What ``path`` holds, opened lazily through the public API.

    Returns a time series, an IntervalSet, a TsGroup, a container (``EphysReader``,
    ``NWBFile``, ``Folder``, numpy's ``NpzFile``) or a bare zarr array/group.

    Raises
    ------
    MemphysFileNotFoundError, IncompleteWriteError, FileFormatError, MemphysValueError
        From the readers; their messages name the file and what to do.
    """
    import memphys as nap
    from memphys.io.interface import check_readable

    p = Path(path)
    if not p.exists():
        return nap.load_file(p)  # FileNotFoundError, or IncompleteWriteError for a .partial
    check_readable(p, "PATH")  # never open a device or a FIFO (reading it never ends)
    if opts.fmt is not None:
        return _ephys(p, opts)
    reader = find_reader(p)
    if reader is None or reader.name == "neo":  # neo's: with the options of EphysReader
        if p.is_dir() and _holds_npz_or_nwb(p):
            return nap.load_folder(p)
        return _ephys(p, opts)
    if reader.name == "binary":
        return nap.load_file(p, **_raw_kwargs(opts))
    _only_binary(p, reader, opts)
    if reader.name in _RATE_READERS and opts.sampling_rate is not None:
        return nap.load_file(p, rate=opts.sampling_rate)
    return nap.load_file(p)


def _holds_npz_or_nwb(p: Path) -> bool:
    return any(f.suffix.lower() in (".npz", ".nwb") for f in p.iterdir() if f.is_file())


def _ephys(p: Path, opts: SourceOptions) -> Any:
    import memphys as nap

    kwargs: dict[str, Any] = {}
    if opts.n_channels is not None:
        kwargs["n_channels"] = opts.n_channels
    if opts.sampling_rate is not None:
        kwargs["sampling_rate"] = opts.sampling_rate
    if opts.dtype is not None:
        kwargs["dtype"] = opts.dtype
    return nap.EphysReader(p, format=opts.fmt, **kwargs)


def entry_type(container: Any, key: str) -> str:
    """Type name of ``container[key]`` without building it when the container knows it."""
    if hasattr(container, "type_of"):
        return str(container.type_of(key))
    item = getattr(container, "data", {}).get(key)
    if isinstance(item, dict) and "type" in item:
        return str(item["type"])
    if item is not None and hasattr(item, "type"):
        return str(item.type)
    return type(container[key]).__name__


def is_container(obj: Any) -> bool:
    """An object holding several named entries (EphysReader, NWBFile, Folder, NpzFile)."""
    return hasattr(obj, "keys") and not hasattr(obj, "time_support") and callable(obj.keys)


def open_source(path: str | os.PathLike[str], opts: SourceOptions) -> tuple[Any, str | None]:
    """One time series (or other object) from ``path``: ``(object, key)``.

    In a container, ``--stream`` picks the entry; without it, the only time series entry
    is used, and several are an error that lists them.
    """
    obj = open_container(path, opts)
    if not is_container(obj) or type(obj).__name__ == "Folder":
        if opts.stream is not None and not is_container(obj):
            raise MemphysValueError(
                f"Invalid option --stream {opts.stream!r}: {str(path)!r} holds one object "
                f"({type(obj).__name__}), not several streams."
            )
        if type(obj).__name__ == "Folder":
            raise MemphysValueError(
                f"Invalid value for SRC: {str(path)!r} is a folder of .npz/.nwb files; give "
                "one of its files instead (`memphys info` lists them)."
            )
        return obj, None
    keys = [str(k) for k in obj]
    if opts.stream is not None:
        if opts.stream not in keys:
            raise MemphysValueError(
                f"Invalid option --stream: allowed keys of {str(path)!r} are "
                f"{', '.join(repr(k) for k in keys)}, but got {opts.stream!r}."
            )
        return obj[opts.stream], opts.stream
    series = [k for k in keys if entry_type(obj, k) in _SERIES]
    if len(series) == 1:
        return obj[series[0]], series[0]
    listed = ", ".join(f"{k!r} ({entry_type(obj, k)})" for k in keys)
    raise MemphysValueError(
        f"Invalid value for SRC: {str(path)!r} holds "
        + ("no time series" if not series else f"{len(series)} time series")
        + f" among {listed}; pick one with --stream KEY."
    )


def table(rows: list[tuple[str, str]], title: str | None = None) -> str:
    """A two-column text table (key, value); multi-line values are indented."""
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title] if title else []
    for key, value in rows:
        parts = str(value).splitlines() or [""]
        lines.append(f"  {key.ljust(width)}  {parts[0]}")
        lines += [f"  {' ' * width}  {p}" for p in parts[1:]]
    return "\n".join(lines)


def fmt_bytes(n: float) -> str:
    """Bytes as a human-readable size (decimal units)."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def check_output(dst: Path, overwrite: bool) -> None:
    """Refuse an existing output unless ``--overwrite``."""
    if dst.exists() and not overwrite:
        raise click.ClickException(
            f"{str(dst)!r} already exists; pass --overwrite to replace it (it is replaced "
            "only once the new output is complete)."
        )
    if not dst.parent.exists():
        raise click.ClickException(
            f"Invalid value for DST: the folder {str(dst.parent)!r} does not exist."
        )
