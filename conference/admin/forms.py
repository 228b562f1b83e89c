"""Forms for administering MARACs, agencies, users and roles."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from conference.accounts.models import (
    DEFAULT_CORE_KINDS,
    MAX_POPULATION,
    Agency,
    AgencyKind,
    Marac,
    RetentionAction,
    Role,
)
from conference.profiles import install_profile, profiles, role_label
from conference.web.forms import (
    FlaskForm,
    GovRadios,
    GovSingleCheckbox,
    InPracticeWords,
    WholeNumberField,
    long_text,
)
from conference.web.requests import parse_id

#: Offered in the time zone list; any other valid IANA zone is accepted too.
COMMON_ZONES = {
    "Europe/London": "UK (Europe/London)",
    "Europe/Dublin": "Ireland (Europe/Dublin)",
    "Europe/Isle_of_Man": "Isle of Man (Europe/Isle_of_Man)",
    "Europe/Jersey": "Jersey (Europe/Jersey)",
    "Europe/Guernsey": "Guernsey (Europe/Guernsey)",
}

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an id; the empty first option means none."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    chosen = parse_id(str(value))
    if chosen is None:  # not an id, or past an id column's range: the select says so
        raise ValueError("not an id")
    return chosen


def valid_time_zone(form: FlaskForm, field: SelectField) -> None:
    """Accept only a time zone the system's zone database knows."""
    try:
        ZoneInfo(field.data or "")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError("Choose a time zone from the list") from error


class ConfirmForm(FlaskForm):
    """A button that changes something: nothing to enter, but the CSRF token is checked."""


SCREENING_FIELDS = (
    "high_risk_threshold",
    "escalation_incidents",
    "escalation_window_days",
    "repeat_window_days",
)


#: Settings a blank field leaves at their default.
SETTING_DEFAULTS = {
    "retention_years": 6,
    "serial_victims": 2,
    "serial_window_years": 3,
    "agency_access_days": 28,
    "listing_wait_days": 21,
}
#: When an overdue action reaches its agency's point of contact, and the register.
LADDER_DEFAULTS = {"contact_after_days": 14, "register_after_days": 28}


def threshold(label: str, name: str, *, maximum: int) -> WholeNumberField:
    """An optional whole number overriding the risk checklist's screening rule."""
    return WholeNumberField(
        label,
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(1, maximum, message=f"Enter a whole number from 1 to {maximum}"),
        ],
    )


