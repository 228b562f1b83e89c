"""Every status machine of the app, and the page that shows their tables (docs/lifecycles.md).

``python -m conference.lifecycles`` writes the page from the tables; a test fails when the
page and the tables differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conference.actions.lifecycle import ACTION
from conference.conferences.lifecycle import CONFERENCE
from conference.escalation.lifecycle import ENTRY
from conference.meetings.lifecycle import ITEM
from conference.referrals.lifecycle import CASE, REFERRAL
from conference.states import Actor, Machine
from conference.system_issues.lifecycle import ISSUE
from conference.transfers.lifecycle import TRANSFER

#: Each machine with the name it has in its module, in the order of the MARAC cycle.
MACHINES: tuple[tuple[str, Machine[Any, Any]], ...] = (
    ("conference/referrals/lifecycle.py", REFERRAL),
    ("conference/referrals/lifecycle.py", CASE),
    ("conference/conferences/lifecycle.py", CONFERENCE),
    ("conference/meetings/lifecycle.py", ITEM),
    ("conference/actions/lifecycle.py", ACTION),
    ("conference/transfers/lifecycle.py", TRANSFER),
    ("conference/escalation/lifecycle.py", ENTRY),
    ("conference/system_issues/lifecycle.py", ISSUE),
)
PAGE = Path(__file__).resolve().parent.parent / "docs" / "lifecycles.md"

INTRO = """\
# Lifecycles

<!-- Written by `python -m conference.lifecycles` from the tables; a test checks they match. -->

Eight things in the app have a status: a referral, a case, a conference, an agenda item, an
action, a case's transfer to another MARAC, an entry of the escalation register and a system
issue. Each has one
transition table, in its domain's `lifecycle.py`, and every service that changes a status goes
through it (`Machine.transition` in `conference/states.py`); pages that ask "can this happen
now?" ask the same table. A row says from which statuses to which, what the move is, who may
make it and what must hold (its guards). A move that is not in the table, or whose guard does
not hold, is refused with `InvalidTransition` and a message saying why; someone who may make no
move into that status at all is refused with `PermissionDenied`.

Who may:
"""

#: What each kind of actor means, for the page.
WHO = {
    Actor.COORDINATOR: "a coordinator of the MARAC (for an escalation register entry, of the "
    "entry's MARAC)",
    Actor.CHAIR: "for a conference and its agenda, the conference's chair; for a case or an "
    "action, anyone holding the chair role in its MARAC",
    Actor.REFERRER: "the user who referred, while still in that agency with a referring role",
    Actor.OWNER_AGENCY: "the representatives and advocates of the agency that owns the action",
    Actor.SENDER: "for a transfer, a coordinator of the MARAC the case leaves (a coordinator, "
    "for a transfer, is one of the MARAC it goes to)",
    Actor.STEERING: "a member of the MARAC's steering group",
    Actor.SYSTEM: "called with no user: the publishing job, and set-up code such as the demo "
    "(the escalation job opens register entries; it moves none)",
}


def page() -> str:
    """The whole page, as the tables stand."""
    who = [f"- **{kind.label}**: {WHO[kind]}." for kind in Actor]
    sections = [_section(path, machine) for path, machine in MACHINES]
    return "\n".join([INTRO, *who, "", *sections]).rstrip("\n") + "\n"


def _section(path: str, machine: Machine[Any, Any]) -> str:
    def cells(*values: str) -> str:
        return "| " + " | ".join(values) + " |"

    lines = [
        f"## {machine.noun.capitalize()}",
        "",
        f"Table in `{path}`. Statuses: {', '.join(s.label for s in machine.states)}.",
        "",
        cells("From", "To", "Move", "Who may", "What must hold"),
        cells(*["---"] * 5),
    ]
    for row in machine.moves:
        lines.append(
            cells(
                ", ".join(source.label for source in row.sources),
                row.target.label,
                row.name,
                ", ".join(kind.label for kind in Actor if kind in row.by),
                "; ".join(guard.name for guard in row.guards) or "—",
            )
        )
    allowed, statuses = machine.pairs(), [status for status in machine.states]
    lines += ["", "Every pair at a glance (rows from, columns to; ✓ allowed, · refused):", ""]
    lines.append(cells("from \\ to", *(s.label for s in statuses)))
    lines.append(cells(*["---"] * (len(statuses) + 1)))
    for source in statuses:
        marks = ("✓" if (source, target) in allowed else "·" for target in statuses)
        lines.append(cells(source.label, *marks))
    return "\n".join([*lines, ""])


if __name__ == "__main__":
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(page())
    print(f"Wrote {PAGE.name}")
