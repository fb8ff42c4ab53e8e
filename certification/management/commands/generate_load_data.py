"""manage.py generate_load_data [--products N] — national-scale data for benchmarks, in bulk and deterministic.

For N products (100,000 by default): N/25 vendors (two in three Vietnamese, in all 34 provinces), N
products with realistic Vietnamese and foreign names and one version each, 0.3·N certificates in every
status with their events, 10·N case results (applications of about twenty requirements each, certified,
rejected or still in the process) and 10·N entries of the hash-chained audit log, continuing the chain
that is there (`audit_verify` still passes). Everything goes through the app's models with bulk inserts;
the same N gives the same rows, names and serials (fixed seed and a fixed reference date).
"""

import random
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from certification.models import Application, CaseResult
from registry.choices import Province
from registry.models import (
    Certificate,
    CertificateEvent,
    Product,
    ProductVersion,
    Scheme,
    SerialCounter,
    Vendor,
)
from registry.services import CERTIFICATE_FIELDS, _search_document
from trust.canonical import to_jsonable
from trust.models import AuditEntry
from trust.services import audit_bulk_append

REFERENCE = datetime(2026, 1, 1, tzinfo=UTC)  # "today" of the generated world: fixed, so runs are equal
BATCH = 5000
TAX_CODE_BASE = 8_100_000_000  # generated companies' tax codes start here (never a seeded vendor's)

VN_SURNAMES = ["Việt", "Sài Gòn", "Thăng Long", "Hồng Hà", "Phương Nam", "Đông Á", "Trường Sơn", "Lạc Hồng",
               "Bạch Đằng", "Cửu Long", "Hải Vân", "Tây Nguyên", "Sông Hàn", "Phú Sĩ", "An Khang", "Thái Bình",
               "Hòa Bình", "Nam Việt", "Bắc Hà", "Kim Long", "Đại Việt", "Minh Phát", "Hưng Thịnh", "Tân Cảng"]
VN_FIELDS = ["An ninh mạng", "Bảo mật thông tin", "Công nghệ số", "Giải pháp an toàn thông tin", "Viễn thông",
             "Phần mềm", "Dữ liệu", "Hệ thống thông tin", "An toàn số", "Điện toán"]
VN_FORMS = ["Công ty Cổ phần", "Công ty TNHH", "Công ty TNHH Một thành viên", "Tập đoàn"]
FOREIGN_ROOTS = ["Nord", "Blue", "Iron", "Silver", "Quantum", "Cyber", "Sentinel", "Aegis", "Falcon", "Orion",
                 "Polar", "Vertex", "Zenith", "Helix", "Argo", "Titan", "Nova", "Secure", "Trust", "Shield"]
FOREIGN_TAILS = ["wind", "gate", "wall", "guard", "path", "core", "point", "line", "wave", "forge"]
FOREIGN_FORMS = ["Security Inc.", "Networks Ltd.", "Cyber GmbH", "Technologies Pte. Ltd.", "Systems Co., Ltd.",
                 "Software AB", "Security S.A.", "Labs K.K."]
PRODUCT_KINDS = {
    "firewall": ("Tường lửa thế hệ mới", "Next-Generation Firewall"),
    "waf": ("Tường lửa ứng dụng web", "Web Application Firewall"),
    "siem": ("Hệ thống giám sát an toàn thông tin", "Security Monitoring Platform"),
    "ips": ("Hệ thống ngăn chặn xâm nhập", "Intrusion Prevention System"),
    "anti_malware": ("Phần mềm phòng chống mã độc", "Anti-Malware Suite"),
    "edr": ("Giải pháp phát hiện và phản ứng điểm cuối", "Endpoint Detection and Response"),
    "nac": ("Hệ thống kiểm soát truy cập mạng", "Network Access Control"),
    "vpn": ("Cổng mạng riêng ảo", "VPN Gateway"),
}
SERIES = ["Pro", "Enterprise", "Cloud", "Edge", "Core", "Lite", "Plus", "Max", "Gov", "Ultra", "X", "S"]
STATUS_MIX = ["active"] * 70 + ["suspended"] * 8 + ["revoked"] * 7 + ["expired"] * 15


