"""The table a :class:`~memphys.core.ts_group.TsGroup` prints (pynapple's layout).

pynapple prints a TsGroup with ``tabulate``'s default ("simple") layout: a header line, a
line of dashes, then one row per unit with the unit's key, its rate rounded to 5 decimals
and its metadata. ``repr`` fits the terminal (as many metadata columns as ``columns // 12``,
at least 5, followed by a ``...`` column when there are more headers than that; the first
and last rows around a ``...`` row when there are more units than ``rows - 10``); ``str``
shows everything.

Examples
--------
>>> import numpy as np
>>> meta = {"label": np.array(["A", "B"])}
>>> print(group_table(np.array([0, 5]), np.array([1.0101, 0.50505]), meta))
  Index     rate  label
-------  -------  -------
      0  1.0101   A
      5  0.50505  B
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

__all__ = ["group_table", "simple_table"]


def simple_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Lay out ``rows`` under ``headers`` as ``tabulate(rows, headers)`` does by default.

    Numeric columns (numbers or numeric strings) are right-aligned on the decimal point
    and formatted with ``"g"``; other columns are left-aligned; each column is at least two
    characters wider than its header; a line of dashes separates header and rows.

    >>> print(simple_table([[1, 0.5, "x"], [10, 2.25, "yy"]], ["Index", "rate", "a"]))
      Index    rate  a
    -------  ------  ---
          1    0.5   x
         10    2.25  yy
    """
    if not rows:
        return empty_table(list(headers))
    columns = [list(c) for c in zip(*rows, strict=True)]
    out_cols: list[list[str]] = []
    numeric: list[bool] = []
    for header, col in zip(headers, columns, strict=True):
        ctype = max(max((_cell_type(v) for v in col), default=_BOOL), _BOOL)
        is_num = ctype in (_INT, _FLOAT)
        out_cols.append(_column([_format(v, ctype) for v in col], is_num, header))
        numeric.append(is_num)
    widths = [len(c[0]) for c in out_cols]
    head = [
        h.rjust(w) if num else h.ljust(w)
        for h, w, num in zip(headers, widths, numeric, strict=True)
    ]
    lines = ["  ".join(head).rstrip(), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c[i] for c in out_cols).rstrip() for i in range(len(rows))]
    return "\n".join(lines)


def group_table(
    index: np.ndarray,
    rate: np.ndarray,
    metadata: Mapping[str, Any],
    truncate: bool = False,
) -> str:
    """The TsGroup table: ``Index``, ``rate`` and the metadata columns (``rate`` excluded).

    With ``truncate`` (``repr``), columns and rows are cut to fit the terminal as pynapple
    does; without it (``str``), everything is shown.
    """
    names = [k for k in metadata if k != "rate"]
    dots: list[str] = []
    n = len(index)
    if truncate:
        cols, lines = terminal_size()
        max_cols = max(cols // 12, 5)
        max_rows = max(lines - 10, 2)
        names = names[:max_cols]
        if len(names) + 2 > max_cols:
            dots = ["..."]
    headers = ["Index", "rate", *names, *dots]
    if n == 0:
        return empty_table(headers)
    rounded = np.round(np.asarray(rate, dtype=np.float64), 5)
    meta = [to_strings(np.asarray(metadata[c])) for c in names]

    def block(rows: range) -> list[list[Any]]:
        return [[int(index[i]), float(rounded[i]), *(m[i] for m in meta), *dots] for i in rows]

    if truncate and n > max_rows:
        half = max_rows // 2
        table = [
            *block(range(half)),
            ["..."] * (2 + len(names)) + dots,
            *block(range(n - half, n)),
        ]
    else:
        table = block(range(n))
    return simple_table(table, headers)
