"""Your referrals: the referrer's own list, a page at a time, searchable by reference."""

from __future__ import annotations

from tests import factories
from tests.conftest import sign_in


def _list(app, user, **args):
    return sign_in(app.test_client(), user).get("/referrals/", query_string=args)


def test_the_list_is_paged_with_what_waits_on_the_referrer_first(app):
    app.config["ADMIN_PAGE_SIZE"] = 2
    referrer = factories.make_user("advocate")
    draft = factories.make_referral(referrer, given_name="Dora")
    asked = factories.make_referral(referrer, status="more_info_requested", given_name="Mina")
    # Changed later, but already with the coordinator or decided.
    factories.make_referral(referrer, status="accepted", given_name="Ada")
    factories.make_referral(referrer, status="submitted", given_name="Sol")

    first = _list(app, referrer)
    assert first.status_code == 200
    assert "Dora" in first.text and "Mina" in first.text
    assert "Ada" not in first.text and "Sol" not in first.text
    assert "page=2" in first.text  # the pager

    second = _list(app, referrer, page=2).text
    assert "Ada" in second and "Sol" in second and "Dora" not in second
    assert draft.reference in first.text and asked.reference in first.text


def test_it_is_searched_by_the_referrers_the_referrals_and_the_cases_reference(app):
    referrer = factories.make_user("advocate")
    mine = factories.make_referral(
        referrer, status="submitted", reference="CRN 5521/26", given_name="Ivy"
    )
    accepted = factories.make_referral(referrer, status="accepted", given_name="Nell")
    factories.make_referral(referrer, status="submitted", reference="OTHER-9", given_name="Zara")
    stranger = factories.make_referral(status="submitted", reference="CRN 5521/99")

    by_own = _list(app, referrer, q="crn 5521").text
    assert "Ivy" in by_own and "Zara" not in by_own and "Nell" not in by_own
    assert stranger.reference not in by_own and "CRN 5521/26" in by_own

    by_referral = _list(app, referrer, q=mine.reference).text
    assert "Ivy" in by_referral and "Zara" not in by_referral

    case_reference = accepted.case.reference
    by_case = _list(app, referrer, q=case_reference.lower()).text
    assert "Nell" in by_case and "Ivy" not in by_case

    nothing = _list(app, referrer, q="no-such-ref").text
    assert "None of your referrals has a reference like" in nothing


def test_a_search_with_a_control_character_gets_a_message_by_the_box(app):
    referrer = factories.make_user("advocate")
    factories.make_referral(referrer, status="submitted", given_name="Ivy")
    resp = _list(app, referrer, q="CR\x0712")
    assert resp.status_code == 422
    assert "q-field-error" in resp.text
