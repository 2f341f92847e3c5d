"""The notice templates: the plain words of every notice the service sends, by template name.

Each notice names the case, the step and the date ("Decision whether to assess due 17 February 2025"),
never "you have new information". A decision that can be appealed (a template named `decision_...`)
carries the appeal deadline and the mediation information reg 32 of the SEND Regulations 2014 requires
(CFA 2014 s.51-55). `render` fills a template from plain values; the outbox and the channel adapters send
what it returns (activities/notices.py). Every value put into a notice is first made one plain line
(notify/escape.py), so a school's name or a caseworker's reasons cannot add paragraphs or hidden text; a
template name with no wording here is an error (`UnknownTemplate`), never a generic notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from notify.base import NotifyConfigError
from notify.escape import plain

# template -> (subject, opening paragraph). {step} and {on} are always given; other names from `facts`.
TEMPLATES: dict[str, tuple[str, str]] = {
    "request_received": (
        "New EHC needs assessment request, case {case}",
        "A request for an EHC needs assessment was received on {on}. The decision whether to assess is due "
        "within 6 weeks (reg 5(1)).",
    ),
    "advice_request": (
        "Advice requested for an EHC needs assessment, case {case}, due {due}",
        "The local authority asks for your advice under regulation 6 of the SEND Regulations 2014 "
        "({step}), requested on {on}. Please send it by {due} (6 weeks, reg 8(1)); the last working day "
        "before then is {practical_due}.",
    ),
    "advice_reminder": (
        "Reminder: advice for case {case} is due {due}",
        "This is a reminder that your advice ({step}) is due by {due}.",
    ),
    "advice_overdue": (
        "Overdue: advice for case {case} was due {due}",
        "Your advice ({step}) was due by {due} and has not arrived. Please send it now, or tell the SEND "
        "team of any exceptional circumstances (reg 8(2)).",
    ),
    "advice_escalated": (
        "Escalation: advice for case {case} is overdue since {due}",
        "Advice ({step}) was due by {due} and is still outstanding after reminders. Please take it up "
        "with the agency.",
    ),
    "deadline_breached": (
        "Deadline missed on case {case}: {step}, due {on}",
        "The {limit} {step} fell due on {on} and has not been met.",
    ),
    "deadline_escalated": (
        "Escalation on case {case}: {step}, overdue since {on}",
        "The {limit} {step} fell due on {on} and is still not met.",
    ),
    "draft_served": (
        "Draft EHC plan for case {case}: representations by {representations_end}",
        "The draft EHC plan was served on {on}. You have 15 days, to {representations_end}, to make "
        "representations, ask for a particular school or college to be named, and ask to meet an officer "
        "(reg 13(1)). You can also ask for a personal budget.",
    ),
    "school_consulted": (
        "Consultation on naming your school, case {case}",
        "The local authority consulted you on {on} about naming your school or college in an EHC plan "
        "({step}). Please respond within 15 days.",
    ),
    "final_issued": (
        "Final EHC plan issued, case {case}",
        "The final EHC plan was issued on {on}. You can appeal its sections B, F and I to the First-tier "
        "Tribunal (SEND).",
    ),
    "review_reminder": (
        "Arrange the review on case {case}: {step} falls due {on}",
        "The review {step} falls due on {on}. Hold the meeting by {meeting_by}, so the decision can follow "
        "within 4 weeks (reg 20(10)), and send the invitations, with the advice and information, by "
        "{invitations_by} (at least 2 weeks before, reg 20(2)-(4)).",
    ),
    "review_decision_keep": (
        "Annual review decision, case {case}: the EHC plan stays as it is",
        "After the annual review, on {on} the local authority decided to keep the EHC plan as it is "
        "(reg 20(10)). If you asked for changes and disagree, you can appeal a decision not to amend the "
        "plan to the First-tier Tribunal (SEND) (CFA s.51(2)(d)).",
    ),
    "amendment_notice": (
        "Proposed amendments to the EHC plan, case {case}: representations by {representations_end}",
        "On {on} the local authority sent you a copy of the EHC plan with a notice of the amendments it "
        "proposes, and the evidence for them (reg 22(2)). You have 15 days, to {representations_end}, to "
        "make representations, ask for a particular school or college to be named, and ask to meet an "
        "officer. The amended plan must be issued by {due} (8 weeks, reg 22(3)).",
    ),
    "amended_plan_issued": (
        "Amended EHC plan issued, case {case}",
        "The amended EHC plan was issued on {on}. You can appeal its sections B, F and I, and the school "
        "or college named, to the First-tier Tribunal (SEND).",
    ),
    "decision_cease": (
        "Decision to cease the EHC plan, case {case}",
        "On {on} the local authority decided to cease to maintain the EHC plan (regs 29-31). The plan stays "
        "in place while you can appeal, and until any appeal is decided (CFA s.45).",
    ),
    "decision_refuse_amend": (
        "Decision not to amend the EHC plan, case {case}",
        "On {on} the local authority decided not to amend the EHC plan after all, after the annual review "
        "(reg 22(4)). Its reasons: {reasons}",
    ),
    "amendment_not_made": (
        "The EHC plan will not be amended, case {case}",
        "On {on} the local authority decided not to make the amendments it proposed to the EHC plan (reg "
        "22(4)). Its reasons: {reasons}. The plan stays as it was.",
    ),
    "decision_refuse_reassess": (
        "Decision not to reassess, case {case}",
        "On {on} the local authority decided not to carry out a re-assessment of the child's or young "
        "person's education, health and care needs (reg 25).",
    ),
    "plan_transferred": (
        "EHC plan transferred to the new local authority, case {case}",
        "On {on} the EHC plan was transferred to the local authority you are moving to (reg 15). That "
        "authority must tell you within 6 weeks whether it will review or reassess the plan.",
    ),
    "plan_ceased": (
        "EHC plan ceased, case {case}",
        "The local authority stopped maintaining the EHC plan on {on}, after the time to appeal its decision "
        "had passed or an appeal was decided.",
    ),
    "exception_applied": (
        "Timescale exception on case {case}: {step}",
        "On {on} the local authority applied an exception to a statutory time limit ({step}): {reason}. "
        "The duty becomes to act as soon as practicable (SEND Code of Practice 9.43 asks that you are told).",
    ),
    "decision_refuse_assess": (
        "Decision not to carry out an EHC needs assessment, case {case}",
        "On {on} the local authority decided not to carry out an EHC needs assessment (reg 5).",
    ),
    "decision_plan_content": (
        "EHC plan issued, with the right to appeal, case {case}",
        "On {on} the local authority issued the {plan}. You can appeal to the First-tier Tribunal (SEND) "
        "against the special educational needs it describes (section B), the special educational provision "
        "it specifies (section F), and the school or college it names, or its naming none (section I) "
        "(CFA s.51(2)). The school or college named: {school_named}.",
    ),
    "decision_not_issue": (
        "Decision not to issue an EHC plan, case {case}",
        "On {on} the local authority decided not to issue an EHC plan after the assessment (reg 10).",
    ),
}

APPEAL_RIGHTS = (
    "You have the right to appeal this decision to the First-tier Tribunal (Special Educational Needs and "
    "Disability). The last day to appeal is {appeal_due}: 2 months from this notice, or 1 month from a "
    "mediation certificate if that is later.\n"
    "Before appealing you must contact the mediation adviser, and get a mediation certificate, unless "
    "your appeal is only about the school or college named (CFA s.55). You may ask for mediation "
    "(CFA s.53-54); tell us whether you will, and the issues.\n"
    "Mediation adviser: {mediation_adviser}\n"
    "Contact at the local authority about mediation: {mediation_contact}\n"
    "Disagreement resolution: {disagreement_resolution}\n"
    "Information, advice and support: {information_advice_service}"
)


@dataclass(frozen=True, slots=True)
class Authority:
    """The local authority that signs every notice, and the contacts an appealable decision gives (reg 32)."""

    name: str
    mediation_adviser: str
    mediation_contact: str
    disagreement_resolution: str
    information_advice_service: str


class UnknownTemplate(NotifyConfigError):
    """A notice names a template that has no wording in `TEMPLATES`: nothing is sent."""


def long_date(day: str | date) -> str:
    """A date as GOV.UK writes it: 17 February 2025."""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value.day} {value:%B %Y}"


class _Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"({key} not recorded)"


def render(
    template: str, *, case_ref: str, step: str, on: date, facts: Mapping[str, str], authority: Authority
) -> tuple[str, str]:
    """The subject and body of a notice, in plain words.

    `case_ref` is the case's reference (its workflow id), `step` the statutory step and `on` its date;
    `facts` fill the template's other names (ISO dates among them are written out in full). Each value
    is made one plain line first. A name with no fact reads "(name not recorded)"; a template with no
    wording here raises `UnknownTemplate`.
    """
    if template not in TEMPLATES:
        raise UnknownTemplate(
            f"no notice template {template!r} in notify/templates.py, so the notice on case {case_ref} "
            "was not sent: add the template's wording to TEMPLATES"
        )
    filled = _Facts(
        # `limit` says whether a missed deadline is the law's or the service's own target; notices
        # queued before workflows gave it read "deadline".
        {"limit": "deadline"}
        | {key: long_date(value) if _is_date(value) else plain(value) for key, value in facts.items()},
        case=plain(case_ref),
        step=plain(step),
        on=long_date(on),
        mediation_adviser=plain(authority.mediation_adviser),
        mediation_contact=plain(authority.mediation_contact),
        disagreement_resolution=plain(authority.disagreement_resolution),
        information_advice_service=plain(authority.information_advice_service),
    )
    subject, opening = TEMPLATES[template]
    body = [opening.format_map(filled)]
    if template.startswith("decision_"):
        body.append(APPEAL_RIGHTS.format_map(filled))
    body.append(f"Case reference: {filled['case']}\n{plain(authority.name)}")
    return subject.format_map(filled), "\n\n".join(body)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
