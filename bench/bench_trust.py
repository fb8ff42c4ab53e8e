"""Benchmark: signatures, the status list and the transparency log at 1,000,000 audit entries.

Reproduce (PostgreSQL; REDIS_URL also set to measure through a real Celery worker):

    DATABASE_URL=postgres://USER@HOST:5432/NAME REDIS_URL=redis://127.0.0.1:6379/N \\
        .venv/bin/python bench/bench_trust.py [--entries 1000000]

It works in a throw-away database `bench_NAME` (created, migrated and dropped; the role needs CREATEDB)
and prints:

* Ed25519 sign and verify of a certificate record (RFC 8785 form), and the record service end to end;
* PAdES signing and verification of a certificate PDF (pyHanko);
* the time from a status change to the signed status list listing it: in-process (the embedded default)
  and, with REDIS_URL, through a real worker consuming the signing queue;
* --entries audit entries bulk-inserted through the same hashing code as audit_append (chain hash, RFC 9162
  leaf hash, complete subtrees), then at that size: one more audit_append, the root, an inclusion proof
  and a consistency proof through the API (time, hashes, bytes), a signed tree head, and audit_verify.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def median_ms(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def line(label: str, value: str) -> None:
    print(f"{label:<66} {value}")


def certificate_make():
    from django.db import transaction

    from accounts.roles import roles_ensure
    from registry.services import certificate_issue
    from tests.factories import ProductVersionFactory, UserFactory, scheme_with_requirements

    roles_ensure()
    staff = UserFactory(role="staff")
    scheme = scheme_with_requirements()
    with transaction.atomic():
        certificate = certificate_issue(product_version=ProductVersionFactory(), scheme=scheme, level="basic",
                                        actor=staff)
    return certificate, staff


def bench_signatures(certificate, repeat: int) -> None:
    from registry.records import certificate_record
    from registry.signing import certificate_sign
    from trust.canonical import canonical_json
    from trust.keys import keys_published, sign_with, signing_key_for_signing
    from trust.signing import record_verify

    key, private = signing_key_for_signing()
    record = certificate_record(certificate, key_id=key.key_id)
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        signature = sign_with(key, private, canonical_json(record))
    sign_us = (time.perf_counter() - start) / n * 1e6
    keys = keys_published()
    start = time.perf_counter()
    for _ in range(n):
        assert record_verify(record, signature, keys).ok
    verify_us = (time.perf_counter() - start) / n * 1e6
    line("Ed25519 sign of a record (RFC 8785 + sign), mean of 2,000", f"{sign_us:8.1f} µs")
    line("Ed25519 verify of a record (RFC 8785 + verify), mean of 2,000", f"{verify_us:8.1f} µs")
    from registry.models import Certificate

    def resign():
        Certificate.objects.filter(pk=certificate.pk).update(status_reason=str(time.perf_counter()))
        return certificate_sign(certificate_id=certificate.pk)

    ms, _ = median_ms(resign, repeat)
    line("certificate_sign (lock, build, sign, store a new record)", f"{ms:8.1f} ms")


def bench_pdf(certificate, repeat: int) -> None:
    from registry.documents import certificate_pdf_render
    from registry.signing import certificate_record_latest
    from trust.pdf_signing import pdf_sign, pdf_signature_check

    data = certificate_pdf_render(certificate=certificate, signed=certificate_record_latest(certificate))
    ms, signed = median_ms(lambda: pdf_sign(data, reason="bench"), repeat)
    line("PAdES sign of the certificate PDF (pyHanko)", f"{ms:8.1f} ms")
    ms, check = median_ms(lambda: pdf_signature_check(signed), repeat)
    assert check.ok
    line("PAdES verify incl. whole-file coverage (verify/pdf/ core)", f"{ms:8.1f} ms")


def bench_status_list_in_process(certificate, staff, repeat: int) -> None:
    from django.db import transaction

    from registry.services import certificate_transition
    from registry.signing import status_list_latest

    times = []
    for _ in range(repeat):
        certificate.refresh_from_db()
        action = "suspend" if certificate.status == "active" else "reinstate"
        start = time.perf_counter()
        with transaction.atomic():
            certificate_transition(certificate=certificate, action=action, actor=staff, reason="bench")
        # eager tasks ran at commit: sign the record, publish the status list, then render and sign the PDF
        listed = any(e["serial"] == certificate.serial for e in status_list_latest().document["entries"])
        assert listed == (action == "suspend")
        times.append((time.perf_counter() - start) * 1000)
    line("status change -> signed status list (in-process, incl. PDF)", f"{statistics.median(times):8.1f} ms")


def bench_status_list_worker(certificate, staff, repeat: int) -> None:
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings
    from django.db import transaction

    from config.celery import app
    from registry.services import certificate_transition
    from registry.signing import status_list_latest

    if not settings.REDIS_URL:
        line("status change -> signed status list (real worker)", "skipped: REDIS_URL not set")
        return
    from kombu import pools

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL)
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    times = []
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=["signing", "documents",
                                                                                       "celery"],
                      loglevel="WARNING", shutdown_timeout=60):
        for _ in range(repeat):
            certificate.refresh_from_db()
            action = "suspend" if certificate.status == "active" else "reinstate"
            start = time.perf_counter()
            with transaction.atomic():
                certificate_transition(certificate=certificate, action=action, actor=staff, reason="bench")
            while True:
                latest = status_list_latest()
                listed = any(e["serial"] == certificate.serial for e in latest.document["entries"])
                if listed == (action == "suspend"):
                    break
                if time.perf_counter() - start > 120:
                    raise RuntimeError("the status list did not follow within 120 s")
                time.sleep(0.01)
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(3)  # let the PDF of this change finish before the next one
    app.conf.update(saved)
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    line("status change -> signed status list (real worker, Redis)",
         f"{statistics.median(times):8.1f} ms median, {max(times):.1f} ms max of {repeat}")


def bulk_entries(count: int) -> float:
    """Insert `count` entries through audit_append's hashing (chain, leaf, subtrees) in bulk."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from trust.models import AuditEntry
    from trust.services import audit_bulk_append

    base = timezone.now() - datetime.timedelta(days=365)
    actions = ["application.submit", "case.record", "certificate.issue", "certificate.suspend", "vendor.update"]

    def entries():
        for i in range(count):
            if i and i % 100_000 == 0:
                print(f"  ... {i:,} entries ({time.perf_counter() - start:.0f} s)", flush=True)
            yield AuditEntry(created_at=base + datetime.timedelta(seconds=i * 30),
                             actor_repr=f"evaluator{i % 50}@lab.vn", action=actions[i % 5],
                             object_type="certification.application", object_id=str(i // 20),
                             object_repr=f"#{i // 20} Tường lửa {i // 20}", before={"status": "submitted"},
                             after={"status": "in_evaluation", "note": "Kiểm thử số " + str(i)}, data={"i": i})

    start = time.perf_counter()
    with transaction.atomic():
        audit_bulk_append(entries(), batch=5000)
    return time.perf_counter() - start


def bench_log(count: int, repeat: int) -> None:
    from django.db import connection, transaction
    from django.test import Client

    from trust.services import audit_append, audit_verify
    from trust.transparency import root_hash, tree_head_sign, tree_size

    seconds = bulk_entries(count)
    size = tree_size()
    line(f"bulk insert of {count:,} entries through the hashing code", f"{seconds:8.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trust_auditentry; ANALYZE trust_merklenode")
        cursor.execute("SELECT pg_total_relation_size('trust_auditentry'), pg_total_relation_size('trust_merklenode')")
        entry_bytes, node_bytes = cursor.fetchone()
    line("storage: audit entries / Merkle nodes (tables + indexes)",
         f"{entry_bytes / 2**20:8.1f} MiB / {node_bytes / 2**20:.1f} MiB")

    times = []
    for _ in range(repeat):
        with transaction.atomic():  # the head is signed after commit, by the signing worker: not timed here
            start = time.perf_counter()
            audit_append(actor=None, action="bench.append", object_type="bench", object_id="1")
            times.append((time.perf_counter() - start) * 1000)
    line(f"audit_append at {size:,} entries (chain + leaf + subtrees)", f"{statistics.median(times):8.1f} ms")
    size = tree_size()
    ms, _ = median_ms(lambda: root_hash(size), repeat)
    line(f"root of the tree of {size:,} entries", f"{ms:8.1f} ms")
    ms, head = median_ms(lambda: tree_head_sign(force=True), repeat)
    line("sign a tree head", f"{ms:8.1f} ms")
    client = Client()
    leaf = size // 3

    def proof():
        response = client.get("/api/v1/transparency/proof/", {"leaf_index": leaf, "tree_size": size})
        assert response.status_code == 200, response.content[:300]
        return response

    ms, response = median_ms(proof, repeat)
    body = response.json()
    line(f"inclusion proof at {size:,} entries (GET transparency/proof/)",
         f"{ms:8.1f} ms, {len(body['audit_path'])} hashes, {len(body['audit_path']) * 32} B raw, "
         f"{len(response.content)} B JSON")
    ms, response = median_ms(lambda: client.get("/api/v1/transparency/consistency/",
                                                {"first": size // 2 + 1, "second": size}), repeat)
    line(f"consistency proof {size // 2 + 1:,} -> {size:,}",
         f"{ms:8.1f} ms, {len(response.json()['proof'])} hashes, {len(response.content)} B JSON")
    start = time.perf_counter()
    report = audit_verify(head=json.loads(json.dumps(head.document)))
    seconds = time.perf_counter() - start
    assert report.ok and report.head_extended, report.problems[:5]
    line(f"audit_verify --head at {size:,} entries (chain, tree, heads, certs)", f"{seconds:8.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    settings.MEDIA_ROOT = str(ROOT / "var" / "bench-media")
    creation = connection.creation
    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{Path(str(original)).stem}_trust"
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor}")
        certificate, staff = certificate_make()
        from registry.signing import certificate_sign

        certificate_sign(certificate_id=certificate.pk)
        bench_signatures(certificate, args.repeat)
        bench_pdf(certificate, args.repeat)
        bench_status_list_in_process(certificate, staff, args.repeat)
        bench_status_list_worker(certificate, staff, args.repeat)
        bench_log(args.entries, args.repeat)
    finally:
        if not args.keep:
            connection.close()
            creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
