"""The perpetrator known across referrals and MARACs: suggested links, the coordinator's decision,
the perpetrator page and the serial perpetrator flag, and what none of them may show."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals import births, perpetrators
from conference.referrals.births import BirthMatch
from conference.referrals.models import (
    PerpetratorLink,
    PerpetratorLinkDecision,
    Referral,
)
from conference.web.jinja import format_date
from tests import factories

CRAIG = {
    "given_name": "Craig",
    "family_name": "Testerson",
    "aliases": "Craig Fakenham",
    "dob": ("1", "1", "1984"),
}


def _perp(**changes) -> dict:
    return {**CRAIG, **changes}


def _referral(marac, *, status="accepted", perp=None, now=None, **options) -> Referral:
    return factories.make_referral(
        marac=marac, status=status, perpetrators=[perp or CRAIG], now=now, **options
    )


def _link(referral: Referral, other: Referral, *, actor) -> None:
    """Confirm the suggested link between the two referrals' first perpetrators."""
    mine, theirs = referral.perpetrators[0].id, other.perpetrators[0].id
    perpetrators.confirm_link(referral, mine, theirs, actor=actor, now=utcnow())
    db.session.commit()


def _suggested(referral: Referral) -> set[int]:
    return {s.referral_id for s in perpetrators.suggestions_for(referral)}


@pytest.fixture
def marac(app):
    return factories.make_marac(name="Northvale MARAC", code="NV")


@pytest.fixture
def other_marac(app):
    return factories.make_marac(name="Eastvale MARAC", code="EV")


# Matching --------------------------------------------------------------------------------------


def test_a_misspelt_name_with_the_same_date_of_birth_is_suggested(marac, other_marac):
    earlier = _referral(other_marac, given_name="Ann")
    later = _referral(marac, status="submitted", perp=_perp(given_name="Criag", aliases=""))
    assert _suggested(later) == {earlier.id}
    suggestion = perpetrators.suggestions_for(later)[0]
    assert suggestion.marac_name == "Eastvale MARAC"
    assert suggestion.other_dob == date(1984, 1, 1)


def test_an_alias_with_the_same_date_of_birth_is_suggested(marac):
    earlier = _referral(marac, perp=_perp(aliases="Craig Fakenham"))
    later = _referral(
        marac,
        status="submitted",
        perp=_perp(given_name="Craig", family_name="Fakenham", aliases=""),
    )
    assert _suggested(later) == {earlier.id}


def test_a_different_date_of_birth_is_not_suggested(marac):
    _referral(marac)
    later = _referral(marac, status="submitted", perp=_perp(dob=("2", "1", "1984")))
    assert _suggested(later) == set()


def test_a_different_name_is_not_suggested(marac):
    _referral(marac)
    later = _referral(
        marac,
        status="submitted",
        perp=_perp(given_name="Oliver", family_name="Quillfeather", aliases=""),
    )
    assert _suggested(later) == set()


def test_an_approximate_age_matches_within_a_year(marac):
    earlier = _referral(marac)
    today = utcnow().date()
    age = births.age_on(date(1984, 1, 1), today)
    for near in (age - 1, age, age + 1):
        later = _referral(marac, status="submitted", perp=_perp(dob=("", "", ""), age=near))
        assert later.perpetrators[0].approximate_age == near
        assert earlier.id in _suggested(later), near
    for far in (age - 3, age + 2):
        later = _referral(marac, status="submitted", perp=_perp(dob=("", "", ""), age=far))
        assert earlier.id not in _suggested(later), far


def test_two_approximate_ages_match_within_a_year(marac):
    earlier = _referral(marac, perp=_perp(dob=("", "", ""), age=40))
    near = _referral(marac, status="submitted", perp=_perp(dob=("", "", ""), age=41))
    assert earlier.id in _suggested(near)
    far = _referral(marac, status="submitted", perp=_perp(dob=("", "", ""), age=44))
    assert earlier.id not in _suggested(far)


