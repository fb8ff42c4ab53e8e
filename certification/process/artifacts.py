"""New versions of a vendor's files: replace or remove one until the evaluation starts, or send a new version
with an answer to a question during it. Nothing is deleted: a replaced or removed artifact stays on record
(`Artifact.history`, with when and by what it was replaced), and the automated checks that read that kind of
file run again."""

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification.access import application_access
from certification.checks.runs import _check_runs_enqueue, check_run_requeue
from certification.choices import ApplicationStatus as S
from certification.models import Application, Artifact, CheckRun
from certification.process.uploads import ALLOWED_TYPES
from config.errors import (
    ApplicationError,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from config.uploads import upload_inspect
from registry.choices import ArtifactKind
from trust.services import audit_append

# Applications whose checks have run (or are running) on the files: a new version runs them again.
CHECKED_STATES = frozenset({S.SUBMITTED, S.IN_EVALUATION})


def checks_reading(kind: str) -> set[str]:
    """The automated checks whose result depends on files of this kind."""
    keys = {"artifact.integrity"}
    keys |= {"sbom.valid", "sbom.vulnerabilities"} if kind == ArtifactKind.SBOM else {"docs.complete"}
    return keys


def _checks_rerun(app: Application, kind: str) -> list[CheckRun]:
    """Queue again, under a new generation, the checks that read `kind` (inside the caller's transaction)."""
    if app.status not in CHECKED_STATES:
        return []
    runs = [check_run_requeue(run=run) for run in
            CheckRun.objects.select_for_update().filter(application=app, check_key__in=checks_reading(kind))]
    _check_runs_enqueue(runs)
    return runs


def _vendor_or_refuse(actor, application) -> None:
    if not application_access(user=actor, application=application).is_vendor:
        raise PermissionDeniedError(_("Only the vendor's members change its files."))


def _current(app: Application, artifact_id: int) -> Artifact:
    artifact = Artifact.objects.select_for_update().filter(pk=artifact_id, application=app).first()
    if artifact is None:
        raise NotFoundError(_("This file was already replaced or removed."), code="artifact_retired")
    return artifact


def artifact_version_store(*, app: Application, actor, kind: str, upload, file, replaces: Artifact | None,
                           clarification=None) -> Artifact:
    """Store a new file (a new version of `replaces`, if given) under the application's lock; the caller
    holds the transaction and has checked that the caller may."""
    artifact = Artifact(application=app, kind=kind, original_name=upload.name, sha256=upload.sha256,
                        size=upload.size, content_type=upload.content_type, uploaded_by=actor,
                        clarification=clarification)
    artifact.file.save(upload.sha256, File(file), save=False)
    artifact.save()
    before = None
    if replaces is not None:
        replaces.retired_at, replaces.superseded_by = timezone.now(), artifact
        replaces.save(update_fields=["retired_at", "superseded_by"])
        before = {"artifact": replaces.pk, "sha256": replaces.sha256, "name": replaces.original_name}
    audit_append(actor=actor, action="artifact.replace" if replaces else "artifact.upload", obj=artifact,
                 before=before,
                 after={"application": app.pk, "kind": kind, "sha256": upload.sha256, "size": upload.size,
                        "content_type": upload.content_type, "name": artifact.original_name},
                 data={"clarification": clarification.pk} if clarification else None)
    _checks_rerun(app, kind)
    return artifact


def artifact_replace(*, artifact: Artifact, actor, file) -> Artifact:
    """The vendor replaces a file before the evaluation starts; the old version stays on record."""
    from certification.process.services import application_lock

    _vendor_or_refuse(actor, artifact.application)
    upload = upload_inspect(file, allowed_types=ALLOWED_TYPES[artifact.kind],
                            accepted_as=str(ArtifactKind(artifact.kind).label))
    with transaction.atomic():
        app = application_lock(artifact.application_id)
        if not application_access(user=actor, application=app).may_replace_artifacts:
            raise TransitionNotAllowed(_("Files can be replaced until the evaluation starts; during it, send a new "
                                         "version with your answer to a question."))
        old = _current(app, artifact.pk)
        return artifact_version_store(app=app, actor=actor, kind=old.kind, upload=upload, file=file, replaces=old)


def artifact_remove(*, artifact: Artifact, actor) -> Artifact:
    """The vendor removes a file before the evaluation starts (it stays on record as removed). Once the
    application is submitted, the last file of a kind the level requires can only be replaced."""
    from certification.process.services import application_lock

    _vendor_or_refuse(actor, artifact.application)
    with transaction.atomic():
        app = application_lock(artifact.application_id)
        if not application_access(user=actor, application=app).may_replace_artifacts:
            raise TransitionNotAllowed(_("Files can be removed only until the evaluation starts."))
        old = _current(app, artifact.pk)
        required = app.scheme.documents_for(app.level)
        if app.status == S.SUBMITTED and old.kind in required and \
                not Artifact.objects.filter(application=app, kind=old.kind).exclude(pk=old.pk).exists():
            raise ApplicationError(_("This document is required and the application is already submitted: "
                                     "replace it with a new version instead of removing it."), code="required")
        old.retired_at = timezone.now()
        old.save(update_fields=["retired_at"])
        audit_append(actor=actor, action="artifact.remove", obj=old,
                     before={"application": app.pk, "kind": old.kind, "sha256": old.sha256,
                             "name": old.original_name})
        _checks_rerun(app, old.kind)
    return old


def answer_file_prepare(*, application: Application, actor, target: str, file):
    """What a file sent with an answer replaces or adds: `target` is "replace:<artifact id>" or "add:<kind>".
    Returns (kind, replaces artifact or None, inspected upload); checked again under the lock."""
    kind_or_id = (target or "").partition(":")
    if kind_or_id[0] == "replace" and kind_or_id[2].isdigit():
        replaces = Artifact.objects.filter(pk=int(kind_or_id[2]), application=application).first()
        if replaces is None:
            raise ApplicationError(_("Choose which file the new version replaces."), code="invalid",
                                   details={"target": [str(_("This file was already replaced or removed."))]})
        kind = replaces.kind
    elif kind_or_id[0] == "add" and kind_or_id[2] in ArtifactKind.values:
        replaces, kind = None, kind_or_id[2]
    else:
        raise ApplicationError(_("Choose which file the new version replaces, or the kind of a new one."),
                               code="invalid", details={"target": [str(_("Required with a file."))]})
    upload = upload_inspect(file, allowed_types=ALLOWED_TYPES[kind], accepted_as=str(ArtifactKind(kind).label))
    return kind, replaces, upload
