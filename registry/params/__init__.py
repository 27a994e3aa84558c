"""The bureau's own parameters and the official working-day calendars, kept as data files.

`bureau.toml` holds what a bureau decides for its procedures (its name, public-notice length,
filing deadline, spot-check sample sizes, certificate numbering); `calendar/<year>.toml` the State
Council's holiday notice of each year; `districts.toml` the districts a new installation starts
with. They are the shipped defaults, read once per process: the settings in force are read through
`registry/services/settings.py`, where admins' changes override them.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from pathlib import Path

PARAMS_DIR = Path(__file__).resolve().parent
CALENDAR_DIR = PARAMS_DIR / "calendar"


@cache
def bureau() -> dict:
    """The parameters of `bureau.toml` as a nested dict."""
    with (PARAMS_DIR / "bureau.toml").open("rb") as handle:
        return tomllib.load(handle)


@cache
def districts() -> tuple[dict, ...]:
    """The shipped districts: code, name_zh, name_en."""
    with (PARAMS_DIR / "districts.toml").open("rb") as handle:
        return tuple(tomllib.load(handle)["districts"])


def month_day(value: str, year: int) -> dt.date:
    """A "MM-DD" parameter as a date of `year`."""
    month, day = (int(part) for part in value.split("-"))
    return dt.date(year, month, day)


@cache
def calendar_year(year: int) -> dict | None:
    """The official calendar of `year` (holidays, make-up working days, source), or None."""
    path = CALENDAR_DIR / f"{year}.toml"
    if not path.exists():
        return None
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    days_off = set()
    for holiday in data["holidays"]:
        day = holiday["first"]
        while day <= holiday["last"]:
            days_off.add(day)
            day += dt.timedelta(days=1)
    return {"source": data["source"], "days_off": frozenset(days_off),
            "workdays": frozenset(data["workdays"]), "holidays": data["holidays"]}
