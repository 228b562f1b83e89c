"""The three-way merge of a record's text fields, case by case (conference.merging), and what
a merging form carries and reads (conference.web.merging)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField

from conference.merging import Clash, merge
from conference.web.forms import Form, long_text
from conference.web.merging import CHOOSE, Merges, read_posted, show_merge

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


# What a merging form carries and reads (conference.web.merging) ----------------------------


class _NotesForm(Merges, Form):
    merged_fields = FIELDS
    version = HiddenField()
    risks = long_text("Risks", 100)
    decisions = long_text("Decisions", 100)


def _posted(**data):
    form = _NotesForm(MultiDict(data))
    assert form.validate()
    return form, read_posted(form, MultiDict(data))


def test_a_post_without_base_texts_carries_none():
    form, posted = _posted(version="1", risks="a")
    assert posted.base is None and posted.settled and not posted.keep
    assert form.base == {"risks": None, "decisions": None}


def test_the_base_texts_and_the_choices_are_read():
    form, posted = _posted(
        version="2",
        risks="mine",
        decisions="typed",
        **{"risks.base": "old", "decisions.base": "", "decisions.clash": "1"},
        **{"decisions.keep": "theirs"},
    )
    assert posted.base == {"risks": "old", "decisions": ""}
    assert posted.keep == {"decisions"} and posted.settled
    assert form.choices == {"decisions": "theirs"}


def test_a_clash_left_unchosen_is_said_beside_its_field_with_both_texts_kept():
    form = _NotesForm(MultiDict({"decisions": "mine", "decisions.base": "theirs"}))
    form.validate()
    posted = read_posted(
        form, MultiDict({"decisions": "mine", "decisions.base": "theirs", "decisions.clash": "1"})
    )
    assert not posted.settled
    assert form.decisions.errors == [CHOOSE]
    assert form.clashes == {"decisions": Clash(theirs="theirs", mine="mine")}


def test_after_a_clash_the_form_is_set_on_what_is_saved_now():
    form, posted = _posted(
        version="1", risks="mine", decisions="mine too", **{"risks.base": "", "decisions.base": ""}
    )
    merged = show_merge(form, {"risks": "", "decisions": "theirs"}, 3, posted)
    assert set(merged.clashes) == {"decisions"}
    assert form.version.data == "3"
    assert form.base == {"risks": "", "decisions": "theirs"}  # the next save starts from theirs
    assert form.risks.data == "mine" and form.decisions.data == "mine too"  # the typing kept
    assert form.clashes == {"decisions": Clash(theirs="theirs", mine="mine too")}
