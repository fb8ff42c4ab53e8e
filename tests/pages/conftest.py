import pytest


@pytest.fixture(scope="session", autouse=True)
def _translations_compiled(django_db_blocker):
    """Pages are asserted in Vietnamese, so compile the catalogue (django.po + parts) once per run."""
    from django.core.management import call_command
    from django.utils.translation import trans_real

    with django_db_blocker.unblock():
        call_command("compile_translations", verbosity=0)
    # Forget catalogues loaded before the .mo was (re)written.
    trans_real._translations = {}
    trans_real._default = None
    yield


@pytest.fixture
def as_user(client):
    """Sign a user in on the shared test client and return the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def make_certificate(scheme, certifier, staff):
    """Issue a certificate (no PDF rendering: on_commit callbacks do not run here) in a given status."""
    from registry.services import certificate_issue, certificate_transition
    from tests.factories import ProductVersionFactory

    reasons = {"suspended": "Phát hiện lỗ hổng nghiêm trọng chưa vá", "revoked": "Vi phạm điều kiện chứng nhận"}

    def make(status: str = "active", *, product=None, level: str = "basic"):
        version = ProductVersionFactory(product=product) if product else ProductVersionFactory()
        certificate = certificate_issue(product_version=version, scheme=scheme, level=level, actor=certifier)
        if status in ("suspended", "revoked"):
            action = "suspend" if status == "suspended" else "revoke"
            certificate = certificate_transition(certificate=certificate, action=action, actor=staff,
                                                 reason=reasons[status])
        elif status == "expired":
            certificate = certificate_transition(certificate=certificate, action="expire", actor=None)
        return certificate

    return make
