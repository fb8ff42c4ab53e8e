"""The artifact checks: artifact.integrity and docs.complete."""

import hashlib

from django.utils.translation import gettext as _

from certification.checks import CheckOutcome, register
from certification.checks.errors import error_log
from certification.choices import CaseResultValue as R
from config.uploads import DOCUMENT_TYPES
from registry.choices import ArtifactKind


def _file_sha256(artifact) -> str:
    digest = hashlib.sha256()
    with artifact.file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


@register("artifact.integrity")
def artifact_integrity(application) -> CheckOutcome:
    """Re-hash every stored artifact and compare with the SHA-256 recorded at upload."""
    rows, ok, unreadable = [], True, False
    artifacts = list(application.artifacts.all())
    for artifact in artifacts:
        try:
            actual = _file_sha256(artifact)
        except (FileNotFoundError, OSError) as exc:
            # the raw error (with the storage path) goes to the log under a reference, never to the evidence
            _code, incident = error_log(raw=repr(exc), where=f"artifact.integrity reading artifact {artifact.pk}",
                                        code="storage")
            actual, error = "", {"code": "unreadable", "incident": incident}
        else:
            error = None
        match = actual == artifact.sha256
        ok &= match
        unreadable |= error is not None
        rows.append({"kind": artifact.kind, "name": artifact.original_name, "size": artifact.size,
                     "sha256_recorded": artifact.sha256, "sha256_actual": actual, "match": match,
                     **({"error": error} if error else {})})
    has_installer = any(a.kind == ArtifactKind.INSTALLER for a in artifacts)
    if not artifacts:
        return CheckOutcome(R.FAIL, _("No artifacts were uploaded."), {"artifacts": []},
                            reason={"code": "no_artifacts"})
    if not ok:
        return CheckOutcome(R.FAIL, _("At least one artifact no longer matches the hash recorded at upload."),
                            {"artifacts": rows}, reason={"code": "unreadable" if unreadable else "hash_mismatch"})
    if not has_installer:
        return CheckOutcome(R.FAIL, _("No installer was uploaded, so its integrity cannot be established."),
                            {"artifacts": rows}, reason={"code": "no_installer"})
    return CheckOutcome(R.PASS, _("All %(n)d artifacts match the hashes recorded at upload.") % {"n": len(rows)},
                        {"artifacts": rows})


@register("docs.complete")
def docs_complete(application) -> CheckOutcome:
    """Every document the scheme requires at this level is present, non-empty and a real document."""
    required = application.scheme.documents_for(application.level)
    by_kind: dict[str, list] = {}
    for artifact in application.artifacts.all():
        by_kind.setdefault(artifact.kind, []).append(artifact)
    missing, wrong_type, present = [], [], []
    for kind in required:
        items = by_kind.get(kind, [])
        if not items:
            missing.append(kind)
            continue
        for a in items:
            entry = {"kind": kind, "name": a.original_name, "content_type": a.content_type, "size": a.size}
            present.append(entry)
            if kind != ArtifactKind.SBOM and kind != ArtifactKind.INSTALLER and a.content_type not in DOCUMENT_TYPES:
                wrong_type.append(entry)
    evidence = {"required": required, "present": present, "missing": missing, "wrong_type": wrong_type}
    if missing:
        return CheckOutcome(R.FAIL, _("Missing documents: %(kinds)s.") % {"kinds": ", ".join(missing)}, evidence,
                            reason={"code": "documents_missing", "params": {"kinds": ", ".join(missing)}})
    if wrong_type:
        return CheckOutcome(R.FAIL, _("Some documents are not PDF, DOCX or ODT files."), evidence,
                            reason={"code": "documents_wrong_type"})
    return CheckOutcome(R.PASS, _("All %(n)d required documents are present.") % {"n": len(required)}, evidence)