def test_with_no_date_of_birth_only_a_name_nearly_the_same_is_suggested_as_name_only(marac):
    earlier = _referral(marac, perp=_perp(dob=("", "", "")))
    misspelt = _referral(
        marac, status="submitted", perp=_perp(dob=("", "", ""), given_name="Greg", aliases="")
    )
    assert _suggested(misspelt) == set()  # 82: enough only with dates that agree
    later = _referral(marac, status="submitted", perp=_perp(dob=("", "", "")))
    [suggestion] = [s for s in perpetrators.suggestions_for(later) if s.referral_id == earlier.id]
    assert suggestion.certainty is BirthMatch.NAME_ONLY
    assert suggestion.other_born == "not known"


def test_drafts_declined_and_withdrawn_referrals_are_not_suggested(marac):
    _referral(marac, status="declined")
    _referral(marac, status="draft")
    later = _referral(marac, status="submitted")
    assert _suggested(later) == set()


def test_a_rejected_link_is_never_suggested_again_from_either_side(marac):
    coordinator = factories.coordinator_of(marac)
    earlier = _referral(marac)
    later = _referral(marac, status="submitted", perp=_perp(given_name="Criag"))
    pair = (later.perpetrators[0].id, earlier.perpetrators[0].id)
    perpetrators.reject_link(later, *pair, actor=coordinator, now=utcnow())
    db.session.commit()
    assert _suggested(later) == set()
    assert later.id not in _suggested(earlier)
    decision = db.session.scalars(sa.select(PerpetratorLinkDecision)).one()
    assert not decision.confirmed and decision.decided_by_id == coordinator.id
    # A third referral naming him is still suggested against both.
    third = _referral(marac, status="submitted")
    assert _suggested(third) == {earlier.id, later.id}


def test_a_confirmed_link_is_kept_with_who_and_when_and_not_suggested_again(marac):
    coordinator = factories.coordinator_of(marac)
    earlier = _referral(marac)
    later = _referral(marac, status="submitted")
    _link(later, earlier, actor=coordinator)
    links = db.session.scalars(sa.select(PerpetratorLink)).all()
    assert len(links) == 2 and len({link.identity_id for link in links}) == 1
    assert {link.linked_by_id for link in links} == {coordinator.id}
    assert all(link.linked_at is not None for link in links)
    assert _suggested(later) == set() and _suggested(earlier) == set()
    verbs = db.session.scalars(sa.select(AuditEvent.verb)).all()
    assert "perpetrator.linked" in verbs


def test_confirming_a_link_between_two_known_men_merges_them(marac):
    coordinator = factories.coordinator_of(marac)
    a, b = _referral(marac), _referral(marac)
    c, d = _referral(marac), _referral(marac)
    db.session.add_all(
        [
            PerpetratorLinkDecision(
                perpetrator_id=min(x.perpetrators[0].id, y.perpetrators[0].id),
                other_id=max(x.perpetrators[0].id, y.perpetrators[0].id),
                confirmed=False,
                decided_by_id=coordinator.id,
            )
            for x, y in ((a, c), (a, d), (b, c), (b, d))
        ]
    )
    db.session.commit()
    _link(b, a, actor=coordinator)
    _link(d, c, actor=coordinator)
    assert (
        len(
            set(
                perpetrators.identities_of(
                    {p.id for r in (a, b, c, d) for p in r.perpetrators}
                ).values()
            )
        )
        == 2
    )
    e = _referral(marac, status="submitted")
    _link(e, a, actor=coordinator)
    _link(e, c, actor=coordinator)
    ids = {p.id for r in (a, b, c, d, e) for p in r.perpetrators}
    assert len(set(perpetrators.identities_of(ids).values())) == 1


