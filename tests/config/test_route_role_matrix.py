"""Every URL pattern of the pages and the API, walked from the URL resolver, for every role: the exact status,
and nothing changed on a denial.

A route that is missing from EXPECTED fails the test, so a new route cannot be forgotten. Each request runs in
a savepoint that is rolled back, so every cell starts from the same world; a denial (4xx, or a redirect to a
login page) must leave every table as it was. `ROUTE_MATRIX_PRINT=1` prints the observed table (to review,
never to paste blindly).
"""

import json
import os

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import (
    PDF_BYTES,
    UserFactory,
    VendorFactory,
    upload,
    vendor_user,
)

pytestmark = pytest.mark.django_db

ROLES = ["anon", "vendor", "other_vendor", "eval_pending", "evaluator", "eval_other", "certifier", "staff",
         "procurement"]

# route name -> {method: "status per role, in ROLES order"}. Shorthands: "all:200" (every role), and
# "302*" for a redirect to the sign-in page (must not change anything either). Reviewed cell by cell:
# 404 where the caller may not know the object exists, 403 where they may, and the denial before
# reading the input (an empty body from a caller who may act is a 400).
EXPECTED: dict[str, dict[str, str]] = {
    "healthz": {"GET": "all:200"},
    "readyz": {"GET": "all:200"},
    "security_txt": {"GET": "all:200"},
    "security_policy": {"GET": "all:200"},
    "set_language": {"GET": "all:302", "POST": "all:302"},
    "api_schema": {"GET": "all:200"},
    "api_docs": {"GET": "all:200"},
    "registry_api:product_list": {"GET": "all:200", "POST": "401 400 400 403 403 403 403 403 403"},
    "registry_api:product_detail": {"GET": "all:200"},
    "registry_api:product_version_create": {"POST": "401 400 404 404 404 404 404 404 404"},
    "registry_api:vendor_list": {"GET": "all:200"},
    "registry_api:vendor_me": {"GET": "401 200 200 404 404 404 404 404 404", "PATCH": "401 200 200 404 404 404 404 404 404"},
    "registry_api:vendor_detail": {"GET": "all:200"},
    "registry_api:certificate_list": {"GET": "all:200"},
    "registry_api:certificate_status": {"POST": "all:400"},
    "registry_api:certificate_detail": {"GET": "all:200"},
    "registry_api:certificate_actions": {"POST": "401 403 403 403 403 403 403 400 403"},
    "registry_api:scheme_list": {"GET": "all:200"},
    "registry_api:scheme_detail": {"GET": "all:200"},
    "certification_api:application_list": {"GET": "401 200 200 200 200 200 200 200 200", "POST": "401 400 400 403 403 403 403 403 403"},
    "certification_api:application_detail": {"GET": "401 200 404 403 200 404 200 200 404"},
    "certification_api:application_artifacts": {"POST": "401 415 404 403 403 404 403 403 404"},
    "certification_api:application_actions": {"POST": "401 400 404 403 400 404 400 400 404"},
    "certification_api:application_report": {"GET": "401 200 404 404 200 404 200 200 404"},
    "certification_api:application_case": {"GET": "401 200 404 403 200 404 200 200 404", "PUT": "401 403 404 403 400 404 403 403 404"},
    "certification_api:conflict_list": {"GET": "401 403 403 200 200 200 403 200 403", "POST": "401 403 403 400 400 400 403 403 403"},
    "certification_api:application_status": {"GET": "401 200 404 403 200 404 200 200 404"},
    "certification_api:independence": {"POST": "401 403 404 201 200 404 403 403 404"},
    "certification_api:clarification_list": {"GET": "401 200 404 403 200 404 200 200 404", "POST": "401 400 404 403 400 404 403 400 404"},
    "certification_api:component_list": {"GET": "401 200 404 403 200 404 200 200 404"},
    "certification_api:clarification_close": {"POST": "401 403 404 403 400 404 403 400 404"},
    "certification_api:case_deviation": {"POST": "401 403 404 403 403 404 400 403 404"},
    "certification_api:evidence_upload": {"POST": "401 403 404 403 415 404 403 403 404"},
    "certification_api:artifact_download": {"GET": "401 200 404 403 200 404 200 200 404"},
    "certification_api:evidence_download": {"GET": "401 200 404 403 200 404 200 200 404"},
    "certification_api:check_retry": {"POST": "401 403 404 403 409 404 403 409 404"},
    "api_not_found": {"GET": "all:404"},
    "registry_api:revocations": {"GET": "all:200"},
    "registry_api:verify_pdf": {"POST": "all:415"},  # an empty JSON body is no PDF upload
    "trust_api:keys": {"GET": "all:200"},
    "trust_api:tree_head": {"GET": "all:200"},
    "trust_api:inclusion_proof": {"GET": "all:400"},  # no leaf_index / tree_size given
    "trust_api:consistency_proof": {"GET": "all:400"},
    "trust_api:entries": {"GET": "all:400"},
    "certification:certificate_lineage": {"GET": "302* 403 403 403 403 403 403 200 403"},
    "certification:product_lineage": {"GET": "302* 403 403 403 403 403 403 200 403"},
    "registry:certificate_pdf_verify": {"GET": "all:200", "POST": "all:400"},  # no file: said at the field
    "accounts:overview": {"GET": "302* 200 200 200 200 200 200 200 200"},
    "accounts:login": {"GET": "200 302 302 302 302 302 302 302 302", "POST": "200 302 302 302 302 302 302 302 302"},
    "accounts:logout": {"GET": "302 200 200 200 200 200 200 200 200", "POST": "all:302"},
    "accounts:home": {"GET": "302* 302 302 302 302 302 302 302 302"},
    "account_login": {"GET": "200 302 302 302 302 302 302 302 302", "POST": "200 302 302 302 302 302 302 302 302"},
    "account_logout": {"GET": "302 200 200 200 200 200 200 200 200", "POST": "all:302"},
    "account_inactive": {"GET": "all:200"},
    "account_signup": {"GET": "200 302 302 302 302 302 302 302 302", "POST": "200 302 302 302 302 302 302 302 302"},
    "account_reauthenticate": {"GET": "302* 200 200 200 200 200 200 200 200", "POST": "302* 200 200 200 200 200 200 200 200"},
    "account_request_reauthentication_code": {"GET": "302* 200 200 200 200 200 200 200 200", "POST": "302* 200 200 200 200 200 200 200 200"},
    "account_confirm_reauthentication_code": {"GET": "302* 302 302 302 302 302 302 302 302", "POST": "302* 302 302 302 302 302 302 302 302"},
    "account_email": {"GET": "302* 200 200 200 200 200 200 200 200", "POST": "302* 302 302 302 302 302 302 302 302"},
    "account_email_verification_sent": {"GET": "all:200"},
    "account_change_password": {"GET": "302* 200 200 200 200 200 200 200 200", "POST": "302* 200 200 200 200 200 200 200 200"},
    "account_set_password": {"GET": "302* 302 302 302 302 302 302 302 302", "POST": "302* 302 302 302 302 302 302 302 302"},
    "account_reset_password": {"GET": "all:200", "POST": "all:200"},
    "account_confirm_login_code": {"GET": "302* 302 302 302 302 302 302 302 302", "POST": "302* 302 302 302 302 302 302 302 302"},
    "account_confirm_email": {"GET": "all:200", "POST": "all:404"},
    "account_reset_password_from_key_done": {"GET": "all:200"},
    "account_reset_password_from_key": {"GET": "all:200", "POST": "all:200"},
    "account_reset_password_done": {"GET": "all:200"},
    "mfa_index": {"GET": "302* 200 200 200 200 200 200 200 200"},
    "mfa_authenticate": {"GET": "302* 302 302 302 302 302 302 302 302", "POST": "302* 302 302 302 302 302 302 302 302"},
    "mfa_reauthenticate": {"GET": "302* 302 302 200 200 200 200 200 302", "POST": "302* 302 302 200 200 200 200 200 302"},
    "mfa_activate_totp": {"GET": "302* 302 302 302 302 302 302 302 302", "POST": "302* 302 302 302 302 302 302 302 302"},
    "mfa_deactivate_totp": {"GET": "302* 404 404 302 302 302 302 302 404", "POST": "302* 404 404 302 302 302 302 302 404"},
    "mfa_view_recovery_codes": {"GET": "302* 404 404 302 302 302 302 302 404"},
    "mfa_generate_recovery_codes": {"GET": "302* 302 302 302 302 302 302 302 302", "POST": "302* 302 302 302 302 302 302 302 302"},
    "mfa_download_recovery_codes": {"GET": "302* 404 404 302 302 302 302 302 404"},
    "usersessions_list": {"GET": "302* 200 200 200 200 200 200 200 200", "POST": "302* 302 302 302 302 302 302 302 302"},
    "certification:vendor_dashboard": {"GET": "302* 200 200 403 403 403 403 403 403"},
    "certification:vendor_profile": {"GET": "302* 200 200 403 403 403 403 403 403", "POST": "302* 302 302 403 403 403 403 403 403"},
    "certification:vendor_change_request": {"GET": "all:405", "POST": "302* 400 400 403 403 403 403 403 403"},
    "certification:mvn_attest": {"GET": "all:405", "POST": "302* 400 400 403 403 403 403 403 403"},
    "certification:mvn_evidence": {"GET": "302* 200 404 404 404 404 404 200 404"},
    "certification:product_create": {"GET": "all:405", "POST": "302* 400 400 403 403 403 403 403 403"},
    "certification:version_create": {"GET": "all:405", "POST": "302* 400 400 403 403 403 403 403 403"},
    "certification:application_create": {"GET": "302* 200 200 403 403 403 403 403 403", "POST": "302* 400 400 403 403 403 403 403 403"},
    "certification:application_detail": {"GET": "302* 200 404 200 200 404 200 200 404"},
    "certification:application_action": {"GET": "all:405", "POST": "302* 400 404 400 400 404 400 400 404"},
    "certification:artifact_upload": {"GET": "all:405", "POST": "302* 400 404 403 403 404 403 403 404"},
    "certification:check_retry": {"GET": "all:405", "POST": "302* 403 404 403 409 404 403 409 404"},
    # the world's application is in evaluation: replacing needs a file first (400), removing is refused (409)
    "certification:artifact_replace": {"GET": "all:405", "POST": "302* 400 404 403 403 404 403 403 404"},
    "certification:artifact_remove": {"GET": "all:405", "POST": "302* 409 404 403 403 404 403 403 404"},
    "certification:conflict_list": {"GET": "302* 403 403 200 200 200 403 403 403", "POST": "302* 403 403 400 400 400 403 403 403"},
    "certification:artifact_download": {"GET": "302* 200 404 302 200 404 200 200 404"},
    "certification:component_list": {"GET": "302* 200 404 302 200 404 200 200 404"},
    "certification:evaluation_report_download": {"GET": "302* 200 404 404 200 404 200 200 404"},
    "certification:independence_declare": {"GET": "all:405", "POST": "302* 403 404 302 302 404 403 403 404"},
    "certification:clarification_ask": {"GET": "all:405", "POST": "302* 403 404 403 400 404 403 400 404"},
    "certification:clarification_reply": {"GET": "all:405", "POST": "302* 400 404 403 400 404 403 400 404"},
    "certification:clarification_close": {"GET": "all:405", "POST": "302* 403 404 403 400 404 403 400 404"},
    "certification:case_deviation": {"GET": "all:405", "POST": "302* 403 404 403 403 404 400 403 404"},
    "certification:evidence_attach": {"GET": "all:405", "POST": "302* 403 404 403 400 404 403 403 404"},
    "certification:case_score": {"GET": "302* 200 404 302 200 404 200 200 404", "POST": "302* 403 404 403 400 404 403 403 404"},
    "certification:evaluator_queue": {"GET": "302* 403 403 200 200 200 403 403 403"},
    "certification:certifier_queue": {"GET": "302* 403 403 403 403 403 200 403 403"},
    "certification:staff_queue": {"GET": "302* 403 403 403 403 403 403 200 403"},
    "certification:vendor_verify": {"GET": "all:405", "POST": "302* 403 403 403 403 403 403 302 403"},
    "certification:change_request_decide": {"GET": "all:405", "POST": "302* 403 403 403 403 403 403 400 403"},
    "certification:mvn_review": {"GET": "all:405", "POST": "302* 403 403 403 403 403 403 400 403"},
    "certification:outbox_resend": {"GET": "all:405", "POST": "302* 403 403 403 403 403 403 302 403"},
    "certification:outbox_resend_failed": {"GET": "all:405", "POST": "302* 403 403 403 403 403 403 302 403"},
    "certification:certificate_action": {"GET": "all:405", "POST": "302* 403 403 403 403 403 403 400 403"},
    "registry:product_list": {"GET": "all:200"},
    "registry:product_detail": {"GET": "all:200"},
    "registry:vendor_register": {"GET": "200 302 302 302 302 302 302 302 302", "POST": "all:400"},
    "registry:vendor_register_done": {"GET": "all:200"},
    "registry:vendor_detail": {"GET": "all:200"},
    "registry:certificate_lookup": {"GET": "all:200", "POST": "all:200"},
    "registry:certificate_bulk": {"GET": "all:200", "POST": "all:400"},
    "registry:certificate_verify": {"GET": "all:200"},
    "registry:certificate_pdf": {"GET": "all:200"},
    "registry:privacy_notice": {"GET": "all:200"},
    # the public registry (issue 9): pages, feeds and open data for everyone
    "registry:vendor_list": {"GET": "all:200"},
    "registry:scheme_list": {"GET": "all:200"},
    "registry:scheme_detail": {"GET": "all:200"},
    "registry:recent_changes": {"GET": "all:200"},
    "registry:feed_certificates": {"GET": "all:200"},
    "registry:feed_vendor_certificates": {"GET": "all:200"},
    "registry:feed_category_certificates": {"GET": "all:200"},
    "registry:open_data": {"GET": "all:200"},
    "registry:open_data_download": {"GET": "all:200"},
    "certification_public:in_evaluation": {"GET": "all:200"},
    "certification_public:statistics": {"GET": "all:200"},
    "certification_public:statistics_csv": {"GET": "all:200"},
    "registry_api:product_export": {"GET": "all:400"},  # no format=csv/json given
    # an attestation is shown to whoever holds its random id (it is what its PDF links to)
    "registry:attestation_detail": {"GET": "all:200"},
    "registry:attestation_json": {"GET": "all:200"},
    "registry:attestation_pdf": {"GET": "all:200"},
    "registry_api:certificate_status_attestation": {"POST": "401 400 400 400 400 400 400 400 400"},
    # watchlists are their owner's alone (procurement's here): 404 to everyone else
    "registry:watchlist_list": {"GET": "302* 200 200 200 200 200 200 200 200",
                                "POST": "302* 400 400 400 400 400 400 400 400"},
    "registry:watchlist_detail": {"GET": "302* 404 404 404 404 404 404 404 200",
                                  "POST": "302* 404 404 404 404 404 404 404 400"},
    "registry_api:watchlist_list": {"GET": "401 200 200 200 200 200 200 200 200",
                                    "POST": "401 400 400 400 400 400 400 400 400"},
    "registry_api:watchlist_detail": {"GET": "401 404 404 404 404 404 404 404 200",
                                      "PATCH": "401 404 404 404 404 404 404 404 200",
                                      "DELETE": "401 404 404 404 404 404 404 404 204"},
    "registry:api_tokens": {"GET": "302* 200 200 200 200 200 200 200 200", "POST": "302* 400 400 400 400 400 400 400 400"},
    "registry:api_token_revoke": {"GET": "302* 405 405 405 405 405 405 405 405", "POST": "302* 302 404 404 404 404 404 404 404"},
    "registry:personal_data": {"GET": "302* 200 200 200 200 200 200 200 200", "POST": "302* 200 200 200 200 200 200 200 200"},
    "registry:personal_data_download": {"GET": "302* 200 200 200 200 200 200 200 200"},
    "registry:account_delete": {"GET": "302* 405 405 405 405 405 405 405 405", "POST": "302* 400 400 400 400 400 400 400 400"},
}


