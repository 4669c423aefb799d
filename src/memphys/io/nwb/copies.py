"""Scratch data and processed copies of NWB files, crash-safely (with pynwb).

- :func:`add_scratch` / :func:`get_scratch`: put an object (or a plain array or
  DataFrame) in a file's scratch space, and read it back as a memphys object.
- :func:`make_processed_copy`: a new, small NWB file holding a processing module with
  processed objects and external links to the raw file's acquisition data (and to its
  processing modules and scratch objects, so that a copy of a copy stays small).

The writes follow :mod:`memphys.io.nwb.write`: a hidden temporary file, validated, then
renamed over the target under the file's write lock.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.io.nwb import write_nwb, add_scratch, get_scratch
>>> path = os.path.join(tempfile.mkdtemp(), "session.nwb")
>>> _ = write_nwb(nap.Tsd(t=np.arange(10) / 10, d=np.zeros(10)), path, "x")
>>> _ = add_scratch(path, "spikes", nap.Ts(t=[0.1, 0.2]), notes="a test")
>>> get_scratch(path, "spikes").t
array([0.1, 0.2])
"""

from __future__ import annotations

import os
import pathlib
import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np

from memphys._validation import check_option, describe
from memphys.errors import MemphysFileNotFoundError, MemphysTypeError, MemphysValueError
from memphys.io.nwb._convert import from_nwb_container
from memphys.io.nwb.write import (
    _add_all,
    _atomic,
    _builder,
    _check_compression,
    _locked,
    _new_nwbfile,
    _normalize,
    _open_error,
    _partial_io,
    _validate_file,
    _write,
    write_nwb,
)

__all__ = ["add_scratch", "get_scratch", "make_processed_copy"]


def add_scratch(
    path: str | os.PathLike[str],
    name: str,
    obj: Any,
    notes: str = "",
    *,
    validate: bool = True,
    **kwargs: Any,
) -> pathlib.Path:
    """Put an object in the scratch space of an NWB file (created if missing).

    Scratch is NWB's place for intermediate results not meant for sharing. ``obj`` can be
    any memphys object (written as by :func:`write_nwb`), a numpy array (``ScratchData``)
    or a pandas DataFrame (``DynamicTable``).

    Parameters
    ----------
    path : str or path-like
        The NWB file.
    name : str
        Name in scratch (must be free).
    obj : memphys object, numpy.ndarray or pandas.DataFrame
        What to store.
    notes : str
        Description stored with it.
    validate : bool
        Validate before the file is replaced.
    **kwargs
        Other :func:`write_nwb` arguments (compression, unit, job kwargs). A plain array
        takes ``compression`` (``'gzip'``, ``'lzf'``; default None: uncompressed),
        ``compression_opts`` and ``shuffle``; a DataFrame none of them. Complex values
        are refused (NWB has no complex type).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "s.nwb")
    >>> _ = add_scratch(path, "weights", np.arange(3.0), notes="decoder weights")
    >>> get_scratch(path, "weights")
    array([0., 1., 2.])
    """
    import pandas as pd

    if isinstance(obj, np.ndarray | pd.DataFrame):
        return _add_plain_scratch(
            pathlib.Path(os.fspath(path)), name, obj, notes, validate, **kwargs
        )
    return write_nwb(
        obj,
        path,
        name,
        location="scratch",
        description=notes or None,
        validate=validate,
        **kwargs,
    )