def test_a_link_not_suggested_is_refused(marac, client_as):
    client = client_as("coordinator", marac=marac)
    earlier = _referral(marac)
    later = _referral(marac, status="submitted", perp=_perp(dob=("5", "5", "1970")))
    response = client.post(
        f"/referrals/{later.id}/perpetrator-links",
        data={
            "perpetrator_id": later.perpetrators[0].id,
            "other_id": earlier.perpetrators[0].id,
            "answer": "confirm",
        },
    )
    assert response.status_code == 303
    assert db.session.scalars(sa.select(PerpetratorLink)).all() == []
    assert "no longer suggested" in client.get(response.location).text


# Screening -------------------------------------------------------------------------------------


def test_the_coordinator_confirms_and_rejects_suggestions_at_screening(marac, client_as):
    client = client_as("coordinator", marac=marac)
    earlier = _referral(marac)
    wrong = _referral(marac, perp=_perp(aliases="Craig Other"))
    later = _referral(marac, status="submitted")
    page = client.get(f"/referrals/{later.id}").text
    assert "The perpetrator elsewhere" in page and "Same person" in page
    seen = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "perpetrator.suggestions_viewed")
    ).one()
    assert seen.object_id == later.id
    assert seen.detail["referrals"] == sorted([earlier.id, wrong.id])
    mine = later.perpetrators[0].id
    for other, answer in ((earlier, "confirm"), (wrong, "reject")):
        response = client.post(
            f"/referrals/{later.id}/perpetrator-links",
            data={"perpetrator_id": mine, "other_id": other.perpetrators[0].id, "answer": answer},
        )
        assert response.status_code == 303
    identity = perpetrators.identities_of({mine})[mine]
    page = client.get(f"/referrals/{later.id}").text
    assert f"/perpetrators/{identity}" in page and "Same person" not in page
    decisions = db.session.scalars(sa.select(PerpetratorLinkDecision)).all()
    assert sorted(d.confirmed for d in decisions) == [False, True]


@pytest.mark.parametrize("role", ["advocate", "agency_rep", "chair", "admin"])
def test_only_the_coordinator_decides_links(marac, client_as, role):
    earlier = _referral(marac)
    later = _referral(marac, status="submitted")
    client = client_as(role, marac=None if role == "admin" else marac)
    response = client.post(
        f"/referrals/{later.id}/perpetrator-links",
        data={
            "perpetrator_id": later.perpetrators[0].id,
            "other_id": earlier.perpetrators[0].id,
            "answer": "confirm",
        },
    )
    assert response.status_code == 404
    assert db.session.scalars(sa.select(PerpetratorLink)).all() == []


def test_another_marac_s_coordinator_cannot_decide_links(marac, other_marac, client_as):
    earlier = _referral(marac)
    later = _referral(marac, status="submitted")
    client = client_as("coordinator", marac=other_marac)
    response = client.post(
        f"/referrals/{later.id}/perpetrator-links",
        data={
            "perpetrator_id": later.perpetrators[0].id,
            "other_id": earlier.perpetrators[0].id,
            "answer": "confirm",
        },
    )
    assert response.status_code == 404


# The serial flag -------------------------------------------------------------------------------


def test_two_other_victims_within_the_window_flag_a_serial_perpetrator(marac, other_marac):
    coordinator = factories.coordinator_of(marac)
    now = utcnow()
    first = _referral(other_marac, given_name="Una", now=now - timedelta(days=700))
    second = _referral(marac, given_name="Vera", now=now - timedelta(days=300))
    current = _referral(marac, status="submitted", given_name="Wendy")
    today = now.date()
    assert perpetrators.serial_flags([current], today=today) == {}
    _link(current, first, actor=coordinator)
    flags = perpetrators.serial_flags([current, first], today=today)
    assert flags[current.id].text == f"Linked to 1 other victim since {first.referred_on.year}"
    _link(current, second, actor=coordinator)
    flags = perpetrators.serial_flags([current, first, second], today=today)
    assert flags[current.id].text == f"Linked to 2 other victims since {first.referred_on.year}"
    assert flags[second.id].other_victims == 2