# The admin: everyone but staff (is_staff, with TOTP) is sent to the sign-in page; staff see the models
# their role may view and change nothing here (adding and deleting are refused).
STAFF_ADMIN_VIEWS = {
    "registry.vendor", "registry.product", "registry.scheme", "registry.certificate", "registry.certificateevent",
    "registry.vendorchangerequest", "registry.mvnattestation", "certification.application",
    "certification.applicationevent", "certification.artifact", "certification.assignment",
    "certification.conflictdeclaration", "certification.caseresult", "certification.caseresultversion",
    "certification.checkrun", "certification.advisory", "certification.finding", "certification.sbomcomponent",
    "accounts.user", "accounts.apitoken", "trust.auditentry",
}
STAFF_ADMIN_SPECIAL = {
    "admin:index": "200", "admin:login": "302", "admin:logout": "405", "admin:password_change": "200",
    "admin:password_change_done": "200", "admin:autocomplete": "403", "admin:jsi18n": "200",
    "admin:view_on_site": "404", "admin:app_list": "200", "admin:admin/(?P<url>.*)$": "404",
    "admin:auth_user_password_change": "403",
}


def _admin_expected(name: str, pattern: str, role: str) -> str:
    if role != "staff":
        if name == "admin:logout":
            return "302"
        if name == "admin:login":
            return "302*" if role == "anon" else "403"
        return "302*"
    if name in STAFF_ADMIN_SPECIAL:
        return STAFF_ADMIN_SPECIAL[name]
    import re

    match = re.match(r"admin/(\w+)/(\w+)/", pattern)
    label = f"{match.group(1)}.{match.group(2)}"
    if pattern.endswith("<path:object_id>/"):
        return "302"  # the admin's redirect to the change page
    kind = name.rsplit("_", 1)[1]
    if kind in ("add", "delete"):
        return "403"
    viewable = label in STAFF_ADMIN_VIEWS
    if kind in ("history", "change") and not apps.get_model(label).objects.exists():
        # no such object: back to the list (the change page asks for the permission first)
        return "302" if viewable or kind == "history" else "403"
    return "200" if viewable else "403"


