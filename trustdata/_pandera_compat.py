"""Keep pandera from importing dask (and modin, pyspark) to read trustdata's own models.

pandera 0.35 decides whether a ``DataFrameModel`` annotation is a series or an index by comparing
it with every series and index type it knows: pandas' and, when the package is merely
*installed*, dask's, modin's and pyspark's, which it imports to get them.  With ``dask`` installed
(it is an extra of trustdata) that import costs about 1.2 s on the first validation of every
process: a third of a report's whole run.

An annotation can only hold one of those types once its ``pandera.typing.<backend>`` module has
been imported, so the types of the modules imported so far are exactly the ones that can occur:
:func:`install` makes pandera's model builder use that set, which is the same answer without the
import.  Nothing else in pandera changes.  (pandera's own functions are kept and used whenever
this module's assumption does not hold, e.g. an unexpected pandera version.)
"""

from __future__ import annotations

import sys

_BACKENDS = (
    ("pandera.typing.dask", "Series", "Index"),
    ("pandera.typing.modin", "Series", "Index"),
    ("pandera.typing.pyspark", "Series", "Index"),
    ("pandera.typing.geopandas", "GeoSeries", None),
)


def series_types() -> set[type]:
    """pandas' Series type plus those of the pandera backends already imported."""
    from pandera.typing import Series

    found: set[type] = {Series}
    for module, series, _ in _BACKENDS:
        mod = sys.modules.get(module)
        if mod is not None and hasattr(mod, series):
            found.add(getattr(mod, series))
    return found


def index_types() -> set[type]:
    """pandas' Index type plus those of the pandera backends already imported."""
    from pandera.typing import Index

    found: set[type] = {Index}
    for module, _, index in _BACKENDS:
        mod = sys.modules.get(module)
        if index is not None and mod is not None and hasattr(mod, index):
            found.add(getattr(mod, index))
    return found


def _geopandas_probe(original):
    """pandera's ``is_geopandas_dtype``, without its failing import on every call.

    pandera asks it of every column's dtype, and each call runs ``from geopandas.array import
    GeometryDtype``: without geopandas installed, a failed import searches the whole path each
    time (about 200 calls and 0.1 s of a report).  Whether geopandas is installed is looked up
    once; when it is, pandera's own function answers.
    """
    import importlib.util

    missing: list[bool] = []

    def is_geopandas_dtype(pd_dtype):
        if "geopandas" not in sys.modules:
            if not missing:
                missing.append(importlib.util.find_spec("geopandas") is None)
            if missing[0]:
                return False
        return original(pd_dtype)

    return is_geopandas_dtype


def install() -> None:
    """Point pandera's model builder at :func:`series_types` and :func:`index_types`, and its
    geopandas dtype probe at :func:`_geopandas_probe`."""
    try:
        from pandera.api.pandas import model
    except ImportError:  # pragma: no cover - another pandera layout: leave it as it is
        return
    if hasattr(model, "get_series_types") and hasattr(model, "get_index_types"):
        model.get_series_types = series_types
        model.get_index_types = index_types
    try:
        from pandera.engines import pandas_engine
    except ImportError:  # pragma: no cover
        return
    original = getattr(pandas_engine, "is_geopandas_dtype", None)
    if original is not None and not getattr(original, "_trustdata", False):
        probe = _geopandas_probe(original)
        probe._trustdata = True
        probe.original = original
        pandas_engine.is_geopandas_dtype = probe
