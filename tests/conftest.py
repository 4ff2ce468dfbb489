"""Test-suite settings shared by every test module.

Hypothesis: in CI (``CI`` set) the examples are derandomized, so a run is reproducible and a red
build can be replayed; locally each run explores new examples.  Either way a failure prints the
example that falsified it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
