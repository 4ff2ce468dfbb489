"""trustdata's models are read without importing dask; pandera's answer stays the same."""

import subprocess
import sys

from trustdata import _pandera_compat


def test_loading_logs_does_not_import_dask():
    code = (
        "import sys, trustdata\n"
        "logs = trustdata.load('data/sample/couples')\n"
        "assert len(logs.checkins) > 0\n"
        "print('dask' in sys.modules, 'dask.dataframe' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_types_are_pandera_s_own_for_imported_backends():
    import pandera.typing as pt
    import pandera.typing.dask as ptd  # imports dask.dataframe: the backend is now in use

    assert pt.Series in _pandera_compat.series_types()
    assert ptd.Series in _pandera_compat.series_types()
    assert ptd.Index in _pandera_compat.index_types()
    # pandera's own lists hold the same types for the backends imported so far
    assert _pandera_compat.series_types() <= pt.get_series_types()
    assert _pandera_compat.index_types() <= pt.get_index_types()


def test_pandera_still_validates_a_dask_model_once_dask_is_used():
    import dask.dataframe as dd
    import pandas as pd
    import pandera.pandas as pa
    from pandera.typing.dask import DataFrame, Series

    class Model(pa.DataFrameModel):
        x: Series[int] = pa.Field(ge=0)

    frame = dd.from_pandas(pd.DataFrame({"x": [1, 2]}), npartitions=1)
    checked: DataFrame[Model] = Model.validate(frame)
    assert checked.compute()["x"].tolist() == [1, 2]


def test_the_geopandas_probe_gives_pandera_s_answer_without_searching_each_time():
    import importlib.util

    import numpy as np
    import pandas as pd
    from pandera.engines import pandas_engine

    import trustdata.schemas  # noqa: F401 - installs the compat layer

    probe = pandas_engine.is_geopandas_dtype
    assert probe._trustdata
    dtypes = [np.dtype("float64"), np.dtype("int64"), pd.StringDtype(), "geometry", "str"]
    assert [probe(d) for d in dtypes] == [probe.original(d) for d in dtypes]

    searched = []

    class Spy:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "geopandas":
                searched.append(name)
            return None

    sys.meta_path.insert(0, Spy())
    try:
        for d in dtypes:
            probe(d)
    finally:
        sys.meta_path.pop(0)
    if importlib.util.find_spec("geopandas") is None:
        assert searched == []  # known to be missing: no new search of the path
