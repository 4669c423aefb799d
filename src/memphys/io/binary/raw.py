"""Raw binary recordings (``.dat``, ``.eeg``, ``.lfp``, ``.bin``, ``.raw``): read and write.

:func:`load_binary_file` memory-maps an interleaved ``(samples, channels)`` file as a
``Tsd``/``TsdFrame`` on a regular time index, using the Neuroscope ``.xml`` beside it when
there is one (its ``nChannels``, ``nBits``, ``samplingRate`` or ``lfpSamplingRate``, gains
and channel groups). Unlike pynapple it refuses, with a message naming the file and the
numbers, a file whose size is not a whole number of frames (pynapple silently drops the
tail, and a wrong channel count silently gives garbage), an offset past the end, an empty
file, channel counts of 0 or larger than the file, a dtype that disagrees with
``bytes_size``, and arguments that disagree with the ``.xml``.

:func:`save_binary` streams any time series (or array) to a raw file through the engine,
under a temporary name renamed when complete.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> import memphys as nap
>>> path = pathlib.Path(tempfile.mkdtemp()) / "rec.dat"
>>> np.arange(24, dtype="int16").tofile(path)
>>> x = nap.load_binary_file(path, n_channels=4, sampling_rate=1000.0)
>>> x.shape, x.rate, type(x.values).__name__
((6, 4), 1000.0, 'memmap')
>>> nap.load_binary_file(path, n_channels=5, sampling_rate=1000.0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
memphys.errors.FileFormatError: File ...rec.dat holds 48 bytes, which is not a whole number...
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import Any

import numpy as np

from memphys._validation import check_positive_float, check_sample_dtype, describe, value_error
from memphys.arrays import from_recipe
from memphys.arrays.base import LazyArray, register_adapter
from memphys.arrays.numpy_array import MemmapArray
from memphys.core import IntervalSet, Tsd, TsdFrame
from memphys.core.time_index import RegularTimeIndex
from memphys.engine.job_kwargs import resolve_job_kwargs
from memphys.engine.run import _selected_trailing
from memphys.engine.sinks import NpySink, SinkContext, _NpyWorker, _remove_path
from memphys.engine.targets import check_replaceable
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.io._stream import data_source, plan_for, stream
from memphys.io.binary.neuroscope import find_xml, read_xml

__all__ = ["MAX_CHANNELS", "ChannelView", "load_binary_file", "load_binary", "save_binary"]

#: Largest channel count accepted (a larger one is almost surely a mistake).
MAX_CHANNELS = 65536


@register_adapter
class ChannelView(LazyArray):
    """Some channels (in any order) of a 2-D lazy array, read on demand.

    A read fetches the bounding channel range of the parent in one contiguous read and
    selects in memory. The recipe is the parent's plus the channel list.

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import as_lazy
    >>> v = ChannelView(as_lazy(np.arange(12).reshape(4, 3)), [2, 0])
    >>> v.shape, v[1:3]
    ((4, 2), array([[5, 3],
           [8, 6]]))
    """

    kind = "channel_view"

    def __init__(self, source: LazyArray, channels: Any) -> None:
        ch = np.asarray(channels, dtype=np.int64).reshape(-1)
        if source.ndim != 2:
            raise value_error("source", "a 2-D lazy array", f"shape {source.shape}")
        n = source.shape[1]
        if ch.size and (ch.min() < 0 or ch.max() >= n):
            raise value_error("channels", f"channel indices in [0, {n})", ch.tolist())
        self._source = source
        self._channels = ch
        self.shape = (source.shape[0], int(ch.size))
        self.dtype = source.dtype

    @property
    def chunks(self) -> tuple[int, ...] | None:
        return self._source.chunks

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        return self._source.read(start, stop, self._channels[channels])

    def recipe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self._source.recipe(),
            "channels": self._channels.tolist(),
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ChannelView:
        return cls(from_recipe(recipe["source"]), recipe["channels"])


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_dtype(precision: Any, bytes_size: Any) -> np.dtype[Any]:
    dtype = check_sample_dtype("precision", precision)
    if bytes_size is not None:
        if not _is_int(bytes_size) or bytes_size <= 0:
            raise value_error("bytes_size", "a positive integer", bytes_size)
        if int(bytes_size) != dtype.itemsize:
            raise MemphysValueError(
                f"Invalid value for `bytes_size`: expected {dtype.itemsize} (the size of "
                f"precision={str(dtype)!r}), but got {bytes_size}. The dtype does not fit the "
                "file: pass a matching `precision` and `bytes_size`."
            )
    return dtype


def _divisors_hint(nbytes: int, itemsize: int, limit: int = 8) -> str:
    if nbytes % itemsize:
        return f"it is not even a multiple of the sample size ({itemsize} bytes)"
    n_items = nbytes // itemsize
    cands = [c for c in range(1, min(n_items, MAX_CHANNELS) + 1) if n_items % c == 0]
    shown = ", ".join(str(c) for c in cands[:limit]) + (" ..." if len(cands) > limit else "")
    return f"channel counts that divide it: {shown}"


def check_frames(path: Path, size: int, offset: int, n_channels: int, dtype: np.dtype[Any]) -> int:
    """Number of frames in ``path`` after ``offset``, or a clear error (see module notes)."""
    if offset > size:
        raise FileFormatError(
            f"Invalid value for `offset`: expected at most the size of {path} ({size} bytes), "
            f"but got {offset} (past the end of the file)."
        )
    nbytes = size - offset
    frame = n_channels * dtype.itemsize
    if nbytes == 0:
        raise FileFormatError(
            f"File {path} holds no samples: expected at least one frame of {frame} bytes "
            f"({n_channels} channels x {dtype.itemsize} bytes) after offset {offset}, but the "
            f"file has {size} bytes. It is empty or truncated."
        )
    if frame > nbytes:
        raise FileFormatError(
            f"Invalid value for `n_channels`: expected at most {nbytes // dtype.itemsize} "
            f"channels (the whole file, {nbytes} bytes of {dtype}, is smaller than one frame "
            f"of {n_channels} channels), but got {n_channels}. Check `n_channels` and "
            "`precision`."
        )
    if nbytes % frame:
        raise FileFormatError(
            f"File {path} holds {nbytes} bytes, which is not a whole number of frames of "
            f"{n_channels} channels x {dtype.itemsize} bytes ({frame} bytes): expected a "
            f"multiple of {frame}, but {nbytes % frame} bytes are left over "
            f"({_divisors_hint(nbytes, dtype.itemsize)}). Check `n_channels`, `precision` "
            "and `offset`; the file may be truncated."
        )
    return nbytes // frame


def _agree(name: str, given: Any, from_xml: Any, xml_path: Path, same: bool) -> None:
    if not same:
        raise FileFormatError(
            f"Invalid value for `{name}`: the Neuroscope file {xml_path} gives {from_xml!r}, "
            f"but got {given!r}. Fix the argument (or omit it to use the .xml), or pass "
            "`xml=False` to ignore the .xml."
        )


def _resolve_channels(channel: Any, n_channels: int) -> Any:
    """None, an int, or a list/array/slice of channels, checked against ``n_channels``."""
    if channel is None:
        return None
    if _is_int(channel):
        c = int(channel)
        if not 0 <= c < n_channels:
            raise value_error("channel", f"a channel index in [0, {n_channels})", channel)
        return c
    if isinstance(channel, slice):
        return list(range(*channel.indices(n_channels)))
    try:
        arr = np.asarray(channel)
    except Exception:
        arr = np.asarray([], dtype=object)
    if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        raise MemphysTypeError(
            f"Invalid type for `channel`: expected None, an int or a list of ints, but got "
            f"{describe(channel)}."
        )
    if arr.size == 0:
        raise value_error("channel", "at least one channel", channel)
    bad = (arr < 0) | (arr >= n_channels)
    if bad.any():
        raise value_error("channel", f"channel indices in [0, {n_channels})", arr[bad].tolist())
    return [int(c) for c in arr]


def load_binary_file(
    filepath: str | os.PathLike[str],
    channel: Any = None,
    n_channels: int | None = None,
    sampling_rate: float | None = None,
    precision: Any = None,
    bytes_size: int | None = None,
    *,
    frequency: float | None = None,
    offset: int = 0,
    xml: Any = None,
) -> Any:
    """Memory-map a raw interleaved binary file as a ``Tsd`` or ``TsdFrame``.

    pynapple's ``load_binary_file``, with its Neuroscope ``.xml`` actually found and used,
    and with every inconsistency an error instead of a silent truncation. The data stay on
    disk: the result's ``values`` is a read-only ``np.memmap`` (or, for an arbitrary list
    of channels, a lazy channel view), on a regular time index ``i / sampling_rate`` with
    the time support ``[0, n_samples / sampling_rate]`` (so ``rate`` is the sampling
    rate; pynapple uses that support only when ``channel`` is given).

    Parameters
    ----------
    filepath : str or path-like
        The file (``.dat``, ``.eeg``, ``.lfp``, ``.bin`` ...), ``(samples, channels)`` in C
        order.
    channel : int, list of int or None
        None: all channels (a ``TsdFrame``); an int: that channel (a ``Tsd``, as pynapple);
        a list: those channels (a ``TsdFrame`` whose columns are the channel numbers).
    n_channels : int, optional
        Number of interleaved channels; default from the ``.xml``.
    sampling_rate : float, optional
        In Hz; default from the ``.xml`` (``lfpSamplingRate`` for ``.eeg``/``.lfp``,
        ``samplingRate`` otherwise). ``frequency=`` is pynapple's name for it.
    precision : dtype_like, optional
        Sample type; default from the ``.xml``'s ``nBits`` (signed), else ``"int16"``.
    bytes_size : int, optional
        Bytes per sample: checked against ``precision`` (pynapple's redundant argument).
    frequency : float, optional
        Alias of ``sampling_rate`` (pynapple's name).
    offset : int, default 0
        Bytes to skip at the start of the file (a header).
    xml : None, False or path-like
        None: use ``<name>.xml`` beside the file if there is one (see
        :func:`memphys.io.binary.neuroscope.find_xml`); False: ignore it; a path: that file.

    Returns
    -------
    Tsd or TsdFrame
        For a ``TsdFrame`` read with an ``.xml``, the metadata columns ``group``
        (anatomical group, -1 for none), ``skip`` and ``gain_uv`` (microvolts per step).

    Raises
    ------
    MemphysFileNotFoundError
        If the file (or a given ``xml``) does not exist.
    FileFormatError
        If the file size after ``offset`` is not a whole number of frames, ``offset`` is
        past the end, the file is empty, ``n_channels`` exceeds what the file holds, or an
        argument disagrees with the ``.xml``.
    MemphysValueError
        If ``n_channels``/``sampling_rate`` are missing with no ``.xml``, invalid (0,
        negative, NaN, more than :data:`MAX_CHANNELS`), ``bytes_size`` does not match
        ``precision``, or a channel is out of range.

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> import memphys as nap
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "rec.dat"
    >>> np.arange(12, dtype="int16").tofile(path)
    >>> lfp = nap.load_binary_file(path, channel=1, n_channels=3, frequency=2.0)
    >>> lfp
    Time (s)
    ----------  --
    0            1
    0.5          4
    1            7
    1.5         10
    dtype: int16, shape: (4,)
    >>> lfp.time_support
      index    start    end
          0        0      2
    shape: (1, 2), time unit: sec.
    """
    if not isinstance(filepath, str | os.PathLike):
        raise MemphysTypeError(
            f"Invalid type for `filepath`: expected str or pathlib.Path, but got "
            f"{type(filepath).__name__}."
        )
    path = Path(filepath)
    if not path.exists():
        raise MemphysFileNotFoundError(f"File {path} does not exist")
    if not path.is_file():
        raise FileFormatError(
            f"Invalid value for `filepath`: expected a file, but {path} is a folder."
        )
    if frequency is not None:
        if sampling_rate is not None and float(sampling_rate) != float(frequency):
            raise MemphysValueError(
                f"Invalid value for `frequency`: expected the same value as `sampling_rate` "
                f"(they are aliases), but got frequency={frequency!r} and "
                f"sampling_rate={sampling_rate!r}."
            )
        sampling_rate = frequency
    if not _is_int(offset) or offset < 0:
        raise value_error("offset", "a non-negative integer (bytes)", offset)
    if n_channels is not None and (not _is_int(n_channels) or not 0 < n_channels <= MAX_CHANNELS):
        raise value_error("n_channels", f"a positive integer of at most {MAX_CHANNELS}", n_channels)
    if sampling_rate is not None:
        sampling_rate = check_positive_float("sampling_rate", sampling_rate)
    dtype = _check_dtype("int16" if precision is None else precision, None)

    # the .xml sidecar
    params = None
    if xml is None:
        found = find_xml(path)
        params = read_xml(found) if found is not None else None
    elif xml is not False:
        if not isinstance(xml, str | os.PathLike):
            raise MemphysTypeError(
                f"Invalid type for `xml`: expected None, False or a path, but got "
                f"{type(xml).__name__}."
            )
        params = read_xml(xml)
    if params is not None:
        if n_channels is None:
            n_channels = params.n_channels
        _agree(
            "n_channels",
            n_channels,
            params.n_channels,
            params.path,
            n_channels == params.n_channels,
        )
        if precision is None:
            dtype = params.dtype
        _agree(
            "precision",
            str(dtype),
            f"nBits={params.n_bits} ({params.dtype})",
            params.path,
            dtype.itemsize * 8 == params.n_bits and dtype.kind in "iu",
        )
        xml_rate = params.rate_for(path)
        if sampling_rate is None:
            sampling_rate = xml_rate
        _agree("sampling_rate", sampling_rate, xml_rate, params.path, sampling_rate == xml_rate)
    dtype = _check_dtype(dtype, bytes_size)
    if n_channels is None or sampling_rate is None:
        missing = " and ".join(
            f"`{n}`"
            for n, v in (("n_channels", n_channels), ("sampling_rate", sampling_rate))
            if v is None
        )
        raise MemphysValueError(
            f"Invalid arguments for {path}: expected {missing} (no Neuroscope .xml was found "
            f"beside the file, looked for {path.with_suffix('.xml').name}), but got None. Pass "
            "them, e.g. load_binary_file(path, n_channels=32, sampling_rate=20000.0)."
        )
    size = path.stat().st_size
    n = check_frames(path, size, offset, n_channels, dtype)
    mm = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=(n, n_channels))
    ti = RegularTimeIndex(start=0.0, rate=sampling_rate, n=n)
    support = IntervalSet(start=0.0, end=n / sampling_rate)
    chans = _resolve_channels(channel, n_channels)
    if isinstance(chans, int):
        return Tsd(t=ti, d=mm[:, chans], time_support=support)
    if chans is None:
        frame = TsdFrame(t=ti, d=mm, time_support=support)
        columns = np.arange(n_channels)
    else:
        columns = np.asarray(chans)
        step = np.diff(columns)
        if len(columns) == 1 or (np.all(step == step[0]) and step[0] > 0):
            d: Any = mm[:, columns[0] : columns[-1] + 1 : (step[0] if len(step) else 1)]
        else:
            d = ChannelView(MemmapArray.from_memmap(mm), columns)
        frame = TsdFrame(t=ti, d=d, time_support=support, columns=list(columns), load_array=False)
    if params is not None:
        gain = params.gain_uv
        frame.set_info(
            group=params.channel_groups()[columns],
            skip=np.isin(columns, params.skipped),
            gain_uv=np.full(len(columns), np.nan if gain is None else gain),
        )
    return frame


def load_binary(path: Path, lazy_loading: bool | None = None, **kwargs: Any) -> Any:
    """The ``load_file`` entry for raw binary files: :func:`load_binary_file` with ``kwargs``.

    Without an ``.xml`` beside the file, ``n_channels`` and ``sampling_rate`` must be given
    (``load_file(path, n_channels=..., sampling_rate=...)``).
    """
    return load_binary_file(path, **kwargs)


def save_binary(
    obj: Any,
    path: str | os.PathLike[str],
    dtype: Any = None,
    *,
    overwrite: bool = True,
    **job_kwargs: Any,
) -> Path:
    """Write the data of a time series (or an array) to a raw binary file, streaming.

    The file holds the values only, in C order (``(samples, channels)`` interleaved), as
    Neuroscope and most acquisition systems write them; the times are not stored. It is
    written block by block through the engine (``n_jobs`` workers) under
    ``<path>.partial`` and renamed when complete.

    Parameters
    ----------
    obj : Tsd, TsdFrame, TsdTensor or array-like
    path : str or path-like
    dtype : dtype_like, optional
        Output dtype (default: the data's). Values are cast with numpy's rules.
    overwrite : bool, default True
        Replace an existing file.
    **job_kwargs
        ``n_jobs``, ``chunk_size``/``chunk_memory``..., ``progress_bar``, ``pool_engine``.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import numpy as np, pathlib, tempfile
    >>> import memphys as nap
    >>> x = nap.TsdFrame(t=None, d=np.arange(6, dtype="int16").reshape(3, 2), rate=10.0)
    >>> out = save_binary(x, pathlib.Path(tempfile.mkdtemp()) / "x.dat")
    >>> np.fromfile(out, dtype="int16")
    array([0, 1, 2, 3, 4, 5], dtype=int16)
    """
    dest = Path(path)
    values = getattr(obj, "values", obj)
    src, channels, squeeze = data_source(values)
    out_dtype = src.dtype if dtype is None else np.dtype(dtype)
    job = resolve_job_kwargs(**job_kwargs)
    plan = plan_for(src, channels, job)
    trailing = () if squeeze else tuple(_sel_trailing(src, channels))
    sink = _RawSink(dest, trailing, out_dtype, overwrite=overwrite)
    stream(src, channels, squeeze, plan, sink, out_dtype, job, "save_binary")
    return dest


def _sel_trailing(src: LazyArray, channels: Any) -> tuple[int, ...]:
    return _selected_trailing(src, channels)


class _RawSink(NpySink):
    """:class:`NpySink` without the header: workers write their blocks straight into a raw
    file under ``<path>.partial``, renamed when complete (under the write lock of ``path``;
    an existing file is replaced only if it is not recognisably another format)."""

    target_kind = "raw"

    def _check_target(self) -> None:
        if os.path.lexists(self.path) and not self.overwrite:
            raise MemphysValueError(
                f"Invalid value for `path`: {self.path!r} already exists. Pass "
                "overwrite=True or choose another path."
            )
        check_replaceable(self.path, self.target_kind)

    def _open(self, ctx: SinkContext) -> None:
        self._check_target()
        _remove_path(self.partial)
        shape = (ctx.plan.n_samples, *self.trailing)
        nbytes = int(np.prod(shape, dtype=np.int64)) * self.dtype.itemsize
        with open(self.partial, "wb") as fh:
            fh.truncate(nbytes)
        self._worker = _NpyWorker(self.partial, shape, self.dtype, 0, "C") if nbytes else None
