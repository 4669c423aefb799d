"""Global settings: time units, memory budget, progress bars, warnings.

Settings are read and changed through public functions (or the pynapple-compatible
:data:`nap_config` object). They live in one :class:`Config` instance, not in loose
module globals, so tests and workers can snapshot and restore them.

Examples
--------
>>> import memphys
>>> memphys.get_config("memory_budget")
268435456
>>> with memphys.config_context(memory_budget="64M"):
...     memphys.get_config("memory_budget")
67108864
>>> memphys.get_config("memory_budget")
268435456
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from memphys._validation import check_option, value_error
from memphys.errors import BackendError, MemphysValueError

__all__ = [
    "Config",
    "get_config",
    "set_config",
    "reset_config",
    "config_context",
    "parse_memory",
    "nap_config",
    "TIME_UNITS",
]

TIME_UNITS = ("s", "ms", "us")

_MEMORY_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kKmMgGtT]?)(i?[bB])?\s*$")
_MEMORY_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_memory(value: int | float | str, name: str = "memory") -> int:
    """Parse a memory size such as ``"256M"``, ``"1.5G"``, ``"100MB"`` or a byte count.

    Suffixes are binary (``"1M"`` is 1,048,576 bytes), as SpikeInterface reads them.

    Examples
    --------
    >>> parse_memory("256M")
    268435456
    >>> parse_memory(1000)
    1000
    >>> parse_memory("lots")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `memory`: expected a size such ...
    """
    expected = "a size such as 1000, '100M' or '1.5G'"
    if isinstance(value, bool):
        raise value_error(name, expected, value)
    if isinstance(value, int | float):
        if value <= 0 or value != value:
            raise value_error(name, expected, value)
        return int(value)
    if isinstance(value, str):
        m = _MEMORY_RE.match(value)
        if m is None:
            raise value_error(name, expected, value)
        n = float(m.group(1)) * _MEMORY_FACTORS[m.group(2).lower()]
        if n <= 0:
            raise value_error(name, expected, value)
        return int(n)
    raise value_error(name, expected, value)


@dataclasses.dataclass
class Config:
    """All global settings of memphys.

    Attributes
    ----------
    time_units : str
        Default unit of times given by users (``"s"``, ``"ms"`` or ``"us"``).
    memory_budget : int
        Bytes one operation may use for its working buffers (default 256 MiB). Chunk sizes
        are derived from it; results larger than it must go to ``out=``.
    progress_bar : bool or None
        ``True`` always shows progress bars, ``False`` never, ``None`` shows them for runs
        expected to take more than a couple of seconds.
    suppress_conversion_warnings : bool
        Silence pynapple's warning when a non-numpy array is converted to numpy.
    suppress_time_index_sorting_warnings : bool
        Silence the warning issued when interval bounds are sorted.
    regular_tolerance : float
        Relative tolerance on the sampling period below which explicit timestamps are
        stored as a regular ``(start, rate, n)`` index.
    lock_timeout : float
        Seconds a writer waits for another process writing the same output (file, store,
        NWB file) before it fails with :class:`~memphys.errors.LockTimeoutError` (default
        600; ``0`` fails at once, ``inf`` waits as long as it takes).
    """

    time_units: str = "s"
    memory_budget: int = 256 * 1024**2
    progress_bar: bool | None = None
    suppress_conversion_warnings: bool = False
    suppress_time_index_sorting_warnings: bool = False
    regular_tolerance: float = 1e-6
    lock_timeout: float = 600.0

    def validate(self, name: str, value: Any) -> Any:
        """Return ``value`` checked and normalised for setting ``name``."""
        if name == "time_units":
            return check_option("time_units", value, TIME_UNITS)
        if name == "memory_budget":
            return parse_memory(value, "memory_budget")
        if name == "progress_bar":
            if value is not None and not isinstance(value, bool):
                raise value_error("progress_bar", "True, False or None", value)
            return value
        if name in ("suppress_conversion_warnings", "suppress_time_index_sorting_warnings"):
            if not isinstance(value, bool):
                # pynapple's wording, which scripts and its tests match on
                raise MemphysValueError(
                    f"Invalid value for `{name}`: {name} must be a boolean value (True or "
                    f"False), but got {value!r}."
                )
            return value
        if name == "regular_tolerance":
            v = float(value)
            if not (0 <= v < 1):
                raise value_error(name, "a number in [0, 1)", value)
            return v
        if name == "lock_timeout":
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise value_error(name, "a number of seconds >= 0 (inf to wait forever)", value)
            return float(value)
        fields = ", ".join(f.name for f in dataclasses.fields(self))
        raise MemphysValueError(f"Unknown setting {name!r}: allowed settings are {fields}.")


_CONFIG = Config()


def get_config(name: str | None = None) -> Any:
    """Return one setting, or a dict of all of them when ``name`` is None."""
    if name is None:
        return dataclasses.asdict(_CONFIG)
    if not hasattr(_CONFIG, name):
        _CONFIG.validate(name, None)
    return getattr(_CONFIG, name)


def set_config(**settings: Any) -> None:
    """Change one or several settings, e.g. ``set_config(memory_budget="1G")``."""
    checked = {k: _CONFIG.validate(k, v) for k, v in settings.items()}
    for k, v in checked.items():
        setattr(_CONFIG, k, v)


def reset_config() -> None:
    """Restore every setting to its default."""
    defaults = Config()
    for f in dataclasses.fields(defaults):
        setattr(_CONFIG, f.name, getattr(defaults, f.name))


@contextlib.contextmanager
def config_context(**settings: Any) -> Iterator[None]:
    """Change settings inside a ``with`` block only."""
    before = dataclasses.asdict(_CONFIG)
    set_config(**settings)
    try:
        yield
    finally:
        for k, v in before.items():
            setattr(_CONFIG, k, v)


class _NapConfig:
    """pynapple's ``nap_config`` object, backed by :func:`get_config`/:func:`set_config`."""

    @property
    def backend(self) -> str:
        """memphys has one backend (numpy + the chunked engine); reported as ``"numba"``."""
        return "numba"

    @backend.setter
    def backend(self, value: str) -> None:
        self.set_backend(value)

    def set_backend(self, backend: str) -> None:
        """Accept pynapple's backend names; memphys has only its own."""
        if backend not in ("numba", "jax"):
            raise BackendError(
                "Invalid value for `backend`: Options for backend are 'jax' or 'numba', "
                f"but got {backend!r}."
            )

    @property
    def time_index_precision(self) -> int:
        """Decimals kept when explicit timestamps are rounded (as pynapple: 9)."""
        return 9

    @property
    def suppress_conversion_warnings(self) -> bool:
        return bool(get_config("suppress_conversion_warnings"))

    @suppress_conversion_warnings.setter
    def suppress_conversion_warnings(self, value: bool) -> None:
        set_config(suppress_conversion_warnings=value)

    @property
    def suppress_time_index_sorting_warnings(self) -> bool:
        return bool(get_config("suppress_time_index_sorting_warnings"))

    @suppress_time_index_sorting_warnings.setter
    def suppress_time_index_sorting_warnings(self, value: bool) -> None:
        set_config(suppress_time_index_sorting_warnings=value)

    def restore_defaults(self) -> None:
        """Restore every setting to its default."""
        reset_config()


nap_config = _NapConfig()
