"""Write memphys objects to NWB files with pynwb, crash-safely and in bounded memory.

Public functions:

- :func:`write_nwb`: write one object (or a ``{name: object}`` dict) into a new or an
  existing NWB file, in ``acquisition``, a named ``processing`` module, or ``scratch``.

Scratch data and processed copies (:func:`add_scratch`, :func:`get_scratch`,
:func:`make_processed_copy`) are in :mod:`memphys.io.nwb.copies`.

Conversions (see :mod:`memphys.io.nwb._convert`): ``Tsd``/``TsdFrame``/``TsdTensor`` ->
``TimeSeries`` (``rate`` and ``starting_time`` when the time index is regular,
``timestamps`` otherwise; a time support other than ``[first, last sample]`` in a
``TimeIntervals`` named ``<name>_time_support`` next to it; TsdFrame column labels and
metadata in a ``DynamicTable`` named ``<name>_columns``), ``Ts`` -> ``EventsTable``,
``TsGroup`` -> ``Units`` (metadata columns, the time support in ``obs_intervals``; in
``acquisition`` under the name ``"units"`` it is the file's ``/units`` table),
``IntervalSet`` -> ``TimeIntervals`` with its metadata columns.

Data that are not in memory (memmaps, ``.npy``/zarr/HDF5-backed objects, the lazy result
of a filter written with ``out=``) stream block by block through hdmf's chunk iterators,
compressed per HDF5 chunk (``compression="gzip"`` by default; ``"lzf"`` or ``None`` are
faster).

Crash safety: every write goes to a hidden temporary file in the destination folder
(``.<name>.<pid>-<random>.partial``, which no loader or ``Folder`` lists), is checked with
the NWB schema validator, and only then replaces the destination with :func:`os.replace`.
The writer holds the file's write lock (:mod:`memphys.engine.locks`) from before it reads
the file until the new one is in place: concurrent writers take turns, and an append sees
every object an earlier writer added. Holding the lock, it removes the partial files that
killed writers of the same file left. ``overwrite=True`` replaces only an HDF5 file.
Appending to an existing file copies it to such a temporary file first and appends to the
copy, so the original is never opened for writing: an error or a crash mid-write leaves it
byte-identical and removes the partial file. The cost is disk space: appending needs free
space for a full copy of the existing file (checked before starting; a clear error
otherwise).

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.io.nwb.write import write_nwb
>>> path = os.path.join(tempfile.mkdtemp(), "session.nwb")
>>> lfp = nap.TsdFrame(t=np.arange(1000) / 1250, d=np.ones((1000, 2), dtype="float32"))
>>> write_nwb(lfp, path, "lfp", location="processing", module="ecephys").name
'session.nwb'
"""

from __future__ import annotations

import contextlib
import datetime
import os
import pathlib
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from memphys._validation import check_option, describe
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysOSError,
    MemphysValueError,
)
from memphys.io.nwb._convert import kind_of, to_nwb_containers

__all__ = ["LOCATIONS", "write_nwb"]

#: Where :func:`write_nwb` can put objects.
LOCATIONS = ("acquisition", "processing", "scratch")


# --- crash-safe file handling ----------------------------------------------------------------
def _temp_path(path: pathlib.Path) -> pathlib.Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")


def _remove_stale_partials(path: pathlib.Path) -> None:
    """Remove the partial files of ``path`` left by killed writers (call with its lock
    held: no live writer of ``path`` owns one)."""
    import glob

    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.partial"):
        stale.unlink(missing_ok=True)


@contextlib.contextmanager
def _partial_io(tmp: pathlib.Path, mode: str, **kwargs: Any) -> Iterator[Any]:
    """``NWBHDF5IO`` on a partial file, without pynwb's note that its name does not end in
    '.nwb' (deliberate: no loader may take it for a session file)."""
    from pynwb import NWBHDF5IO

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The file path provided: .* does not end in")
        io = NWBHDF5IO(str(tmp), mode, **kwargs)
    with io:
        yield io


