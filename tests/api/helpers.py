"""Helpers for the API tests: token auth on the commit-running api_client, error-format checks, and
certified products made through the real services."""

API = "/api/v1/"


def auth(client, user):
    """Send the user's token on every following request of this client (None: anonymous)."""
    from tests.factories import api_token_key

    if user is None:
        client.credentials()
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], dict), error
    if code is not None:
        assert error["code"] == code, error
    return error


def row_counts() -> dict:
    """Rows that a refused request must leave as they were."""
    from certification.models import Application, ApplicationEvent, Artifact, CaseResultVersion
    from registry.models import Certificate, Product, ProductVersion
    from trust.models import AuditEntry

    models = [Application, ApplicationEvent, Artifact, CaseResultVersion, AuditEntry, Certificate, Product,
              ProductVersion]
    return {m.__name__: m.objects.count() for m in models}


def certified_product(*, scheme, vendor=None, actor=None, level="basic", **product_fields):
    """A product with one active certificate, issued through the registry service."""
    from registry.services import certificate_issue
    from tests.factories import ProductVersionFactory

    product_kwargs = {f"product__{k}": v for k, v in product_fields.items()}
    if vendor is not None:
        product_kwargs["product__vendor"] = vendor
    version = ProductVersionFactory(**product_kwargs)
    certificate = certificate_issue(product_version=version, scheme=scheme, level=level, actor=actor)
    return version.product, certificate