class MaracForm(InPracticeWords, FlaskForm):
    #: The version the copy was read at: a save on an older copy is refused (409).
    version = HiddenField()
    name = StringField(
        "Name",
        description="For example, Northbridge {meeting}",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[DataRequired("Enter the {meeting}'s name"), Length(max=120)],
    )
    code = StringField(
        "Code",
        description="2 to 6 letters or digits, used in case references, for example NB",
        widget=GovTextInput(),
        filters=[_strip, _upper],
        validators=[
            DataRequired("Enter a code"),
            Regexp(r"^[A-Z0-9]{2,6}$", message="The code must be 2 to 6 letters or digits"),
        ],
    )
    timezone = SelectField(
        "Time zone",
        description="Meeting times are shown in this time zone",
        choices=[SelectChoice(zone, label) for zone, label in COMMON_ZONES.items()],
        default="Europe/London",
        validate_choice=False,
        widget=GovSelect(),
        validators=[DataRequired("Choose a time zone"), Length(max=64), valid_time_zone],
    )
    requires_two_factor = BooleanField(
        "Require two-step verification",
        description="Every user with a role here must use an authenticator app",
        widget=GovSingleCheckbox(),
    )
    is_active = BooleanField("This {meeting} is active", default=True, widget=GovSingleCheckbox())
    coordinators_research = BooleanField(
        "Ask the coordinators' own agencies for research",
        description="Leave unticked when the coordinators work for the partnership that runs "
        "the {meeting}. Tick it when a coordinator's agency holds its own records on the cases "
        "(for example a police coordinator), so that agency researches every case too.",
        widget=GovSingleCheckbox(),
    )
    profile_id = SelectField(
        "Practice profile",
        description="The words its pages use for the meeting, the advocate and the agencies, "
        "how they write dates and the rows of the data return's equality table",
        choices=[],
        default="",
        widget=GovSelect(),
    )
    risk_tool_id = SelectField(
        "Risk checklist",
        description="The checklist referrals to this {meeting} use. A checklist with a young "
        "people's version uses it for victims aged 16 and 17.",
        choices=[],
        widget=GovSelect(),
        validators=[DataRequired("Choose a risk checklist")],
    )
    high_risk_threshold = threshold(
        "Score for visible high risk", "high_risk_threshold", maximum=100
    )
    escalation_incidents = threshold(
        "Incidents for potential escalation", "escalation_incidents", maximum=100
    )
    escalation_window_days = threshold(
        "Escalation window, in days", "escalation_window_days", maximum=3660
    )
    repeat_window_days = threshold("Repeat window, in days", "repeat_window_days", maximum=3660)
    confidentiality_statement = long_text(
        "Confidentiality statement",
        4000,
        hint="Read out at the start of every meeting; each person present accepts it. Leave "
        "empty to use the standard wording.",
    )
    core_kinds = SelectMultipleField(
        "Core agencies",
        description="The kinds of agency expected at every meeting. The chair's console flags "
        "any that are absent.",
        choices=[SelectChoice(kind.value, kind.label) for kind in AgencyKind],
        default=DEFAULT_CORE_KINDS.split(","),
        widget=GovCheckboxesInput(),
        validate_choice=True,
    )
    adult_female_population = WholeNumberField(
        "Women aged 16 and over",
        description="How many women aged 16 and over live in the {meeting}'s area, from the latest "
        "population estimates. The data return uses it for cases a year per 10,000 adult "
        "women, counted as the national dataset counts them.",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(
                1,
                MAX_POPULATION,
                message=f"Enter a whole number from 1 to {MAX_POPULATION:,}, without commas",
            ),
        ],
    )
    serial_victims = WholeNumberField(
        "Victims that make a serial perpetrator",
        description=f"A man linked to this many different victims is flagged as a serial "
        f"perpetrator. Leave empty for {SETTING_DEFAULTS['serial_victims']}.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(2, 20, message="Enter a whole number from 2 to 20")],
    )
    serial_window_years = WholeNumberField(
        "Serial perpetrator window, in years",
        description=f"Only victims referred within this many years count. Leave empty for "
        f"{SETTING_DEFAULTS['serial_window_years']}.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 20, message="Enter a whole number from 1 to 20")],
    )
    agency_access_days = WholeNumberField(
        "Days agencies keep sight of a conference's cases after its minutes are final",
        description="From publication, the invited agencies read each case's details for "
        "their research; this many days after the minutes are final they keep only their own "
        f"actions. Leave empty for {SETTING_DEFAULTS['agency_access_days']}.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(0, 365, message="Enter a whole number from 0 to 365")],
    )
    listing_wait_days = WholeNumberField(
        "Longest wait for a conference, in days",
        description="When accepting a referral would list its case further away than this, "
        "screening says so and offers a nearer conference over capacity or interim actions. "
        f"Leave empty for {SETTING_DEFAULTS['listing_wait_days']}.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 365, message="Enter a whole number from 1 to 365")],
    )
    contact_after_days = WholeNumberField(
        "Days overdue before the agency's point of contact is told",
        description="After the coordinators and the chair at seven days, the owner agency's "
        f"named point of contact hears of an open action. From 8 to 365; leave empty for "
        f"{LADDER_DEFAULTS['contact_after_days']}.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(8, 365, message="Enter a whole number from 8 to 365")],
    )
    register_after_days = WholeNumberField(
        "Days overdue before the action enters the escalation register",
        description="More than the days before the point of contact is told, up to 366; "
        f"leave empty for {LADDER_DEFAULTS['register_after_days']}.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(9, 366, message="Enter a whole number from 9 to 366")],
    )
    retention_years = WholeNumberField(
        "Years a case is kept after it closes",
        description="Then the nightly job deals with it as chosen below, unless the "
        f"coordinator places a legal hold. From 1 to 50; leave empty for "
        f"{SETTING_DEFAULTS['retention_years']}.",
        widget=GovTextInput(),
        validators=[Optional(), NumberRange(1, 50, message="Enter a whole number from 1 to 50")],
    )
    retention_action = RadioField(
        "What happens to a case then",
        description="Anonymising keeps every count of past data returns true.",
        choices=[SelectChoice(action.value, action.label) for action in RetentionAction],
        default=RetentionAction.ANONYMISE.value,
        widget=GovRadios(),
        validate_choice=True,
    )
    submit = SubmitField("Save {meeting}", widget=GovSubmitInput())

    def validate_high_risk_threshold(self, field: WholeNumberField) -> None:
        tool = current_app.extensions["risk_tools"].get(self.risk_tool_id.data)
        if field.data is None or tool is None:
            return
        if tool.rules.high_risk_threshold is None:
            raise ValidationError(
                "Leave this empty: the chosen checklist's rule for visible high risk is not a "
                f"single score ({tool.words()})"
            )
        if field.data > tool.highest_score:
            raise ValidationError(
                f"Enter a score the checklist can reach: {tool.highest_score} at most"
            )

    def validate_register_after_days(self, field: WholeNumberField) -> None:
        contact = self.contact_after_days.data or LADDER_DEFAULTS["contact_after_days"]
        register = field.data or LADDER_DEFAULTS["register_after_days"]
        if register <= contact:
            raise ValidationError(
                f"Enter more days than before the point of contact is told ({contact})"
            )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tools = current_app.extensions["risk_tools"]
        install = install_profile()
        self.profile_id.choices = [
            SelectChoice("", f"The install's: {install.name}"),
            *(SelectChoice(p.id, p.name) for p in profiles().values()),
        ]
        self.risk_tool_id.choices = [SelectChoice(t.id, t.name) for t in tools.values()]
        if not self.risk_tool_id.data:  # a new MARAC starts with its profile's tool
            self.risk_tool_id.data = (
                profiles().get(self.profile_id.data or "", install).default_risk_tool
            )
        # Each threshold's hint names the chosen checklist's own default.
        tool = tools.get(self.risk_tool_id.data) or tools[current_app.config["DEFAULT_RISK_TOOL"]]
        for name in SCREENING_FIELDS:
            field = getattr(self, name)
            own = getattr(tool.rules, name)
            field.description = (
                f"Leave empty to use the checklist's {own}"
                if own is not None
                else f"Leave empty: the checklist's rule is {tool.words()}"
            )
        # Keep a zone that is not in the short list (saved earlier, or just typed) visible.
        if self.timezone.data and self.timezone.data not in COMMON_ZONES:
            self.timezone.choices = [*self.timezone.choices, SelectChoice(self.timezone.data)]

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "code": self.code.data,
            "timezone": self.timezone.data,
            "requires_two_factor": self.requires_two_factor.data,
            "is_active": self.is_active.data,
            "coordinators_research": self.coordinators_research.data,
            "profile_id": self.profile_id.data or None,
            "risk_tool_id": self.risk_tool_id.data,
            **{name: getattr(self, name).data for name in SCREENING_FIELDS},
            "confidentiality_statement": self.confidentiality_statement.data or "",
            "core_agency_kinds": ",".join(str(kind) for kind in self.core_kinds.data or []),
            "adult_female_population": self.adult_female_population.data,
            "retention_action": RetentionAction(
                self.retention_action.data or RetentionAction.ANONYMISE
            ),
            **{
                name: default if getattr(self, name).data is None else getattr(self, name).data
                for name, default in {**SETTING_DEFAULTS, **LADDER_DEFAULTS}.items()
            },
        }