@contextlib.contextmanager
def _locked(path: pathlib.Path) -> Iterator[None]:
    """Hold the write lock of ``path`` and clear its stale partial files."""
    from memphys.engine.locks import output_lock

    with output_lock(path, what="NWB file"):
        _remove_stale_partials(path)
        yield


def _validate_file(path: pathlib.Path, final: pathlib.Path) -> None:
    from pynwb import validate

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The file path provided: .* does not end in")
        errors = validate(path=str(path))
    if isinstance(errors, tuple):  # older pynwb returns (errors, status)
        errors = errors[0]
    if errors:
        listed = "; ".join(str(e) for e in list(errors)[:5])
        raise FileFormatError(
            f"The NWB file written for {str(final)!r} does not pass the NWB schema "
            f"validator ({len(errors)} error(s): {listed}); it was not saved."
        )


@contextlib.contextmanager
def _atomic(path: pathlib.Path, copy_from: pathlib.Path | None = None) -> Iterator[pathlib.Path]:
    """Yield a temporary path next to ``path``; replace ``path`` with it on success.

    With ``copy_from``, the temporary file starts as a copy of that file. On any error
    (including KeyboardInterrupt) the temporary file is removed and ``path`` untouched.
    """
    tmp = _temp_path(path)
    try:
        if copy_from is not None:
            shutil.copy2(copy_from, tmp)
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _check_space(path: pathlib.Path) -> None:
    need = path.stat().st_size
    free = shutil.disk_usage(path.parent).free
    if free < need + 16 * 2**20:
        raise MemphysOSError(
            f"Cannot append safely to {str(path)!r}: memphys appends to a copy of the file "
            f"and swaps it in when complete, which needs {need / 2**20:.0f} MiB free in "
            f"{str(path.parent)!r}, but only {free / 2**20:.0f} MiB are free. Free some "
            "space, or write to a new file."
        )


# --- NWBFile construction ----------------------------------------------------------------------
def _new_nwbfile(nwbfile_kwargs: Mapping[str, Any] | None) -> Any:
    from pynwb import NWBFile
    from pynwb.file import Subject

    kw: dict[str, Any] = {
        "session_description": "data written by memphys",
        "identifier": str(uuid.uuid4()),
        "session_start_time": datetime.datetime.now(datetime.UTC).replace(microsecond=0),
    }
    kw.update(dict(nwbfile_kwargs or {}))
    if kw.get("subject") is None:
        # nwbinspector counts a missing subject as CRITICAL; say plainly that it is unknown
        # (sex 'U' is NWB's "unknown"; age 'P0D/' is the open range "0 days or older")
        kw["subject"] = Subject(
            subject_id="unknown",
            sex="U",
            age="P0D/",
            description="No subject information was given to memphys when this file was "
            "written (sex and age are unknown); pass "
            "nwbfile_kwargs={'subject': pynwb.file.Subject(...)}.",
        )
    try:
        return NWBFile(**kw)
    except (TypeError, ValueError) as exc:
        raise MemphysValueError(
            f"Invalid value for `nwbfile_kwargs`: pynwb.NWBFile rejected it ({exc})."
        ) from exc


def _normalize(
    obj: Any, name: str | None, description: str | Mapping[str, str] | None
) -> dict[str, tuple[Any, str | None]]:
    is_dict = isinstance(obj, Mapping) and type(obj).__name__ != "TsGroup"
    if is_dict:
        if name is not None:
            raise MemphysValueError(
                "Invalid value for `name`: the objects are given as a {name: object} dict, "
                f"so `name` must be None, but got {name!r}."
            )
        items = dict(obj)
    else:
        if name is None:
            raise MemphysValueError(
                "Invalid value for `name`: expected the name of the NWB object to write, "
                "but got None."
            )
        items = {name: obj}
    if not items:
        raise MemphysValueError("Invalid value for `obj`: expected objects to write, got none.")
    out: dict[str, tuple[Any, str | None]] = {}
    for k, v in items.items():
        if not isinstance(k, str) or not k or "/" in k:
            raise MemphysValueError(
                f"Invalid value for `name`: expected a non-empty string without '/', but got "
                f"{describe(k)}."
            )
        kind_of(v, f"obj[{k!r}]" if is_dict else "obj")
        desc = description.get(k) if isinstance(description, Mapping) else description
        out[k] = (v, desc)
    return out


