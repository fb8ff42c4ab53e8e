"""Factories for tests: real rows through the ORM, services used where a rule applies."""


import factory
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.mfa import user_mfa_required, user_totp_activate
from accounts.models import User
from accounts.roles import user_role_add
from registry.choices import Category, RequirementMethod
from registry.models import Product, ProductVersion, Requirement, Scheme, Vendor, VendorMembership

TEST_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

def pdf_bytes(*objects: bytes) -> bytes:
    """A PDF of the given objects (object 1 the catalogue) with a correct cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


# A real one-page PDF: uploads sniffed as PDF must parse as one (config/documents.py).
PDF_BYTES = pdf_bytes(
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.vn")
    full_name = factory.Faker("name", locale="vi_VN")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            user_role_add(self, extracted)
        self.save()
        EmailAddress.objects.get_or_create(user=self, email=self.email, defaults={"primary": True, "verified": True})

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        """Roles that must use TOTP get it (secret TEST_TOTP_SECRET) unless mfa=False is passed."""
        if extracted is not False and user_mfa_required(self):
            user_totp_activate(user=self, secret=TEST_TOTP_SECRET)


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    legal_name = factory.Sequence(lambda n: f"Công ty Cổ phần An ninh mạng Số {n}")
    name_en = factory.Sequence(lambda n: f"Cyber Security JSC No. {n}")
    tax_code = factory.Sequence(lambda n: f"{100000000 + n:010d}")
    province = "01"
    security_contact_email = factory.Sequence(lambda n: f"security{n}@vendor.vn")
    # Verified by staff unless a test says otherwise: only verified vendors submit applications.
    verified_at = factory.LazyFunction(timezone.now)


def vendor_user(vendor=None, **kwargs) -> User:
    vendor = vendor or VendorFactory()
    user = UserFactory(role="vendor", **kwargs)
    VendorMembership.objects.create(user=user, vendor=vendor)
    return user


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"Tường lửa Bảo mật {n}")
    name_en = factory.Sequence(lambda n: f"Secure Firewall {n}")
    category = Category.FIREWALL
    description_vi = "Tường lửa thế hệ mới bảo vệ mạng doanh nghiệp."
    description_en = "Next-generation firewall protecting enterprise networks."

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        from registry.services import _search_document

        self.made_in_vietnam = self.mvn_attested()
        self.search_document = _search_document(self)
        if create:
            self.save(update_fields=["search_document", "made_in_vietnam"])


class ProductVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVersion

    product = factory.SubFactory(ProductFactory)
    version = factory.Sequence(lambda n: f"1.{n}.0")


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme

    code = factory.Sequence(lambda n: f"test-fw-{n}")
    version = "1.0"
    name_vi = "Yêu cầu kỹ thuật cơ bản đối với tường lửa"
    name_en = "Basic technical requirements for firewalls"
    category = Category.FIREWALL
    validity_months = 36
    thresholds = {"basic": 60, "substantial": 75, "high": 90}
    required_documents = {"basic": ["user_guide"], "substantial": ["user_guide", "admin_guide"],
                          "high": ["user_guide", "admin_guide", "security_target"]}


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    scheme = factory.SubFactory(SchemeFactory)
    code = factory.Sequence(lambda n: f"REQ-{n:03d}")
    group = "protection"
    title_vi = "Chặn lưu lượng theo chính sách"
    title_en = "Blocks traffic by policy"
    mandatory = True
    weight = 1
    method = RequirementMethod.MANUAL
    levels = ["basic", "substantial", "high"]


def scheme_with_requirements(**kwargs) -> Scheme:
    """A small scheme: two manual cases, one optional document case, and both implemented checks."""
    scheme = SchemeFactory(**kwargs)
    RequirementFactory(scheme=scheme, code="FW-01", group="protection", order=1)
    RequirementFactory(scheme=scheme, code="FW-02", group="administration", order=2, weight=2)
    RequirementFactory(scheme=scheme, code="DOC-02", group="documentation", order=3, mandatory=False,
                       method=RequirementMethod.DOCUMENT)
    RequirementFactory(scheme=scheme, code="INT-01", group="vulnerability", order=4,
                       method=RequirementMethod.AUTOMATED, check_key="artifact.integrity")
    RequirementFactory(scheme=scheme, code="DOC-01", group="documentation", order=5,
                       method=RequirementMethod.AUTOMATED, check_key="docs.complete")
    return scheme


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def installer_bytes(size: int = 4096) -> bytes:
    # An ELF header makes it sniff as a binary executable.
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + bytes(range(256)) * (size // 256)




def api_token_key(user, *, days: int = 90, **fields) -> str:
    """A usable API token for `user` (made directly, without the audited service) and its key. It counts
    as just used, so a test's first request does not also pay for recording the first use."""
    import datetime

    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.tokens import api_token_key_hash, api_token_key_new

    key = api_token_key_new()
    fields.setdefault("expires_at", timezone.now() + datetime.timedelta(days=days))
    fields.setdefault("last_used_at", timezone.now())
    ApiToken.objects.create(user=user, name=fields.pop("name", "test"), prefix=key[:8],
                            key_hash=api_token_key_hash(key), **fields)
    return key
