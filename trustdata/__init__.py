"""trustdata: couples' trust-rebuilding logs as validated DataFrames, analyses and charts.

The data's path through the package is one way::

    exports -> importers -> load() -> Logs -> analyses (tidy frames) -> charts / report / notebooks

Examples
--------
>>> import trustdata
>>> logs = trustdata.load("data/sample/couples")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from trustdata.errors import TrustDataError

__version__ = "0.1.0"

# Public names and the module each lives in; imported on first use so that `import trustdata`
# stays fast: pandas and pandera come with the first name that needs them (`Logs`, `load`, ...),
# plotly and statsmodels only with the modules that draw or fit.
_LAZY: dict[str, str] = {
    "Logs": "trustdata.logs",
    "load": "trustdata.io",
    "from_frames": "trustdata.io",
    "write": "trustdata.io",
    "find_setbacks": "trustdata.setbacks",
    "sudden_losses": "trustdata.setbacks",
    "setback_context": "trustdata.setbacks",
    "weekly_trend": "trustdata.trends",
    "trend_summary": "trustdata.trends",
    "trigger_frequency": "trustdata.triggers",
    "trigger_trend": "trustdata.triggers",
    "partner_gap": "trustdata.dyad",
    "small_wins": "trustdata.milestones",
    "red_flags": "trustdata.milestones",
    "safety_notice": "trustdata.milestones",
    "load_cohort": "trustdata.cohort",
    "anonymize_folder": "trustdata.anonymize",
    "import_export": "trustdata.importers",
}
_MODULES = (
    "schemas",
    "io",
    "synth",
    "trends",
    "triggers",
    "setbacks",
    "milestones",
    "dyad",
    "cohort",
    "expected",
    "anonymize",
    "importers",
    "layers",
    "charts",
    "report",
    "cli",
)

__all__ = ["TrustDataError", "__version__", *_LAZY, *_MODULES]

if TYPE_CHECKING:  # pragma: no cover
    from trustdata.anonymize import anonymize_folder  # noqa: F401
    from trustdata.cohort import load_cohort  # noqa: F401
    from trustdata.dyad import partner_gap  # noqa: F401
    from trustdata.importers import import_export  # noqa: F401
    from trustdata.io import from_frames, load, write  # noqa: F401
    from trustdata.logs import Logs  # noqa: F401
    from trustdata.milestones import red_flags, safety_notice, small_wins  # noqa: F401
    from trustdata.setbacks import find_setbacks, setback_context, sudden_losses  # noqa: F401
    from trustdata.trends import trend_summary, weekly_trend  # noqa: F401
    from trustdata.triggers import trigger_frequency, trigger_trend  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _MODULES or name == "logs":  # trustdata.logs: imported eagerly before
        return importlib.import_module(f"trustdata.{name}")
    raise AttributeError(f"module 'trustdata' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
