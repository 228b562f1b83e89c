"""Subject access: the search, the pack for a victim, a perpetrator and a child, redaction of
everyone else, and who may open it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.conferences import listing
from conference.db import utcnow
from conference.extensions import db
from conference.meetings.models import Discussion, PerpetratorRisk
from conference.referrals import services
from conference.referrals.choices import Decision
from conference.referrals.models import Child, Perpetrator, Referral
from conference.research.choices import Outcome
from conference.research.models import PerpetratorFinding, ResearchReturn
from conference.subject_access.redaction import dob_spellings
from conference.voice.choices import ContactMethod
from conference.voice.models import VictimVoice
from tests import factories
from tests.conftest import sign_in

VICTIM = ("Zennora", "Quillfeather", date(1987, 5, 19))
PERPETRATOR = ("Brannoc", "Vexley", date(1979, 11, 2))
CHILDREN = [("Ysolde", "Quillfeather", date(2016, 8, 9)), ("Tamsin", "Vexley", date(2018, 3, 14))]
OTHER_VICTIM = ("Odalie", "Frayne", date(1990, 1, 23))
OTHER_PERPETRATOR = ("Grimbold", "Starkweather", date(1975, 6, 30))
OTHER_CHILD = ("Pipkin", "Frayne", date(2019, 12, 1))


def _dob(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _referral(
    marac, referrer, coordinator, victim, perpetrator, children, *, alias="", extra=None, age=None
):
    now = utcnow()
    referral = services.start_referral(marac, actor=referrer, now=now)
    draft = factories.complete_draft(
        given_name=victim[0],
        family_name=victim[1],
        dob=tuple(_dob(victim[2])),
        aliases=alias,
        address="7 Heron Close, Wexbury",
        perpetrators=[
            {
                "given_name": perpetrator[0],
                "family_name": perpetrator[1],
                "aliases": "Bran Vex" if perpetrator is PERPETRATOR else "",
                **({"age": age} if age else {"dob": _dob(perpetrator[2])}),
            }
        ],
        children=len(children),
    )
    for n, (given, family, born) in enumerate(children):
        draft["children"][f"children-{n}-given_name"] = [given]
        draft["children"][f"children-{n}-family_name"] = [family]
        draft["children"][f"children-{n}-dob"] = _dob(born)
    for step, values in (extra or {}).items():
        draft[step].update({k: [v] for k, v in values.items()})
    referral.draft = draft
    services.submit(referral, actor=referrer, now=now)
    services.decide(referral, Decision.ACCEPT, actor=coordinator, reason="Synthetic", now=now)
    db.session.commit()
    return referral


@pytest.fixture
def world(app):
    """Two cases in one MARAC, both heard at one conference, with records of every kind."""
    now = utcnow()
    marac = factories.make_marac(code="SA1")
    agency = factories.make_agency("Wexbury Advocacy", maracs=[marac])
    police = factories.make_agency("Wexbury Police", maracs=[marac])
    coordinator = factories.make_user(
        Role.COORDINATOR, marac=marac, agency=agency, name="Cora Ordinator"
    )
    referrer = factories.make_user(Role.ADVOCATE, marac=marac, agency=agency, name="Ada Vocate")
    mine = _referral(
        marac,
        referrer,
        coordinator,
        VICTIM,
        PERPETRATOR,
        CHILDREN,
        alias="Nora Quill",
        extra={
            "contact": {"who_she_fears": "Brannoc and his brother"},
            "consent": {
                "narrative": "BRANNOC Vexley hit her in front of Ysolde and tamsin; "
                "Bran Vex is what his friends call him. He was born on 2 November 1979."
            },
        },
    )
    other = _referral(marac, referrer, coordinator, OTHER_VICTIM, OTHER_PERPETRATOR, [OTHER_CHILD])
    conference = factories.make_conference(marac, now.date() + timedelta(days=10))
    case, other_case = mine.case, other.case
    item = listing.add_case(conference, case, actor=None, now=now)
    other_item = listing.add_case(conference, other_case, actor=None, now=now)
    db.session.flush()
    him = db.session.scalar(sa.select(Perpetrator).where(Perpetrator.referral_id == mine.id))
    kids = db.session.scalars(
        sa.select(Child).where(Child.referral_id == mine.id).order_by(Child.position)
    ).all()
    db.session.add_all(
        [
            Discussion(
                agenda_item_id=item.id,
                information_shared="Police know Brannoc Vexley; Ysolde Quillfeather is at "
                "nursery; Zennora is frightened.",
                risk_to_children="Tamsin is scared of her father Brannoc.",
                perpetrator_risk_factors="Brannoc drinks heavily.",
                decisions="Zennora to be offered a refuge place.",
                updated_by_id=coordinator.id,
            ),
            Discussion(
                agenda_item_id=other_item.id,
                information_shared="Odalie Frayne said Grimbold Starkweather took Pipkin.",
                updated_by_id=coordinator.id,
            ),
            PerpetratorRisk(
                agenda_item_id=item.id,
                perpetrator_id=him.id,
                risk_to_public="Brannoc threatened a neighbour of Zennora.",
            ),
            Action(
                case_id=case.id,
                agenda_item_id=item.id,
                description="IDVA to plan a safe route for Zennora and Ysolde.",
                owner_agency_id=agency.id,
                due_on=now.date() + timedelta(days=20),
                agreed_by_id=coordinator.id,
            ),
            Action(
                case_id=case.id,
                agenda_item_id=item.id,
                description="Police to refer Brannoc to the perpetrator programme.",
                owner_agency_id=police.id,
                due_on=now.date() + timedelta(days=21),
                agreed_by_id=coordinator.id,
                perpetrator_id=him.id,
            ),
            Action(
                case_id=other_case.id,
                agenda_item_id=other_item.id,
                description="Housing to move Odalie Frayne.",
                owner_agency_id=agency.id,
                due_on=now.date() + timedelta(days=20),
                agreed_by_id=coordinator.id,
            ),
            VictimVoice(
                agenda_item_id=item.id,
                contact_made=True,
                contacted_on=now.date(),
                contact_method=ContactMethod.PHONE,
                views="She wants Brannoc kept away from Tamsin.",
                wishes="To stay with her sister at 4 Lark Lane.",
                updated_by_id=referrer.id,
            ),
        ]
    )
    returned = ResearchReturn(
        agenda_item_id=item.id,
        agency_id=police.id,
        outcome=Outcome.KNOWN,
        summary="Two call-outs; Zennora and Ysolde were present, Vexley arrested.",
        updated_by_id=coordinator.id,
        submitted_at=now,
    )
    db.session.add(returned)
    db.session.flush()
    db.session.add(
        PerpetratorFinding(
            return_id=returned.id, perpetrator_id=him.id, summary="Brannoc has a caution."
        )
    )
    db.session.commit()
    return SimpleNamespace(
        marac=marac,
        coordinator=coordinator,
        referrer=referrer,
        referral=mine,
        other=other,
        case=case,
        other_case=other_case,
        him=him,
        kids=kids,
    )


def _search(client, name, dob, **extra):
    day, month, year = _dob(dob) if isinstance(dob, date) else dob
    return client.post(
        "/subject-access/",
        data={"name": name, "dob": [day, month, year], **extra},
    )


def _pack_text(client, *keys):
    resp = client.get("/subject-access/pack", query_string={"subject": list(keys)})
    assert resp.status_code == 200, resp.status_code
    download = client.get("/subject-access/pack/download", query_string={"subject": list(keys)})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    return resp.get_data(as_text=True), download.get_data(as_text=True)


def _people():
    """Every person in the database: (given, family, dob) of each victim, perpetrator, child."""
    people = [
        (r.victim_given_name, r.victim_family_name, r.victim_dob)
        for r in db.session.scalars(sa.select(Referral))
    ]
    people += [
        (p.given_name, p.family_name, p.dob) for p in db.session.scalars(sa.select(Perpetrator))
    ]
    people += [(c.given_name, c.family_name, c.dob) for c in db.session.scalars(sa.select(Child))]
    return people


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


def _assert_only(text: str, own: set[str], own_dobs: set[date]) -> None:
    """No other person's name (whole or given) or date of birth is in the text."""
    for given, family, born in _people():
        full = f"{given} {family}"
        if given in own:
            continue
        assert not _mentions(text, full), full
        assert not _mentions(text, given), given
        if family not in own:
            assert not _mentions(text, family), family
        if born and born not in own_dobs:
            for spelling in dob_spellings(born):
                assert not re.search(rf"(?<![\w/.-]){re.escape(spelling)}(?![\w/.-])", text), (
                    full,
                    spelling,
                )