def _add_plain_scratch(
    path: pathlib.Path,
    name: str,
    obj: Any,
    notes: str,
    validate: bool,
    compression: Any = None,
    compression_opts: Any = None,
    shuffle: bool = False,
    **kwargs: Any,
) -> pathlib.Path:
    import pandas as pd
    from hdmf.common import DynamicTable
    from pynwb.core import ScratchData

    from memphys.io.nwb._convert import check_storable

    if not isinstance(name, str) or not name or "/" in name:
        raise MemphysValueError(
            f"Invalid value for `name`: expected a non-empty string without '/', but got "
            f"{describe(name)}."
        )
    if kwargs:
        raise MemphysTypeError(
            f"Invalid arguments for `add_scratch` with a plain {type(obj).__name__}: "
            f"{', '.join(sorted(kwargs))} apply to memphys objects only (a plain array takes "
            "`compression`, `compression_opts` and `shuffle`)."
        )
    compression = _check_compression(compression)
    if isinstance(obj, pd.DataFrame):
        if compression is not None or compression_opts is not None or shuffle:
            raise MemphysValueError(
                "Invalid value for `compression`: a DataFrame is stored as an NWB table, "
                "whose columns memphys writes uncompressed; pass compression=None, or store "
                "a numpy array."
            )
        for col in obj.columns:
            check_storable(obj[col].dtype, f"scratch table {name!r} (column {col!r})")
    else:
        check_storable(obj.dtype, f"scratch array {name!r}")
    desc = notes or "scratch data written by memphys"

    def build() -> list[tuple[str, list[Any]]]:
        if isinstance(obj, pd.DataFrame):
            return [
                (name, [DynamicTable.from_dataframe(df=obj, name=name, table_description=desc)])
            ]
        data: Any = obj
        if compression is not None or shuffle:
            from hdmf.backends.hdf5.h5_utils import H5DataIO

            data = H5DataIO(
                np.ascontiguousarray(obj),
                compression=compression,
                compression_opts=compression_opts,
                shuffle=shuffle,
            )
        return [(name, [ScratchData(name=name, data=data, description=desc)])]

    return _write(
        path,
        build,
        location="scratch",
        module=None,
        overwrite=False,
        validate=validate,
        nwbfile_kwargs=None,
    )


def get_scratch(path: str | os.PathLike[str], name: str) -> Any:
    """Read an object from the scratch space of an NWB file.

    Objects written from memphys come back as memphys objects (time series data stay on
    disk, read lazily through an HDF5 adapter); ``ScratchData`` as a numpy array; other
    tables as a pandas DataFrame.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import memphys as nap
    >>> path = os.path.join(tempfile.mkdtemp(), "s.nwb")
    >>> _ = add_scratch(path, "x", nap.Tsd(t=np.arange(3.0), d=np.ones(3)), notes="ones")
    >>> get_scratch(path, "x").values[:]
    array([1., 1., 1.])
    """
    from pynwb import NWBHDF5IO

    p = pathlib.Path(os.fspath(path))
    if not p.exists():
        raise MemphysFileNotFoundError(f"Invalid value for `path`: {str(p)!r} does not exist.")
    try:
        io = NWBHDF5IO(str(p), "r")
        nwb = io.read()
    except Exception as exc:
        raise _open_error(p, exc) from exc
    try:
        scratch = nwb.scratch
        if name not in scratch:
            linked = _scratch_links(p).get(name)
            if linked is not None:  # an external link (pynwb does not read those in scratch)
                return get_scratch(linked[0], linked[1].rsplit("/", 1)[-1])
            raise MemphysValueError(
                f"Invalid value for `name`: {str(p)!r} has no scratch object named {name!r}; "
                f"it has {sorted(set(scratch) | set(_scratch_links(p)))}."
            )
        return from_nwb_container(scratch[name], scratch, str(p))
    finally:
        io.close()


def _copy_subject(subject: Any) -> Any:
    from hdmf.utils import get_docval
    from pynwb.file import Subject

    if subject is None:
        return None
    kw = {}
    for arg in get_docval(Subject.__init__):
        value = getattr(subject, arg["name"], None)
        if value is not None:
            kw[arg["name"]] = value
    return Subject(**kw)


