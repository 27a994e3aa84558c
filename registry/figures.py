"""The annual filing's figures: sections, units, official definitions, parsing and checks.

One vocabulary for the web form, the Excel template and the filing service, so a figure is
labelled, explained, parsed and checked the same way wherever a firm enters it. Definitions
follow 《高新技术企业认定管理工作指引》(国科发火〔2016〕195号) and 《科技型中小企业评价办法》.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from registry.models.filing import FIGURES, SIGNED_FIGURES
from registry.rules import display
from registry.rules.facts import PART_OF, SINGLE_YEAR_FIGURES
from registry.rules.units import MAX_MAGNITUDE, tidy

PLACES = 4  # 万元 to one yuan; headcounts as yearly averages to the same precision


@dataclass(frozen=True)
class Figure:
    name: str
    kind: str            # money, headcount, percent or yesno
    label: object        # lazy translated strings
    help: object
    prefill: bool = False          # copied from last year's filing into a new one
    optional: bool = False         # may stay blank when submitting

    @property
    def signed(self) -> bool:
        return self.name in SIGNED_FIGURES

    @property
    def unit(self):
        return UNITS[self.kind]

    @property
    def yes_no(self) -> bool:
        return self.kind == "yesno"

    @property
    def only_year(self) -> int | None:
        """The one fiscal year this figure is asked for (the rules' SINGLE_YEAR_FIGURES), or
        None: every year."""
        return SINGLE_YEAR_FIGURES.get(self.name)

    def asked_for(self, fiscal_year: int) -> bool:
        """Whether a filing for `fiscal_year` has this figure."""
        return self.only_year is None or self.only_year == fiscal_year


UNITS = {"money": _l("10k yuan"), "headcount": _l("persons"), "percent": "%",
         "yesno": _l("yes / no")}

_FIGURES = (
    Figure("total_income", "money", _l("Total income"), _l(
        "Total income (总收入) is the gross income of the corporate income-tax return minus "
        "non-taxable income: sales, services, property transfers, dividends, interest, rents, "
        "royalties, donations and other income. It is not the same as sales revenue. "
        "High-tech income is measured against it (at least 60% for HNTE).")),
    Figure("revenue", "money", _l("Sales revenue"), _l(
        "Sales revenue (销售收入) is main-business plus other-business revenue from the income "
        "statement. It decides the size limits and the R&D intensity band.")),
    Figure("hightech_income", "money", _l("High-tech product (service) income"), _l(
        "Income from products and services that rely on the firm's core technology, plus "
        "technology income (transfer, licensing, technical services). Part of total income, "
        "so it cannot exceed it.")),
    Figure("rd_expense", "money", _l("R&D expenses"), _l(
        "R&D expenses collected under the HNTE guideline: staff costs, direct inputs, "
        "depreciation, amortisation of intangibles, design, equipment tuning and trials, "
        "commissioned and joint R&D (80% of commissioned R&D counts) and other costs (at most "
        "20% of the total). Routine upgrades and production costs do not count.")),
    Figure("rd_domestic", "money", _l("of which R&D in mainland China"), _l(
        "The part of R&D expenses incurred inside mainland China (domestic R&D). It cannot "
        "exceed the R&D expenses; HNTE requires at least 60% over three years.")),
    Figure("employees", "headcount", _l("Employees"), _l(
        "All staff on contract or social insurance, plus part-time and temporary staff who "
        "worked at least 183 days in the year. Use the yearly average of monthly averages; "
        "decimals are allowed. Copied from last year as a starting point: check it."),
        prefill=True),
    Figure("st_staff", "headcount", _l("S&T staff"), _l(
        "Staff who do R&D and related technical innovation, or manage it or give it direct "
        "technical service, and worked at least 183 days in the year (full-time, part-time "
        "or temporary). Yearly average like employees; at most the number of employees. "
        "Copied from last year as a starting point: check it."), prefill=True),
    Figure("total_cost", "money", _l("Total costs and expenses"), _l(
        "Operating costs, taxes and surcharges, selling, administrative, R&D and financial "
        "expenses from the income statement (成本费用总额). The tech-SME score compares R&D "
        "with it.")),
    Figure("total_assets", "money", _l("Total assets"), _l(
        "Total assets on the balance sheet at the end of the year.")),
    Figure("net_assets", "money", _l("Net assets"), _l(
        "Owners' equity at the end of the year (total assets minus liabilities). May be "
        "negative.")),
    Figure("taxable_income", "money", _l("Taxable income before the R&D super-deduction"), _l(
        "Taxable income of the year's corporate income-tax return before the R&D "
        "super-deduction. A loss is negative.")),
    Figure("input_vat", "money", _l("Deductible input VAT"), _l(
        "Input VAT deductible in the year. Needed only by advanced manufacturers claiming the "
        "5% VAT credit; leave blank otherwise."), optional=True),
    Figure("rd_expense_q4", "money", _l("of which R&D in October–December 2022"), _l(
        "R&D expenses incurred from 1 October to 31 December 2022. In 2022 they were deducted "
        "at 100% extra for every firm (2022 No. 28). Part of the year's R&D expenses, so it "
        "cannot exceed them; leave blank if not known."), optional=True),
    Figure("manufacturer", "yesno", _l("Manufacturing is the main business"), _l(
        "Yes when manufacturing is the firm's main business and its manufacturing income is at "
        "least 50% of total income this year (2021 No. 13). Manufacturers deduct 100% extra of "
        "R&D from 2021. Copied from last year as a starting point: check it."),
        prefill=True, optional=True),
    Figure("rd_survey", "yesno", _l("Filed the R&D statistics survey"), _l(
        "Yes when the firm filed this year's R&D statistics survey (研发统计纳统) with the "
        "statistics bureau. Bureau rewards for R&D ask for it."), optional=True),
)
FIGURE_SPECS: dict[str, Figure] = {figure.name: figure for figure in _FIGURES}
assert set(FIGURE_SPECS) == set(FIGURES)

SECTIONS = (
    ("income", _l("Income and revenue"),
     ("total_income", "revenue", "hightech_income", "manufacturer")),
    ("rd", _l("Research and development"),
     ("rd_expense", "rd_domestic", "rd_expense_q4", "rd_survey")),
    ("staff", _l("Staff"), ("employees", "st_staff")),
    ("assets", _l("Costs, assets and tax"),
     ("total_cost", "total_assets", "net_assets", "taxable_income", "input_vat")),
)
# The figures in the order the form, the template and the receipt show them.
ORDERED = tuple(name for _id, _label, names in SECTIONS for name in names)
assert sorted(ORDERED) == sorted(FIGURES)

# (part, whole): a part may not exceed its whole (rules.md "Input"), as the rules check it.
PARTS = PART_OF

_NUMBER = re.compile(r"[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?")
_YES_NO = {"yes": True, "y": True, "true": True, "是": True,
           "no": False, "n": False, "false": False, "否": False}


class FigureError(ValueError):
    """A typed value that is not an acceptable figure; the message is for the person typing."""


def parse_figure(text, figure: Figure) -> Decimal | None:
    """Parse what a person typed (or an Excel cell) into an exact Decimal; blank is None.

    Accepts thousands separators ("1,234.5") and full-width digits; refuses exponents, more
    than 4 decimal places, negative values where the figure cannot be negative and values
    beyond 10^10. A yes/no figure takes yes/no (是/否) or a boolean.
    """
    if figure.yes_no:
        return parse_yes_no(text)
    if text is None:
        return None
    if isinstance(text, (int, Decimal)) and not isinstance(text, bool):
        text = str(text)
    elif isinstance(text, float):  # an Excel number: its shortest exact repr, without exponent
        text = format(Decimal(repr(text)), "f")
    elif not isinstance(text, str):
        raise FigureError(_l("Enter a number."))
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if cleaned == "":
        return None
    if not _NUMBER.fullmatch(cleaned):
        raise FigureError(_l("Enter a number such as 1234.5 (a dot for decimals)."))
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise FigureError(_l("Enter a number.")) from None
    if -value.as_tuple().exponent > PLACES:
        raise FigureError(_l("At most 4 decimal places."))
    if value < 0 and not figure.signed:
        raise FigureError(_l("Cannot be negative."))
    if abs(value) > MAX_MAGNITUDE:
        raise FigureError(_l("Too large: at most 10,000,000,000."))
    return value + 0  # normalises -0 to 0


def parse_yes_no(text) -> bool | None:
    """yes/no, 是/否 (or true/false) to a boolean; blank is None (not stated)."""
    if text is None or isinstance(text, bool):
        return text
    if not isinstance(text, str):
        raise FigureError(_l("Enter yes or no (是 or 否), or leave it blank."))
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    if cleaned == "":
        return None
    if cleaned not in _YES_NO:
        raise FigureError(_l("Enter yes or no (是 or 否), or leave it blank."))
    return _YES_NO[cleaned]


def figure_json(value: Decimal | bool | None) -> str | bool | None:
    """A figure as stored in revisions and warnings: an exact decimal string, a boolean for a
    yes/no figure, or None."""
    return value if value is None or isinstance(value, bool) else str(tidy(value))


def figure_from_json(value: str | bool | None) -> Decimal | bool | None:
    """The inverse of figure_json."""
    return value if value is None or isinstance(value, bool) else Decimal(value)


def format_figure(value: Decimal | bool | None) -> str:
    """A figure as typed back into an input: plain digits, no trailing zeros; yes or no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(tidy(value))


def display_figure(value: Decimal | bool | None) -> str:
    """A figure for reading: thousands separators, no trailing zeros; yes/no in the current
    language; blank is an em dash."""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    return "—" if value is None else f"{tidy(value):,}"


# How numbers read on screen: one set of formats, kept in the rules' pure display module so the
# engine's explanations and every page and export say the same (registry/rules/display.py).
CENT = display.CENT


def display_money(value: Decimal | int | str | None) -> str:
    """An amount of 万元 for reading: thousands separators and two decimals (half up)."""
    return display.money(value)


def display_percent(value: Decimal | int | str | Fraction | None, places: int | None = 2) -> str:
    """A fraction (0.04, or an exact Fraction) for reading as a percentage with `places` decimals
    (4.00%); with None, as precise as a threshold is stated (5%, 2.5%)."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return display.percent(value, places)


def growth_rate(factor: Decimal, years: int) -> Decimal | None:
    """The yearly growth rate whose compounding over `years` years is `factor` (1.520875 over 3
    years is 0.15); None where it has none (a factor below zero)."""
    if factor < 0 or years < 1:
        return None
    with localcontext() as context:
        context.prec = 34
        return factor ** (Decimal(1) / years) - 1 if years > 1 else factor - 1


def criterion_figure(text: str | None, kind: str | None, lang: str, years: int | None = None) -> str:
    """A criterion's stored figure or requirement ("1.7", ">= 1.520875", "<= 20000") for reading
    in the units people use: a growth multiple over `years` years as the yearly growth rate in
    percent (a requirement as precise as the rule states it, "≥ 15%"), a ratio or share as a
    percentage, 万元 with separators and two decimals, yes/no in `lang`."""
    if text is None or text == "":
        return "—"
    op, _space, rest = text.partition(" ")
    if op not in display.OPERATORS or not rest:
        op, rest = "", text
    try:
        value: Decimal | bool | str = Decimal(rest)
    except InvalidOperation:
        value = {"true": True, "false": False}.get(rest, rest)
    if kind == "factor" and years and isinstance(value, Decimal):
        rate = growth_rate(value, years)
        if rate is not None:
            shown = display.percent(rate, None if op else 2)
            sign = display.OPERATORS.get(op, op)
            return f"{sign} {shown}" if sign else shown
    if op:
        return display.requirement_text(op, value, kind, lang)
    return display.value_text(value, kind, lang)


def display_count(value: Decimal | int | str | None) -> str:
    """A number of firms (or of anything counted; a forecast to the whole firm) with thousands
    separators."""
    return display.count(value)


def display_value(value, kind: str | None = None) -> str:
    """A filed figure for reading by its kind (Figure.kind): money as display_money, headcounts
    exact with separators, yes/no in words."""
    value = figure_from_json(value) if isinstance(value, str) else value
    if kind == "money" and not isinstance(value, bool):
        return display_money(value)
    return display_figure(value)


def cross_field_errors(figures: dict) -> dict[str, object]:
    """{part: message} for each known part larger than its known whole."""
    errors = {}
    for part, whole in PARTS:
        if figures.get(part) is not None and figures.get(whole) is not None \
                and figures[part] > figures[whole]:
            errors[part] = _l("Cannot exceed %(whole)s (%(value)s).",
                              whole=FIGURE_SPECS[whole].label,
                              value=display_figure(figures[whole]))
    return errors


def not_asked_errors(figures: dict, fiscal_year: int) -> dict[str, object]:
    """{figure: message} for each value given for a year the figure is not asked for."""
    return {name: _l("Only asked for fiscal year %(year)s.", year=FIGURE_SPECS[name].only_year)
            for name, value in figures.items()
            if value is not None and name in FIGURE_SPECS
            and not FIGURE_SPECS[name].asked_for(fiscal_year)}


def missing_for_submission(figures: dict) -> list[str]:
    """The figures a submitted filing must have (every one but the optional)."""
    return [name for name in ORDERED
            if figures.get(name) is None and not FIGURE_SPECS[name].optional]


# Plausibility checks: warnings a firm may confirm, never errors.
RD_SHARE_LIMIT = Decimal("0.5")
REVENUE_CHANGE_FACTOR = 5


def plausibility_warnings(figures: dict, previous: dict | None) -> list[dict]:
    """Warnings as JSON-able dicts ({"id", ...values}), stored with the revision."""
    warnings = []
    rd, revenue = figures.get("rd_expense"), figures.get("revenue")
    if rd is not None and revenue is not None and rd > RD_SHARE_LIMIT * revenue:
        warnings.append({"id": "rd_above_half_revenue", "rd_expense": figure_json(rd),
                         "revenue": figure_json(revenue)})
    before = (previous or {}).get("revenue")
    if revenue is not None and before is not None and revenue > 0 and before > 0 and (
            revenue > REVENUE_CHANGE_FACTOR * before or before > REVENUE_CHANGE_FACTOR * revenue):
        warnings.append({"id": "revenue_fivefold_change", "revenue": figure_json(revenue),
                         "previous": figure_json(before)})
    return warnings


WARNING_FIELDS = {"rd_above_half_revenue": "rd_expense", "revenue_fivefold_change": "revenue"}


def warning_message(warning: dict) -> str:
    """The warning in the current language."""
    if warning["id"] == "rd_above_half_revenue":
        return str(_l("R&D expenses (%(rd)s) are more than half of sales revenue (%(revenue)s). "
                      "Please check both figures.",
                      rd=display_figure(Decimal(warning["rd_expense"])),
                      revenue=display_figure(Decimal(warning["revenue"]))))
    if warning["id"] == "revenue_fivefold_change":
        return str(_l("Sales revenue changed more than five-fold from last year "
                      "(%(previous)s → %(revenue)s). Please check it.",
                      previous=display_figure(Decimal(warning["previous"])),
                      revenue=display_figure(Decimal(warning["revenue"]))))
    return warning["id"]
