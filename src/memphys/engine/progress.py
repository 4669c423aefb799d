"""Progress reporting of a chunked run: a tqdm bar (blocks done, MB/s) and logging.

``progress_bar=True`` shows the bar at once, ``False`` never, and ``None`` (the default)
shows it only once the run has lasted :data:`AUTO_DELAY` seconds, so short runs stay
silent. tqdm writes to stderr; everything else goes through :mod:`logging`
(logger ``"memphys.engine"``), never ``print``.

Examples
--------
>>> from memphys.engine.progress import Progress
>>> with Progress(total=3, enabled=False) as p:
...     for _ in range(3):
...         p.update(nbytes=1_000_000)
>>> p.done, p.nbytes
(3, 3000000)
"""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Any

from memphys.config import get_config

__all__ = ["Progress", "AUTO_DELAY"]

logger = logging.getLogger("memphys.engine")

#: With ``progress_bar=None``, runs shorter than this (seconds) show no bar.
AUTO_DELAY = 2.0

_POSTFIX_INTERVAL = 0.5


class Progress:
    """Counts blocks and bytes of one run and drives an optional tqdm bar.

    Parameters
    ----------
    total : int
        Number of blocks of the run.
    enabled : bool or None
        ``True``/``False`` force the bar on/off; ``None`` follows the global
        ``progress_bar`` setting, whose ``None`` means "after :data:`AUTO_DELAY` seconds".
    desc : str
        Label of the bar.
    """

    def __init__(self, total: int, enabled: bool | None = None, desc: str = "memphys") -> None:
        self.total = int(total)
        self.desc = desc
        if enabled is None:
            enabled = get_config("progress_bar")
        self.enabled = enabled
        self.done = 0
        self.nbytes = 0
        self._bar: Any = None
        self._t0 = time.perf_counter()
        self._last_postfix = self._t0

    def __enter__(self) -> Progress:
        self._t0 = time.perf_counter()
        self._last_postfix = self._t0
        if self.enabled is not False and self.total > 0:
            from tqdm.auto import tqdm  # lazy: tqdm is not imported with memphys.engine

            self._bar = tqdm(
                total=self.total,
                desc=self.desc,
                unit="block",
                delay=0.0 if self.enabled else AUTO_DELAY,
                leave=bool(self.enabled),
                dynamic_ncols=True,
            )
        return self

    def update(self, n: int = 1, nbytes: int = 0) -> None:
        """Record ``n`` more blocks done that read ``nbytes`` bytes."""
        self.done += n
        self.nbytes += int(nbytes)
        if self._bar is None:
            return
        now = time.perf_counter()
        if now - self._last_postfix >= _POSTFIX_INTERVAL or self.done >= self.total:
            self._last_postfix = now
            self._bar.set_postfix_str(f"{self.rate_mb_s:.0f} MB/s", refresh=False)
        self._bar.update(n)

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self._t0

    @property
    def rate_mb_s(self) -> float:
        """Input throughput so far, in MB/s (1 MB = 10**6 bytes)."""
        dt = self.elapsed
        return self.nbytes / dt / 1e6 if dt > 0 else 0.0

    def close(self) -> None:
        """Close the bar (if any) and log a summary."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        logger.debug(
            "%s: %d/%d blocks, %.1f MB in %.3f s (%.0f MB/s)",
            self.desc,
            self.done,
            self.total,
            self.nbytes / 1e6,
            self.elapsed,
            self.rate_mb_s,
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
