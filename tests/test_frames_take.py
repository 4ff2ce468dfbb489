"""trustdata._frames._take: the analyses' row take, one Arrow take for Arrow string columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustdata._frames import _take

_TEXT = st.one_of(st.none(), st.text(max_size=6))


@given(
    values=st.lists(_TEXT, min_size=1, max_size=30),
    data=st.data(),
    dtype=st.sampled_from(["str", "string[pyarrow]", "object"]),
)
def test_take_equals_pandas_take(values, data, dtype):
    # the Arrow path and pandas' own take give the same Series (values, missing values, dtype,
    # name, a fresh RangeIndex), for any positions, repeated and in any order
    col = pd.Series(values, dtype=dtype, name="couple_id", index=np.arange(len(values)) * 3 + 7)
    n = data.draw(st.integers(0, 60))
    pos = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), min_size=n, max_size=n)))
    pos = pos.astype(data.draw(st.sampled_from([np.int64, np.int32, np.intp])))
    got = _take(col, pos)
    want = col.take(pos).reset_index(drop=True)
    pd.testing.assert_series_equal(got, want, check_exact=True)
    assert got.dtype == col.dtype


def test_take_uses_the_arrow_path_for_arrow_strings():
    col = pd.Series(["c1", None, "c2"], dtype="str")
    if not isinstance(col.array, pd.arrays.ArrowStringArray):  # pragma: no cover
        pytest.skip("pandas without pyarrow-backed str")
    got = _take(col, np.array([2, 2, 0, 1]))
    assert isinstance(got.array, pd.arrays.ArrowStringArray)
    assert got.tolist()[:3] == ["c2", "c2", "c1"] and pd.isna(got.iloc[3])
    assert got.index.equals(pd.RangeIndex(4))
