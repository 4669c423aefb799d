"""Text tables for the ``repr`` of Ts, Tsd, TsdFrame and TsdTensor (pynapple's layout).

Only the rows shown are read: the head and the tail of the object (one small contiguous
read each), so printing a lazy series of any length costs a few rows.

Examples
--------
>>> print(simple_table([[0.0, 1], [0.30000000000000004, 20]], ["Time (s)", ""]))
Time (s)
----------  --
0            1
0.3         20
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from memphys.core._interval_repr import (
    _BOOL,
    _FLOAT,
    _INT,
    _cell_type,
    _column,
    _format,
    empty_table,
    terminal_size,
    to_strings,
)

__all__ = ["simple_table", "ts_repr", "tsd_repr", "tsdframe_repr", "tsdtensor_repr"]


def simple_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """``tabulate(rows, headers, colalign=("left",))`` in its default "simple" format.

    The first column is left-aligned; numeric columns are aligned on the decimal point.
    """
    if not rows:
        return empty_table(headers)
    width = max(len(headers), *(len(r) for r in rows))
    heads = list(headers) + [""] * (width - len(headers))
    full = [list(r) + [""] * (width - len(r)) for r in rows]
    cols = [list(c) for c in zip(*full, strict=True)]
    out_cols: list[list[str]] = []
    numeric: list[bool] = []
    for j, col in enumerate(cols):
        ctype = max(max((_cell_type(v) for v in col), default=_BOOL), _BOOL)
        is_num = ctype in (_INT, _FLOAT) and j > 0
        # every column as tabulate formats it: numbers with "g" unless a string ("...",
        # "Metadata") makes the column text (then str()), the first one too
        cells = [_format(v, ctype) for v in col]
        out_cols.append(_column(cells, is_num, heads[j]))
        numeric.append(is_num)
    widths = [len(c[0]) for c in out_cols]
    head = "  ".join(
        h.rjust(w) if num else h.ljust(w) for h, w, num in zip(heads, widths, numeric, strict=True)
    )
    lines = [head.rstrip(), "  ".join("-" * w for w in widths)]
    for i in range(len(full)):
        lines.append("  ".join(c[i] for c in out_cols).rstrip())
    return "\n".join(lines)


def _limits() -> tuple[int, int]:
    cols, rows = terminal_size()
    return max(cols // 100, 5), max(rows - 10, 2)


def _head_tail(obj: Any, max_rows: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """``[(times, rows)]`` blocks to show and whether rows were cut."""
    n = len(obj)
    ti = obj._ti
    if n <= max_rows:
        return [(ti._read(0, n), obj._read_block(0, n))], False
    k = max_rows // 2
    return [
        (ti._read(0, k), obj._read_block(0, k)),
        (ti._read(n - k, n), obj._read_block(n - k, n)),
    ], True


def ts_repr(obj: Any) -> str:
    """``Time (s)``, the times (head and tail), ``shape: n``."""
    _, max_rows = _limits()
    n = len(obj)
    ti = obj._ti
    if n > max_rows:
        k = max_rows // 2
        lines = [str(v) for v in ti._read(0, k)] + ["..."] + [str(v) for v in ti._read(n - k, n)]
    else:
        lines = [str(v) for v in ti._read(0, n)]
    return "\n".join(["Time (s)", "\n".join(lines), f"shape: {n}"])


def _bottom(obj: Any) -> str:
    return f"dtype: {obj.dtype}, shape: {obj.shape}"


def tsd_repr(obj: Any) -> str:
    """A two-column table: time, value."""
    headers = ["Time (s)", ""]
    if not len(obj):
        return empty_table(headers) + "\n" + _bottom(obj)
    _, max_rows = _limits()
    blocks, cut = _head_tail(obj, max_rows)
    table: list[list[Any]] = []
    for i, (t, v) in enumerate(blocks):
        if i and cut:
            table.append(["...", ""])
        table += [[tt, str(vv)] for tt, vv in zip(t.tolist(), v.tolist(), strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simple_table(table, headers) + "\n" + _bottom(obj)


def tsdframe_repr(obj: Any) -> str:
    """Time and up to ``max(cols // 100, 5)`` columns, then up to two metadata rows."""
    max_cols, max_rows = _limits()
    ncol = obj.shape[1]
    headers = ["Time (s)", *[str(c) for c in obj.columns[:max_cols]]]
    end = ["..."] if ncol > max_cols else []
    headers += end
    if not len(obj):
        return empty_table(headers) + "\n" + _bottom(obj)
    blocks, cut = _head_tail(obj, max_rows)
    table: list[list[Any]] = []
    shown = min(max_cols, ncol)
    for i, (t, v) in enumerate(blocks):
        if i and cut:
            table.append(["...", *([None] * shown), *end])
        for tt, row in zip(t.tolist(), v[:, :max_cols].tolist(), strict=True):
            table.append([tt, *row, *end])
    meta = obj._metadata
    names = list(meta.columns)
    if names:
        table.append(["Metadata", *([" "] * (shown + len(end)))])  # no "..." (pynapple)
        for name in names[:2]:
            vals = to_strings(np.asarray(meta.data[name])[:shown])
            table.append([name, *list(vals), *end])
        if len(names) > 2:
            table.append(["..."] * (1 + shown + len(end)))
    return simple_table(table, headers) + "\n" + _bottom(obj)


def _tensor_cell(a: np.ndarray) -> str:
    if a.ndim == 1:
        if a.size > 2:
            return np.array2string(np.array([a[0], a[-1]]), precision=6, separator=" ... ")
        return np.array2string(a, precision=6, separator=", ")
    return "[" + _tensor_cell(a[0]) + " ...]"


def tsdtensor_repr(obj: Any) -> str:
    """Time and a summary of each row (first and last values of the innermost axis)."""
    headers = ["Time (s)", ""]
    if not len(obj):
        return empty_table(headers) + "\n" + _bottom(obj)
    _, max_rows = _limits()
    blocks, cut = _head_tail(obj, max_rows)
    table: list[list[Any]] = []
    for i, (t, v) in enumerate(blocks):
        if i and cut:
            table.append(["...", ""])
        table += [
            [tt, _tensor_cell(np.asarray(row))] for tt, row in zip(t.tolist(), v, strict=True)
        ]
    return simple_table(table, headers) + "\n" + _bottom(obj)
