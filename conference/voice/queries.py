"""Reading the victim's voice: an advocate's cases, and the voice recorded on agenda items."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, raiseload

from conference.accounts.models import User
from conference.conferences import listing
from conference.conferences.choices import ConferenceStatus, ItemStatus
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.referrals.models import Case
from conference.voice.choices import OutcomeResult
from conference.voice.models import VictimVoice
from conference.voice.permissions import voice_marac_ids

#: Concluded conferences stay on the advocate's list this long, for telling her the outcome.
RECENT_DAYS = 60
#: Conferences still to be held, or being held.
AHEAD = (
    ConferenceStatus.SCHEDULED,
    ConferenceStatus.AGENDA_PUBLISHED,
    ConferenceStatus.IN_PROGRESS,
)
#: Conferences that are over.
OVER = (ConferenceStatus.CONCLUDED, ConferenceStatus.MINUTES_FINAL)
#: Items the meeting has dealt with.
DEALT_WITH = (ItemStatus.DISCUSSED, ItemStatus.DEFERRED)

NOT_RECORDED = "Not recorded"
RECORDED = "Recorded"
#: States that speak of the victim hold placeholders for their pronouns (conference.pronouns).
OUTCOME_DUE = "Outcome to tell {them}"
OUTCOME_TOLD = "Outcome told"
#: What the list says once the outcome is recorded, by what came of it.
OUTCOME_STATES = {
    OutcomeResult.TOLD: OUTCOME_TOLD,
    OutcomeResult.NOT_SAFE: "Not safe to contact {them}",
    OutcomeResult.NOT_REACHED: "Could not reach {them}",
}


def voices_for(item_ids: Collection[int]) -> dict[int, VictimVoice]:
    """Agenda item id -> the victim's voice recorded on it. One query."""
    if not item_ids:
        return {}
    rows = db.session.scalars(
        sa.select(VictimVoice)
        .where(VictimVoice.agenda_item_id.in_(set(item_ids)))
        .options(joinedload(VictimVoice.updated_by))
    )
    return {voice.agenda_item_id: voice for voice in rows}


def advocate_items(user: User, now: datetime) -> list[AgendaItem]:
    """The agenda items of the cases assigned to the user (as an advocate in their MARAC) on
    conferences ahead or in progress, or over in the last RECENT_DAYS days. One query."""
    marac_ids = voice_marac_ids(user)
    if not marac_ids:
        return []
    recent = sa.and_(
        Conference.status.in_(OVER), Conference.starts_at >= now - timedelta(days=RECENT_DAYS)
    )
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .join(AgendaItem.conference)
            .join(AgendaItem.case)
            .options(
                contains_eager(AgendaItem.conference).options(raiseload(Conference.chair)),
                contains_eager(AgendaItem.case),
                raiseload(AgendaItem.referral),
                raiseload(AgendaItem.overflowed_from),
            )
            .where(
                Case.advocate_id == user.id,
                Case.marac_id.in_(marac_ids),
                sa.or_(Conference.status.in_(AHEAD), recent),
            )
            .order_by(Conference.starts_at, Conference.id)
        )
    )


def by_conference(items: Sequence[AgendaItem]) -> list[tuple[Conference, list[AgendaItem]]]:
    """Items grouped by conference (in the order given), each group in meeting order."""
    groups: dict[int, tuple[Conference, list[AgendaItem]]] = {}
    for item in items:
        groups.setdefault(item.conference_id, (item.conference, []))[1].append(item)
    return [(conference, listing.ordered(group)) for conference, group in groups.values()]


def is_over(item: AgendaItem) -> bool:
    """The meeting has dealt with the item, or is over: the outcome is hers to be told."""
    return item.status in DEALT_WITH or item.conference.status in OVER


def state_of(item: AgendaItem, voice: VictimVoice | None) -> str:
    """What the advocate has still to do on the item, in her list's words."""
    if is_over(item):
        if voice is None or voice.outcome_result is None:
            return OUTCOME_DUE
        return OUTCOME_STATES[voice.outcome_result]
    return RECORDED if voice else NOT_RECORDED
