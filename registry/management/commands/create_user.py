"""`manage.py create_user EMAIL --role ROLE ...` (ARCHITECTURE §7).

A command is an entry point like a view, so it may use registry services (vendor_create,
vendor_member_add) even though the accounts app itself sits below the registry.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.choices import Language, Role
from accounts.roles import user_roles
from config.errors import ApplicationError
from registry.models import Vendor
from registry.services import user_create, vendor_create, vendor_member_add, vendor_verify
from registry.validators import validate_tax_code


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _application_error_text(exc: ApplicationError) -> str:
    details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.details.items()
                        if isinstance(msgs, list | tuple))
    return f"{exc.message} {details}".strip()


class Command(BaseCommand):
    help = (
        "Create a user with one role. A vendor user needs --vendor-tax-code; the vendor is created from its tax "
        "code and --vendor-name when it does not exist yet (the rest of its profile is completed later)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--vendor-tax-code", dest="tax_code", default="",
                            help="vendor users: the vendor's tax code (10 digits, or 10-3 for a branch)")
        parser.add_argument("--vendor-name", dest="vendor_name", default="",
                            help="vendor users: legal name, needed only when the vendor does not exist yet")
        parser.add_argument("--password", default=None,
                            help="without it the account cannot sign in with a password until one is set")
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--language", choices=Language.values, default=Language.VI)
        parser.add_argument("--verified", action="store_true",
                            help="vendor users: record the vendor as verified by the operator (audited), so it can "
                                 "submit applications without waiting for staff")

    def handle(self, *args, **options):
        email = options["email"].strip().lower()
        role = options["role"]
        tax_code = (options["tax_code"] or "").strip()
        vendor_name = (options["vendor_name"] or "").strip()
        password = options["password"]

        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not a valid e-mail address.") from exc
        if role == Role.VENDOR and not tax_code:
            raise CommandError("A vendor user needs --vendor-tax-code (the vendor they act for).")
        if role != Role.VENDOR and (tax_code or vendor_name or options["verified"]):
            raise CommandError("--vendor-tax-code, --vendor-name and --verified are only for --role vendor.")
        if tax_code:
            try:
                validate_tax_code(tax_code)
            except ValidationError as exc:
                raise CommandError(f"Invalid tax code {tax_code!r}: {_messages(exc)}") from exc

        User = get_user_model()
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None:
            self._existing(existing, role, tax_code)
            if options["verified"]:
                self._verify(existing.vendor_membership.vendor)
            return

        if password is not None:
            try:
                validate_password(password, User(email=email, full_name=options["name"]))
            except ValidationError as exc:
                raise CommandError(f"Password rejected: {_messages(exc)}") from exc

        vendor = Vendor.objects.filter(tax_code=tax_code).first() if tax_code else None
        if tax_code and vendor is None and not vendor_name:
            raise CommandError(
                f"No vendor has tax code {tax_code}; pass --vendor-name to register it with this user."
            )

        try:
            with transaction.atomic():
                user = user_create(email=email, password=password or None, full_name=options["name"].strip(),
                                   language=options["language"], role=role, data={"source": "create_user"})
                created_vendor = False
                if role == Role.VENDOR:
                    if vendor is None:
                        vendor = vendor_create(actor=None, legal_name=vendor_name, tax_code=tax_code)
                        created_vendor = True
                    vendor_member_add(vendor=vendor, user=user, actor=None)
                    if options["verified"]:
                        self._verify(vendor)
        except ApplicationError as exc:
            raise CommandError(_application_error_text(exc)) from exc

        if vendor is not None:
            if not created_vendor and vendor_name and vendor_name != vendor.legal_name:
                self.stdout.write(f"Vendor {tax_code} already exists as {vendor.legal_name!r}; --vendor-name ignored.")
            what = "registered new vendor" if created_vendor else "member of vendor"
            self.stdout.write(f"{what}: {vendor.legal_name} (tax code {vendor.tax_code})")
        if password is None:
            self.stdout.write("No password set: the account cannot sign in with a password until one is set "
                              "(password reset, or `manage.py changepassword`).")
        self.stdout.write(self.style.SUCCESS(f"Created {role} user {user.email}."))

    def _verify(self, vendor) -> None:
        if vendor.verified_at is not None:
            self.stdout.write(f"Vendor {vendor.tax_code} was already verified on {vendor.verified_at:%Y-%m-%d}.")
            return
        vendor_verify(vendor=vendor, actor=None, operator="create_user --verified")
        self.stdout.write(f"Vendor {vendor.tax_code} recorded as verified by the operator.")

    def _existing(self, user, role: str, tax_code: str) -> None:
        """Re-running with the same role is fine and changes nothing; anything else is an error."""
        roles = sorted(user_roles(user))
        if role not in roles:
            raise CommandError(
                f"User {user.email} already exists with role(s) {', '.join(roles) or 'none'}; "
                f"not adding {role}. Change roles in the admin."
            )
        if role == Role.VENDOR:
            membership = getattr(user, "vendor_membership", None)
            if membership is None or membership.vendor.tax_code != tax_code:
                current = membership.vendor.tax_code if membership else "no vendor"
                raise CommandError(
                    f"User {user.email} already exists as a vendor user of {current}, not of {tax_code}."
                )
        self.stdout.write(f"User {user.email} already exists with role {role}; nothing changed.")
