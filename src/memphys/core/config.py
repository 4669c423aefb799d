"""pynapple's module path ``pynapple.core.config``.

memphys's configuration lives in :mod:`memphys.config` (beneath every layer); this module
gives pynapple's path to the same objects, so ``nap.core.config.nap_config`` and
``from pynapple.core.config import nap_config`` written for pynapple keep working.

Examples
--------
>>> import memphys as nap
>>> nap.core.config.nap_config is nap.nap_config
True
"""

from __future__ import annotations

from memphys.config import (
    Config,
    config_context,
    get_config,
    nap_config,
    reset_config,
    set_config,
)

__all__ = ["Config", "config_context", "get_config", "nap_config", "reset_config", "set_config"]
