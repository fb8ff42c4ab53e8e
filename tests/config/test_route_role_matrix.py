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
# "302*" for a redirect to the sign-in page (must not change anything either).
EXPECTED: dict[str, dict[str, str]] = {}


def _row(text: str) -> list[int | str]:
    if text.startswith("all:"):
        return [text[4:]] * len(ROLES)
    cells = text.split()
    assert len(cells) == len(ROLES), text
    return cells


# The world ------------------------------------------------------------------------------------------

class World:
    """Objects every route is exercised on, and a user per role."""


@pytest.fixture
def world(roles_ready, settings, django_capture_on_commit_callbacks):
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
    from tests.factories import ProductVersionFactory, installer_bytes, scheme_with_requirements

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
    if "<int:pk>" in pattern:
        if "/applications/" in pattern or pattern.startswith("work/applications/"):
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
        else:
            raise AssertionError(f"no pk chosen for {name} ({pattern})")
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
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None and hasattr(view_class, "http_method_names") and not name.startswith("admin:"):
        handlers = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]
        if handlers:
            return [m.upper() for m in handlers]
    return sorted(EXPECTED.get(name, {"GET": ""}))


# Comparing the world before and after ------------------------------------------------------------------

def _fingerprint() -> dict:
    """Row counts of every table, and the statuses and identities a denial could change."""
    from certification.models import Application, CaseResult
    from registry.models import Certificate, Product, Vendor

    counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
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
    if user is not None:
        client.force_login(user)
    printing = os.environ.get("ROUTE_MATRIX_PRINT") == "1"
    missing, wrong, changed = [], [], []
    for name, pattern, callback in _routes():
        if name not in EXPECTED and not printing:
            missing.append(f"{name} ({pattern})")
            continue
        url = _url(name, pattern, world)
        for method in _methods(name, callback):
            expected_row = EXPECTED.get(name, {}).get(method)
            if expected_row is None and not printing:
                missing.append(f"{name} {method}")
                continue
            with transaction.atomic():
                before = _fingerprint()
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
            expected = _row(expected_row)[ROLES.index(role)]
            if observed != expected:
                wrong.append(f"{name} {method} as {role}: {observed}, expected {expected}")
    assert not missing, "Routes without an expected status (add them to EXPECTED):\n" + "\n".join(missing)
    assert not wrong, "\n".join(wrong)
    assert not changed, "Denied requests that changed something:\n" + "\n".join(changed)
