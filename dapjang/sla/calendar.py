"""Business time on a Korean calendar: open hours, weekdays, public holidays and company closed days.

A reply promise ("within one business day") is counted in the hours the desk is open, so a mail
that arrives on Friday at 17:30 before 추석 is not late on Saturday morning. These are pure functions
of their arguments: the sweeper and the tests give them any instant, and the answer only depends on
the calendar. Public holidays come from the `holidays` library (South Korea's lunar holidays 설날
and 추석 and their substitute days included); the company adds its own closed days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS_DEFAULT = frozenset(range(5))  # Monday (0) to Friday (4)
# Far enough for any real calendar, near enough that a calendar with no open day fails at once.
MAX_CLOSED_RUN_DAYS = 400


class CalendarError(ValueError):
    """The calendar has no open hour to count in (no weekday, opening after closing)."""


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int, language: str) -> dict[date, str]:
    """One country's public holidays of one year with their names; computed once per process."""
    found = holidays.country_holidays(country, years=year, language=language or None)
    return dict(found.items())


def country_supported(country: str) -> bool:
    return country.upper() in holidays.list_supported_countries()


@dataclass(frozen=True)
class SlaCalendar:
    """When the desk is open. Times are wall-clock times in `tz`; `closes` is exclusive."""

    weekdays: frozenset[int] = WEEKDAYS_DEFAULT
    opens: time = time(9)
    closes: time = time(18)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Seoul"))
    country: str = "KR"  # "" for no public holidays
    closed_days: frozenset[date] = frozenset()  # the company's own days off

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise CalendarError(
                "business days must be some of Monday (0) to Sunday (6) / 영업 요일이 없습니다"
            )
        if self.opens >= self.closes:
            raise CalendarError(
                "opening time must be before closing time / 시작 시각이 종료 시각보다 늦습니다"
            )

    def holiday_name(self, day: date, language: str = "ko") -> str:
        """The public holiday's name on that day ('' on an ordinary day), in Korean or English."""
        if not self.country:
            return ""
        return _public_holidays(self.country, day.year, "ko" if language == "ko" else "en_US").get(day, "")

    def is_business_day(self, day: date) -> bool:
        if day.weekday() not in self.weekdays or day in self.closed_days:
            return False
        return not (self.country and day in _public_holidays(self.country, day.year, "en_US"))

    def day_hours(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing instants of a day, as aware datetimes in the calendar's zone."""
        return (
            datetime.combine(day, self.opens, tzinfo=self.tz),
            datetime.combine(day, self.closes, tzinfo=self.tz),
        )

    def business_days_from(self, day: date) -> Iterator[date]:
        """Open days from `day` on (inclusive), in order; fails on a calendar that never opens."""
        closed_run = 0
        while True:
            if self.is_business_day(day):
                closed_run = 0
                yield day
            else:
                closed_run += 1
                if closed_run > MAX_CLOSED_RUN_DAYS:
                    raise CalendarError(
                        "the calendar has no open day for a year / 1년 넘게 영업일이 없습니다"
                    )
            day += timedelta(days=1)


def _local(instant: datetime, calendar: SlaCalendar) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("business time needs an aware datetime / 시간대가 없는 시각입니다")
    return instant.astimezone(calendar.tz)


def add_business_minutes(start: datetime, minutes: float, calendar: SlaCalendar) -> datetime:
    """The instant `minutes` business minutes after `start`.

    Time outside open hours does not count: starting at night, on a weekend or a holiday, the count
    begins at the next opening. A positive count that ends exactly at closing time returns the
    closing instant (not the next morning), so `add(add(s, a), b) == add(s, a + b)`.
    """
    if minutes <= 0:
        return start
    local = _local(start, calendar)
    remaining = timedelta(minutes=minutes)
    for day in calendar.business_days_from(local.date()):
        opens, closes = calendar.day_hours(day)
        begin = max(opens, local)
        if begin >= closes:
            continue
        available = closes - begin
        if remaining <= available:
            return (begin + remaining).astimezone(start.tzinfo)
        remaining -= available
    raise AssertionError("unreachable: business_days_from never ends")  # pragma: no cover


def business_minutes_between(a: datetime, b: datetime, calendar: SlaCalendar) -> float:
    """Open minutes from `a` to `b`; negative when `b` is before `a` (time left vs time overdue)."""
    if b < a:
        return -business_minutes_between(b, a, calendar)
    start, end = _local(a, calendar), _local(b, calendar)
    total = timedelta()
    for day in calendar.business_days_from(start.date()):
        if day > end.date():
            break
        opens, closes = calendar.day_hours(day)
        begin, finish = max(opens, start), min(closes, end)
        if finish > begin:
            total += finish - begin
    return total.total_seconds() / 60


def closed_days_between(a: datetime, b: datetime, calendar: SlaCalendar, language: str) -> list[str]:
    """Names of the public holidays and company closed days from `a` to `b` that fall on open weekdays
    or name a holiday, in order: what a holding reply gives as the reason for a delay."""
    names: list[str] = []
    day, last = _local(a, calendar).date(), _local(b, calendar).date()
    while day <= last:
        name = calendar.holiday_name(day, language)
        if not name and day in calendar.closed_days and day.weekday() in calendar.weekdays:
            name = "회사 휴무일" if language == "ko" else "a company holiday"
        if name:
            names.append(name)
        day += timedelta(days=1)
    return names
