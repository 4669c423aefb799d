"""``TsGroup``: a dictionary of spike trains (``Ts``/``Tsd``) keyed by unit, with metadata.

Same names and behaviour as pynapple's ``TsGroup``. Spike trains live in memory (they are
small), but every operation over the group is vectorised across units and epochs:
``restrict`` gathers each unit's samples with one search per unit whatever the number of
epochs, and ``count`` bins the spikes of all units at once (one ``searchsorted`` into the
bin edges and one ``bincount``), so binning a thousand units over thousands of trials
takes milliseconds.

Differences from pynapple are listed in ``docs/compat.md`` (section "TsGroup").

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> group = nap.TsGroup(
...     {0: nap.Ts(t=np.arange(0, 100.0)), 5: nap.Ts(t=np.arange(0, 100.0, 2))},
...     metadata={"area": ["ca1", "pfc"]},
... )
>>> group
  Index     rate  area
-------  -------  ------
      0  1.0101   ca1
      5  0.50505  pfc
>>> group.count(10.0, ep=nap.IntervalSet(0, 30)).values[:2]
array([[10,  5],
       [10,  5]])
>>> group.getby_category("area")["pfc"].keys()
[5]
"""

from __future__ import annotations

import copy
import logging
import os
import warnings
from collections import UserDict
from collections.abc import Hashable, Iterator, Mapping, Sequence
from numbers import Number
from typing import Any, overload

import numpy as np

