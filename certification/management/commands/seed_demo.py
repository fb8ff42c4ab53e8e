"""`manage.py seed_demo`: schemes, fictional vendors, products, accounts, and applications and
certificates in every state, all made through the real services so events and audit entries are
genuine. Idempotent: `make run` calls it every time.

Each object is found by its natural key (e-mail, tax code, vendor and product name, product and
version) before anything is created. Each application is driven one step at a time from wherever
it stands towards the status its story ends in, so a second run changes nothing and an interrupted
run is completed by the next one. Every service commits its own transaction, so the after-commit
work (check runs, notifications, certificate PDFs) happens as it does in production.
"""

import datetime
import logging
from collections import Counter
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.mfa import user_mfa_required, user_totp_activate
from accounts.roles import roles_ensure
from certification.checks import CHECKS
from certification.choices import FINAL_RESULTS
from certification.choices import ApplicationAction as A
from certification.choices import ApplicationStatus as S
from certification.choices import CaseResultValue as R
from certification.models import Application, CheckRun, ConflictDeclaration
from certification.process.scoring import application_pass_outcome
from certification.process.services import (
    application_create,
    application_transition,
    artifact_upload,
    case_result_record,
)
from certification.process.workbench import conflict_declare, independence_declare
from certification.process.workflow import TRANSITIONS
from certification.schemes.loader import schemes_load_files
from certification.tasks import check_run_execute_task
from config.celery import app as celery_app
from config.errors import ApplicationError
from registry.choices import CertificateAction, CertificateStatus, RequirementMethod
from registry.models import Certificate, Product, ProductVersion, Scheme, Vendor
from registry.services import (
    certificate_transition,
    mvn_attestation_review,
    mvn_attestation_submit,
    product_create,
    product_version_create,
    user_create,
    vendor_create,
    vendor_member_add,
    vendor_verify,
)
from trust.services import audit_append

from . import _seed_data as data

# Real advisories (GitHub Advisory Database, Go vulnerability database) in ../shared/data/osv; the linter
# test data and the schema beside them are not advisories.
OSV_FOLDERS = ("ghsa", "go-vulndb")

# The actions that lead from a draft to each status of a demo story.
_TO_EVALUATED = [A.SUBMIT, A.ASSIGN, A.COMPLETE]
PATHS: dict[str, list[str]] = {
    S.DRAFT: [],
    S.SUBMITTED: [A.SUBMIT],
    S.RETURNED: [A.SUBMIT, A.RETURN],
    S.WITHDRAWN: [A.SUBMIT, A.WITHDRAW],
    S.IN_EVALUATION: [A.SUBMIT, A.ASSIGN],
    S.EVALUATED: _TO_EVALUATED,
    S.CERTIFIED: [*_TO_EVALUATED, A.CERTIFY],
    S.REJECTED: [*_TO_EVALUATED, A.REJECT],
    S.APPEALED: [*_TO_EVALUATED, A.REJECT, A.APPEAL],
}


