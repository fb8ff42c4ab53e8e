"""Serial numbers from what a procurement officer has at hand: pasted text, a CSV file or an XLSX workbook.

Files go through config.uploads (size limit, sniffed type); an XLSX is first checked against the ZIP caps
of config.documents and then read by openpyxl in read-only mode, row by row, never past the bulk limit.
The serial column is the one headed like "serial" / "số hiệu" when there is one, else the first."""

import csv
import io
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.documents import archive_check
from config.errors import ApplicationError, UnsupportedMediaType
from config.uploads import TEXT, upload_inspect
from registry.text import fold

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 50
_SEPARATORS = re.compile(r"[\s,;]+")
HEADER_NAMES = {"serial", "serials", "serial number", "serial no", "certificate", "certificate serial",
                "certificate number", "so hieu", "so hieu chung nhan", "so chung nhan", "ma chung nhan",
                "so giay chung nhan"}


def serials_from_text(text: str) -> list[str]:
    return [token for token in _SEPARATORS.split(text or "") if token]


def _limit() -> int:
    return settings.BULK_STATUS_MAX_SERIALS


def _too_many(count: int) -> ApplicationError:
    return ApplicationError(_("The file holds more than %(max)s serial numbers; split it.") % {"max": _limit()},
                            code="too_many", details={"limit": _limit(), "count": count})


def _csv_rows(file):
    raw = file.read(UPLOAD_MAX_BYTES + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsupportedMediaType(_("The CSV file is not UTF-8 text; save it as \"CSV UTF-8\" and try again."),
                                   code="invalid_csv") from None
    if "\x00" in text:
        raise UnsupportedMediaType(_("The file is not a CSV file."), code="invalid_csv")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            yield [cell.strip() for cell in row[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise UnsupportedMediaType(_("The file is not a readable CSV file: %(reason)s") % {"reason": exc},
                                   code="invalid_csv") from None


def _xlsx_rows(file):
    import openpyxl

    archive_check(file, format_name="Excel (XLSX)")
    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises anything on a damaged workbook
        raise UnsupportedMediaType(_("The file is not a readable Excel workbook."), code="invalid_xlsx") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield ["" if value is None else str(value).strip() for value in row]
    except Exception:
        raise UnsupportedMediaType(_("The file is not a readable Excel workbook."), code="invalid_xlsx") from None
    finally:
        workbook.close()


def serials_from_upload(file) -> list[str]:
    """Serials in an uploaded CSV or XLSX file, in order, without repeats; 400/413/415 with the reason."""
    upload = upload_inspect(file, max_bytes=UPLOAD_MAX_BYTES, allowed_types={TEXT, XLSX},
                            accepted_as=str(_("a list of serial numbers (CSV or XLSX)")), default_name="serials")
    rows = _xlsx_rows(file) if upload.content_type == XLSX else _csv_rows(file)
    column, seen, first = 0, {}, True
    for row in rows:
        if first:
            first = False
            headers = [" ".join(re.findall(r"[0-9a-z]+", fold(cell))) for cell in row]
            named = [i for i, header in enumerate(headers) if header in HEADER_NAMES]
            if named:
                column = named[0]
                continue
            if row and row[0] and not any(c.isdigit() for c in row[0]):
                continue  # a header we do not know the name of
        if column < len(row) and row[column]:
            for token in serials_from_text(row[column]):
                seen.setdefault(token[:40], None)
            if len(seen) > _limit():
                raise _too_many(len(seen))
    if not seen:
        raise ApplicationError(_("No serial numbers were found in the file."), code="empty")
    return list(seen)
