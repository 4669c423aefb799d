"""Test-suite settings shared by every folder.

Under CI (the ``CI`` environment variable is set, as ``.ci/run`` runs), hypothesis draws
its examples deterministically, so a run on a fresh machine explores exactly what the last
run explored and ``main`` cannot turn red by chance. Locally, examples stay random (and
hypothesis keeps failing ones in ``.hypothesis/`` to replay them).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
