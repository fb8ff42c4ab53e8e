"""Certificate PDF (placeholder until the renderer lands)."""


def certificate_pdf_store(*, certificate) -> str:
    return "not-implemented"
