"""Writes to the published record. Every state change writes its event row and audit entry in the
same transaction, and its side effects (notifications, PDF rendering) as outbox rows in it too."""

import datetime
import hashlib
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_label
from accounts.choices import Role, TokenRevocation
from accounts.roles import user_has_role, user_role_add
from config.errors import (
    ApplicationError,
    GuardFailed,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from registry.access import certificate_access, product_access, vendor_access
from registry.choices import Category, CertificateAction, CertificateStatus, Level, ReviewStatus
from registry.models import (
    Certificate,
    CertificateEvent,
    CertificateReminder,
    CertificateVersion,
    MvnAttestation,
    Product,
    ProductVersion,
    Scheme,
    SerialCounter,
    Vendor,
    VendorChangeRequest,
    VendorMembership,
)
from registry.watch import watch_events_record
from trust.emails import email_enqueue
from trust.outbox import outbox_enqueue
from trust.services import audit_append

VENDOR_FIELDS = ["legal_name", "name_en", "tax_code", "province", "address", "website", "security_contact_email",
                 "publish_evaluations"]
PRODUCT_FIELDS = [
    "name", "name_en", "category", "description_vi", "description_en",
    "mvn_researched", "mvn_developed", "mvn_produced", "mvn_source_owner",
]


def snapshot(obj, fields: list[str]) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ApplicationError(
            _("The data is not valid."), code="invalid", details=exc.message_dict
        ) from exc


# Vendors ---------------------------------------------------------------------------------------

def vendor_create(*, actor, legal_name: str, tax_code: str, **fields) -> Vendor:
    """Register a vendor by tax code; the rest of the profile may follow later."""
    vendor = Vendor(legal_name=legal_name.strip(), tax_code=tax_code.strip(), **fields)
    _full_clean(vendor)
    with transaction.atomic():
        vendor.save()
        audit_append(actor=actor, action="vendor.create", obj=vendor, after=snapshot(vendor, VENDOR_FIELDS))
    return vendor


def vendor_update(*, vendor: Vendor, actor, **fields) -> Vendor:
    """Edit a vendor's profile. The tax code identifies the company and, once staff verified it, so does
    the legal name: those change only through a change request staff approve (vendor_change_request_*)."""
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        before = snapshot(vendor, VENDOR_FIELDS)
        for name, value in fields.items():
            if name not in VENDOR_FIELDS:
                raise ApplicationError(_("Unknown field: %(name)s") % {"name": name})
            if name in _identity_fields_locked(vendor) and (value or "").strip() != getattr(vendor, name):
                message = _("This is part of the company's verified identity: ask for the change with a change "
                            "request, which the certification body reviews.")
                code = "tax_code_locked" if name == "tax_code" else "change_request_required"
                raise ApplicationError(message, code=code, details={name: [str(message)]})
            setattr(vendor, name, value)
        _full_clean(vendor)
        vendor.save()
        audit_append(actor=actor, action="vendor.update", obj=vendor, before=before, after=snapshot(vendor, VENDOR_FIELDS))
        _products_reindex(vendor=vendor)
    return vendor


def _identity_fields_locked(vendor: Vendor) -> set[str]:
    """The tax code is never edited in place; the legal name neither once the vendor is verified."""
    return {"tax_code", "legal_name"} if vendor.verified_at else {"tax_code"}


def vendor_member_add(*, vendor: Vendor, user, actor) -> VendorMembership:
    with transaction.atomic():
        membership, created = VendorMembership.objects.get_or_create(user=user, defaults={"vendor": vendor})
        if not created and membership.vendor_id != vendor.pk:
            raise ApplicationError(_("This user already belongs to another vendor."), code="already_member")
        if created:
            audit_append(actor=actor, action="vendor.member_add", obj=vendor, data={"user": user.email})
    return membership


# Products --------------------------------------------------------------------------------------

def _search_document(product: Product) -> str:
    """What the search box looks in: the names, the vendor's names and tax code (registry.search). Also sets
    the folded names used to rank exact and prefix matches first."""
    from registry.search import document, name_key

    vendor = product.vendor
    product.search_name = name_key(product.name)[:200]
    product.search_name_en = name_key(product.name_en)[:200]
    return document(product.name, product.name_en, vendor.legal_name, vendor.name_en, vendor.tax_code)


def _products_reindex(*, vendor: Vendor) -> None:
    """The vendor's names are part of each product's search document."""
    from registry.caching import public_cache_bump

    products = list(vendor.products.all())
    for product in products:
        product.vendor = vendor
        product.search_document = _search_document(product)
    Product.objects.bulk_update(products, ["search_document", "search_name", "search_name_en"], batch_size=500)
    public_cache_bump()


def product_create(*, vendor: Vendor, actor, name: str, category: str, **fields) -> Product:
    """Create a product under the given vendor (callers pass the caller's own vendor, never a client's)."""
    if category not in Category.values:
        raise ApplicationError(_("Unknown product category."), code="invalid", details={"category": [category]})
    product = Product(vendor=vendor, name=name.strip(), category=category, **fields)
    _full_clean(product, exclude=["vendor"])
    product.search_document = _search_document(product)
    with transaction.atomic():
        try:
            with transaction.atomic():
                product.save()
        except IntegrityError as exc:
            raise ApplicationError(
                _("This vendor already has a product with that name."), code="duplicate"
            ) from exc
        audit_append(actor=actor, action="product.create", obj=product, after=snapshot(product, PRODUCT_FIELDS))
    return product


def product_update(*, product: Product, actor, **fields) -> Product:
    with transaction.atomic():
        product = Product.objects.select_for_update().select_related("vendor").get(pk=product.pk)
        before = snapshot(product, PRODUCT_FIELDS)
        for name, value in fields.items():
            if name not in PRODUCT_FIELDS:
                raise ApplicationError(_("Unknown field: %(name)s") % {"name": name})
            setattr(product, name, value)
        _full_clean(product, exclude=["vendor"])
        product.search_document = _search_document(product)
        product.save()
        audit_append(actor=actor, action="product.update", obj=product, before=before,
                     after=snapshot(product, PRODUCT_FIELDS))
    return product


def product_version_create(*, product: Product, actor, version: str, **fields) -> ProductVersion:
    pv = ProductVersion(product=product, version=version.strip(), **fields)
    _full_clean(pv, exclude=["product"])
    with transaction.atomic():
        try:
            with transaction.atomic():
                pv.save()
        except IntegrityError as exc:
            raise ApplicationError(_("This product already has that version."), code="duplicate") from exc
        audit_append(actor=actor, action="product_version.create", obj=pv,
                     after={"product": product.pk, "version": pv.version})
    return pv


# Certificates ----------------------------------------------------------------------------------

def _serial_next(year: int) -> str:
    counter, _ = SerialCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"VN-CSP-{year}-{counter.last:05d}"


CERTIFICATE_FIELDS = ["serial", "status", "status_reason", "level", "issued_at", "valid_until", "status_changed_at",
                      "vendor_legal_name", "vendor_tax_code", "sbom_sha256"]


def certificate_sign_enqueue(*, certificate: Certificate, reason: str) -> None:
    """Sign the certificate's record as it stands after this change (signing queue), through the outbox;
    the status list and the PDF follow. Call inside the transaction of the change."""
    outbox_enqueue(kind="certificate.sign", key=f"certificate.sign:{certificate.pk}:{reason}",
                   payload={"certificate_id": certificate.pk}, obj=certificate, summary=certificate.serial)


def certificate_issue(
    *, product_version: ProductVersion, scheme: Scheme, level: str, actor, issued_at: datetime.datetime | None = None,
    data: dict | None = None, sbom_sha256: str = "",
) -> Certificate:
    """Issue a certificate; must be called inside the transaction of the decision that grants it."""
    if level not in Level.values:
        raise ApplicationError(_("Unknown level."), code="invalid")
    issued_at = issued_at or timezone.now()
    product = product_version.product
    certificate = Certificate.objects.create(
        serial=_serial_next(issued_at.year),
        vendor_id=product.vendor_id,
        vendor_legal_name=product.vendor.legal_name,
        vendor_tax_code=product.vendor.tax_code,
        product=product,
        product_version=product_version,
        scheme=scheme,
        level=level,
        status=CertificateStatus.ACTIVE,
        issued_at=issued_at,
        valid_until=issued_at + relativedelta(months=scheme.validity_months),
        status_changed_at=issued_at,
        sbom_sha256=sbom_sha256,
    )
    CertificateVersion.objects.create(certificate=certificate, product_version=product_version,
                                      sbom_sha256=sbom_sha256, added_at=issued_at, data=data or {})
    event = CertificateEvent.objects.create(
        certificate=certificate, action=CertificateAction.ISSUE, from_status="", to_status=certificate.status,
        actor=actor, actor_repr=actor_label(actor), data=data or {},
    )
    Product.objects.filter(pk=product.pk, listed=False).update(listed=True)
    watch_events_record(certificate=certificate, event=event)
    audit_append(actor=actor, action="certificate.issue", obj=certificate,
                 after=snapshot(certificate, CERTIFICATE_FIELDS),
                 data={**(data or {}), "version": product_version.version})
    certificate_sign_enqueue(certificate=certificate, reason="issue")
    return certificate


def certificate_renew(*, certificate: Certificate, actor, data: dict | None = None) -> Certificate:
    """A renewal evaluation was certified: the certificate continues with a new validity period from now
    (an expired one becomes active again). Called inside the transaction of the decision."""
    certificate = Certificate.objects.select_for_update().select_related("scheme").get(pk=certificate.pk)
    if certificate.status not in (CertificateStatus.ACTIVE, CertificateStatus.EXPIRED):
        raise TransitionNotAllowed(
            _("A certificate that is %(status)s cannot be renewed.") % {"status": certificate.get_status_display()},
            details={"status": certificate.status})
    before = snapshot(certificate, CERTIFICATE_FIELDS)
    now = timezone.now()
    from_status = certificate.status
    certificate.valid_until = now + relativedelta(months=certificate.scheme.validity_months)
    certificate.status, certificate.status_reason, certificate.status_changed_at = CertificateStatus.ACTIVE, "", now
    certificate.save(update_fields=["valid_until", "status", "status_reason", "status_changed_at"])
    event = CertificateEvent.objects.create(
        certificate=certificate, action=CertificateAction.RENEW, from_status=from_status, to_status=certificate.status,
        actor=actor, actor_repr=actor_label(actor), data={**(data or {}), "valid_until": certificate.valid_until.isoformat()})
    watch_events_record(certificate=certificate, event=event)
    audit_append(actor=actor, action="certificate.renew", obj=certificate, before=before,
                 after=snapshot(certificate, CERTIFICATE_FIELDS), data=data or {})
    certificate_sign_enqueue(certificate=certificate, reason=f"event={event.pk}")
    certificate_notify_status_change(certificate=certificate, event=event)
    return certificate


def certificate_maintain(*, certificate: Certificate, product_version: ProductVersion, actor, sbom_sha256: str = "",
                         data: dict | None = None) -> Certificate:
    """A maintenance evaluation was certified: a new version of the product joins the active certificate.
    Called inside the transaction of the decision."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != CertificateStatus.ACTIVE:
        raise TransitionNotAllowed(_("Only an active certificate can take in a new product version."),
                                   details={"status": certificate.status})
    if product_version.product_id != certificate.product_id:
        raise ApplicationError(_("The version belongs to another product."), code="invalid")
    if certificate.covered_versions.filter(product_version=product_version).exists():
        raise TransitionNotAllowed(_("This version is already covered by the certificate."))
    before = snapshot(certificate, CERTIFICATE_FIELDS)
    now = timezone.now()
    CertificateVersion.objects.create(certificate=certificate, product_version=product_version,
                                      sbom_sha256=sbom_sha256, added_at=now, data=data or {})
    if sbom_sha256:
        certificate.sbom_sha256 = sbom_sha256
        certificate.save(update_fields=["sbom_sha256"])
    event = CertificateEvent.objects.create(certificate=certificate, action=CertificateAction.MAINTAIN,
                                    from_status=certificate.status, to_status=certificate.status, actor=actor,
                                    actor_repr=actor_label(actor),
                                    data={**(data or {}), "version": product_version.version})
    watch_events_record(certificate=certificate, event=event)
    audit_append(actor=actor, action="certificate.maintain", obj=certificate, before=before,
                 after=snapshot(certificate, CERTIFICATE_FIELDS),
                 data={**(data or {}), "version": product_version.version})
    certificate_sign_enqueue(certificate=certificate, reason=f"event={event.pk}")
    return certificate


@dataclass(frozen=True)
class CertificateTransition:
    sources: frozenset
    target: str
    needs_reason: bool
    system_only: bool = False


CERTIFICATE_TRANSITIONS: dict[str, CertificateTransition] = {
    CertificateAction.SUSPEND: CertificateTransition(frozenset({CertificateStatus.ACTIVE}), CertificateStatus.SUSPENDED, True),
    CertificateAction.REINSTATE: CertificateTransition(frozenset({CertificateStatus.SUSPENDED}), CertificateStatus.ACTIVE, False),
    CertificateAction.REVOKE: CertificateTransition(
        frozenset({CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED}), CertificateStatus.REVOKED, True
    ),
    CertificateAction.EXPIRE: CertificateTransition(
        frozenset({CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED}), CertificateStatus.EXPIRED, False, True
    ),
}


def certificate_available_actions(*, certificate: Certificate, actor) -> list[str]:
    if not certificate_access(user=actor).may_change_status:
        return []
    return [a for a, t in CERTIFICATE_TRANSITIONS.items() if not t.system_only and certificate.status in t.sources]


def certificate_transition(*, certificate: Certificate, action: str, actor, reason: str = "") -> Certificate:
    """The one place a certificate's status changes: lock, check, save, event, audit, notify."""
    transition = CERTIFICATE_TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(_("Unknown action: %(action)s") % {"action": action}, code="unknown_action")
    if transition.system_only:
        if actor is not None:
            raise PermissionDeniedError(_("Only the scheduler may expire a certificate."))
    else:
        certificate_access(user=actor).require_change()
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ApplicationError(_("A reason is required for this action."), code="reason_required")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status not in transition.sources:
            raise TransitionNotAllowed(
                _("A certificate that is %(status)s cannot be changed with '%(action)s'.")
                % {"status": certificate.get_status_display(), "action": action},
                details={"status": certificate.status, "action": action},
            )
        before = snapshot(certificate, CERTIFICATE_FIELDS)
        from_status = certificate.status
        certificate.status = transition.target
        certificate.status_reason = reason if action != CertificateAction.REINSTATE else ""
        certificate.status_changed_at = timezone.now()
        if action == CertificateAction.REINSTATE:
            certificate.needs_review = False
        certificate.save(update_fields=["status", "status_reason", "status_changed_at", "needs_review"])
        event = CertificateEvent.objects.create(
            certificate=certificate, action=action, from_status=from_status, to_status=certificate.status,
            actor=actor, actor_repr=actor_label(actor), reason=reason,
        )
        watch_events_record(certificate=certificate, event=event)
        audit_append(actor=actor, action=f"certificate.{action}", obj=certificate, before=before,
                     after=snapshot(certificate, CERTIFICATE_FIELDS))
        certificate_sign_enqueue(certificate=certificate, reason=f"event={event.pk}")
        certificate_notify_status_change(certificate=certificate, event=event)
    return certificate


def certificate_notify_status_change(*, certificate: Certificate, event: CertificateEvent) -> None:
    """Tell the vendor's members; one outbox row each, inside the transaction of the change."""
    user_ids = list(VendorMembership.objects.filter(vendor_id=certificate.vendor_id).values_list("user_id", flat=True))
    # Codes, not labels: the template renders labels once per recipient, in that recipient's language.
    context = {"serial": certificate.serial, "product": str(certificate.product_version),
               "status": certificate.status, "reason": certificate.status_reason,
               "action": event.action, "from_status": event.from_status}
    email_enqueue(template="certificate_status", context=context, key=f"certificate_status:event={event.pk}",
                  user_ids=user_ids, obj=certificate)


def certificate_expire_due(*, now: datetime.datetime | None = None) -> int:
    """Expire every active or suspended certificate whose validity has ended."""
    now = now or timezone.now()
    due = Certificate.objects.filter(
        status__in=[CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED], valid_until__lte=now
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        try:
            certificate_transition(certificate=Certificate(pk=pk), action=CertificateAction.EXPIRE, actor=None)
            count += 1
        except (TransitionNotAllowed, GuardFailed):
            continue  # changed meanwhile by someone else
    return count


def certificate_expiry_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the vendor 90, 30 and 7 days before a certificate expires, each at most once per validity
    period (a row per reminder, unique, so two beats never send twice); a certificate found late gets
    only the nearest reminder."""
    now = now or timezone.now()
    days = sorted(settings.EXPIRY_REMINDER_DAYS)
    horizon = now + datetime.timedelta(days=days[-1])
    sent = 0
    due = (Certificate.objects.filter(status=CertificateStatus.ACTIVE, valid_until__gt=now, valid_until__lte=horizon)
           .select_related("product_version__product").order_by("valid_until"))
    for certificate in due:
        remaining = certificate.valid_until - now
        threshold = next(d for d in days if remaining <= datetime.timedelta(days=d))
        with transaction.atomic():
            locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
            if locked.status != CertificateStatus.ACTIVE or locked.valid_until != certificate.valid_until:
                continue
            if locked.reminders.filter(valid_until=locked.valid_until, days__lte=threshold).exists():
                continue
            reminder = CertificateReminder.objects.create(certificate=locked, days=threshold,
                                                          valid_until=locked.valid_until, sent_at=now)
            user_ids = list(VendorMembership.objects.filter(vendor_id=locked.vendor_id)
                            .values_list("user_id", flat=True))
            context = {"serial": locked.serial, "product": str(certificate.product_version),
                       "valid_until": timezone.localtime(locked.valid_until).date().isoformat(),
                       "days": max(0, remaining.days)}
            email_enqueue(template="certificate_expiry_reminder", context=context,
                          key=f"certificate_expiry_reminder:{reminder.pk}", user_ids=user_ids, obj=locked)
            sent += 1
    return sent


def certificate_flag_for_review(*, certificate: Certificate, reason: str, data: dict | None = None) -> None:
    """Flag a certificate for staff review; its status stays as it is until staff act."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        certificate.needs_review = True
        certificate.review_reason = reason
        certificate.save(update_fields=["needs_review", "review_reason"])
        audit_append(actor=None, action="certificate.flag_review", obj=certificate,
                     data={"reason": reason, **(data or {})})


# Vendor self-registration and verification -----------------------------------------------------

def _registration_known(*, email: str, tax_code: str) -> tuple[bool, Vendor | None]:
    """Whether the e-mail already has an account, and the vendor already registered with the tax code."""
    email_known = bool(email) and get_user_model().objects.filter(email__iexact=email).exists()
    vendor = Vendor.objects.filter(tax_code=tax_code).first() if tax_code else None
    return email_known, vendor


def user_create(*, email: str, password: str | None, full_name: str = "", language: str = "vi",
                role: str | None = None, actor=None, superuser: bool = False, data: dict | None = None,
                email_verified: bool = True):
    """Create an account with its role and the `user.create` audit entry (inside the caller's
    transaction when there is one). Staff also get the admin site; a superuser gets everything.
    An account the certification body creates has its address verified; a self-registered one
    (email_verified=False) signs in only after following the link sent to it."""
    user_model = get_user_model()
    with transaction.atomic():
        if superuser:
            user = user_model.objects.create_superuser(email=email, password=password, full_name=full_name,
                                                       preferred_language=language)
        else:
            user = user_model.objects.create_user(email=email, password=password, full_name=full_name,
                                                  preferred_language=language, is_staff=(role == Role.STAFF))
        if role:
            user_role_add(user, role)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
        audit_append(actor=actor, action="user.create", obj=user,
                     after={"email": user.email, "roles": [role] if role else [], "is_staff": user.is_staff,
                            "is_superuser": user.is_superuser}, data=data or {})
    return user


USER_ADMIN_FIELDS = ["email", "full_name", "preferred_language", "is_active", "is_staff"]


def user_admin_update(*, user, actor, **fields):
    """An administrator edits an account's profile or access flags; audited with before and after."""
    if not getattr(actor, "is_superuser", False) and not user_has_role(actor, Role.STAFF):
        raise PermissionDeniedError(_("Only the certification body's administrators edit accounts."))
    user_model = get_user_model()
    with transaction.atomic():
        current = user_model.objects.select_for_update().get(pk=user.pk)
        before = {f: getattr(current, f) for f in USER_ADMIN_FIELDS}
        for name, value in fields.items():
            if name not in USER_ADMIN_FIELDS:
                raise ApplicationError(_("Unknown field: %(name)s") % {"name": name})
            setattr(current, name, value.strip().lower() if name == "email" else value)
        current.save()
        after = {f: getattr(current, f) for f in USER_ADMIN_FIELDS}
        if after != before:
            audit_append(actor=actor, action="user.update", obj=current, before=before, after=after)
    return current


def user_password_set_by_staff(*, user, password: str | None, actor):
    """An administrator sets another account's password (or, with None, turns password sign-in off).

    Audited (never the password itself); the new password ends every API token made under the old one
    (the password validator hook does it for a new password, and here for a disabled one)."""
    from registry.account_services import user_api_tokens_revoke

    if not getattr(actor, "is_superuser", False) and not user_has_role(actor, Role.STAFF):
        raise PermissionDeniedError(_("Only the certification body's administrators edit accounts."))
    user_model = get_user_model()
    with transaction.atomic():
        current = user_model.objects.select_for_update().get(pk=user.pk)
        if password is None:
            current.set_unusable_password()
            current.save(update_fields=["password"])
            user_api_tokens_revoke(user=current, actor=actor, reason=TokenRevocation.PASSWORD_CHANGED)
        else:
            current.set_password(password)
            current.save(update_fields=["password"])
        audit_append(actor=actor, action="user.password_set_by_staff", obj=current,
                     data={"password_sign_in": password is not None})
    return current


def user_roles_set(*, user, roles: list[str], actor):
    """Give an account exactly these roles; the change is audited (who gained or lost which role)."""
    from django.contrib.auth.models import Group

    from accounts.roles import roles_ensure, user_roles

    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ApplicationError(_("Unknown role: %(roles)s") % {"roles": ", ".join(unknown)}, code="invalid")
    with transaction.atomic():
        roles_ensure()
        user._role_cache = None
        before = sorted(user_roles(user))
        user.groups.set(Group.objects.filter(name__in=roles))
        user._role_cache = None
        after = sorted(user_roles(user))
        if after != before:
            audit_append(actor=actor, action="user.roles", obj=user, before={"roles": before}, after={"roles": after})
    return user


@dataclass(frozen=True)
class RegistrationOutcome:
    """What vendor_register did. The page answers the same for every outcome: whether an e-mail or a
    tax code is already known is told only by e-mail, to the people it concerns."""

    user: object | None  # the new account, or None when nothing was created


def vendor_register(
    *, email: str, password: str, full_name: str, language: str, legal_name: str, tax_code: str,
    province: str = "", name_en: str = "", address: str = "", website: str = "", security_contact_email: str = "",
) -> RegistrationOutcome:
    """Self-registration of a new vendor: the user (address not yet verified), their vendor role, the
    (unverified) vendor and the membership, in one transaction. Input that is wrong in itself is
    reported per field and nothing is created.

    An e-mail that already has an account, or a tax code already registered, creates nothing and is
    not reported to the caller (that would tell anyone who is registered): the address's owner is
    told by e-mail that they already have an account; for a known company, the registrant is told
    to ask its members or the certification body, and the company's members are told of the attempt."""
    from django.contrib.auth.password_validation import validate_password

    from accounts.choices import Language

    user_model = get_user_model()
    email = (email or "").strip().lower()
    tax_code = (tax_code or "").strip()
    user = user_model(email=email, full_name=(full_name or "").strip(), preferred_language=language)
    vendor = Vendor(
        legal_name=(legal_name or "").strip(), name_en=(name_en or "").strip(), tax_code=tax_code,
        province=province or "", address=(address or "").strip(), website=(website or "").strip(),
        security_contact_email=(security_contact_email or "").strip(),
    )
    details: dict = {}
    if language not in Language.values:
        details.setdefault("language", []).append(str(_("Choose Vietnamese or English.")))
    try:
        user.full_clean(exclude=["password", "preferred_language"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            details.setdefault(field, []).extend(messages)
    try:
        vendor.full_clean(validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            details.setdefault(field, []).extend(messages)
    try:
        # The unsaved user lets the similarity validator compare the password with the e-mail and name.
        validate_password(password or "", user=user)
    except ValidationError as exc:
        details.setdefault("password", []).extend(exc.messages)
    if details:
        raise ApplicationError(_("The registration could not be accepted; see the marked fields."),
                               code="invalid", details=details)
    email_known, known_vendor = _registration_known(email=email, tax_code=tax_code)
    if email_known or known_vendor is not None:
        make_password(password)  # the same work as a registration, so the answer takes as long
        _registration_known_notify(email=email, email_known=email_known, vendor=known_vendor, language=language)
        return RegistrationOutcome(user=None)
    try:
        with transaction.atomic():
            user = user_create(email=email, password=password, full_name=user.full_name, language=language,
                               role=Role.VENDOR, data={"source": "registration"}, email_verified=False)
            vendor.save()
            VendorMembership.objects.create(user=user, vendor=vendor)
            audit_append(actor=user, action="vendor.register", obj=vendor,
                         after=snapshot(vendor, VENDOR_FIELDS), data={"user": user.email})
    except IntegrityError:
        # Someone registered the same e-mail or tax code between the checks and the insert.
        email_known, known_vendor = _registration_known(email=email, tax_code=tax_code)
        _registration_known_notify(email=email, email_known=email_known, vendor=known_vendor, language=language)
        return RegistrationOutcome(user=None)
    return RegistrationOutcome(user=user)


def _registration_known_notify(*, email: str, email_known: bool, vendor: Vendor | None, language: str) -> None:
    """Tell the people concerned by a registration that could not go ahead (through the outbox)."""
    messages = []
    if email_known:
        owner_id = get_user_model().objects.get(email__iexact=email).pk
        messages.append(([owner_id], [], "registration_email_known", {}))
    elif vendor is not None:
        messages.append(([], [email], "registration_tax_code_known",
                         {"legal_name": vendor.legal_name, "tax_code": vendor.tax_code}))
    if vendor is not None:
        member_ids = list(VendorMembership.objects.filter(vendor=vendor, user__is_active=True)
                          .exclude(user__email__iexact=email).values_list("user_id", flat=True))
        if member_ids:
            messages.append((member_ids, [], "registration_vendor_attempt",
                             {"legal_name": vendor.legal_name, "tax_code": vendor.tax_code, "email": email}))
    for user_ids, addresses, template, context in messages:
        digest = hashlib.sha256(f"{email}|{vendor.pk if vendor else ''}".encode()).hexdigest()[:16]
        email_enqueue(template=template, context=context, key=f"{template}:{digest}:{timezone.now().isoformat()}",
                      user_ids=user_ids, addresses=addresses, obj=vendor, language=language)


def vendor_verify(*, vendor: Vendor, actor, operator: str = "") -> Vendor:
    """Staff confirm that a self-registered vendor is the company it claims to be; its members are told
    by e-mail after the commit. Verifying twice is refused, so the first verification date stands.

    `operator` names an operator's command (create_user --verified) acting instead of a staff member.
    """
    if not operator:
        vendor_access(user=actor, vendor_id=vendor.pk).require_staff(_("Only certification body staff may verify a vendor."))
    by = actor_label(actor) if not operator else f"operator:{operator}"
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if vendor.verified_at is not None:
            raise TransitionNotAllowed(_("This vendor is already verified."),
                                       details={"verified_at": vendor.verified_at.isoformat()})
        vendor.verified_at = timezone.now()
        vendor.verified_by = actor if getattr(actor, "pk", None) else None
        vendor.verified_by_repr = by
        vendor.save(update_fields=["verified_at", "verified_by", "verified_by_repr", "updated_at"])
        audit_append(actor=actor if not operator else by, action="vendor.verify", obj=vendor,
                     before={"verified_at": None}, after={"verified_at": vendor.verified_at, "verified_by": by})
        vendor_notify_verified(vendor=vendor)
    return vendor


def vendor_notify_verified(*, vendor: Vendor) -> None:
    """Tell the vendor's members; one outbox row each, inside the transaction of the verification."""
    user_ids = list(VendorMembership.objects.filter(vendor_id=vendor.pk).values_list("user_id", flat=True))
    context = {"legal_name": vendor.legal_name, "tax_code": vendor.tax_code}
    email_enqueue(template="vendor_verified", context=context, key=f"vendor_verified:vendor={vendor.pk}",
                  user_ids=user_ids, obj=vendor)


# Vendor identity changes --------------------------------------------------------------------------

def vendor_change_request_create(*, vendor: Vendor, actor, reason: str, legal_name: str = "",
                                 tax_code: str = "") -> VendorChangeRequest:
    """A vendor's member asks to change the company's legal name or tax code (a renamed or re-registered
    company); nothing changes until staff approve. One request waits at a time."""
    vendor_access(user=actor, vendor_id=vendor.pk).require_member()
    legal_name, tax_code, reason = (legal_name or "").strip(), (tax_code or "").strip(), (reason or "").strip()
    details = {}
    if not reason:
        details["reason"] = [str(_("Say why the company's identity changes (e.g. the registration certificate)."))]
    if legal_name == vendor.legal_name:
        legal_name = ""
    if tax_code == vendor.tax_code:
        tax_code = ""
    if not legal_name and not tax_code:
        details["legal_name"] = [str(_("Give the new legal name, the new tax code, or both."))]
    request = VendorChangeRequest(vendor=vendor, legal_name=legal_name, tax_code=tax_code, reason=reason,
                                  requested_by=actor, requested_by_repr=actor_label(actor),
                                  previous={"legal_name": vendor.legal_name, "tax_code": vendor.tax_code})
    if tax_code:
        try:
            request.full_clean(exclude=["vendor", "requested_by", "decided_by", "reason", "legal_name"])
        except ValidationError as exc:
            details.update(exc.message_dict)
        if Vendor.objects.filter(tax_code=tax_code).exclude(pk=vendor.pk).exists():
            details["tax_code"] = [str(_("Another company is registered with this tax code."))]
    if details:
        raise ApplicationError(_("The change request could not be accepted; see the marked fields."),
                               code="invalid", details=details)
    with transaction.atomic():
        Vendor.objects.select_for_update().get(pk=vendor.pk)
        if vendor.change_requests.filter(status=ReviewStatus.PENDING).exists():
            raise TransitionNotAllowed(_("A change request for this company is already waiting for review."))
        request.save()
        audit_append(actor=actor, action="vendor.change_request", obj=vendor,
                     after={"legal_name": legal_name, "tax_code": tax_code}, data={"request": request.pk,
                                                                                    "reason": reason})
    return request


def vendor_change_request_decide(*, change_request: VendorChangeRequest, actor, approve: bool,
                                 note: str = "") -> VendorChangeRequest:
    """Staff approve (the vendor's identity changes; certificates already issued keep theirs) or reject."""
    vendor_access(user=actor, vendor_id=change_request.vendor_id).require_staff(
        _("Only certification body staff decide on change requests."))
    note = (note or "").strip()
    if not approve and not note:
        raise ApplicationError(_("Say why the change is refused."), code="invalid",
                               details={"note": [str(_("Required to reject."))]})
    with transaction.atomic():
        request = VendorChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if request.status != ReviewStatus.PENDING:
            raise TransitionNotAllowed(_("This change request has already been decided."))
        vendor = Vendor.objects.select_for_update().get(pk=request.vendor_id)
        before = snapshot(vendor, VENDOR_FIELDS)
        if approve:
            if request.legal_name:
                vendor.legal_name = request.legal_name
            if request.tax_code:
                if Vendor.objects.filter(tax_code=request.tax_code).exclude(pk=vendor.pk).exists():
                    raise GuardFailed(_("Another company is registered with this tax code."))
                vendor.tax_code = request.tax_code
            _full_clean(vendor)
            vendor.save()
            _products_reindex(vendor=vendor)
        request.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        request.decided_by, request.decided_by_repr = actor, actor_label(actor)
        request.decided_at, request.decision_note = timezone.now(), note
        request.save()
        audit_append(actor=actor, action=f"vendor.change_request.{request.status}", obj=vendor, before=before,
                     after=snapshot(vendor, VENDOR_FIELDS), data={"request": request.pk, "note": note})
    return request


# Make in Viet Nam ----------------------------------------------------------------------------------

MVN_CLAIMS = ["researched", "developed", "produced", "source_owner"]


def mvn_attestation_submit(*, product: Product, actor, researched: bool, developed: bool, produced: bool,
                           source_owner: bool, statement: str, file) -> MvnAttestation:
    """A vendor's member attests a product's Make in Viet Nam claims with evidence (a PDF, DOCX or ODT:
    a registration, a source-code ownership record...); the mark waits for staff review."""
    from config.uploads import DOCUMENT_TYPES, upload_inspect

    product_access(user=actor, vendor_id=product.vendor_id).require_owner()
    statement = (statement or "").strip()
    if not statement:
        raise ApplicationError(_("Describe how the product was researched, developed and produced in Viet Nam."),
                               code="invalid", details={"statement": [str(_("Required."))]})
    upload = upload_inspect(file, allowed_types=DOCUMENT_TYPES, accepted_as=str(_("evidence")),
                            default_name="evidence")
    claims = {"researched": bool(researched), "developed": bool(developed), "produced": bool(produced),
              "source_owner": bool(source_owner)}
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.mvn_attestations.filter(status=ReviewStatus.PENDING).exists():
            raise TransitionNotAllowed(_("An attestation for this product is already waiting for review."))
        attestation = MvnAttestation(product=product, statement=statement, evidence_name=upload.name,
                                     evidence_sha256=upload.sha256, evidence_size=upload.size,
                                     evidence_content_type=upload.content_type, submitted_by=actor,
                                     submitted_by_repr=actor_label(actor), **claims)
        attestation.evidence.save(upload.sha256, File(file), save=False)
        attestation.save()
        audit_append(actor=actor, action="mvn.attest", obj=product, after=claims,
                     data={"attestation": attestation.pk, "evidence_sha256": upload.sha256})
    return attestation


def mvn_attestation_review(*, attestation: MvnAttestation, actor, approve: bool, note: str = "") -> MvnAttestation:
    """Staff review an attestation and its evidence. Approved with all four claims, the product carries the
    mark; rejected (with a reason), it does not. Who reviewed, when and why stay on record."""
    if not product_access(user=actor, vendor_id=attestation.product.vendor_id).may_review_mvn:
        raise PermissionDeniedError(_("Only certification body staff review Make in Viet Nam attestations."))
    note = (note or "").strip()
    if not approve and not note:
        raise ApplicationError(_("Say why the attestation is refused."), code="invalid",
                               details={"note": [str(_("Required to reject."))]})
    with transaction.atomic():
        attestation = MvnAttestation.objects.select_for_update().get(pk=attestation.pk)
        if attestation.status != ReviewStatus.PENDING:
            raise TransitionNotAllowed(_("This attestation has already been reviewed."))
        product = Product.objects.select_for_update().get(pk=attestation.product_id)
        before = {"made_in_vietnam": product.made_in_vietnam}
        attestation.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        attestation.reviewed_by, attestation.reviewed_by_repr = actor, actor_label(actor)
        attestation.reviewed_at, attestation.review_note = timezone.now(), note
        attestation.save()
        if approve:
            for claim in MVN_CLAIMS:
                setattr(product, f"mvn_{claim}", getattr(attestation, claim))
        product.made_in_vietnam = approve and attestation.all_claims()
        product.save(update_fields=[*(f"mvn_{c}" for c in MVN_CLAIMS), "made_in_vietnam", "updated_at"])
        audit_append(actor=actor, action=f"mvn.{attestation.status}", obj=product, before=before,
                     after={"made_in_vietnam": product.made_in_vietnam},
                     data={"attestation": attestation.pk, "note": note})
    return attestation
