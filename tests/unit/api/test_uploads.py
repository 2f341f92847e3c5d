"""Uploaded advice documents (reg 8): taken only when the whole file parses as the type its first bytes
claim, and stored under a name that cannot disguise it (api/services/filetypes.py, uploads.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from api.services.filetypes import DOCX, JPEG, MAX_PIXELS, PDF, PNG, FileProblem, identify
from api.services.uploads import safe_filename
from tests.documents import W, docx, image, pdf

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (pdf(), PDF),
        (pdf("padded", pad=50_000), PDF),
        (pdf() + b"\r\n\x00", PDF),  # line ends and padding after %%EOF are allowed
        (docx(), DOCX),
        (image("PNG"), PNG),
        (image("JPEG"), JPEG),
        (image("JPEG") + image("JPEG", (8, 8)), JPEG),  # a phone's preview image after the photo
        (image("JPEG") + b"\x00" * 16, JPEG),
    ],
)
def test_whole_files_of_each_type_are_taken(content: bytes, kind: str) -> None:
    assert identify(content) == kind


def _progressive_and_cmyk() -> list[bytes]:
    made = []
    for mode, options in (("RGB", {"progressive": True}), ("CMYK", {})):
        out = io.BytesIO()
        Image.new(mode, (64, 48)).save(out, format="JPEG", **options)
        made.append(out.getvalue())
    return made


@pytest.mark.parametrize("content", _progressive_and_cmyk())
def test_progressive_and_cmyk_jpegs_are_taken(content: bytes) -> None:
    assert identify(content) == JPEG


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _docx_with(name: str, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx())) as archive:
        parts = {part: archive.read(part) for part in archive.namelist()}
    return _zip({**parts, name: data})


def _flip_last_stored_byte(content: bytes, marker: bytes) -> bytes:
    at = content.index(marker)
    return content[:at] + bytes([content[at] ^ 1]) + content[at + 1 :]


MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"%PDF-1.7\n" + HTML, "is not a complete PDF"),
        (b"%PDF-1.7\n" + HTML + b"%%EOF\n", "is not a readable PDF"),
        (pdf() + HTML, "is not a complete PDF"),
        (pdf() + b"%v2\n", "is not a complete PDF"),
        (pdf()[:300], "is not a complete PDF"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "is not a readable PDF"),
        (image("PNG") + HTML, "is not a PNG alone"),
        (image("PNG")[:-6], "is not a complete PNG"),
        (_flip_last_stored_byte(image("PNG"), b"IDAT"), "is not a PNG"),
        (image("JPEG") + HTML, "is not a JPEG alone"),
        (image("JPEG")[:-2], "is not a complete JPEG"),
        (image("PNG", (8000, 6000)), f"more than the {MAX_PIXELS:,} allowed"),
        (docx() + HTML, "is not a Word document alone"),
        (_zip({"notes.txt": b"not a Word document"}), "is a ZIP but not a Word document"),
        (docx(content_type=MACRO_MAIN), "its main part is of type " + MACRO_MAIN),
        (docx(extra={"word/vbaProject.bin": b"\x00"}), "is a Word document with macros"),
        (_docx_with("word/document.xml", b"<w:document>"), "not well-formed XML"),
        (
            _docx_with(
                "word/document.xml",
                b'<!DOCTYPE d [<!ENTITY a "aaaa">]><w:document xmlns:w="' + W.encode() + b'"/>',
            ),
            "declares a DTD",
        ),
        (_docx_with("word/document.xml", b"<html>" + HTML + b"</html>"), "holds no Word document"),
        (_docx_with("word/document.xml", b"<p>advice<br></p>"), "not well-formed XML"),
        (HTML, "is not a PDF, DOCX, PNG or JPEG file"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_file_that_is_not_wholly_its_type_is_refused_saying_why(content: bytes, problem: str) -> None:
    with pytest.raises(FileProblem) as refused:
        identify(content)

    assert problem in str(refused.value)
    assert "; " in str(refused.value)  # and what to do next


def test_a_damaged_part_of_a_word_document_is_refused() -> None:
    stored = _docx_with("word/notes.xml", b"<notes>advice advice advice</notes>")
    damaged = stored.replace(b"<notes>advice", b"<notes>advicf", 1)

    with pytest.raises(FileProblem, match="a part fails its checksum"):
        identify(damaged)


@pytest.mark.parametrize(
    ("sent", "kind", "stored"),
    [
        ("ep-advice.pdf", PDF, "ep-advice.pdf"),
        ("C:\\Users\\sam\\ep advice.pdf", PDF, "ep advice.pdf"),
        ("../../etc/passwd", PDF, "passwd.pdf"),
        ("advice\u202efdp.exe", PDF, "advicefdp.exe.pdf"),  # U+202E would show it as advice.exe.pdf
        ("\u2066report\u2069\u200b.docx", DOCX, "report.docx"),
        ("line\r\nbreak\x00\x1b[31m.png", PNG, "line break[31m.png"),
        ("photo.JPEG", JPEG, "photo.JPEG"),
        ("photo.jpg", JPEG, "photo.jpg"),
        ("scan.png", JPEG, "scan.png.jpg"),
        ("  ..hidden.pdf. ", PDF, "hidden.pdf"),
        ("tab\there\u00a0and\u2028there.pdf", PDF, "tab here and there.pdf"),
        ("..", PDF, "upload.pdf"),
        ("", DOCX, "upload.docx"),
        (None, None, "upload"),
        ("x" * 300 + ".pdf", PDF, "x" * 251 + ".pdf"),
        ("x" * 300, PDF, "x" * 251 + ".pdf"),
    ],
)
def test_a_stored_name_has_no_folders_or_hidden_characters_and_the_right_extension(
    sent: str | None, kind: str | None, stored: str
) -> None:
    assert safe_filename(sent, kind) == stored