def _row(text: str) -> list[int | str]:
    if text.startswith("all:"):
        return [text[4:]] * len(ROLES)
    cells = text.split()
    assert len(cells) == len(ROLES), text
    return cells


# Function views say their methods here (class-based views are read from their handlers).
PAGE_METHODS = {name: ["GET", "POST"] for name in [
    "certification:vendor_profile", "certification:vendor_change_request", "certification:mvn_attest",
    "certification:product_create", "certification:version_create", "certification:application_create",
    "certification:application_action", "certification:artifact_upload", "certification:check_retry",
    "certification:artifact_replace", "certification:artifact_remove",
    "certification:conflict_list", "certification:independence_declare", "certification:clarification_ask",
    "certification:clarification_reply", "certification:clarification_close", "certification:case_deviation",
    "certification:evidence_attach", "certification:case_score", "certification:vendor_verify",
    "certification:change_request_decide", "certification:mvn_review", "certification:certificate_action",
    "registry:vendor_register", "registry:certificate_bulk", "registry:certificate_lookup",
    "registry:api_tokens", "registry:api_token_revoke", "registry:personal_data", "registry:account_delete",
    "set_language", "certification:outbox_resend", "certification:outbox_resend_failed",
    "registry:certificate_pdf_verify",
]}


# The world ------------------------------------------------------------------------------------------

