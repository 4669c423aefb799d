"""Shared helpers of the benchmark scripts (and of memory tests run in child processes).

- :class:`RssAnonSampler`: a thread sampling the anonymous resident memory (``RssAnon`` in
  ``/proc/<pid>/status``, i.e. heap and private allocations, not the page cache nor mapped
  file pages) of this process and of all its descendants, keeping the peak per process.
- :func:`median_time`: median wall time of a few runs.
- :func:`make_raw_file`: a raw int16 file of a given size filled with random-ish data
  written in chunks (not a sparse file, whose holes read as zero pages without I/O).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def rss_anon_bytes(pid: int | str = "self") -> int:
    """Current ``RssAnon`` of a process, in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Descendant pids of ``pid`` (scans /proc; no psutil needed)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        for c in parents.get(p, []):
            out.append(c)
            todo.append(c)
    return out


class RssAnonSampler:
    """Sample the peak ``RssAnon`` of this process and its descendants from a thread.

    >>> with RssAnonSampler(interval=0.01) as s:
    ...     x = np.ones(10_000_000)  # 80 MB
    >>> s.peak_self > 70e6
    True
    """

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.pid = os.getpid()
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._children_every = max(1, int(0.2 / interval))

    def _sample(self, pids: list[int]) -> None:
        for p in pids:
            v = rss_anon_bytes(p)
            if v > self.peaks.get(p, 0):
                self.peaks[p] = v

    def _run(self) -> None:
        kids: list[int] = []
        i = 0
        while not self._stop.is_set():
            if i % self._children_every == 0:
                kids = _children(self.pid)
            self._sample([self.pid, *kids])
            i += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssAnonSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._sample([self.pid])

    @property
    def peak_self(self) -> int:
        return self.peaks.get(self.pid, 0)

    @property
    def peak_children(self) -> dict[int, int]:
        return {p: v for p, v in self.peaks.items() if p != self.pid}


def evict_from_page_cache(path: str) -> None:
    """Drop ``path``'s pages from the page cache before a cold-read measurement.

    Uses ``/proc/sys/vm/drop_caches`` when writable (root), else ``posix_fadvise``
    (DONTNEED) on the file. Pages still mapped by a live memmap are not dropped by either:
    close adapters first.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
    except OSError:
        pass


def median_time(
    fn: Callable[[], Any], repeats: int = 3, setup: Callable[[], Any] | None = None
) -> tuple[float, Any]:
    """Median wall time of ``repeats`` calls of ``fn`` (``setup`` runs untimed before each)."""
    times = []
    result = None
    for _ in range(repeats):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def make_raw_file(
    path: str, nbytes: int, n_channels: int, seed: int = 0, buffer_bytes: int = 16 * 2**20
) -> tuple[int, int]:
    """Write ``nbytes`` of int16 random-ish data as ``(samples, n_channels)``; return the
    shape. Reuses one random buffer shifted by a counter, so it is fast and not sparse."""
    row = 2 * n_channels
    n = nbytes // row
    rows_per_buf = max(1, buffer_bytes // row)
    rng = np.random.default_rng(seed)
    buf = rng.integers(-2000, 2000, size=(rows_per_buf, n_channels), dtype=np.int16)
    tmp = np.empty_like(buf)
    with open(path, "wb") as fh:
        done = 0
        k = 0
        while done < n:
            m = min(rows_per_buf, n - done)
            np.add(buf[:m], np.int16(k % 7), out=tmp[:m])
            tmp[:m].tofile(fh)
            done += m
            k += 1
    return n, n_channels


class ExternalRssSampler:
    """Peak ``RssAnon`` of this process sampled by a separate *process*.

    :class:`RssAnonSampler` samples from a thread, which cannot run while the measured code
    holds the GIL (numba's ``nopython`` functions, some numpy calls): a peak allocated and
    freed inside one such call is missed. This sampler runs ``python _common.py --sample``
    as a child process that reads ``/proc/<pid>/status`` of this process (and of its other
    descendants) every ``interval`` seconds whatever this process is doing.

    >>> with ExternalRssSampler(interval=0.005) as s:
    ...     s.reset()
    ...     x = np.ones(10_000_000)  # 80 MB
    ...     peak, children = s.peak()
    >>> peak > 70e6
    True
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self._proc: Any = None

    def __enter__(self) -> ExternalRssSampler:
        import subprocess
        import sys

        self._proc = subprocess.Popen(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--sample",
                str(os.getpid()),
                str(self.interval),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._ask("ping")
        return self

    def _ask(self, cmd: str) -> str:
        self._proc.stdin.write(cmd + "\n")
        self._proc.stdin.flush()
        return str(self._proc.stdout.readline().strip())

    def reset(self) -> int:
        """Start a new peak from now; return the current ``RssAnon`` (the baseline)."""
        return int(self._ask("reset"))

    def peak(self) -> tuple[int, int]:
        """Peak ``RssAnon`` of this process since :meth:`reset`, and the sum of the peaks
        of its other descendants (worker processes) over the same period."""
        a, b = self._ask("peak").split()
        return int(a), int(b)

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
            self._proc = None


def _sample_loop(pid: int, interval: float) -> None:
    """The sampler process of :class:`ExternalRssSampler` (commands on stdin)."""
    import select
    import sys

    me = os.getpid()
    peak = rss_anon_bytes(pid)
    kid_peaks: dict[int, int] = {}
    kids: list[int] = []
    every = max(1, int(0.2 / interval))
    i = 0
    while True:
        if i % every == 0:
            kids = [k for k in _children(pid) if k != me]
        i += 1
        v = rss_anon_bytes(pid)
        if v > peak:
            peak = v
        for k in kids:
            kv = rss_anon_bytes(k)
            if kv > kid_peaks.get(k, 0):
                kid_peaks[k] = kv
        ready, _, _ = select.select([sys.stdin], [], [], interval)
        if not ready:
            continue
        line = sys.stdin.readline()
        if not line:
            return
        cmd = line.strip()
        if cmd == "reset":
            peak = rss_anon_bytes(pid)
            kid_peaks = {}
            kids = [k for k in _children(pid) if k != me]
            out = str(peak)
        elif cmd == "peak":
            v = rss_anon_bytes(pid)
            peak = max(peak, v)
            out = f"{peak} {sum(kid_peaks.values())}"
        else:
            out = "ok"
        sys.stdout.write(out + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 4 and sys.argv[1] == "--sample":
        _sample_loop(int(sys.argv[2]), float(sys.argv[3]))