def test_the_victim_s_pack_holds_her_records_and_names_nobody_else(app, world):
    client = sign_in(app.test_client(), world.coordinator)
    found = _search(client, "Zenora Quilfeather", VICTIM[2])  # misspelt: still found
    assert found.status_code == 200
    assert f'value="victim-{world.referral.id}"' in found.text
    assert "Odalie" not in found.text
    page, download = _pack_text(client, f"victim-{world.referral.id}")
    for text in (page, download):
        main = text.split('id="main-content"')[-1] if 'id="main-content"' in text else text
        assert "Zennora Quillfeather" in main and "19 May 1987" in main
        assert "7 Heron Close" in main  # her own address
        assert "the perpetrator hit her in front of child 1 and child 2" in main
        assert "the perpetrator is what his friends call him" in main
        assert "[date of birth withheld]" in main
        assert "Police know the perpetrator; child 1 is at nursery; Zennora" in main
        assert "IDVA to plan a safe route for Zennora and child 1." in main
        assert "4 Lark Lane" in main  # her voice
        assert "Two call-outs" in main and "the perpetrator arrested" in main
        assert "Who has seen the case" in main and "Cora Ordinator" in main
        # His own records are not hers.
        assert "perpetrator programme" not in main
        assert "a caution" not in main
        assert "drinks heavily" not in main
        assert "threatened a neighbour" not in main
        # The other case is not there.
        assert "Housing to move" not in main
        _assert_only(main, {"Zennora", "Quillfeather"}, {VICTIM[2]})