def _target(nwbfile: Any, location: str, module: str | None, create: bool) -> Any:
    """The container objects go into (a dict-like of existing names), or None."""
    if location == "acquisition":
        return nwbfile.acquisition
    if location == "scratch":
        return nwbfile.scratch
    if module is None:
        raise MemphysValueError(
            "Invalid value for `module`: location='processing' needs the name of a "
            "processing module (for example 'ecephys' or 'behavior'), but got None."
        )
    mod = nwbfile.processing.get(module)
    if mod is None and create:
        mod = nwbfile.create_processing_module(
            name=module, description=f"processed data written by memphys ({module})"
        )
    return None if mod is None else mod.data_interfaces


def _is_top_units(location: str, name: str, containers: list[Any]) -> bool:
    from pynwb.misc import Units

    return location == "acquisition" and name == "units" and isinstance(containers[0], Units)


def _check_free(
    nwbfile: Any,
    location: str,
    module: str | None,
    names: list[str],
    path: pathlib.Path,
    units_top: bool,
) -> None:
    existing = _target(nwbfile, location, module, create=False)
    taken = set() if existing is None else set(existing)
    where = f"processing module {module!r}" if location == "processing" else location
    for nm in names:
        if nm in taken:
            raise MemphysValueError(
                f"Invalid value for `name`: {str(path)!r} already has an object named {nm!r} "
                f"in {where}. Choose another name (existing objects are never replaced)."
            )
    if units_top and nwbfile.units is not None:
        raise MemphysValueError(
            f"Invalid value for `name`: {str(path)!r} already has a units table (/units). "
            "Choose another name or location='processing'."
        )


