"""The evaluator's desk: the queue, scoring a case, evidence, conflicts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.roles import user_has_role
from accounts.templatetags.site import body_name
from certification.choices import FINAL_RESULTS
from certification.choices import ApplicationStatus as S
from certification.choices import CaseResultValue as R
from certification.forms import (
    CaseDeviationForm,
    CaseResultForm,
    ConflictDeclarationForm,
    EvidenceFileForm,
)
from certification.models import ConflictDeclaration
from certification.process.selectors import application_list
from certification.process.services import case_deviation_record, case_result_record
from certification.process.workbench import conflict_declare, evidence_file_attach
from certification.views.application import _evidence_text
from certification.views.common import application_page, role_required
from config.errors import ApplicationError
from registry.choices import RequirementMethod
from registry.forms import form_errors_apply
from registry.templatetags.registry_labels import choice_label

# Evaluator -------------------------------------------------------------------------------------

@role_required(Role.EVALUATOR)
def evaluator_queue(request):
    mine = (application_list(user=request.user).filter(assignments__evaluator=request.user)
            .select_related("product_version__product", "vendor", "scheme").distinct())
    return render(request, "certification/evaluator_queue.html", {
        "active": [a for a in mine if a.status == S.IN_EVALUATION],
        "finished": [a for a in mine if a.status != S.IN_EVALUATION][:50],
    })


def _case_context(request, access, case, form=None, deviation_form=None) -> dict:
    app = access.application
    req = case.requirement
    initial = {"result": case.result if case.result in ("pass", "fail", "not_applicable") else None,
               "notes": case.notes}
    codes = list(app.cases.order_by("requirement__order", "requirement__code")
                 .values_list("requirement__code", "result"))
    vendor_view = access.sees_as_vendor
    return {
        "application": app,
        "access": access,
        "case": case,
        "requirement": req,
        "automated": req.method == RequirementMethod.AUTOMATED,
        "evidence": _evidence_text(case),
        "versions": [{"version": v, "old_label": choice_label(R, v.old_result) if v.old_result else "",
                      "new_label": choice_label(R, v.new_result),
                      "who": body_name() if vendor_view and v.actor_id else v.actor_repr}
                     for v in case.versions.order_by("-created_at", "-id")],
        "form": form or CaseResultForm(initial=initial),
        "can_score": access.may_score_case(case),
        "can_deviate": access.may_record_deviation and case.result in FINAL_RESULTS,
        "deviation_form": deviation_form or CaseDeviationForm(),
        "evidence_files": list(case.evidence_files.all()),
        "evidence_form": EvidenceFileForm(),
        "siblings": [{"code": c, "result": r, "label": choice_label(R, r)} for c, r in codes],
    }


def _case_or_404(access, code: str):
    case = access.application.cases.select_related("requirement").filter(requirement__code=code).first()
    if case is None:
        raise Http404(_("Not found."))
    return case


@application_page()
def case_score(request, access, code: str):
    app = access.application
    case = _case_or_404(access, code)
    if request.method != "POST":
        return render(request, "certification/case_score.html", _case_context(request, access, case))
    access.require(access.is_assigned_evaluator,
                   _("Only an evaluator assigned to this application may record results."))
    form = CaseResultForm(request.POST)
    if not form.is_valid():
        return render(request, "certification/case_score.html", _case_context(request, access, case, form),
                      status=400)
    try:
        case_result_record(application=app, requirement_code=code, actor=request.user,
                           result=form.cleaned_data["result"], notes=form.cleaned_data["notes"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        form_errors_apply(form, exc.details)
        case.refresh_from_db()
        return render(request, "certification/case_score.html", _case_context(request, access, case, form),
                      status=exc.status_code)
    messages.success(request, _("Result for %(code)s saved.") % {"code": code})
    # Straight on to the next case still waiting for a result, else back to the application.
    following = (app.cases.filter(result=R.PENDING).exclude(requirement__method=RequirementMethod.AUTOMATED)
                 .order_by("requirement__order", "requirement__code").values_list("requirement__code", flat=True)
                 .first())
    if following:
        return redirect("certification:case_score", pk=app.pk, code=following)
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@application_page()
def case_deviation_view(request, access, code: str):
    """A certifier free of the evaluation records a justified deviation from a case's result."""
    case = _case_or_404(access, code)
    access.require(access.may_decide, _("Only a certifier who took no part in the evaluation records a deviation."))
    form = CaseDeviationForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Choose the result and write the justification."), code="invalid")
        case_deviation_record(application=access.application, requirement_code=code, actor=request.user,
                              **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        case.refresh_from_db()
        return render(request, "certification/case_score.html",
                      _case_context(request, access, case, deviation_form=form), status=exc.status_code)
    messages.success(request, _("The deviation for %(code)s is recorded.") % {"code": code})
    return redirect("certification:case_score", pk=access.application.pk, code=code)


@require_POST
@application_page()
def evidence_attach_view(request, access, code: str):
    case = _case_or_404(access, code)
    access.require(access.is_assigned_evaluator,
                   _("Only an evaluator assigned to this application may attach evidence."))
    form = EvidenceFileForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ApplicationError(_("Choose a file to attach."), code="invalid")
        evidence_file_attach(application=access.application, requirement_code=code, actor=request.user,
                             file=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, "certification/case_score.html", _case_context(request, access, case),
                      status=exc.status_code)
    messages.success(request, _("Evidence attached to %(code)s.") % {"code": code})
    return redirect("certification:case_score", pk=access.application.pk, code=code)


@login_required
def conflict_list(request):
    """An evaluator's own conflict-of-interest declarations, and the form to add one."""
    if not user_has_role(request.user, Role.EVALUATOR):
        raise PermissionDenied
    form = ConflictDeclarationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                conflict_declare(evaluator=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Your declaration is recorded."))
                return redirect("certification:conflict_list")
        else:
            status = 400
    declarations = ConflictDeclaration.objects.filter(evaluator=request.user).select_related("vendor")
    return render(request, "certification/conflict_list.html", {"form": form, "declarations": declarations},
                  status=status)


