"""Multipart forms sent whole: the contract lane's encoder for the WSGI transport.

Schemathesis hands a multipart form to Werkzeug to encode, and Werkzeug 3.1's `MultipartEncoder` writes a
part whose value is empty (an empty `summary`, an empty file) without the line that ends its headers: the
next part's boundary is then read as that part's value, and every part after it vanishes. The API
answered such a body, correctly, that `files` was missing; the lane took it for a schema-valid request
refused. Forms are encoded here with urllib3's encoder (what Schemathesis's own HTTP transport uses), part
for part as Werkzeug would have: a text field as text, a file with its name and media type.
"""

from __future__ import annotations

from typing import Any

from schemathesis.core import Body
from schemathesis.transport import SerializationContext
from schemathesis.transport.requests import prepare_multipart_parts
from schemathesis.transport.serialization import Binary, serialize_binary
from schemathesis.transport.wsgi import WSGI_TRANSPORT, multipart_serializer
from urllib3.fields import RequestField
from urllib3.filepost import encode_multipart_formdata

FORM_DATA = "multipart/form-data"


def _text(name: str, value: Any) -> RequestField:
    field = RequestField(name=name, data=value if isinstance(value, (str, bytes)) else str(value))
    field.make_multipart()
    return field


def form_fields(files: list[Any] | None, data: dict[str, Any] | None) -> list[RequestField]:
    """The parts Schemathesis prepared, in Werkzeug's reading: fields first, then files."""
    fields: list[RequestField] = []
    for name, value in (data or {}).items():
        for one in value if isinstance(value, list) else [value]:
            fields.append(_text(name, one))
    for name, part in files or []:
        if isinstance(part, tuple):
            filename, content, *rest = part
            content_type = rest[0] if rest else None
        else:  # a bare value carries no filename of its own and is named after its field
            filename, content, content_type = name, part, None
        if filename is None and content_type is None and not isinstance(content, (bytes, Binary)):
            fields.append(_text(name, content))
            continue
        field = RequestField(name=name, data=serialize_binary(content), filename=filename)
        field.make_multipart(content_type=content_type or "application/octet-stream")
        fields.append(field)
    return fields


def encode_form(ctx: SerializationContext, value: Body) -> dict[str, Any]:
    """A `multipart/form-data` body as the WSGI transport sends it; any other shape as Schemathesis does."""
    if not isinstance(value, dict) or (ctx.case.media_type or FORM_DATA).split(";")[0] != FORM_DATA:
        return multipart_serializer(ctx, value)
    files, data = prepare_multipart_parts(ctx, value)
    body, content_type = encode_multipart_formdata(form_fields(files, data))
    return {"data": body, "content_type": content_type}


def install() -> None:
    """Encode the lane's forms here (Schemathesis's WSGI transport is one object: this lasts the run)."""
    WSGI_TRANSPORT.serializer(FORM_DATA)(encode_form)
