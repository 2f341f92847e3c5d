"""Uploaded advice documents: read within the size limit, typed by their whole content, names made safe.

Only PDF, Word (DOCX), PNG and JPEG are taken, and only when the whole file parses as the type its first
bytes claim (api/services/filetypes.py): a text file renamed `.pdf`, or a `%PDF-` header followed by HTML,
is refused with 422 naming the file and the problem. A file's name is the agency's, made safe before it
is stored and shown back: no folders, no control or bidirectional characters (U+202E can make
`advice\u202efdp.exe` read as `advice.exe.pdf`), and an extension that agrees with its content.
"""

from __future__ import annotations

import asyncio
import unicodedata
from dataclasses import dataclass

from starlette.datastructures import UploadFile  # what a form holds; FastAPI's is a subclass

from api.errors import Unprocessable
from api.services.filetypes import EXTENSIONS, FileProblem, identify

MAX_NAME = 255  # characters, as db.models.Document.filename holds
# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters, and
# line and paragraph separators: none belongs in a file name, and several can disguise one.
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


def safe_filename(name: str | None, content_type: str | None = None) -> str:
    """The file's own name, safe to store and show: without any folder a client sent, without control,
    bidirectional or invisible characters, spaces collapsed, no leading dots, at most 255 characters; and
    ending with an extension of `content_type` (one is added when it does not)."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(" " if c.isspace() else c for c in text)  # tabs, line breaks and odd spaces alike
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED)
    base = text.replace("\\", "/").rsplit("/", 1)[-1]
    base = " ".join(base.split()).lstrip(". ").rstrip(". ") or "upload"
    extensions = EXTENSIONS.get(content_type or "", ())
    if extensions and not base.lower().endswith(extensions):
        base = base[: MAX_NAME - len(extensions[0])] + extensions[0]
    # keep the end: the extension is what a computer opens a file by
    return base[-MAX_NAME:]


async def read_upload(file: UploadFile, *, max_bytes: int) -> Upload:
    """Read one file, refusing it (422 naming it and the problem) when too large, empty, of a type not
    accepted, or not wholly of the type it claims."""
    shown = safe_filename(file.filename)
    content = await file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise Unprocessable(
            f"files: '{shown}' is larger than the {max_bytes} bytes allowed; send a smaller file (scanned "
            "at a lower resolution, or split in parts)",
            field="files",
        )
    if not content:
        raise Unprocessable(f"files: '{shown}' is empty; attach the document itself", field="files")
    try:
        # parsing a large PDF or image takes a while: not on the event loop
        content_type = await asyncio.to_thread(identify, content)
    except FileProblem as problem:
        raise Unprocessable(f"files: '{shown}' {problem}", field="files") from None
    return Upload(
        filename=safe_filename(file.filename, content_type), content_type=content_type, content=content
    )
