"""The local vulnerability database: OSV records imported from JSON files, folders and zip archives.

Nothing here reaches the network: the operator downloads OSV data (e.g. the per-ecosystem
`all.zip` archives) and runs `manage.py import_osv PATH...`. Each record is validated on its own;
a malformed one is reported and skipped and the rest imports. Re-importing is idempotent: a record
is rewritten only when its `modified` timestamp is newer than the stored one. Archives are read
member by member without extracting anything to disk, with caps on member and total size against
zip bombs. Rows are written in batches (bulk_create / bulk_update), one transaction per batch.
After an import that changed anything, the certified products are matched again (see findings.py).
"""

import json
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError
from django.db import transaction
from django.utils import timezone

from certification.choices import SEVERITY_RANK, SeverityRating
from certification.vulndb.matching import osv_package_key

MEMBER_MAX_BYTES = 5 * 1024 * 1024  # one OSV record; the largest real ones are a few hundred KB
ARCHIVE_MAX_BYTES = 4 * 1024 * 1024 * 1024  # decompressed total of one archive
ARCHIVE_MAX_MEMBERS = 2_000_000
BATCH_SIZE = 500
DETAILS_MAX = 4000
SUMMARY_MAX = 500
REFERENCES_MAX = 10

RANGE_TYPES = {"GIT", "SEMVER", "ECOSYSTEM"}
EVENT_KINDS = {"introduced", "fixed", "last_affected", "limit"}

# Which database published a record, by the OSV id prefix, with the licence its data carries.
# CC-BY-4.0 sources require attribution wherever their records are shown.
SOURCES = (
    ("GHSA-", "GitHub Advisory Database (CC-BY-4.0)"),
    ("GO-", "Go Vulnerability Database (CC-BY-4.0)"),
    ("PYSEC-", "PyPA Advisory Database (CC-BY-4.0)"),
    ("RUSTSEC-", "RustSec Advisory Database (CC0-1.0)"),
    ("MAL-", "OpenSSF Malicious Packages (Apache-2.0)"),
)

GHSA_SEVERITY = {"LOW": "low", "MODERATE": "medium", "MEDIUM": "medium", "HIGH": "high", "CRITICAL": "critical"}
UBUNTU_SEVERITY = {"negligible": "low", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}


class OsvRecordError(ValueError):
    """A record that cannot be imported; the message says why, for the import report."""


@dataclass
class ParsedPackage:
    ecosystem: str
    name: str  # normalised
    purl_type: str
    ranges: list
    versions: list
    fixed_version: str


@dataclass
class ParsedAdvisory:
    osv_id: str
    modified: datetime
    published: datetime | None
    withdrawn: datetime | None
    summary: str
    details: str
    aliases: list[str]
    severity_score: Decimal | None
    severity_rating: str
    cvss_vector: str
    references: list[dict]
    source: str
    schema_version: str
    packages: list[ParsedPackage]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def lines(self) -> list[str]:
        out = [f"created: {self.created}", f"updated: {self.updated}", f"unchanged: {self.unchanged}",
               f"skipped: {len(self.skipped)}"]
        out += [f"  skipped {source}: {reason}" for source, reason in self.skipped]
        return out


# Parsing and validation --------------------------------------------------------------------------

