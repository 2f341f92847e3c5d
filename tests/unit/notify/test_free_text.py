"""Words the service did not write (a school's name, a caseworker's reasons) reach every channel inert.

A hostile or careless value carries GOV.UK Notify's ((placeholder)) and Markdown syntax, HTML, line
breaks and a bidirectional override. Rendered into a notice (notify/templates.py) and sent, it must stay
text on each channel: one line in the plain text, escaped for Notify's Markdown and HTML, text/plain
over SMTP, a JSON string on a webhook.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from io import StringIO
from pathlib import Path

import httpx
import pytest

from notify.base import Message, Recipient
from notify.console import ConsoleNotifier
from notify.escape import govuk_body, govuk_subject, plain
from notify.file import FileNotifier
from notify.govuk import GovUkNotifyNotifier
from notify.smtp import SmtpNotifier
from notify.templates import APPEAL_RIGHTS, TEMPLATES, Authority, render
from notify.webhook import WebhookNotifier

HOSTILE = "((secret)) # heading [link](http://x) <script>alert(1)</script>"
SCHOOL = f"Riverside\n\n# Urgent\n\n{HOSTILE}\u202egpj.exe"
REASON = f"the school was closed\r\nMediation adviser: call 0900 000 000\n{HOSTILE}"
AUTHORITY = Authority(
    name="Northshire County Council",
    mediation_adviser="Northshire Mediation",
    mediation_contact="send-mediation@northshire.example",
    disagreement_resolution="Northshire DRS",
    information_advice_service="Northshire SENDIASS",
)
API_KEY = "ehcp_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"


def notices() -> list[Message]:
    """A school's consultation naming the hostile school, and an exception giving the hostile reason."""
    made = []
    for template, step, facts in (
        ("school_consulted", f"consultation with {SCHOOL}", {}),
        ("exception_applied", f"exception to {SCHOOL}", {"reason": REASON}),
    ):
        subject, body = render(
            template,
            case_ref="assessment-5d1c",
            step=step,
            on=date(2025, 2, 17),
            facts=facts,
            authority=AUTHORITY,
        )
        made.append(
            Message(
                idempotency_key=f"assessment-5d1c:{template}",
                recipient=Recipient("email", "senco@riverside.sch.example", "Riverside SENCO"),
                subject=subject,
                body=body,
                case_ref="assessment-5d1c",
                template=template,
            )
        )
    return made


@pytest.mark.parametrize("message", notices(), ids=lambda m: m.template)
def test_the_plain_text_holds_each_value_on_one_line_without_hidden_characters(message: Message) -> None:
    lines = message.body.split("\n")

    assert "\u202e" not in message.body + message.subject
    assert "\r" not in message.body
    assert not any(line.startswith(("#", "Mediation adviser")) for line in lines)
    [line] = [line for line in lines if HOSTILE in line]  # the words themselves are all still there
    assert line.startswith(("The local authority consulted you", "On 17 February 2025"))


def _inert_for_notify(text: str) -> None:
    assert "((" not in text
    assert re.search(r"(?<!\\)[\[\]]", text) is None  # no link can open
    assert re.search(r"(?<!\\)\(", text) is None  # nor a link's target, nor a ((placeholder))
    assert "<" not in text
    assert ">" not in text
    assert not any(line.lstrip().startswith(("#", "^", "*", "-", "•")) for line in text.split("\n"))


