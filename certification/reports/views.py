"""Downloading the evaluation report (pages and API share the response). Who gets which copy, and
when, is certification.process.selectors.evaluation_report_latest's rule."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from certification.choices import ReportEdition
from certification.models import EvaluationReport
from certification.process.selectors import evaluation_report_latest
from config.downloads import stored_file_response
from config.errors import NotFoundError


def evaluation_report_filename(report: EvaluationReport) -> str:
    suffix = "" if report.edition == ReportEdition.BODY else f"-{report.edition}"
    return f"evaluation-report-{report.application_id}-{report.generation}{suffix}.pdf"


def evaluation_report_response(report: EvaluationReport) -> FileResponse:
    """Stream the stored PDF inline (the site rendered it) with its SHA-256 in Content-Digest."""
    return stored_file_response(field_file=report.file, name=evaluation_report_filename(report),
                                content_type="application/pdf", sha256=report.sha256, inline=True)


@require_safe
@login_required
def evaluation_report_download(request, pk: int):
    """The latest evaluation report of application `pk`, in the copy meant for the caller."""
    try:
        report = evaluation_report_latest(user=request.user, application_id=pk)
        return evaluation_report_response(report)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
