"""The loaders every domain's routes share: what a URL names, or 404."""

import pytest
from werkzeug.exceptions import NotFound

from conference.web.loaders import or_404


@pytest.mark.parametrize("found", [object(), 0, "", []])
def test_or_404_returns_whatever_was_found(found):
    assert or_404(found) is found


def test_or_404_answers_404_when_nothing_was_found():
    with pytest.raises(NotFound):
        or_404(None)
