"""The referral form, one class per step, and the coordinator's screening forms.

Step forms are plain WTForms forms: they are filled from the saved draft as often as from a
request, and CSRF is checked for every POST by the app itself.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import (
    GovSelect,
    GovTextInput,
)
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from conference.actions.models import ACTION_LIMITS
from conference.dates import OLDEST_AGE_YEARS, years_after
from conference.pronouns import FitsVictim
from conference.referrals import lawful_basis
from conference.referrals.births import BirthDate, age_on
from conference.referrals.checklists import RiskTool
from conference.referrals.choices import (
    Consent,
    Decision,
    DobKind,
    Ethnicity,
    Gender,
    Relationship,
    Sexuality,
    WithoutConsent,
    YesNoNotKnown,
)
from conference.referrals.models import (
    CHILD_LIMITS,
    INCIDENT_LIMITS,
    PERPETRATOR_LIMITS,
    REASON_LIMIT,
    REFERRAL_LIMITS,
)
from conference.web.forms import (
    Form,
    GovRadios,
    GovSingleCheckbox,
    MemorableDateField,
    WholeNumberField,
    date_of_birth,
    long_text,
    month_first,
    not_in_future,
    radios,
    strip,
    text,
    today_of,
    too_long,
)

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
MAX_PERPETRATORS = 5
MAX_CHILDREN = 12
MAX_INCIDENTS = 20


def _typed(field: Any) -> bool:
    return any(str(v).strip() for v in field.raw_data or ())


def selected_kind(form: Any) -> DobKind | None:
    """The kind of date of birth chosen; for a draft saved before the choice was asked, the
    one its typing shows (a date, or an age)."""
    chosen = form.dob_kind.data
    if chosen in {k.value for k in DobKind}:
        return DobKind(chosen)
    if chosen:
        return None
    if _typed(form.dob):
        return DobKind.EXACT
    if _typed(form.approximate_age):
        return DobKind.AGE
    return None


def for_kind(kind: DobKind, required: str | None = None) -> Any:
    """A field of one kind of date of birth: checked only when that kind is chosen (a field
    of another kind is hidden, whatever it holds), and then required if a message is given."""

    def check(form: Any, field: Any) -> None:
        if selected_kind(form) is not kind:
            field.errors[:] = []
            raise StopValidation()
        if required and not _typed(field):
            field.errors[:] = []
            raise StopValidation(required)

    return check


def kind_chosen(message: str) -> Any:
    """The kind of date of birth must be chosen (or shown by an older draft's typing)."""

    def check(form: Any, field: Any) -> None:
        field.errors[:] = []
        if selected_kind(form) is None:
            raise StopValidation(message)

    return check


class BirthFields:
    """A person's date of birth as far as it is known (conference/referrals/births.py): the
    date, only a year, only an age on a day, or not known and why; and other possible dates.
    One set of fields for the victim and each perpetrator."""

    dob_kind = RadioField(
        "What do you know about their date of birth?",
        choices=DobKind.choices(),
        widget=GovRadios(),
        validators=[Optional()],
        validate_choice=True,
    )
    dob = MemorableDateField(
        "Date of birth",
        description="For example, 27 3 1991",
        validators=[for_kind(DobKind.EXACT, "Enter the date of birth"), date_of_birth],
    )
    birth_year = WholeNumberField(
        "Year of birth",
        description="For example, 1991",
        widget=GovTextInput(),
        validators=[for_kind(DobKind.YEAR, "Enter the year of birth"), Optional()],
    )
    approximate_age = WholeNumberField(
        "Approximate age",
        description="In years, for example 40",
        widget=GovTextInput(),
        validators=[
            for_kind(DobKind.AGE, "Enter the approximate age"),
            Optional(),
            NumberRange(10, 120, message="Enter an age from 10 to 120"),
        ],
    )
    age_on = MemorableDateField(
        "The day they were that age",
        description="Leave blank for today. For example, 1 3 2026",
        validators=[for_kind(DobKind.AGE), Optional(), date_of_birth],
    )
    dob_reason = StringField(
        "Why is the date of birth not known?",
        description="For example, no agency holds it and it is not safe to ask",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            for_kind(DobKind.UNKNOWN, "Say why the date of birth is not known"),
            too_long(PERPETRATOR_LIMITS["dob_reason"]),
        ],
    )
    other_dob_1 = MemorableDateField(
        "Another possible date of birth",
        description="Optional: if records give more than one date. For example, 3 5 1985",
        validators=[Optional(), date_of_birth],
    )
    other_dob_2 = MemorableDateField(
        "A third possible date of birth",
        description="Optional",
        validators=[Optional(), date_of_birth],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.dob_kind.data and (kind := selected_kind(self)) is not None:
            self.dob_kind.data = kind.value  # an older draft shows the kind its typing meant

    def validate_birth_year(self, field: WholeNumberField) -> None:
        if selected_kind(self) is not DobKind.YEAR or field.data is None:
            return
        today = today_of(self)
        if not years_after(today, -OLDEST_AGE_YEARS).year <= field.data <= today.year:
            raise ValidationError(
                f"Year of birth must be between {today.year - OLDEST_AGE_YEARS} and {today.year}"
            )

    def birth(self) -> BirthDate:
        """What the fields say, once valid (or as far as they parse)."""
        kind = selected_kind(self)
        others = tuple(d for d in (self.other_dob_1.data, self.other_dob_2.data) if d)
        return BirthDate(
            kind=kind,
            exact=self.dob.data if kind is DobKind.EXACT else None,
            year=self.birth_year.data if kind is DobKind.YEAR else None,
            age=self.approximate_age.data if kind is DobKind.AGE else None,
            age_on=(self.age_on.data or today_of(self)) if kind is DobKind.AGE else None,
            reason=(self.dob_reason.data or "") if kind is DobKind.UNKNOWN else "",
            others=others,
        )


UNDER_16 = (
    "Referrals here are for victims aged 16 or over. For a younger person, make a referral to "
    "children's services"
)


class StepForm(FitsVictim, Form):
    """A step of the referral form. ``today`` (in the MARAC's time zone) judges dates."""

    class Meta:
        today: date = date.min

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, meta={"today": today}, **kwargs)


