"""Who may reach each schedule, agenda and research page: allowed and refused, per role."""

from __future__ import annotations

import pytest

from conference.conferences import queries
from tests import factories


def _user(world, who):
    marac = world.marac
    if who == "coordinator":
        return world.coordinator
    if who == "chair":
        return world.chair
    if who == "other_chair":  # a chair of this MARAC who does not chair these conferences
        return factories.make_user("chair", marac=marac)
    if who == "police_rep":
        return world.police_rep
    if who == "late_rep":  # an agency that joined the MARAC after the agenda went out
        agency = factories.make_agency("Late Agency", maracs=[marac])
        return factories.make_user("agency_rep", marac=marac, agency=agency)
    if who == "advocate":
        return factories.make_user("advocate", marac=marac)
    if who == "other_coordinator":
        return factories.make_user("coordinator")
    if who == "other_rep":
        return factories.make_user("agency_rep")
    if who == "admin":
        return factories.make_user("admin")
    if who == "nobody":
        return factories.make_user(None)
    raise AssertionError(who)


PAGES = [
    ("/conferences/", "coordinator", 200),
    ("/conferences/", "police_rep", 200),
    ("/conferences/", "advocate", 200),
    ("/conferences/", "admin", 403),
    ("/conferences/", "nobody", 403),
    ("/conferences/{published}", "coordinator", 200),
    ("/conferences/{published}", "chair", 200),
    ("/conferences/{published}", "other_chair", 404),
    ("/conferences/{published}", "police_rep", 200),
    ("/conferences/{published}", "late_rep", 404),
    ("/conferences/{published}", "advocate", 404),
    ("/conferences/{published}", "other_coordinator", 404),
    ("/conferences/{published}", "other_rep", 404),
    ("/conferences/{published}", "admin", 404),
    ("/conferences/{scheduled}", "coordinator", 200),
    ("/conferences/{scheduled}", "chair", 200),
    ("/conferences/{scheduled}", "police_rep", 404),  # not published yet
    ("/conferences/{published}/research", "coordinator", 200),
    ("/conferences/{published}/research", "chair", 404),
    ("/conferences/{published}/research", "police_rep", 404),
    ("/conferences/{published}/edit", "coordinator", 200),
    ("/conferences/{published}/edit", "chair", 404),
    ("/conferences/{published}/cancel", "coordinator", 200),
    ("/conferences/{published}/cancel", "police_rep", 404),
    ("/conferences/{scheduled}/items/{item}/move", "coordinator", 200),
    ("/conferences/{scheduled}/items/{item}/move", "chair", 404),
    ("/conferences/{scheduled}/items/{item}/remove", "coordinator", 200),
    ("/conferences/{scheduled}/items/{item}/remove", "police_rep", 404),
    ("/conferences/{published}/items/{item}/remove", "coordinator", 404),  # not its item
    ("/maracs/{marac}/meeting-rule", "coordinator", 200),
    ("/maracs/{marac}/meeting-rule", "admin", 200),
    ("/maracs/{marac}/meeting-rule", "chair", 404),
    ("/maracs/{marac}/meeting-rule", "other_coordinator", 404),
    ("/maracs/{marac}/conferences/new", "coordinator", 200),
    ("/maracs/{marac}/conferences/new", "admin", 404),
    ("/maracs/{marac}/conferences/new", "police_rep", 404),
    ("/cases/{waiting}/list", "coordinator", 200),
    ("/cases/{waiting}/list", "other_coordinator", 404),
    ("/research/", "police_rep", 200),
    ("/research/", "coordinator", 403),
    ("/research/", "advocate", 403),
    ("/research/{published}", "police_rep", 200),
    ("/research/{published}", "late_rep", 404),
    ("/research/{published}", "other_rep", 404),
    ("/research/{published}", "coordinator", 404),
    ("/research/{scheduled}", "police_rep", 404),
]


@pytest.mark.parametrize(("path", "who", "status"), PAGES)
def test_each_page_allows_and_refuses_by_role(world, as_user, path, who, status):
    waiting = factories.accepted_case(world.marac, given_name="Wendy")
    item = queries.agenda_items(world.scheduled.id)[0]
    url = path.format(
        published=world.published.id,
        scheduled=world.scheduled.id,
        marac=world.marac.id,
        item=item.id,
        waiting=waiting.id,
    )
    response = as_user(_user(world, who)).get(url)
    assert response.status_code == status, url


ACTIONS = [
    # (path, form, who) — each refused with 404 for someone who may not act
    ("/conferences/{scheduled}/publish", {}, "chair"),
    ("/conferences/{scheduled}/publish", {}, "police_rep"),
    ("/conferences/{scheduled}/items/{item}/up", {}, "chair"),
    ("/conferences/{scheduled}/items/{item}/down", {}, "other_coordinator"),
    ("/conferences/{scheduled}/cancel", {"reason": "x"}, "chair"),
    ("/research/{published}/items/{published_item}", {"outcome": "not_known"}, "late_rep"),
    ("/research/{published}/items/{published_item}", {"outcome": "not_known"}, "coordinator"),
    ("/maracs/{marac}/meeting-rule/preview", {}, "police_rep"),
]


@pytest.mark.parametrize(("path", "form", "who"), ACTIONS)
def test_each_action_is_refused_to_those_who_may_not_act(world, as_user, path, form, who):
    item = queries.agenda_items(world.scheduled.id)[0]
    published_item = queries.agenda_items(world.published.id)[0]
    url = path.format(
        published=world.published.id,
        scheduled=world.scheduled.id,
        marac=world.marac.id,
        item=item.id,
        published_item=published_item.id,
    )
    prefixed = {f"item-{published_item.id}-{k}": v for k, v in form.items()}
    response = as_user(_user(world, who)).post(url, data={**form, **prefixed})
    assert response.status_code == 404, url