def test_victims_outside_the_window_do_not_count(marac):
    coordinator = factories.coordinator_of(marac)
    now = utcnow()
    old = _referral(marac, given_name="Una", now=now - timedelta(days=3 * 366 + 10))
    current = _referral(marac, status="submitted", given_name="Wendy")
    _link(current, old, actor=coordinator)
    assert perpetrators.serial_flags([current], today=now.date()) == {}
    marac.serial_window_years = 5
    db.session.commit()
    assert perpetrators.serial_flags([current], today=now.date())[current.id].other_victims == 1


def test_the_number_of_victims_is_a_marac_setting(marac):
    coordinator = factories.coordinator_of(marac)
    marac.serial_victims = 3
    db.session.commit()
    earlier = _referral(marac, given_name="Una")
    current = _referral(marac, status="submitted", given_name="Wendy")
    _link(current, earlier, actor=coordinator)
    assert perpetrators.serial_flags([current], today=utcnow().date()) == {}
    third = _referral(marac, given_name="Vera")
    _link(current, third, actor=coordinator)
    flag = perpetrators.serial_flags([current], today=utcnow().date())[current.id]
    assert flag.other_victims == 2


def test_two_referrals_of_one_victim_are_one_victim(marac):
    coordinator = factories.coordinator_of(marac)
    first = _referral(marac)
    repeat = factories.make_referral(
        marac=marac, status="submitted", perpetrators=[CRAIG], given_name="Alicia"
    )
    perpetrators.confirm_link(
        repeat, repeat.perpetrators[0].id, first.perpetrators[0].id, actor=coordinator, now=utcnow()
    )
    from conference.referrals import services
    from conference.referrals.choices import Decision

    services.decide(
        repeat, Decision.ACCEPT, actor=coordinator, reason="Same", now=utcnow(), case=first.case
    )
    db.session.commit()
    assert perpetrators.serial_flags([repeat], today=utcnow().date()) == {}


# Need to know ----------------------------------------------------------------------------------


@pytest.fixture
def linked_world(app, marac, other_marac):
    """A man linked to three victims: one in this MARAC whose case is on screen, a second in
    this MARAC, a third in another MARAC; and who may see which."""
    now = utcnow()
    advocate = factories.make_user(Role.ADVOCATE, marac=marac)
    agency_rep = factories.make_user(Role.AGENCY_REP, marac=marac)
    coordinator = factories.coordinator_of(marac)
    elsewhere = _referral(
        other_marac,
        given_name="Eulalie",
        family_name="Farawayson",
        dob=("3", "7", "1977"),
        address="9 Hidden Lane, Eastvale",
        now=now - timedelta(days=500),
    )
    second = _referral(
        marac,
        given_name="Philippa",
        family_name="Secondcase",
        dob=("21", "11", "1988"),
        address="44 Quiet Close, Northvale",
        now=now - timedelta(days=200),
    )
    current = factories.make_referral(
        advocate,
        marac=marac,
        status="submitted",
        perpetrators=[CRAIG],
        given_name="Wendy",
        family_name="Onscreen",
    )
    _link(current, elsewhere, actor=coordinator)
    _link(current, second, actor=coordinator)
    return {
        "current": current,
        "second": second,
        "elsewhere": elsewhere,
        "coordinator": coordinator,
        "advocate": advocate,
        "agency_rep": agency_rep,
        "identity": perpetrators.identities_of({current.perpetrators[0].id})[
            current.perpetrators[0].id
        ],
        "now": now,
    }


def _secrets(referral: Referral) -> list[str]:
    return [
        referral.victim_given_name,
        referral.victim_family_name,
        format_date(referral.victim_dob),
        referral.victim_address,
        *([referral.case.reference] if referral.case else []),
        referral.reference,
    ]