def _timestamp(value, name: str, *, required: bool = False) -> datetime | None:
    if value is None or value == "":
        if required:
            raise OsvRecordError(f"missing required field '{name}'")
        return None
    if not isinstance(value, str):
        raise OsvRecordError(f"'{name}' is not an RFC 3339 timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise OsvRecordError(f"'{name}' is not an RFC 3339 timestamp: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise OsvRecordError(f"'{name}' has no time zone: {value[:40]!r}")
    return parsed


def _events_check(events, where: str) -> None:
    if not isinstance(events, list) or not events:
        raise OsvRecordError(f"{where}.events must be a non-empty list")
    has_introduced = False
    for j, event in enumerate(events):
        if not isinstance(event, dict) or len(event) != 1:
            raise OsvRecordError(f"{where}.events[{j}] must have exactly one of {sorted(EVENT_KINDS)}")
        kind, value = next(iter(event.items()))
        if kind not in EVENT_KINDS:
            raise OsvRecordError(f"{where}.events[{j}] has an unknown event {kind!r}")
        if not isinstance(value, str) or not value.strip():
            raise OsvRecordError(f"{where}.events[{j}].{kind} must be a non-empty string")
        has_introduced |= kind == "introduced"
    if not has_introduced:
        raise OsvRecordError(f"{where}.events has no 'introduced' event")


def _severity_list(value, where: str) -> list:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise OsvRecordError(f"'{where}' must be a list")
    return list(value)


def _severity(record: dict) -> tuple[Decimal | None, str, str]:
    """(base score, rating, vector): the highest of the record's CVSS vectors; GHSA's label as fallback."""
    best: tuple[int, float, str, str] | None = None  # (rank, score, rating, vector)
    entries = _severity_list(record.get("severity"), "severity")
    for i, affected in enumerate(record.get("affected") or []):
        if isinstance(affected, dict):
            entries += _severity_list(affected.get("severity"), f"affected[{i}].severity")
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kind, vector = entry.get("type"), str(entry.get("score") or "").strip()
        try:
            if kind == "CVSS_V4":
                c4 = CVSS4(vector)
                score, rating = float(c4.base_score), str(c4.severity).lower()
            elif kind == "CVSS_V3":
                c3 = CVSS3(vector)
                score, rating = float(c3.scores()[0]), str(c3.severities()[0]).lower()
            elif kind == "CVSS_V2":
                score = float(CVSS2(vector).scores()[0])
                # CVSS v2 has no ratings of its own; NVD's bands are the common reading.
                rating = "high" if score >= 7.0 else "medium" if score >= 4.0 else "low"
            elif kind == "Ubuntu":
                # A label, not a vector: no score, nothing to keep as the vector.
                score, rating, vector = -1.0, UBUNTU_SEVERITY.get(vector.lower(), ""), ""
            else:
                continue
        except (CVSSError, ValueError, TypeError, KeyError, IndexError):
            continue  # an unreadable vector is not fatal: the label below may still say how bad it is
        if rating not in SEVERITY_RANK:
            continue
        candidate = (SEVERITY_RANK[rating], score, rating, vector[:200])
        best = max(best, candidate) if best else candidate
    if best is not None:
        rank, score, rating, vector = best
        return (Decimal(str(round(score, 1))) if score >= 0 else None), rating, vector
    specific = record.get("database_specific")
    label = str((specific.get("severity") if isinstance(specific, dict) else "") or "").upper()
    if label in GHSA_SEVERITY:
        return None, GHSA_SEVERITY[label], ""
    return None, SeverityRating.UNKNOWN, ""


def _source(osv_id: str) -> str:
    for prefix, name in SOURCES:
        if osv_id.startswith(prefix):
            return name
    return f"OSV ({osv_id.split('-', 1)[0]})"[:100]


def osv_record_parse(record) -> ParsedAdvisory:
    """Validate one OSV record (the parts the registry relies on) and normalise it; raise OsvRecordError."""
    if not isinstance(record, dict):
        raise OsvRecordError("an OSV record must be a JSON object")
    osv_id = record.get("id")
    if not isinstance(osv_id, str) or not osv_id.strip():
        raise OsvRecordError("missing required field 'id'")
    osv_id = osv_id.strip()
    if len(osv_id) > 100:
        raise OsvRecordError("'id' is longer than 100 characters")
    modified = _timestamp(record.get("modified"), "modified", required=True)
    published = _timestamp(record.get("published"), "published")
    withdrawn = _timestamp(record.get("withdrawn"), "withdrawn")
    aliases = record.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise OsvRecordError("'aliases' must be a list of strings")
    affected = record.get("affected") or []
    if not isinstance(affected, list):
        raise OsvRecordError("'affected' must be a list")

    packages: list[ParsedPackage] = []
    for i, entry in enumerate(affected):
        where = f"affected[{i}]"
        if not isinstance(entry, dict):
            raise OsvRecordError(f"{where} must be an object")
        package = entry.get("package")
        if package is not None:
            if not isinstance(package, dict):
                raise OsvRecordError(f"{where}.package must be an object")
            for key in ("ecosystem", "name"):
                if not isinstance(package.get(key), str) or not package[key].strip():
                    raise OsvRecordError(f"{where}.package.{key} is required")
        ranges = entry.get("ranges") or []
        if not isinstance(ranges, list):
            raise OsvRecordError(f"{where}.ranges must be a list")
        for j, rng in enumerate(ranges):
            rwhere = f"{where}.ranges[{j}]"
            if not isinstance(rng, dict):
                raise OsvRecordError(f"{rwhere} must be an object")
            if rng.get("type") not in RANGE_TYPES:
                raise OsvRecordError(f"{rwhere}.type must be one of GIT, SEMVER, ECOSYSTEM")
            if rng["type"] == "GIT" and not rng.get("repo"):
                raise OsvRecordError(f"{rwhere}: a GIT range needs a repo")
            _events_check(rng.get("events"), rwhere)
        versions = entry.get("versions") or []
        if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
            raise OsvRecordError(f"{where}.versions must be a list of strings")
        if package is None:
            continue  # e.g. a GIT-only entry: valid, but nothing to look up by package URL
        ecosystem = package["ecosystem"].strip()[:100]
        purl_type, name = osv_package_key(ecosystem, package["name"])
        kept_ranges = [{"type": r["type"], "events": r["events"], **({"repo": r["repo"]} if r.get("repo") else {})}
                       for r in ranges]
        fixed = []
        for rng in ranges:
            if rng["type"] == "GIT":
                continue
            for event in rng["events"]:
                value = event.get("fixed")
                if value and value not in fixed:
                    fixed.append(value)
        packages.append(ParsedPackage(ecosystem=ecosystem, name=name[:300], purl_type=purl_type,
                                      ranges=kept_ranges, versions=versions,
                                      fixed_version=", ".join(fixed)[:200]))

    score, rating, vector = _severity(record)
    details = str(record.get("details") or "")
    summary = str(record.get("summary") or "").strip() or details.strip().split("\n", 1)[0]
    references = []
    references_in = record.get("references")
    for ref in (references_in if isinstance(references_in, list) else [])[:REFERENCES_MAX]:
        if isinstance(ref, dict) and isinstance(ref.get("url"), str):
            references.append({"type": str(ref.get("type") or "")[:20], "url": ref["url"][:500]})
    return ParsedAdvisory(
        osv_id=osv_id, modified=modified, published=published, withdrawn=withdrawn,
        summary=summary[:SUMMARY_MAX], details=details[:DETAILS_MAX],
        aliases=[a.strip() for a in aliases if a.strip()][:50], severity_score=score, severity_rating=rating,
        cvss_vector=vector, references=references, source=_source(osv_id),
        schema_version=str(record.get("schema_version") or "")[:20], packages=packages,
    )


# Reading files, folders and archives -------------------------------------------------------------

def _decode(raw: bytes, source: str) -> Iterator[tuple[str, object]]:
    """Yield (source, record or OsvRecordError) from one JSON document (a record or a list of them)."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        yield source, OsvRecordError("not UTF-8 text")
        return
    except json.JSONDecodeError as exc:
        yield source, OsvRecordError(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield f"{source}[{i}]", item
    else:
        yield source, data


def _file_records(path: Path, *, member_max: int) -> Iterator[tuple[str, object]]:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > member_max:
            yield source, OsvRecordError(f"file is larger than {member_max // (1024 * 1024)} MB")
            return
        raw = path.read_bytes()
    except OSError as exc:
        yield source, OsvRecordError(f"cannot read file: {exc.strerror or exc}")
        return
    yield from _decode(raw, source)


def _archive_records(path: Path, *, member_max: int, total_max: int) -> Iterator[tuple[str, object]]:
    """Records of a zip archive, read member by member in memory; never extracted to disk."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield str(path), OsvRecordError(f"not a readable zip archive: {exc}")
        return
    total = 0
    with archive:
        for count, info in enumerate(archive.infolist(), start=1):
            source = f"{path}!{info.filename}"
            if count > ARCHIVE_MAX_MEMBERS:
                yield str(path), OsvRecordError(f"archive has more than {ARCHIVE_MAX_MEMBERS} members; rest skipped")
                return
            if info.is_dir() or not info.filename.lower().endswith(".json"):
                continue
            if info.file_size > member_max:
                yield source, OsvRecordError(f"member is larger than {member_max // (1024 * 1024)} MB")
                continue
            total += info.file_size
            if total > total_max:
                yield source, OsvRecordError("archive exceeds the total decompressed size limit; rest skipped")
                return
            try:
                with archive.open(info) as fh:
                    # The declared size can lie: read one byte past the cap to catch a bomb.
                    raw = fh.read(member_max + 1)
            except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
                yield source, OsvRecordError(f"cannot read archive member: {exc}")
                continue
            if len(raw) > member_max:
                yield source, OsvRecordError(f"member is larger than {member_max // (1024 * 1024)} MB")
                continue
            yield from _decode(raw, source)


def osv_records_iter(paths: Iterable, *, member_max: int = MEMBER_MAX_BYTES,
                     total_max: int = ARCHIVE_MAX_BYTES) -> Iterator[tuple[str, object]]:
    """Yield (source, record or OsvRecordError) for JSON files, folders (recursive) and zip archives."""
    for raw_path in paths:
        path = Path(raw_path)
        if not path.exists():
            yield str(path), OsvRecordError("path does not exist")
            continue
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".zip"))
        else:
            files = [path]
        for file in files:
            if file.suffix.lower() == ".zip" or (file.suffix.lower() != ".json" and zipfile.is_zipfile(file)):
                yield from _archive_records(file, member_max=member_max, total_max=total_max)
            else:
                yield from _file_records(file, member_max=member_max)


