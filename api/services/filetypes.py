"""What an uploaded advice document really is: the whole file must parse as the type its first bytes claim.

Agencies send their reg 8 advice as files, which caseworkers later open. A file is taken only when all of
it is what it says: a `%PDF-` header followed by HTML, a PNG with a web page after its end, a ZIP named
`.docx` that Word could not open, or a Word file with macros, is refused. Each check says, in words an
agency can act on, what is wrong. The parsers are pypdf (PDF structure), `zipfile` and expat (DOCX) and
Pillow (images, decoded); the PNG and JPEG framing is walked here so that nothing hides after the image.
"""

from __future__ import annotations

import io
import posixpath
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable

from PIL import Image
from pypdf import PdfReader

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACCEPTED = "PDF, DOCX, PNG or JPEG"
# The extensions a stored name may end with for each type; the first is added when the name has none.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
}

# Decoded images are held in memory: a 600 dpi A4 scan is about 35 million pixels.
MAX_PIXELS = 40_000_000
# A ZIP can unpack to far more than it weighs; Word documents of advice are a few megabytes unpacked.
MAX_DOCX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_DOCX_MEMBERS = 10_000

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOI = b"\xff\xd8"
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_PDF_TRAILING = b" \t\r\n\f\x00"  # what may follow a PDF's last %%EOF: line ends and padding
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_WORD_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",  # transitional (what Word writes)
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # strict
)
_CT_NAMESPACE = "http://schemas.openxmlformats.org/package/2006/content-types"


RESAVE = "save or export it again from the program that made it, and send that file"


class FileProblem(ValueError):
    """Why a file is refused and what to do, as the end of a sentence that starts with the file's name."""

    def __init__(self, problem: str, next_step: str = RESAVE) -> None:
        super().__init__(f"{problem}; {next_step}")


def identify(content: bytes) -> str:
    """The content type of `content`, after checking that the whole file parses as that type.

    Raises `FileProblem` when the first bytes are of no accepted type, or the file does not parse.
    """
    if content.startswith(b"%PDF-"):
        check_pdf(content)
        return PDF
    if content.startswith(_PNG_SIGNATURE):
        check_png(content)
        return PNG
    if content.startswith(_JPEG_SOI + b"\xff"):
        check_jpeg(content)
        return JPEG
    if content.startswith(_ZIP_LOCAL):
        check_docx(content)
        return DOCX
    raise FileProblem(
        f"is not a {ACCEPTED} file (judged by its content, not its name)",
        f"send the advice as a {ACCEPTED} file",
    )


def check_pdf(content: bytes) -> None:
    """A PDF whose body pypdf reads, with at least one page, not password-protected, ending at %%EOF."""
    # pypdf reads a PDF from its end marker backwards and ignores anything after it, so a page of HTML
    # appended to a real PDF would pass it: nothing but line ends may follow the last %%EOF.
    if not content.rstrip(_PDF_TRAILING).endswith(b"%%EOF"):
        raise FileProblem("is not a complete PDF (it does not end with the PDF end marker, %%EOF)")
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise FileProblem("is a password-protected PDF", "send it without a password")
        pages = len(reader.pages)
    except FileProblem:
        raise
    except Exception as error:  # a parser of hostile input fails in many ways; each means "not a PDF"
        raise FileProblem(f"is not a readable PDF ({_said(error)})") from None
    if pages == 0:
        raise FileProblem("is a PDF with no pages")


def check_png(content: bytes) -> None:
    """A PNG whose chunks are whole (each CRC right), IHDR first and IEND last, and which decodes."""
    at, first, size = len(_PNG_SIGNATURE), True, len(content)
    while True:
        if at + 12 > size:
            raise FileProblem("is not a complete PNG (it ends before its end chunk, IEND)")
        length = int.from_bytes(content[at : at + 4], "big")
        kind = content[at + 4 : at + 8]
        end = at + 12 + length
        if not kind.isalpha() or end > size:
            raise FileProblem("is not a PNG (its chunks are damaged)")
        if zlib.crc32(content[at + 4 : end - 4]) != int.from_bytes(content[end - 4 : end], "big"):
            raise FileProblem(f"is not a PNG (its {kind.decode('ascii')} chunk fails its checksum)")
        if first and kind != b"IHDR":
            raise FileProblem("is not a PNG (it does not start with its header chunk, IHDR)")
        first, at = False, end
        if kind == b"IEND":
            break
    if at != size:
        raise FileProblem("is not a PNG alone (there is more data after the image's end chunk, IEND)")
    _decode(content, "PNG")


def check_jpeg(content: bytes) -> None:
    """A JPEG whose markers run from start to end-of-image, which decodes; nothing may follow but padding
    or further whole JPEG images (phones store a preview or a depth map that way)."""
    at = _jpeg_end(content, 0)
    while at < len(content):
        if content.startswith(_JPEG_SOI, at):
            at = _jpeg_end(content, at)
        elif content[at:].strip(b"\x00"):
            raise FileProblem("is not a JPEG alone (there is more data after the image's end marker)")
        else:
            break
    _decode(content, "JPEG")


