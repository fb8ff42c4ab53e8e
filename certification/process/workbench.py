"""Writes of the evaluator's workbench: conflicts, independence, questions to the vendor, evidence."""


from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_label
from certification.access import application_access, may_declare_conflicts
from certification.models import (
    Application,
    Artifact,
    Clarification,
    ConflictDeclaration,
    EvidenceFile,
    IndependenceStatement,
)
from certification.process.notifications import _clarification_notify
from certification.process.selectors import conflicts_blocking
from config.errors import (
    ApplicationError,
    ConflictOfInterest,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from config.uploads import upload_inspect
from trust.services import audit_append


def conflict_reason(*, evaluator, vendor_id: int) -> str | None:
    """Why the evaluator may not evaluate this vendor now (a declared relation within cooling-off)."""
    declaration = conflicts_blocking(evaluator=evaluator, vendor_id=vendor_id).select_related("vendor").first()
    if declaration is None:
        return None
    return _(
        "%(evaluator)s declared a relation (%(relation)s) with %(vendor)s that ended less than two years ago "
        "or is ongoing; they cannot be assigned."
    ) % {"evaluator": evaluator.email, "relation": declaration.get_relation_display(),
         "vendor": declaration.vendor.legal_name}


def conflict_declare(*, evaluator, vendor, relation: str, started_on, ended_on=None, note: str = ""):
    if not may_declare_conflicts(evaluator):
        raise PermissionDeniedError(_("Only evaluators declare conflicts of interest."))
    if ended_on and ended_on < started_on:
        raise ApplicationError(_("The end date is before the start date."), code="invalid")
    with transaction.atomic():
        decl = ConflictDeclaration.objects.create(evaluator=evaluator, vendor=vendor, relation=relation,
                                                  started_on=started_on, ended_on=ended_on, note=note)
        audit_append(actor=evaluator, action="conflict.declare", obj=decl,
                     after={"vendor": vendor.pk, "relation": relation, "started_on": started_on,
                            "ended_on": ended_on})
    return decl


# Evaluator's workbench ---------------------------------------------------------------------------

def independence_declare(*, application: Application, evaluator) -> IndependenceStatement:
    """An assigned evaluator states, before seeing the application, that no relation with its vendor
    falls within the cooling-off period; a declared conflict makes the statement impossible."""
    access = application_access(user=evaluator, application=application)
    access.require(access.is_assigned_evaluator, _("Only an evaluator assigned to this application declares "
                                                   "independence from its vendor."))
    reason = conflict_reason(evaluator=evaluator, vendor_id=application.vendor_id)
    if reason:
        raise ConflictOfInterest(reason)
    with transaction.atomic():
        statement, created = IndependenceStatement.objects.get_or_create(application=application, evaluator=evaluator)
        if created:
            audit_append(actor=evaluator, action="independence.declare", obj=application,
                         data={"evaluator": evaluator.email, "vendor": application.vendor_id})
    return statement


def clarification_ask(*, application: Application, actor, body: str, requirement_code: str = ""):
    """An assigned evaluator (or staff) asks the vendor a question; the vendor is told by e-mail."""
    access = application_access(user=actor, application=application).require_details()
    access.require(access.works_on_it or access.is_staff,
                   _("Only the assigned evaluators and staff ask the vendor questions."))
    if not access.may_ask:
        raise TransitionNotAllowed(_("Questions can be asked while the application is under review."))
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write the question."), code="invalid", details={"body": ["required"]})
    requirement_code = (requirement_code or "").strip()
    if requirement_code and not application.cases.filter(requirement__code=requirement_code).exists():
        raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                            % {"code": requirement_code})
    with transaction.atomic():
        item = Clarification.objects.create(application=application, requirement_code=requirement_code,
                                            author=actor, author_repr=actor_label(actor), body=body)
        audit_append(actor=actor, action="clarification.ask", obj=application,
                     data={"clarification": item.pk, "requirement": requirement_code})
        _clarification_notify(item)
    return item


