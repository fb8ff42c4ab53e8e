"""Writes to the published record. Every state change writes its event row and audit entry in the
same transaction, and its side effects (notifications, PDF rendering) as outbox rows in it too."""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_label
from accounts.choices import Role
from accounts.roles import user_has_role, user_role_add
from config.errors import ApplicationError, GuardFailed, PermissionDeniedError, TransitionNotAllowed
from registry.choices import Category, CertificateAction, CertificateStatus, Level
from registry.models import (
    Certificate,
    CertificateEvent,
    Product,
    ProductVersion,
    Scheme,
    SerialCounter,
    Vendor,
    VendorMembership,
)
from registry.text import fold
from trust.emails import email_enqueue
from trust.outbox import outbox_enqueue
from trust.services import audit_append

VENDOR_FIELDS = ["legal_name", "name_en", "tax_code", "province", "address", "website", "security_contact_email"]
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


def vendor_update(*, vendor: Vendor, actor, allow_tax_code: bool = False, **fields) -> Vendor:
    """Edit a vendor's profile. The tax code identifies the company, so only callers acting for the
    certification body (the admin) pass allow_tax_code=True; for anyone else a changed tax code is refused."""
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        before = snapshot(vendor, VENDOR_FIELDS)
        for name, value in fields.items():
            if name not in VENDOR_FIELDS:
                raise ApplicationError(_("Unknown field: %(name)s") % {"name": name})
            if name == "tax_code" and not allow_tax_code and (value or "").strip() != vendor.tax_code:
                message = _("The tax code cannot be changed here. Ask the certification body to correct it.")
                raise ApplicationError(message, code="tax_code_locked", details={"tax_code": [str(message)]})
            setattr(vendor, name, value)
        _full_clean(vendor)
        vendor.save()
        audit_append(actor=actor, action="vendor.update", obj=vendor, before=before, after=snapshot(vendor, VENDOR_FIELDS))
        _products_reindex(vendor=vendor)
    return vendor


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
    vendor = product.vendor
    parts = [product.name, product.name_en, vendor.legal_name, vendor.name_en, vendor.tax_code,
             product.description_vi, product.description_en]
    return fold(" ".join(p for p in parts if p))


def _products_reindex(*, vendor: Vendor) -> None:
    """The vendor's names are part of each product's search document."""
    products = list(vendor.products.all())
    for product in products:
        product.vendor = vendor
        product.search_document = _search_document(product)
    Product.objects.bulk_update(products, ["search_document"], batch_size=500)


def product_create(*, vendor: Vendor, actor, name: str, category: str, **fields) -> Product:
    """Create a product under the given vendor (callers pass the caller's own vendor, never a client's)."""
    if category not in Category.values:
        raise ApplicationError(_("Unknown product category."), code="invalid", details={"category": [category]})
    product = Product(vendor=vendor, name=name.strip(), category=category, **fields)
    product.made_in_vietnam = product.mvn_attested()
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
        product.made_in_vietnam = product.mvn_attested()
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


CERTIFICATE_FIELDS = ["serial", "status", "status_reason", "level", "issued_at", "valid_until"]


def certificate_issue(
    *, product_version: ProductVersion, scheme: Scheme, level: str, actor, issued_at: datetime.datetime | None = None,
    data: dict | None = None,
) -> Certificate:
    """Issue a certificate; must be called inside the transaction of the decision that grants it."""
    if level not in Level.values:
        raise ApplicationError(_("Unknown level."), code="invalid")
    issued_at = issued_at or timezone.now()
    product = product_version.product
    certificate = Certificate.objects.create(
        serial=_serial_next(issued_at.year),
        vendor_id=product.vendor_id,
        product=product,
        product_version=product_version,
        scheme=scheme,
        level=level,
        status=CertificateStatus.ACTIVE,
        issued_at=issued_at,
        valid_until=issued_at + relativedelta(months=scheme.validity_months),
        status_changed_at=issued_at,
    )
    CertificateEvent.objects.create(
        certificate=certificate, action=CertificateAction.ISSUE, from_status="", to_status=certificate.status,
        actor=actor, actor_repr=actor_label(actor), data=data or {},
    )
    audit_append(actor=actor, action="certificate.issue", obj=certificate,
                 after=snapshot(certificate, CERTIFICATE_FIELDS), data=data or {})
    certificate_render_enqueue(certificate=certificate, reason="issue")
    return certificate


