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