def _jpeg_end(content: bytes, start: int) -> int:
    """Where the JPEG image starting at `start` ends: just after its end-of-image marker (FFD9)."""
    size, at = len(content), start + 2
    while True:
        if at + 2 > size:
            raise FileProblem("is not a complete JPEG (it ends before its end-of-image marker)")
        if content[at] != 0xFF:
            raise FileProblem("is not a JPEG (its markers are damaged)")
        marker = content[at + 1]
        at += 2
        if marker == 0xFF:  # a fill byte before the marker
            at -= 1
            continue
        if marker == 0xD9:
            return at
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            continue
        if at + 2 > size:
            raise FileProblem("is not a complete JPEG (it ends inside a marker)")
        length = int.from_bytes(content[at : at + 2], "big")
        if length < 2 or at + length > size:
            raise FileProblem("is not a complete JPEG (a segment runs past the end of the file)")
        at += length
        if marker == 0xDA:  # start of scan: coded data runs to the next marker not stuffed (FF00) or RSTn
            at = _scan_end(content, at)


def _scan_end(content: bytes, at: int) -> int:
    while True:
        found = content.find(b"\xff", at)
        if found < 0 or found + 1 >= len(content):
            raise FileProblem("is not a complete JPEG (its image data is cut short)")
        following = content[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at = found + (1 if following == 0xFF else 2)
            continue
        return found


def _decode(content: bytes, kind: str) -> None:
    """Decode the whole image with Pillow, refusing one too large to hold or one that does not decode."""
    try:
        with Image.open(io.BytesIO(content), formats=[kind]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise FileProblem(
                    f"is {width} x {height} pixels, more than the {MAX_PIXELS:,} allowed",
                    "scale it down or send it as a PDF",
                )
            if kind == "JPEG":
                # decodes every block of the image, at an eighth of the size, so a big photo is cheap
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
    except FileProblem:
        raise
    except Exception as error:  # truncated, damaged, or a decompression bomb
        raise FileProblem(f"is not a {kind} image that can be opened ({_said(error)})") from None


def check_docx(content: bytes) -> None:
    """A Word document Word could open: a whole, undamaged ZIP holding the OOXML parts (the content types,
    the package relationships and `word/document.xml`, well-formed XML), without macros."""
    _zip_ends_at_end(content)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if len(members) > MAX_DOCX_MEMBERS:
                raise FileProblem(f"is a ZIP of more than {MAX_DOCX_MEMBERS:,} parts, not a Word document")
            if sum(member.file_size for member in members) > MAX_DOCX_UNPACKED_BYTES:
                raise FileProblem("unpacks to far more than a Word document does, so it is not one")
            if archive.testzip() is not None:
                raise FileProblem("is a damaged ZIP (a part fails its checksum)")
            names = {member.filename for member in members}
            missing = [
                p for p in ("[Content_Types].xml", "_rels/.rels", "word/document.xml") if p not in names
            ]
            if missing:
                raise FileProblem(f"is a ZIP but not a Word document (no {', '.join(missing)})")
            if any(posixpath.basename(name).lower() == "vbaproject.bin" for name in names):
                raise FileProblem(
                    "is a Word document with macros", "save it as a Word Document (.docx), without macros"
                )
            _content_types(archive)
            _xml(archive, "_rels/.rels")
            root = _xml(archive, "word/document.xml")
    except FileProblem:
        raise
    except Exception as error:  # zipfile and expat refuse damaged input in many ways
        raise FileProblem(f"is not a readable Word document ({_said(error)})") from None
    if root not in {f"{namespace} document" for namespace in _WORD_NAMESPACES}:
        raise FileProblem("is not a Word document (word/document.xml holds no Word document)")


def _zip_ends_at_end(content: bytes) -> None:
    """The ZIP's end record, and its comment, close the file: nothing is appended after the archive."""
    at = content.rfind(_ZIP_END, max(0, len(content) - 65_557))
    if at < 0 or at + 22 > len(content):
        raise FileProblem("is not a complete ZIP (no end record), so not a Word document")
    comment = int.from_bytes(content[at + 20 : at + 22], "little")
    if at + 22 + comment != len(content):
        raise FileProblem("is not a Word document alone (there is more data after the end of its ZIP)")


def _content_types(archive: zipfile.ZipFile) -> None:
    """`[Content_Types].xml` says `/word/document.xml` is a Word document's main part (not a template,
    nor the macro-enabled kind)."""
    declared: dict[str, str] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == f"{_CT_NAMESPACE} Override":
            declared[attributes.get("PartName", "").lower()] = attributes.get("ContentType", "")

    _xml(archive, "[Content_Types].xml", start)
    kind = declared.get("/word/document.xml")
    if kind != _WORD_MAIN:
        declared_as = f"of type {kind}" if kind else "not declared"
        raise FileProblem(
            f"is not a Word document (.docx): its main part is {declared_as}",
            "save it as a Word Document (.docx)",
        )


def _xml(
    archive: zipfile.ZipFile, name: str, start: Callable[[str, dict[str, str]], None] | None = None
) -> str:
    """Parse one part as XML, streaming, refusing DTDs and entities (OOXML has none); its root's name."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    roots: list[str] = []

    def element(tag: str, attributes: dict[str, str]) -> None:
        if not roots:
            roots.append(tag)
        if start is not None:
            start(tag, attributes)

    def no_dtd(*_: object) -> None:
        raise FileProblem(f"is not a Word document ({name} declares a DTD, which Word documents never do)")

    parser.StartElementHandler = element
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        with archive.open(name) as part:
            while chunk := part.read(1024 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as error:
        raise FileProblem(f"is not a Word document ({name} is not well-formed XML: {error})") from None
    return roots[0] if roots else ""


def _said(error: BaseException) -> str:
    """A parser's complaint, short and on one line."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."
