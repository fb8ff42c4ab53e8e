"""The flat component inventory: bad package URLs dropped, duplicates merged."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from packageurl import PackageURL

from certification.sbom.types import WARNINGS_PER_KIND, Component, _truncate

# --------------------------------------------------------------------------- inventory building


_SHA_PLAIN = re.compile(r"SHA(\d+)")


def _hash_alg(alg: str) -> str:
    """Spell hash algorithms one way for CycloneDX ('SHA-256') and SPDX ('SHA256') alike."""
    alg = alg.strip().upper().replace("_", "-")
    match = _SHA_PLAIN.fullmatch(alg)
    return f"SHA-{match.group(1)}" if match else alg


class _Inventory:
    """Collects components, drops bad purls and merges duplicates, accumulating warnings."""

    def __init__(self) -> None:
        self.components: list[Component] = []
        self.warnings: list[str] = []
        self._index: dict[Any, int] = {}
        self._merged = 0
        self._bad_purls = 0

    def add(
        self,
        *,
        name: str,
        version: str,
        group: str = "",
        purl: str = "",
        cpe: str = "",
        licenses: Iterable[str] = (),
        hashes: Iterable[tuple[str, str]] = (),
        bom_ref: str = "",
        component_type: str = "",
        supplier: str = "",
    ) -> None:
        name, version, group = name.strip(), version.strip(), group.strip()
        parsed = self._purl(purl.strip(), name, version)
        if not name and parsed is not None:
            name = parsed.name
        component = Component(
            name=name,
            version=version,
            purl=parsed.to_string() if parsed else "",
            purl_type=parsed.type if parsed else "",
            purl_namespace=(parsed.namespace or "") if parsed else "",
            purl_name=parsed.name if parsed else "",
            cpe=cpe.strip(),
            licenses=_unique_strings(licenses),
            hashes=tuple(sorted({(_hash_alg(a), v.strip().lower()) for a, v in hashes if a and v})),
            bom_ref=bom_ref.strip(),
            component_type=component_type.strip(),
            supplier=supplier.strip(),
        )
        key: Any = component.purl or ("", group, name, version)
        existing = self._index.get(key)
        if existing is None:
            self._index[key] = len(self.components)
            self.components.append(component)
            return
        first = self.components[existing]
        self.components[existing] = dataclasses.replace(
            first,
            licenses=_unique_strings((*first.licenses, *component.licenses)),
            hashes=tuple(sorted(set(first.hashes) | set(component.hashes))),
        )
        self._merged += 1

    def _purl(self, raw: str, name: str, version: str) -> PackageURL | None:
        if not raw:
            return None
        try:
            parsed = PackageURL.from_string(raw)
            # packageurl-python quietly drops an empty name segment ('pkg:apk/alpine/@1.0' becomes
            # the package 'alpine'), which would match the wrong package; treat it as malformed.
            core = raw.split("#", 1)[0].split("?", 1)[0]
            if "@" in core:
                core = core.rsplit("@", 1)[0]
            if core.endswith("/"):
                raise ValueError("the name segment is empty")
            return parsed
        except ValueError as exc:
            self._bad_purls += 1
            if self._bad_purls <= WARNINGS_PER_KIND:
                label = " ".join(p for p in (name, version) if p) or "(unnamed)"
                self.warnings.append(
                    _truncate(
                        f"Dropped the malformed package URL {raw!r} of component {label}: {exc}",
                        300,
                    )
                )
            return None

    def finish(self) -> list[str]:
        if self._bad_purls > WARNINGS_PER_KIND:
            self.warnings.append(
                f"Dropped {self._bad_purls - WARNINGS_PER_KIND} more malformed package URLs "
                f"({self._bad_purls} in total)."
            )
        if self._merged:
            self.warnings.append(
                f"Merged {self._merged} duplicate component entries (same package URL, or same "
                "name and version where there is no package URL)."
            )
        return self.warnings


def _unique_strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _vex_skipped_warning(skipped: int) -> list[str]:
    if not skipped:
        return []
    return [
        f"Ignored {skipped} vulnerability entries without an analysis state (not VEX statements)."
    ]


