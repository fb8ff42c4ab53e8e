"""The people and records the browser journeys start from, made through the services (committed: the live
server reads them from another thread)."""

from dataclasses import dataclass

from tests.factories import (
    PDF_BYTES,
    TEST_TOTP_SECRET,
    ProductVersionFactory,
    UserFactory,
    VendorFactory,
    installer_bytes,
    scheme_with_requirements,
    upload,
    vendor_user,
)

SBOM_JSON = (b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": ['
             b'{"type": "library", "name": "lodash", "version": "4.17.15", "purl": "pkg:npm/lodash@4.17.15"},'
             b'{"type": "library", "name": "zlib", "version": "1.3.1", "purl": "pkg:generic/zlib@1.3.1"}]}')
TOTP = TEST_TOTP_SECRET


@dataclass
class World:
    scheme: object = None
    vendor_user: object = None
    vendor: object = None
    staff: object = None
    evaluator: object = None
    evaluator2: object = None
    conflicted: object = None
    certifier: object = None
    certifier2: object = None
    procurement: object = None


def people() -> World:
    from accounts.roles import roles_ensure
    from registry.selectors import vendor_for_user
    from registry.services import user_create

    roles_ensure()
    w = World()
    w.scheme = scheme_with_requirements()
    w.vendor_user = vendor_user(email="owner@an-ninh-so.vn", full_name="Nguyễn Thị Lan")
    w.vendor = vendor_for_user(w.vendor_user)
    w.staff = user_create(email="staff@cert.gov.vn", password="correct-horse-battery", role="staff",
                          full_name="Trần Văn Bình")
    from accounts.mfa import user_totp_activate

    user_totp_activate(user=w.staff, secret=TOTP)
    w.evaluator = UserFactory(role="evaluator", email="evaluator@lab.vn", full_name="Lê Minh Châu")
    w.evaluator2 = UserFactory(role="evaluator", email="evaluator2@lab.vn", full_name="Phạm Quốc Dũng")
    w.conflicted = UserFactory(role="evaluator", email="conflicted@lab.vn", full_name="Đỗ Hải Yến")
    w.certifier = UserFactory(role="certifier", email="certifier@cert.gov.vn", full_name="Vũ Thu Hà")
    w.certifier2 = UserFactory(role="certifier", email="certifier2@cert.gov.vn", full_name="Hoàng Văn Nam")
    w.procurement = UserFactory(role="procurement", email="buyer@ministry.gov.vn", full_name="Bùi Thị Mai")
    return w


def application(w: World, *, name: str = "Tường lửa Sao Vàng", version: str = "3.2", sbom: bool = False,
                **product):
    """A draft with the required documents (and an SBOM, when asked); `product` sets the product's fields."""
    from certification.process.services import application_create, artifact_upload

    pv = ProductVersionFactory(product__vendor=w.vendor, product__name=name, version=version,
                               **{f"product__{k}": v for k, v in product.items()})
    app = application_create(actor=w.vendor_user, product_version=pv, scheme=w.scheme, level="basic")
    artifact_upload(application=app, actor=w.vendor_user, kind="installer",
                    file=upload("setup-3.2.bin", installer_bytes()))
    artifact_upload(application=app, actor=w.vendor_user, kind="user_guide", file=upload("huong-dan.pdf", PDF_BYTES))
    if sbom:
        artifact_upload(application=app, actor=w.vendor_user, kind="sbom", file=upload("sbom.cdx.json", SBOM_JSON))
    return app


def drive(app, w: World, to: str, *, results=None, evaluator=None, certifier=None):
    """Take an application along the process with the services, as the other roles would."""
    from tests.conftest import journey_to

    class _NoCapture:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    return journey_to(to, app=app, vendor_member=w.vendor_user, staff=w.staff, evaluator=evaluator or w.evaluator,
                      certifier=certifier or w.certifier, commit=_NoCapture, results=results)


def pdf_signed(certificate):
    """Render and sign the certificate's PDF now, as the documents and signing workers would. In a thread of
    its own: pyHanko runs an asyncio loop, which the browser's loop in the test's thread does not allow."""
    import threading

    from django.db import connection

    from registry.documents import certificate_pdf_store

    failures = []

    def work():
        try:
            certificate_pdf_store(certificate=certificate)
        except Exception as exc:  # noqa: BLE001  (reported to the test below)
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=120)
    assert not failures, failures
    return certificate


def unverified_vendor():
    return vendor_user(VendorFactory(verified_at=None, legal_name="Công ty TNHH Phần mềm Bình Minh",
                                     name_en="Binh Minh Software Co., Ltd."), email="owner@binhminh.vn")