def certificate_render_enqueue(*, certificate: Certificate, reason: str) -> None:
    """(Re-)render the certificate's PDF through the outbox; call inside the transaction of the change."""
    outbox_enqueue(kind="certificate.render_pdf", key=f"certificate.render_pdf:{certificate.pk}:{reason}",
                   payload={"certificate_id": certificate.pk}, obj=certificate, summary=certificate.serial)


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
    if not user_has_role(actor, Role.STAFF):
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
    elif not user_has_role(actor, Role.STAFF):
        raise PermissionDeniedError(_("Only certification body staff may change a certificate's status."))
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
        audit_append(actor=actor, action=f"certificate.{action}", obj=certificate, before=before,
                     after=snapshot(certificate, CERTIFICATE_FIELDS))
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

def _registration_conflicts(*, email: str, tax_code: str) -> tuple[str | None, dict]:
    """The first conflict's code and field errors for an e-mail or tax code already in use."""

    code, details = None, {}
    if email and get_user_model().objects.filter(email__iexact=email).exists():
        code = "email_taken"
        details["email"] = [str(_("An account with this e-mail address already exists. Sign in instead."))]
    if tax_code and Vendor.objects.filter(tax_code=tax_code).exists():
        code = code or "tax_code_taken"
        # Never attach a stranger to an existing company: its members or the certification body decide.
        details["tax_code"] = [str(_(
            "A company with this tax code is already registered. Ask the certification body to add you "
            "to your company's account."
        ))]
    return code, details


def user_create(*, email: str, password: str | None, full_name: str = "", language: str = "vi",
                role: str | None = None, actor=None, superuser: bool = False, data: dict | None = None):
    """Create an account with its role and the `user.create` audit entry (inside the caller's
    transaction when there is one). Staff also get the admin site; a superuser gets everything."""
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
        audit_append(actor=actor, action="user.create", obj=user,
                     after={"email": user.email, "roles": [role] if role else [], "is_staff": user.is_staff,
                            "is_superuser": user.is_superuser}, data=data or {})
    return user


def vendor_register(
    *, email: str, password: str, full_name: str, language: str, legal_name: str, tax_code: str,
    province: str = "", name_en: str = "", address: str = "", website: str = "", security_contact_email: str = "",
):
    """Self-registration of a new vendor: the user, their vendor role, the (unverified) vendor and the
    membership, in one transaction. Every problem is reported per field and nothing is created; an
    existing tax code is refused, never joined, because only the company or staff may add members."""
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
    code, details = _registration_conflicts(email=email, tax_code=tax_code)
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
                               code=code or "invalid", details=details)
    try:
        with transaction.atomic():
            user = user_create(email=email, password=password, full_name=user.full_name, language=language,
                               role=Role.VENDOR, data={"source": "registration"})
            vendor.save()
            VendorMembership.objects.create(user=user, vendor=vendor)
            audit_append(actor=user, action="vendor.register", obj=vendor,
                         after=snapshot(vendor, VENDOR_FIELDS), data={"user": user.email})
    except IntegrityError as exc:
        # Someone registered the same e-mail or tax code between the checks and the insert.
        code, details = _registration_conflicts(email=email, tax_code=tax_code)
        raise ApplicationError(_("The registration could not be accepted; see the marked fields."),
                               code=code or "invalid", details=details) from exc
    return user


def vendor_verify(*, vendor: Vendor, actor) -> Vendor:
    """Staff confirm that a self-registered vendor is the company it claims to be; its members are told
    by e-mail after the commit. Verifying twice is refused, so the first verification date stands."""
    if not user_has_role(actor, Role.STAFF):
        raise PermissionDeniedError(_("Only certification body staff may verify a vendor."))
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if vendor.verified_at is not None:
            raise TransitionNotAllowed(_("This vendor is already verified."),
                                       details={"verified_at": vendor.verified_at.isoformat()})
        vendor.verified_at = timezone.now()
        vendor.save(update_fields=["verified_at", "updated_at"])
        audit_append(actor=actor, action="vendor.verify", obj=vendor, before={"verified_at": None},
                     after={"verified_at": vendor.verified_at})
        vendor_notify_verified(vendor=vendor)
    return vendor


def vendor_notify_verified(*, vendor: Vendor) -> None:
    """Tell the vendor's members; one outbox row each, inside the transaction of the verification."""
    user_ids = list(VendorMembership.objects.filter(vendor_id=vendor.pk).values_list("user_id", flat=True))
    context = {"legal_name": vendor.legal_name, "tax_code": vendor.tax_code}
    email_enqueue(template="vendor_verified", context=context, key=f"vendor_verified:vendor={vendor.pk}",
                  user_ids=user_ids, obj=vendor)