from memphys._validation import describe, found_type, pynapple_error
from memphys.core._kinds import register_kind
from memphys.core._ts_group_input import (
    as_keys,
    as_unit,
    attribute_names,
    check_mergeable,
    sorted_metadata,
    values_per_unit,
)
from memphys.core._ts_group_ops import (
    check_count_args,
    check_trial_count_args,
    count_bins,
    flat_times,
    restrict_unit,
    subsample_positions,
    trial_tensor,
    union_supports,
)
from memphys.core._ts_group_repr import group_table
from memphys.core.interval_set import IntervalSet
from memphys.core.metadata import _MetadataMixin
from memphys.core.time_series import Ts, Tsd, TsdFrame, _BaseTsd
from memphys.errors import (
    MemphysFutureWarning,
    MemphysKeyError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.registry import save_object

logger = logging.getLogger("memphys.core")

__all__ = ["TsGroup"]


@register_kind()
class TsGroup(UserDict[int, Any], _MetadataMixin):
    """A dictionary of ``Ts``/``Tsd`` (e.g. the spike times of a population of units).

    Keys are integers (unit ids), kept sorted. Each unit is restricted to the group's
    ``time_support``. The metadata (one value per unit) always has the column ``rate``
    (events per second over the time support).

    Parameters
    ----------
    data : dict or iterable
        ``{key: Ts or Tsd}`` (keys convertible to integers), or an iterable of them (keys
        0, 1, ...). Arrays or lists of timestamps are turned into ``Ts`` (with a warning).
    time_support : IntervalSet, optional
        Epochs of the group; units are restricted to it. By default the union of the
        units' time supports.
    time_units : {'s', 'ms', 'us'}
        Units of timestamps given as arrays.
    bypass_check : bool
        Do not restrict the units to the time support (they already are).
    metadata : dict or pandas.DataFrame, optional
        One value per unit for each metadata column.
    **kwargs
        Metadata columns as keywords (deprecated in pynapple: a FutureWarning).

    Raises
    ------
    MemphysValueError
        If a key is not an integer, two keys are the same integer, or ``time_units`` is
        unknown.
    MemphysRuntimeError
        If no time support is given and the union of the units' supports is empty.
    MemphysTypeError
        If ``time_support`` is not an IntervalSet, ``bypass_check`` not a bool, or an
        element is not a time series nor timestamps.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup([nap.Ts(t=np.arange(100.0)), nap.Ts(t=np.arange(0, 100.0, 3))])
    >>> group
      Index     rate
    -------  -------
          0  1.0101
          1  0.34343
    >>> group[1].t[:3]
    array([0., 3., 6.])
    >>> group.area = ["ca1", "pfc"]
    >>> group.groupby("area")
    {'ca1': array([0]), 'pfc': array([1])}
    >>> group.restrict(nap.IntervalSet(0, 10)).rates
    array([1.1, 0.4])
    >>> group[0] = nap.Ts(t=[1.0, 2.0])
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysTypeError: Metadata keys must be strings! (got 0)
    """

    _protected_metadata = frozenset({"rate"})  # computed: never set, dropped or restricted away

    index: np.ndarray
    """The keys (unit ids), sorted, as an int64 array."""

    time_support: IntervalSet
    """The epochs on which the group is defined."""

    nap_class: str
    """Class name, as pynapple."""

    def __init__(
        self,
        data: Any,
        time_support: IntervalSet | None = None,
        time_units: str = "s",
        bypass_check: bool = False,
        metadata: Any = None,
        **kwargs: Any,
    ) -> None:
        self.__dict__["_initialized"] = False
        if time_units not in ("s", "ms", "us"):
            raise pynapple_error(
                MemphysValueError,
                "Argument time_units should be 's', 'ms' or 'us'",
                describe(time_units),
            )
        if not isinstance(bypass_check, bool):
            raise pynapple_error(
                MemphysTypeError,
                "Argument bypass_check should be of type bool",
                found_type(bypass_check),
            )
        if time_support is not None and not isinstance(time_support, IntervalSet):
            raise pynapple_error(
                MemphysTypeError,
                "Argument time_support should be of type IntervalSet",
                found_type(time_support),
            )
        if not isinstance(data, Mapping):
            data = dict(enumerate(data))
        keys = as_keys(data)
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        values = list(data.values())
        if len(keys) > 1:
            metadata = sorted_metadata(metadata, keys, order)
            kwargs = sorted_metadata(kwargs, keys, order) or {}
        index = np.asarray(keys, dtype=np.int64)[order]
        units = [
            as_unit(values[i], int(index[j]), time_support, time_units) for j, i in enumerate(order)
        ]
        if time_support is None:
            time_support = union_supports([u.time_support for u in units])
            if len(time_support) == 0:
                raise MemphysRuntimeError(
                    "Union of time supports is empty. Consider passing a time support as argument."
                )
        if not bypass_check:
            units = [restrict_unit(u, time_support) for u in units]
        self._setup(index, units, time_support)
        if kwargs:
            warnings.warn(
                "initializing metadata with variable keyword arguments may be unsupported in a "
                "future version. Instead, initialize using the metadata argument.",
                MemphysFutureWarning,
                stacklevel=2,
            )
        self.set_info(metadata, **kwargs)

    def _setup(self, index: np.ndarray, units: list[Any], time_support: IntervalSet) -> None:
        """Store units, keys and support; compute the rates (``_initialized`` at the end)."""
        self.__dict__["_initialized"] = False
        index = np.asarray(index, dtype=np.int64)
        index.setflags(write=False)
        self.__dict__["data"] = {int(k): u for k, u in zip(index.tolist(), units, strict=True)}
        self.__dict__["index"] = index
        self.__dict__["time_support"] = time_support
        self.__dict__["nap_class"] = type(self).__name__
        _MetadataMixin.__init__(self)
        rate = np.array([u.rate for u in units], dtype=np.float64)
        rate.setflags(write=False)
        self._metadata["rate"] = rate
        self.__dict__["_class_attributes"] = attribute_names(type(self))
        self.__dict__["_initialized"] = True

    @classmethod
    def _from_units(
        cls,
        index: Any,
        units: list[Any],
        time_support: IntervalSet,
        metadata: Mapping[str, Any] | None = None,
    ) -> TsGroup:
        """Build from units already restricted to ``time_support`` (keys sorted, no checks)."""
        obj = cls.__new__(cls)
        obj._setup(np.asarray(index, dtype=np.int64), units, time_support)
        for k, v in (metadata or {}).items():
            if k != "rate":
                obj._metadata[k] = v
        return obj

    def _meta_rows(self, rows: Any = slice(None)) -> dict[str, Any]:
        """Metadata columns other than ``rate``, at positions ``rows``."""
        return {k: v[rows] for k, v in self._metadata.data.items() if k != "rate"}

    def _units(self) -> list[Any]:
        return list(self.data.values())

    # ---------------------------------------------------------------- attributes
    def __setattr__(self, name: str, value: Any) -> None:
        """After initialisation, ``group.name = value`` sets metadata ``name``."""
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
        """``group.name`` returns metadata column ``name``."""
        return _MetadataMixin.__getattr__(self, name)

    def __setitem__(self, key: Any, value: Any) -> None:
        """``group["name"] = values`` sets metadata; units cannot be added or replaced."""
        _MetadataMixin.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        raise MemphysTypeError(
            f"TsGroup is immutable: cannot delete unit {key!r}. Select the units to keep "
            f"instead, e.g. group[[k for k in group.keys() if k != {key!r}]]."
        )

    @overload
    def __getitem__(self, key: int | np.integer | str | list[str]) -> Any: ...
    @overload
    def __getitem__(self, key: np.ndarray | Sequence[int] | Sequence[bool]) -> TsGroup: ...
    def __getitem__(self, key: Any) -> Any:
        """A unit by key, a TsGroup of several units, or metadata column(s) by name.

        ``key`` may be a unit key, a list/array of keys, a boolean array (one value per
        unit), a metadata column name or a list of names.
        """
        if isinstance(key, Hashable) and not isinstance(key, tuple):
            if key in self.data:
                return self.data[key]
            if isinstance(key, str) and key in self._metadata.data:
                return _MetadataMixin.__getitem__(self, key)
            raise MemphysKeyError(f"Key {key} not in group index.")
        if isinstance(key, list) and key and all(isinstance(k, str) for k in key):
            return _MetadataMixin.__getitem__(self, key)
        if isinstance(key, tuple):
            raise MemphysKeyError(f"Key {key} not in group index.")
        arr = np.asarray(key)
        if arr.dtype == bool:
            if arr.ndim != 1:
                raise IndexError("Only 1-dimensional boolean indices are allowed!")
            if len(arr) != len(self):
                raise IndexError(
                    "Boolean index length must be equal to the number of Ts in the group! "
                    f"The number of Ts is {len(self)}, but the boolean array has length "
                    f"{len(arr)} instead!"
                )
            arr = self.index[arr]
        arr = arr.reshape(-1)
        missing = [k for k in arr.tolist() if k not in self.data]
        if missing:
            raise MemphysKeyError(f"Key {missing} not in group index.")
        return self._ts_group_from_keys(arr)

    def _ts_group_from_keys(self, keys: Any) -> TsGroup:
        keys = np.unique(np.asarray(keys, dtype=np.int64)) if len(keys) else np.zeros(0, int)
        rows = np.searchsorted(self.index, keys)
        return TsGroup._from_units(
            keys, [self.data[int(k)] for k in keys], self.time_support, self._meta_rows(rows)
        )

    # ------------------------------------------------------------------- display
    def __repr__(self) -> str:
        return group_table(self.index, self._metadata["rate"], self._metadata.data, True)

    def __str__(self) -> str:
        return group_table(self.index, self._metadata["rate"], self._metadata.data, False)

    # ---------------------------------------------------------- dict-like access
    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[int]:
        return iter(self.data)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def keys(self) -> list[int]:  # type: ignore[override]
        """The keys (unit ids), as a list.

        Examples
        --------
        >>> import memphys as nap
        >>> nap.TsGroup({3: nap.Ts(t=[1.0, 2.0]), 1: nap.Ts(t=[0.0, 4.0])}).keys()
        [1, 3]
        """
        return list(self.data.keys())

    def items(self) -> list[tuple[int, Any]]:  # type: ignore[override]
        """``(key, unit)`` pairs, as a list."""
        return list(self.data.items())

    def values(self) -> list[Any]:  # type: ignore[override]
        """The units (Ts/Tsd objects), as a list."""
        return list(self.data.values())

    @property
    def rates(self) -> np.ndarray:
        """Rate of each unit in Hz (events / total duration of the time support)."""
        return np.asarray(self._metadata["rate"])

    def copy(self) -> TsGroup:
        """A deep copy (units, metadata and time support)."""
        return copy.deepcopy(self)

    # --------------------------------------------------------- time operations
    def restrict(self, ep: IntervalSet) -> TsGroup:
        """The units restricted to the epochs of ``ep`` (which becomes the time support).

        One search per unit finds its samples in every epoch; the rates are recomputed.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup([nap.Ts(t=np.arange(200.0)), nap.Ts(t=np.arange(0, 200.0, 0.5))])
        >>> sub = group.restrict(nap.IntervalSet(start=[0, 50], end=[10, 60]))
        >>> [len(u) for u in sub.values()], sub.rates
        ([22, 42], array([1.1, 2.1]))
        """
        if not isinstance(ep, IntervalSet):
            raise pynapple_error(MemphysTypeError, "Argument should be IntervalSet", found_type(ep))
        units = [restrict_unit(u, ep) for u in self._units()]
        return TsGroup._from_units(self.index, units, ep, self._meta_rows())

    def value_from(self, tsd: Any, ep: IntervalSet | None = None, mode: str = "closest") -> TsGroup:
        """Each unit's times with the values of ``tsd`` at (or before/after) them.

        Parameters
        ----------
        tsd : Tsd, TsdFrame or TsdTensor
            The values to take.
        ep : IntervalSet, optional
            Epochs to work on (default: ``tsd.time_support``); the new time support.
        mode : {'closest', 'before', 'after'}
            Which sample of ``tsd`` gives a time its value.
        """
        if not isinstance(tsd, _BaseTsd):
            raise MemphysTypeError(
                "First argument should be an instance of Tsd, TsdFrame or TsdTensor"
            )
        if ep is None:
            ep = tsd.time_support
        if not isinstance(ep, IntervalSet):
            raise pynapple_error(
                MemphysTypeError,
                "Argument ep should be of type IntervalSet or None",
                found_type(ep),
            )
        if mode not in ("closest", "before", "after"):
            raise MemphysValueError(
                f"Argument mode should be 'closest', 'before', or 'after'. {mode} provided instead."
            )
        units = [u.value_from(tsd, ep=ep, mode=mode) for u in self._units()]
        return TsGroup(
            dict(zip(self.index.tolist(), units, strict=True)),
            time_support=ep,
            metadata=self._meta_rows(),
        )

    def _flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Concatenated spike times, unit position of each, unit sizes (cached)."""
        cached = self.__dict__.get("_flat_cache")
        if cached is None:
            cached = flat_times(self._units())
            self.__dict__["_flat_cache"] = cached
        return cached

    def count(
        self,
        bin_size: float | None = None,
        ep: IntervalSet | None = None,
        time_units: str = "s",
        dtype: Any = None,
    ) -> TsdFrame:
        """Number of events of each unit per bin (or per epoch), as a TsdFrame.

        Without ``bin_size``, one count per epoch of ``ep`` (both ends included), at the
        epoch's center. With ``bin_size``, consecutive bins from the start of each epoch,
        as long as a bin's center is inside the epoch; a bin counts the events in
        ``[left edge, right edge)``. All units are counted in one vectorised pass.

        Parameters
        ----------
        bin_size : float, optional
            Bin size in ``time_units``.
        ep : IntervalSet, optional
            Epochs to count in (default: the time support).
        time_units : {'s', 'ms', 'us'}
            Units of ``bin_size``.
        dtype : numpy dtype, optional
            dtype of the counts (default int64).

        Returns
        -------
        TsdFrame
            One column per unit (labelled by key), one row per bin, with the group's
            metadata (but ``rate``) as column metadata.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup([nap.Ts(t=np.arange(200.0)), nap.Ts(t=np.arange(0, 200.0, 0.5))])
        >>> counts = group.count(1, nap.IntervalSet(start=0, end=100))
        >>> counts.shape, counts.t[:3], counts.values[0]
        ((100, 2), array([0.5, 1.5, 2.5]), array([1, 2]))
        >>> group.count(ep=nap.IntervalSet(start=[0, 50], end=[9, 60])).values
        array([[10, 19],
               [11, 21]])
        """
        bin_size, ep, dtype = check_count_args(bin_size, ep, time_units, dtype, self.time_support)
        centers, counts, _ = self._count(bin_size, ep)
        return TsdFrame(
            t=centers,
            d=counts.astype(dtype, copy=False) if len(self) else np.empty((len(centers), 0)),
            time_support=ep,
            columns=self.index if len(self) else None,
            metadata=self._meta_rows(),
        )

    def _count(
        self, bin_size: float | None, ep: IntervalSet
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        trains = [np.asarray(u.t, dtype=np.float64) for u in self._units()]
        return count_bins(trains, ep.start, ep.end, bin_size)

    def trial_count(
        self,
        ep: IntervalSet,
        bin_size: float,
        align: str = "start",
        padding_value: float = np.nan,
        time_unit: str = "s",
    ) -> np.ndarray:
        """Counts per unit, trial and bin: an array ``(n_units, n_trials, n_bins)``.

        Each interval of ``ep`` is a trial, binned as :meth:`count` does. Trials shorter
        than the longest are padded with ``padding_value`` at the end (``align="start"``)
        or at the beginning (``align="end"``).

        Raises
        ------
        MemphysRuntimeError
            If an argument has the wrong type or value (a RuntimeError, as in pynapple).

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup({0: nap.Ts(t=np.arange(0, 100.0))})
        >>> ep = nap.IntervalSet(start=[20, 40], end=[22, 44])
        >>> group.trial_count(ep, bin_size=1)
        array([[[ 1.,  1., nan, nan],
                [ 1.,  1.,  1.,  1.]]])
        >>> group.trial_count(ep, bin_size=1, align="end", padding_value=-1)
        array([[[-1., -1.,  1.,  1.],
                [ 1.,  1.,  1.,  1.]]])
        """
        size = check_trial_count_args(ep, bin_size, align, time_unit)
        _, counts, n_bins = self._count(size, ep)
        return trial_tensor(counts, n_bins, align, padding_value)

    def to_tsd(self, *args: Any) -> Tsd:
        """All events of the group in one Tsd, sorted by time; values say whose they are.

        Parameters
        ----------
        *args
            Nothing (values are the unit keys), the name of a metadata column, or one
            value per unit (list, array or Series indexed by the keys).

        Raises
        ------
        MemphysRuntimeError
            If the values do not match the units or the argument is unknown.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup({0: nap.Ts(t=[0.0, 2.0]), 5: nap.Ts(t=[1.0, 3.0])})
        >>> tsd = group.to_tsd()
        >>> tsd.t, tsd.values
        (array([0., 1., 2., 3.]), array([0., 5., 0., 5.]))
        >>> group.to_tsd([-1, 1]).values
        array([-1.,  1., -1.,  1.])
        """
        per_unit = values_per_unit(self, args)
        t, unit, _ = self._flat()
        values = np.asarray(per_unit, dtype=np.float64)[unit] if t.size else np.zeros(0)
        order = np.argsort(t)  # numpy's default sort, as pynapple: same order at equal times
        return Tsd(t=t[order], d=values[order], time_support=self.time_support)

    def time_diff(self, align: str = "center", epochs: IntervalSet | None = None) -> dict[int, Any]:
        """Differences between consecutive events of each unit within each epoch.

        Parameters
        ----------
        align : {'start', 'center', 'end'}
            Where each difference is placed between its two events.
        epochs : IntervalSet, optional
            Epochs to work on (default: each unit's time support).

        Returns
        -------
        dict
            ``{key: Tsd of differences}``.

        Examples
        --------
        >>> import memphys as nap
        >>> group = nap.TsGroup({0: nap.Ts(t=[1.0, 3.0, 4.0]), 1: nap.Ts(t=[2.0, 8.0])})
        >>> group.time_diff(align="start")[0].values
        array([2., 1.])
        """
        if align not in ("start", "center", "end"):
            raise pynapple_error(
                MemphysRuntimeError, "align should be 'start', 'center' or 'end'", describe(align)
            )
        if epochs is not None and not isinstance(epochs, IntervalSet):
            raise pynapple_error(
                MemphysTypeError,
                "epochs should be an object of type IntervalSet",
                found_type(epochs),
            )
        return {k: u.time_diff(align=align, epochs=epochs) for k, u in self.data.items()}

    def get(self, start: float, end: float | None = None, time_units: str = "s") -> TsGroup:  # type: ignore[override]
        """Each unit's events from ``start`` to ``end`` (or the one closest to ``start``).

        The time support is unchanged (use :meth:`restrict` to change it).

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup([nap.Ts(t=np.arange(10.0)), nap.Ts(t=np.arange(0, 10.0, 0.5))])
        >>> [len(u) for u in group.get(2, 4).values()]
        [3, 5]
        """
        units = [u.get(start, end, time_units) for u in self._units()]
        return TsGroup._from_units(self.index, units, self.time_support, self._meta_rows())

    # ------------------------------------------------------ selection by metadata
    def getby_threshold(self, key: str, thr: float, op: str = ">") -> TsGroup:
        """The units whose metadata ``key`` is above (or below) ``thr``.

        Parameters
        ----------
        key : str
            A metadata column.
        thr : float
            The threshold.
        op : {'>', '<', '>=', '<='}
            The comparison.

        Raises
        ------
        MemphysRuntimeError
            If ``op`` is not one of these.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup([nap.Ts(t=np.arange(200.0)), nap.Ts(t=np.arange(0, 200.0, 0.5))])
        >>> group.getby_threshold("rate", 1.5).keys()
        [1]
        """
        ops = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal}
        if op not in ops:
            raise MemphysRuntimeError(f"Operation {op} not recognized.")
        keys: np.ndarray = self.index[ops[op](self._metadata[key], thr)]
        return self[keys]

    def getby_intervals(self, key: str, bins: Any) -> tuple[list[TsGroup], np.ndarray]:
        """The units binned by the values of metadata ``key``.

        Returns
        -------
        list of TsGroup, numpy.ndarray
            One TsGroup per non-empty bin, and the centers of those bins.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup([nap.Ts(t=np.arange(10.0))] * 3, metadata={"alpha": [0, 1, 2]})
        >>> groups, centers = group.getby_intervals("alpha", [0, 1, 2])
        >>> [g.keys() for g in groups], centers
        ([[0], [1]], array([0.5, 1.5]))
        """
        bins = np.asarray(bins)
        which = np.digitize(self._metadata[key], bins) - 1
        present = np.unique(which)
        present = present[(present >= 0) & (present < len(bins) - 1)]
        centers = bins[:-1] + np.diff(bins) / 2
        return [self[self.index[which == b]] for b in present], centers[present]

    def getby_category(self, key: str) -> dict[Any, TsGroup]:
        """``{value: TsGroup of the units with that value}`` for metadata ``key``.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup([nap.Ts(t=np.arange(10.0))] * 3, metadata={"group": [0, 1, 1]})
        >>> {k: g.keys() for k, g in group.getby_category("group").items()}
        {0: [0], 1: [1, 2]}
        """
        return {k: self[v] for k, v in self.groupby(key).items()}

    # ----------------------------------------------------------------- merging
    @staticmethod
    def merge_group(
        *tsgroups: TsGroup,
        reset_index: bool = False,
        reset_time_support: bool = False,
        ignore_metadata: bool = False,
    ) -> TsGroup:
        """Merge several TsGroups into one.

        Parameters
        ----------
        *tsgroups : TsGroup
        reset_index : bool
            Number the units 0..n-1 (otherwise keys must not overlap).
        reset_time_support : bool
            Use the union of the units' supports (otherwise supports must be equal).
        ignore_metadata : bool
            Keep only ``rate`` (otherwise metadata columns must be the same).

        Raises
        ------
        MemphysTypeError
            If an input is not a TsGroup.
        MemphysValueError
            If metadata columns, keys or time supports conflict.

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(0, 10)
        >>> a = nap.TsGroup({0: nap.Ts(t=[1.0, 2.0])}, time_support=ep)
        >>> b = nap.TsGroup({0: nap.Ts(t=[3.0, 5.0])}, time_support=ep)
        >>> nap.TsGroup.merge_group(a, b, reset_index=True)
          Index    rate
        -------  ------
              0     0.2
              1     0.2
        """
        check_mergeable(TsGroup, tsgroups, reset_index, reset_time_support, ignore_metadata)
        if len(tsgroups) == 1:
            logging.getLogger(__name__).warning(
                "Only one TsGroup object provided, no merge needed."
            )
            return tsgroups[0]
        units = [u for g in tsgroups for u in g.values()]
        keys = list(range(len(units))) if reset_index else [k for g in tsgroups for k in g]
        data = dict(zip(keys, units, strict=True))
        support = None if reset_time_support else tsgroups[0].time_support
        if ignore_metadata:
            return TsGroup(data, time_support=support)
        columns = [c for c in tsgroups[0].metadata_columns if c != "rate"]
        metadata = {
            c: np.concatenate([np.asarray(g._metadata[c]) for g in tsgroups]) for c in columns
        }
        return TsGroup(data, time_support=support, metadata=metadata)

    def merge(
        self,
        *tsgroups: TsGroup,
        reset_index: bool = False,
        reset_time_support: bool = False,
        ignore_metadata: bool = False,
    ) -> TsGroup:
        """Merge with other TsGroups (see :meth:`merge_group`).

        Examples
        --------
        >>> import memphys as nap
        >>> ep = nap.IntervalSet(-1, 1)
        >>> a = nap.TsGroup({0: nap.Ts(t=[-1.0, 0.0, 1.0])}, time_support=ep)
        >>> b = nap.TsGroup({10: nap.Ts(t=[-1.0, 0.0, 1.0])}, time_support=ep)
        >>> a.merge(b)
          Index    rate
        -------  ------
              0     1.5
             10     1.5
        """
        return TsGroup.merge_group(
            self,
            *tsgroups,
            reset_index=reset_index,
            reset_time_support=reset_time_support,
            ignore_metadata=ignore_metadata,
        )

    def subsample(self, fraction: float, seed: int | None = None) -> TsGroup:
        """Keep a random ``fraction`` of the events of each unit.

        ``round(n * fraction)`` events of a unit of ``n`` are drawn without replacement
        (the same draws as pynapple for the same ``seed``); Tsd values are kept.

        Raises
        ------
        MemphysTypeError
            If ``fraction`` is not a number.
        MemphysValueError
            If ``fraction`` is not between 0 and 1.

        Examples
        --------
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup({0: nap.Ts(t=np.arange(100.0))})
        >>> len(group.subsample(0.25, seed=1)[0])
        25
        """
        if not isinstance(fraction, Number):
            raise pynapple_error(
                MemphysTypeError, "fraction must be a number.", found_type(fraction)
            )
        if not 0 <= fraction <= 1:
            raise pynapple_error(
                MemphysValueError, "fraction must be between 0 and 1.", describe(fraction)
            )
        rng = np.random.default_rng(seed)
        units: list[Any] = []
        for u in self._units():
            pos = subsample_positions(len(u), float(fraction), rng)
            t = u.t[pos]
            if isinstance(u, _BaseTsd):
                d = np.asarray(u.values)[pos]
                units.append(Tsd(t=t, d=d, time_support=self.time_support))
            else:
                units.append(Ts(t=t, time_support=self.time_support))
        return TsGroup._from_units(self.index, units, self.time_support, self._meta_rows())

    # --------------------------------------------------------------------- I/O
    def save(self, filename: str | os.PathLike[str]) -> None:
        """Save to ``filename`` (``.npz``) with pynapple's keys.

        Keys: ``t`` (all events, sorted), ``index`` (the unit of each), ``d`` (values, only
        for a group of Tsd), ``keys``, ``start``/``end`` (time support), ``type`` and
        ``_metadata`` (a pickled dict; ``rate`` is recomputed on loading). The file is
        written under a temporary name and renamed, so an interrupted save leaves no
        truncated file. Read it back with ``memphys.load_file``.

        Raises
        ------
        MemphysTypeError
            If ``filename`` is not a string or path, or a unit holds more than one value
            per event.
        MemphysRuntimeError
            If ``filename`` is a folder or its folder does not exist.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> import numpy as np
        >>> import memphys as nap
        >>> group = nap.TsGroup({0: nap.Ts([0, 2.0]), 6: nap.Ts([1, 3.0])}, metadata={"g": [1, 2]})
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "units.npz"
        >>> group.save(path)
        >>> with np.load(path, allow_pickle=True) as f:
        ...     f["t"], f["index"]
        (array([0., 1., 2., 3.]), array([0, 6, 0, 6]))
        >>> nap.load_file(path).g.tolist()
        [1, 2]
        """
        save_object(self, filename)
