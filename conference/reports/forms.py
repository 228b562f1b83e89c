"""The choice of MARAC and period for a data return: a quarter, or dates of one's own."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from conference.reports.periods import (
    LONGEST_DAYS,
    Period,
    last_full_quarter,
    parse_quarter,
    quarter_name,
    recent_quarters,
)
from conference.web.forms import Form, InPracticeWords, MemorableDateField

#: The quarter list's last choice: the dates typed below it.
OTHER_DATES = "other"


class PeriodForm(InPracticeWords, Form):
    """Read from the query string: a return is a page to bookmark, not a change to make."""

    marac = SelectField("{Meeting}", choices=[], widget=GovSelect(), validate_choice=False)
    quarter = SelectField(
        "Period",
        description="Quarters run January to March, April to June, July to September and "
        "October to December",
        choices=[],
        widget=GovSelect(),
        validate_choice=False,
    )
    start = MemorableDateField(
        "From", validators=[Optional()], description="For other dates. For example, 1 4 2026"
    )
    end = MemorableDateField(
        "To", validators=[Optional()], description="The last day the return covers"
    )

    def offer(self, maracs: list[Any], today: date) -> None:
        """Fill in the choices: the MARACs given and the last eight quarters."""
        self.marac.choices = [SelectChoice(str(m.id), m.name) for m in maracs]
        quarters = recent_quarters(today)
        chosen = parse_quarter(self.quarter.data)
        if chosen and chosen not in quarters:
            quarters.append(chosen)
        self.quarter.choices = [
            SelectChoice(quarter_name(q.start), q.label + (" (so far)" if q.end >= today else ""))
            for q in quarters
        ] + [SelectChoice(OTHER_DATES, "Other dates (enter them below)")]
        if not self.quarter.data:
            self.quarter.data = quarter_name(last_full_quarter(today).start)

    def period(self, today: date) -> Period | None:
        """The period asked for, or None with a message by the field that is wrong."""
        if self.quarter.data != OTHER_DATES:
            found = parse_quarter(self.quarter.data)
            if found is None:
                self.quarter.errors = ["Choose a quarter from the list"]
            elif found.start > today:
                self.quarter.errors = ["Choose a quarter that has begun"]
                return None
            return found
        # The dates count only now, so a slip in them never spoils a quarter's return.
        if not self.validate():
            return None
        start, end = self.start.data, self.end.data
        if start is None:
            self.start.errors = ["Enter the first day the return covers"]
        elif start > today:
            self.start.errors = ["The first day must be today or in the past"]
        if end is None:
            self.end.errors = ["Enter the last day the return covers"]
        elif start is not None and end < start:
            self.end.errors = ["The last day must be the same as or after the first day"]
        elif start is not None and (end - start).days + 1 > LONGEST_DAYS:
            self.end.errors = ["A return can cover at most five years"]
        if start is None or end is None or self.start.errors or self.end.errors:
            return None
        return Period(start, end)

    def query(self) -> dict[str, Any]:
        """The choice as query arguments, for the export and print links."""
        query: dict[str, Any] = {"marac": self.marac.data, "quarter": self.quarter.data}
        if self.quarter.data == OTHER_DATES:
            for field in (self.start, self.end):
                day = field.data
                if day is not None:  # always, after period() found a period
                    query[field.name] = [day.day, day.month, day.year]
        return query