class VictimForm(BirthFields, StepForm):
    reference = text(
        "Your reference (optional)",
        REFERRAL_LIMITS["referrer_reference"],
        hint="Your agency's own number for this, such as a crime or case number. You can find "
        "the referral by it in your list.",
    )
    given_name = text(
        "First name", REFERRAL_LIMITS["victim_given_name"], required="Enter the victim's first name"
    )
    family_name = text("Last name", REFERRAL_LIMITS["victim_family_name"])
    aliases = long_text(
        "Other names",
        REFERRAL_LIMITS["victim_aliases"],
        hint="Any other names or spellings, one per line: a previous surname, a nickname.",
    )
    dob_kind = RadioField(
        "What do you know about the victim's date of birth?",
        choices=DobKind.choices(),
        widget=GovRadios(),
        validators=[kind_chosen("Select what you know about the victim's date of birth")],
        validate_choice=True,
    )
    dob = MemorableDateField(
        "Date of birth",
        description="For example, 27 3 1991",
        validators=[for_kind(DobKind.EXACT, "Enter the victim's date of birth"), date_of_birth],
    )
    gender = radios("Gender", Gender.choices(), "Select the victim's gender, or 'Not known'")
    is_trans = radios(
        "Is the victim trans, or do they have a trans history?",
        YesNoNotKnown.choices(),
        "Select yes, no or 'Not known'",
    )
    ethnicity = SelectField(
        "Ethnic group",
        choices=[SelectChoice("", "Select an ethnic group"), *Ethnicity.choices()],
        widget=GovSelect(),
        validators=[InputRequired("Select the victim's ethnic group, or 'Not known'")],
        validate_choice=True,
    )
    disability = radios(
        "Does the victim have a disability?",
        YesNoNotKnown.choices(),
        "Select yes, no or 'Not known'",
    )
    sexuality = radios(
        "Sexual orientation", Sexuality.choices(), "Select a sexual orientation, or 'Not known'"
    )
    language = text("First language", REFERRAL_LIMITS["victim_language"], hint="If not English")
    needs_interpreter = BooleanField("The victim needs an interpreter", widget=GovSingleCheckbox())

    def validate_dob(self, field: MemorableDateField) -> None:
        if field.data and age_on(field.data, self.meta.today) < 16:
            raise ValidationError(UNDER_16)

    def validate_birth_year(self, field: WholeNumberField) -> None:
        super().validate_birth_year(field)
        if field.data is not None and self.meta.today.year - field.data < 16:
            raise ValidationError(UNDER_16)

    def validate_approximate_age(self, field: WholeNumberField) -> None:
        if field.data is not None and field.data < 16:
            raise ValidationError(UNDER_16)

    def validate_ethnicity(self, field: SelectField) -> None:
        if field.data == "":
            raise ValidationError("Select the victim's ethnic group, or 'Not known'")


