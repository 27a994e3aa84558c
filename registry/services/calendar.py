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
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from registry.services import settings
from registry.services.workbooks import cell_date, header_columns, read_spreadsheet

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


# --- Uploading a year's official calendar ---------------------------------------------------

CALENDAR_COLUMNS = ("date", "kind", "name")
CALENDAR_ALIASES = {"date": ("date", "日期"), "kind": ("kind", "type", "类型", "休/班"),
                    "name": ("name", "holiday", "节日", "名称", "假日名称")}
DAY_OFF_KINDS = ("holiday", "off", "休", "休息", "放假")
WORKDAY_KINDS = ("workday", "work", "班", "上班", "调休上班")
MAX_CALENDAR_ROWS = 200


@dataclass
class CalendarRow:
    row: int
    date: dt.date | None = None
    kind: str | None = None   # holiday | workday
    name: str = ""
    errors: list = field(default_factory=list)


MAX_CALENDAR_ROWS = 366  # each day of a year at most once


def read_calendar(filename: str, data: bytes, year: int,
                  source: str) -> tuple[dict | None, list[CalendarRow], object | None]:
    """Read the official list of holidays and make-up working days of `year` (columns date,
    kind — 休 or 班 —, name): (the calendar document, or None if any row is wrong; every row
    with its errors; a file-level error). All or nothing: one wrong row keeps the file out."""
    table, error = read_spreadsheet(filename, data, MAX_CALENDAR_ROWS + 2)
    if error is not None:
        return None, [], error
    if len(table) - 1 > MAX_CALENDAR_ROWS:
        return None, [], _l("At most %(count)s rows per file.", count=MAX_CALENDAR_ROWS)
    columns, missing = header_columns(table[0], CALENDAR_ALIASES, ("date", "kind"))
    if missing:
        return None, [], _l("Missing columns: %(columns)s.", columns=", ".join(missing))
    if len(table) - 1 > MAX_CALENDAR_ROWS:
        return None, [], _l("At most %(count)s rows per file.", count=MAX_CALENDAR_ROWS)
    rows, seen = [], set()
    for number, raw in enumerate(table[1:], start=2):
        def cell(name, raw=raw):
            index = columns.get(name)
            return raw[index] if index is not None and index < len(raw) else None
        row = CalendarRow(number, date=cell_date(cell("date")),
                          name=str(cell("name") or "").strip()[:40])
        kind = str(cell("kind") or "").strip().lower()
        row.kind = "holiday" if kind in DAY_OFF_KINDS else "workday" if kind in WORKDAY_KINDS \
            else None
        if row.date is None:
            row.errors.append(_l("Not a date (YYYY-MM-DD)."))
        elif row.date.year != year:
            row.errors.append(_l("This date is not in %(year)s.", year=year))
        elif row.date in seen:
            row.errors.append(_l("This date appears twice."))
        if row.kind is None:
            row.errors.append(_l("The kind is 休 (day off) or 班 (make-up working day)."))
        elif row.kind == "holiday" and not row.name:
            row.errors.append(_l("Name the holiday."))
        elif row.kind == "workday" and row.date is not None and row.date.weekday() < 5:
            row.errors.append(_l("A make-up working day falls on a Saturday or Sunday."))
        if row.date is not None:
            seen.add(row.date)
        rows.append(row)
    if not (source or "").strip():
        return None, rows, _l("Name the notice the list comes from.")
    if any(row.errors for row in rows):
        return None, rows, None
    return _document(rows, source.strip()), rows, None


def _document(rows: list[CalendarRow], source: str) -> dict:
    """Days off grouped into holidays (consecutive days of one name), make-up days listed."""
    holidays: list[dict] = []
    for row in sorted((r for r in rows if r.kind == "holiday"), key=lambda r: r.date):
        last = holidays[-1] if holidays else None
        if last and last["name"] == row.name and \
                dt.date.fromisoformat(last["last"]) + ONE_DAY == row.date:
            last["last"] = row.date.isoformat()
        else:
            holidays.append({"name": row.name, "first": row.date.isoformat(),
                             "last": row.date.isoformat()})
    return {"source": source, "holidays": holidays,
            "workdays": sorted(r.date.isoformat() for r in rows if r.kind == "workday")}