def test_the_perpetrator_s_pack_holds_nothing_that_could_find_her(app, world):
    client = sign_in(app.test_client(), world.coordinator)
    found = _search(client, "Brannoc Vexley", PERPETRATOR[2])
    assert f'value="perpetrator-{world.him.id}"' in found.text
    page, download = _pack_text(client, f"perpetrator-{world.him.id}")
    for text in (page, download):
        main = text.split('id="main-content"')[-1] if 'id="main-content"' in text else text
        assert "Brannoc Vexley" in main and "2 November 1979" in main
        assert "Brannoc drinks heavily." in main
        assert "Brannoc threatened a neighbour of the victim." in main
        assert "Police to refer Brannoc to the perpetrator programme." in main
        assert "Brannoc has a caution." in main
        for secret in (
            "Heron Close",
            "Wexbury,",
            "07700 900123",
            "Lark Lane",
            "sister",
            "refuge place",
            "safe route",
            "Two call-outs",
            "nursery",
            "Wexbury Advocacy",
            "hit her",
        ):
            assert secret not in main, secret
        assert "could put someone at risk of serious harm" in main
        _assert_only(main, {"Brannoc", "Vexley"}, {PERPETRATOR[2]})


def test_a_child_s_pack_holds_the_child_and_not_the_family(app, world):
    client = sign_in(app.test_client(), world.coordinator)
    ysolde = world.kids[0]
    found = _search(client, "Ysolde Quillfeather", CHILDREN[0][2])
    assert f'value="child-{ysolde.id}"' in found.text
    assert f'value="victim-{world.referral.id}"' not in found.text
    page, download = _pack_text(client, f"child-{ysolde.id}")
    for text in (page, download):
        main = text.split('id="main-content"')[-1] if 'id="main-content"' in text else text
        assert "Ysolde Quillfeather" in main and "9 August 2016" in main
        assert "child 2 is scared of her father the perpetrator." in main
        assert "Child 2" in main and "Child 1" not in main
        for secret in ("Heron Close", "Lark Lane", "refuge place", "safe route", "Two call-outs"):
            assert secret not in main, secret
        assert "check that they are not the perpetrator" in main
        _assert_only(main, {"Ysolde", "Quillfeather"}, {CHILDREN[0][2]})


