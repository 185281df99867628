from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from astropy.time import Time
from jet_store.times import as_utc


class Bad(Exception):
    pass


@pytest.mark.parametrize(
    "value",
    [
        "2010-06-01T12:30:00",
        "2010-06-01T12:30:00Z",
        "2010/06/01 12:30",
        "2010-06-01T14:30:00+02:00",
        datetime(2010, 6, 1, 12, 30),
        datetime(2010, 6, 1, 13, 30, tzinfo=timezone(timedelta(hours=1))),
        Time("2010-06-01T12:30:00", scale="utc"),
    ],
)
def test_every_kind_of_time_becomes_aware_utc(value: object) -> None:
    assert as_utc(value) == datetime(2010, 6, 1, 12, 30, tzinfo=UTC)
    assert as_utc(value).tzinfo is not None


def test_dates_are_midnight() -> None:
    assert as_utc(date(2010, 6, 1)) == datetime(2010, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("yesterday-ish", "not a time"),
        (Time(["2010-01-01", "2011-01-01"]), "expected one time"),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "outside the years"),
    ],
)
def test_bad_times_raise_the_callers_error(value: object, match: str) -> None:
    with pytest.raises(Bad, match=match):
        as_utc(value, Bad)
    with pytest.raises(ValueError, match=match):
        as_utc(value)