def test_every_role_sees_only_the_count_of_other_victims(
    linked_world, as_user, client_as, other_marac
):
    w = linked_world
    current, second, elsewhere = w["current"], w["second"], w["elsewhere"]
    year = elsewhere.referred_on.year
    readers = {
        "coordinator": as_user(w["coordinator"]),
        "advocate": as_user(w["advocate"]),
        "agency_rep": as_user(w["agency_rep"]),
        "chair": client_as("chair", marac=current.marac),
        "admin": client_as("admin"),
        "other_coordinator": client_as("coordinator", marac=other_marac),
    }
    pages = [
        "/screening/",
        f"/referrals/{current.id}",
        f"/perpetrators/{w['identity']}",
        f"/referrals/{second.id}",
        f"/cases/{second.case.id}",
        f"/referrals/{elsewhere.id}",
        f"/cases/{elsewhere.case.id}",
    ]
    for who, client in readers.items():
        for path in pages:
            response = client.get(path)
            html = response.text
            if response.status_code != 200:
                assert response.status_code in (403, 404), (who, path)
            # Another MARAC's victim never reaches anyone of this MARAC, on any page.
            if who != "other_coordinator":
                for secret in _secrets(elsewhere):
                    assert secret not in html, (who, path, secret)
            # This MARAC's second victim reaches only its coordinator.
            if who != "coordinator":
                for secret in _secrets(second):
                    assert secret not in html, (who, path, secret)
        flagged = client.get(f"/referrals/{current.id}")
        if flagged.status_code == 200:
            assert f"Linked to 2 other victims since {year}" in flagged.text, who
    assert "Linked to 2 other victims" in readers["coordinator"].get("/screening/").text


def test_the_perpetrator_page_shows_own_cases_and_only_counts_elsewhere(linked_world, as_user):
    w = linked_world
    page = as_user(w["coordinator"]).get(f"/perpetrators/{w['identity']}")
    assert page.status_code == 200
    html = page.text
    assert w["second"].case.reference in html and w["current"].reference in html
    assert "Eastvale MARAC" in html
    assert format_date(w["elsewhere"].referred_on) in html
    for secret in _secrets(w["elsewhere"]):
        assert secret not in html
    # No victim's name, even of the MARAC's own cases: the case page has it, audited.
    assert w["second"].victim_given_name not in html
    assert "Craig Testerson" in html and "Craig Fakenham" in html
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "perpetrator.viewed")
    ).one()
    assert event.user_id == w["coordinator"].id
    assert event.detail["identity"] == w["identity"]


def test_the_other_marac_s_coordinator_sees_their_case_and_a_count_of_ours(
    linked_world, client_as, other_marac
):
    w = linked_world
    client = client_as("coordinator", marac=other_marac)
    html = client.get(f"/perpetrators/{w['identity']}").text
    assert w["elsewhere"].case.reference in html
    assert "Northvale MARAC" in html
    for secret in [*_secrets(w["second"]), *_secrets(w["current"])]:
        assert secret not in html


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("coordinator", 200),
        ("other_coordinator", 200),  # the man is named in one of their cases
        ("unrelated_coordinator", 404),  # he is named in none of theirs
        ("advocate", 403),
        ("agency_rep", 403),
        ("chair", 403),
        ("admin", 403),
        ("nobody", 303),  # to the sign-in page
    ],
)
def test_who_may_open_the_perpetrator_page(
    linked_world, as_user, client_as, client, other_marac, who, expected
):
    w = linked_world
    clients = {
        "coordinator": lambda: as_user(w["coordinator"]),
        "other_coordinator": lambda: client_as("coordinator", marac=other_marac),
        "unrelated_coordinator": lambda: client_as("coordinator"),
        "advocate": lambda: as_user(w["advocate"]),
        "agency_rep": lambda: as_user(w["agency_rep"]),
        "chair": lambda: client_as("chair", marac=w["current"].marac),
        "admin": lambda: client_as("admin"),
        "nobody": lambda: client,
    }
    response = clients[who]().get(f"/perpetrators/{w['identity']}")
    assert response.status_code == expected
    assert response.status_code != 404 or "Craig" not in response.text


