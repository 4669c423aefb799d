"""``TsdTensor``: an array of 2 or more dimensions per timestamp (images, spectra, ...).

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> x = nap.TsdTensor(t=np.arange(4.0), d=np.zeros((4, 3, 2)))
>>> x.shape, x[1:3].shape
((4, 3, 2), (2, 3, 2))
"""

from __future__ import annotations

from typing import Any

from memphys.core._base_tsd import _BaseTsd
from memphys.core._kinds import register_kind
from memphys.core._ts_repr import tsdtensor_repr
from memphys.errors import MemphysRuntimeError

__all__ = ["TsdTensor"]


@register_kind(ndim=3)
class TsdTensor(_BaseTsd):
    """A time series of arrays: data with 3 or more dimensions, axis 0 being time.

    Parameters are those of :class:`~memphys.Tsd`; ``d`` must have ``ndim >= 3``.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> nap.TsdTensor(t=[0.0, 1.0], d=np.zeros((2, 2, 2)))
    Time (s)
    ----------  --------------
    0           [[0., 0.] ...]
    1           [[0., 0.] ...]
    dtype: float64, shape: (2, 2, 2)
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
        super().__init__(t, d, time_units, time_support, load_array, rate=rate, start=start)
        self._finish()

    def _finish(self, **kwargs: Any) -> None:
        if self.ndim < 3:
            raise MemphysRuntimeError(
                "Data should have more than 2 dimensions. If ndim < 3, use TsdFrame or Tsd object"
            )
        super()._finish()

    def __repr__(self) -> str:
        return tsdtensor_repr(self)