class Command(BaseCommand):
    help = ("Load the schemes and create demo accounts, vendors, products, and applications and certificates in "
            "every state. Safe to run again: it creates only what is missing.")

    def handle(self, *args, **options):
        # In-process tasks log a line each at INFO; keep the command's own output readable.
        trace_logger = logging.getLogger("celery.app.trace")
        level = trace_logger.level
        trace_logger.setLevel(max(level, logging.WARNING))
        # The demo drives applications through checks and decisions step by step, so its tasks run
        # in this process even on the full stack, where no worker is running yet when make run seeds.
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True
        try:
            self._seed()
        finally:
            trace_logger.setLevel(level)
            celery_app.conf.task_always_eager = eager

    def _seed(self) -> None:
        self.created: Counter = Counter()
        self.warnings: list[str] = []
        roles_ensure()
        try:
            results = schemes_load_files()
        except ApplicationError as exc:
            raise CommandError("\n".join([str(exc.message), *exc.details.get("errors", [])])) from exc
        self.created["schemes"] += sum(r.created for r in results)
        self._advisories()

        self.users = self._accounts()
        self.staff = self.users["staff@demo.vn"]
        self.vendors = self._vendors()
        self._conflicts()
        self.versions = self._products()
        for scenario in data.SCENARIOS:
            try:
                self._scenario(scenario)
            except ApplicationError as exc:
                # One story going wrong (e.g. someone changed it by hand) must not stop the others.
                self._warn(f"{scenario['product']} {scenario['version']}: {exc.message} {exc.details or ''}")
        self._report()

    def _advisories(self) -> None:
        """Import the real OSV advisories kept beside the project (../shared/data/osv), when present, so a
        demo product with a known-vulnerable component shows real findings. Idempotent like import_osv."""
        from django.conf import settings

        from certification.vulndb.osv import osv_import

        root = Path(settings.BASE_DIR).parent / "shared" / "data" / "osv"
        folders = [root / name for name in OSV_FOLDERS if (root / name).is_dir()]
        if not folders:
            self.stdout.write(f"No OSV advisories at {root}: the demo's vulnerability database stays as it is.")
            return
        report = osv_import(folders, rematch=True)
        self.created["advisories"] += report.created
        self.stdout.write(f"OSV advisories from {root}: {', '.join(report.lines()[:3])}.")

    # Accounts, vendors, products ------------------------------------------------------------------

    def _user_ensure(self, *, email: str, role: str | None, name: str, language: str, superuser: bool = False):
        User = get_user_model()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_create(email=email, password=data.DEMO_PASSWORD, full_name=name, language=language,
                               role=role, superuser=superuser, data={"source": "seed_demo"})
            self.created["users"] += 1
        if user_mfa_required(user):
            user_totp_activate(user=user, secret=data.DEMO_TOTP_SECRET)
        return user

    def _accounts(self) -> dict:
        users = {}
        for email, role, name, language, _vendor in data.ACCOUNTS:
            users[email] = self._user_ensure(email=email, role=role, name=name, language=language)
        # The admin is a superuser for /admin and also staff, so it can act in the application too.
        admin = self._user_ensure(email=data.ADMIN_EMAIL, role=Role.STAFF, name=data.ADMIN_NAME, language="vi",
                                  superuser=True)
        users[data.ADMIN_EMAIL] = admin
        return users

    def _vendors(self) -> dict:
        vendors = {}
        for key, spec in data.VENDORS.items():
            vendor = Vendor.objects.filter(tax_code=spec["tax_code"]).first()
            if vendor is None:
                fields = {k: v for k, v in spec.items() if k not in ("legal_name", "tax_code", "verified")}
                vendor = vendor_create(actor=self.staff, legal_name=spec["legal_name"], tax_code=spec["tax_code"],
                                       **fields)
                self.created["vendors"] += 1
            if spec["verified"] and vendor.verified_at is None:
                vendor = vendor_verify(vendor=vendor, actor=self.staff)
            vendors[key] = vendor
        for email, role, _name, _language, vendor_key in data.ACCOUNTS:
            if role == Role.VENDOR:
                vendor_member_add(vendor=vendors[vendor_key], user=self.users[email], actor=self.staff)
        return vendors

    def _vendor_user(self, vendor_key: str):
        email = next(e for e, role, _n, _l, v in data.ACCOUNTS if role == Role.VENDOR and v == vendor_key)
        return self.users[email]

    def _conflicts(self) -> None:
        for spec in data.CONFLICTS:
            evaluator, vendor = self.users[spec["evaluator"]], self.vendors[spec["vendor"]]
            if ConflictDeclaration.objects.filter(evaluator=evaluator, vendor=vendor).exists():
                continue
            conflict_declare(evaluator=evaluator, vendor=vendor, relation=spec["relation"],
                             started_on=spec["started_on"], ended_on=spec["ended_on"], note=spec["note"])
            self.created["conflict declarations"] += 1

    def _products(self) -> dict:
        versions = {}
        for key, spec in data.PRODUCTS.items():
            vendor = self.vendors[spec["vendor"]]
            actor = self._vendor_user(spec["vendor"])
            product = Product.objects.filter(vendor=vendor, name=spec["name"]).first()
            if product is None:
                product = product_create(
                    vendor=vendor, actor=actor, name=spec["name"], category=spec["category"],
                    name_en=spec["name_en"], description_vi=spec["description_vi"],
                    description_en=spec["description_en"], **spec["mvn"],
                )
                self.created["products"] += 1
            self._mvn_attestation(product, actor, spec["mvn"])
            for version, released in spec["versions"]:
                pv = ProductVersion.objects.filter(product=product, version=version).first()
                if pv is None:
                    pv = product_version_create(product=product, actor=actor, version=version,
                                                release_date=datetime.date.fromisoformat(released))
                    self.created["product versions"] += 1
                versions[(key, version)] = pv
        return versions

    def _mvn_attestation(self, product: Product, actor, claims: dict) -> None:
        """A product claiming Make in Viet Nam attests it with evidence; staff approve it where all four
        claims hold, and leave a partial one waiting on the staff desk for the demo."""
        if not any(claims.values()) or product.mvn_attestations.exists():
            return
        evidence = data.pdf_bytes(lines=[product.name, "Make in Viet Nam evidence (demo)"])
        attestation = mvn_attestation_submit(
            product=product, actor=actor, researched=claims["mvn_researched"], developed=claims["mvn_developed"],
            produced=claims["mvn_produced"], source_owner=claims["mvn_source_owner"],
            statement=data.MVN_STATEMENT, file=SimpleUploadedFile("mvn-evidence.pdf", evidence))
        self.created["Make in Viet Nam attestations"] += 1
        if attestation.all_claims():
            mvn_attestation_review(attestation=attestation, actor=self.staff, approve=True,
                                   note=data.MVN_REVIEW_NOTE)

    # Applications ---------------------------------------------------------------------------------

    def _scenario(self, scenario: dict) -> None:
        pv = self.versions[(scenario["product"], scenario["version"])]
        spec = data.PRODUCTS[scenario["product"]]
        vendor_user = self._vendor_user(spec["vendor"])
        app = Application.objects.filter(product_version=pv).order_by("created_at", "id").first()
        if app is None:
            scheme = Scheme.objects.filter(category=spec["category"], is_current=True).order_by("code").first()
            if scheme is None:
                self._warn(f"No current scheme for category {spec['category']}; {pv} skipped.")
                return
            app = application_create(actor=vendor_user, product_version=pv, scheme=scheme, level=scenario["level"])
            self.created["applications"] += 1
            self._artifacts_ensure(app, scenario.get("draft_kinds"))

        target = scenario["target"]
        path = PATHS[target]
        statuses = [S.DRAFT] + [TRANSITIONS[action].target for action in path]
        if app.status not in statuses:
            self._warn(f"Application #{app.pk} ({pv}) is '{app.status}', off its demo path to '{target}'; "
                       "left as it is.")
            return
        for action in path[statuses.index(app.status):]:
            if not self._step(app, action, scenario):
                return
            app.refresh_from_db()
        if target == S.CERTIFIED and scenario.get("certificate"):
            self._certificate_state(app, scenario)

    def _artifact_kinds(self, app: Application) -> list[str]:
        kinds = ["installer", "sbom", *app.scheme.documents_for(app.level)]
        return list(dict.fromkeys(kinds))

    def _artifacts_ensure(self, app: Application, kinds: list[str] | None = None) -> None:
        """Upload, through the service, every artifact kind the application still lacks."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        if app.status not in (S.DRAFT, S.RETURNED):
            return
        present = set(app.artifacts.values_list("kind", flat=True))
        pv = app.product_version
        spec = next(s for k, s in data.PRODUCTS.items() if s["name"] == pv.product.name)
        vendor_spec = data.VENDORS[spec["vendor"]]
        slug = data.slug(spec["name_en"])
        vendor_user = self._vendor_user(spec["vendor"])
        for kind in kinds or self._artifact_kinds(app):
            if kind in present:
                continue
            if kind == "installer":
                name = f"{slug}-{pv.version}-x86_64.bin"
                content = data.installer_bytes(product=spec["name_en"], version=pv.version)
            elif kind == "sbom":
                name = f"{slug}-{pv.version}.cdx.json"
                content = data.sbom_bytes(product=spec, vendor=vendor_spec, version=pv.version,
                                          release_date=pv.release_date.isoformat() if pv.release_date else "2025-01-01")
            else:
                titles = {"user_guide": "User guide", "admin_guide": "Administrator guide",
                          "security_target": "Security target", "test_report": "Vendor test report"}
                title = titles.get(kind, kind)
                name = f"{slug}-{pv.version}-{kind.replace('_', '-')}.pdf"
                content = data.pdf_bytes(lines=[f"{spec['name_en']} {pv.version}", title, vendor_spec["name_en"],
                                                "Demo document generated by seed_demo."])
            artifact_upload(application=app, actor=vendor_user, kind=kind, file=SimpleUploadedFile(name, content))
            self.created["artifacts"] += 1

    def _transition(self, app: Application, action: str, actor, **kwargs) -> None:
        application_transition(application=app, action=action, actor=actor, **kwargs)
        self.created["transitions"] += 1

    def _step(self, app: Application, action: str, scenario: dict) -> bool:
        """Take one action on the application; False (with a warning) when the story must pause here."""
        spec = data.PRODUCTS[scenario["product"]]
        vendor_user = self._vendor_user(spec["vendor"])
        evaluator = self.users.get(scenario.get("evaluator", "evaluator@demo.vn"))
        certifier = self.users["certifier@demo.vn"]
        if action == A.SUBMIT:
            self._artifacts_ensure(app)
            self._transition(app, A.SUBMIT, vendor_user)
            self._checks_run(app)
        elif action == A.RETURN:
            self._transition(app, A.RETURN, self.staff, note=scenario["return_note"])
        elif action == A.WITHDRAW:
            self._transition(app, A.WITHDRAW, vendor_user, note=scenario.get("withdraw_note", ""))
        elif action == A.ASSIGN:
            self._transition(app, A.ASSIGN, self.staff, evaluators=[evaluator.email])
            if scenario["target"] == S.IN_EVALUATION:
                self._results_record(app, scenario, evaluator, partial=True)
        elif action == A.COMPLETE:
            keys = set(app.check_runs.values_list("check_key", flat=True))
            missing = sorted(keys - set(CHECKS))
            if missing:
                self._warn(f"Application #{app.pk} ({app.product_version}) stays in evaluation: no automated check "
                           f"is registered for {', '.join(missing)} yet.")
                return False
            self._checks_run(app)
            open_automated = list(
                app.cases.filter(requirement__method=RequirementMethod.AUTOMATED).exclude(result__in=FINAL_RESULTS)
                .values_list("requirement__code", flat=True)
            )
            if open_automated:
                self._warn(f"Application #{app.pk} ({app.product_version}) stays in evaluation: automated checks "
                           f"without a final result: {', '.join(open_automated)}.")
                return False
            self._results_record(app, scenario, evaluator)
            self._transition(app, A.COMPLETE, evaluator)
        elif action == A.CERTIFY:
            outcome = application_pass_outcome(application=app)
            if not outcome.passed:
                self._warn(f"Application #{app.pk} ({app.product_version}) stays evaluated: {outcome.explain()}")
                return False
            self._transition(app, A.CERTIFY, certifier)
        elif action == A.REJECT:
            self._transition(app, A.REJECT, certifier, note=scenario["reject_note"])
        elif action == A.APPEAL:
            self._transition(app, A.APPEAL, vendor_user, note=scenario["appeal_note"])
        return True

    def _checks_run(self, app: Application) -> None:
        """Run, in this process, any check the queue has not finished yet (a worker may not be up during
        `make run`); the check service runs each generation at most once, so a later delivery does nothing."""
        for run in CheckRun.objects.filter(application=app).exclude(status="done"):
            check_run_execute_task.apply(args=[run.pk, run.generation])

    def _results_record(self, app: Application, scenario: dict, evaluator, *, partial: bool = False) -> None:
        product = app.product_version.product
        cases = list(app.cases.select_related("requirement").exclude(requirement__method=RequirementMethod.AUTOMATED)
                     .exclude(result__in=FINAL_RESULTS).order_by("requirement__order"))
        if partial:
            cases = cases[: len(cases) // 2]
        overrides = scenario.get("results", {})
        independence_declare(application=app, evaluator=evaluator)
        for case in cases:
            req = case.requirement
            if req.code in overrides:
                result, notes = overrides[req.code]
            elif req.group == "origin":
                result, notes = self._origin_result(req.code, product)
            else:
                result, notes = R.PASS, data.PASS_NOTE
            case_result_record(application=app, requirement_code=req.code, actor=evaluator, result=result,
                               notes=notes)
            self.created["case results"] += 1

    @staticmethod
    def _origin_result(code: str, product: Product) -> tuple[str, str]:
        flags = [product.mvn_researched, product.mvn_developed, product.mvn_produced, product.mvn_source_owner]
        if not any(flags):
            return R.NOT_APPLICABLE, data.NOT_APPLICABLE_NOTE
        holds = all(flags[:3]) if code.endswith("ORG-01") else product.mvn_source_owner
        return (R.PASS, data.PASS_NOTE) if holds else (R.FAIL, data.ORIGIN_FAIL_NOTE)

    # Certificates ---------------------------------------------------------------------------------

    def _certificate_state(self, app: Application, scenario: dict) -> None:
        certificate = Certificate.objects.get(pk=app.certificate_id)
        wanted = scenario["certificate"]
        if wanted in (CertificateStatus.SUSPENDED, CertificateStatus.REVOKED) \
                and certificate.status == CertificateStatus.ACTIVE:
            certificate = certificate_transition(certificate=certificate, action=CertificateAction.SUSPEND,
                                                 actor=self.staff, reason=scenario["suspend_reason"])
            self.created["certificate changes"] += 1
        if wanted == CertificateStatus.REVOKED and certificate.status == CertificateStatus.SUSPENDED:
            certificate_transition(certificate=certificate, action=CertificateAction.REVOKE, actor=self.staff,
                                   reason=scenario["revoke_reason"])
            self.created["certificate changes"] += 1
        if wanted == CertificateStatus.EXPIRED and certificate.status == CertificateStatus.ACTIVE:
            self._certificate_backdate(certificate, app.scheme.validity_months)
            certificate_transition(certificate=certificate, action=CertificateAction.EXPIRE, actor=None)
            self.created["certificate changes"] += 1

    def _certificate_backdate(self, certificate: Certificate, months: int) -> None:
        """Demo only: move an issued certificate's validity into the past so the scheduler's expiry applies.
        The change is recorded in the audit chain like any other edit."""
        from registry.services import certificate_sign_enqueue

        issued_at = timezone.now() - relativedelta(months=months + 1)
        valid_until = issued_at + relativedelta(months=months)
        with transaction.atomic():
            locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
            before = {"issued_at": locked.issued_at, "valid_until": locked.valid_until,
                      "status_changed_at": locked.status_changed_at}
            Certificate.objects.filter(pk=locked.pk).update(issued_at=issued_at, valid_until=valid_until,
                                                            status_changed_at=issued_at)
            audit_append(actor=None, action="certificate.backdate", obj=locked, before=before,
                         after={"issued_at": issued_at, "valid_until": valid_until, "status_changed_at": issued_at},
                         data={"source": "seed_demo", "reason": "demo certificate whose validity has ended"})
            certificate_sign_enqueue(certificate=locked, reason="backdate")

    # Output ---------------------------------------------------------------------------------------

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        self.stderr.write(self.style.WARNING(f"warning: {message}"))

    def _report(self) -> None:
        statuses = Counter(Application.objects.values_list("status", flat=True))
        certificates = Counter(Certificate.objects.values_list("status", flat=True))
        created = ", ".join(f"{n} {what}" for what, n in self.created.items() if n) or "nothing (already seeded)"
        self.stdout.write(f"Created: {created}.")
        self.stdout.write("Applications: " + ", ".join(f"{s} {statuses.get(s, 0)}" for s in S.values))
        self.stdout.write("Certificates: " + ", ".join(f"{s} {certificates.get(s, 0)}"
                                                       for s in CertificateStatus.values))
        rows = [(data.ADMIN_EMAIL, "superuser + staff", "")]
        for email, role, _name, _language, vendor_key in data.ACCOUNTS:
            rows.append((email, role, self.vendors[vendor_key].legal_name if vendor_key else ""))
        width = max(len(r[0]) for r in rows)
        role_width = max(len(r[1]) for r in rows)
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {data.DEMO_PASSWORD}; evaluators, certifiers, staff "
                          f"and the admin also need a code from TOTP secret {data.DEMO_TOTP_SECRET}, "
                          "or `manage.py demo_totp EMAIL`)")
        self.stdout.write(f"{'E-mail':<{width}}  {'Role':<{role_width}}  Vendor")
        self.stdout.write(f"{'-' * width}  {'-' * role_width}  {'-' * 40}")
        for email, role, vendor in rows:
            self.stdout.write(f"{email:<{width}}  {role:<{role_width}}  {vendor}")
        if self.warnings:
            self.stdout.write(self.style.WARNING(f"{len(self.warnings)} warning(s); see above."))