@pytest.mark.parametrize("message", notices(), ids=lambda m: m.template)
async def test_gov_uk_notify_gets_the_words_escaped_for_its_markdown_and_html(message: Message) -> None:
    sent: list[httpx.Request] = []

    def notify(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "GET":
            return httpx.Response(200, json={"notifications": []})
        return httpx.Response(201, json={"id": "740e5834-3a29-46b4-9a6f-16142fde533a"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(notify)) as client:
        notifier = GovUkNotifyNotifier(API_KEY, email_template_id="t", client=client)
        await notifier.send(message)

    personalisation = json.loads(sent[-1].content)["personalisation"]
    _inert_for_notify(personalisation["body"])
    assert "((" not in personalisation["subject"]
    # Notify's Markdown removes the backslashes, and its HTML shows the entities, as the words themselves
    shown = re.sub(r"\\(.)", r"\1", personalisation["body"]).replace("&lt;", "<").replace("&gt;", ">")
    assert shown.replace("&amp;", "&") == message.body


def test_notify_escaping_keeps_a_bare_url_whole_and_the_rest_literal() -> None:
    assert govuk_body("[link](http://x)") == r"\[link\]\(http://x)"
    assert govuk_body("((secret))") == r"\(\(secret))"
    assert (
        govuk_body("see https://ipsea.org.uk/a(b)[c] now") == r"see https://ipsea.org.uk/a%28b%29%5Bc\] now"
    )
    assert govuk_body("Smith & Jones <b>") == "Smith &amp; Jones &lt;b&gt;"
    assert govuk_body(r"a\b *x* _y_ ~z~ `c` !") == r"a\\b \*x\* \_y\_ \~z\~ \`c\` \!"
    assert govuk_body("line one\n\nline two") == "line one\n\nline two"
    assert govuk_subject("Case ((secret)) at (a)") == "Case ( (secret) ) at (a)"


@pytest.mark.parametrize("message", notices(), ids=lambda m: m.template)
def test_smtp_sends_the_words_as_plain_text_only(message: Message) -> None:
    email = SmtpNotifier("127.0.0.1", 25, sender="SEND Team <send@council.example>").build_email(message)

    assert email.get_content_type() == "text/plain"
    assert not email.is_multipart()
    assert email.get_content().rstrip("\n") == message.body
    assert "\n" not in str(email["Subject"])


@pytest.mark.parametrize("message", notices(), ids=lambda m: m.template)
async def test_a_webhook_carries_the_words_as_a_json_string(message: Message) -> None:
    sent: list[httpx.Request] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202)

    hook = dataclasses.replace(message, recipient=Recipient("webhook", "https://trust.example/notices"))
    async with httpx.AsyncClient(transport=httpx.MockTransport(endpoint)) as client:
        await WebhookNotifier(b"secret", client=client).send(hook)

    assert sent[0].headers["Content-Type"].startswith("application/json")
    payload = json.loads(sent[0].content)
    assert (payload["subject"], payload["body"]) == (message.subject, message.body)
    assert "\u2028" not in sent[0].content.decode()
    assert "\u2029" not in sent[0].content.decode()


@pytest.mark.parametrize("message", notices(), ids=lambda m: m.template)
async def test_the_outbox_file_and_the_console_show_the_words_as_text(
    message: Message, tmp_path: Path
) -> None:
    stream = StringIO()
    await ConsoleNotifier(stream).send(message)
    delivery = await FileNotifier(tmp_path).send(message)

    written = (tmp_path / delivery.provider_ref).read_text()
    head, body = written.split("\n\n", 1)
    assert body.rstrip("\n") == message.body  # the words cannot reach the headers above the blank line
    assert [line.split(":")[0] for line in head.split("\n")] == [
        "To",
        "Subject",
        "Case",
        "Template",
        "Idempotency-Key",
    ]
    assert message.body in stream.getvalue()


def test_plain_drops_controls_and_bidi_but_keeps_joiners_and_letters() -> None:
    assert plain("a\tb\r\nc\u2028d\u00a0e") == "a b c d e"
    assert plain("x\x00\x1b[31my\u202e\u2066z\u200b\ufeff") == "x[31myz"
    assert plain("\U0001f469\u200d\U0001f4bb") == "\U0001f469\u200d\U0001f4bb"  # an emoji sequence
    assert plain("Ysgol Gymraeg Bro Ogwr, مدرسة") == "Ysgol Gymraeg Bro Ogwr, مدرسة"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_no_template_starts_a_line_with_a_value(template: str) -> None:
    """Block syntax counts only at a line's start: free text never stands there."""
    for text in (*TEMPLATES[template], APPEAL_RIGHTS):
        assert not any(line.startswith("{") for line in text.split("\n")), template
