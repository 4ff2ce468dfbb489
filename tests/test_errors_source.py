"""A TrustDataError names its file first, even when the path also appears inside the message."""

from trustdata.errors import FileProblem, TrustDataError


def test_the_source_is_prefixed_when_the_message_does_not_start_with_it():
    # "imp" is inside "import": the old `source not in message` test dropped the prefix
    err = TrustDataError("run trustdata import daylio x.csv imp --couple c1", source="imp")
    assert str(err) == "imp: run trustdata import daylio x.csv imp --couple c1"


def test_a_message_that_starts_with_its_source_is_left_alone():
    err = FileProblem(
        "data/checkins.csv: line 3, column date: expected a date", source="data/checkins.csv"
    )
    assert str(err) == "data/checkins.csv: line 3, column date: expected a date"
    assert err.source == "data/checkins.csv"


def test_no_source_no_prefix():
    assert str(TrustDataError("expected a folder")) == "expected a folder"