def test_a_perpetrator_linked_at_screening_is_found_with_him_and_in_his_pack(app, world):
    from conference.referrals.models import PerpetratorIdentity, PerpetratorLink

    third = _referral(
        world.marac,
        world.referrer,
        world.coordinator,
        ("Marisol", "Dunfrey", date(1992, 4, 4)),
        PERPETRATOR,
        [],
        age=30,  # wrongly guessed: his date of birth is outside it, so only the link finds him
        extra={"consent": {"narrative": "Marisol Dunfrey met Brannoc Vexley last year."}},
    )
    again = db.session.scalar(sa.select(Perpetrator).where(Perpetrator.referral_id == third.id))
    identity = PerpetratorIdentity()
    db.session.add(identity)
    db.session.flush()
    for person in (world.him, again):
        db.session.add(
            PerpetratorLink(
                perpetrator_id=person.id, identity_id=identity.id, linked_by_id=world.coordinator.id
            )
        )
    db.session.commit()
    client = sign_in(app.test_client(), world.coordinator)
    found = _search(client, "Brannoc Vexley", PERPETRATOR[2])
    assert f'value="perpetrator-{again.id}"' in found.text
    assert "linked at screening" in found.text
    page, download = _pack_text(client, f"perpetrator-{world.him.id}", f"perpetrator-{again.id}")
    for text in (page, download):
        main = text.split('id="main-content"')[-1] if 'id="main-content"' in text else text
        assert world.case.reference in main and third.case.reference in main
        assert "Approximate age" in main and "30" in main
        assert "the victim met Brannoc Vexley last year." not in main  # her account: withheld
        _assert_only(main, {"Brannoc", "Vexley"}, {PERPETRATOR[2]})


def test_records_whose_date_of_birth_is_uncertain_are_found_saying_how_sure(app, world):
    """A victim recorded only by her year of birth, and one whose date is one of two possible
    dates, are found by the date the person gives, each saying how sure the match is; a year
    that does not hold the date finds nobody."""
    by_year = _referral(
        world.marac,
        world.referrer,
        world.coordinator,
        ("Wenna", "Thistlecombe", date(1991, 7, 14)),
        OTHER_PERPETRATOR,
        [],
        extra={"victim": {"dob_kind": "year", "dob": "", "birth_year": "1991"}},
    )
    by_other = _referral(
        world.marac,
        world.referrer,
        world.coordinator,
        ("Isaura", "Penhallow", date(1985, 3, 2)),
        OTHER_PERPETRATOR,
        [],
    )
    by_other.victim_other_dobs = "1985-02-03"  # a second possible date, as records give
    db.session.commit()
    client = sign_in(app.test_client(), world.coordinator)

    found = _search(client, "Wenna Thistlecombe", date(1991, 7, 14))
    assert f'value="victim-{by_year.id}"' in found.text
    assert "Within approximate range: check it is them" in found.text
    assert "1991" in found.text
    assert (
        f'value="victim-{by_year.id}"'
        not in _search(client, "Wenna Thistlecombe", date(1992, 7, 14)).text
    )

    other = _search(client, "Isaura Penhallow", date(1985, 2, 3))
    assert f'value="victim-{by_other.id}"' in other.text
    assert "One of the possible dates of birth: check it is them" in other.text
    exact = _search(client, "Isaura Penhallow", date(1985, 3, 2))
    assert f'value="victim-{by_other.id}"' in exact.text and "check it is them" not in exact.text


def test_the_search_asks_for_both_fields_beside_them_and_keeps_what_was_typed(app, world):
    client = sign_in(app.test_client(), world.coordinator)
    empty = client.post("/subject-access/", data={"name": "", "dob": ["", "", ""]})
    assert empty.status_code == 422
    assert "Enter the person&#39;s name" in empty.text
    assert "Enter the person&#39;s date of birth" in empty.text
    bad = _search(client, "Zennora Typed", ("31", "2", "1987"))
    assert bad.status_code == 422
    assert "Date of birth must be a real date" in bad.text
    assert 'value="Zennora Typed"' in bad.text and 'value="31"' in bad.text
    none_chosen = _search(client, "Zennora Quillfeather", VICTIM[2], choose="y")
    assert none_chosen.status_code == 422
    assert "Choose at least one record that is this person" in none_chosen.text
    chosen = _search(
        client, "Zennora Quillfeather", VICTIM[2], choose="y", subject=f"victim-{world.referral.id}"
    )
    assert chosen.status_code == 303
    location = chosen.headers["Location"]
    assert location.endswith(f"/subject-access/pack?subject=victim-{world.referral.id}")
    assert "Zennora" not in location and "1987" not in location
    # A record not offered by this search is not taken.
    sneaky = _search(
        client, "Zennora Quillfeather", VICTIM[2], choose="y", subject=f"victim-{world.other.id}"
    )
    assert sneaky.status_code == 422


