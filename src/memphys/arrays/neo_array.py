"""Lazy arrays over neo's RawIO: chunked reads, column selections and scaled views.

:class:`NeoArray` reads one signal stream of one segment of a neo RawIO with
``rawio.get_analogsignal_chunk`` (one contiguous ``[start, stop)`` block per read, never a
whole segment). Its recipe names the RawIO class, its constructor arguments and the
block/segment/stream indexes, from which a worker rebuilds the RawIO (``parse_header()``
once per process and recipe).

Where neo describes the stream's buffer as a raw binary file, the reader wraps a
:class:`~memphys.arrays.MemmapArray` instead, with :class:`ColumnSelectArray` picking the
stream's columns out of the file (SpikeGLX keeps its SYNC channel in the same file).

:class:`ScaledArray` is a derived view computing ``raw * gain + offset`` in float32 block by
block, exactly as ``rawio.rescale_signal_raw_to_float`` does.

Examples
--------
>>> import numpy as np
>>> from memphys.arrays import as_lazy
>>> raw = as_lazy(np.array([[1, 2, 3], [4, 5, 6]], dtype="int16"))
>>> cols = ColumnSelectArray(raw, [0, 2])
>>> cols.read()
array([[1, 3],
       [4, 6]], dtype=int16)
>>> ScaledArray(cols, gain=[0.5, 2.0], offset=[0.0, -1.0]).read()
array([[ 0.5,  5. ],
       [ 2. , 11. ]], dtype=float32)
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

import numpy as np

from memphys.arrays.base import LazyArray, from_recipe, register_adapter
from memphys.errors import MemphysTypeError, ShapeMismatchError, SourceError

__all__ = ["NeoArray", "ColumnSelectArray", "ScaledArray", "open_rawio"]


def _rawio_class(name: str) -> type[Any]:
    import neo.rawio

    found: dict[str, type[Any]] = {cls.__name__: cls for cls in neo.rawio.rawiolist}
    if name in found:
        return found[name]
    names = ", ".join(sorted(c.__name__ for c in neo.rawio.rawiolist))
    raise SourceError(
        f"Invalid value for `rawio`: allowed values are neo RawIO class names ({names}), "
        f"but got {name!r}."
    )


def _rawio_key(rawio: str, kwargs: dict[str, Any]) -> str:
    return json.dumps([rawio, kwargs], sort_keys=True)


@functools.lru_cache(maxsize=32)
def _cached_rawio(key: str, pid: int) -> Any:
    # ``pid`` is part of the key: a forked worker parses its own header and opens its own
    # file handles instead of sharing the parent's.
    name, kwargs = json.loads(key)
    rawio = _rawio_class(name)(**kwargs)
    rawio.parse_header()
    return rawio


def open_rawio(rawio: str, kwargs: dict[str, Any]) -> Any:
    """The neo RawIO ``rawio(**kwargs)`` with its header parsed, cached per process.

    Parameters
    ----------
    rawio : str
        A class name of ``neo.rawio`` (e.g. ``"SpikeGLXRawIO"``).
    kwargs : dict
        JSON-able constructor arguments (``filename=``/``dirname=`` and options).

    Returns
    -------
    neo.rawio.BaseRawIO
        The same object for equal arguments within one process.
    """
    return _cached_rawio(_rawio_key(rawio, kwargs), os.getpid())


def _json_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(kwargs))
    if not isinstance(out, dict):  # pragma: no cover - json of a dict is a dict
        raise MemphysTypeError("rawio kwargs must be a dict")
    return out


@register_adapter
class NeoArray(LazyArray):
    """One signal stream of one segment of a neo RawIO, read in contiguous blocks.

    Parameters
    ----------
    rawio : str
        The neo RawIO class name, e.g. ``"IntanRawIO"``.
    kwargs : dict
        JSON-able constructor arguments of the RawIO (``filename=`` or ``dirname=``, ...).
    block_index, seg_index, stream_index : int
        Which block, segment and signal stream.
    reader : neo RawIO, optional
        An already parsed RawIO for these arguments (not pickled; workers reopen).

    Notes
    -----
    Values are neo's raw samples (``get_analogsignal_chunk``), in the stream's own dtype.
    Wrap the array in :class:`ScaledArray` with the channels' gains and offsets for
    physical units.

    Examples
    --------
    >>> a = NeoArray("PlexonRawIO", {"filename": "File_plexon_3.plx"}, 0, 0, 0)  # doctest: +SKIP
    >>> a.read(0, 3)  # doctest: +SKIP
    array([[...], [...], [...]], dtype=int16)
    """

    kind = "neo"

    def __init__(
        self,
        rawio: str,
        kwargs: dict[str, Any],
        block_index: int = 0,
        seg_index: int = 0,
        stream_index: int = 0,
        reader: Any = None,
    ) -> None:
        if not isinstance(rawio, str):
            raise MemphysTypeError(
                f"Invalid type for `rawio`: expected a neo RawIO class name, but got "
                f"{type(rawio).__name__}."
            )
        self.rawio = rawio
        self.kwargs = _json_kwargs(kwargs)
        self.block_index = int(block_index)
        self.seg_index = int(seg_index)
        self.stream_index = int(stream_index)
        self._reader = reader
        self._pid = os.getpid() if reader is not None else -1
        r = self._get_reader()
        streams = r.header["signal_streams"]
        if not 0 <= self.stream_index < len(streams):
            raise SourceError(
                f"Invalid value for `stream_index`: expected a value in [0, {len(streams)}), "
                f"but got {self.stream_index}."
            )
        sid = streams[self.stream_index]["id"]
        chans = r.header["signal_channels"][r.header["signal_channels"]["stream_id"] == sid]
        n = int(r.get_signal_size(self.block_index, self.seg_index, self.stream_index))
        self.shape = (n, len(chans))
        self.dtype = np.dtype(chans["dtype"][0]) if len(chans) else np.dtype("int16")

    def _get_reader(self) -> Any:
        pid = os.getpid()
        if self._reader is None or self._pid != pid:
            try:
                self._reader = open_rawio(self.rawio, self.kwargs)
            except SourceError:
                raise
            except Exception as exc:
                raise SourceError(
                    f"Cannot open {self.rawio}({self.kwargs}) to read a signal stream: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            self._pid = pid
        return self._reader

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        ncols = self.shape[1]
        if isinstance(channels, slice):
            idx = np.arange(ncols)[channels]
        else:
            idx = np.asarray(channels, dtype=np.int64)
        if stop <= start or idx.size == 0:
            return np.empty((max(stop - start, 0), idx.size), dtype=self.dtype)
        # neo treats i_stop=None/0 as "to the end": only call it with stop > start
        sel: slice | np.ndarray
        if idx.size > 1 and np.all(np.diff(idx) == 1):
            sel = slice(int(idx[0]), int(idx[-1]) + 1)
        elif idx.size == 1:
            sel = slice(int(idx[0]), int(idx[0]) + 1)
        else:
            sel = idx
        chunk = self._get_reader().get_analogsignal_chunk(
            block_index=self.block_index,
            seg_index=self.seg_index,
            i_start=int(start),
            i_stop=int(stop),
            stream_index=self.stream_index,
            channel_indexes=sel,
        )
        out = np.array(chunk, dtype=self.dtype, copy=True, subok=False)
        return out.reshape(stop - start, idx.size)

    def recipe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rawio": self.rawio,
            "kwargs": self.kwargs,
            "block_index": self.block_index,
            "seg_index": self.seg_index,
            "stream_index": self.stream_index,
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> NeoArray:
        try:
            return cls(
                recipe["rawio"],
                recipe["kwargs"],
                recipe.get("block_index", 0),
                recipe.get("seg_index", 0),
                recipe.get("stream_index", 0),
            )
        except KeyError as exc:
            raise SourceError(
                f"Invalid value for `recipe`: expected a 'neo' recipe with a {exc.args[0]!r} "
                f"key, but got keys {sorted(recipe)}."
            ) from None

    def close(self) -> None:
        self._reader = None
        self._pid = -1

    def __repr__(self) -> str:
        return (
            f"<NeoArray {self.rawio} block={self.block_index} seg={self.seg_index} "
            f"stream={self.stream_index} shape={self.shape} dtype={self.dtype}>"
        )


def _columns_spec(columns: Any, n: int) -> slice | np.ndarray:
    if isinstance(columns, slice):
        start, stop, step = columns.indices(n)
        if step == 1:
            return slice(start, max(stop, start), 1)
        return np.arange(start, stop, step, dtype=np.int64)
    idx = np.asarray(columns)
    if idx.ndim != 1 or not (np.issubdtype(idx.dtype, np.integer) or idx.size == 0):
        raise MemphysTypeError(
            f"Invalid value for `columns`: expected a slice or 1-D integer positions, but got "
            f"{columns!r}."
        )
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise SourceError(
            f"Invalid value for `columns`: positions must be in [-{n}, {n}), but got "
            f"{idx.tolist()}."
        )
    idx = np.where(idx < 0, idx + n, idx)
    if idx.size and np.all(np.diff(idx) == 1):
        return slice(int(idx[0]), int(idx[-1]) + 1, 1)
    return idx


@register_adapter
class ColumnSelectArray(LazyArray):
    """A fixed selection of columns (axis 1) of a parent lazy array.

    Used for a neo stream that is part of a wider file (SpikeGLX: 384 neural channels and a
    SYNC channel in one ``.bin``): the parent is the whole file, memory-mapped.

    Parameters
    ----------
    source : LazyArray
        A 2-D parent.
    columns : slice or sequence of int
        The parent's columns, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import as_lazy
    >>> v = ColumnSelectArray(as_lazy(np.arange(12).reshape(3, 4)), slice(0, -1))
    >>> v.shape, v[1]
    ((3, 3), array([4, 5, 6]))
    """

    kind = "column_select"

    def __init__(self, source: LazyArray, columns: Any) -> None:
        if not isinstance(source, LazyArray):
            from memphys.arrays import as_lazy

            source = as_lazy(source)
        if source.ndim != 2:
            raise ShapeMismatchError(
                f"Invalid value for `source`: expected a 2-D array, but got shape {source.shape}."
            )
        self._source = source
        self._cols = _columns_spec(columns, source.shape[1])
        ncol = (
            self._cols.stop - self._cols.start if isinstance(self._cols, slice) else self._cols.size
        )
        self.shape = (source.shape[0], int(ncol))
        self.dtype = source.dtype

    @property
    def source(self) -> LazyArray:
        """The parent adapter."""
        return self._source

    def _positions(self) -> np.ndarray:
        if isinstance(self._cols, slice):
            return np.arange(self._cols.start, self._cols.stop, dtype=np.int64)
        return self._cols

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        if isinstance(self._cols, slice) and isinstance(channels, slice):
            a, b, s = channels.indices(self.shape[1])
            sel: slice | np.ndarray = slice(self._cols.start + a, self._cols.start + b, s)
        else:
            sel = self._positions()[channels]
            if sel.size > 1 and np.all(np.diff(sel) == 1):
                sel = slice(int(sel[0]), int(sel[-1]) + 1, 1)
        return self._source.read(start, stop, sel)

    def recipe(self) -> dict[str, Any]:
        cols: Any
        if isinstance(self._cols, slice):
            cols = {"start": self._cols.start, "stop": self._cols.stop}
        else:
            cols = self._cols.tolist()
        return {"kind": self.kind, "source": self._source.recipe(), "columns": cols}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ColumnSelectArray:
        cols = recipe.get("columns")
        if isinstance(cols, dict):
            cols = slice(int(cols["start"]), int(cols["stop"]))
        if "source" not in recipe or cols is None:
            raise SourceError(
                "Invalid value for `recipe`: expected a 'column_select' recipe with 'source' "
                f"and 'columns' keys, but got keys {sorted(recipe)}."
            )
        return cls(from_recipe(recipe["source"]), cols)

    def close(self) -> None:
        self._source.close()


@register_adapter
class ScaledArray(LazyArray):
    """``raw * gain + offset`` per column, in float32, computed block by block.

    The arithmetic is neo's ``rescale_signal_raw_to_float`` (cast to float32, multiply by
    the float64 gains in place, then add the offsets), so values are bit-identical to
    neo's. A gain of exactly 1 and an offset of exactly 0 on every read column skip the
    multiplication and the addition, as in neo.

    Parameters
    ----------
    source : LazyArray
        2-D raw samples.
    gain, offset : sequence of float
        One value per column.
    dtype : dtype_like, default "float32"

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.arrays import as_lazy
    >>> s = ScaledArray(as_lazy(np.array([[10], [20]], dtype="int16")), [0.1], [1.0])
    >>> s[:, 0]
    array([2., 3.], dtype=float32)
    """

    kind = "scaled"

    def __init__(self, source: LazyArray, gain: Any, offset: Any, dtype: Any = "float32") -> None:
        if not isinstance(source, LazyArray):
            from memphys.arrays import as_lazy

            source = as_lazy(source)
        if source.ndim != 2:
            raise ShapeMismatchError(
                f"Invalid value for `source`: expected a 2-D array, but got shape {source.shape}."
            )
        g = np.asarray(gain, dtype=np.float64).reshape(-1)
        o = np.asarray(offset, dtype=np.float64).reshape(-1)
        n = source.shape[1]
        if g.size != n or o.size != n:
            raise ShapeMismatchError(
                f"Invalid value for `gain`/`offset`: expected {n} values each (one per "
                f"column), but got {g.size} and {o.size}."
            )
        self._source = source
        self.gain = g
        self.offset = o
        self.shape = source.shape
        self.dtype = np.dtype(dtype)

    @property
    def source(self) -> LazyArray:
        """The raw adapter."""
        return self._source

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        raw = self._source.read(start, stop, channels)
        g = self.gain[channels]
        o = self.offset[channels]
        out = raw.astype(self.dtype)
        if np.any(g != 1.0):
            out *= g
        if np.any(o != 0.0):
            out += o
        return out

    def recipe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self._source.recipe(),
            "gain": self.gain.tolist(),
            "offset": self.offset.tolist(),
            "dtype": self.dtype.str,
        }

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ScaledArray:
        try:
            return cls(
                from_recipe(recipe["source"]),
                recipe["gain"],
                recipe["offset"],
                recipe.get("dtype", "float32"),
            )
        except KeyError as exc:
            raise SourceError(
                f"Invalid value for `recipe`: expected a 'scaled' recipe with a "
                f"{exc.args[0]!r} key, but got keys {sorted(recipe)}."
            ) from None

    def close(self) -> None:
        self._source.close()
