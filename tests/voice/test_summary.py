"""The read-only block the chair's console and the minutes include, and reading voices."""

from __future__ import annotations

from datetime import date

from flask import render_template

from conference.db import utcnow
from conference.extensions import db
from conference.voice import queries
from conference.voice.choices import ContactMethod, OutcomeResult
from conference.voice.models import VictimVoice


def _voice(item, advocate, **values) -> VictimVoice:
    voice = VictimVoice(
        agenda_item_id=item.id,
        contact_made=True,
        contacted_on=date(2026, 3, 2),
        contact_method=ContactMethod.THROUGH_PROFESSIONAL,
        views="She wants him to stop coming to the school gate.",
        wishes="To stay in the house.",
        fears="That he will take the children.",
        consent_to_share="All of it.",
        safe_contact="Call the refuge office, ask for Room 4.",
        updated_by_id=advocate.id,
        updated_at=utcnow(),
        **values,
    )
    db.session.add(voice)
    db.session.commit()
    return voice


def _render(item, voice, show_safe_contact: bool) -> str:
    return render_template(
        "voice/_summary.html", item=item, voice=voice, show_safe_contact=show_safe_contact
    )


def test_without_a_voice_it_says_the_advocate_has_not_recorded_it(world, items):
    html = _render(items[0], None, show_safe_contact=True)
    assert html.lstrip().startswith(f'<section id="voice-{items[0].id}" class="app-voice"')
    assert "Her voice" in html
    assert "Her advocate has not recorded her voice for this meeting." in html


def test_it_shows_what_she_said_and_withholds_safe_contact_unless_allowed(world, items):
    voice = _voice(items[0], world.advocate)
    withheld = _render(items[0], voice, show_safe_contact=False)
    assert "Made on 2 March 2026: through another professional she trusts" in withheld
    for said in ("school gate", "stay in the house", "take the children", "All of it."):
        assert said in withheld
    assert "Withheld" in withheld and "Room 4" not in withheld
    assert "Told the outcome" not in withheld
    shown = _render(items[0], voice, show_safe_contact=True)
    assert "Call the refuge office, ask for Room 4." in shown and "Withheld" not in shown
    assert "Last recorded by Ada Vocate" in shown


def test_no_contact_and_the_outcome(world, items):
    voice = _voice(
        items[1],
        world.advocate,
        outcome_result=OutcomeResult.TOLD,
        outcome_told_on=date(2026, 3, 10),
        outcome_told_how=ContactMethod.PHONE,
        outcome_notes="She agreed to the plan.",
    )
    voice.contact_made, voice.contacted_on, voice.contact_method = False, None, None
    voice.no_contact_reason = "Her phone is monitored."
    db.session.commit()
    html = _render(items[1], voice, show_safe_contact=False)
    assert "Not made" in html and "Her phone is monitored." in html
    assert "Told on 10 March 2026: phone call" in html and "She agreed to the plan." in html


def test_voices_for_reads_every_item_in_one_query(world, items, count_queries):
    for item in items[:2]:
        _voice(item, world.advocate)
    with count_queries() as statements:
        found = queries.voices_for([i.id for i in items])
        names = [v.updated_by.name for v in found.values()]
    assert len(statements) == 1
    assert sorted(found) == sorted(i.id for i in items[:2]) and set(names) == {"Ada Vocate"}
    assert queries.voices_for([]) == {}