class World:
    """Objects every route is exercised on, and a user per role."""


@pytest.fixture
def world(roles_ready, settings, django_capture_on_commit_callbacks):
    from accounts.mfa import user_totp_activate
    from certification.choices import ReportEdition
    from certification.models import Application, Assignment, CheckRun, EvaluationReport
    from certification.process.services import application_create, artifact_upload
    from certification.process.workbench import (
        clarification_ask,
        evidence_file_attach,
        independence_declare,
    )
    from registry.selectors import vendor_for_user
    from registry.services import mvn_attestation_submit, user_create, vendor_change_request_create
    from tests.conftest import journey_to
    from tests.factories import (
        TEST_TOTP_SECRET,
        ProductVersionFactory,
        installer_bytes,
        scheme_with_requirements,
    )

    w = World()
    w.scheme = scheme_with_requirements()
    w.vendor_user = vendor_user(email="owner@vendor-a.vn")
    w.other_vendor_user = vendor_user(email="owner@vendor-b.vn")
    w.eval_pending = UserFactory(role="evaluator", email="pending@lab.vn")
    w.evaluator = UserFactory(role="evaluator", email="evaluator@lab.vn")
    w.eval_other = UserFactory(role="evaluator", email="other@lab.vn")
    w.certifier = UserFactory(role="certifier", email="certifier@cert.gov.vn")
    # as the operator creates staff: with the admin site (is_staff)
    w.staff = user_create(email="staff@cert.gov.vn", password="correct-horse-battery", role="staff")
    user_totp_activate(user=w.staff, secret=TEST_TOTP_SECRET)
    w.procurement = UserFactory(role="procurement", email="buyer@ministry.gov.vn")
    w.vendor = vendor_for_user(w.vendor_user)
    w.unverified = VendorFactory(verified_at=None)

    def new_application():
        version = ProductVersionFactory(product__vendor=w.vendor)
        app = application_create(actor=w.vendor_user, product_version=version, scheme=w.scheme, level="basic")
        artifact_upload(application=app, actor=w.vendor_user, kind="installer",
                        file=upload("setup.bin", installer_bytes()))
        artifact_upload(application=app, actor=w.vendor_user, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))
        return app

    def commit():
        return django_capture_on_commit_callbacks(execute=True)

    # A certified application (with its certificate and report) and one in evaluation, both vendor A's.
    w.certified = journey_to("certified", app=new_application(), vendor_member=w.vendor_user, staff=w.staff,
                             evaluator=w.evaluator, certifier=w.certifier, commit=commit)
    w.certificate = w.certified.certificate
    for edition in ReportEdition.values:
        report = EvaluationReport(application=w.certified, generation=1, edition=edition, sha256="0" * 64,
                                  size=len(PDF_BYTES), generated_at=w.certified.completed_at)
        report.file.save(f"report-{edition}.pdf", ContentFile(PDF_BYTES), save=False)
        report.save()
    app = journey_to("in_evaluation", app=new_application(), vendor_member=w.vendor_user, staff=w.staff,
                     evaluator=w.evaluator, certifier=w.certifier, commit=commit)
    # a second evaluator, assigned too, who has not stated independence yet
    Assignment.objects.create(application=app, evaluator=w.eval_pending, assigned_by=w.staff)
    independence_declare(application=app, evaluator=w.evaluator)
    w.app = Application.objects.get(pk=app.pk)
    w.artifact = w.app.artifacts.first()
    w.question = clarification_ask(application=w.app, actor=w.evaluator, body="Phiên bản firmware?")
    w.evidence = evidence_file_attach(application=w.app, requirement_code="FW-01", actor=w.evaluator,
                                      file=upload("capture.pdf", PDF_BYTES))
    w.run = CheckRun.objects.filter(application=w.app).first()
    w.product = w.certificate.product
    w.change_request = vendor_change_request_create(vendor=w.vendor, actor=w.vendor_user, legal_name="Tên mới",
                                                    reason="Đổi tên")
    w.attestation = mvn_attestation_submit(product=w.product, actor=w.vendor_user, researched=True, developed=True,
                                           produced=True, source_owner=True, statement="Phát triển tại Hà Nội",
                                           file=upload("mvn.pdf", PDF_BYTES))
    from registry.account_services import api_token_issue

    w.token, _key = api_token_issue(user=w.vendor_user, actor=w.vendor_user, name="ERP", lifetime_days=90)
    from trust.models import OutboxMessage

    w.outbox_message = OutboxMessage.objects.order_by("pk").first()
    from registry.attestations import attestation_create
    from registry.exports import open_data_dump_create
    from registry.watch import watchlist_create

    w.watchlist, _secret = watchlist_create(owner=w.procurement, name="Gói thầu 12", serials=[w.certificate.serial])
    w.status_attestation = attestation_create(serials=[w.certificate.serial], actor=w.procurement)
    w.open_data_dump = open_data_dump_create()[0]
    w.users = {"anon": None, "vendor": w.vendor_user, "other_vendor": w.other_vendor_user,
               "eval_pending": w.eval_pending, "evaluator": w.evaluator, "eval_other": w.eval_other,
               "certifier": w.certifier, "staff": w.staff, "procurement": w.procurement}
    return w


