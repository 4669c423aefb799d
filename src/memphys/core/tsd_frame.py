"""``TsdFrame``: several columns (channels, units, features) per timestamp, with metadata.

Columns are labelled (a :class:`pandas.Index`); each column can carry metadata (one
value per column, pynapple's ``set_info``/``get_info``), read as attributes or keys.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> x = nap.TsdFrame(t=np.arange(3.0), d=np.arange(6).reshape(3, 2), columns=["a", "b"],
...                  metadata={"area": ["CA1", "CA3"]})
>>> x["b"].values
array([1, 3, 5])
>>> bool(x.area.iloc[1] == "CA3")
True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from memphys.core import _tsd_methods
from memphys.core._base_tsd import _BaseTsd, _bool_tsd_key, _is_int
from memphys.core._kinds import register_kind
from memphys.core._time_index_base import TimeIndex
from memphys.core._ts_repr import tsdframe_repr
from memphys.core.metadata import _MetadataMixin
from memphys.errors import ArgumentTypeError, DataShapeError, ShapeMismatchError

__all__ = ["TsdFrame"]

_PICKLE_NAMES = ("__getstate__", "__setstate__", "__reduce__", "__reduce_ex__")


def _all_str(key: Any) -> bool:
    if isinstance(key, str) or not isinstance(key, Iterable):
        return False
    if isinstance(key, np.ndarray) and key.dtype.kind not in "UO":
        return False
    items = list(key)
    return bool(items) and all(isinstance(k, str) for k in items)


@register_kind(ndim=2)
class TsdFrame(_BaseTsd, _MetadataMixin):
    """A 2-D time series: rows are times, columns are labelled, with column metadata.

    Parameters
    ----------
    t : array_like, np.memmap, LazyArray, TimeIndex or pandas.DataFrame, optional
        Timestamps, or a DataFrame (index = times, columns = column labels). Omit it and
        give ``rate`` (and ``start``) for regularly sampled data.
    d : array_like, np.memmap, zarr array, h5py dataset, LazyArray
        The data, 2-D (a 1-D array becomes one column).
    time_units : {"s", "ms", "us"}
    time_support : IntervalSet, optional
    columns : sequence, optional
        One label per column (default ``0 .. n-1``); a wrong length raises
        :class:`~memphys.errors.ShapeMismatchError`.
    load_array : bool
        With False, a zarr array / h5py dataset stays as given.
    metadata : dict or pandas.DataFrame, optional
        One value per column for each metadata name.
    rate, start : float, optional
        Sampling rate (Hz) and time of the first sample, without ``t``.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> nap.TsdFrame(t=[0.0, 1.0], d=np.array([[1, 2], [3, 4]]), columns=["a", "b"])
    Time (s)      a    b
    ----------  ---  ---
    0             1    2
    1             3    4
    dtype: int64, shape: (2, 2)
    """

    _metadata_rows = "columns"  # the rows of the metadata are the columns

    def __init__(
        self,
        t: Any = None,
        d: Any = None,
        time_units: str = "s",
        time_support: Any = None,
        columns: Any = None,
        load_array: bool = True,
        metadata: Any = None,
        *,
        rate: float | None = None,
        start: float | None = None,
    ) -> None:
        object.__setattr__(self, "_initialized", False)
        if type(t).__module__.startswith("pandas") and hasattr(t, "columns"):
            d = t.values
            columns = t.columns.values if columns is None else columns
            t = t.index.values
        elif d is None:
            raise ArgumentTypeError("Missing argument d when initializing TsdFrame")
        super().__init__(t, d, time_units, time_support, load_array, rate=rate, start=start)
        self._finish(columns=columns, metadata=metadata)

    def _finish(self, columns: Any = None, metadata: Any = None, **kwargs: Any) -> None:
        import pandas as pd

        object.__setattr__(self, "_initialized", False)
        if self.ndim == 1:
            d = self.values
            d = d[:, None] if isinstance(d, np.ndarray) else self._materialize("TsdFrame")[:, None]
            object.__setattr__(self, "values", d)
        if self.ndim != 2:
            raise DataShapeError(
                f"Data should be 1 or 2 dimensional: expected 2-D data for a TsdFrame, but got "
                f"shape {self.shape}. Use TsdTensor for 3-D and more."
            )
        ncol = self.shape[1]
        if columns is None:
            columns = np.arange(ncol, dtype=int)
        elif len(columns) != ncol:
            raise ShapeMismatchError(
                f"Invalid value for `columns`: expected {ncol} labels (one per column of `d`), "
                f"but got {len(columns)}."
            )
        object.__setattr__(self, "columns", pd.Index(columns))
        object.__setattr__(self, "nap_class", type(self).__name__)
        _MetadataMixin.__init__(self)
        attrs = frozenset(dir(type(self))) | set(self.__dict__) | {"_class_attributes"}
        object.__setattr__(self, "_class_attributes", attrs)
        object.__setattr__(self, "_initialized", True)
        if metadata is not None and len(metadata):
            self.set_info(metadata)

    def _metadata_dict(self) -> dict[str, Any]:
        return {k: np.asarray(v) for k, v in self._metadata.data.items()}

    def __repr__(self) -> str:
        return tsdframe_repr(self)

    find_peaks = _tsd_methods.find_peaks_frame

    # --- attributes -----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_initialized", False):
            if name in self._class_attributes:
                raise AttributeError(
                    f"Cannot set attribute: '{name}' is a reserved attribute. Use 'set_info()' "
                    f"to set '{name}' as metadata."
                )
            _MetadataMixin.__setattr__(self, name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        if name in _PICKLE_NAMES:
            raise AttributeError(name)
        meta = self.__dict__.get("_metadata")
        if meta is not None and name in meta.data:
            return _MetadataMixin.__getattr__(self, name)
        return _BaseTsd.__getattr__(self, name)

    def __dir__(self) -> list[str]:
        return _MetadataMixin.__dir__(self)

    @property
    def loc(self) -> _TsdFrameLoc:
        """Columns by label: ``loc["a"]`` (a Tsd) or ``loc[["a", "b"]]`` (a TsdFrame)."""
        return _TsdFrameLoc(self)

    # --- indexing -------------------------------------------------------------------------
    def __getitem__(self, key: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(key, tuple):
            key = tuple(k.values if isinstance(k, _BaseTsd) else k for k in key)
        if isinstance(key, TsdFrame):
            _bool_tsd_key(key, "a Tsd or TsdFrame")
            return self._materialize("a boolean mask")[np.asarray(key.values)]
        key = _bool_tsd_key(key, "a Tsd or TsdFrame")
        if isinstance(key, str):
            if key in self.columns:
                return self.loc[key]
            return _MetadataMixin.__getitem__(self, key)
        if _all_str(key):
            if all(k in self.columns for k in key):
                return self.loc[key]
            return _MetadataMixin.__getitem__(self, list(key))
        out, t_sel = self._select(key)
        if not isinstance(t_sel, TimeIndex) or not hasattr(out, "shape"):
            return out
        cols_key = key[1] if isinstance(key, tuple) and len(key) == 2 else slice(None)
        if cols_key is None:
            cols_key = slice(None)
        pos = np.arange(self.shape[1])[cols_key]
        if len(out.shape) == 1 and len(t_sel) == 1 and not _is_int(cols_key):
            out = out[None, :]
        elif len(out.shape) == 1 and isinstance(cols_key, list | np.ndarray) and np.size(pos) == 1:
            out = out[:, None]
        pos = np.atleast_1d(pos)
        kw: dict[str, Any] = {}
        if len(out.shape) == 2 and out.shape[1] == pos.size:
            meta = {k: np.asarray(v)[pos] for k, v in self._metadata.data.items()}
            kw = {"columns": self.columns[pos], "metadata": meta}
        return self._wrap(out, t_sel, **kw)

    def __setitem__(self, key: Any, value: Any) -> None:
        key = _bool_tsd_key(key)
        if isinstance(key, str):
            if key in self.columns:
                key = (slice(None), int(self.columns.get_indexer([key])[0]))
            else:
                _MetadataMixin.__setitem__(self, key, value)
                return
        elif _all_str(key):
            key = (slice(None), self.columns.get_indexer(list(key)))
        _BaseTsd.__setitem__(self, key, value)

    # --- conversions ------------------------------------------------------------------------
    def as_dataframe(self) -> Any:
        """The data as a pandas DataFrame indexed by the times (read whole).

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> nap.TsdFrame(t=[0.0, 1.0], d=np.eye(2), columns=["a", "b"]).as_dataframe()
               a    b
        0.0  1.0  0.0
        1.0  0.0  1.0
        """
        import pandas as pd

        return pd.DataFrame(
            index=self.t, data=self._materialize("as_dataframe()"), columns=self.columns
        )

    def as_units(self, units: str = "s") -> Any:
        """:meth:`as_dataframe` with the times in ``units`` (integers for ``"us"``)."""
        import pandas as pd

        t = self._ti.in_units(units)
        if units == "us":
            t = t.astype(np.int64)
        df = pd.DataFrame(index=t, data=self._materialize("as_units()"))
        df.index.name = f"Time ({units})"
        df.columns = self.columns.copy()
        return df


class _TsdFrameLoc:
    """``TsdFrame.loc``: columns by label."""

    def __init__(self, frame: TsdFrame) -> None:
        self.frame = frame

    def __getitem__(self, key: Any) -> Any:
        cols = self.frame.columns
        labels = list(key) if isinstance(key, Iterable) and not isinstance(key, str) else [key]
        for k in labels:
            if k not in cols:
                raise IndexError(str(k))
        idx = cols.get_indexer(labels)
        if len(idx) == 1:
            return self.frame[(slice(None), int(idx[0]))]
        return self.frame[(slice(None), idx)]
