"""What the tests check of every PDF the registry issues: a tagged PDF/UA-1 document with its language."""

import io


def assert_pdf_ua(pdf: bytes, *, language: str = "vi") -> None:
    """PDF/UA-1: a structure tree, marked content, the document's language (Vietnamese first) and the
    PDF/UA identification in the XMP metadata. Read from the newest revision, so a signed file is checked
    as the reader opens it."""
    import pypdf

    root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert root.get("/Lang") == language, root.get("/Lang")
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    metadata = root["/Metadata"].get_object().get_data().decode("utf-8", "replace")
    assert 'pdfuaid:part="1"' in metadata, metadata[:600]
    assert "dc:title" in metadata, metadata[:1500]  # PDF/UA wants the title shown, not the file name
