"""The lane's multipart encoder sends every part whole (tests/contract/multipart.py), where Werkzeug's
loses every part after an empty one."""

from __future__ import annotations

import io
from collections.abc import AsyncGenerator

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartParser
from urllib3.filepost import encode_multipart_formdata
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from .multipart import form_fields

FORM = {"summary": "", "received_on": "2026-12-01"}  # the summary is optional: empty is valid
PDF = b"%PDF-1.7"


async def parsed(body: bytes, content_type: str) -> dict[str, str | bytes]:
    """The form as the API's framework reads it."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    form = await MultiPartParser(Headers({"content-type": content_type}), stream()).parse()
    try:
        return {
            name: (await value.read()) if isinstance(value, UploadFile) else value
            for name, value in form.multi_items()
        }
    finally:
        await form.close()


async def test_every_part_arrives_after_an_empty_one() -> None:
    body, content_type = encode_multipart_formdata(
        form_fields([("files", ("advice.pdf", PDF, "application/pdf"))], dict(FORM))
    )
    assert await parsed(body, content_type) == {**FORM, "files": PDF}


async def test_werkzeug_loses_the_parts_after_an_empty_one() -> None:
    """Why the lane has its own encoder: once Werkzeug sends this form whole, this fails and it can go."""
    file = FileStorage(stream=io.BytesIO(PDF), filename="advice.pdf", content_type="application/pdf")
    stream, _, boundary = stream_encode_multipart({**FORM, "files": file})
    received = await parsed(stream.read(), f'multipart/form-data; boundary="{boundary}"')
    assert "received_on" not in received  # read as the empty summary's value