class ContactForm(StepForm):
    address = long_text("Address", REFERRAL_LIMITS["victim_address"])
    phone = StringField(
        "Phone number",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            Optional(),
            too_long(REFERRAL_LIMITS["victim_phone"]),
            Regexp(r"^[0-9 +()-]+$", message="Enter a phone number, like 07700 900 982"),
        ],
    )
    safe_to_call = radios(
        "Is it safe to call this number?",
        YesNoNotKnown.choices(),
        "Select whether it is safe to call",
    )
    contact_notes = long_text(
        "How to contact the victim safely",
        REFERRAL_LIMITS["contact_notes"],
        hint="For example: only call on weekday mornings; never leave a message.",
    )
    who_she_fears = long_text(
        "Who does the victim fear?",
        REFERRAL_LIMITS["who_she_fears"],
        required="Say who the victim fears",
    )
    safe_contacts = long_text(
        "Who is it safe to talk to?",
        REFERRAL_LIMITS["safe_contacts"],
        hint="People or agencies {they} trust{s} and who can pass on a message.",
    )
    unsafe_contacts = long_text(
        "Who must not be contacted?",
        REFERRAL_LIMITS["unsafe_contacts"],
        hint="People who could pass information to the perpetrator.",
    )


class PerpetratorEntry(BirthFields, Form):
    given_name = text(
        "First name", PERPETRATOR_LIMITS["given_name"], required="Enter the person's first name"
    )
    family_name = text("Last name", PERPETRATOR_LIMITS["family_name"])
    aliases = long_text("Other names", PERPETRATOR_LIMITS["aliases"], hint="One per line")
    gender = RadioField(
        "Gender",
        choices=Gender.choices(),
        widget=GovRadios(),
        validators=[Optional()],
        validate_choice=True,
    )
    ethnicity = SelectField(
        "Ethnic group",
        choices=[SelectChoice("", "Select an ethnic group"), *Ethnicity.choices()],
        widget=GovSelect(),
        validators=[Optional()],
        validate_choice=True,
    )
    relationship = radios(
        "Relationship to the victim", Relationship.choices(), "Select the relationship"
    )
    address = long_text("Address, if known", PERPETRATOR_LIMITS["address"])


class PerpetratorsForm(StepForm):
    perpetrators = FieldList(
        FormField(PerpetratorEntry), min_entries=1, max_entries=MAX_PERPETRATORS
    )


