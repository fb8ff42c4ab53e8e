"""The signed status list, and the short caching of every status answer."""

import datetime

import pytest
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from registry.services import certificate_transition
from trust.keys import keys_published
from trust.signing import document_verify

pytestmark = pytest.mark.django_db


def _max_age(response) -> int:
    parts = dict(p.strip().partition("=")[::2] for p in response["Cache-Control"].split(","))
    return int(parts["max-age"])


def test_status_list_lists_every_certificate_that_is_not_active(api_client, journey, with_artifacts, staff, commit):
    app = journey(with_artifacts, "certified")
    certificate = app.certificate
    document = api_client.get(reverse("registry_api:revocations")).json()
    assert document["entries"] == [] and document_verify(document, keys_published()).ok
    issued, next_update = parse_datetime(document["issued_at"]), parse_datetime(document["next_update"])
    assert datetime.timedelta(0) < next_update - issued <= datetime.timedelta(minutes=10)
    with commit():
        certificate_transition(certificate=certificate, action="revoke", actor=staff, reason="Gian lận hồ sơ")
    response = api_client.get(reverse("registry_api:revocations"))
    document = response.json()
    assert document_verify(document, keys_published()).ok
    assert [(e["serial"], e["status"], e["reason"]) for e in document["entries"]] == [
        (certificate.serial, "revoked", "Gian lận hồ sơ")]
    assert document["entries"][0]["effective_at"]
    forged = {**document, "entries": []}
    assert document_verify(forged, keys_published()).code == "invalid"
    assert 0 < _max_age(response) <= 60


def test_status_list_every_status_answer_is_cached_at_most_60_seconds(api_client, client, journey, with_artifacts):
    certificate = journey(with_artifacts, "certified").certificate
    answers = [
        api_client.get(reverse("registry_api:certificate_detail", args=[certificate.serial])),
        api_client.post(reverse("registry_api:certificate_status"), {"serials": [certificate.serial]}, format="json"),
        api_client.get(reverse("registry_api:revocations")),
        client.get(reverse("registry:certificate_verify", args=[certificate.serial])),
    ]
    for response in answers:
        assert response.status_code == 200
        assert 0 < _max_age(response) <= 60, response["Cache-Control"]


def test_status_list_beat_task_re_issues_it(journey, with_artifacts):
    from registry.signing import status_list_latest
    from registry.tasks import status_list_publish_task

    journey(with_artifacts, "certified")
    first = status_list_latest()
    status_list_publish_task.apply()
    assert status_list_latest().issued_at > first.issued_at