def test_an_unknown_perpetrator_page_is_not_found(client_as, marac):
    assert client_as("coordinator", marac=marac).get("/perpetrators/999999").status_code == 404


# Queries ---------------------------------------------------------------------------------------


def test_the_perpetrator_page_and_queue_run_a_fixed_number_of_queries(
    marac, other_marac, as_user, count_queries
):
    coordinator = factories.coordinator_of(marac)
    client = as_user(coordinator)
    current = _referral(marac, status="submitted", given_name="Wendy")
    identity_of = lambda: perpetrators.identities_of({current.perpetrators[0].id})  # noqa: E731

    def queries(path: str) -> int:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    def grow(n: int, start: int) -> None:
        for i in range(n):
            m = marac if i % 2 else other_marac
            earlier = _referral(m, given_name=f"Victim{start + i}")
            _link(current, earlier, actor=coordinator)
            _referral(marac, status="submitted", given_name=f"Queued{start + i}")

    grow(2, 0)
    identity = identity_of()[current.perpetrators[0].id]
    page, queue = queries(f"/perpetrators/{identity}"), queries("/screening/")
    grow(6, 10)
    assert queries(f"/perpetrators/{identity}") == page
    assert queries("/screening/") == queue


# Counter-allegations ---------------------------------------------------------------------------

DANA = {"given_name": "Dana", "family_name": "Crossfield", "dob": ("2", "2", "1985")}
EVAN = {"given_name": "Evan", "family_name": "Mutualson", "dob": ("3", "3", "1982")}


def _as_victim(person: dict) -> dict:
    return {
        "given_name": person["given_name"],
        "family_name": person["family_name"],
        "dob": person["dob"],
    }


def test_two_people_each_named_as_victim_and_perpetrator_are_flagged(marac, other_marac, client_as):
    first = _referral(
        other_marac, perp=EVAN, address="7 Far Away Road, Eastvale", **_as_victim(DANA)
    )
    second = _referral(
        marac, status="submitted", perp=_perp(**DANA, aliases=""), **_as_victim(EVAN)
    )
    unrelated = _referral(marac, status="submitted", **_as_victim(EVAN))  # Craig named
    today = utcnow().date()
    flags = perpetrators.counter_allegations([first, second, unrelated], today=today)
    assert set(flags) == {first.id, second.id}
    text = f"1 other referral names them the other way round, since {first.referred_on.year}"
    assert flags[second.id].text == text
    coordinator = client_as("coordinator", marac=marac)
    for path in ("/screening/", f"/referrals/{second.id}"):
        html = coordinator.get(path).text
        assert "Counter-allegation" in html and text in html
        # Her name and date of birth are on this referral already, as its perpetrator's.
        for secret in _secrets(first)[3:]:  # her address and references
            assert secret not in html, (path, secret)
    assert "Counter-allegation" not in coordinator.get(f"/referrals/{unrelated.id}").text


def test_a_counter_allegation_needs_both_names_the_other_way_round(marac):
    _referral(
        marac, perp=_perp(given_name="Someone", family_name="Else", aliases=""), **_as_victim(DANA)
    )
    later = _referral(marac, status="submitted", perp=_perp(**DANA, aliases=""), **_as_victim(EVAN))
    assert perpetrators.counter_allegations([later], today=utcnow().date()) == {}


