"""`notify.templates.render`: each notice's words, its dates written out, and the appeal rights a decision
carries (reg 32)."""

from __future__ import annotations

from datetime import date
from string import Formatter

import pytest

from notify.templates import APPEAL_RIGHTS, TEMPLATES, Authority, UnknownTemplate, long_date, render
from workflows.common.rules import plan_issued

AUTHORITY = Authority(
    name="Northshire County Council",
    mediation_adviser="Northshire Mediation, 0100 000 0000",
    mediation_contact="send-mediation@northshire.example",
    disagreement_resolution="Northshire Disagreement Resolution Service",
    information_advice_service="Northshire SENDIASS",
)
CASE = "assessment-5d1c"
ON = date(2025, 2, 17)


def test_an_advice_request_in_full() -> None:
    subject, body = render(
        "advice_request",
        case_ref=CASE,
        step="educational advice",
        on=ON,
        facts={"due": "2025-03-31", "practical_due": "2025-03-31"},
        authority=AUTHORITY,
    )

    assert subject == "Advice requested for an EHC needs assessment, case assessment-5d1c, due 31 March 2025"
    assert body == (
        "The local authority asks for your advice under regulation 6 of the SEND Regulations 2014 "
        "(educational advice), requested on 17 February 2025. Please send it by 31 March 2025 (6 weeks, "
        "reg 8(1)); the last working day before then is 31 March 2025.\n\n"
        "Case reference: assessment-5d1c\nNorthshire County Council"
    )


def test_a_decision_carries_the_appeal_date_and_the_mediation_contacts() -> None:
    _, body = render(
        "decision_refuse_assess",
        case_ref=CASE,
        step="decision whether to assess",
        on=ON,
        facts={"appeal_due": "2025-04-17"},
        authority=AUTHORITY,
    )

    opening, rights, signature = body.split("\n\n")
    assert opening == (
        "On 17 February 2025 the local authority decided not to carry out an EHC needs assessment (reg 5)."
    )
    assert "The last day to appeal is 17 April 2025" in rights
    assert "Mediation adviser: Northshire Mediation, 0100 000 0000\n" in rights
    assert "Contact at the local authority about mediation: send-mediation@northshire.example\n" in rights
    assert "Disagreement resolution: Northshire Disagreement Resolution Service\n" in rights
    assert rights.endswith("Information, advice and support: Northshire SENDIASS")
    assert signature == "Case reference: assessment-5d1c\nNorthshire County Council"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_notice_names_its_case_and_only_a_decision_gives_appeal_rights(template: str) -> None:
    subject, body = render(template, case_ref=CASE, step="the step", on=ON, facts={}, authority=AUTHORITY)

    assert CASE in subject
    assert body.endswith(f"Case reference: {CASE}\nNorthshire County Council")
    assert ("right to appeal" in body) == template.startswith("decision_")


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_names_only_plain_fields(template: str) -> None:
    """A positional `{}` or an attribute `{a.b}` would fail, or leak, when a notice is sent."""
    for text in (*TEMPLATES[template], APPEAL_RIGHTS):
        for _, field, spec, conversion in Formatter().parse(text):
            if field is not None:
                assert field.isidentifier(), (template, field)
                assert not spec, (template, field)
                assert conversion is None, (template, field)


def test_a_missing_fact_is_said_to_be_missing_not_left_blank() -> None:
    subject, body = render(
        "advice_reminder", case_ref=CASE, step="health advice", on=ON, facts={}, authority=AUTHORITY
    )

    assert subject == "Reminder: advice for case assessment-5d1c is due (due not recorded)"
    assert body.startswith(
        "This is a reminder that your advice (health advice) is due by (due not recorded)."
    )


def test_a_template_without_words_is_an_error_not_a_generic_notice() -> None:
    with pytest.raises(UnknownTemplate, match=r"no notice template 'not_a_template'.*add the template"):
        render("not_a_template", case_ref=CASE, step="review", on=ON, facts={}, authority=AUTHORITY)


def test_only_dates_written_yyyy_mm_dd_among_the_facts_are_written_out() -> None:
    """A reference such as 20250217 parses as a date too (Python 3.11), but is not written as one."""
    _, body = render(
        "exception_applied",
        case_ref=CASE,
        step="reg 13(2)",
        on=ON,
        facts={"reason": "20250217"},
        authority=AUTHORITY,
    )

    assert "(reg 13(2)): 20250217." in body
    subject, _ = render(
        "advice_reminder", case_ref=CASE, step="", on=ON, facts={"due": "2025-03-31"}, authority=AUTHORITY
    )
    assert subject.endswith("is due 31 March 2025")


def test_long_date_is_as_gov_uk_writes_it() -> None:
    assert long_date(date(2025, 3, 1)) == "1 March 2025"
    assert long_date("2025-12-25") == "25 December 2025"


@pytest.mark.parametrize(
    ("school", "said"),
    [
        ("Riverside Primary", "The school or college named: Riverside Primary."),
        (None, "see section I of the plan"),
    ],
)
def test_an_issued_plans_notice_says_what_can_be_appealed_and_until_when(
    school: str | None, said: str
) -> None:
    """Issue 11 s.2: the final plan's notice is a decision with appeal rights, with the school it names."""
    facts = {"decision": "plan_content", "appeal_due": "2027-03-01"} | plan_issued("final EHC plan", school)
    subject, body = render(
        "decision_plan_content",
        case_ref=CASE,
        step="s",
        on=date(2026, 12, 31),
        facts=facts,
        authority=AUTHORITY,
    )
    assert subject == f"EHC plan issued, with the right to appeal, case {CASE}"
    assert "On 31 December 2026 the local authority issued the final EHC plan." in body
    for section in "BFI":
        assert f"(section {section})" in body
    assert said in body
    assert "The last day to appeal is 1 March 2027" in body
    assert "Mediation adviser: Northshire Mediation, 0100 000 0000" in body
