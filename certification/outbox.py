"""The certification process's kinds of outbox message, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _

from trust.outbox import OutboxObsolete, outbox_kind_register


def _check_run_execute(payload: dict, message) -> str:
    from certification.checks.runs import check_run_execute
    from certification.models import CheckRun

    if not CheckRun.objects.filter(pk=payload["check_run_id"]).exists():
        raise OutboxObsolete("the check run no longer exists")
    return check_run_execute(check_run_id=payload["check_run_id"], generation=payload["generation"])


def _check_run_dead(payload: dict, message) -> None:
    from certification.checks.runs import check_run_fail

    check_run_fail(check_run_id=payload["check_run_id"], generation=payload["generation"],
                   error=message.last_error or "the check could not run")


def _evaluation_report_render(payload: dict, message) -> str:
    from certification.models import Application
    from certification.reports.render import evaluation_report_generate

    if not Application.objects.filter(pk=payload["application_id"]).exists():
        raise OutboxObsolete("the application no longer exists")
    reports = evaluation_report_generate(application_id=payload["application_id"])
    return ", ".join(r.file.name for r in reports) or "skipped"


def _advisory_rematch(payload: dict, message) -> str:
    from certification.vulndb.findings import certified_products_rematch

    flagged = certified_products_rematch().flagged
    return f"{len(flagged)} certificate(s) flagged"


outbox_kind_register("check_run.execute", handler=_check_run_execute, on_dead=_check_run_dead,
                     label=_("Automated check"), queue="checks", max_attempts=5, time_limit=600)
outbox_kind_register("evaluation_report.render", handler=_evaluation_report_render,
                     label=_("Evaluation report"), queue="documents", time_limit=600)
outbox_kind_register("advisory.rematch", handler=_advisory_rematch,
                     label=_("Vulnerability re-matching"), queue="celery", max_attempts=5, time_limit=1500)
