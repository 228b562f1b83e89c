"""Read a form of a page as a browser would post it: its inputs, textareas and checked radios."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Forms(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.found = action, False, False
        self.data: dict[str, str] = {}
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = not self.found and attr.get("action") == self.action
            self.found = self.found or self.inside
        elif self.inside and tag == "input" and "name" in attr:
            kind = attr.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attr:
                return
            if kind not in ("submit", "button"):
                self.data[attr["name"]] = attr.get("value", "")
        elif self.inside and tag == "textarea":
            self.textarea, self.text = attr.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the newline that may follow the opening tag.
            self.data[self.textarea] = self.text.removeprefix("\n")
            self.textarea = None


def form_data(page: str, action: str, **changes: Any) -> dict[str, Any]:
    """The fields of the first form posting to action, as its page fills them, with changes
    (a name with dots or dashes: pass a dict through **{...})."""
    parser = _Forms(action)
    parser.feed(page)
    assert parser.found, f"no form posting to {action}"
    return {**parser.data, **changes}
