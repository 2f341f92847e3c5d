"""Uploaded advice documents: read within the size limit and typed by their content, not their name.

Only PDF, Word (DOCX), PNG and JPEG are taken. A file's first bytes decide its type, so a text file
renamed `.pdf` is refused; a DOCX must be a ZIP holding `word/document.xml`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from fastapi import UploadFile

from api.errors import Unprocessable

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACCEPTED = "PDF, DOCX, PNG or JPEG"


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


def sniff(content: bytes) -> str | None:
    """The content type the bytes really are, among those accepted; None for anything else."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04") and _is_docx(content):
        return DOCX
    return None


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "word/document.xml" in names and "[Content_Types].xml" in names


def safe_filename(name: str | None) -> str:
    """The file's own name, without any path a client sent, at most 255 characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name.strip()
    return base[-255:] or "upload"


async def read_upload(file: UploadFile, *, max_bytes: int) -> Upload:
    """Read one file, refusing it (422 naming it) when too large, empty or of a type not accepted."""
    filename = safe_filename(file.filename)
    content = await file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise Unprocessable(
            f"files: '{filename}' is larger than the {max_bytes} bytes allowed", field="files"
        )
    if not content:
        raise Unprocessable(f"files: '{filename}' is empty", field="files")
    content_type = sniff(content)
    if content_type is None:
        raise Unprocessable(
            f"files: '{filename}' is not a {ACCEPTED} file (judged by its content, not its name)",
            field="files",
        )
    return Upload(filename=filename, content_type=content_type, content=content)