class ChildEntry(Form):
    given_name = text(
        "First name", CHILD_LIMITS["given_name"], required="Enter the child's first name"
    )
    family_name = text("Last name", CHILD_LIMITS["family_name"])
    dob = MemorableDateField("Date of birth", validators=[Optional(), date_of_birth])
    relation_to_victim = text(
        "Relation to the victim", CHILD_LIMITS["relation_to_victim"], hint="For example, son"
    )
    relation_to_perpetrator = text(
        "Relation to the perpetrator",
        CHILD_LIMITS["relation_to_perpetrator"],
        hint="For example, stepdaughter, or none",
    )
    school = text("School or nursery", CHILD_LIMITS["school"])


class ChildrenForm(StepForm):
    has_children = radios(
        "Are there children in the household?",
        YES_NO,
        "Select yes if any child lives in or often stays in the household",
        hint="Include unborn children and children who stay often.",
    )
    children = FieldList(FormField(ChildEntry), min_entries=0, max_entries=MAX_CHILDREN)

    def validate_children(self, field: FieldList) -> None:
        if self.has_children.data == "yes" and not field.entries:
            raise ValidationError("Add each child, or answer 'No' above")


#: The checklist step's own field beside the tool's questions.
CHECKLIST_DATE = "completed_on"


@cache
def checklist_form_class(tool: RiskTool) -> type[StepForm]:
    """A form with the day the checklist was done, and one yes / no / not known question per
    question of the tool: the main ones, then each module's, which must be answered only when
    the module is open."""
    fields: dict[str, Any] = {
        CHECKLIST_DATE: MemorableDateField(
            "Date the checklist was completed",
            description="The day you went through it with {them}. For example, 27 3 2026",
            validators=[Optional(), not_in_future],
        )
    }
    opened_by = {q.id: m.opens_on for m in tool.modules for q in m.questions}
    for question in tool.all_questions:
        required = f"Answer question {question.number}"
        opens_on = opened_by.get(question.id)
        fields[question.id] = (ModuleQuestionField if opens_on else RadioField)(
            f"{question.number}. {question.text}",
            description=question.help,
            choices=YesNoNotKnown.choices(),
            widget=GovRadios(),
            validators=[WhenOpen(opens_on, required) if opens_on else InputRequired(required)],
            validate_choice=True,
        )
    return type(f"ChecklistForm_{tool.id}", (StepForm,), fields)


class ModuleQuestionField(RadioField):
    """A module's question: left unanswered while its module is closed."""

    def pre_validate(self, form: Any) -> None:
        if self.data:
            super().pre_validate(form)


class WhenOpen:
    """Required when the question that opens the module is answered 'yes'; otherwise ignored."""

    def __init__(self, opens_on: str, message: str) -> None:
        self.opens_on, self.message = opens_on, message

    def __call__(self, form: Any, field: Any) -> None:
        if form[self.opens_on].data != "yes":
            field.errors[:] = []
            raise StopValidation()
        if not field.data:
            raise StopValidation(self.message)


class IncidentEntry(Form):
    occurred_on = MemorableDateField(
        "Date of the incident",
        validators=[InputRequired("Enter the date of the incident"), not_in_future],
    )
    summary = text(
        "What happened", INCIDENT_LIMITS["summary"], hint="A few words, like 'police called'"
    )


class CriteriaForm(StepForm):
    incidents = FieldList(FormField(IncidentEntry), min_entries=0, max_entries=MAX_INCIDENTS)
    professional_judgement = BooleanField(
        "Refer on professional judgement",
        description="You are seriously concerned whatever the score.",
        widget=GovSingleCheckbox(),
    )
    judgement_reasons = long_text(
        "Your concern and the reasons for it",
        REFERRAL_LIMITS["judgement_reasons"],
        hint="For example: {they} {are} too frightened to answer, or a language barrier stops "
        "{them} telling you everything.",
    )

    def validate_judgement_reasons(self, field: TextAreaField) -> None:
        if self.professional_judgement.data and not field.data:
            raise ValidationError("Give your reasons: professional judgement needs them")

    def validate_incidents(self, field: FieldList) -> None:
        for entry in field.entries:
            when = entry.form.occurred_on.data
            if when and when > self.meta.today:
                entry.form.occurred_on.errors.append("The incident date must be in the past")
                raise ValidationError("An incident date is in the future")


