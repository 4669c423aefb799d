"""Crash-safe folder writes: build the folder under a temporary name, rename it when done.

A reader never sees a half-written sorting or snippets folder: until :func:`atomic_folder`
completes, the data lives in ``.<name>.partial-<pid>`` next to the target (removed if the
write fails). The whole write holds the target's lock (:mod:`memphys.engine.locks`), so
concurrent writers take turns; an existing target is replaced only with ``overwrite=True``,
only if memphys or SpikeInterface wrote it (:func:`memphys.engine.targets.check_replaceable`),
and only once the new folder is complete and has its completeness record
(:mod:`memphys.engine.records`, checked by :func:`check_folder` when it is opened).

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> with atomic_folder(target) as tmp:
...     _ = (tmp / "a.txt").write_text("x")
>>> sorted(p.name for p in target.iterdir())
['a.txt', 'memphys_record.json']
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from memphys.engine.locks import output_lock
from memphys.engine.records import RECORD_NAME, verify_record, write_record
from memphys.engine.targets import check_replaceable, is_spikeinterface_folder, replace_path
from memphys.errors import ExtractorValueError

__all__ = ["atomic_folder", "check_can_write", "check_folder"]


def check_can_write(folder: str | Path, overwrite: bool) -> Path:
    """``folder`` as a Path; an error if it exists and ``overwrite`` is False."""
    path = Path(folder)
    if path.exists() and not overwrite:
        raise ExtractorValueError(
            f"Invalid value for `folder`: {str(path)!r} already exists. Pass overwrite=True to "
            "replace it, or choose another folder."
        )
    return path


@contextlib.contextmanager
def atomic_folder(folder: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``folder`` when the block completes."""
    target = Path(folder).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(target, what="folder"):
        check_can_write(target, overwrite)
        check_replaceable(target, "folder", spikeinterface=True)
        tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        try:
            yield tmp
            write_record(tmp, files=True)
            replace_path(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def check_folder(folder: str | Path, what: str) -> None:
    """Check a folder against its completeness record when it is opened (a warning when it
    has none: written by SpikeInterface or an older memphys). A folder inside a recorded
    one (the sorting of an analyzer folder) is covered by that record."""
    path = Path(folder)
    parent = path.absolute().parent
    if (
        (parent / RECORD_NAME).is_file()
        or is_spikeinterface_folder(parent)  # an analyzer's sorting: the analyzer warns
        or path.name.startswith(".")
        or parent.name.startswith(".")  # being written
    ):
        return
    verify_record(path, what=what)
