"""Documents are what they claim: a file sniffed as PDF must parse as a PDF with at least one page, and
one sniffed as DOCX or ODT must be a sound archive of that format. Archives are read in memory from
their central directory, never extracted to disk, with caps on the number of entries, the expanded
size and the compression ratio (zip bombs); XML parts are parsed with defusedxml (no entity tricks).

`document_check` raises UnsupportedMediaType (415, code `invalid_document`) with a reason a person
can act on; config.uploads.upload_inspect calls it for every upload sniffed as one of these types,
before anything is stored."""

import logging
import zipfile
import zlib

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.utils.translation import gettext_lazy as _
from pypdf import PasswordType, PdfReader

from config.errors import UnsupportedMediaType

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"

ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_EXPANDED = 512 * 1024 * 1024  # all entries together, as really decompressed
ZIP_MAX_RATIO = 100  # expanded bytes per byte of the archive; real documents stay far below
ZIP_RATIO_FLOOR = 8 * 1024 * 1024  # small archives are not judged by their ratio
XML_PART_MAX = 64 * 1024 * 1024
PDF_TAIL = 1024  # where a reader looks for %%EOF, as Acrobat does
PDF_MAX_PAGES = 100_000
_CHUNK = 1024 * 1024

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


class DocumentInvalid(Exception):
    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def document_check(file, *, content_type: str) -> None:
    """Refuse (415 `invalid_document`) a PDF, DOCX or ODT that is not what it claims; other types pass.
    Reads the file in memory only and leaves it at position 0."""
    checks = {PDF: _pdf_check, DOCX: _docx_check, ODT: _odt_check}
    check = checks.get(content_type)
    if check is None:
        return
    try:
        file.seek(0)
        check(file)
    except DocumentInvalid as exc:
        raise UnsupportedMediaType(
            _("The file is not a valid %(format)s document: %(reason)s")
            % {"format": _FORMAT_NAMES[content_type], "reason": exc.reason},
            code="invalid_document", details={"content_type": content_type, "reason": str(exc.reason)},
        ) from None
    finally:
        file.seek(0)


_FORMAT_NAMES = {PDF: "PDF", DOCX: "Word (DOCX)", ODT: "OpenDocument (ODT)"}


# PDF ---------------------------------------------------------------------------------------------

def _pdf_check(file) -> None:
    size = file.seek(0, 2)
    file.seek(max(0, size - PDF_TAIL))
    if b"%%EOF" not in file.read(PDF_TAIL):
        raise DocumentInvalid(_("it ends before its end-of-file marker (the file is cut short)"))
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise DocumentInvalid(_("it is protected by a password; upload it without one"))
        root = reader.trailer["/Root"].get_object()
        if root.get("/Type") != "/Catalog" or "/Pages" not in root:
            raise DocumentInvalid(_("it has no document catalogue"))
        pages = len(reader.pages)
        if pages < 1:
            raise DocumentInvalid(_("it has no pages"))
        if pages > PDF_MAX_PAGES:
            raise DocumentInvalid(_("it has more pages than the limit of %(max)d") % {"max": PDF_MAX_PAGES})
        for page in reader.pages:  # every page object resolves
            page.mediabox  # noqa: B018
    except DocumentInvalid:
        raise
    except MemoryError:
        raise
    except Exception:  # the parser raises anything on hostile input
        logger.debug("A PDF upload did not parse", exc_info=True)
        raise DocumentInvalid(_("its structure cannot be read (damaged, truncated or not a PDF)")) from None


# DOCX and ODT ------------------------------------------------------------------------------------

def _archive_read(file, *, keep: set[str]) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    """Every entry decompressed in memory and counted (the sizes an archive declares can lie); returns the
    entries and the bytes of the ones named in `keep`."""
    size = file.seek(0, 2)
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise DocumentInvalid(_("it is not a readable ZIP archive")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > ZIP_MAX_ENTRIES:
            raise DocumentInvalid(_("it has more than %(max)d entries") % {"max": ZIP_MAX_ENTRIES})
        names = [e.filename for e in entries]
        if len(set(names)) != len(names):
            raise DocumentInvalid(_("it names the same entry twice"))
        if any(e.flag_bits & 0x1 for e in entries):
            raise DocumentInvalid(_("it is encrypted; upload it without a password"))
        if sum(e.file_size for e in entries) > ZIP_MAX_EXPANDED:
            raise DocumentInvalid(_("it expands to more than the limit (a possible ZIP bomb)"))
        kept: dict[str, bytes] = {}
        expanded = 0
        for entry in entries:
            if entry.is_dir():
                continue
            buffer = bytearray() if entry.filename in keep else None
            try:
                with archive.open(entry) as member:
                    while chunk := member.read(_CHUNK):
                        expanded += len(chunk)
                        if expanded > ZIP_MAX_EXPANDED or (
                                expanded > ZIP_RATIO_FLOOR and expanded > ZIP_MAX_RATIO * max(size, 1)):
                            raise DocumentInvalid(_("it expands to more than the limit (a possible ZIP bomb)"))
                        if buffer is not None:
                            if len(buffer) + len(chunk) > XML_PART_MAX:
                                raise DocumentInvalid(_("its part %(name)s is too large")
                                                      % {"name": entry.filename})
                            buffer += chunk
            except DocumentInvalid:
                raise
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError,
                    ValueError):
                raise DocumentInvalid(_("its entry %(name)s is damaged") % {"name": entry.filename[:100]}) \
                    from None
            if buffer is not None:
                kept[entry.filename] = bytes(buffer)
    return entries, kept


def _xml(data: bytes, name: str):
    try:
        return ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise DocumentInvalid(_("its part %(name)s is not well-formed XML") % {"name": name}) from None


def _docx_check(file) -> None:
    required = ("[Content_Types].xml", "word/document.xml")
    entries, parts = _archive_read(file, keep=set(required))
    for name in required:
        if name not in parts:
            raise DocumentInvalid(_("the part %(name)s is missing") % {"name": name})
    types = _xml(parts["[Content_Types].xml"], "[Content_Types].xml")
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{_CT_NS}Override")}
    if overrides.get("/word/document.xml") != DOCX_MAIN:
        raise DocumentInvalid(_("its main part is not a Word document (templates and macro-enabled files are "
                                "not accepted)"))
    _xml(parts["word/document.xml"], "word/document.xml")


def _odt_check(file) -> None:
    required = ("mimetype", "content.xml", "META-INF/manifest.xml")
    entries, parts = _archive_read(file, keep=set(required))
    first = entries[0] if entries else None
    if first is None or first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
        raise DocumentInvalid(_("its first entry is not an uncompressed 'mimetype'"))
    if parts.get("mimetype") != ODT.encode():
        raise DocumentInvalid(_("its mimetype is not that of a text document"))
    for name in required[1:]:
        if name not in parts:
            raise DocumentInvalid(_("the part %(name)s is missing") % {"name": name})
        _xml(parts[name], name)


def archive_check(file, *, format_name: str) -> None:
    """Refuse (415 `invalid_document`) a ZIP-based file (e.g. XLSX) that breaks the archive caps above,
    before a library parses it; reads in memory and leaves the file at position 0."""
    try:
        file.seek(0)
        _archive_read(file, keep=set())
    except DocumentInvalid as exc:
        raise UnsupportedMediaType(
            _("The file is not a valid %(format)s document: %(reason)s") % {"format": format_name,
                                                                           "reason": exc.reason},
            code="invalid_document", details={"reason": str(exc.reason)},
        ) from None
    finally:
        file.seek(0)
