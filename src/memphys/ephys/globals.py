"""Global settings of the SpikeInterface face: job kwargs, temporary and dataset folders.

The job kwargs here are SpikeInterface's (defaults ``n_jobs=1, chunk_duration="1s",
progress_bar=True, pool_engine="process", mp_context=None, max_threads_per_worker=1``),
kept as the user spelled them (``"500M"`` stays ``"500M"``) and validated by
:mod:`memphys.engine` when set. They are the defaults of every :mod:`memphys.ephys`
function; the time-series face keeps its own (:func:`memphys.engine.set_global_job_kwargs`),
whose ``dask_client`` the SpikeInterface face also uses when set there.

Every setting lives in one holder object (no loose module globals).

Examples
--------
>>> from memphys.ephys import set_global_job_kwargs, get_global_job_kwargs
>>> from memphys.ephys import reset_global_job_kwargs
>>> set_global_job_kwargs(n_jobs=16, chunk_duration="5s", progress_bar=False)
>>> {k: get_global_job_kwargs()[k] for k in ("n_jobs", "chunk_duration", "progress_bar")}
{'n_jobs': 16, 'chunk_duration': '5s', 'progress_bar': False}
>>> reset_global_job_kwargs()
"""

from __future__ import annotations

import os
import tempfile
from copy import deepcopy
from pathlib import Path
from typing import Any

from memphys.errors import ExtractorValueError

__all__ = [
    "JOB_KEYS",
    "CHUNK_KEYS",
    "DEFAULT_JOB_KWARGS",
    "get_global_job_kwargs",
    "set_global_job_kwargs",
    "reset_global_job_kwargs",
    "is_set_global_job_kwargs_set",
    "get_global_tmp_folder",
    "set_global_tmp_folder",
    "is_set_global_tmp_folder",
    "reset_global_tmp_folder",
    "get_global_dataset_folder",
    "set_global_dataset_folder",
    "is_set_global_dataset_folder",
]

#: SpikeInterface's job kwargs, plus memphys's ``dask_client``.
JOB_KEYS = (
    "pool_engine",
    "n_jobs",
    "total_memory",
    "chunk_size",
    "chunk_memory",
    "chunk_duration",
    "progress_bar",
    "mp_context",
    "max_threads_per_worker",
    "dask_client",
)

#: The mutually exclusive block-size settings.
CHUNK_KEYS = ("total_memory", "chunk_size", "chunk_memory", "chunk_duration")

#: SpikeInterface's default job kwargs.
DEFAULT_JOB_KWARGS: dict[str, Any] = dict(
    pool_engine="process",
    n_jobs=1,
    chunk_duration="1s",
    progress_bar=True,
    mp_context=None,
    max_threads_per_worker=1,
)


class _Settings:
    """The one holder of the SpikeInterface face's global settings."""

    def __init__(self) -> None:
        self.job_kwargs: dict[str, Any] = dict(DEFAULT_JOB_KWARGS)
        self.job_kwargs_set = False
        self.tmp_base = Path(tempfile.gettempdir()) / "spikeinterface_cache"
        self.tmp_folder: Path | None = None
        self.tmp_folder_set = False
        self.dataset_folder: Path | None = None
        self.dataset_folder_set = False


_SETTINGS = _Settings()


def check_job_keys(job_kwargs: dict[str, Any]) -> None:
    """Raise a clear error (also an AssertionError, as in SpikeInterface) on unknown keys."""
    for k in job_kwargs:
        if k not in JOB_KEYS:
            raise ExtractorValueError(
                f"{k} is not a valid job keyword argument. Available keyword arguments are: "
                f"{list(JOB_KEYS)}."
            )


def get_global_job_kwargs() -> dict[str, Any]:
    """The global job kwargs of the SpikeInterface face (a copy)."""
    return deepcopy(_SETTINGS.job_kwargs)


def set_global_job_kwargs(**job_kwargs: Any) -> None:
    """Set global job kwargs (validated; a new chunk setting replaces the previous one).

    Raises
    ------
    memphys.errors.ExtractorValueError
        On an unknown key, or a value the engine refuses (``n_jobs=0``, ``chunk_duration=
        "1h"``, ...).
    """
    from memphys.ephys.job_tools import merge_job_kwargs

    check_job_keys(job_kwargs)
    merged = dict(_SETTINGS.job_kwargs)
    if any(job_kwargs.get(k) is not None for k in CHUNK_KEYS):
        for k in CHUNK_KEYS:
            merged.pop(k, None)
    merged.update(job_kwargs)
    merge_job_kwargs({}, merged)  # validates every value
    _SETTINGS.job_kwargs = merged
    _SETTINGS.job_kwargs_set = True


def reset_global_job_kwargs() -> None:
    """Restore SpikeInterface's default job kwargs."""
    _SETTINGS.job_kwargs = dict(DEFAULT_JOB_KWARGS)
    _SETTINGS.job_kwargs_set = False


def is_set_global_job_kwargs_set() -> bool:
    """True once :func:`set_global_job_kwargs` was called."""
    return _SETTINGS.job_kwargs_set


def get_global_tmp_folder() -> Path:
    """The folder where ``save()`` without ``folder`` writes (created on first use)."""
    s = _SETTINGS
    if s.tmp_folder is None or (not s.tmp_folder_set and not s.tmp_folder.exists()):
        s.tmp_base.mkdir(parents=True, exist_ok=True)
        s.tmp_folder = Path(tempfile.mkdtemp(dir=s.tmp_base))
    s.tmp_folder.mkdir(parents=True, exist_ok=True)
    return s.tmp_folder


def set_global_tmp_folder(folder: str | Path) -> None:
    """Set the folder used by ``save()`` without ``folder``."""
    _SETTINGS.tmp_folder = Path(folder)
    _SETTINGS.tmp_folder_set = True


def is_set_global_tmp_folder() -> bool:
    """True once :func:`set_global_tmp_folder` was called."""
    return _SETTINGS.tmp_folder_set


def reset_global_tmp_folder() -> None:
    """Use a new temporary folder from now on."""
    _SETTINGS.tmp_folder = None
    _SETTINGS.tmp_folder_set = False


def get_global_dataset_folder() -> Path:
    """Where datasets are cached (``$SPIKEINTERFACE_DATASET_FOLDER`` or
    ``~/spikeinterface_datasets``)."""
    s = _SETTINGS
    if not s.dataset_folder_set or s.dataset_folder is None:
        default = Path.home() / "spikeinterface_datasets"
        s.dataset_folder = Path(os.environ.get("SPIKEINTERFACE_DATASET_FOLDER", default))
    s.dataset_folder.mkdir(parents=True, exist_ok=True)
    return s.dataset_folder


def set_global_dataset_folder(folder: str | Path) -> None:
    """Set the dataset folder."""
    _SETTINGS.dataset_folder = Path(folder)
    _SETTINGS.dataset_folder_set = True


def is_set_global_dataset_folder() -> bool:
    """True once :func:`set_global_dataset_folder` was called."""
    return _SETTINGS.dataset_folder_set
