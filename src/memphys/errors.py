"""The memphys exception and warning hierarchies.

Every error memphys raises on bad input is a :class:`MemphysError`. Each class also
subclasses the matching builtin, so ``except ValueError`` clauses written for
pynapple or numpy keep working.

Every warning memphys issues is a :class:`MemphysWarning`, and also the builtin category
pynapple or SpikeInterface issue in the same place (``UserWarning`` for most,
``FutureWarning`` / ``DeprecationWarning`` for deprecations), so
``pytest.warns(UserWarning)`` and ``warnings.filterwarnings("ignore", category=UserWarning)``
written for them keep working, and ``warnings.simplefilter("error", MemphysWarning)`` turns
memphys's own warnings (and only them) into errors (the test suite does).

Examples
--------
>>> from memphys.errors import TimeIndexError, MemphysError
>>> issubclass(TimeIndexError, ValueError) and issubclass(TimeIndexError, MemphysError)
True
>>> from memphys.errors import IntervalSetWarning, MemphysWarning
>>> issubclass(IntervalSetWarning, UserWarning) and issubclass(IntervalSetWarning, MemphysWarning)
True
"""

from __future__ import annotations

__all__ = [
    "MemphysError",
    "MemphysValueError",
    "MemphysTypeError",
    "MemphysFileNotFoundError",
    "MemphysMemoryError",
    "TimeIndexError",
    "IntervalError",
    "ShapeMismatchError",
    "FileFormatError",
    "ChunkError",
    "SourceError",
    "MemoryBudgetError",
    "IncompleteWriteError",
    "MemphysRuntimeError",
    "MemphysKeyError",
    "MemphysOSError",
    "ExtractorValueError",
    "MemphysFileExistsError",
    "CorruptStoreError",
    "OverwriteRefusedError",
    "LockTimeoutError",
    "CompletenessWarning",
    "ChunkSizeWarning",
    "LengthMismatchError",
    "ArgumentTypeError",
    "DataShapeError",
    "ElementTypeError",
    "NaNInputError",
    "BackendError",
    "StreamNotFoundError",
    "ProbeMismatchError",
    # warnings
    "MemphysWarning",
    "MemphysUserWarning",
    "MemphysRuntimeWarning",
    "MemphysFutureWarning",
    "MemphysDeprecationWarning",
    "ConversionWarning",
    "TimeIndexWarning",
    "IntervalSetWarning",
    "MetadataWarning",
    "EdgeEffectWarning",
    "ResultOnDiskWarning",
    "FileContentWarning",
    "ReaderWarning",
    "ExtractorWarning",
]


class MemphysError(Exception):
    """Base class of every error raised by memphys."""


class MemphysValueError(MemphysError, ValueError):
    """An argument has the right type but an unusable value."""


class MemphysTypeError(MemphysError, TypeError):
    """An argument has the wrong type."""


class MemphysFileNotFoundError(MemphysError, FileNotFoundError):
    """A file or folder named by an argument does not exist."""


class MemphysMemoryError(MemphysError, MemoryError):
    """An operation would exceed the memory budget."""


class TimeIndexError(MemphysValueError):
    """Timestamps are unsorted, not finite, or do not match the data."""


class IntervalError(MemphysValueError):
    """Interval bounds are invalid (end before start, NaN bounds, ...)."""


class ShapeMismatchError(MemphysValueError):
    """Two arrays that must agree in length or shape do not."""


class FileFormatError(MemphysValueError):
    """A file's content does not match the format or parameters it was opened with."""


class SourceError(MemphysValueError):
    """A lazy array source cannot be opened, read or rebuilt from its recipe."""


class ChunkError(MemphysError, RuntimeError):
    """A block of a chunked computation failed; the message names the block."""


class MemoryBudgetError(MemphysMemoryError):
    """A result would not fit in the memory budget; pass ``out=`` to stream it."""


class IncompleteWriteError(MemphysValueError):
    """An output store was not completely written (interrupted or failed run)."""


class MemphysRuntimeError(MemphysError, RuntimeError):
    """Raised where pynapple raises RuntimeError (an immutable object modified, an argument of
    an unreadable format, ...), so pynapple's ``except RuntimeError`` clauses keep working."""


