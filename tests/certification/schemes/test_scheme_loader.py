import copy
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from certification.schemes.loader import (
    SCHEMES_DIR,
    scheme_content,
    scheme_files,
    scheme_load,
    scheme_validate,
    schemes_load_files,
)
from config.errors import ApplicationError
from registry.choices import Category, RequirementMethod
from registry.models import Requirement, Scheme
from registry.selectors import scheme_get
from tests.factories import PDF_BYTES, installer_bytes, upload
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db

GROUPS = {"documentation", "administration", "logging", "performance", "self_protection", "protection",
          "vulnerability", "origin"}
CHECK_KEYS = {"artifact.integrity", "sbom.valid", "sbom.vulnerabilities", "docs.complete"}
SBOM = json.dumps({
    "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
    "metadata": {"component": {"type": "application", "name": "Demo WAF", "version": "1.0"}},
    "components": [{"type": "library", "name": "zlib", "version": "1.3.1", "purl": "pkg:generic/zlib@1.3.1"}],
}).encode()


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English; the Vietnamese catalogue may be compiled in the tree.
    with translation.override("en"):
        yield


def shipped(name: str = "waf-1.0.json") -> dict:
    return json.loads((SCHEMES_DIR / name).read_text(encoding="utf-8"))


def shipped_all() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in scheme_files()]


def test_scheme_loader_loads_every_shipped_file_and_is_idempotent():
    results = schemes_load_files()
    assert len(results) == 8 and all(r.created for r in results)
    schemes = Scheme.objects.all()
    assert {s.category for s in schemes} == set(Category.values) - {Category.OTHER}
    assert all(s.is_current and s.validity_months == 36 for s in schemes)
    counts = (Scheme.objects.count(), Requirement.objects.count(), AuditEntry.objects.count())
    assert AuditEntry.objects.filter(action="scheme.publish").count() == 8

    again = schemes_load_files()
    assert not any(r.created for r in again)
    assert {r.scheme.pk for r in again} == {r.scheme.pk for r in results}
    assert (Scheme.objects.count(), Requirement.objects.count(), AuditEntry.objects.count()) == counts
    for data in shipped_all():
        stored = Scheme.objects.get(code=data["code"], version=data["version"])
        assert scheme_content(scheme=stored) == scheme_validate(data=data)
    assert audit_verify().ok


def test_scheme_loader_command_loads_defaults_and_reports_unchanged():
    out = StringIO()
    call_command("load_schemes", stdout=out)
    assert "8 loaded, 0 unchanged" in out.getvalue()
    out = StringIO()
    call_command("load_schemes", str(SCHEMES_DIR / "waf-1.0.json"), stdout=out)
    assert "waf 1.0: unchanged (current)" in out.getvalue()
    assert Scheme.objects.count() == 8


@pytest.mark.parametrize("data", shipped_all(), ids=lambda d: d["code"])
def test_scheme_loader_every_shipped_scheme_is_complete(data):
    scheme_validate(data=data)  # also checked against the JSON Schema
    reqs = data["requirements"]
    assert 12 <= len(reqs) <= 21
    assert {r["group"] for r in reqs} == GROUPS
    automated = {r["check_key"] for r in reqs if r["method"] == RequirementMethod.AUTOMATED}
    assert automated == CHECK_KEYS
    assert any(r["code"].split("-")[-2] == "DOC" and r.get("check_key") == "docs.complete" for r in reqs)
    origin = [r for r in reqs if r["group"] == "origin"]
    assert origin and all(not r["mandatory"] and r["method"] in ("manual", "document") for r in origin)
    prefix = reqs[0]["code"].split("-")[0]
    assert all(r["code"].startswith(prefix + "-") for r in reqs)
    assert sum(r["group"] == "protection" for r in reqs) >= 4
    for r in reqs:
        assert r["title_vi"] != r["title_en"] and r["guidance_vi"] and r["guidance_en"]
        assert 1 <= r["weight"] <= 3
        assert "basic" in r["levels"] or r["group"] != "vulnerability"
    assert data["thresholds"] == {"basic": 60, "substantial": 75, "high": 90}
    assert data["vulnerability_thresholds"] == {"basic": "critical", "substantial": "high", "high": "medium"}
    assert {"installer", "sbom", "user_guide"} <= set(data["required_documents"]["basic"])
    assert {"security_target", "test_report"} <= set(data["required_documents"]["high"])


