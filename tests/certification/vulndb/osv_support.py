"""Shared helpers for the vulnerability-database tests: where the real third-party data lives."""

import json
from pathlib import Path

import pytest
from django.conf import settings

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
OSV = DATA / "osv"
SBOM = DATA / "sbom"

needs_data = pytest.mark.skipif(
    not (OSV / "ghsa").is_dir() or not (SBOM / "cyclonedx").is_dir(),
    reason="the real OSV and SBOM data in ../shared/data is not present beside the checkout",
)

REAL_OSV_DIRS = [OSV / "ghsa", OSV / "go-vulndb", OSV / "osv-schema-linter-testdata"]


def osv_record(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def real_osv_ids() -> set[str]:
    """Distinct ids of the real records that should import (every file but the nointroduced-* ones)."""
    ids = set()
    for folder in REAL_OSV_DIRS:
        for path in folder.glob("*.json"):
            if not path.name.startswith("nointroduced-"):
                ids.add(osv_record(path)["id"])
    return ids


def real_osv_files() -> list[Path]:
    return sorted(p for folder in REAL_OSV_DIRS for p in folder.glob("*.json"))
