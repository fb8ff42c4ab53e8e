"""Streaming stored files (artifacts, evidence) to people who may read them."""

import base64

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from config.errors import NotFoundError


def stored_file_response(*, field_file, name: str, content_type: str, sha256: str,
                         inline: bool = False) -> FileResponse:
    """An attachment unless `inline` (only for files this site rendered itself, never uploads, which
    must not render as a page of this site); the Content-Digest header lets the reader check what
    they received."""
    try:
        handle = field_file.open("rb")
    except OSError:
        raise NotFoundError(_("The stored file cannot be found.")) from None
    response = FileResponse(handle, as_attachment=not inline, filename=name,
                            content_type=content_type or "application/octet-stream")
    response["Content-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(sha256)).decode()}:"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