# Building a URL for each route ------------------------------------------------------------------------

def _routes():
    """(qualified name, pattern text, callback) for every route, from the resolver."""
    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name or prefix + str(p.pattern)}" if namespace else (p.name or "")
                yield name, prefix + str(p.pattern), p.callback
    return list(walk(get_resolver().url_patterns, "", ""))


def _kwargs(name: str, pattern: str, w: World) -> dict:
    """URL arguments for a route, chosen by what the route names."""
    kw = {}
    pattern = pattern.replace("<id:", "<int:")
    if "<int:pk>" in pattern:
        if name.endswith("report") or name.endswith("report_download"):
            kw["pk"] = w.certified.pk  # the application with an evaluation report
        elif "watchlists/" in pattern:
            kw["pk"] = w.watchlist.pk
        elif "open-data/" in pattern:
            kw["pk"] = w.open_data_dump.pk
        elif "/applications/" in pattern or pattern.startswith("work/applications/"):
            kw["pk"] = w.app.pk
        elif "products/" in pattern:
            kw["pk"] = w.product.pk
        elif "staff/vendors/" in pattern:
            kw["pk"] = w.unverified.pk
        elif "vendors/" in pattern:
            kw["pk"] = w.vendor.pk
        elif "change-requests/" in pattern:
            kw["pk"] = w.change_request.pk
        elif "mvn/" in pattern:
            kw["pk"] = w.attestation.pk
        elif "tokens/" in pattern:
            kw["pk"] = w.token.pk
        elif "outbox/" in pattern:
            kw["pk"] = w.outbox_message.pk
        else:
            raise AssertionError(f"no pk chosen for {name} ({pattern})")
    if "<uuid:pk>" in pattern:
        kw["pk"] = w.status_attestation.pk
    if "<slug:category>" in pattern:
        kw["category"] = w.product.category
    if "<slug:slug>" in pattern:
        kw["slug"] = "certificates-by-category"
    if "<str:serial>" in pattern:
        kw["serial"] = w.certificate.serial
    if "<slug:code>" in pattern:
        kw["code"] = w.scheme.code
    if "<str:code>" in pattern or "<str:requirement_code>" in pattern:
        kw["code" if "<str:code>" in pattern else "requirement_code"] = "FW-01"
    if "<int:artifact_id>" in pattern:
        kw["artifact_id"] = w.artifact.pk
    if "<int:evidence_id>" in pattern:
        kw["evidence_id"] = w.evidence.pk
    if "<int:clarification_id>" in pattern:
        kw["clarification_id"] = w.question.pk
    if "(?P<key>" in pattern:
        kw["key"] = "not-a-real-key"
    if "(?P<uidb36>" in pattern:
        kw["uidb36"] = "1z"
    if "<int:run_id>" in pattern:
        kw["run_id"] = w.run.pk
    if "<str:check_key>" in pattern:
        kw["check_key"] = "artifact.integrity"
    return kw