# Writing -----------------------------------------------------------------------------------------

_ADVISORY_FIELDS = ("modified", "published", "withdrawn", "summary", "details", "aliases", "severity_score",
                    "severity_rating", "cvss_vector", "references", "source", "schema_version")


def _batch_write(batch: dict[str, ParsedAdvisory], report: ImportReport) -> None:
    from certification.models import Advisory, AdvisoryPackage

    if not batch:
        return
    with transaction.atomic():
        existing = {osv_id: (pk, modified) for osv_id, pk, modified in
                    Advisory.objects.filter(osv_id__in=list(batch)).values_list("osv_id", "pk", "modified")}
        now = timezone.now()
        to_create, to_update = [], []
        for osv_id, parsed in batch.items():
            values = {f: getattr(parsed, f) for f in _ADVISORY_FIELDS}
            if osv_id not in existing:
                to_create.append(Advisory(osv_id=osv_id, imported_at=now, **values))
            elif parsed.modified > existing[osv_id][1]:
                to_update.append(Advisory(pk=existing[osv_id][0], osv_id=osv_id, imported_at=now, **values))
            else:
                report.unchanged += 1
        if to_create:
            Advisory.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            Advisory.objects.bulk_update(to_update, [*_ADVISORY_FIELDS, "imported_at"], batch_size=BATCH_SIZE)
            AdvisoryPackage.objects.filter(advisory_id__in=[a.pk for a in to_update]).delete()
        written = to_create + to_update
        if any(a.pk is None for a in written):  # backends that do not return ids from bulk inserts
            ids = dict(Advisory.objects.filter(osv_id__in=[a.osv_id for a in written]).values_list("osv_id", "pk"))
            for a in written:
                a.pk = ids[a.osv_id]
        packages = [
            AdvisoryPackage(advisory_id=a.pk, ecosystem=p.ecosystem, name=p.name, purl_type=p.purl_type,
                            ranges=p.ranges, versions=p.versions, fixed_version=p.fixed_version)
            for a in written for p in batch[a.osv_id].packages
        ]
        AdvisoryPackage.objects.bulk_create(packages, batch_size=1000)
        report.created += len(to_create)
        report.updated += len(to_update)