def clarification_reply(*, parent, actor, body: str, file=None, target: str = ""):
    """The vendor or the certification body replies in a clarification thread. The vendor may send a file
    with the answer (a new version of one of its files, `target` "replace:<id>", or a new one, "add:<kind>"):
    the old version stays on record and the checks that read it run again."""
    from certification.process.artifacts import answer_file_prepare, artifact_version_store
    from certification.process.services import application_lock

    app = parent.application
    access = application_access(user=actor, application=app).require_details()
    access.require(access.may_reply, _("Only the vendor, the assigned evaluators and staff reply to questions."))
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write the reply."), code="invalid", details={"body": ["required"]})
    prepared = None
    if file is not None:
        access.require(access.is_vendor, _("Only the vendor's members send files with an answer."))
        prepared = answer_file_prepare(application=app, actor=actor, target=target, file=file)
    root = parent.parent or parent
    with transaction.atomic():
        if prepared is not None:
            locked = application_lock(app.pk)
            now = application_access(user=actor, application=locked)
            if not (now.may_upload or now.may_answer_with_file):
                raise TransitionNotAllowed(_("Files can no longer be sent for this application."))
        item = Clarification.objects.create(application=app, parent=root, requirement_code=root.requirement_code,
                                            author=actor, author_repr=actor_label(actor), body=body,
                                            from_vendor=access.is_vendor and not access.body_role)
        data = {"clarification": item.pk, "thread": root.pk}
        if prepared is not None:
            kind, replaces, upload = prepared
            if replaces is not None:
                replaces = Artifact.objects.select_for_update().filter(pk=replaces.pk).first()
                if replaces is None:
                    raise NotFoundError(_("This file was already replaced or removed."), code="artifact_retired")
            artifact = artifact_version_store(app=locked, actor=actor, kind=kind, upload=upload, file=file,
                                              replaces=replaces, clarification=item)
            data["artifact"] = artifact.pk
        audit_append(actor=actor, action="clarification.reply", obj=app, data=data)
        _clarification_notify(item)
    return item


def clarification_close(*, question, actor, reason: str):
    """The certification body closes a question the vendor has not answered, saying why (it then no longer
    holds back the completion of the evaluation)."""
    app = question.application
    access = application_access(user=actor, application=app).require_details()
    access.require(access.may_close_question, _("Only the assigned evaluators and staff close questions."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the question is closed without an answer."), code="invalid",
                               details={"reason": [str(_("Required."))]})
    with transaction.atomic():
        root = Clarification.objects.select_for_update().get(pk=question.parent_id or question.pk)
        if root.resolved_at is not None:
            raise TransitionNotAllowed(_("This question is already closed."))
        root.resolved_at, root.resolved_by, root.resolution = timezone.now(), actor, reason
        root.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_append(actor=actor, action="clarification.close", obj=app,
                     data={"clarification": root.pk, "reason": reason})
    return root


def evidence_file_attach(*, application: Application, requirement_code: str, actor, file) -> EvidenceFile:
    """An assigned evaluator attaches a file to a case result; stored under its SHA-256."""
    access = application_access(user=actor, application=application)
    access.require(access.is_assigned_evaluator,
                   _("Only an evaluator assigned to this application may attach evidence."))
    access.require_details()
    if not access.may_attach_evidence:
        raise TransitionNotAllowed(_("Evidence can only be attached while the application is in evaluation."))
    case = application.cases.filter(requirement__code=requirement_code).first()
    if case is None:
        raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                            % {"code": requirement_code})
    upload = upload_inspect(file, default_name="evidence")
    with transaction.atomic():
        item = EvidenceFile(case=case, original_name=upload.name, sha256=upload.sha256, size=upload.size,
                            content_type=upload.content_type, uploaded_by=actor)
        item.file.save(item.sha256, File(file), save=False)
        item.save()
        audit_append(actor=actor, action="evidence.attach", obj=case,
                     data={"sha256": item.sha256, "name": item.original_name, "requirement": requirement_code})
    return item
