"""The registry's kinds of outbox message, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _

from trust.outbox import OutboxObsolete, outbox_kind_register


def _certificate_render_pdf(payload: dict, message) -> str:
    from registry.documents import certificate_pdf_store
    from registry.models import Certificate

    certificate = (Certificate.objects.select_related("product", "product_version", "vendor", "scheme")
                   .filter(pk=payload["certificate_id"]).first())
    if certificate is None:
        raise OutboxObsolete("the certificate no longer exists")
    return certificate_pdf_store(certificate=certificate)


outbox_kind_register("certificate.render_pdf", handler=_certificate_render_pdf, label=_("Certificate PDF"),
                     queue="documents", time_limit=300)