def _add_all(
    nwbfile: Any,
    built: list[tuple[str, list[Any]]],
    location: str,
    module: str | None,
    path: pathlib.Path,
) -> None:
    names = [c.name for _, cs in built for c in cs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise MemphysValueError(
            f"Invalid value for `name`: the objects to write would create the names {dup} "
            "more than once (a series named 'x' also creates 'x_time_support' or "
            "'x_columns' when needed)."
        )
    units_top = [nm for nm, cs in built if _is_top_units(location, nm, cs)]
    _check_free(nwbfile, location, module, names, path, bool(units_top))
    for nm, containers in built:
        for c in containers:
            if units_top and nm == "units" and c is containers[0]:
                nwbfile.units = c
            elif location == "acquisition":
                nwbfile.add_acquisition(c)
            elif location == "scratch":
                nwbfile.add_scratch(c)
            else:
                _target(nwbfile, location, module, create=True)  # creates the module
                nwbfile.processing[module].add(c)


def _open_error(path: pathlib.Path, exc: Exception) -> FileFormatError:
    return FileFormatError(
        f"Cannot open {str(path)!r} as an NWB file ({type(exc).__name__}: {exc}). Expected "
        "an NWB (HDF5) file written by pynwb or another NWB tool."
    )


def _write(
    path: pathlib.Path,
    build: Callable[[], list[tuple[str, list[Any]]]],
    *,
    location: str,
    module: str | None,
    overwrite: bool,
    validate: bool,
    nwbfile_kwargs: Mapping[str, Any] | None,
) -> pathlib.Path:
    if not path.parent.is_dir():
        raise MemphysFileNotFoundError(
            f"Invalid value for `path`: the folder {str(path.parent)!r} does not exist."
        )
    with _locked(path):
        return _write_locked(
            path,
            build,
            location=location,
            module=module,
            overwrite=overwrite,
            validate=validate,
            nwbfile_kwargs=nwbfile_kwargs,
        )


def _write_locked(
    path: pathlib.Path,
    build: Callable[[], list[tuple[str, list[Any]]]],
    *,
    location: str,
    module: str | None,
    overwrite: bool,
    validate: bool,
    nwbfile_kwargs: Mapping[str, Any] | None,
) -> pathlib.Path:
    from pynwb import NWBHDF5IO

    from memphys.engine.targets import check_replaceable

    if os.path.lexists(path) and not overwrite:
        if nwbfile_kwargs:
            raise MemphysValueError(
                f"Invalid value for `nwbfile_kwargs`: {str(path)!r} exists and is appended "
                "to, so its file-level metadata cannot be set; pass overwrite=True to "
                "replace the file."
            )
        built = build()
        try:
            with NWBHDF5IO(str(path), "r") as io:
                nwb = io.read()
                names = [c.name for _, cs in built for c in cs]
                units_top = any(_is_top_units(location, nm, cs) for nm, cs in built)
                _check_free(nwb, location, module, names, path, units_top)
        except MemphysValueError:
            raise
        except Exception as exc:
            raise _open_error(path, exc) from exc
        _check_space(path)
        with _atomic(path, copy_from=path) as tmp:
            with _partial_io(tmp, "a") as io:
                nwb = io.read()
                _add_all(nwb, built, location, module, path)
                io.write(nwb)
            if validate:
                _validate_file(tmp, path)
        return path
    check_replaceable(path, "nwb")
    nwb = _new_nwbfile(nwbfile_kwargs)
    _add_all(nwb, build(), location, module, path)
    with _atomic(path) as tmp:
        with _partial_io(tmp, "w") as io:
            io.write(nwb)
        if validate:
            _validate_file(tmp, path)
    return path


def _builder(
    items: dict[str, tuple[Any, str | None]],
    unit: str,
    compression: Any,
    compression_opts: Any,
    shuffle: bool,
    stream: bool,
    job_kwargs: dict[str, Any],
) -> Callable[[], list[tuple[str, list[Any]]]]:
    def build() -> list[tuple[str, list[Any]]]:
        return [
            (
                nm,
                to_nwb_containers(
                    obj,
                    nm,
                    description=desc,
                    unit=unit,
                    compression=compression,
                    compression_opts=compression_opts,
                    shuffle=shuffle,
                    stream=stream,
                    job_kwargs=job_kwargs,
                ),
            )
            for nm, (obj, desc) in items.items()
        ]

    return build


def _check_compression(compression: Any) -> Any:
    if compression in (None, False):
        return None
    return check_option("compression", compression, ("gzip", "lzf"))


def write_nwb(
    obj: Any,
    path: str | os.PathLike[str],
    name: str | None = None,
    *,
    location: str = "acquisition",
    module: str | None = None,
    description: str | Mapping[str, str] | None = None,
    unit: str = "a.u.",
    compression: str | None = "gzip",
    compression_opts: Any = None,
    shuffle: bool = False,
    overwrite: bool = False,
    validate: bool = True,
    nwbfile_kwargs: Mapping[str, Any] | None = None,
    **job_kwargs: Any,
) -> pathlib.Path:
    """Write memphys objects into a new or an existing NWB file, crash-safely.

    Parameters
    ----------
    obj : Ts, Tsd, TsdFrame, TsdTensor, TsGroup, IntervalSet, or dict of them
        The object to write, or ``{name: object}`` to write several in one file update.
        Objects of a registered face (:mod:`memphys.io.nwb.dispatch`: the recordings and
        sortings of :mod:`memphys.ephys`) go to that face's writer.
    path : str or path-like
        The NWB file. Created if it does not exist; otherwise appended to (through a copy
        swapped in when complete, so the original is never damaged).
    name : str, optional
        Name of the NWB object (required unless ``obj`` is a dict). A TsGroup written to
        ``acquisition`` as ``"units"`` becomes the file's ``/units`` table.
    location : {'acquisition', 'processing', 'scratch'}
        Where the object goes; ``'processing'`` needs ``module``.
    module : str, optional
        Name of the processing module (created when missing).
    description : str or dict, optional
        Description of the object (or ``{name: description}``).
    unit : str
        Unit of the data of time series (NWB ``TimeSeries.unit``).
    compression : {'gzip', 'lzf', None}
        HDF5 filter applied to the data of time series; ``compression_opts`` is the gzip
        level (hdmf's default 4 when None) and ``shuffle`` adds the byte-shuffle filter.
        gzip is slow (15-30 MB/s per core); ``'lzf'`` is 3-5x faster.
    overwrite : bool
        Replace an existing file instead of appending to it.
    validate : bool
        Run the NWB schema validator on the new file before it replaces ``path``.
    nwbfile_kwargs : dict, optional
        Arguments of :class:`pynwb.NWBFile` for a new file (``session_description``,
        ``identifier``, ``session_start_time``, ``subject``, ...). Defaults: a generated
        identifier, the current time, and a subject marked unknown (``subject_id='unknown'``,
        ``sex='U'``, ``age='P0D/'``) so that nwbinspector reports no CRITICAL message;
        give the real one as ``subject=pynwb.file.Subject(...)``.
    **job_kwargs
        ``chunk_size``, ``chunk_memory``, ``progress_bar``, ... for data streamed from
        lazy sources.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    memphys.errors.MemphysTypeError
        If ``obj`` is not a memphys object.
    memphys.errors.MemphysValueError
        On an unknown ``location``, a missing ``module``, or a name already used there.
    memphys.errors.FileFormatError
        If an existing ``path`` is not an NWB file, or the result does not validate.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import memphys as nap
    >>> from pynwb import NWBHDF5IO
    >>> path = os.path.join(tempfile.mkdtemp(), "out.nwb")
    >>> tsd = nap.Tsd(t=np.arange(100) / 100.0, d=np.arange(100.0))
    >>> epochs = nap.IntervalSet(start=[0, 0.5], end=[0.2, 0.9], metadata={"kind": ["a", "b"]})
    >>> _ = write_nwb({"speed": tsd, "epochs": epochs}, path)
    >>> with NWBHDF5IO(path, "r") as io:
    ...     nwb = io.read()
    ...     float(nwb.acquisition["speed"].rate), list(nwb.acquisition["epochs"]["kind"][:])
    (100.0, ['a', 'b'])
    """
    from memphys.io.nwb.dispatch import find_nwb_writer

    writer = find_nwb_writer(obj)
    if writer is not None:  # a registered face (memphys.ephys recordings and sortings)
        return writer(
            obj,
            path,
            name,
            location=location,
            module=module,
            description=description,
            unit=unit,
            compression=compression,
            compression_opts=compression_opts,
            shuffle=shuffle,
            overwrite=overwrite,
            validate=validate,
            nwbfile_kwargs=nwbfile_kwargs,
            **job_kwargs,
        )
    path = pathlib.Path(os.fspath(path))
    check_option("location", location, LOCATIONS)
    compression = _check_compression(compression)
    items = _normalize(obj, name, description)
    if location == "processing" and module is None:
        _target(None, location, module, create=False)  # raises the clear error
    stream = bool(job_kwargs.pop("stream", False))
    build = _builder(items, unit, compression, compression_opts, shuffle, stream, job_kwargs)
    return _write(
        path,
        build,
        location=location,
        module=module,
        overwrite=overwrite,
        validate=validate,
        nwbfile_kwargs=nwbfile_kwargs,
    )
