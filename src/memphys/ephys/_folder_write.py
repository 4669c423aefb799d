"""Crash-safe folder writes: build the folder under a temporary name, rename it when done.

A reader never sees a half-written sorting or snippets folder: until :func:`atomic_folder`
completes, the data lives in ``.<name>.partial-<pid>`` next to the target (removed if the
write fails); an existing target is replaced only with ``overwrite=True``, and only once
the new folder is complete.

Examples
--------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> with atomic_folder(target) as tmp:
...     _ = (tmp / "a.txt").write_text("x")
>>> sorted(p.name for p in target.iterdir())
['a.txt']
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from memphys.errors import ExtractorValueError

__all__ = ["atomic_folder", "check_can_write"]


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
    target = check_can_write(folder, overwrite).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
