"""Signing and checking a certificate PDF work from a thread that already runs an event loop (an ASGI
server, a test driving a browser): pyHanko's synchronous API would otherwise fail to start its own."""

import asyncio

import pytest

from tests.factories import PDF_BYTES
from trust.pdf_signing import pdf_sign, pdf_signature_check

pytestmark = pytest.mark.django_db


def test_pdf_sign_and_check_inside_a_running_event_loop():
    async def inside():
        signed = pdf_sign(PDF_BYTES, reason="test")
        return signed, pdf_signature_check(signed)

    signed, check = asyncio.run(inside())
    assert signed.startswith(b"%PDF") and check.code == "valid", check
