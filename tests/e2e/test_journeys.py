"""Each role's work in a real browser (issue 10 s.7), on the real stack: sign in, find the work, open it;
no WCAG 2.2 AA violation (axe-core) and no browser error (a script or style the policy refused, a missing
asset) on any page visited; a page at 320 px wide scrolls only down. Screenshots of the main pages go to
`$EHCP_SCREENSHOTS` when it is set (`make screenshots` sets docs/screenshots)."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from api.services.clock import today_in_england
from tests.documents import pdf

from .conftest import Stack, axe_violations

SHOTS = os.environ.get("EHCP_SCREENSHOTS")


@pytest.fixture
def console(page: Page) -> list[str]:
    """Every error the browser reports while the test runs."""
    errors: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", heard)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def checked(page: Page, console: list[str], shot: str | None = None) -> None:
    """The page as it stands has no accessibility violation and the browser reported no error."""
    assert axe_violations(page) == [], page.url
    assert console == [], page.url
    if SHOTS and shot:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"), full_page=True)


def sign_in(page: Page, stack: Stack, username: str) -> None:
    account = stack.account(username)
    page.goto(stack.url + "/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email address").fill(account["email"])
    page.get_by_label("Password", exact=True).fill(account["password"])
    page.get_by_role("button", name="Sign in").click()


def test_a_caseworker_signs_in_finds_a_case_and_reads_its_timeline(
    page: Page, stack: Stack, console: list[str]
) -> None:
    page.goto(stack.url + "/")
    checked(page, console, "start")
    sign_in(page, stack, "demo-caseworker")
    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()
    checked(page, console, "your-cases")
    page.get_by_role("link", name="Demo Advice Overdue").click()
    expect(page.get_by_role("heading", name="Demo Advice Overdue")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Decision whether to assess"))).to_be_visible()
    expect(page.get_by_text("Overdue").first).to_be_visible()
    checked(page, console, "case")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(stack.url + "/cases")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # signed out for good
    checked(page, console)


def test_a_wrong_password_is_shown_with_the_error_summary(
    page: Page, stack: Stack, console: list[str]
) -> None:
    page.goto(stack.url + "/sign-in")
    page.get_by_label("Email address").fill(stack.account("demo-caseworker")["email"])
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a correct email address and password")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Email address")).to_be_focused()
    console.clear()  # the 401 itself, which the browser reports
    checked(page, console, "sign-in-error")


def test_an_agency_answers_a_request_with_a_document(
    page: Page, stack: Stack, console: list[str], tmp_path: Path
) -> None:
    sign_in(page, stack, "demo-health")
    expect(page.get_by_role("heading", name="Advice requests")).to_be_visible()
    checked(page, console, "agency-inbox")
    page.get_by_role("link", name="Demo Advice Overdue").click()
    expect(page.get_by_role("heading", name="Demo Advice Overdue")).to_be_visible()
    checked(page, console, "agency-request")
    advice = tmp_path / "medical-advice.pdf"
    advice.write_bytes(pdf("The ICB's medical advice."))
    page.get_by_label("Your advice").set_input_files(advice)
    page.get_by_label("A note for the SEND team (optional)").fill("Seen in clinic on Monday.")
    page.get_by_role("button", name="Send advice").click()
    expect(page.get_by_role("heading", name="Advice sent")).to_be_visible()
    expect(page.get_by_role("link", name="medical-advice.pdf")).to_be_visible()
    checked(page, console, "agency-advice-sent")
    with page.expect_download() as download:
        page.get_by_role("link", name="medical-advice.pdf").click()
    assert Path(download.value.path()).read_bytes() == advice.read_bytes()
    page.goto(stack.url + "/cases")
    expect(page.get_by_role("heading", name="You cannot see this page")).to_be_visible()


def test_the_pages_fit_a_small_screen(page: Page, stack: Stack, console: list[str]) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, stack, "demo-caseworker")
    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()
    for path in ("/cases", "/"):
        page.goto(stack.url + path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 320, f"{path} is {wide} px wide at 320 px"
    checked(page, console)


def test_a_manager_follows_the_dashboard_to_a_late_case(page: Page, stack: Stack, console: list[str]) -> None:
    sign_in(page, stack, "demo-manager")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    checked(page, console, "dashboard")
    table = page.get_by_role("table", name=re.compile("By deadline"))
    table.get_by_role("link", name=re.compile("overdue: Decision whether to assess")).click()
    heading = page.get_by_role("heading", name=re.compile("Overdue: decision whether to assess"))
    expect(heading).to_be_visible()
    checked(page, console, "overdue-list")
    page.get_by_role("link", name="Demo Decision Overdue").click()
    expect(page.get_by_role("heading", name="Demo Decision Overdue")).to_be_visible()
    checked(page, console)


def test_a_caseworker_issues_a_final_plan_through_its_form(
    page: Page, stack: Stack, console: list[str]
) -> None:
    sign_in(page, stack, "demo-caseworker")
    page.get_by_role("link", name="Demo Final Plan Overdue").click()
    page.get_by_role("link", name="Issue the final plan").click()
    expect(page.get_by_role("heading", name="Issue the final plan")).to_be_visible()
    checked(page, console, "action-form")
    page.get_by_role("button", name="Record the final plan").click()  # no date: the summary says so
    expect(page.get_by_role("alert")).to_contain_text("Enter the date the final plan was issued")
    console.clear()  # the 422 itself, which the browser reports
    checked(page, console, "action-form-error")
    today = today_in_england()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record the final plan").click()
    expect(page.get_by_text("Recorded: issue the final plan.")).to_be_visible()
    checked(page, console)


def test_a_caseworker_decides_to_assess_a_new_request(page: Page, stack: Stack, console: list[str]) -> None:
    sign_in(page, stack, "demo-caseworker")
    page.get_by_role("link", name="Demo New Request").click()
    page.get_by_role("link", name="Decide whether to assess").click()
    expect(page.get_by_role("heading", name="Decide whether to assess")).to_be_visible()
    checked(page, console, "decision-to-assess")
    page.get_by_label("Assess: carry out an EHC needs assessment").check()
    today = today_in_england()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Recorded: decide whether to assess.")).to_be_visible()
    expect(page.get_by_role("link", name="Decide whether to issue a plan")).to_be_visible()  # the next step
    checked(page, console)


def fill_date(page: Page, name: str, on: date) -> None:
    page.locator(f"#{name}-day").fill(str(on.day))
    page.locator(f"#{name}-month").fill(str(on.month))
    page.locator(f"#{name}-year").fill(str(on.year))


def record_advice_by_post(page: Page, case_url: str, advice_id: str, on: date, letter: Path) -> None:
    page.goto(f"{case_url}/advice/{advice_id}")
    fill_date(page, "received_on", on)
    page.get_by_label("The advice").set_input_files(letter)
    page.get_by_label("How it came, and why it is recorded only now").fill("Came by post; scanned today.")
    page.get_by_role("button", name="Record the advice").click()
    expect(page.get_by_text("Recorded: the advice received.")).to_be_visible()


def take_step(
    page: Page,
    link: str,
    button: str,
    dates: dict[str, date],
    *,
    fill: dict[str, str] | None = None,
    check: str = "",
) -> None:
    """One step from the case page: its link, its dates, its boxes and choice, its button; then the case."""
    page.get_by_role("link", name=link).click()
    for name, on in dates.items():
        fill_date(page, name, on)
    for label, value in (fill or {}).items():
        page.get_by_label(label, exact=True).fill(value)
    if check:
        page.get_by_label(check, exact=True).check()
    page.get_by_role("button", name=button).click()
    expect(page.get_by_text(f"Recorded: {link.lower()}.")).to_be_visible()  # the step's own title


def test_a_request_is_recorded_and_taken_to_a_final_plan_with_an_approved_exception(
    page: Page, stack: Stack, console: list[str], tmp_path: Path
) -> None:
    """A caseworker records a request and takes it to a final plan; on the way they claim an exception to
    the 20 weeks, which a manager finds on the dashboard and approves."""
    today = today_in_england()
    received = today - timedelta(days=120)

    def on(days: int) -> date:
        return received + timedelta(days=days)

    sign_in(page, stack, "demo-caseworker")
    page.get_by_role("button", name="Record a request").click()  # a link drawn as a button
    expect(page.get_by_role("heading", name="Record a request for an assessment")).to_be_visible()
    checked(page, console, "record-request")
    page.get_by_label("Given name").fill("Journey")
    page.get_by_label("Family name").fill("Example")
    fill_date(page, "date_of_birth", date(2016, 5, 4))
    fill_date(page, "received_on", received)
    page.get_by_label("The child's parent").check()
    page.get_by_label("Name", exact=True).fill("Jo Example")
    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text("Recorded: the request for an assessment.")).to_be_visible()
    expect(page.get_by_role("heading", name="Journey Example")).to_be_visible()
    case_url = page.url.split("?")[0]

    page.get_by_role("link", name="Decide whether to assess").click()
    page.get_by_label("Assess: carry out an EHC needs assessment").check()
    fill_date(page, "decided_on", on(5))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Recorded: decide whether to assess.")).to_be_visible()

    page.get_by_role("link", name="Claim an exception to a time limit").click()
    expect(page.get_by_role("heading", name="Claim an exception to a time limit")).to_be_visible()
    checked(page, console, "exception-claim")
    page.get_by_label("Final plan", exact=True).check()
    page.get_by_label(re.compile("away from the area")).check()
    fill_date(page, "start", on(20))
    fill_date(page, "end", on(60))
    page.get_by_label("The evidence").fill(
        "The family were abroad for six weeks; the school's attendance record."
    )
    fill_date(page, "claimed_on", today)
    page.get_by_role("button", name="Claim the exception").click()
    expect(page.get_by_text("Waiting for a manager")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, stack, "demo-manager")
    waiting = page.get_by_role("table", name=re.compile("Exceptions waiting"))
    waiting.get_by_role("link", name=re.compile("Journey Example")).click()
    expect(page.get_by_role("heading", name="Approve an exception")).to_be_visible()
    checked(page, console, "exception-approval")
    page.get_by_role("button", name="Approve the exception").click()
    expect(page.get_by_text(f"Approved {today.day} {today:%B %Y}")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, stack, "demo-caseworker")
    letter = tmp_path / "advice.pdf"
    letter.write_bytes(pdf("Advice that came by post."))
    for advice_id in ("parent", "educational", "medical", "psychological", "social-care"):
        record_advice_by_post(page, case_url, advice_id, on(40), letter)
    checked(page, console)
    take_step(
        page,
        "Decide whether to issue a plan",
        "Record the decision",
        {"decided_on": on(45)},
        check="Issue a plan",
    )
    take_step(
        page, "Serve the draft plan", "Record the draft served", {"served_on": on(46)}, check="By email"
    )
    school = {"School or college": "Riverside Primary"}
    take_step(
        page,
        "Consult a school on being named",
        "Record the consultation",
        {"consulted_on": on(47)},
        fill=school,
    )
    take_step(
        page, "Record a consulted school's answer", "Record the answer", {"responded_on": on(50)}, fill=school
    )
    named = {"School or college named (optional)": "Riverside Primary"}
    take_step(page, "Issue the final plan", "Record the final plan", {"issued_on": on(90)}, fill=named)
    expect(page.get_by_text(re.compile("Final issued: Riverside Primary"))).to_be_visible()  # the decisions
    expect(page.get_by_role("link", name="Issue the final plan")).to_have_count(0)
    checked(page, console, "final-plan-issued")
