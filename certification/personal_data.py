"""The certification process's sections of a person's data export (accounts.personal_data)."""

from accounts.personal_data import personal_data_section


def personal_data_sections_register() -> None:
    from .models import Application, Assignment, Clarification, ConflictDeclaration, EvidenceFile

    @personal_data_section("applications_created")
    def applications_created(user):
        return [{"id": a.pk, "status": a.status, "created_at": a.created_at.isoformat()}
                for a in Application.objects.filter(created_by=user).order_by("pk")]

    @personal_data_section("evaluator_assignments")
    def evaluator_assignments(user):
        return [{"application": a.application_id, "assigned_at": a.assigned_at.isoformat()}
                for a in Assignment.objects.filter(evaluator=user).order_by("pk")]

    @personal_data_section("conflict_declarations")
    def conflict_declarations(user):
        return [{"vendor": d.vendor.legal_name, "relation": d.relation, "from": d.started_on.isoformat(),
                 "until": d.ended_on.isoformat() if d.ended_on else None, "note": d.note,
                 "declared_at": d.declared_at.isoformat()}
                for d in ConflictDeclaration.objects.filter(evaluator=user).select_related("vendor").order_by("pk")]

    @personal_data_section("clarifications_written")
    def clarifications_written(user):
        return [{"application": c.application_id, "requirement": c.requirement_code, "body": c.body,
                 "created_at": c.created_at.isoformat()}
                for c in Clarification.objects.filter(author=user).order_by("pk")]

    @personal_data_section("evidence_files_uploaded")
    def evidence_files_uploaded(user):
        return [{"application": f.case.application_id, "name": f.original_name, "sha256": f.sha256,
                 "uploaded_at": f.uploaded_at.isoformat()}
                for f in EvidenceFile.objects.filter(uploaded_by=user).select_related("case").order_by("pk")]