def _admin_url(name: str, pattern: str, w: World) -> str:
    """Admin URLs, named or not, from the pattern text: objects are the first row of the route's model."""
    import re

    from django.contrib.contenttypes.models import ContentType

    url = pattern
    match = re.match(r"admin/(\w+)/(\w+)/", pattern)
    obj_id = "999999"
    if match and "object_id" in pattern:
        model = apps.get_model(match.group(1), match.group(2))
        obj = model.objects.order_by("pk").first()
        obj_id = str(obj.pk) if obj is not None else "999999"
    url = url.replace("<path:content_type_id>", str(ContentType.objects.get_for_model(type(w.vendor)).pk))
    url = url.replace("<path:object_id>", obj_id if "content_type_id" not in pattern else str(w.vendor.pk))
    url = url.replace("<id>", str(w.vendor_user.pk))
    url = re.sub(r"\^\(\?P<app_label>[^)]*\)/\$$", "registry/", url)
    url = url.replace("(?P<url>.*)$", "no-such-page/")
    return "/" + url


def _url(name: str, pattern: str, w: World) -> str:
    if name == "api_not_found":
        return "/api/v1/no-such-thing/"
    if name.startswith("admin:"):
        return _admin_url(name, pattern, w)
    return reverse(name, kwargs=_kwargs(name, pattern, w))


