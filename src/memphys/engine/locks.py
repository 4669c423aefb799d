"""Exclusive locks on the outputs memphys writes, so that concurrent writers exclude each other.

Every writer of memphys (``.npy``, ``.npz``, raw binary, Zarr stores, NWB files, the
recording folders of :mod:`memphys.ephys`, ``out=`` paths of the engine) holds
:func:`output_lock` on its target from before it looks at the target until the new
output is in place. A second writer of the same target waits for the first to finish (up
to ``lock_timeout`` seconds, a setting of :mod:`memphys.config`), then sees what the first
one wrote: an append re-reads the file, a write without ``overwrite`` finds the target
taken. It fails with :class:`~memphys.errors.LockTimeoutError` if the wait is too long.

The lock is an OS lock (``flock``, through the ``filelock`` package) on a hidden file
beside the target, ``.<name>.lock``: the OS releases it when its holder dies, even by
SIGKILL, so a crashed writer never blocks the next one. The holder removes the lock file
before it releases the lock (a waiter that then gets the lock on the removed file sees it
is gone and takes the lock again on a new one, as ``filelock`` does), so a finished write
leaves nothing behind; a killed one leaves the empty hidden file, which no loader or
``Folder`` lists and the next writer reuses.

The lock is re-entrant in one thread (a writer that calls another writer on the same
target does not deadlock) and excludes other threads and processes.

Examples
--------
>>> import os, tempfile
>>> from memphys.engine.locks import output_lock, lock_path
>>> target = os.path.join(tempfile.mkdtemp(), "x.zarr")
>>> with output_lock(target):
...     with output_lock(target):  # re-entrant
...         os.path.basename(lock_path(target))
'.x.zarr.lock'
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from memphys.config import get_config
from memphys.errors import LockTimeoutError

__all__ = ["LOCK_SUFFIX", "lock_path", "output_lock"]

#: Suffix of the hidden lock file beside a target (``.<name>.lock``).
LOCK_SUFFIX = ".lock"


def lock_path(target: str | os.PathLike[str]) -> str:
    """The lock file of ``target``: ``.<name>.lock`` in the same folder."""
    path = os.path.abspath(os.fspath(target)).rstrip(os.sep)
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}{LOCK_SUFFIX}")


class _Depth(threading.local):
    """Per-thread nesting depth of the locks held, by lock file."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[int, os.stat_result | None]] = {}


_DEPTH = _Depth()


def _timeout(timeout: float | None) -> float:
    value = float(get_config("lock_timeout") if timeout is None else timeout)
    return -1.0 if math.isinf(value) else value


@contextlib.contextmanager
def output_lock(
    target: str | os.PathLike[str], timeout: float | None = None, what: str = "output"
) -> Iterator[None]:
    """Hold the exclusive write lock of ``target`` inside the ``with`` block.

    Parameters
    ----------
    target : str or path-like
        The file or store about to be written (it need not exist; its folder must).
    timeout : float, optional
        Seconds to wait for another writer; default the ``lock_timeout`` setting.
    what : str
        How the error names the target (``"output"``, ``"NWB file"``, ...).

    Raises
    ------
    LockTimeoutError
        If another writer holds the lock for longer than ``timeout``.
    """
    import filelock

    path = lock_path(target)
    depth, stat = _DEPTH.held.get(path, (0, None))
    if depth:  # re-entered in this thread: the lock is ours already
        _DEPTH.held[path] = (depth + 1, stat)
        try:
            yield
        finally:
            _DEPTH.held[path] = (depth, stat)
        return
    wait = _timeout(timeout)
    lock: Any = filelock.FileLock(path, is_singleton=True)
    t0 = time.monotonic()
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        waited = time.monotonic() - t0
        raise LockTimeoutError(
            f"Cannot write the {what} {os.fspath(target)!r}: another process is writing it "
            f"(it holds the lock {path!r}); waited {waited:.1f} s. Wait for it to finish, "
            "or raise the wait with memphys.set_config(lock_timeout=...)."
        ) from None
    try:
        with contextlib.suppress(OSError):
            stat = os.lstat(path)
        _DEPTH.held[path] = (1, stat)
        yield
    finally:
        _DEPTH.held.pop(path, None)
        try:
            # remove the file while we hold the lock: no one else can have replaced it
            if stat is not None and os.path.samestat(os.lstat(path), stat):
                os.unlink(path)
        except OSError:
            pass
        finally:
            lock.release()
