"""Working days on the official calendar: holidays off, make-up weekend days (调休上班) worked.

The calendars are the bureau's settings (`services/settings.py`: the shipped files until an admin
uploads a year). A year without a calendar counts Monday to Friday, and every answer that relied on
such a year carries a warning naming it, so an officer sees that the period may be off by a holiday.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from registry.services import settings

ONE_DAY = dt.timedelta(days=1)
log = logging.getLogger(__name__)


@dataclass
class WorkingDays:
    """Answers about working days; remembers the years it had to guess (no calendar)."""

    session: Session
    missing_years: set[int] = field(default_factory=set)
    _calendars: dict[int, dict | None] = field(default_factory=dict, repr=False)

    def calendar(self, year: int) -> dict | None:
        """The official calendar of `year` (read once per instance), or None."""
        if year not in self._calendars:
            self._calendars[year] = settings.calendar_year(self.session, year)
        return self._calendars[year]

    def is_working_day(self, day: dt.date) -> bool:
        official = self.calendar(day.year)
        if official is None:
            if day.year not in self.missing_years:
                log.warning("no official calendar for %s: counting Monday to Friday", day.year)
            self.missing_years.add(day.year)
            return day.weekday() < 5
        if day in official["workdays"]:
            return True
        return day.weekday() < 5 and day not in official["days_off"]

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def period(self, after: dt.date, working_days: int) -> tuple[dt.date, dt.date]:
        """(first, last) of `working_days` working days starting the working day after `after`."""
        if working_days < 1:
            raise ValueError("a period has at least one working day")
        first = last = self.next_working_day(after)
        for _day in range(working_days - 1):
            last = self.next_working_day(last)
        return first, last

    def count(self, first: dt.date, last: dt.date) -> int:
        """Working days from `first` to `last`, both inclusive."""
        days, day = 0, first
        while day <= last:
            days += self.is_working_day(day)
            day += ONE_DAY
        return days



def missing_calendar_warnings(years) -> list[str]:
    """What an officer is told when a period ran through years without an official calendar."""
    return [_("No official calendar for %(year)s: counted Monday to Friday, holidays ignored.",
              year=year) for year in sorted(years)]
