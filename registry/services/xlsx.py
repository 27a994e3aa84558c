"""The filing as an Excel workbook: a pre-filled template to download, and reading it back.

One row per figure: its id (column A, the key the upload reads), section, item in Chinese and
English, unit, value (column F, the only unlocked cells, stored as text so no digit is lost)
and help. The header names the firm and the year, and an upload for another firm or year is
refused. Reading returns the raw cell values with their cells; the caller validates them with
the filing form, exactly as if they had been typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

from registry.figures import FIGURE_SPECS, ORDERED, SECTIONS, format_figure
from registry.models import Filing, Firm
from registry.services import workbooks
from registry.services.export import set_cell, workbook_bytes

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 100           # the template has about 20; more is not our file
SHEET_TITLE = "Filing"
CODE_CELL, NAME_CELL, YEAR_CELL = "C2", "C3", "C4"
HEADER_ROW = 6
KEY_COLUMN, VALUE_COLUMN = 1, 6
COLUMNS = ("field", "section", "item_zh", "item_en", "unit", "value", "help_zh", "help_en")
WIDTHS = (16, 14, 30, 36, 14, 20, 60, 60)


@dataclass
class CellError:
    row: int | None
    column: str | None
    message: object
    field: str | None = None

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}" if self.row and self.column else ""


@dataclass
class Upload:
    values: dict = field(default_factory=dict)      # figure -> raw cell value
    cells: dict = field(default_factory=dict)       # figure -> (row, column letter)
    errors: list[CellError] = field(default_factory=list)


def _in(locale: str, text) -> str:
    with force_locale(locale):
        return str(text)


def build_template(firm: Firm, filing: Filing) -> bytes:
    """The workbook for this firm and year, pre-filled with the filing's current figures."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet["A1"] = "雁阵 年度研发数据申报 · Yanzhen annual R&D filing"
    sheet["A1"].font = Font(bold=True, size=14)
    for cell, label, value in ((CODE_CELL, "统一社会信用代码 Credit code", firm.identifier),
                               (NAME_CELL, "企业名称 Firm", firm.name),
                               (YEAR_CELL, "年度 Fiscal year", filing.fiscal_year)):
        row = sheet[cell].row
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
        set_cell(sheet[cell], value)
    sheet.cell(row=5, column=1, value="请只填写 F 列；金额单位万元，最多 4 位小数；是否项填“是”或“否”。"
                                      " Fill in column F only; amounts in 万元, at most 4 decimals;"
                                      " yes/no items take yes or no.")
    header = ("字段 Field", "部分 Section", "项目", "Item", "单位 Unit", "数值 Value",
              "说明", "Help")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, title in enumerate(header, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=title)
        cell.font, cell.fill = Font(bold=True), fill
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[index - 1]
    section_of = {name: label for _id, label, names in SECTIONS for name in names}
    asked = [name for name in ORDERED if FIGURE_SPECS[name].asked_for(filing.fiscal_year)]
    for offset, name in enumerate(asked, start=1):
        figure, row = FIGURE_SPECS[name], HEADER_ROW + offset
        values = (name, _in("zh", section_of[name]), _in("zh", figure.label),
                  _in("en", figure.label), _in("zh", figure.unit),
                  format_figure(getattr(filing, name)), _in("zh", figure.help),
                  _in("en", figure.help))
        for column, value in enumerate(values, start=1):
            cell = set_cell(sheet.cell(row=row, column=column), value)
            cell.alignment = Alignment(wrap_text=column >= 7, vertical="top")
        value_cell = sheet.cell(row=row, column=VALUE_COLUMN)
        value_cell.number_format = "@"  # text: what is typed is kept digit for digit
        value_cell.protection = Protection(locked=False)
    sheet.protection.sheet = True  # only the value cells can be edited
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    return workbook_bytes(workbook)


def read_upload(data: bytes, firm: Firm, year: int) -> Upload:
    """The raw figure values of an uploaded template, or errors naming rows and columns."""
    upload = Upload()
    if len(data) > MAX_UPLOAD_BYTES:
        upload.errors.append(CellError(None, None, _l("The file is larger than 2 MB.")))
        return upload
    try:
        rows = workbooks.read_rows(data, MAX_ROWS, len(COLUMNS), SHEET_TITLE)
    except workbooks.UnsafeWorkbook:
        upload.errors.append(CellError(None, None, _l(
            "This file unpacks into far more data than a filing template: download the "
            "template and fill it in.")))
        return upload
    except Exception:  # untrusted bytes: any parser failure means "not our workbook"
        upload.errors.append(CellError(None, None, _l(
            "This is not a readable .xlsx file. Download the template and fill it in.")))
        return upload
    _check_header(rows, firm, year, upload)
    _read_figures(rows, upload, year)
    return upload


def _cell_value(rows: list, coordinate: str):
    row, column = int(coordinate[1:]), ord(coordinate[0]) - ord("A")
    if row > len(rows) or column >= len(rows[row - 1]):
        return None
    return rows[row - 1][column]


def _check_header(rows: list, firm: Firm, year: int, upload: Upload) -> None:
    code = str(_cell_value(rows, CODE_CELL) or "").strip().upper()
    if code != (firm.identifier or "").upper():
        upload.errors.append(CellError(int(CODE_CELL[1:]), CODE_CELL[0], _l(
            "This template is for another firm (credit code %(code)s).", code=code or "—")))
    raw_year = _cell_value(rows, YEAR_CELL)
    try:
        template_year = int(str(raw_year).strip().removesuffix(".0"))
    except ValueError:
        template_year = None
    if template_year != year:
        upload.errors.append(CellError(int(YEAR_CELL[1:]), YEAR_CELL[0], _l(
            "This template is for fiscal year %(found)s, not %(year)s.",
            found=raw_year if raw_year is not None else "—", year=year)))


def _read_figures(rows: list, upload: Upload, year: int) -> None:
    value_letter = get_column_letter(VALUE_COLUMN)
    for number, row in enumerate(rows, start=1):
        if number <= HEADER_ROW or not row:
            continue
        key = row[KEY_COLUMN - 1]
        name = key.strip() if isinstance(key, str) else None
        if name not in FIGURE_SPECS:
            continue
        if name in upload.cells:
            upload.errors.append(CellError(number, "A", _l(
                "%(field)s appears twice (also in row %(row)s).",
                field=FIGURE_SPECS[name].label, row=upload.cells[name][0]), name))
            continue
        upload.cells[name] = (number, value_letter)
        value = row[VALUE_COLUMN - 1] if len(row) >= VALUE_COLUMN else None
        if value is workbooks.FORMULA_WITHOUT_VALUE:
            upload.errors.append(CellError(number, value_letter, _l(
                "This cell holds a formula without a computed value: type the number."), name))
            value = None
        upload.values[name] = value
    for name in ORDERED:
        if name not in upload.cells and FIGURE_SPECS[name].asked_for(year):
            upload.errors.append(CellError(None, "A", _l(
                "The row of %(field)s is missing: download a new template.",
                field=FIGURE_SPECS[name].label), name))


def cell_errors(upload: Upload, field_errors: dict[str, list]) -> list[CellError]:
    """Field errors of the form placed on the cells the values came from."""
    placed = []
    for name in ORDERED:
        for message in field_errors.get(name, ()):
            row, column = upload.cells.get(name, (None, None))
            placed.append(CellError(row, column, message, name))
    return placed