def _methods(name: str, callback) -> list[str]:
    """The methods a route answers: from a DRF view's handlers, else from the table."""
    if name.startswith("admin:"):
        return ["GET"]
    drf_class = getattr(callback, "cls", None)
    django_class = getattr(callback, "view_class", None)
    methods = ("get", "post", "put", "patch", "delete") if drf_class else ("get", "post")
    view_class = drf_class or django_class
    if view_class is not None:
        handlers = [m.upper() for m in methods if hasattr(view_class, m)]
        if handlers:
            return handlers
    return sorted(EXPECTED.get(name, {m: "" for m in PAGE_METHODS.get(name, ["GET"])}))


# Comparing the world before and after ------------------------------------------------------------------

# Rows any request may write without changing anything a denial protects: the session, sign-in records.
BOOKKEEPING = {"sessions.Session", "usersessions.UserSession", "axes.AccessAttempt", "axes.AccessLog",
               "axes.AccessFailureLog"}


def _fingerprint() -> dict:
    """Row counts of every table, and the statuses and identities a denial could change."""
    from django.db import connection

    from certification.models import Application, CaseResult
    from registry.models import Certificate, Product, Vendor

    models = [m for m in apps.get_models() if m._meta.label not in BOOKKEEPING and m._meta.managed]
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{m._meta.label}', COUNT(*) FROM {quote(m._meta.db_table)}" for m in models)
    with connection.cursor() as cursor:  # one query for every table's row count
        cursor.execute(sql)
        counts = dict(cursor.fetchall())
    return {
        **counts,
        "applications": list(Application.objects.order_by("pk").values_list("status", flat=True)),
        "certificates": list(Certificate.objects.order_by("pk").values_list("status", flat=True)),
        "cases": list(CaseResult.objects.order_by("pk").values_list("result", "notes", "deviation_result")),
        "vendors": list(Vendor.objects.order_by("pk").values_list("legal_name", "tax_code", "verified_at")),
        "products": list(Product.objects.order_by("pk").values_list("made_in_vietnam", flat=True)),
    }


