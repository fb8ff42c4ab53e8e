"""Seed a fresh database for a fault test: staff, N vendor members with a draft application each (with
its artifacts) against a scheme with four automated checks, and an API token per vendor member.

Run as `python -m tests.faults.seed N` with DATABASE_URL and MEDIA_ROOT set; prints JSON.
"""

import json
import sys

import django

# The seeded accounts act through API tokens only, never a password: hash their passwords with the test
# suite's fast hasher instead of the deployment's PBKDF2 (0.2 s each, 31 accounts per fault test).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def main(count: int) -> dict:
    django.setup()
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        return _seed(count)


def _seed(count: int) -> dict:
    from accounts.roles import roles_ensure
    from certification.process.services import application_create, artifact_upload
    from registry.choices import RequirementMethod
    from registry.selectors import vendor_for_user
    from tests.factories import (
        PDF_BYTES,
        ProductVersionFactory,
        RequirementFactory,
        UserFactory,
        api_token_key,
        installer_bytes,
        scheme_with_requirements,
        upload,
        vendor_user,
    )

    roles_ensure()
    staff = UserFactory(role="staff", email="staff@faults.test")
    scheme = scheme_with_requirements()
    RequirementFactory(scheme=scheme, code="SLOW-01", group="vulnerability", order=6,
                       method=RequirementMethod.AUTOMATED, check_key="test.sleep")
    RequirementFactory(scheme=scheme, code="SLOW-02", group="vulnerability", order=7,
                       method=RequirementMethod.AUTOMATED, check_key="test.sleep")
    applications = []
    for n in range(count):
        member = vendor_user(email=f"vendor{n}@faults.test")
        version = ProductVersionFactory(product__vendor=vendor_for_user(member))
        app = application_create(actor=member, product_version=version, scheme=scheme, level="basic")
        artifact_upload(application=app, actor=member, kind="installer", file=upload("setup.bin", installer_bytes()))
        artifact_upload(application=app, actor=member, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))
        applications.append({"id": app.pk, "token": api_token_key(member), "email": member.email})
    return {"staff": staff.email, "applications": applications}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