def _link_processing_and_scratch(src: Any, nwb: Any, module: str | None) -> None:
    """Link the source file's processing modules and scratch objects into ``nwb``.

    A whole module is one external link; the module that receives new objects (named
    ``module``) is recreated in ``nwb`` with a link to each of the source's objects.
    """
    for name, mod in src.processing.items():
        if name != module:
            nwb.add_processing_module(mod)  # its parent is the source: an external link
            continue
        new = nwb.create_processing_module(name=name, description=mod.description)
        for obj in mod.data_interfaces.values():
            new.add(obj)
    for obj in src.scratch.values():
        nwb.add_scratch(obj)


def _scratch_links(src_path: pathlib.Path) -> dict[str, tuple[str, str]]:
    """The scratch entries of ``src_path`` that are external links: ``{name: (absolute
    target file, target path)}``. pynwb reads a file's scratch groups and datasets but not
    its links, so a copy of a copy re-creates these with h5py (:func:`_relink_scratch`)."""
    import h5py

    out: dict[str, tuple[str, str]] = {}
    with h5py.File(src_path, "r") as f:
        scratch = f.get("scratch")
        if scratch is None:
            return out
        for name in scratch:
            link = scratch.get(name, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                target = (src_path.parent / link.filename).resolve()
                out[name] = (str(target), link.path)
    return out


def _relink_scratch(tmp: pathlib.Path, out: pathlib.Path, links: Mapping[str, Any]) -> None:
    """Add to ``tmp`` (renamed to ``out`` later) the external scratch links it lacks, each
    pointing to its final target relative to ``out``'s folder."""
    import h5py

    with h5py.File(tmp, "a") as f:
        scratch = f.require_group("scratch")
        for name, (target, obj_path) in links.items():
            if name not in scratch:
                rel = os.path.relpath(target, out.resolve().parent)
                scratch[name] = h5py.ExternalLink(rel, obj_path)


def make_processed_copy(
    raw_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    processed: Mapping[str, Any],
    *,
    module: str = "ecephys",
    module_description: str | None = None,
    description: str | Mapping[str, str] | None = None,
    link_raw: bool = True,
    location: str = "processing",
    unit: str = "a.u.",
    compression: str | None = "gzip",
    compression_opts: Any = None,
    shuffle: bool = False,
    overwrite: bool = False,
    validate: bool = True,
    **job_kwargs: Any,
) -> pathlib.Path:
    """Write a new NWB file with processed objects and external links to the raw data.

    The new file has the raw file's session metadata and subject, a processing module
    ``module`` holding ``processed``, and (with ``link_raw``) every acquisition object of
    the raw file as an HDF5 external link to it: the copy stays small and reading its
    acquisition reads the raw file. Links are stored relative to the copy's folder, so
    move or share the two files together.

    Parameters
    ----------
    raw_path : str or path-like
        The raw NWB file (opened read-only, never modified).
    out_path : str or path-like
        The new file (written to a temporary name and renamed when complete).
    processed : dict of {str: memphys object}
        The objects to put in the processing module.
    module : str
        Name of the processing module.
    module_description : str, optional
        Its description.
    description : str or dict, optional
        Description of the processed objects.
    link_raw : bool
        Link the raw file's objects into the copy: its acquisition objects, its processing
        modules (a module named ``module`` is recreated with links to each of its objects,
        beside the new ones) and its scratch objects, so that a copy of a copy links every
        earlier object, never copies it.
    location : {'processing', 'scratch'}
        Where ``processed`` goes: the processing module ``module``, or scratch.
    unit, compression, compression_opts, shuffle, validate, **job_kwargs
        As in :func:`write_nwb`.
    overwrite : bool
        Replace ``out_path`` if it exists.

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import memphys as nap
    >>> from pynwb import NWBHDF5IO
    >>> folder = tempfile.mkdtemp()
    >>> raw = nap.TsdFrame(t=np.arange(5000) / 1250, d=np.ones((5000, 4), dtype="int16"))
    >>> _ = write_nwb(raw, os.path.join(folder, "raw.nwb"), "raw")
    >>> low = nap.Tsd(t=np.arange(100) / 25, d=np.zeros(100))
    >>> out = make_processed_copy(os.path.join(folder, "raw.nwb"),
    ...                           os.path.join(folder, "proc.nwb"), {"low": low})
    >>> with NWBHDF5IO(out, "r") as io:
    ...     nwb = io.read()
    ...     nwb.acquisition["raw"].data.shape, float(nwb.processing["ecephys"]["low"].rate)
    ((5000, 4), 25.0)
    """
    raw = pathlib.Path(os.fspath(raw_path))
    out = pathlib.Path(os.fspath(out_path))
    if not raw.exists():
        raise MemphysFileNotFoundError(
            f"Invalid value for `raw_path`: {str(raw)!r} does not exist."
        )
    if not isinstance(processed, Mapping):
        raise MemphysTypeError(
            f"Invalid type for `processed`: expected a dict of {{name: memphys object}}, but "
            f"got {describe(processed)}."
        )
    if out.exists() and (out.resolve() == raw.resolve() or not overwrite):
        raise MemphysValueError(
            f"Invalid value for `out_path`: {str(out)!r} exists"
            + (
                " and is the raw file."
                if out.resolve() == raw.resolve()
                else "; pass overwrite=True to replace it."
            )
        )
    if not out.parent.is_dir():
        raise MemphysFileNotFoundError(
            f"Invalid value for `out_path`: the folder {str(out.parent)!r} does not exist."
        )
    compression = _check_compression(compression)
    check_option("location", location, ("processing", "scratch"))
    items = _normalize(dict(processed), None, description)
    stream = bool(job_kwargs.pop("stream", False))
    build = _builder(items, unit, compression, compression_opts, shuffle, stream, job_kwargs)
    with _locked(out):
        if out.exists() and not overwrite:  # written meanwhile by another process
            raise MemphysValueError(
                f"Invalid value for `out_path`: {str(out)!r} exists; pass overwrite=True to "
                "replace it."
            )
        from memphys.engine.targets import check_replaceable

        check_replaceable(out, "nwb")
        _processed_copy(raw, out, build(), location, module, module_description, link_raw, validate)
    return out


def _processed_copy(
    raw: pathlib.Path,
    out: pathlib.Path,
    built: list[tuple[str, list[Any]]],
    location: str,
    module: str,
    module_description: str | None,
    link_raw: bool,
    validate: bool,
) -> None:
    from pynwb import NWBHDF5IO, NWBFile, get_manager

    manager = get_manager()
    try:
        rio = NWBHDF5IO(str(raw), "r", manager=manager)
        src = rio.read()
    except Exception as exc:
        raise _open_error(raw, exc) from exc
    try:
        kw: dict[str, Any] = {
            "session_description": src.session_description,
            "identifier": str(uuid.uuid4()),
            "session_start_time": src.session_start_time,
        }
        for field in (
            "experimenter",
            "experiment_description",
            "session_id",
            "lab",
            "institution",
            "keywords",
            "timestamps_reference_time",
        ):
            value = getattr(src, field, None)
            if value is not None:
                kw[field] = list(value) if field in ("experimenter", "keywords") else value
        kw["subject"] = _copy_subject(src.subject)
        nwb = _new_nwbfile(kw) if kw["subject"] is None else NWBFile(**kw)
        if link_raw:
            for obj in src.acquisition.values():
                nwb.add_acquisition(obj)  # already has a parent: written as an external link
            _link_processing_and_scratch(src, nwb, module if location == "processing" else None)
        if location == "processing" and module not in nwb.processing:
            nwb.create_processing_module(
                name=module,
                description=module_description or f"processed data written by memphys ({module})",
            )
        _add_all(nwb, built, location, module, out)
        hidden = _scratch_links(raw) if link_raw else {}
        with _atomic(out) as tmp:
            with _partial_io(tmp, "w", manager=manager) as io:
                io.write(nwb, link_data=True)
            if hidden:
                _relink_scratch(tmp, out, hidden)
            if validate:
                _validate_file(tmp, out)
    finally:
        rio.close()
