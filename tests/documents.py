"""Small, valid documents of each type an agency may upload, for the tests and the benchmarks.

The API takes a file only when the whole of it parses as its type (api/services/filetypes.py), so the
tests send real ones: the same arguments always give the same bytes, different tags different bytes.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

from PIL import Image
from pypdf import PdfWriter

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def pdf(tag: str = "", *, pad: int = 0) -> bytes:
    """A one-page A4 PDF; `tag` makes it differ from others, `pad` attaches that many bytes that do not
    compress (so a benchmark's documents weigh what they say), the same for the same tag."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if tag:
        writer.add_metadata({"/Subject": tag})
    if pad:
        blocks = (hashlib.sha256(f"{tag}:{n}".encode()).digest() for n in range(pad // 32 + 1))
        writer.add_attachment("padding.bin", b"".join(blocks)[:pad])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(
    text: str = "Advice", *, content_type: str = WORD_MAIN, extra: dict[str, bytes] | None = None
) -> bytes:
    """A minimal Word document saying `text`; `content_type` is its main part's declared type, `extra`
    further parts (e.g. `word/vbaProject.bin`)."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{content_type}"/>'
            "</Types>"
        ).encode(),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Target="word/document.xml" Type='
            b'"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            b"</Relationships>"
        ),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body><w:p><w:r>'
            f"<w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
        ).encode(),
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            # a fixed date, so the same arguments give the same bytes
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def image(kind: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    """A small grey image, PNG or JPEG."""
    out = io.BytesIO()
    Image.new("RGB", size, (128, 128, 128)).save(out, format=kind)
    return out.getvalue()
