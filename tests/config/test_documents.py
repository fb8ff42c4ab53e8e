"""Documents are what they claim: real and hostile PDF, DOCX and ODT samples, checked alone, through the
API and through the page; a refused file changes nothing (rows, audit entries, stored files)."""

import io
import os
import zipfile

import pytest

from config import documents
from config.documents import DOCX, ODT, PDF, document_check
from config.errors import UnsupportedMediaType
from tests.api.helpers import API, assert_error, auth, row_counts
from tests.factories import PDF_BYTES, pdf_bytes, upload

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
DOCUMENT = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hướng dẫn sử dụng</w:t></w:r></w:p></w:body>'
            '</w:document>')
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><w:document>&lol2;'
                  '</w:document>')
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>')
CONTENT = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
           'opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'office:version="1.3"><office:body><office:text><text:p>Hướng dẫn</text:p></office:text></office:body>'
           '</office:document-content>')


def _zip(entries: list[tuple[str, bytes | str]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, data) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


def docx(*, main=DOCX_MAIN, document: str | None = DOCUMENT, extra=()) -> bytes:
    entries = [("[Content_Types].xml", CONTENT_TYPES.format(main=main)), ("_rels/.rels", RELS)]
    if document is not None:
        entries.append(("word/document.xml", document))
    return _zip([*entries, *extra])


def odt(*, mimetype="application/vnd.oasis.opendocument.text", stored=True, content: str | None = CONTENT) -> bytes:
    entries = [("mimetype", mimetype), ("META-INF/manifest.xml", MANIFEST)]
    if content is not None:
        entries.append(("content.xml", content))
    return _zip(entries, stored_first=stored)


def _real_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>Hướng dẫn sử dụng</h1><p style='page-break-after:always'>1</p><p>2</p>").write_pdf()


def _encrypted_pdf(*, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF_BYTES)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _refusal(data: bytes, content_type: str) -> str:
    from django.utils import translation

    with translation.override("en"), pytest.raises(UnsupportedMediaType) as info:
        document_check(io.BytesIO(data), content_type=content_type)
    assert info.value.code == "invalid_document" and info.value.status_code == 415
    return info.value.details["reason"]


# The checks alone ----------------------------------------------------------------------------------

def test_documents_accept_real_documents():
    for data, content_type in ((PDF_BYTES, PDF), (_real_pdf(), PDF), (_encrypted_pdf(user_password=""), PDF),
                               (docx(), DOCX), (odt(), ODT)):
        stream = io.BytesIO(data)
        stream.seek(7)
        document_check(stream, content_type=content_type)
        assert stream.tell() == 0  # left where the upload helper expects it


def test_documents_other_types_pass_through():
    document_check(io.BytesIO(b"anything"), content_type="application/json")


@pytest.mark.parametrize("data, words", [
    (PDF_BYTES[: len(PDF_BYTES) // 2], "cut short"),  # truncated
    (b"%PDF-1.7\n" + os.urandom(4096) + b"\n%%EOF\n", "structure"),  # a PDF header on junk
    (b"%PDF-1.4\n%%EOF\n", "structure"),
    (pdf_bytes(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"), "no pages"),
    (pdf_bytes(b"<< /Type /Font >>"), "catalogue"),
])
def test_documents_refuse_broken_pdfs(data, words):
    assert words in _refusal(data, PDF)


def test_documents_refuse_a_password_protected_pdf():
    assert "password" in _refusal(_encrypted_pdf(user_password="open-sesame"), PDF)


@pytest.mark.parametrize("data, words", [
    (docx(document=None), "word/document.xml is missing"),
    (_zip([("word/document.xml", DOCUMENT)]), "[Content_Types].xml is missing"),
    (docx(main="application/vnd.ms-word.document.macroEnabled.main+xml"), "macro"),
    (docx(document="<w:document><unclosed>"), "not well-formed"),
    (docx(document=BILLION_LAUGHS), "not well-formed"),
    (b"PK\x03\x04" + b"word/" + os.urandom(2000), "not a readable ZIP"),
    (docx()[:-30], "not a readable ZIP"),
])
def test_documents_refuse_broken_docx(data, words):
    assert words in _refusal(data, DOCX)


@pytest.mark.parametrize("data, words", [
    (odt(mimetype="application/vnd.oasis.opendocument.text-template"), "mimetype"),
    (odt(mimetype="application/vnd.oasis.opendocument.spreadsheet"), "mimetype"),
    (odt(stored=False), "uncompressed"),
    (_zip([("content.xml", CONTENT), ("mimetype", "application/vnd.oasis.opendocument.text")]), "first entry"),
    (odt(content=None), "content.xml is missing"),
    (odt(content="<office:document-content>"), "not well-formed"),
])
def test_documents_refuse_broken_odt(data, words):
    assert words in _refusal(data, ODT)


def test_documents_refuse_a_zip_bomb():
    bomb = docx(extra=[("word/media/image1.bin", b"\0" * (64 * 1024 * 1024))])
    assert len(bomb) < 200_000
    assert "ZIP bomb" in _refusal(bomb, DOCX)


def test_documents_refuse_a_zip_that_declares_too_much(monkeypatch):
    monkeypatch.setattr(documents, "ZIP_MAX_EXPANDED", 1024 * 1024)
    assert "ZIP bomb" in _refusal(docx(extra=[("word/media/big.bin", os.urandom(2 * 1024 * 1024))]), DOCX)


def test_documents_refuse_too_many_entries(monkeypatch):
    monkeypatch.setattr(documents, "ZIP_MAX_ENTRIES", 50)
    many = docx(extra=[(f"word/media/{i}.xml", "<a/>") for i in range(60)])
    assert "entries" in _refusal(many, DOCX)


def test_documents_refuse_an_encrypted_entry():
    data = bytearray(docx())
    # set the "encrypted" flag of the central directory's first entry
    at = data.index(b"PK\x01\x02")
    data[at + 8] |= 0x01
    assert "encrypted" in _refusal(bytes(data), DOCX)


def test_documents_refuse_a_corrupted_entry():
    data = bytearray(docx())
    at = data.index(b"word/document.xml") + len("word/document.xml") + 10  # inside its compressed bytes
    data[at] ^= 0xFF
    assert "damaged" in _refusal(bytes(data), DOCX)


# Through the API and the page ---------------------------------------------------------------------

def _media_files(settings) -> list[str]:
    return [os.path.join(root, f) for root, _dirs, files in os.walk(settings.MEDIA_ROOT) for f in files]


HOSTILE = [
    ("guide.pdf", PDF_BYTES[:120], "invalid_document"),  # truncated
    ("guide.pdf", b"%PDF-1.7\n" + b"\x00junk" * 500 + b"\n%%EOF", "invalid_document"),
    ("guide.docx", docx(document=None), "invalid_document"),
    ("guide.docx", docx(extra=[("word/media/bomb.bin", b"\0" * (32 * 1024 * 1024))]), "invalid_document"),
    ("guide.odt", odt(mimetype="application/vnd.oasis.opendocument.text-template"), "invalid_document"),
    ("guide.pdf", b"MZ\x90\x00\x03" + b"\x00" * 59 + b"PE\x00\x00" + os.urandom(2048), "unsupported_media_type"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name, data, code", HOSTILE)
def test_documents_api_refuses_hostile_guides(api_client, vendor_member, draft, settings, name, data, code):
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(
        f"{API}applications/{draft.pk}/artifacts/", {"kind": "user_guide", "file": upload(name, data)},
        format="multipart", HTTP_ACCEPT_LANGUAGE="en"), 415, code)
    assert error["message"]
    assert row_counts() == before
    assert _media_files(settings) == []


@pytest.mark.django_db
def test_documents_api_accepts_real_guides(api_client, vendor_member, draft):
    auth(api_client, vendor_member)
    for name, data, content_type in (("guide.docx", docx(), DOCX), ("admin.odt", odt(), ODT),
                                     ("st.pdf", _real_pdf(), PDF)):
        response = api_client.post(f"{API}applications/{draft.pk}/artifacts/",
                                   {"kind": "user_guide", "file": upload(name, data)}, format="multipart")
        assert response.status_code == 201, response.content
        assert response.json()["content_type"] == content_type


@pytest.mark.django_db
def test_documents_evidence_upload_is_checked_too(api_client, evaluator, with_artifacts, journey, settings):
    app = journey(with_artifacts, "in_evaluation")
    auth(api_client, evaluator)
    assert api_client.post(f"{API}applications/{app.pk}/independence/", {}, format="json").status_code == 201
    before = row_counts()
    files_before = _media_files(settings)
    assert_error(api_client.post(f"{API}applications/{app.pk}/cases/FW-01/evidence/",
                                 {"file": upload("log.pdf", PDF_BYTES[:100])}, format="multipart"),
                 415, "invalid_document")
    assert row_counts() == before
    assert _media_files(settings) == files_before