def _denied(response) -> bool:
    if response.status_code >= 400:
        return True
    location = response.get("Location", "")
    return response.status_code == 302 and ("login" in location)


def _request(client: Client, method: str, url: str, api: bool):
    if method == "GET":
        return client.get(url)
    if api:
        return getattr(client, method.lower())(url, data=json.dumps({}), content_type="application/json")
    return client.post(url, {})


# The matrix ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(world, role):
    client = Client()
    user = world.users[role]
    printing = os.environ.get("ROUTE_MATRIX_PRINT") == "1"
    missing, wrong, changed = [], [], []
    before = _fingerprint()  # every cell starts from this world: each request is rolled back
    for name, pattern, callback in _routes():
        admin = name.startswith("admin:")
        if name not in EXPECTED and not admin and not printing:
            missing.append(f"{name} ({pattern})")
            continue
        url = _url(name, pattern, world)
        for method in _methods(name, callback):
            expected_row = "admin" if admin else EXPECTED.get(name, {}).get(method)
            if expected_row is None and not printing:
                missing.append(f"{name} {method}")
                continue
            with transaction.atomic():
                client.cookies.clear()
                if user is not None:  # afresh for each cell: a sign-out route ends the session
                    client.force_login(user)
                response = _request(client, method, url, api=url.startswith("/api/"))
                observed = str(response.status_code)
                if response.status_code == 302 and "login" in response.get("Location", ""):
                    observed = "302*"
                if _denied(response) and _fingerprint() != before:
                    changed.append(f"{name} {method} as {role}")
                transaction.set_rollback(True)
            if printing:
                print(f"MATRIX {name} {method} {role} {observed}")
                continue
            expected = (_admin_expected(name, pattern, role) if admin
                        else _row(expected_row)[ROLES.index(role)])
            if observed != expected:
                wrong.append(f"{name} {method} as {role}: {observed}, expected {expected}")
    assert not missing, "Routes without an expected status (add them to EXPECTED):\n" + "\n".join(missing)
    assert not wrong, "\n".join(wrong)
    assert not changed, "Denied requests that changed something:\n" + "\n".join(changed)
