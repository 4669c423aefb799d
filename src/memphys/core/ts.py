"""``Ts``: timestamps without data (spike times, event times).

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> ts = nap.Ts(t=[0.5, 1.5, 2.5, 4.0])
>>> ts.restrict(nap.IntervalSet(1, 3)).t
array([1.5, 2.5])
>>> ts.fillna(1.0).values
array([1., 1., 1., 1.])
"""

from __future__ import annotations

import warnings
from numbers import Number
from typing import Any

import numpy as np

from memphys.core import _tsd_binning
from memphys.core._kinds import register_kind
from memphys.core._time_index_base import TimeIndex
from memphys.core._ts_repr import ts_repr
from memphys.core.base_class import _Base, _initialize_tsd_output, check_support
from memphys.core.interval_set import IntervalSet
from memphys.errors import ArgumentTypeError, MemphysUserWarning

__all__ = ["Ts"]


@register_kind(ndim=0)
class Ts(_Base):
    """Timestamps (in seconds) with a time support.

    Parameters
    ----------
    t : array_like, np.memmap, LazyArray or TimeIndex, optional
        Timestamps, sorted and finite (unsorted or NaN times raise
        :class:`~memphys.errors.TimeIndexError`; use :func:`memphys.sort_by_time`).
    time_units : {"s", "ms", "us"}
        Units of ``t``.
    time_support : IntervalSet, optional
        Epochs of definition; timestamps outside are dropped. Defaults to
        ``[t[0], t[-1]]``.

    Examples
    --------
    >>> import memphys as nap
    >>> nap.Ts(t=[1000, 2000], time_units="ms")
    Time (s)
    1.0
    2.0
    shape: 2
    """

    def __init__(self, t: Any, time_units: str = "s", time_support: Any = None) -> None:
        super().__init__(t, time_units, check_support(time_support))
        self._finish()

    def _finish(self, **kwargs: Any) -> None:
        object.__setattr__(self, "nap_class", type(self).__name__)
        object.__setattr__(self, "_initialized", True)

    @classmethod
    def _from_trusted(cls, ti: TimeIndex, support: IntervalSet | None, *args: Any) -> Ts:
        """Build from a validated index without clipping to the support."""
        obj = cls.__new__(cls)
        obj._setup(ti, support, None, clip=False)
        obj._finish()
        return obj

    def _define_instance(
        self, time_index: Any, time_support: Any, values: Any = None, **kwargs: Any
    ) -> Any:
        return _initialize_tsd_output(
            self, values, time_index=time_index, time_support=time_support, kwargs=kwargs
        )

    def __repr__(self) -> str:
        return ts_repr(self)

    # data methods (implemented in _tsd_binning)
    count = _tsd_binning.count
    value_from = _tsd_binning.value_from
    trial_count = _tsd_binning.trial_count

    def __getitem__(self, key: Any) -> Ts:
        if isinstance(key, tuple):
            key = key[0] if key else slice(None)
        ti = self._ti
        if isinstance(key, Number) and not isinstance(key, bool):
            i = int(key)  # type: ignore[call-overload]
            n = len(ti)
            if i < -n or i >= n:
                raise IndexError(f"index {i} is out of bounds for axis 0 with size {n}")
            i %= n
            sub = ti[i : i + 1]
        else:
            if isinstance(key, _Base) and hasattr(key, "values"):
                key = np.asarray(key.values)
            sub = ti[key]
        return Ts._from_trusted(sub, self.time_support)

    def __setitem__(self, key: Any, value: Any) -> None:
        """A Ts has no data: assignment does nothing (as pynapple), with a warning."""
        warnings.warn(
            "A Ts has no data to assign to (its timestamps are immutable); the assignment "
            "was ignored. Use ts.fillna(value) to build a Tsd.",
            MemphysUserWarning,
            stacklevel=2,
        )

    def __iter__(self) -> Any:
        return iter(self._ti)

    def copy(self) -> Ts:
        """A copy (the time index is immutable and shared)."""
        return Ts._from_trusted(self._ti, self.time_support)

    def as_series(self) -> Any:
        """A pandas Series of ``None`` (dtype object) indexed by the times."""
        import pandas as pd

        return pd.Series(index=self.t, dtype="object")

    def as_units(self, units: str = "s") -> Any:
        """:meth:`as_series` with the times in ``units`` (integers for ``"us"``).

        Examples
        --------
        >>> import memphys as nap
        >>> nap.Ts(t=[0.5, 1.0]).as_units("ms").index.tolist()
        [500.0, 1000.0]
        """
        import pandas as pd

        t = self._ti.in_units(units)
        if units == "us":
            t = t.astype(np.int64)
        out = pd.Series(index=t, dtype="object")
        out.index.name = f"Time ({units})"
        return out

    def fillna(self, value: Any) -> Any:
        """A Tsd with ``value`` at every timestamp.

        Examples
        --------
        >>> import memphys as nap
        >>> nap.Ts(t=[0.0, 1.0]).fillna(3).values
        array([3., 3.])
        """
        if not isinstance(value, Number):
            raise ArgumentTypeError("Only a scalar can be passed to fillna")
        d = np.full(len(self), value, dtype=np.float64)
        return _initialize_tsd_output(self, d, self._ti, self.time_support)