def test_a_case_carries_the_counter_allegation_of_its_referrals(marac, other_marac, client_as):
    _referral(other_marac, perp=EVAN, **_as_victim(DANA))
    later = _referral(marac, perp=_perp(**DANA, aliases=""), **_as_victim(EVAN))
    flags = perpetrators.case_flags_for([later.case], today=utcnow().date())
    assert [flag.label for flag in flags[later.case.id]] == ["Counter-allegation"]
    # The case page finds it from the referrals and perpetrators it has loaded already.
    page = client_as("coordinator", marac=marac).get(f"/cases/{later.case.id}").text
    assert "Counter-allegation" in page and flags[later.case.id][0].text in page


def test_the_case_page_leads_its_coordinator_to_the_perpetrator_page(linked_world, as_user):
    w = linked_world
    case = w["second"].case
    link = f"/perpetrators/{w['identity']}"
    assert link in as_user(w["coordinator"]).get(f"/cases/{case.id}").text


def test_two_coordinators_deciding_the_same_link_at_once_get_a_message_not_an_error(
    marac, client_as, monkeypatch
):
    """The second decision meets the first one's row: refused with a message, nothing half-kept."""
    client = client_as("coordinator", marac=marac)
    earlier = _referral(marac)
    later = _referral(marac, status="submitted")
    mine, theirs = later.perpetrators[0].id, earlier.perpetrators[0].id
    colleague = factories.make_user("coordinator", marac=marac)
    checked = perpetrators._pair

    def colleague_decides_meanwhile(*args, **kwargs):
        found = checked(*args, **kwargs)  # the pair was still undecided when this post looked
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(PerpetratorLinkDecision).values(
                    perpetrator_id=min(mine, theirs),
                    other_id=max(mine, theirs),
                    confirmed=False,
                    decided_by_id=colleague.id,
                    decided_at=utcnow(),
                )
            )
        return found

    monkeypatch.setattr(perpetrators, "_pair", colleague_decides_meanwhile)
    response = client.post(
        f"/referrals/{later.id}/perpetrator-links",
        data={"perpetrator_id": mine, "other_id": theirs, "answer": "confirm"},
    )
    assert response.status_code in (303, 409)
    assert db.session.scalars(sa.select(PerpetratorLink)).all() == []
    [decision] = db.session.scalars(sa.select(PerpetratorLinkDecision)).all()
    assert decision.decided_by_id == colleague.id and decision.confirmed is False
    page = client.get(response.location).text if response.status_code == 303 else response.text
    assert "Someone else decided this link at the same moment" in page


def test_each_suggestion_says_how_sure_it_is_and_what_is_known_of_his_birth(marac, client_as):
    client = client_as("coordinator", marac=marac)
    exact = _referral(marac)
    two_dates = _referral(
        marac,
        perp=_perp(dob=("1", "6", "1983"), other_dob_1=("1", "1", "1984"), aliases=""),
    )
    later = _referral(
        marac, status="submitted", perp=_perp(dob_kind="year", dob=("", "", ""), birth_year="1984")
    )
    found = {s.referral_id: s for s in perpetrators.suggestions_for(later)}
    assert {found[r.id].certainty for r in (exact, two_dates)} == {BirthMatch.RANGE}
    page = client.get(f"/referrals/{later.id}").text
    assert "Within approximate range" in page
    assert "born 1 June 1983 (or 1 January 1984)" in page
    assert "born 1 January 1984" in page


def test_the_same_date_and_one_of_his_possible_dates_say_so(marac, client_as):
    client = client_as("coordinator", marac=marac)
    exact = _referral(marac)
    two_dates = _referral(
        marac, perp=_perp(dob=("1", "6", "1983"), other_dob_1=("1", "1", "1984"), aliases="")
    )
    later = _referral(marac, status="submitted")
    found = {s.referral_id: s.certainty for s in perpetrators.suggestions_for(later)}
    assert found == {exact.id: BirthMatch.EXACT, two_dates.id: BirthMatch.POSSIBLE_DATE}
    page = client.get(f"/referrals/{later.id}").text
    assert "Exact date of birth" in page and "One of the possible dates of birth" in page
