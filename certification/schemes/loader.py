"""Schemes as versioned data: JSON files under certification/schemes/, validated and loaded here.

A published scheme version is immutable. Loading the same code and version again with identical
content changes nothing; with different content it is refused, because applications already point
at that version. A higher version becomes the current one; applications keep the Scheme row they
started with, so publishing never changes a running evaluation.
"""

import datetime
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator

from config.errors import ApplicationError
from registry.models import Requirement, Scheme
from trust.canonical import canonical_json
from trust.services import audit_append

SCHEMES_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = SCHEMES_DIR / "scheme.schema.json"
MAX_REPORTED_ERRORS = 50

SCHEME_FIELDS = ["code", "version", "name_vi", "name_en", "description_vi", "description_en", "category",
                 "validity_months", "published", "thresholds", "required_documents", "vulnerability_thresholds"]
REQUIREMENT_FIELDS = ["code", "group", "title_vi", "title_en", "guidance_vi", "guidance_en", "mandatory", "weight",
                      "method", "check_key", "levels"]


@functools.lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _error_text(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    if error.validator == "not" and "requirements" in error.absolute_path:
        return f"{where}: check_key is only allowed when method is 'automated'"
    return f"{where}: {error.message}"


def _invalid(errors: list[str]) -> ApplicationError:
    return ApplicationError(_("The scheme is not valid."), code="invalid_scheme",
                            details={"errors": errors[:MAX_REPORTED_ERRORS]})


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key: 1.10 > 1.9 and 1.0 == 1.0.0."""
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def scheme_validate(*, data) -> dict:
    """Check a scheme document against the JSON Schema and the rules a schema cannot express; return
    its normalised content (the form compared for idempotency), or raise ApplicationError listing every problem."""
    if not isinstance(data, dict):
        raise _invalid(["(root): a scheme must be a JSON object"])
    errors = [_error_text(e) for e in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path)))]
    if errors:
        raise _invalid(errors)
    levels = set(data["thresholds"])
    try:
        datetime.date.fromisoformat(data["published"])
    except ValueError:
        errors.append(f"published: {data['published']!r} is not a valid date")
    for key in ("required_documents", "vulnerability_thresholds"):
        for level in sorted(set(data[key]) - levels):
            errors.append(f"{key}/{level}: level {level!r} has no threshold, so the scheme does not offer it")
    seen: set[str] = set()
    for i, req in enumerate(data["requirements"]):
        if req["code"] in seen:
            errors.append(f"requirements/{i}/code: {req['code']!r} is used by more than one requirement")
        seen.add(req["code"])
        for level in req["levels"]:
            if level not in levels:
                errors.append(f"requirements/{i}/levels: level {level!r} has no threshold in this scheme")
    if errors:
        raise _invalid(errors)
    return _normalise(data)


def _normalise(data: dict) -> dict:
    content = {f: data[f] for f in SCHEME_FIELDS}
    content["requirements"] = [
        {f: (req.get(f, "") if f == "check_key" else req[f]) for f in REQUIREMENT_FIELDS}
        for req in data["requirements"]
    ]
    return content


def scheme_content(*, scheme: Scheme) -> dict:
    """The stored scheme in the same normalised form as a validated file."""
    content = {f: getattr(scheme, f) for f in SCHEME_FIELDS if f != "published"}
    content["published"] = timezone.localtime(scheme.published_at).date().isoformat() if scheme.published_at else ""
    content["requirements"] = [
        {f: getattr(req, f) for f in REQUIREMENT_FIELDS}
        for req in scheme.requirements.order_by("order", "code")
    ]
    return content


def content_sha256(content: dict) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _published_at(value: str) -> datetime.datetime:
    day = datetime.date.fromisoformat(value)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def _scheme_load(*, content: dict, actor) -> tuple[Scheme, bool]:
    """Publish validated content (scheme_validate's result)."""
    code, version = content["code"], content["version"]
    with transaction.atomic():
        siblings = list(Scheme.objects.select_for_update().filter(code=code))
        for existing in siblings:
            if version_key(existing.version) != version_key(version):
                continue
            if existing.version != version or scheme_content(scheme=existing) != content:
                raise ApplicationError(
                    _("Scheme %(code)s version %(version)s is already published with different content. A "
                      "published version cannot change: publish the change under a new version number.")
                    % {"code": code, "version": existing.version},
                    code="scheme_version_conflict", details={"code": code, "version": existing.version},
                )
            return existing, False

        newest = max(siblings, key=lambda s: version_key(s.version), default=None)
        becomes_current = newest is None or version_key(version) > version_key(newest.version)
        superseded = [s for s in siblings if s.is_current] if becomes_current else []
        for old in superseded:
            old.is_current = False
            old.save(update_fields=["is_current"])
            audit_append(actor=actor, action="scheme.supersede", obj=old, before={"is_current": True},
                         after={"is_current": False}, data={"superseded_by": version})

        scheme = Scheme.objects.create(
            **{f: content[f] for f in SCHEME_FIELDS if f != "published"},
            is_current=becomes_current, published_at=_published_at(content["published"]),
        )
        Requirement.objects.bulk_create([
            Requirement(scheme=scheme, order=i, **req) for i, req in enumerate(content["requirements"], start=1)
        ])
        audit_append(
            actor=actor, action="scheme.publish", obj=scheme,
            after={"code": code, "version": version, "category": scheme.category, "is_current": becomes_current,
                   "requirements": len(content["requirements"]), "content_sha256": content_sha256(content)},
            data={"supersedes": [s.version for s in superseded]},
        )
    return scheme, True


def scheme_load(*, data: dict, actor=None) -> Scheme:
    """Publish one scheme version from its data; idempotent for identical content, refuses changed content."""
    content = scheme_validate(data=data)
    try:
        return _scheme_load(content=content, actor=actor)[0]
    except IntegrityError:
        # Another process published the same version at the same moment: compare with what it stored.
        return _scheme_load(content=content, actor=actor)[0]


# Files -----------------------------------------------------------------------------------------

def scheme_file_read(*, path: Path) -> dict:
    """Read one scheme file, with a clear error for unreadable or malformed JSON (callers name the file)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ApplicationError(_("The file cannot be read: %(error)s") % {"error": exc}, code="unreadable") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApplicationError(
            _("The file is not valid JSON: %(error)s (line %(line)s, column %(column)s).")
            % {"error": exc.msg, "line": exc.lineno, "column": exc.colno},
            code="invalid_json",
        ) from exc


def scheme_files(*, paths: list | None = None) -> list[Path]:
    """Scheme files named by the paths (files or folders); by default every shipped scheme file."""
    found: list[Path] = []
    for raw in paths or [SCHEMES_DIR]:
        path = Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.glob("*.json")) if not p.name.endswith(".schema.json"))
        elif path.exists():
            found.append(path)
        else:
            raise ApplicationError(_("No such file or folder: %(path)s") % {"path": path}, code="not_found")
    return found


@dataclass(frozen=True)
class LoadResult:
    path: Path
    scheme: Scheme
    created: bool


def schemes_load_files(*, paths: list | None = None, actor=None) -> list[LoadResult]:
    """Validate every file first, then load them all in one transaction (older versions first)."""
    documents = []
    problems: list[str] = []
    for path in scheme_files(paths=paths):
        try:
            content = scheme_validate(data=scheme_file_read(path=path))
        except ApplicationError as exc:
            problems.append(f"{path}: {exc.message}")
            problems.extend(f"  {line}" for line in exc.details.get("errors", []))
            continue
        documents.append((path, content))
    if problems:
        raise ApplicationError(_("Some scheme files are not valid; nothing was loaded."), code="invalid_scheme",
                               details={"errors": problems})
    documents.sort(key=lambda item: (item[1]["code"], version_key(item[1]["version"])))
    results = []
    with transaction.atomic():
        for path, content in documents:
            try:
                scheme, created = _scheme_load(content=content, actor=actor)
            except ApplicationError as exc:
                raise ApplicationError(f"{path}: {exc.message}", code=exc.code, details=exc.details) from exc
            results.append(LoadResult(path, scheme, created))
    return results
