"""The score panel beside the referral form shows the draft as stored, however saves interleave."""

from __future__ import annotations

import re

from conference.extensions import db
from tests import factories
from tests.referrals.test_form_routes import _post, _start

HX = {"HX-Request": "true"}


def _yes(count: int) -> dict[str, str]:
    return {q: "yes" for q in factories.question_ids()[:count]}


def _score(text: str) -> str:
    found = re.search(r'<span class="app-assessment__number">(\d+)</span>', text)
    assert found, "no score panel in the answer"
    return found.group(1)


def _page_version(client, referral) -> int:
    page = client.get(f"/referrals/{referral.id}/steps/checklist")
    found = re.search(r'name="draft_version"[^>]*value="(\d+)"', page.text)
    assert found, "the form carries no draft version"
    return int(found.group(1))


def test_an_autosave_answers_with_the_panel_and_the_new_version(client_as):
    client = client_as("advocate")
    referral = _start(client)
    version = _page_version(client, referral)
    data = {**_yes(13), "action": "autosave", "draft_version": version}
    resp = _post(client, referral, "checklist", data, **HX)
    assert resp.status_code == 200
    assert "Draft saved at" in resp.text
    assert f'id="referral-{referral.id}-assessment" hx-swap-oob="true"' in resp.text
    assert _score(resp.text) == "13"
    db.session.refresh(referral)
    assert f'value="{referral.version}" hx-swap-oob="true"' in resp.text
    assert referral.version != version

    # The page's next autosave carries the version given back, and is saved.
    data = {**_yes(14), "action": "autosave", "draft_version": referral.version}
    resp = _post(client, referral, "checklist", data, **HX)
    assert resp.status_code == 200 and _score(resp.text) == "14"


def test_a_save_from_an_older_copy_arriving_last_leaves_the_panel_true(client_as):
    """Two windows on one draft: the newer save lands, then an autosave made on the copy
    opened before it. What is stored stays the newer save, and the panel says so."""
    client = client_as("advocate")
    referral = _start(client)
    opened = _page_version(client, referral)
    newer = {**_yes(14), "action": "autosave", "draft_version": opened}
    assert _score(_post(client, referral, "checklist", newer, **HX).text) == "14"

    older = {**_yes(3), "action": "autosave", "draft_version": opened}
    resp = _post(client, referral, "checklist", older, **HX)
    assert resp.status_code == 409
    assert "changed in another window" in resp.text
    assert _score(resp.text) == "14"
    assert 'name="draft_version"' not in resp.text  # the old copy stays refused until reloaded
    db.session.refresh(referral)
    assert sum(v == ["yes"] for v in referral.draft["checklist"].values()) == 14

    # Reloaded, the page shows what is stored, and its saves go through again.
    assert _score(client.get(f"/referrals/{referral.id}/steps/checklist").text) == "14"
    fresh = {**_yes(5), "action": "autosave", "draft_version": _page_version(client, referral)}
    resp = _post(client, referral, "checklist", fresh, **HX)
    assert resp.status_code == 200 and _score(resp.text) == "5"


def test_saving_the_step_from_an_older_copy_is_still_kept(client_as):
    """Pressing the button sends the whole step: it is saved on top of whatever is stored (her
    own autosave may still have been in flight), and the page shows what was saved."""
    client = client_as("advocate")
    referral = _start(client)
    opened = _page_version(client, referral)
    _post(
        client,
        referral,
        "checklist",
        {**_yes(14), "action": "autosave", "draft_version": opened},
        **HX,
    )
    resp = _post(
        client, referral, "checklist", {**_yes(15), "action": "continue", "draft_version": opened}
    )
    assert resp.status_code == 422
    assert _score(resp.text) == "15"


def test_a_late_autosave_holding_what_is_stored_is_no_conflict(client_as):
    """The page's last autosave can land just after its own "Save and continue": it holds the
    same step, so it is answered as saved, not refused."""
    client = client_as("advocate")
    referral = _start(client)
    opened = _page_version(client, referral)
    _post(
        client, referral, "checklist", {**_yes(14), "action": "continue", "draft_version": opened}
    )
    late = {**_yes(14), "action": "autosave", "draft_version": opened}
    resp = _post(client, referral, "checklist", late, **HX)
    assert resp.status_code == 200 and _score(resp.text) == "14"
