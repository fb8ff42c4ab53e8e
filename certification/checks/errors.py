"""Why a check failed or could not run, in the reader's language; raw error text only ever goes to the log.

A check that cannot run (a crash, the database or storage gone, no worker took it) records a reason code
and an incident reference; the raw exception is logged under that reference, so staff can find it while
pages, PDFs, e-mails and the API show only the translated reason and the reference. A check that ran and
failed keeps its English summary as the record says it, and a reason code pages translate."""

import logging
import secrets

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("certification.checks")

# A check that could not run.
ERROR_REASONS = {
    "crashed": _("The check stopped on an unexpected error."),
    "database": _("The database could not be reached while the check ran."),
    "storage": _("A stored file could not be read."),
    "timeout": _("The check took too long and was stopped."),
    "unknown_check": _("No automated check of this name exists."),
}

# A check that ran and failed (CheckOutcome.reason): the record keeps the English summary; pages say this.
FAILURE_REASONS = {
    "no_artifacts": _("No document or file was uploaded."),
    "hash_mismatch": _("At least one file no longer matches the SHA-256 recorded when it was uploaded."),
    "unreadable": _("A stored file could not be read back."),
    "no_installer": _("No installer was uploaded, so its integrity cannot be established."),
    "documents_missing": _("Required documents are missing: %(kinds)s."),
    "documents_wrong_type": _("Some documents are not PDF, DOCX or ODT files."),
    "no_sbom": _("No SBOM (software bill of materials) was uploaded."),
    "sbom_unreadable": _("The SBOM %(name)s could not be read: %(problem)s"),
    "sbom_empty": _("The SBOM lists no components."),
    "vulnerabilities": _("%(n)s open vulnerabilities at or above the “%(threshold)s” threshold."),
}

# What an SBOM parser's error code means, for sbom_unreadable.
SBOM_PROBLEMS = {
    "encoding": _("it is not text in a known encoding (UTF-8 or UTF-16)."),
    "malformed": _("it is not well-formed JSON, XML or SPDX tag-value."),
    "too_large": _("it is larger than the upload limit."),
    "unsupported_format": _("it is neither CycloneDX nor SPDX."),
    "unsupported_version": _("its format version is not supported (CycloneDX 1.2 to 1.6, SPDX 2.2 and 2.3)."),
    "schema": _("it does not follow its format's schema."),
    "unreadable": _("the stored file could not be read back."),
}


def incident_new() -> str:
    return "CHK-" + secrets.token_hex(4).upper()


def error_code_for(text: str) -> str:
    """The reason code of a raw error, by what kind of error it was."""
    lowered = (text or "").lower()
    if "operationalerror" in lowered or "could not connect" in lowered:
        return "database"
    if "timelimit" in lowered or "timeout" in lowered:
        return "timeout"
    if any(word in lowered for word in ("filenotfounderror", "oserror", "ioerror", "no such file", "permission denied")):
        return "storage"
    return "crashed"


def error_log(*, raw: str, where: str, code: str = "") -> tuple[str, str]:
    """Log a raw error under a new incident reference; return (reason code, reference)."""
    incident = incident_new()
    code = code or error_code_for(raw)
    logger.error("%s failed [%s, incident %s]: %s", where, code, incident, raw)
    return code, incident


def error_message(code: str, incident: str = "") -> str:
    """What a reader is told about a check that could not run, in the active language."""
    reason = str(ERROR_REASONS.get(code) or ERROR_REASONS["crashed"])
    if incident:
        reason += " " + str(_("Reference %(incident)s: staff can look it up and run the check again.")
                            % {"incident": incident})
    return reason


def failure_message(reason: dict | None) -> str:
    """A failed check's reason (CheckOutcome.reason, kept in the evidence) in the active language."""
    if not reason or reason.get("code") not in FAILURE_REASONS:
        return ""
    params = dict(reason.get("params") or {})
    if "problem" in params:
        params["problem"] = str(SBOM_PROBLEMS.get(params["problem"], SBOM_PROBLEMS["malformed"]))
    try:
        return str(FAILURE_REASONS[reason["code"]]) % params
    except (KeyError, TypeError, ValueError):
        return str(FAILURE_REASONS[reason["code"]]).split("%")[0].strip()
