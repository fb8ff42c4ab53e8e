"""Downloading the evaluation report (pages and API share the response). Who gets which copy, and
when, is certification.selectors.evaluation_report_latest's rule."""

import base64

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from config.errors import NotFoundError

from .choices import ReportEdition
from .models import EvaluationReport
from .selectors import evaluation_report_latest


def evaluation_report_filename(report: EvaluationReport) -> str:
    suffix = "" if report.edition == ReportEdition.BODY else f"-{report.edition}"
    return f"evaluation-report-{report.application_id}-{report.generation}{suffix}.pdf"


def evaluation_report_response(report: EvaluationReport) -> FileResponse:
    """Stream the stored PDF with its SHA-256 in Content-Digest; NotFoundError when the file is gone."""
    try:
        handle = report.file.open("rb")
    except OSError:
        raise NotFoundError(_("The stored report file cannot be found.")) from None
    # Inline: the file is ours (rendered by the registry), so a browser may show it.
    response = FileResponse(handle, as_attachment=False, filename=evaluation_report_filename(report),
                            content_type="application/pdf")
    response["Content-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(report.sha256)).decode()}:"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def evaluation_report_download(request, pk: int):
    """The latest evaluation report of application `pk`, in the copy meant for the caller."""
    try:
        report = evaluation_report_latest(user=request.user, application_id=pk)
        return evaluation_report_response(report)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
