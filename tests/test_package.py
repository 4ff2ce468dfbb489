"""The public surface: every advertised name resolves; `import trustdata` stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import trustdata


@pytest.mark.parametrize("name", sorted(trustdata.__all__))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(trustdata, name) is not None


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        trustdata.nope  # noqa: B018


def test_import_does_not_load_plotting_or_modelling_libraries() -> None:
    code = (
        "import sys, trustdata; "
        "print(any(m.split('.')[0] in {'plotly', 'statsmodels'} for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_public_errors_share_one_base_class() -> None:
    from trustdata import errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), trustdata.TrustDataError)


def test_import_loads_pandas_only_with_the_first_name_that_needs_it() -> None:
    code = (
        "import sys, trustdata; before = 'pandas' in sys.modules; "
        "from trustdata import Logs; import trustdata.logs as tl; "
        "print(before, Logs is tl.Logs is trustdata.Logs, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]
