"""Compile the Vietnamese catalogue from its sources without gettext binaries.

Sources stay separate: locale/<lang>/LC_MESSAGES/django.po (the main catalogue) and every
locale/<lang>/LC_MESSAGES/parts/*.po (written by each area of the code). They are merged in
memory, the main catalogue winning on conflict, and only the compiled django.mo is written.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_METADATA = {
    "Project-Id-Version": "registry",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
}
# Used when a source .po has no header of its own (parts need none).
PLURAL_FORMS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}


def _key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def _is_translated(entry: polib.POEntry) -> bool:
    if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(v for v in entry.msgstr_plural.values())
    return bool(entry.msgstr)


def catalogue_sources(lc_messages: Path) -> list[Path]:
    """The main catalogue first, then the parts in a stable order: earlier sources win."""
    sources = []
    main = lc_messages / "django.po"
    if main.exists():
        sources.append(main)
    sources.extend(sorted((lc_messages / "parts").glob("*.po")))
    return sources


def catalogue_merge(sources: list[Path], *, language: str) -> tuple[polib.POFile, dict]:
    """Merge the sources into one catalogue; returns it and counts for the report."""
    merged = polib.POFile(wrapwidth=0)
    merged.metadata = dict(DEFAULT_METADATA)
    merged.metadata["Language"] = language
    merged.metadata["Plural-Forms"] = PLURAL_FORMS.get(language, "nplurals=2; plural=(n != 1);")
    seen: set[tuple[str, str]] = set()
    stats = {"entries": 0, "skipped_duplicates": 0, "skipped_untranslated": 0}
    for index, path in enumerate(sources):
        try:
            po = polib.pofile(str(path), encoding="utf-8")
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read as a .po file ({exc})") from exc
        if index == 0 and path.name == "django.po" and po.metadata.get("Plural-Forms"):
            merged.metadata["Plural-Forms"] = po.metadata["Plural-Forms"]
        for entry in po:
            if not _is_translated(entry):
                stats["skipped_untranslated"] += 1
                continue
            key = _key(entry)
            if key in seen:
                stats["skipped_duplicates"] += 1
                continue
            seen.add(key)
            merged.append(polib.POEntry(
                msgctxt=entry.msgctxt, msgid=entry.msgid, msgid_plural=entry.msgid_plural,
                msgstr=entry.msgstr, msgstr_plural=dict(entry.msgstr_plural),
            ))
            stats["entries"] += 1
    return merged, stats


class Command(BaseCommand):
    help = (
        "Merge locale/<lang>/LC_MESSAGES/django.po with parts/*.po (django.po wins on conflict) "
        "and write the compiled django.mo. Needs no gettext binaries; the .po sources are not changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--locale", "-l", action="append", dest="locales",
                            help="Compile only this language (repeatable). Default: every language found.")

    def handle(self, *args, locales=None, verbosity=1, **options):
        compiled = 0
        for base in map(Path, settings.LOCALE_PATHS):
            if not base.is_dir():
                continue
            for lang_dir in sorted(p for p in base.iterdir() if p.is_dir()):
                language = lang_dir.name
                if locales and language not in locales:
                    continue
                lc_messages = lang_dir / "LC_MESSAGES"
                sources = catalogue_sources(lc_messages)
                if not sources:
                    continue
                merged, stats = catalogue_merge(sources, language=language)
                target = lc_messages / "django.mo"
                # Write next to the target and rename, so a running server never reads half a file.
                partial = target.with_suffix(".mo.partial")
                merged.save_as_mofile(str(partial))
                partial.replace(target)
                compiled += 1
                if verbosity:
                    self.stdout.write(
                        f"{target}: {stats['entries']} messages from {len(sources)} file(s) "
                        f"({stats['skipped_duplicates']} duplicates, "
                        f"{stats['skipped_untranslated']} untranslated skipped)"
                    )
        if not compiled and verbosity:
            self.stdout.write("No catalogues found.")