def test_scheme_loader_new_version_leaves_running_application_on_old_version(
    vendor_member, product_version, staff, evaluator, commit
):
    from certification.process.services import (
        application_create,
        application_transition,
        artifact_upload,
    )

    old = scheme_load(data=shipped())
    app = application_create(actor=vendor_member, product_version=product_version, scheme=old, level="basic")
    for kind, name, content in [("installer", "waf.bin", installer_bytes()), ("sbom", "bom.json", SBOM),
                                ("user_guide", "guide.pdf", PDF_BYTES)]:
        artifact_upload(application=app, actor=vendor_member, kind=kind, file=upload(name, content))
    with commit():
        application_transition(application=app, action="submit", actor=vendor_member)
    application_transition(application=app, action="assign", actor=staff, evaluators=[evaluator.email])
    cases_before = sorted(app.cases.values_list("requirement_id", "requirement__code"))

    newer = copy.deepcopy(shipped())
    newer["version"] = "1.1"
    newer["published"] = "2026-03-01"
    newer["thresholds"]["basic"] = 70
    newer["requirements"][0]["title_en"] = "Complete documentation set (revised)"
    newer["requirements"].append({**newer["requirements"][-1], "code": "WAF-ORG-03"})
    new = scheme_load(data=newer)

    old.refresh_from_db()
    app.refresh_from_db()
    assert new.is_current and not old.is_current
    assert app.scheme_id == old.pk and app.status == "in_evaluation"
    assert sorted(app.cases.values_list("requirement_id", "requirement__code")) == cases_before
    assert old.requirements.count() == len(shipped()["requirements"])
    assert old.thresholds["basic"] == 60 and new.thresholds["basic"] == 70
    assert scheme_get(code="waf").pk == new.pk
    assert AuditEntry.objects.filter(action="scheme.supersede", object_id=str(old.pk)).exists()
    with pytest.raises(ApplicationError) as exc:
        application_create(actor=vendor_member, product_version=product_version, scheme=old, level="basic")
    assert exc.value.code == "scheme_retired"

    # Loading the older file again, or an even older version, never takes "current" away from 1.1.
    assert scheme_load(data=shipped()).pk == old.pk
    older = {**copy.deepcopy(shipped()), "version": "0.9"}
    assert not scheme_load(data=older).is_current
    new.refresh_from_db()
    assert new.is_current
    assert audit_verify().ok


def test_scheme_loader_refuses_changed_content_for_a_published_version():
    original = scheme_load(data=shipped())
    before = scheme_content(scheme=original)
    audit_count = AuditEntry.objects.count()
    changed = copy.deepcopy(shipped())
    changed["requirements"][3]["weight"] = 1 if changed["requirements"][3]["weight"] != 1 else 2
    with pytest.raises(ApplicationError) as exc:
        scheme_load(data=changed)
    assert exc.value.code == "scheme_version_conflict"
    assert "new version" in str(exc.value.message)
    same_number = {**copy.deepcopy(shipped()), "version": "1.0.0"}
    with pytest.raises(ApplicationError):
        scheme_load(data=same_number)
    assert scheme_content(scheme=Scheme.objects.get(pk=original.pk)) == before
    assert Scheme.objects.count() == 1 and AuditEntry.objects.count() == audit_count


def _mutate(path: str, value):
    def apply(data):
        *parents, last = path.split("/")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is KeyError:
            del node[last]
        else:
            node[int(last) if isinstance(node, list) else last] = value
        return data
    return apply


def _req_index(method: str) -> int:
    return next(i for i, r in enumerate(shipped()["requirements"]) if r["method"] == method)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_mutate("name_en", KeyError), "'name_en' is a required property"),
        (_mutate("category", "router"), "category"),
        (_mutate("version", "v1"), "version"),
        (_mutate("published", "2025-13-01"), "not a valid date"),
        (_mutate("requirements/1/weight", 5), "requirements/1/weight"),
        (_mutate("requirements/1/group", "misc"), "requirements/1/group"),
        (_mutate(f"requirements/{_req_index('automated')}/check_key", KeyError), "'check_key' is a required"),
        (_mutate(f"requirements/{_req_index('manual')}/check_key", "docs.complete"), "only allowed when method"),
        (_mutate("requirements/2/code", "WAF-DOC-01"), "used by more than one requirement"),
        (_mutate("thresholds", {"basic": 60, "substantial": 75}), "level 'high' has no threshold"),
        (_mutate("requirements/0/unexpected", True), "Additional properties"),
    ],
)
def test_scheme_loader_invalid_scheme_is_refused_with_clear_error(mutate, expected):
    with pytest.raises(ApplicationError) as exc:
        scheme_load(data=mutate(copy.deepcopy(shipped())))
    assert exc.value.code == "invalid_scheme"
    assert any(expected in line for line in exc.value.details["errors"]), exc.value.details
    assert not Scheme.objects.exists() and not AuditEntry.objects.exists()


def test_scheme_loader_command_invalid_file_loads_nothing(tmp_path):
    (tmp_path / "broken.json").write_text('{"code": ', encoding="utf-8")
    bad = copy.deepcopy(shipped())
    bad["requirements"][0]["levels"] = ["expert"]
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("load_schemes", str(SCHEMES_DIR / "waf-1.0.json"), str(tmp_path), stdout=StringIO())
    message = str(exc.value)
    assert "nothing was loaded" in message
    assert f"{tmp_path / 'broken.json'}: The file is not valid JSON" in message
    assert f"{tmp_path / 'bad.json'}: The scheme is not valid." in message
    assert "requirements/0/levels/0" in message
    assert not Scheme.objects.exists()
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_schemes", str(tmp_path / "missing.json"), stdout=StringIO())


def test_scheme_loader_command_conflict_rolls_back_the_whole_batch(tmp_path):
    call_command("load_schemes", str(SCHEMES_DIR / "waf-1.0.json"), stdout=StringIO())
    changed = copy.deepcopy(shipped())
    changed["name_en"] = "Renamed without a new version"
    (tmp_path / "waf.json").write_text(json.dumps(changed), encoding="utf-8")
    with pytest.raises(CommandError, match="already published with different content"):
        call_command("load_schemes", str(SCHEMES_DIR / "siem-1.0.json"), str(tmp_path / "waf.json"),
                     stdout=StringIO())
    assert list(Scheme.objects.values_list("code", flat=True)) == ["waf"]
