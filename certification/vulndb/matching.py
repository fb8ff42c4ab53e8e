"""Matching SBOM components against the local OSV advisories.

A component is looked up by its package-URL type and its package name, normalised the way each
ecosystem compares names; the candidate advisory packages for all components of an SBOM are
loaded in a few batched IN queries (never a table scan), so time and memory depend on the SBOM and
the advisories that name its packages, not on the size of the advisory table.

Versions are compared with univers (a real version-range library): each OSV range is turned into
intervals following the OSV evaluation rules (events sorted in the ecosystem's version order;
`introduced: "0"` means from the beginning; `fixed` excludes its version, `last_affected` includes
it; `limit` caps the range), and each interval becomes a univers VersionRange of the ecosystem's
scheme. SEMVER ranges use semantic versioning; ECOSYSTEM ranges the ecosystem's own scheme; GIT
ranges name commits and cannot be compared with a released version, so only the explicit
`versions` list speaks for them. An unparseable version is skipped with a warning, never a crash.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from packageurl import PackageURL
from univers import versions as uv
from univers.version_constraint import VersionConstraint
from univers.version_range import RANGE_CLASS_BY_SCHEMES, VersionRange

# OSV ecosystem (the part before ":"; "Alpine:v3.17" is Alpine) -> package-URL type.
PURL_TYPE_BY_ECOSYSTEM = {
    "npm": "npm",
    "PyPI": "pypi",
    "Maven": "maven",
    "Go": "golang",
    "Packagist": "composer",
    "crates.io": "cargo",
    "NuGet": "nuget",
    "RubyGems": "gem",
    "Hex": "hex",
    "Pub": "pub",
    "ConanCenter": "conan",
    "Hackage": "hackage",
    "CRAN": "cran",
    "GitHub Actions": "github",
    "SwiftURL": "swift",
    "Alpine": "apk",
    "Wolfi": "apk",
    "Chainguard": "apk",
    "Debian": "deb",
    "Ubuntu": "deb",
    "AlmaLinux": "rpm",
    "Rocky Linux": "rpm",
    "Red Hat": "rpm",
    "SUSE": "rpm",
    "openSUSE": "rpm",
    "Mageia": "rpm",
    "openEuler": "rpm",
    "Photon OS": "rpm",
    "Azure Linux": "rpm",
}


class SemverVersionRange(VersionRange):
    """OSV SEMVER ranges outside Go: plain semantic versions (univers has no scheme of that name)."""

    scheme = "semver"
    version_class = uv.SemverVersion


# Package-URL types whose namespace is part of the package's name in OSV (and how it is joined).
_NAMESPACE_JOIN = {"maven": ":", "golang": "/", "npm": "/", "composer": "/", "github": "/", "swift": "/"}
# Ecosystems whose registries compare names without regard to case.
_CASE_INSENSITIVE = {"pypi", "composer", "nuget", "cargo", "hex", "pub", "apk", "deb", "rpm", "conan", "hackage"}
_PYPI_SEPARATORS = re.compile(r"[-_.]+")
# Bound batch size for the IN queries (SQLite allows 999 parameters in older builds).
_IN_BATCH = 500


def ecosystem_base(ecosystem: str) -> str:
    return (ecosystem or "").split(":", 1)[0].strip()


def purl_type_for_ecosystem(ecosystem: str) -> str:
    base = ecosystem_base(ecosystem)
    return PURL_TYPE_BY_ECOSYSTEM.get(base) or re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:30]


def package_name_normalise(purl_type: str, name: str) -> str:
    """The name an ecosystem would consider the same package: PyPI folds case and -_. (PEP 503)."""
    name = (name or "").strip()
    if purl_type == "pypi":
        return _PYPI_SEPARATORS.sub("-", name).lower()
    if purl_type in _CASE_INSENSITIVE:
        return name.lower()
    return name


def osv_package_key(ecosystem: str, name: str) -> tuple[str, str]:
    """(purl type, normalised name) of an OSV affected package, e.g. ("maven", "org.yaml:snakeyaml")."""
    purl_type = purl_type_for_ecosystem(ecosystem)
    return purl_type, package_name_normalise(purl_type, name)


def component_package_key(component) -> tuple[str, str] | None:
    """(purl type, normalised name) of an SBOM component, or None when it has no usable package URL."""
    purl_type = component.purl_type.lower()
    name = component.purl_name
    namespace = component.purl_namespace
    if not purl_type or not name:
        return None
    if purl_type in ("deb", "apk", "rpm"):
        # OSV distribution records name the source package, which syft puts in `upstream`.
        upstream = _purl_qualifier(component, "upstream")
        if upstream:
            name = upstream.split("@", 1)[0].split(" ", 1)[0]
        return purl_type, package_name_normalise(purl_type, name)
    joiner = _NAMESPACE_JOIN.get(purl_type)
    full = f"{namespace}{joiner}{name}" if (joiner and namespace) else name
    return purl_type, package_name_normalise(purl_type, full)


def _purl_qualifier(component, key: str) -> str:
    purl = component.purl
    if "?" not in purl:
        return ""
    try:
        qualifiers = PackageURL.from_string(purl).qualifiers or {}
    except ValueError:
        return ""
    return str(qualifiers.get(key, "") or "")


def _distro_release_matches(component, ecosystem: str) -> bool:
    """An advisory for "Debian:9" or "Alpine:v3.17" applies only to that release, when both are known."""
    _, _, release = (ecosystem or "").partition(":")
    if not release:
        return True
    distro = _purl_qualifier(component, "distro")
    if not distro:
        return True
    wanted = release.lstrip("v").strip()
    have = re.sub(r"^[a-z]+-", "", distro.lower())  # "debian-9" -> "9", "alpine-3.17.2" -> "3.17.2"
    return have == wanted or have.startswith(wanted + ".")


# Versions ----------------------------------------------------------------------------------------

def range_class_for(range_type: str, ecosystem: str) -> type[VersionRange] | None:
    base = ecosystem_base(ecosystem)
    if range_type == "SEMVER":
        return RANGE_CLASS_BY_SCHEMES["golang"] if base == "Go" else SemverVersionRange
    if range_type == "ECOSYSTEM":
        # univers names its version schemes after package-URL types.
        return RANGE_CLASS_BY_SCHEMES.get(PURL_TYPE_BY_ECOSYSTEM.get(base, ""))
    return None  # GIT: commits, not versions


def _clean_version(version: str, ecosystem: str) -> str:
    version = (version or "").strip()
    if ecosystem_base(ecosystem) == "Go" and version.startswith("go"):
        version = version[2:]  # the Go toolchain ("stdlib") is versioned go1.21.3 in SBOMs
    return version


@lru_cache(maxsize=65536)
def _parse(version_class: type, version: str):
    """A univers version, or None when the string is not a version of that scheme (cached, bounded)."""
    try:
        return version_class(version)
    except Exception:  # univers raises InvalidVersion, ValueError or TypeError depending on the scheme
        return None


@dataclass(frozen=True)
class Interval:
    lower: object | None  # None: from the first version ("introduced": "0")
    upper: object | None  # None: open-ended (no fix known)
    upper_inclusive: bool  # True for last_affected
    range_obj: VersionRange

    @property
    def fixed(self) -> str:
        return "" if (self.upper is None or self.upper_inclusive) else str(self.upper)


_EVENT_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2, "limit": 3}


def range_intervals(range_type: str, ecosystem: str, events: list[dict]) -> tuple[list[Interval], list, str]:
    """Turn OSV events into affected intervals; returns (intervals, limits, warning)."""
    frozen = tuple(next(iter(e.items())) for e in events or [] if isinstance(e, dict) and len(e) == 1)
    try:
        return _range_intervals(range_type, ecosystem, frozen)
    except TypeError:  # an unhashable event value: not worth caching
        return _range_intervals.__wrapped__(range_type, ecosystem, frozen)


@lru_cache(maxsize=16384)
def _range_intervals(range_type: str, ecosystem: str, events: tuple) -> tuple[list[Interval], list, str]:
    # Cached: many advisories share identical ranges, and building univers ranges is the costly part.
    cls = range_class_for(range_type, ecosystem)
    if cls is None:
        return [], [], ""
    vcls = cls.version_class
    parsed = []
    for kind, value in events:
        if kind not in _EVENT_ORDER or not isinstance(value, str):
            continue
        if kind == "introduced" and value.strip() == "0":
            parsed.append(((0,), kind, None))
            continue
        if kind == "limit" and value.strip() == "*":
            continue
        version = _parse(vcls, _clean_version(value, ecosystem))
        if version is None:
            return [], [], f"unparseable {ecosystem} version in range: {value!r}"
        parsed.append(((1, version, _EVENT_ORDER[kind]), kind, version))
    try:
        parsed.sort(key=lambda item: item[0])
    except TypeError:
        return [], [], f"incomparable {ecosystem} versions in range"
    intervals, limits = [], []
    lower, is_open = None, False
    for _, kind, version in parsed:
        if kind == "introduced":
            if not is_open:
                lower, is_open = version, True
        elif kind in ("fixed", "last_affected"):
            if is_open:
                intervals.append(_interval(cls, lower, version, kind == "last_affected"))
                is_open = False
        elif kind == "limit":
            limits.append(version)
    if is_open:
        intervals.append(_interval(cls, lower, None, False))
    return intervals, limits, ""


def _interval(cls: type[VersionRange], lower, upper, upper_inclusive: bool) -> Interval:
    constraints = []
    if lower is not None:
        constraints.append(VersionConstraint(comparator=">=", version=lower))
    if upper is not None:
        constraints.append(VersionConstraint(comparator="<=" if upper_inclusive else "<", version=upper))
    if not constraints:
        constraints.append(VersionConstraint.from_string(string="*", version_class=cls.version_class))
    return Interval(lower, upper, upper_inclusive, cls(constraints=constraints))


@dataclass
class Verdict:
    affected: bool
    fixed_version: str = ""
    warnings: list[str] = field(default_factory=list)


def version_affected(*, ecosystem: str, ranges: list[dict], versions: list[str], version: str) -> Verdict:
    """Whether `version` of a package falls in an OSV affected entry (its ranges or explicit versions)."""
    verdict = Verdict(False)
    version = _clean_version(version, ecosystem)
    if not version:
        verdict.warnings.append("component has no version")
        return verdict
    explicit = [v for v in versions or [] if isinstance(v, str)]
    if version in explicit:
        verdict.affected = True
    for rng in ranges or []:
        if not isinstance(rng, dict):
            continue
        range_type = rng.get("type")
        cls = range_class_for(range_type, ecosystem)
        if cls is None:
            continue
        parsed = _parse(cls.version_class, version)
        if parsed is None:
            verdict.warnings.append(f"unparseable {ecosystem} version {version!r}")
            continue
        intervals, limits, warning = range_intervals(range_type, ecosystem, rng.get("events") or [])
        if warning:
            verdict.warnings.append(warning)
            continue
        if limits and not any(parsed < limit for limit in limits):
            continue
        for interval in intervals:
            if parsed in interval.range_obj:
                verdict.affected = True
                if interval.fixed and not verdict.fixed_version:
                    verdict.fixed_version = interval.fixed
                break
    if not verdict.affected and explicit:
        # Explicit lists are written in the ecosystem's own spelling ("2.10" may be listed as "2.10.0").
        cls = range_class_for("ECOSYSTEM", ecosystem)
        if cls is not None:
            parsed = _parse(cls.version_class, version)
            if parsed is not None and any(_parse(cls.version_class, _clean_version(v, ecosystem)) == parsed
                                          for v in explicit):
                verdict.affected = True
    return verdict


# Matching ----------------------------------------------------------------------------------------

@dataclass
class Match:
    component: object
    advisory: object  # an Advisory row (with the fields matching needs)
    fixed_version: str


@dataclass
class MatchResult:
    matches: list[Match] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    components: int = 0
    without_purl: int = 0
    candidates: int = 0  # advisory package rows loaded
    queries: int = 0


_ADVISORY_FIELDS = ("advisory__osv_id", "advisory__aliases", "advisory__severity_rating",
                    "advisory__severity_score", "advisory__source", "advisory__summary", "advisory__withdrawn",
                    "advisory__modified")


def candidates_load(keys: Iterable[tuple[str, str]]) -> tuple[dict[tuple[str, str], list], int]:
    """Advisory packages for the given (purl type, name) keys, in batched IN queries per type."""
    from certification.models import AdvisoryPackage

    names_by_type: dict[str, set[str]] = {}
    for purl_type, name in keys:
        names_by_type.setdefault(purl_type, set()).add(name)
    found: dict[tuple[str, str], list] = {}
    queries = 0
    for purl_type, names in names_by_type.items():
        ordered = sorted(names)
        for start in range(0, len(ordered), _IN_BATCH):
            chunk = ordered[start:start + _IN_BATCH]
            rows = (AdvisoryPackage.objects
                    .filter(purl_type=purl_type, name__in=chunk, advisory__withdrawn__isnull=True)
                    .select_related("advisory")
                    .only("ecosystem", "name", "purl_type", "ranges", "versions", "fixed_version", "advisory_id",
                          *_ADVISORY_FIELDS))
            queries += 1
            for row in rows:
                found.setdefault((row.purl_type, row.name), []).append(row)
    return found, queries


def components_match(components: Iterable) -> MatchResult:
    """Match SBOM components (parsed or stored; anything with purl_type/purl_namespace/purl_name/version)."""
    result = MatchResult()
    keyed = []
    for component in components:
        result.components += 1
        key = component_package_key(component)
        if key is None:
            result.without_purl += 1
            continue
        keyed.append((key, component))
    candidates, result.queries = candidates_load(key for key, _ in keyed)
    result.candidates = sum(len(rows) for rows in candidates.values())
    for key, component in keyed:
        rows = candidates.get(key)
        if not rows:
            continue
        by_advisory: dict[int, Match] = {}
        for row in rows:
            if row.purl_type in ("deb", "apk", "rpm") and not _distro_release_matches(component, row.ecosystem):
                continue
            verdict = version_affected(ecosystem=row.ecosystem, ranges=row.ranges, versions=row.versions,
                                       version=component.version)
            for warning in verdict.warnings:
                result.warnings.append(f"{_label(component)} vs {row.advisory.osv_id}: {warning}")
            if not verdict.affected:
                continue
            existing = by_advisory.get(row.advisory_id)
            if existing is None:
                by_advisory[row.advisory_id] = Match(component, row.advisory, verdict.fixed_version)
            elif not existing.fixed_version and verdict.fixed_version:
                existing.fixed_version = verdict.fixed_version
        result.matches.extend(by_advisory.values())
    return result


def _label(component) -> str:
    return component.purl or f"{component.name}@{component.version}"
