"""A timeline printed for a person: aligned columns, the exceptions with their reasons, the advice set."""

from __future__ import annotations

from statute.model import Timeline

_COLUMNS = ("deadline", "id", "due", "practical", "status", "met on", "from", "rule")


def render_table(timeline: Timeline) -> str:
    rows = [
        (
            d.deadline,
            d.id or "",
            d.due.isoformat(),
            d.practical_due.isoformat(),
            d.status,
            d.met_on.isoformat() if d.met_on else "",
            f"{d.from_event} {d.from_date.isoformat()}",
            d.rule + ("" if d.statutory else " (not statutory)"),
        )
        for d in timeline.deadlines
    ]
    widths = [max(len(row[i]) for row in [_COLUMNS, *rows]) for i in range(len(_COLUMNS))]
    lines = [f"Statutory timeline as of {timeline.as_of.isoformat()}", ""]
    for row in [_COLUMNS, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    if not rows:
        lines.append("(no deadlines: the history has no event that starts a statutory clock)")
    if timeline.exceptions:
        lines += ["", "Exceptions"]
        for e in timeline.exceptions:
            target = f"advice {e.advice_id}" if e.advice_id else e.deadline
            verdict = "accepted" if e.accepted else "refused"
            lines.append(f"  {e.kind} against {target}: {verdict}. {e.reason}")
    if timeline.required_advice:
        lines += ["", "Advice required (reg 6)"]
        for a in timeline.required_advice:
            name = f"{a.advice} ({a.id})" if a.id else a.advice
            asked = f"requested: {', '.join(a.requested)}" if a.requested else "not yet requested"
            lines.append(f"  {name}, {a.rule}; {asked}")
            lines.extend(f"      - {condition}" for condition in a.conditions)
            if a.reuse:
                lines.append(f"      - reuse: {a.reuse.reason}")
    return "\n".join(lines)
