"""``Tsd``: one value per timestamp.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(d=np.arange(5.0), rate=10.0, start=1.0)
>>> tsd.time_index
RegularTimeIndex(start=1.0, rate=10.0, n=5)
>>> (tsd * 2).get(1.2, 1.3).values
array([4., 6.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.core import _tsd_methods
from memphys.core._base_tsd import _BaseTsd
from memphys.core._kinds import register_kind
from memphys.core._ts_repr import tsd_repr
from memphys.errors import ArgumentTypeError, DataShapeError

__all__ = ["Tsd"]


@register_kind(ndim=1)
class Tsd(_BaseTsd):
    """A 1-D time series: one value per timestamp.

    Parameters
    ----------
    t : array_like, np.memmap, LazyArray, TimeIndex or pandas.Series, optional
        Timestamps (sorted, finite), or a Series (index = times). Omit it and give
        ``rate`` (and ``start``) for regularly sampled data.
    d : array_like, np.memmap, zarr array, h5py dataset, LazyArray
        The values (1-D).
    time_units : {"s", "ms", "us"}
    time_support : IntervalSet, optional
        Data outside is dropped (a lazy source keeps only the row ranges inside).
    load_array : bool
        With False, a zarr array / h5py dataset / other array-like stays as given
        (``tsd.d`` is the original object) instead of being converted to numpy.
    rate, start : float, optional
        Sampling rate (Hz) and time of the first sample, without ``t``.

    Examples
    --------
    >>> import memphys as nap
    >>> nap.Tsd(t=[0.0, 1.0, 2.0], d=[3, 4, 5])
    Time (s)
    ----------  --
    0            3
    1            4
    2            5
    dtype: int64, shape: (3,)
    """

    def __init__(
        self,
        t: Any = None,
        d: Any = None,
        time_units: str = "s",
        time_support: Any = None,
        load_array: bool = True,
        *,
        rate: float | None = None,
        start: float | None = None,
        **kwargs: Any,
    ) -> None:
        if type(t).__module__.startswith("pandas") and hasattr(t, "index") and d is None:
            d = t.values
            t = t.index.values
        elif d is None:
            raise ArgumentTypeError("Missing argument d when initializing Tsd")
        super().__init__(t, d, time_units, time_support, load_array, rate=rate, start=start)
        self._finish()

    def _finish(self, **kwargs: Any) -> None:
        if self.ndim != 1:
            raise DataShapeError(
                f"Data should be 1 dimensional: expected 1-D data for a Tsd, but got shape "
                f"{self.shape}. Use TsdFrame (2-D) or TsdTensor (3-D and more)."
            )
        super()._finish()

    def __repr__(self) -> str:
        return tsd_repr(self)

    # data methods (implemented in _tsd_methods)
    threshold = _tsd_methods.threshold
    to_tsgroup = _tsd_methods.to_tsgroup
    find_peaks = _tsd_methods.find_peaks

    def as_series(self) -> Any:
        """The data as a float64 pandas Series indexed by the times (read whole).

        Examples
        --------
        >>> import memphys as nap
        >>> nap.Tsd(t=[0.0, 1.0], d=[1, 2]).as_series().tolist()
        [1.0, 2.0]
        """
        import pandas as pd

        return pd.Series(
            index=self.t, data=self._materialize("as_series()"), copy=True, dtype="float64"
        )

    def as_units(self, units: str = "s") -> Any:
        """:meth:`as_series` with the times in ``units`` (integers for ``"us"``)."""
        out = self.as_series()
        t = self._ti.in_units(units)
        if units == "us":
            t = t.astype(np.int64)
        out.index = t
        out.index.name = f"Time ({units})"
        return out
