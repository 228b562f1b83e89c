"""The three-way merge of a record's text fields, case by case (conference.merging)."""

from __future__ import annotations

import pytest

from conference.merging import Clash, merge

FIELDS = ("risks", "decisions")


def _merge(base, mine, theirs, fields=("risks",)):
    return merge(fields, base=base, mine=mine, theirs=theirs)


def test_a_field_only_i_changed_takes_my_text():
    merged = _merge({"risks": "old"}, {"risks": "mine"}, {"risks": "old"})
    assert merged.clean
    assert merged.values == {"risks": "mine"}
    assert merged.mine == ("risks",) and merged.theirs == ()


def test_a_field_only_they_changed_keeps_theirs():
    merged = _merge({"risks": "old"}, {"risks": "old"}, {"risks": "theirs"})
    assert merged.clean
    assert merged.values == {"risks": "theirs"}
    assert merged.theirs == ("risks",) and merged.mine == ()


def test_a_field_both_changed_alike_is_that_text():
    merged = _merge({"risks": "old"}, {"risks": "same"}, {"risks": "same "})
    assert merged.clean
    assert merged.values == {"risks": "same"}
    assert merged.mine == () and merged.theirs == ()


def test_a_field_both_changed_differently_clashes_and_keeps_theirs_meanwhile():
    merged = _merge({"risks": "old"}, {"risks": "mine"}, {"risks": "theirs"})
    assert not merged.clean
    assert merged.clashes == {"risks": Clash(theirs="theirs", mine="mine")}
    assert merged.values == {"risks": "theirs"}  # nothing of theirs replaced unasked


@pytest.mark.parametrize(
    ("base", "mine", "theirs", "value", "who"),
    [
        ("", "", "typed by them", "typed by them", "theirs"),  # they began a blank field
        ("", "typed by me", "", "typed by me", "mine"),  # I began a blank field
        ("old", "", "old", "", "mine"),  # I cleared it
        ("old", "old", "", "", "theirs"),  # they cleared it
    ],
)
def test_blank_is_a_text_like_any_other(base, mine, theirs, value, who):
    merged = _merge({"risks": base}, {"risks": mine}, {"risks": theirs})
    assert merged.clean
    assert merged.values == {"risks": value}
    assert getattr(merged, who) == ("risks",)


def test_one_cleared_it_while_the_other_changed_it_is_a_clash():
    merged = _merge({"risks": "old"}, {"risks": ""}, {"risks": "new"})
    assert merged.clashes == {"risks": Clash(theirs="new", mine="")}


def test_without_a_base_any_difference_clashes():
    merged = merge(
        FIELDS, base=None, mine={"risks": "mine", "decisions": "x"}, theirs={"risks": "theirs"}
    )
    assert set(merged.clashes) == {"risks", "decisions"}
    same = merge(FIELDS, base=None, mine={"risks": "a"}, theirs={"risks": "a"})
    assert same.clean and same.values == {"risks": "a", "decisions": ""}


def test_a_field_without_its_base_clashes_when_it_differs():
    merged = merge(
        FIELDS,
        base={"risks": "old", "decisions": None},
        mine={"risks": "mine", "decisions": "mine"},
        theirs={"risks": "old", "decisions": "theirs"},
    )
    assert merged.values["risks"] == "mine"
    assert set(merged.clashes) == {"decisions"}


def test_fields_are_settled_each_on_its_own():
    merged = merge(
        FIELDS,
        base={"risks": "r", "decisions": "d"},
        mine={"risks": "r2", "decisions": "d"},
        theirs={"risks": "r", "decisions": "d2"},
    )
    assert merged.clean
    assert merged.values == {"risks": "r2", "decisions": "d2"}
    assert merged.mine == ("risks",) and merged.theirs == ("decisions",)


def test_line_endings_and_surrounding_space_do_not_count_as_a_change():
    merged = _merge({"risks": "one\ntwo"}, {"risks": " one\r\ntwo\n"}, {"risks": "three"})
    assert merged.clean
    assert merged.values == {"risks": "three"}