@contextmanager
def _dated(model, name: str):
    """Insert rows with their own value of an auto_now_add field (generated history, not live writes)."""
    field = model._meta.get_field(name)
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


class Command(BaseCommand):
    help = "Load national-scale, deterministic data for benchmarks (bulk inserts through the app's models)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2025)

    def handle(self, *args, products: int, seed: int, **options):
        if products < 25:
            raise CommandError("--products must be at least 25")
        if Vendor.objects.filter(tax_code=f"{TAX_CODE_BASE:010d}").exists():
            raise CommandError("generated data is already loaded in this database")
        self.rng = random.Random(seed)
        started = time.monotonic()
        if not Scheme.objects.filter(is_current=True).exists():
            call_command("load_schemes", verbosity=0)
        self.schemes = {s.category: s for s in Scheme.objects.filter(is_current=True).prefetch_related("requirements")}
        missing = [c for c in PRODUCT_KINDS if c not in self.schemes]
        if missing:
            raise CommandError(f"no current scheme for {', '.join(missing)}")
        vendors = self._vendors(max(products // 25, 1))
        product_rows, versions = self._products(vendors, products)
        certificates = self._certificates(product_rows, versions, int(products * 0.3))
        cases = self._applications(product_rows, versions, certificates, products * 10)
        entries = self._audit(products * 10)
        self.stdout.write(f"loaded {len(vendors)} vendors, {len(product_rows)} products, {len(certificates)} "
                          f"certificates, {cases} case results, {entries} audit entries in "
                          f"{time.monotonic() - started:.0f} s")

    # Names -----------------------------------------------------------------------------------------

    def _vendor_name(self, n: int) -> tuple[str, str, bool]:
        rng = self.rng
        if n % 3 != 2:
            core = f"{rng.choice(VN_FIELDS)} {rng.choice(VN_SURNAMES)}"
            name = f"{rng.choice(VN_FORMS)} {core} {n}"
            return name, f"{core.split()[-1]} Cyber JSC {n}", True
        root = rng.choice(FOREIGN_ROOTS) + rng.choice(FOREIGN_TAILS)
        name = f"{root} {rng.choice(FOREIGN_FORMS)} {n}"
        return name, name, False

    def _vendors(self, count: int) -> list[Vendor]:
        provinces = Province.values
        rows = []
        for n in range(count):
            legal, english, domestic = self._vendor_name(n)
            rows.append(Vendor(
                legal_name=legal, name_en=english if domestic else "", tax_code=f"{TAX_CODE_BASE + n:010d}",
                province=provinces[n % len(provinces)] if domestic else self.rng.choice(["01", "79", "48"]),
                security_contact_email=f"security@vendor{n}.example.vn", verified_at=REFERENCE - timedelta(days=900),
                verified_by_repr="operator:generate_load_data"))
        Vendor.objects.bulk_create(rows, batch_size=BATCH)
        self.domestic = {v.pk for n, v in enumerate(rows) if n % 3 != 2}
        return rows

    def _products(self, vendors: list[Vendor], count: int):
        rng = self.rng
        categories = list(PRODUCT_KINDS)
        rows = []
        for n in range(count):
            vendor = vendors[n % len(vendors)]
            category = categories[n % len(categories)]
            vi, en = PRODUCT_KINDS[category]
            brand = vendor.legal_name.split()[-2] if vendor.pk in self.domestic else vendor.legal_name.split()[0]
            model = f"{rng.choice(SERIES)} {rng.randint(10, 9999)}"
            domestic = vendor.pk in self.domestic
            name = f"{vi} {brand} {model} #{n}" if domestic else f"{brand} {en} {model} #{n}"
            mvn = domestic and rng.random() < 0.45
            product = Product(vendor=vendor, name=name[:200], name_en=f"{brand} {en} {model}"[:200] if domestic else "",
                              category=category, description_vi=f"{vi} dành cho cơ quan nhà nước và doanh nghiệp.",
                              description_en=f"{en} for government and enterprise networks.",
                              mvn_researched=mvn, mvn_developed=mvn, mvn_produced=mvn, mvn_source_owner=mvn,
                              made_in_vietnam=mvn)
            product.search_document = _search_document(product)
            rows.append(product)
        for start in range(0, len(rows), BATCH):
            Product.objects.bulk_create(rows[start:start + BATCH])
        versions = [ProductVersion(product=p, version=f"{1 + n % 9}.{n % 7}.{n % 13}",
                                   release_date=(REFERENCE - timedelta(days=400 + n % 700)).date())
                    for n, p in enumerate(rows)]
        ProductVersion.objects.bulk_create(versions, batch_size=BATCH)
        self.stdout.write(f"  {len(rows)} products")
        return rows, versions

    # Certificates ------------------------------------------------------------------------------------

    def _certificates(self, products, versions, count: int) -> list[Certificate]:
        rng = self.rng
        picked = rng.sample(range(len(products)), min(count, len(products)))
        counters: dict[int, int] = {c.year: c.last for c in SerialCounter.objects.all()}
        rows, events = [], []
        for n in sorted(picked):
            product, version = products[n], versions[n]
            scheme = self.schemes[product.category]
            status = rng.choice(STATUS_MIX)
            if status == "expired":
                issued = REFERENCE - relativedelta(months=scheme.validity_months) - timedelta(days=rng.randint(1, 300))
            else:
                issued = REFERENCE - timedelta(days=rng.randint(1, 4 * 365), seconds=rng.randint(0, 86_399))
            valid_until = issued + relativedelta(months=scheme.validity_months)
            counters[issued.year] = counters.get(issued.year, 0) + 1
            rows.append(Certificate(
                serial=f"VN-CSP-{issued.year}-{counters[issued.year]:05d}", vendor_id=product.vendor_id,
                product=product, product_version=version, scheme=scheme, level=rng.choice(["basic", "substantial",
                                                                                           "high"]),
                vendor_legal_name=product.vendor.legal_name, vendor_tax_code=product.vendor.tax_code, status=status,
                status_reason={"suspended": "Phát hiện lỗ hổng nghiêm trọng chưa vá",
                               "revoked": "Vi phạm điều kiện chứng nhận"}.get(status, ""),
                issued_at=issued, valid_until=valid_until, status_changed_at=issued))
        Certificate.objects.bulk_create(rows, batch_size=BATCH)
        Product.objects.filter(pk__in=[c.product_id for c in rows]).update(listed=True)
        for year, last in counters.items():
            SerialCounter.objects.update_or_create(year=year, defaults={"last": last})
        actions = {"suspended": "suspend", "revoked": "revoke", "expired": "expire"}
        for certificate in rows:
            events.append(CertificateEvent(certificate=certificate, action="issue", to_status="active",
                                           actor_repr="certifier@generated.vn"))
            if certificate.status in actions:
                events.append(CertificateEvent(certificate=certificate, action=actions[certificate.status],
                                               from_status="active", to_status=certificate.status,
                                               reason=certificate.status_reason,
                                               actor_repr="staff@generated.vn" if certificate.status != "expired"
                                               else "system"))
        # The events carry the certificates' own dates. The table is append-only (trust.dbguard refuses an
        # UPDATE), so the dates are right at the insert: auto_now_add is held off for it.
        created = {c.pk: c.issued_at for c in rows}
        for event in events:
            event.created_at = created[event.certificate_id] + (timedelta(days=30) if event.action != "issue"
                                                                else timedelta())
        with _dated(CertificateEvent, "created_at"):
            CertificateEvent.objects.bulk_create(events, batch_size=BATCH)
        # and in the audit log, as certificate_issue and certificate_transition write them (audit_verify
        # re-derives each certificate from its entries)
        audit = []
        for event in events:
            certificate = event.certificate
            state = {f: getattr(certificate, f) for f in CERTIFICATE_FIELDS}
            if event.action == "issue":
                state.update(status="active", status_reason="")
            audit.append(AuditEntry(created_at=event.created_at, actor_repr=event.actor_repr,
                                    action=f"certificate.{event.action}", object_type="registry.certificate",
                                    object_id=str(certificate.pk), object_repr=str(certificate),
                                    before=None, after=to_jsonable(state), data={}))
        with transaction.atomic():
            audit_bulk_append(audit, batch=BATCH)
        self.stdout.write(f"  {len(rows)} certificates, {len(events)} certificate events")
        return rows

    # Applications and case results -----------------------------------------------------------------------

    def _applications(self, products, versions, certificates, cases_wanted: int) -> int:
        rng = self.rng
        requirements = {c: list(s.requirements.all()) for c, s in self.schemes.items()}
        by_product = {c.product_id: c for c in certificates}
        apps, plan, total = [], [], 0
        index = 0
        while total < cases_wanted:
            product = products[index % len(products)]
            version = versions[index % len(versions)]
            certificate = by_product.pop(product.pk, None)
            scheme = self.schemes[product.category]
            reqs = requirements[product.category]
            if certificate is not None:
                status, decided = "certified", certificate.issued_at
                submitted = decided - timedelta(days=rng.randint(20, 160))
            else:
                status = rng.choice(["rejected", "in_evaluation", "submitted", "evaluated", "withdrawn"])
                submitted = REFERENCE - timedelta(days=rng.randint(5, 900))
                decided = submitted + timedelta(days=rng.randint(25, 200)) if status == "rejected" else None
            take = min(len(reqs), cases_wanted - total)
            apps.append(Application(product_version=version, vendor_id=product.vendor_id, scheme=scheme,
                                    level=certificate.level if certificate else "basic", status=status,
                                    certificate=certificate, submitted_at=submitted, decided_at=decided,
                                    completed_at=decided))
            plan.append((reqs[:take], status))
            total += take
            index += 1
        Application.objects.bulk_create(apps, batch_size=BATCH)
        batch = []
        written = 0
        for app, (reqs, status) in zip(apps, plan, strict=True):
            for requirement in reqs:
                if status in ("certified", "evaluated"):
                    result = "pass" if rng.random() < 0.95 else "not_applicable"
                elif status == "rejected":
                    result = "fail" if rng.random() < 0.3 else "pass"
                else:
                    result = rng.choice(["pending", "pass", "fail", "pending"])
                batch.append(CaseResult(application=app, requirement=requirement, result=result,
                                        notes="" if result == "pending" else "Đạt theo kịch bản kiểm thử."))
            if len(batch) >= BATCH:
                CaseResult.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            CaseResult.objects.bulk_create(batch)
            written += len(batch)
        self.stdout.write(f"  {len(apps)} applications, {written} case results")
        return written

    # Audit log ---------------------------------------------------------------------------------------------

    def _audit(self, count: int) -> int:
        """Append `count` entries to the log, hashed exactly as audit_append would (chain, leaf, subtrees)."""
        rng = self.rng
        actions = ["case_result.record", "application.submit", "artifact.upload", "certificate.issue",
                   "product.update", "vendor.update", "clarification.ask", "application.assign"]
        start = REFERENCE - timedelta(days=4 * 365)
        step = (4 * 365 * 86400) / max(count, 1)

        def entries():
            for n in range(count):
                yield AuditEntry(
                    created_at=start + timedelta(seconds=n * step),
                    actor_repr=f"user{rng.randint(1, 5000)}@generated.vn", action=actions[n % len(actions)],
                    object_type="certification.caseresult", object_id=str(n + 1), object_repr=f"#{n + 1}",
                    before=None, after=to_jsonable({"result": "pass", "notes": "Đạt"}), data={})

        with transaction.atomic():
            audit_bulk_append(entries(), batch=BATCH)
        self.stdout.write(f"  {count} audit entries")
        return count