class ConsentForm(StepForm):
    victim_aware = radios(
        "Does the victim know about this referral?",
        YES_NO,
        "Select yes if the victim knows about the referral",
    )
    consent = radios("Consent", Consent.choices(), "Select what happened about consent")
    without_consent_reason = SelectField(
        "Why it is shared without {their} consent",
        choices=[SelectChoice("", "Not applicable"), *WithoutConsent.choices()],
        default="",
        widget=GovSelect(),
        description="If {they} refused, only a risk of serious harm allows sharing against "
        "{their} wish.",
        validate_choice=True,
    )
    consent_reason = long_text(
        "Why sharing without {their} consent is needed",
        REFERRAL_LIMITS["consent_reason"],
        hint="What the risk is, and why sharing is necessary and proportionate to it.",
    )
    consent_authorised_by = text(
        "Who authorised sharing without consent: their name",
        REFERRAL_LIMITS["consent_authorised_by"],
        hint="Your manager or safeguarding lead, or you if you may decide it.",
    )
    consent_authoriser_role = text(
        "Their role", REFERRAL_LIMITS["consent_authoriser_role"], hint="For example, Team manager"
    )
    narrative = long_text(
        "What has happened",
        REFERRAL_LIMITS["narrative"],
        required="Describe what has happened",
        hint="The recent incidents, the history and the risks as you see them. Keep fact apart "
        "from opinion.",
    )

    def basis(self) -> lawful_basis.LawfulBasis:
        """The lawful basis as the answers stand."""
        return lawful_basis.basis_of_typed(
            self.victim_aware.data,
            self.consent.data,
            self.without_consent_reason.data,
            self.consent_authorised_by.data,
            self.consent_authoriser_role.data,
            pronouns=self.pronouns,
        )

    #: Asked only when it is shared without consent, and refused when she has given it.
    WITHOUT_CONSENT_TEXT = {
        "consent_reason": "Give the reason: it is needed when consent was not given",
        "consent_authorised_by": "Name who authorised sharing without {their} consent",
        "consent_authoriser_role": "Give the role of who authorised sharing without {their} "
        "consent",
    }

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        basis = self.basis()
        consent = Consent(self.consent.data) if self.consent.data in set(Consent) else None
        reason = self.without_consent_reason.data or None
        without = basis.without_consent is True
        for name, message in basis.contradictions.items():
            self[name].errors = [*self[name].errors, message]
            valid = False
        if without and not reason and not self.without_consent_reason.errors:
            self.without_consent_reason.errors = ["Select why it is shared without {their} consent"]
            valid = False
        for name, missing in self.WITHOUT_CONSENT_TEXT.items():
            field = self[name]
            if field.errors:
                continue
            if without and not field.data:
                field.errors = [missing]
                valid = False
            elif consent is Consent.GIVEN and field.data:
                field.errors = [
                    "{They} {have} given consent, so nothing is shared without it: clear this, "
                    "or change the answer about consent"
                ]
                valid = False
        self.fit_errors()
        return valid


class YoungPersonForm(StepForm):
    key_worker = text(
        "Named key worker",
        REFERRAL_LIMITS["key_worker"],
        required="Name the key worker for this young person",
        hint="The one practitioner who stays in touch with the young person throughout.",
    )
    childrens_services_involved = radios(
        "Are children's services involved?",
        YesNoNotKnown.choices(),
        "Select whether children's services are involved",
        hint="A victim aged 16 or 17 needs children's social care to be involved.",
    )
    exploitation_notes = long_text(
        "Exploitation and gang risk",
        REFERRAL_LIMITS["exploitation_notes"],
        required="Say what was checked for exploitation and gang risk",
        hint="What you checked, and anything found.",
    )


