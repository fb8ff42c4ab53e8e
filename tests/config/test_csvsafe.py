"""Every CSV the application writes neutralises formula injection, and goes through one helper."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from config.csvsafe import FORMULA_PREFIXES, csv_cell, csv_writer

DANGEROUS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://evil.example","x")',
             "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_csvsafe_cell_neutralises_every_dangerous_leading_character(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["VN-CSP-2026-00001", "Công ty Bảo mật", "", "a=b", " =1", 42, None, 1.5])
def test_csvsafe_cell_leaves_safe_values_alone(value):
    assert csv_cell(value) == value


def test_csvsafe_writer_neutralises_each_cell():
    stream = io.StringIO()
    writer = csv_writer(stream)
    writer.writerow(DANGEROUS)
    writer.writerows([["ok", "=2"]])
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows[0] == ["'" + v.replace("\r", "\n") if v.startswith("\r") else "'" + v for v in DANGEROUS] \
        or all(cell.startswith("'") for cell in rows[0])
    assert all(not cell.startswith(FORMULA_PREFIXES) for row in rows for cell in row)
    assert rows[-1] == ["ok", "'=2"]


def test_csvsafe_is_the_only_csv_writer():
    """A CSV written anywhere else would skip the neutralisation."""
    offenders = []
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        parts = path.relative_to(settings.BASE_DIR).parts
        if parts[0] in (".venv", "tests", "var", "bench") or path.name == "csvsafe.py":
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []
