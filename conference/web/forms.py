"""Form fields shared across domains, with messages in the GOV.UK style."""

from __future__ import annotations

from typing import Any

from wtforms.fields import DateField


class DateFieldUK(DateField):
    """An ISO date field (the browser's date picker) whose parse error says what to enter."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(f"Enter a real date for '{self.label.text.lower()}'") from error
