"""Plain-text tables for ``repr`` (the layout pynapple prints with ``tabulate``).

:func:`plain_table` lays out cells the way ``tabulate(..., tablefmt="plain")`` does: numeric
columns are right-aligned on the decimal point and formatted with ``"g"``, other columns are
left-aligned, every column is at least two characters wider than its header, cells are
separated by two spaces and lines carry no trailing spaces.

Examples
--------
>>> print(plain_table([[0, 0.5, "a"], [1, 10.0, "bb"]], ["index", "start", "label"]))
  index    start  label
      0      0.5  a
      1     10    bb
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from memphys.core.utils import terminal_size

__all__ = ["empty_table", "interval_table", "plain_table", "terminal_size", "to_strings"]

_NONE, _BOOL, _INT, _FLOAT, _STR = range(5)


def _is_int(v: Any) -> bool:
    if isinstance(v, bool | np.bool_):
        return False
    if isinstance(v, int | np.integer):
        return True
    if isinstance(v, str):
        try:
            int(v)
        except ValueError:
            return False
        return True
    return False


def _is_float(v: Any) -> bool:
    if isinstance(v, float | int | np.floating | np.integer):
        return True
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return False
        return not (math.isinf(f) or math.isnan(f)) or v.strip().lower() in ("inf", "-inf", "nan")
    return False


def _cell_type(v: Any) -> int:
    if v is None or (isinstance(v, str) and not v):
        return _NONE
    if isinstance(v, bool | np.bool_) or (isinstance(v, str) and v in ("True", "False")):
        return _BOOL
    if _is_int(v):
        return _INT
    if _is_float(v):
        return _FLOAT
    return _STR


def _format(v: Any, ctype: int) -> str:
    if v is None:
        return ""
    if ctype == _FLOAT and not (isinstance(v, str) and not v):
        try:
            return format(float(v), "g")
        except (TypeError, ValueError):
            return f"{v}"
    return f"{v}"


def _after_point(s: str) -> int:
    if _is_int(s) or not _is_float(s):
        return -1
    pos = s.rfind(".")
    if pos < 0:
        pos = s.lower().rfind("e")
    return len(s) - pos - 1 if pos >= 0 else -1


def _column(cells: list[str], numeric: bool, header: str | None) -> list[str]:
    minwidth = len(header) + 2 if header is not None else 0
    if numeric:
        decimals = [_after_point(s) for s in cells]
        most = max(decimals) if decimals else -1
        cells = [s + " " * (most - d) for s, d in zip(cells, decimals, strict=True)]
        width = max([len(s) for s in cells] + [minwidth])
        return [s.rjust(width) for s in cells]
    cells = [s.strip() for s in cells]
    width = max([len(s) for s in cells] + [minwidth])
    return [s.ljust(width) for s in cells]


def plain_table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str] | None, numalign: str = "decimal"
) -> str:
    """Lay out ``rows`` under ``headers`` (or no header when None), as tabulate's "plain".

    ``numalign="left"`` left-aligns numeric columns too.
    """
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else []
    if not columns:
        return empty_table(headers or [])
    out_cols: list[list[str]] = []
    numeric_cols: list[bool] = []
    for j, col in enumerate(columns):
        ctype = max((_cell_type(v) for v in col), default=_BOOL)
        ctype = max(ctype, _BOOL)
        numeric = ctype in (_INT, _FLOAT)
        cells = [_format(v, ctype) for v in col]
        header = headers[j] if headers is not None else None
        out_cols.append(_column(cells, numeric and numalign == "decimal", header))
        numeric_cols.append(numeric and numalign == "decimal")
    lines = []
    if headers is not None:
        widths = [len(c[0]) for c in out_cols]
        heads = [
            h.rjust(w) if num else h.ljust(w)
            for h, w, num in zip(headers, widths, numeric_cols, strict=True)
        ]
        lines.append("  ".join(heads).rstrip())
    for i in range(len(rows)):
        lines.append("  ".join(c[i] for c in out_cols).rstrip())
    return "\n".join(lines)


def empty_table(headers: Sequence[str]) -> str:
    """Header line and dashes of an empty table (tabulate's default "simple" layout)."""
    widths = [len(h) + 2 for h in headers]
    head = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    dashes = "  ".join("-" * w for w in widths)
    return head + "\n" + dashes


def to_strings(values: Any) -> np.ndarray:
    """Metadata values as strings for display (floats rounded to 2 decimals).

    >>> to_strings(np.array([0.123, 2.0]))
    array(['0.12', '2.0'], dtype='<U32')
    """
    arr = np.asarray(values)
    if arr.ndim > 1:
        out = np.empty(arr.shape[0], dtype=object)
        for i, row in enumerate(arr):
            out[i] = np.array2string(np.asarray(row), precision=2)
        return out
    if np.issubdtype(arr.dtype, np.floating):
        return np.around(arr, decimals=2).astype(str)
    if arr.dtype == object:
        return np.array(
            ["".join(v.astype(str)) if hasattr(v, "astype") else str(v) for v in arr],
            dtype=object,
        )
    return arr.astype(str)


def interval_table(values: np.ndarray, index: np.ndarray, metadata: dict[str, Any]) -> str:
    """pynapple's IntervalSet repr: index, start, end and metadata columns, then the shape.

    As many metadata columns as fit ``columns // 12`` (at least 5) of the terminal are shown
    (followed by a ``...`` column when the table has more columns than that); sets longer
    than ``rows - 10`` of the terminal show their first and last rows around a ``...`` row.

    >>> print(interval_table(np.array([[0.0, 5.0]]), np.array([0]), {"label": np.array(["a"])}))
      index    start    end  label
          0        0      5  a
    shape: (1, 2), time unit: sec.
    """
    cols, rows = terminal_size()
    max_cols = max(cols // 12, 5)
    max_rows = max(rows - 10, 2)
    shown = list(metadata)[:max_cols]
    headers = ["index", "start", "end", *shown]
    dots = ["..."] if len(headers) > max_cols else []
    headers += dots
    bottom = f"shape: {values.shape}, time unit: sec."
    n = values.shape[0]
    if n == 0:
        return empty_table(headers) + "\n" + bottom

    def block(sl: slice) -> list[list[Any]]:
        extra = [list(to_strings(np.asarray(metadata[c])[sl])) for c in shown]
        idx = index[sl].tolist()
        vals = values[sl].tolist()
        return [[idx[i], *vals[i], *(e[i] for e in extra), *dots] for i in range(len(idx))]

    if n > max_rows:
        half = max_rows // 2
        table = [*block(slice(0, half)), ["..."] * len(headers), *block(slice(n - half, n))]
    else:
        table = block(slice(None))
    return plain_table(table, headers) + "\n" + bottom