class AgencyForm(InPracticeWords, FlaskForm):
    #: The version the copy was read at: a save on an older copy is refused (409).
    version = HiddenField()
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[DataRequired("Enter the agency's name"), Length(max=160)],
    )
    kind = SelectField(
        "Type of agency",
        choices=[SelectChoice("", "Choose a type")]
        + [SelectChoice(k.value, k.label) for k in AgencyKind],
        invalid_choice_message="Choose a type of agency from the list",
        widget=GovSelect(),
        validators=[DataRequired("Choose the type of agency")],
    )
    marac_ids = SelectMultipleField(
        "{Meetings} it sits on",
        description="Its users can only be given roles in these {meetings}",
        coerce=int,
        choices=[],
        invalid_value_message="Choose {meetings} from the list",
        invalid_choice_message="Choose {meetings} from the list",
        widget=GovCheckboxesInput(),
    )
    contact_name = StringField(
        "Contact name",
        description="The agency's named point of contact, senior enough to commit its resources",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Optional(), Length(max=120)],
    )
    contact_email = StringField(
        "Contact email address",
        description="Told when one of the agency's actions is long overdue (14 days unless "
        "the {meeting} says otherwise): in the app if it is a user's address, otherwise by an "
        "email that gives only a count and a link",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Optional(), Length(max=254), Email(EMAIL_FORMAT)],
    )
    contact_phone = StringField(
        "Contact phone number",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=40),
            Regexp(
                r"^\+?[0-9 ()-]{6,}(?: ?(?:ext|x)\.? ?[0-9]+)?$",
                message="Enter a phone number, like 01632 960 001 or +44 808 157 0192",
            ),
        ],
    )
    is_active = BooleanField(
        "This agency is active",
        description="New users cannot be added to an inactive agency",
        default=True,
        widget=GovSingleCheckbox(),
    )
    submit = SubmitField("Save agency", widget=GovSubmitInput())

    def __init__(self, *args: Any, maracs: list[Marac], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marac_ids.choices = [
            SelectChoice(m.id, m.name if m.is_active else f"{m.name} (inactive)") for m in maracs
        ]

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "contact_name": self.contact_name.data or "",
            "contact_email": self.contact_email.data or "",
            "contact_phone": self.contact_phone.data or "",
            "is_active": self.is_active.data,
        }


class UserForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[DataRequired("Enter the user's full name"), Length(max=120)],
    )
    email = StringField(
        "Email address",
        description="Their work email address. They sign in with it.",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter the user's email address"),
            Length(max=254),
            Email(EMAIL_FORMAT),
        ],
    )
    job_title = StringField(
        "Job title",
        description="For example, Detective Sergeant",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[Optional(), Length(max=120)],
    )
    agency_id = SelectField(
        "Agency",
        coerce=optional_int,
        choices=[],
        invalid_value_message="Choose an agency from the list",
        invalid_choice_message="Choose an agency from the list",
        widget=GovSelect(),
        validators=[DataRequired("Choose the user's agency")],
    )
    submit = SubmitField("Save user", widget=GovSubmitInput())

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency_id.choices = [SelectChoice("", "Choose an agency")] + [
            SelectChoice(a.id, a.name if a.is_active else f"{a.name} (inactive)") for a in agencies
        ]

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "email": self.email.data,
            "job_title": self.job_title.data or "",
            "agency_id": self.agency_id.data,
        }


class GrantRoleForm(InPracticeWords, FlaskForm):
    role = SelectField(
        "Role",
        choices=[SelectChoice("", "Choose a role")]
        + [SelectChoice(r.value, r.label) for r in Role],
        invalid_choice_message="Choose a role from the list",
        widget=GovSelect(),
        validators=[DataRequired("Choose a role")],
    )
    # Not checked against the list: the service explains why a MARAC cannot be used.
    marac_id = SelectField(
        "{Meeting}",
        coerce=optional_int,
        choices=[],
        validate_choice=False,
        invalid_value_message="Choose a {meeting} from the list",
        widget=GovSelect(),
    )
    submit = SubmitField("Grant role", widget=GovSubmitInput())

    def __init__(self, *args: Any, maracs: list[Marac], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The roles as the install's practice names them ("Victim advocate" on a US-style one).
        self.role.choices = [SelectChoice("", "Choose a role")] + [
            SelectChoice(r.value, role_label(r, None)) for r in Role
        ]
        self.marac_id.choices = [
            SelectChoice("", install_profile().words.fill("Choose a {meeting}"))
        ] + [SelectChoice(m.id, m.name) for m in maracs]