def osv_import(paths: Iterable, *, batch_size: int = BATCH_SIZE, member_max: int = MEMBER_MAX_BYTES,
               total_max: int = ARCHIVE_MAX_BYTES, rematch: bool = True) -> ImportReport:
    """Import OSV records from files, folders and zip archives; idempotent (updates only newer `modified`).

    Malformed records are reported in `skipped` and the rest imports. When anything was created or
    updated, matching of certified products runs again after the import (advisory_rematch_task).
    """
    report = ImportReport()
    batch: dict[str, ParsedAdvisory] = {}
    for source, record in osv_records_iter(paths, member_max=member_max, total_max=total_max):
        if isinstance(record, OsvRecordError):
            report.skipped.append((source, str(record)))
            continue
        try:
            parsed = osv_record_parse(record)
        except OsvRecordError as exc:
            report.skipped.append((source, str(exc)))
            continue
        previous = batch.get(parsed.osv_id)
        if previous is not None:
            # The same id twice in one import: keep the newer record, count the other as unchanged.
            report.unchanged += 1
            if parsed.modified <= previous.modified:
                continue
        batch[parsed.osv_id] = parsed
        if len(batch) >= batch_size:
            _batch_write(batch, report)
            batch = {}
    _batch_write(batch, report)
    from certification.models import AdvisoryImport

    AdvisoryImport.objects.create(finished_at=timezone.now(), created=report.created, updated=report.updated,
                                  unchanged=report.unchanged, skipped=len(report.skipped))
    if rematch and report.changed:
        with transaction.atomic():
            _rematch_enqueue()
    return report


def _rematch_enqueue() -> None:
    """Match certified products again, through the outbox (one row per import that changed anything)."""
    from trust.outbox import outbox_enqueue

    outbox_enqueue(kind="advisory.rematch", key=f"advisory.rematch:{uuid.uuid4().hex}",
                   summary=timezone.now().isoformat(timespec="seconds"))
