"""Free text made inert for each channel a notice goes through.

A notice carries words the service did not write: a school's name, a caseworker's reasons for an
exception, an advice label. `plain` makes each one a single line of visible characters before it is put
into a notice (notify/templates.py), so it cannot start a paragraph of its own, forge a line such as
"Mediation adviser: ...", or hide text behind bidirectional controls (U+202E). The plain text that
results is what the outbox, the console, SMTP (text/plain) and the signed webhooks (a JSON string) carry.

GOV.UK Notify is the one channel that reads its text as markup: it fills the template's ((body)) and
then renders the result as its Markdown (links `[text](url)`, headings, lists, inset text) and as
HTML. `govuk_body` and `govuk_subject` make the plain text read as itself there: no link, heading or
placeholder can come from a notice's words.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width joiners are part of how some scripts and emoji are written; every other format character
# (bidi embeddings, overrides and isolates, zero-width spaces, the BOM) only hides or reorders text.
_KEPT_FORMAT = frozenset({"\u200c", "\u200d"})
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co"})

# Notify's own rule for a bare URL (mistune's `url`, as notifications-utils sets it): such a URL is shown
# as a link to itself, as any mail client shows one; it is kept whole, only its brackets percent-encoded.
_URL = re.compile(r"""https?://[^\s<]+[^<.,:"')\]\s]""")
# Inline Markdown (mistune 0.8, which Notify uses) starts with one of these; "(" also begins a ((name))
# placeholder and the target of a link. Block syntax (#, lists, ^ inset text) only counts at the start of
# a line, where no free text ever is (`plain` makes it one line, and the templates never start a line
# with a fact).
_MARKDOWN = re.compile(r"([\\`*_~\[\]!(])")
_URL_BRACKETS = {"(": "%28", ")": "%29", "[": "%5B", "]": "%5D"}


def plain(text: str) -> str:
    """`text` as one line of visible characters: line breaks and other spacing become single spaces;
    control, bidirectional, zero-width and private-use characters are dropped."""
    kept = (
        " " if c.isspace() else c
        for c in unicodedata.normalize("NFC", text)
        if c.isspace() or c in _KEPT_FORMAT or unicodedata.category(c) not in _DROPPED
    )
    return " ".join("".join(kept).split())


def govuk_body(text: str) -> str:
    """Plain text as GOV.UK Notify's ((body)) value: Markdown and placeholder syntax escaped with
    backslashes (Notify's Markdown removes them again), HTML's `&`, `<` and `>` escaped, line breaks
    kept. A bare URL stays a URL, with its brackets percent-encoded."""
    out: list[str] = []
    at = 0
    for url in _URL.finditer(text):
        out.append(_escape(text[at : url.start()]))
        out.append("".join(_URL_BRACKETS.get(c, c) for c in html.escape(url.group(), quote=False)))
        at = url.end()
    out.append(_escape(text[at:]))
    return "".join(out)


def govuk_subject(text: str) -> str:
    """Plain text as GOV.UK Notify's ((subject)) value. A subject is not Markdown (a backslash would be
    shown), so only a double bracket, which could read as a ((placeholder)), is parted with a space."""
    return re.sub(r"([()])(?=[()])", r"\1 ", plain(text))


def _escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
