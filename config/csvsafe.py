"""Every CSV the application writes goes through here: a cell a spreadsheet would read as a formula
(starting with =, +, -, @, a tab or a carriage return) is written with a leading apostrophe, the
OWASP mitigation for CSV injection. Numbers stay numbers. tests/config/test_csvsafe.py checks that
no other module calls csv.writer."""

import csv

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """The value as it is safe to write in a CSV cell."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer with every string cell neutralised."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **kwargs) -> SafeWriter:
    return SafeWriter(stream, **kwargs)