def test_searching_opening_and_downloading_are_audited_by_reference(app, world):
    client = sign_in(app.test_client(), world.coordinator)
    _search(client, "Zennora Quillfeather", VICTIM[2])
    _pack_text(client, f"victim-{world.referral.id}")
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.verb.like("subject_access.%"))
        .order_by(AuditEvent.id)
    ).all()
    verbs = [e.verb for e in events]
    assert verbs == [
        "subject_access.searched",
        "subject_access.pack_viewed",
        "subject_access.pack_downloaded",
    ]
    assert all(e.user_id == world.coordinator.id for e in events)
    assert events[1].object_type == "Case" and events[1].object_id == world.case.id
    for event in events:
        detail = str(event.detail)
        assert "Zennora" not in detail and "1987" not in detail
    # The pack shows in the case's access report.
    report = client.get(f"/cases/{world.case.id}/access")
    assert "subject_access.pack_viewed" in report.text


ROLES = ["admin", "chair", "advocate", "agency_rep", "steering"]


@pytest.mark.parametrize("role", [*ROLES, "other_coordinator", "coordinator", None])
def test_only_the_marac_s_coordinators_search_and_open_packs(app, client, client_as, world, role):
    pack = f"/subject-access/pack?subject=victim-{world.referral.id}"
    download = f"/subject-access/pack/download?subject=victim-{world.referral.id}"
    if role is None:
        for path in ("/subject-access/", pack, download):
            resp = client.get(path)
            assert resp.status_code in (302, 303)
            assert resp.headers["Location"].startswith("/sign-in")
        return
    if role == "coordinator":
        signed = sign_in(client, world.coordinator)
        assert signed.get("/subject-access/").status_code == 200
        assert signed.get(pack).status_code == 200
        assert signed.get(download).status_code == 200
        return
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    if role == "other_coordinator":
        other = client_as("coordinator")
        # Another MARAC's coordinator: the search finds nothing of this MARAC; the pack is
        # not there.
        found = _search(other, "Zennora Quillfeather", VICTIM[2])
        assert found.status_code == 200 and "Zennora" not in found.text.split("Records found")[1]
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        assert other.get(pack).status_code == 404
        assert other.get(download).status_code == 404
    else:
        user = client_as(role) if role == "admin" else client_as(role, marac=world.marac)
        assert user.get("/subject-access/").status_code == 403
        assert _search(user, "Zennora Quillfeather", VICTIM[2]).status_code == 403
        assert user.get(pack).status_code == 403
        assert user.get(download).status_code == 403
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert after == before


@pytest.mark.parametrize(
    "query",
    [
        {"subject": "victim-0"},
        {"subject": "victim-999999"},
        {"subject": "someone-1"},
        {"subject": "victim-1; drop"},
        {"subject": ["victim-1"] * 2 + [f"child-{n}" for n in range(1, 60)]},
    ],
)
def test_a_pack_of_records_that_are_not_there_is_not_found(app, world, query):
    client = sign_in(app.test_client(), world.coordinator)
    assert client.get("/subject-access/pack", query_string=query).status_code == 404


def test_the_pack_without_a_choice_goes_back_to_the_search(app, world):
    client = sign_in(app.test_client(), world.coordinator)
    resp = client.get("/subject-access/pack")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/subject-access/")


def test_a_case_transferred_away_is_found_by_the_marac_that_holds_it_now(app, world):
    receiving = factories.make_marac(code="SA2")
    theirs = factories.make_user(Role.COORDINATOR, marac=receiving, name="Rhea Ceiving")
    world.case.marac_id = receiving.id
    db.session.commit()
    key = f"victim-{world.referral.id}"
    now_holds = sign_in(app.test_client(), theirs)
    assert f'value="{key}"' in _search(now_holds, "Zennora Quillfeather", VICTIM[2]).text
    assert now_holds.get("/subject-access/pack", query_string={"subject": key}).status_code == 200
    sent_it = sign_in(app.test_client(), world.coordinator)
    assert f'value="{key}"' not in _search(sent_it, "Zennora Quillfeather", VICTIM[2]).text
    assert sent_it.get("/subject-access/pack", query_string={"subject": key}).status_code == 404