class MemphysKeyError(MemphysError, KeyError):
    """A name (e.g. a metadata column) that does not exist; a KeyError, as in pynapple."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MemphysOSError(MemphysValueError, OSError):
    """An invalid argument where pynapple raises IOError (e.g. ``IntervalSet.split``)."""


class ExtractorValueError(MemphysValueError, AssertionError):
    """An invalid argument of the SpikeInterface face (:mod:`memphys.ephys`).

    It is also an :class:`AssertionError`, because SpikeInterface checks most arguments with
    ``assert``: ``except AssertionError`` clauses (and ``pytest.raises(AssertionError)``)
    written for SpikeInterface keep working, as do ``except ValueError`` ones.
    """


class MemphysFileExistsError(MemphysError, FileExistsError):
    """An output file or folder exists and overwriting it was not asked for."""


# --- reliability (issue 11): damaged stores, refused overwrites, concurrent writers ----------
class CorruptStoreError(FileFormatError):
    """A store memphys reads is damaged: unreadable metadata, a chunk whose checksum or
    size is wrong, a shape that disagrees with the store's completeness record. The
    message names the store and the array."""


class OverwriteRefusedError(MemphysFileExistsError):
    """An output path holds something memphys did not write (a user's folder, a store of
    another tool, a file of another format): memphys never replaces it."""


class LockTimeoutError(MemphysError, TimeoutError):
    """Another process (or thread) kept writing the same output for longer than the lock
    timeout (``memphys.set_config(lock_timeout=...)``)."""


# --- where pynapple (or SpikeInterface) raised another builtin -----------------------------
class LengthMismatchError(ShapeMismatchError, AssertionError):
    """``len(t) != len(d)``; also an AssertionError, which pynapple raised here."""


class ArgumentTypeError(MemphysTypeError, AssertionError):
    """A missing or mistyped argument; also an AssertionError, which pynapple raised here."""


class DataShapeError(MemphysValueError, AssertionError):
    """Data with the wrong number of dimensions; also an AssertionError, as in pynapple."""


class ElementTypeError(MemphysTypeError, AttributeError):
    """An element of a TsGroup that is neither a time series nor timestamps.

    Also an AttributeError, which pynapple raised (it failed on ``element.time_support``).
    """


class NaNInputError(MemphysValueError):
    """A filter's input holds NaN (raised as is from a block, not wrapped in a ChunkError)."""


class BackendError(MemphysValueError, AssertionError):
    """An unknown ``nap_config.backend``; also an AssertionError, as pynapple raises."""


class StreamNotFoundError(ExtractorValueError):
    """A stream, block or experiment that a recording does not hold (the message lists the
    ones it does), or none named when it holds several."""


class ProbeMismatchError(ExtractorValueError):
    """A probe (file) that does not describe the recording: its contact count differs from
    the channel count, or its wiring does not cover the channels."""


# --- warnings -------------------------------------------------------------------------------
class MemphysWarning(Warning):
    """Base class of every warning issued by memphys."""


class MemphysUserWarning(MemphysWarning, UserWarning):
    """A warning about the user's input or call (a ``UserWarning``, as in pynapple)."""


class MemphysRuntimeWarning(MemphysWarning, RuntimeWarning):
    """A warning about the environment or a computation (a ``RuntimeWarning``)."""


class MemphysFutureWarning(MemphysWarning, FutureWarning):
    """A name or argument that will go, where pynapple/SpikeInterface issue FutureWarning."""


class MemphysDeprecationWarning(MemphysWarning, DeprecationWarning):
    """A name or argument that will go, where pynapple issues DeprecationWarning."""


class ConversionWarning(MemphysUserWarning):
    """An input was converted (a list or foreign array to numpy, a mistyped TsGroup element
    to a Ts, a result to a plain numpy array)."""


class TimeIndexWarning(MemphysUserWarning):
    """Timestamps were repaired where pynapple's API promises it (``TsIndex``)."""


class IntervalSetWarning(MemphysUserWarning):
    """Interval bounds were repaired: sorted, joined, shortened, or dropped (an epoch with
    no duration)."""


class MetadataWarning(MemphysUserWarning):
    """Metadata were dropped, or a column name cannot be used as an attribute."""


class EdgeEffectWarning(MemphysUserWarning):
    """A kernel (smoothing, wavelet, sinc filter) is longer than an epoch: the padding
    outside the epoch contaminates every output sample of it."""


class ResultOnDiskWarning(MemphysUserWarning):
    """A result too large for the available memory was written to a temporary file."""


class FileContentWarning(MemphysUserWarning):
    """A file's content disagrees with its metadata, or lacks a value and a default was used."""


class ReaderWarning(MemphysRuntimeWarning):
    """A reader registered through an entry point could not be loaded and was skipped."""


class ExtractorWarning(MemphysUserWarning):
    """A warning of the SpikeInterface face (:mod:`memphys.ephys`); SpikeInterface issues a
    ``UserWarning`` in the same place."""


class CompletenessWarning(MemphysUserWarning):
    """A store has no memphys completeness record (written by another tool or an older
    memphys): that it is complete and undamaged cannot be checked."""


class ChunkSizeWarning(MemphysUserWarning):
    """A requested chunk size was below memphys's floor and was raised to it."""
