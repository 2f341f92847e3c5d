"""An agency's advice upload is taken only when each whole file is the type it claims, and is stored under
a name that cannot disguise it (reg 8; api/services/uploads.py)."""

from __future__ import annotations

import gc

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.documents import image, pdf

from .conftest import People, Temporal
from .test_advice import assessed_case, documents, upload

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"


async def test_a_pdf_header_followed_by_html_is_refused_naming_the_file(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    url = f"/api/advice-requests/{case_id}/ep/advice"

    for name, content in (
        ("advice.pdf", b"%PDF-1.7\n" + HTML),
        ("advice.pdf", b"%PDF-1.7\n" + HTML + b"%%EOF\n"),
        ("real.pdf", pdf() + HTML),
        ("photo.png", image("PNG") + HTML),
    ):
        refused = await api.post(
            url,
            headers=people.psychology.auth,
            **upload(("ep.pdf", pdf()), (name, content), received_on=today),
        )
        assert refused.status_code == 422, (name, refused.text)
        body = refused.json()
        assert body["field"] == "files"
        assert f"'{name}' is not a" in body["detail"], body["detail"]
    assert await documents(sessions) == 0


async def test_a_stored_name_is_shown_back_without_what_could_disguise_it(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    sent = await api.post(
        f"/api/advice-requests/{case_id}/ep/advice",
        headers=people.psychology.auth,
        # U+202E shows "advice\u202efdp.exe" as "advice.exe.pdf"; the content is a PDF
        **upload(("..\\..\\advice\u202efdp.exe", pdf()), received_on=await temporal.today()),
    )

    assert sent.status_code == 200, sent.text
    assert [d["filename"] for d in sent.json()["documents"]] == ["advicefdp.exe.pdf"]


def broken_form(boundary: str) -> bytes:
    """A form whose empty `summary` lacks the line ending its value, as Werkzeug 3.1 encodes one: the
    parts after it are read as that value."""
    return (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="summary"\r\n\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="received_on"\r\n\r\n2026-01-01\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
        "%PDF-1.7\r\n"
        f"--{boundary}--\r\n"
    ).encode()


async def test_a_broken_form_leaves_no_file_open_whoever_sends_it(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Refused (403 to the wrong role, 422 to the right one), and every temporary file it made is closed:
    one left for the garbage collector fails this test as an unraisable ResourceWarning."""
    case_id = await assessed_case(api, people, temporal, sessions)
    form = {"content-type": "multipart/form-data; boundary=b0undary"}
    answers = {}
    for who, name in (
        (people.caseworker, "caseworker"),
        (people.manager, "manager"),
        (people.psychology, "ep"),
    ):
        for route in (f"/api/advice-requests/{case_id}/ep/advice", f"/api/cases/{case_id}/advice/ep"):
            sent = await api.post(route, content=broken_form("b0undary"), headers={**who.auth, **form})
            answers[name, route.split("/")[2]] = sent.status_code
            gc.collect()
    assert answers == {
        ("caseworker", "advice-requests"): 403,
        ("caseworker", "cases"): 422,
        ("manager", "advice-requests"): 403,
        ("manager", "cases"): 422,
        ("ep", "advice-requests"): 422,
        ("ep", "cases"): 403,
    }
    assert await documents(sessions) == 0
