"""The Vietnamese catalogue: complete for every msgid in the code, and compiled by our own command."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
LC_MESSAGES = ROOT / "locale" / "vi" / "LC_MESSAGES"
# Everything that can hold user-facing strings; tests and the virtualenv are left out.
SOURCE_DIRS = ["accounts", "certification", "config", "registry", "trust", "templates"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")


def _catalogue() -> dict[tuple[str, str], polib.POEntry]:
    entries = {}
    sources = [LC_MESSAGES / "django.po", *sorted((LC_MESSAGES / "parts").glob("*.po"))]
    for path in sources:
        if not path.exists():
            continue
        for entry in polib.pofile(str(path)):
            translated = (all(entry.msgstr_plural.values()) and entry.msgstr_plural) if entry.msgid_plural \
                else entry.msgstr
            if translated and not entry.obsolete and "fuzzy" not in entry.flags:
                entries.setdefault((entry.msgctxt or "", entry.msgid), entry)
    return entries


def _extract(tmp_path: Path) -> polib.POFile:
    """Run makemessages on a copy of the sources, so the committed catalogue is never touched."""
    for name in SOURCE_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, tmp_path / name,
                            ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.pyc", "*.mo"))
    (tmp_path / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "vi", "-e", "html,txt,py", "--no-location",
         "--no-wrap"],
        cwd=tmp_path, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po"))


@pytest.mark.skipif(not (shutil.which("xgettext") and shutil.which("msgfmt")),
                    reason="gettext (xgettext, msgfmt) is not installed, so makemessages cannot run")
def test_translations_every_msgid_has_vietnamese(tmp_path):
    catalogue = _catalogue()
    extracted = _extract(tmp_path)
    assert len(extracted) > 100  # the extraction itself worked
    missing = [e.msgid for e in extracted if (e.msgctxt or "", e.msgid) not in catalogue]
    assert not missing, "Untranslated msgids (add them to locale/vi/LC_MESSAGES/django.po):\n" + "\n".join(missing)


def test_translations_keep_placeholders():
    for (_, msgid), entry in _catalogue().items():
        wanted = set(PLACEHOLDER.findall(msgid))
        strings = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, (msgid, text)


def test_compile_translations_merges_parts_with_main_winning(tmp_path, settings):
    lc = tmp_path / "vi" / "LC_MESSAGES"
    (lc / "parts").mkdir(parents=True)
    main = polib.POFile()
    main.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
    main.append(polib.POEntry(msgid="Active", msgstr="Còn hiệu lực"))
    main.append(polib.POEntry(msgid="Untranslated", msgstr=""))
    main.save(str(lc / "django.po"))
    part = polib.POFile()
    part.append(polib.POEntry(msgid="Active", msgstr="Có hiệu lực"))
    part.append(polib.POEntry(msgid="Revoked", msgstr="Bị thu hồi"))
    part.append(polib.POEntry(msgid="%(n)s day", msgid_plural="%(n)s days", msgstr_plural={0: "%(n)s ngày"}))
    fuzzy = polib.POEntry(msgid="Guess", msgstr="Đoán", flags=["fuzzy"])
    part.append(fuzzy)
    part.save(str(lc / "parts" / "area.po"))
    settings.LOCALE_PATHS = [tmp_path]

    call_command("compile_translations", verbosity=0)

    compiled = {e.msgid: e for e in polib.mofile(str(lc / "django.mo"))}
    assert compiled["Active"].msgstr == "Còn hiệu lực"
    assert compiled["Revoked"].msgstr == "Bị thu hồi"
    assert compiled["%(n)s day"].msgstr_plural[0] == "%(n)s ngày"
    assert "Untranslated" not in compiled and "Guess" not in compiled
    assert (lc / "django.po").read_text(encoding="utf-8").count("msgid") == 3  # sources left as they were


def test_compile_translations_reports_a_broken_part(tmp_path, settings):
    from django.core.management.base import CommandError

    lc = tmp_path / "vi" / "LC_MESSAGES"
    (lc / "parts").mkdir(parents=True)
    (lc / "parts" / "broken.po").write_text('msgid "x"\nthis is not a po file\n', encoding="utf-8")
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.raises(CommandError, match="broken.po"):
        call_command("compile_translations", verbosity=0)


def test_compiled_catalogue_translates_pages(client, db):
    from django.utils import translation

    with translation.override("vi"):
        assert translation.gettext("Active") == "Còn hiệu lực"
        assert translation.gettext("Verify a certificate") == "Tra cứu giấy chứng nhận"
