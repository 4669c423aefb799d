"""Metadata: one value per row of an object (interval, unit, or column of a frame).

:class:`_MetadataMixin` gives an object pynapple's metadata API (``set_info``,
``get_info``, ``drop_info``, ``restrict_info``, ``metadata``, ``groupby``,
``groupby_apply`` and access by attribute or key). The values live in a
:class:`_Metadata` container: a dict of column name -> numpy array, plus the row index.

A class using the mixin defines ``index`` (rows: intervals of an IntervalSet, units of a
TsGroup) or ``columns`` with ``_metadata_rows = "columns"`` (a TsdFrame, whose metadata
rows are its columns, selected with ``loc``), a ``nap_class`` name, a
``_class_attributes`` collection of names that metadata must not shadow, the
``_protected_metadata`` columns it computes itself (a TsGroup's ``rate``), and an
``_initialized`` flag set to True at the end of its ``__init__``. The mixin names none of
the classes that use it.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> ep = nap.IntervalSet(start=[0, 10, 20], end=[5, 12, 33], metadata={"label": ["a", "b", "a"]})
>>> ep.label
0    a
1    b
2    a
Name: label, dtype: str
>>> ep.groupby("label")
{'a': array([0, 2]), 'b': array([1])}
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections import UserDict
from collections.abc import Callable, Mapping
from numbers import Number
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from memphys._validation import describe, pynapple_error
from memphys.core._interval_repr import plain_table, terminal_size, to_strings
from memphys.errors import MemphysKeyError, MemphysTypeError, MemphysValueError, MetadataWarning

__all__ = ["_Metadata", "_MetadataMixin"]

_PICKLE_NAMES = ("__getstate__", "__setstate__", "__reduce__", "__reduce_ex__")


class _MetadataMixin:
    """Metadata API shared by IntervalSet, TsdFrame (rows = columns) and TsGroup (rows = units).

    Not meant to be instantiated on its own.
    """

    metadata_index: Any
    """Row labels of the metadata: ``index`` (IntervalSet, TsGroup) or ``columns`` (TsdFrame)."""

    #: ``"index"``, or ``"columns"`` when the metadata rows are the object's columns.
    _metadata_rows: ClassVar[str] = "index"
    #: Metadata columns the object computes itself: never set, dropped or restricted away.
    _protected_metadata: ClassVar[frozenset[str]] = frozenset()

    _metadata: _Metadata
    _initialized: bool
    _class_attributes: Any
    nap_class: str
    index: Any
    columns: Any
    loc: Any

    def __init__(self) -> None:
        self.metadata_index = getattr(self, self._metadata_rows)
        self._metadata = _Metadata(self.metadata_index)

    def __dir__(self) -> list[str]:
        """Attribute names, metadata columns included."""
        return sorted([*super().__dir__(), *self.metadata_columns])

    def __setattr__(self, name: str, value: Any) -> None:
        """After initialisation, ``obj.name = value`` sets metadata ``name``."""
        if self.__dict__.get("_initialized", False):
            self.set_info(**{name: value})
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """``obj.name`` returns metadata column ``name`` when no attribute has that name."""
        if name in _PICKLE_NAMES:
            raise AttributeError(name)
        meta = self.__dict__.get("_metadata")
        if meta is not None and name in meta.data:
            return self.get_info(name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setitem__(self, key: Any, value: Any) -> None:
        """``obj["name"] = value`` sets metadata ``name``."""
        if not isinstance(key, str):
            raise pynapple_error(MemphysTypeError, "Metadata keys must be strings!", describe(key))
        self.set_info({key: value})

    def __getitem__(self, key: Any) -> Any:
        """``obj["name"]`` returns metadata column ``name``."""
        return self.get_info(key)

    @property
    def metadata(self) -> pd.DataFrame:
        """A copy of the metadata as a :class:`pandas.DataFrame` (rows = metadata index)."""
        return self._metadata.as_dataframe()

    @property
    def metadata_columns(self) -> list[str]:
        """Names of the metadata columns."""
        return list(self._metadata.columns)

    def _raise_invalid_metadata_column_name(self, name: Any) -> None:
        """Check one metadata name; warn when it cannot be used as an attribute or key."""
        if not isinstance(name, str):
            raise MemphysTypeError(
                f"Invalid metadata type {type(name)}. Metadata column names must be strings!"
            )
        if name in self._class_attributes:
            if name in self._protected_metadata:
                raise MemphysValueError(
                    f"Invalid metadata name '{name}'. Cannot overwrite {self.nap_class} '{name}'!"
                )
            warnings.warn(
                f"Metadata name '{name}' overlaps with an existing attribute, and cannot be "
                "accessed as an attribute or key. Use 'get_info()' to access metadata.",
                MetadataWarning,
                stacklevel=4,
            )
        elif getattr(self, "columns", None) is not None and name in list(self.columns):
            if self._metadata_rows == "columns":
                raise MemphysValueError(
                    f"Invalid metadata name '{name}'. Metadata name must differ from "
                    f"{list(self.columns)} column names!"
                )
            warnings.warn(
                f"Metadata name '{name}' overlaps with an existing property, and cannot be "
                "accessed as an attribute or key. Use 'get_info()' to access metadata.",
                MetadataWarning,
                stacklevel=4,
            )
        if not name.replace("_", "").isalnum():
            warnings.warn(
                f"Metadata name '{name}' contains a special character, and cannot be "
                "accessed as an attribute. Use 'get_info()' or key indexing to access metadata.",
                MetadataWarning,
                stacklevel=4,
            )
        elif not name[0].isalpha() and name[0] != "_":
            warnings.warn(
                f"Metadata name '{name}' starts with a number, and cannot be accessed as an "
                "attribute. Use 'get_info()' or key indexing to access metadata.",
                MetadataWarning,
                stacklevel=4,
            )

    def _check_metadata_column_names(self, metadata: Any = None, **kwargs: Any) -> None:
        """Check every name of ``metadata`` (dict-like) and ``kwargs``."""
        if metadata is not None and hasattr(metadata, "keys"):
            names = metadata.keys()  # a Series iterates over values, not names
            for k in names:
                self._raise_invalid_metadata_column_name(k)
        for k in kwargs:
            self._raise_invalid_metadata_column_name(k)

    def set_info(self, metadata: Any = None, **kwargs: Any) -> None:
        """Add metadata columns (or overwrite existing ones).

        Names that do not clash with attributes of the object can then be read as
        attributes (``obj.name``) and keys (``obj["name"]``) and set the same way.

        Parameters
        ----------
        metadata : pandas.DataFrame or dict or pandas.Series, optional
            Columns by name: DataFrame columns, dict keys, or (for an object with a single
            row) Series index. A DataFrame's index must equal the metadata index.
        **kwargs : pandas.Series, numpy.ndarray, list or tuple
            Columns by keyword, one value per row. A Series' index must equal the metadata
            index. With a single row, scalars are accepted too.

        Raises
        ------
        ValueError
            If an index does not match the metadata index or a length does not match the
            number of rows.
        TypeError
            If ``metadata`` is not dict-like, a name is not a string, or a value cannot be
            stored as a column.
        """
        self._check_metadata_column_names(metadata, **kwargs)
        n_rows = len(self.metadata_index)
        if metadata is not None:
            if not hasattr(metadata, "keys"):
                raise MemphysTypeError(
                    f"Metadata with type {type(metadata)} should be passed as a keyword argument."
                )
            if (
                hasattr(metadata, "index")
                and n_rows > 1
                and not _same_index(self.metadata_index, metadata.index)
            ):
                raise MemphysValueError("Metadata index does not match.")
            kwargs = {**metadata, **kwargs}

        not_set = []
        for k, v in kwargs.items():
            if hasattr(v, "keys") and hasattr(v, "index"):  # pandas.Series
                if not _same_index(self.metadata_index, v.index):
                    raise MemphysValueError(f"Metadata index does not match for argument {k}")
                value = np.array(v)
            elif n_rows == 1 and (not hasattr(v, "__iter__") or isinstance(v, str)):
                value = np.array([v])
            elif hasattr(v, "__len__") and not isinstance(v, dict):
                if len(v) == n_rows:
                    value = np.array(v)
                elif n_rows == 1:
                    value = np.array([v])
                else:
                    raise MemphysValueError(
                        f"input array length {len(v)} does not match metadata length {n_rows}."
                    )
            else:
                not_set.append({k: v})
                continue
            value.setflags(write=False)
            self._metadata[k] = value

        if not_set:
            raise MemphysTypeError(
                f"Cannot set the following metadata:\n{not_set}.\nMetadata columns provided "
                "must be  of type `panda.Series`, `tuple`, `list`, or `numpy.ndarray`."
            )

    def get_info(self, key: Any) -> Any:
        """Return metadata column(s).

        Parameters
        ----------
        key : str or list of str
            A column name (returns a :class:`pandas.Series`) or several (returns a
            :class:`pandas.DataFrame`), indexed by the metadata index.

        Raises
        ------
        KeyError
            If a column does not exist.
        TypeError
            If ``key`` is neither a string nor a list of strings.
        """
        if isinstance(key, str):
            if key not in self._metadata.data:
                raise MemphysKeyError(
                    f"Metadata column {key} not found. Metadata columns are {self.metadata_columns}"
                )
            return pd.Series(
                index=self.metadata_index, data=list(self._metadata.data[key]), name=key
            )
        if isinstance(key, list | np.ndarray) and all(isinstance(k, str) for k in key):
            missing = [k for k in key if k not in self._metadata.data]
            if missing:
                raise MemphysKeyError(
                    f"Metadata column(s) {missing} not found. Metadata columns are "
                    f"{self.metadata_columns}"
                )
            return pd.DataFrame(
                index=self.metadata_index, data={k: list(self._metadata.data[k]) for k in key}
            )
        raise MemphysTypeError(f"Invalid metadata column {key}. Metadata columns must be strings.")

    def drop_info(self, key: Any) -> None:
        """Remove metadata column(s) ``key`` (a name or a list of names), in place.

        Raises
        ------
        KeyError
            If a column does not exist (nothing is dropped then).
        TypeError
            If ``key`` is neither a string nor a list of strings.
        """
        if isinstance(key, str):
            keys = [key]
        elif isinstance(key, list | np.ndarray) and all(isinstance(k, str) for k in key):
            keys = list(key)
        else:
            raise MemphysTypeError(
                f"Invalid metadata column {key}. Metadata columns are {self.metadata_columns}"
            )
        for k in self._protected_metadata.intersection(keys):
            raise MemphysValueError(f"Cannot drop {self.nap_class} '{k}'!")
        missing = [k for k in keys if k not in self._metadata.data]
        if missing:
            what = f"column {key}" if isinstance(key, str) else f"column(s) {missing}"
            raise MemphysKeyError(
                f"Metadata {what} not found. Metadata columns are {self.metadata_columns}"
            )
        for k in keys:
            del self._metadata[k]

    def restrict_info(self, key: Any) -> None:
        """Keep only metadata column(s) ``key`` (a name or a list of names), in place.

        Raises
        ------
        KeyError
            If a column does not exist (nothing is dropped then).
        TypeError
            If ``key`` is a number.
        """
        if isinstance(key, Number):
            raise MemphysTypeError(
                f"Invalid metadata column {key}. Metadata columns are {self.metadata_columns}"
            )
        keys = [key] if isinstance(key, str) else list(key)
        missing = [k for k in keys if k not in self._metadata.data]
        if missing:
            raise MemphysKeyError(
                f"Metadata column(s) {missing} not found. Metadata columns are "
                f"{self.metadata_columns}"
            )
        for k in self.metadata_columns:
            if k in keys or k in self._protected_metadata:
                continue
            del self._metadata[k]

    def groupby(self, by: Any, get_group: Any = None) -> Any:
        """Group the rows by the values of metadata column(s).

        Parameters
        ----------
        by : str or list of str
            Metadata column name(s) to group by.
        get_group : optional
            A group key: return the object restricted to that group instead.

        Returns
        -------
        dict or object
            ``{group key: metadata index of the rows in the group}`` (keys are tuples when
            grouping by several columns; empty groups are left out), or the object
            restricted to ``get_group``.

        Raises
        ------
        ValueError
            If a column or the requested group does not exist.
        """
        names = [by] if isinstance(by, str) else by
        if isinstance(names, list):
            for b in names:
                if b not in self._metadata.data:
                    raise MemphysValueError(
                        f"Metadata column '{b}' not found. Metadata columns are "
                        f"{self.metadata_columns}"
                    )
        groups = self._metadata.groupby(by)
        if get_group is None:
            return groups
        if get_group not in groups:
            raise MemphysValueError(
                f"Group '{get_group}' not found in metadata groups. Groups are "
                f"{list(groups.keys())}"
            )
        idx = groups[get_group]
        if self._metadata_rows == "columns":
            return self.loc[idx]
        return self[idx]

    def groupby_apply(
        self, by: Any, func: Callable[..., Any], input_key: str | None = None, **func_kwargs: Any
    ) -> dict[Any, Any]:
        """Apply ``func`` to the object restricted to each group of :meth:`groupby`.

        Parameters
        ----------
        by : str or list of str
            Metadata column name(s) to group by.
        func : callable
            Called once per group.
        input_key : str, optional
            Name of the argument of ``func`` that receives the grouped object; by default
            it is passed as the first positional argument.
        **func_kwargs
            Other arguments of ``func``.

        Returns
        -------
        dict
            ``{group key: func(group)}``.
        """
        if input_key is not None:
            if not isinstance(input_key, str):
                raise MemphysTypeError("input_key must be a string.")
            if input_key not in inspect.signature(func).parameters:
                raise MemphysKeyError(f"{func} does not have input parameter {input_key}.")

            def call(x: Any) -> Any:
                return func(**{input_key: x, **func_kwargs})

        else:

            def call(x: Any) -> Any:
                return func(x, **func_kwargs)

        groups = self.groupby(by)
        if self._metadata_rows == "columns":
            return {k: call(self.loc[v]) for k, v in groups.items()}
        return {k: call(self[v]) for k, v in groups.items()}


def _same_index(a: Any, b: Any) -> bool:
    a = np.asarray(a)
    b = np.asarray(b)
    return a.shape == b.shape and bool(np.all(a == b))


class _Metadata(UserDict[str, Any]):
    """Metadata columns: a dict ``name -> array`` (one value per row) plus the row ``index``.

    Parameters
    ----------
    index : array-like or scalar
        Row labels (a scalar for a single row selected with ``.loc[label]``).
    data : dict, optional
        Initial columns.

    Examples
    --------
    >>> meta = _Metadata(np.arange(3), {"label": np.array(["a", "b", "a"])})
    >>> meta.shape
    (3, 1)
    >>> meta.loc[[0, 2]]["label"]
    array(['a', 'a'], dtype='<U1')
    >>> meta.groupby("label")
    {'a': array([0, 2]), 'b': array([1])}
    """

    def __init__(self, index: Any, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data if data is not None else {})
        self.index = index

    def __repr__(self) -> str:
        if hasattr(self.index, "__len__"):
            _, rows = terminal_size()
            max_rows = max(rows - 10, 2)
            cols: dict[str, list[Any]] = {
                " ": list(np.asarray(self.index)),
                **{k: list(to_strings(v)) for k, v in self.data.items()},
            }
            if len(self.index) > max_rows:
                n = max_rows // 2
                cols = {k: [*v[:n], "...", *v[-n:]] for k, v in cols.items()}
            headers = list(cols)
            table = [list(r) for r in zip(*cols.values(), strict=True)]
            return plain_table(table, headers, numalign="left")
        table = [[k, str(v) if hasattr(v, "__len__") else v] for k, v in self.data.items()]
        return plain_table(table, None) + f"\nIndex: {self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Metadata):
            return False
        if not np.array_equal(self.index, other.index) or self.columns != other.columns:
            return False
        return all(np.array_equal(self.data[k], other.data[k]) for k in self.data)

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, list):
            return _Metadata(self.index, {k: self.data[k] for k in key})
        return super().__getitem__(key)

    @property
    def columns(self) -> list[str]:
        """Column names."""
        return list(self.data.keys())

    @property
    def loc(self) -> _MetadataLoc:
        """Select rows by label (and columns by name), as ``DataFrame.loc``."""
        return _MetadataLoc(self)

    @property
    def iloc(self) -> _MetadataILoc:
        """Select rows and columns by position, as ``DataFrame.iloc``."""
        return _MetadataILoc(self)

    @property
    def shape(self) -> tuple[int, int]:
        """``(number of rows, number of columns)``."""
        return (len(self.index), len(self.data))

    @property
    def dtypes(self) -> dict[str, Any]:
        """dtype of each column."""
        return {k: np.asarray(v).dtype for k, v in self.data.items()}

    def drop(self, key: Any) -> _Metadata:
        """Remove column(s) ``key`` in place; return self."""
        if isinstance(key, str):
            if key not in self.data:
                raise MemphysKeyError(
                    f"Metadata column {key} not found. Metadata columns are {self.columns}"
                )
            del self.data[key]
        elif isinstance(key, list | np.ndarray) and all(isinstance(k, str) for k in key):
            missing = [k for k in key if k not in self.data]
            if missing:
                raise MemphysKeyError(
                    f"Metadata column(s) {missing} not found. Metadata columns are {self.columns}"
                )
            for k in key:
                del self.data[k]
        else:
            raise MemphysTypeError(
                f"Invalid metadata column {key}. Metadata columns are {self.columns}"
            )
        return self

    def as_dataframe(self) -> pd.DataFrame:
        """The columns as a :class:`pandas.DataFrame` indexed by ``index``."""
        # lists keep 2-D columns as one object per row
        return pd.DataFrame({k: list(v) for k, v in self.data.items()}, index=self.index)

    def groupby(self, by: str | list[str]) -> dict[Any, Any]:
        """``{group key: index labels of its rows}``, keys sorted, empty groups left out.

        The labels are taken from the index as it is: a ``pandas.Index`` for a TsdFrame's
        columns, an array for an IntervalSet's rows or a TsGroup's keys (as pynapple).
        """
        names = [by] if isinstance(by, str) else list(by)
        index = self.index if isinstance(self.index, pd.Index) else np.asarray(self.index)
        if not names:
            return {}
        uniques = []
        codes = np.zeros(len(index), dtype=np.int64)
        for name in names:
            u, inv = np.unique(np.asarray(self.data[name]), return_inverse=True)
            uniques.append(u)
            codes = codes * len(u) + inv.reshape(-1)
        present, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(present.size + 1))
        out: dict[Any, Any] = {}
        for g in range(present.size):
            row = first[g]
            key = tuple(_item(np.asarray(self.data[n])[row]) for n in names)
            out[key[0] if isinstance(by, str) else key] = index[order[bounds[g] : bounds[g + 1]]]
        return out

    def copy(self) -> _Metadata:
        """A deep copy."""
        return copy.deepcopy(self)

    def reset_index(self) -> _Metadata:
        """Relabel the rows 0..n-1 in place (0 for a single-row selection); return self."""
        self.index = np.arange(len(self.index)) if hasattr(self.index, "__len__") else 0
        return self

    def join(self, other: Any) -> _Metadata:
        """Add the columns of ``other`` (same index, new names) in place; return self."""
        if not isinstance(other, _Metadata | pd.DataFrame):
            raise MemphysTypeError("Can only join with another _Metadata object")
        if len(self.index) == len(other.index) and np.all(
            np.asarray(self.index) == np.asarray(other.index)
        ):
            clash = [k for k in other.columns if k in self.columns]
            if clash:
                raise MemphysValueError(
                    f"Metadata column(s) {clash} already exists. Cannot join metadata."
                )
            for k, v in other.items():
                self.data[str(k)] = v
        else:
            raise MemphysValueError("Metadata indices must match for join along axis 1.")
        return self

    def merge(self, other: Any) -> _Metadata:
        """Append the rows of ``other`` (same columns) in place; return self."""
        if not isinstance(other, _Metadata | pd.DataFrame):
            raise MemphysTypeError("Can only merge with another _Metadata object")
        if list(self.columns) != list(other.columns):
            raise MemphysValueError("Column names must match for merge.")
        warnings.warn(
            "Merging metadata may result in duplicate and unsorted indices.",
            MetadataWarning,
            stacklevel=2,
        )
        self.index = np.hstack([self.index, other.index])
        for k, v in other.items():
            self.data[str(k)] = np.hstack([self.data[str(k)], v])
        return self


def _item(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


class _MetadataLoc:
    """``_Metadata.loc``: rows by label (a label, list, array or boolean mask, or ``:``)."""

    def __init__(self, metadata: _Metadata) -> None:
        self.data = metadata.data
        self.keys = metadata.columns
        self.index = metadata.index
        self.index_map = {k: i for i, k in enumerate(np.asarray(self.index).tolist())}

    def __getitem__(self, key: Any) -> _Metadata:
        if isinstance(key, tuple):
            if len(key) != 2:
                raise IndexError("Too many indices for metadata.loc: Metadata is 2-dimensional")
            rows, columns = key
        else:
            rows, columns = key, self.keys
        index: Any
        if isinstance(rows, Number | str):
            idx: Any = self.index_map[rows]
            index = rows
        elif hasattr(rows, "dtype") or isinstance(rows, list):
            if np.asarray(rows).dtype == bool:
                idx = rows
                index = np.asarray(self.index)[np.asarray(rows)]
            else:
                idx = [self.index_map[v] for v in np.asarray(rows).tolist()]
                index = rows
        elif isinstance(rows, slice) and rows == slice(None):
            idx = rows
            index = self.index
        else:
            raise MemphysTypeError(f"Unknown metadata index type {type(rows)}")
        if isinstance(columns, str):
            columns = [columns]
        return _Metadata(index, {k: np.asarray(self.data[k])[_np_key(idx)] for k in columns})


class _MetadataILoc:
    """``_Metadata.iloc``: rows and columns by position, with numpy's indexing rules."""

    def __init__(self, metadata: _Metadata) -> None:
        self.data = metadata.data
        self.index = metadata.index
        self.keys = np.array(metadata.columns)

    def __getitem__(self, key: Any) -> _Metadata:
        if isinstance(key, tuple):
            if len(key) != 2:
                raise IndexError("Too many indices for metadata.loc: Metadata is 2-dimensional")
            rows = _np_key(key[0])
            index = np.asarray(self.index)[rows]
            columns = self.keys[_np_key(key[1])]
            if isinstance(columns, str):
                columns = [columns]
        else:
            rows = _np_key(key)
            index = np.asarray(self.index)[rows]
            columns = self.keys
        return _Metadata(index, {str(k): np.asarray(self.data[str(k)])[rows] for k in columns})


def _np_key(key: Any) -> Any:
    """A key numpy indexes the same way as pandas would (Series/Index become arrays)."""
    if isinstance(key, pd.Series | pd.Index | pd.DataFrame):
        return np.asarray(key)
    if isinstance(key, list) and key and all(isinstance(k, bool | np.bool_) for k in key):
        return np.asarray(key, dtype=bool)
    return key