class DecisionForm(Form):
    """The coordinator's decision on a submitted referral."""

    decision = radios("Decision", Decision.choices(), "Choose a decision")
    case_id = SelectField(
        "Case it joins",
        choices=[],
        widget=GovSelect(),
        validate_choice=False,
        description="An earlier case that may be this victim's is listed here.",
    )
    case_reference = text(
        "Or join another case by its reference", 24, hint="For example, NB-2025-0117"
    )
    advocate_id = SelectField(
        "Advocate (IDVA)", choices=[], widget=GovSelect(), validate_choice=False
    )
    reason = long_text(
        "Reason",
        REASON_LIMIT,
        required="Give a reason: the referrer will see it",
        hint="The referrer sees this with the decision.",
    )

    listing = SelectField(
        "Conference to list the case on",
        choices=[],
        widget=GovSelect(),
        validate_choice=False,
        description="A nearer conference is full: listing the case there takes it over "
        "capacity, with a reason.",
    )
    over_capacity_reason = long_text(
        "Why list it over capacity?",
        REASON_LIMIT,
        hint="Needed only for a nearer, full conference. The chair sees it on the agenda.",
    )
    urgent = BooleanField(
        "Urgent: agree interim safety actions now, before the meeting",
        widget=GovSingleCheckbox(),
    )

    def interim_rows(self) -> list[dict[str, Any]]:
        """The interim action rows, each field by its short name."""
        return [
            {part: self[f"interim_{row}_{part}"] for part in INTERIM_PARTS}
            for row in range(1, INTERIM_ROWS + 1)
        ]


#: Interim actions the screening form offers for an urgent case.
INTERIM_ROWS = 3
INTERIM_PARTS = ("description", "agency_id", "owner_name", "due_on")


def _interim_fields(row: int) -> dict[str, Any]:
    return {
        f"interim_{row}_description": long_text(
            f"Interim action {row}", ACTION_LIMITS["description"]
        ),
        f"interim_{row}_agency_id": SelectField(
            "Owner agency", choices=[], widget=GovSelect(), validate_choice=False
        ),
        f"interim_{row}_owner_name": text(
            "Person at that agency (optional)", ACTION_LIMITS["owner_name"]
        ),
        f"interim_{row}_due_on": MemorableDateField(
            "Due by", description="Before the meeting. For example, 27 3 2027"
        ),
    }


for _row in range(1, INTERIM_ROWS + 1):
    for _name, _field in _interim_fields(_row).items():
        setattr(DecisionForm, _name, _field)


class AnswerForm(Form):
    """The referrer's answer to a request for more information."""

    answer = long_text("Your answer", REASON_LIMIT, required="Write your answer")


class WithdrawForm(Form):
    reason = long_text("Why are you withdrawing it?", REASON_LIMIT, required="Give a reason")


class AddressReasonForm(Form):
    reason = long_text(
        "Why do you need to see the address?",
        REASON_LIMIT,
        required="Give your reason: it is kept in the audit trail",
    )


#: The names of the steps' date fields, each typed as three boxes: those of the form classes
#: here, and the checklist's, whose form class is made for each tool.
DATE_FIELDS = frozenset(
    name
    for form_class in list(globals().values())
    if isinstance(form_class, type)
    for name, unbound in vars(form_class).items()
    if isinstance(getattr(unbound, "field_class", None), type)
    and issubclass(unbound.field_class, MemorableDateField)
) | {CHECKLIST_DATE}


def as_kept(sent: Any) -> MultiDict[str, str]:
    """What a browser sent, each date's boxes in the order drafts keep them (day, month,
    year): a person whose practice writes the month first is shown, and sends, the month box
    first."""
    if not month_first():
        return MultiDict(list(sent.items(multi=True)))
    kept: MultiDict[str, str] = MultiDict()
    for key, values in sent.lists():
        is_date = key.rsplit("-", 1)[-1] in DATE_FIELDS and len(values) == 3
        kept.setlist(key, [values[1], values[0], values[2]] if is_date else values)
    return kept
