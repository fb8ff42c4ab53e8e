"""Schemathesis over the whole OpenAPI document, in-process through the WSGI app: anonymous and with a
token of each role, on data where every operation has real objects (an application in each state).

Checks: no server error, status codes and response bodies as documented, content types as documented.
Bounded for CI (FUZZ_EXAMPLES examples per operation and mode, derandomised so a run is repeatable;
FUZZ_SEED changes the examples). Derandomised, hypothesis draws the same cases for every role: they are
drawn once per process and every role sends them all with its own token (drawing costs as much as sending;
the cases on the world's own objects are drawn for each role, whose world has ids of its own). The figures
of the last run are written to var/fuzz-report-<role>.json."""

import io
import json
import os
import time
import zlib
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SEED = os.environ.get("FUZZ_SEED", "")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
ROLES = ("anonymous", "vendor", "evaluator", "certifier", "staff", "procurement")


def _token(email: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        call_command("issue_api_token", email, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def world(vendor_member, staff, evaluator, certifier, procurement, scheme, product_version, journey):
    """An application in each state, a certificate in each status, and the people who act on them."""
    from certification.process.services import application_create, artifact_upload
    from registry.services import certificate_transition
    from tests.factories import PDF_BYTES, ProductVersionFactory, installer_bytes, upload

    def application(status):
        version = ProductVersionFactory(product=product_version.product, version=f"{status}-1.0")
        app = application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic")
        artifact_upload(application=app, actor=vendor_member, kind="installer",
                        file=upload("setup.bin", installer_bytes()))
        artifact_upload(application=app, actor=vendor_member, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))
        return app if status == "draft" else journey(app, status)

    apps = {status: application(status) for status in
            ("draft", "submitted", "returned", "in_evaluation", "evaluated", "certified", "rejected", "appealed")}
    certified = apps["certified"]
    certified.refresh_from_db()
    certificate = certified.certificate
    for action in ("suspend", "reinstate"):
        certificate = certificate_transition(certificate=certificate, action=action, actor=staff, reason="Kiểm tra")
    users = {"vendor": vendor_member, "evaluator": evaluator, "certifier": certifier, "staff": staff,
             "procurement": procurement}
    return {"apps": apps, "certificate": certificate, "tokens": {role: _token(u.email) for role, u in users.items()}}


@pytest.fixture
def wsgi_app():
    """The real WSGI application, minus the end-of-request close of the database connection: the test's
    transaction must stay open across requests (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# (operation, mode, fixed path parameters) -> the cases drawn for it, or the Unsatisfiable it raised
_DRAWN: dict[tuple, list | Unsatisfiable] = {}


def _cases(operation, mode: GenerationMode, path_parameters: dict | None) -> list:
    """EXAMPLES cases of the operation in this mode (with these path parameters fixed), drawn once; raises
    Unsatisfiable where nothing can be drawn (e.g. nothing invalid can be sent)."""
    key = (operation.method, operation.path, mode, tuple(sorted((path_parameters or {}).items())))
    if key not in _DRAWN:
        strategy = operation.as_strategy(generation_mode=mode, **(
            {"path_parameters": path_parameters} if path_parameters else {}))
        drawn = []

        @given(case=strategy)
        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not SEED,
                             phases=[Phase.explicit, Phase.generate], print_blob=False,
                             suppress_health_check=list(HealthCheck))
        def draw(case):
            drawn.append(case)

        try:
            (seed(int(SEED))(draw) if SEED else draw)()
            _DRAWN[key] = drawn
        except Unsatisfiable as exc:
            _DRAWN[key] = exc
    if isinstance(_DRAWN[key], Unsatisfiable):
        raise _DRAWN[key]
    return _DRAWN[key]


def _explore(cases: list, *, headers: dict, counter: dict) -> None:
    """Each case sent and checked in turn; raises the first failure."""
    for case in cases:
        counter["examples"] += 1
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)


def _run(schema, *, role: str, token: str | None, world, report: dict) -> list[str]:
    """Every operation, positive and negative data; returns the failures (one line each)."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    failures = []
    certificate = world["certificate"]
    app_ids = [a.pk for a in world["apps"].values()]
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            counted = {"examples": 0}
            path_parameters = {}
            names = {p.name for p in operation.path_parameters}
            # half the examples on real objects, so operations get past the 404
            if "pk" in names:
                path_parameters["pk"] = app_ids[zlib.crc32(f"{role}{label}".encode()) % len(app_ids)] \
                    if "applications" in label \
                    else certificate.product_id if "products" in label else certificate.vendor_id
            if "serial" in names:
                path_parameters["serial"] = certificate.serial
            if "code" in names:
                path_parameters["code"] = certificate.scheme.code
            if "requirement_code" in names:
                path_parameters["requirement_code"] = "FW-01"
            for fixed in ([None, path_parameters] if path_parameters else [None]):
                try:
                    _explore(_cases(operation, mode, fixed), headers=headers, counter=counted)
                except Unsatisfiable:
                    pass  # nothing invalid can be sent here (e.g. a free string in the path, or no input)
                except (Exception, BaseExceptionGroup) as exc:  # a failing check: record it, test the rest
                    failures.append(f"[{role}] {label} ({mode.value}): {type(exc).__name__}: {str(exc)[:1500]}")
            report["examples"] += counted["examples"]
            report["operations"].add(label)
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_api_fuzz_whole_schema(world, wsgi_app, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    report = {"operations": set(), "examples": 0}
    started = time.monotonic()
    failures = _run(schema, role=role, token=world["tokens"].get(role), world=world, report=report)
    figures = {"role": role, "operations": len(report["operations"]), "examples": report["examples"],
               "failures": len(failures), "seconds": round(time.monotonic() - started, 1)}
    path = Path(settings.BASE_DIR) / "var" / f"fuzz-report-{role}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({**figures, "details": failures}, indent=1, ensure_ascii=False))
    print(f"\nschemathesis {figures}")
    assert not failures, "\n\n".join(failures)
