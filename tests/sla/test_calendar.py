"""Business time on the Korean calendar: nights, weekends, 설날 and 추석 do not count."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dapjang.sla.calendar import (
    CalendarError,
    SlaCalendar,
    add_business_minutes,
    business_minutes_between,
    closed_days_between,
)

SEOUL = ZoneInfo("Asia/Seoul")
KR = SlaCalendar()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


def test_minutes_inside_one_day_are_plain_minutes() -> None:
    assert add_business_minutes(at(2026, 11, 23, 10, 0), 90, KR) == at(2026, 11, 23, 11, 30)


def test_the_night_does_not_count() -> None:
    # Monday 17:00 + 2 h: one hour on Monday, one on Tuesday morning.
    assert add_business_minutes(at(2026, 11, 23, 17, 0), 120, KR) == at(2026, 11, 24, 10, 0)


def test_the_weekend_does_not_count() -> None:
    assert add_business_minutes(at(2026, 11, 27, 17, 30), 60, KR) == at(2026, 11, 30, 9, 30)


def test_a_mail_at_night_starts_counting_at_opening() -> None:
    assert add_business_minutes(at(2026, 11, 24, 3, 0), 30, KR) == at(2026, 11, 24, 9, 30)
    assert add_business_minutes(at(2026, 11, 28, 11, 0), 30, KR) == at(2026, 11, 30, 9, 30)  # Saturday


def test_a_friday_evening_mail_before_seollal_waits_for_thursday() -> None:
    # 2026: 설날 is Mon 16 – Wed 18 February.
    friday = at(2026, 2, 13, 17, 30)
    assert add_business_minutes(friday, 8 * 60, KR) == at(2026, 2, 19, 16, 30)


def test_chuseok_with_its_substitute_day_and_hangul_day_is_skipped() -> None:
    # 2028: 추석 전날 Mon 2 Oct, 추석 and 개천절 Tue 3, 추석 다음날 Wed 4, 대체 휴일 Thu 5; 한글날 Mon 9.
    friday = at(2028, 9, 29, 17, 30)
    assert add_business_minutes(friday, 8 * 60, KR) == at(2028, 10, 6, 16, 30)
    assert add_business_minutes(friday, 16 * 60, KR) == at(2028, 10, 10, 15, 30)


def test_company_closed_days_count_as_holidays() -> None:
    closed = SlaCalendar(closed_days=frozenset({date(2026, 12, 31)}))
    assert add_business_minutes(at(2026, 12, 30, 17, 0), 120, closed) == at(2027, 1, 4, 10, 0)


def test_hours_weekdays_and_zone_are_configurable() -> None:
    saturday_desk = SlaCalendar(weekdays=frozenset(range(6)), opens=time(10), closes=time(14))
    assert add_business_minutes(at(2026, 11, 27, 13, 0), 120, saturday_desk) == at(2026, 11, 28, 11, 0)
    london = SlaCalendar(tz=ZoneInfo("Europe/London"), country="GB")
    start = datetime(2026, 12, 24, 16, 0, tzinfo=ZoneInfo("Europe/London"))
    # Christmas and Boxing Day (a Saturday, substituted on Monday the 28th) are closed in England.
    assert add_business_minutes(start, 180, london) == datetime(
        2026, 12, 29, 10, 0, tzinfo=ZoneInfo("Europe/London")
    )


def test_a_count_ending_at_closing_time_ends_there() -> None:
    assert add_business_minutes(at(2026, 11, 23, 9, 0), 9 * 60, KR) == at(2026, 11, 23, 18, 0)


def test_minutes_between_skip_closed_time_and_are_negative_backwards() -> None:
    friday, monday = at(2026, 11, 27, 17, 0), at(2026, 11, 30, 10, 0)
    assert business_minutes_between(friday, monday, KR) == 120
    assert business_minutes_between(monday, friday, KR) == -120
    assert business_minutes_between(at(2026, 11, 28, 1, 0), at(2026, 11, 29, 23, 0), KR) == 0


def test_a_calendar_that_never_opens_is_refused() -> None:
    with pytest.raises(CalendarError):
        SlaCalendar(weekdays=frozenset())
    with pytest.raises(CalendarError):
        SlaCalendar(opens=time(18), closes=time(9))
    everything_closed = SlaCalendar(
        weekdays=frozenset({0}),
        closed_days=frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(800)),
    )
    with pytest.raises(CalendarError):
        add_business_minutes(at(2026, 1, 1, 9, 0), 60, everything_closed)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(datetime(2026, 11, 23, 10, 0), 10, KR)


def test_the_closed_days_of_a_window_are_named_in_both_languages() -> None:
    names = closed_days_between(at(2026, 2, 13, 17, 30), at(2026, 2, 19, 16, 30), KR, "ko")
    assert names == ["설날 전날", "설날", "설날 다음날"]
    assert "Korean New Year" in closed_days_between(at(2026, 2, 13), at(2026, 2, 19), KR, "en")


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(SEOUL)
)
amounts = st.integers(min_value=0, max_value=5 * 24 * 60)


@settings(max_examples=150, deadline=None)
@given(start=instants, a=amounts, b=amounts)
def test_adding_is_monotone_and_additive(start: datetime, a: int, b: int) -> None:
    once = add_business_minutes(start, a + b, KR)
    assert add_business_minutes(add_business_minutes(start, a, KR), b, KR) == once
    assert add_business_minutes(start, min(a, b), KR) <= add_business_minutes(start, max(a, b), KR)


@settings(max_examples=150, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=5 * 24 * 60))
def test_between_undoes_add(start: datetime, minutes: int) -> None:
    end = add_business_minutes(start, minutes, KR)
    assert business_minutes_between(start, end, KR) == pytest.approx(minutes)
    assert KR.is_business_day(end.astimezone(SEOUL).date())
