"""Every model module, imported so that metadata (and so migrations) sees every table."""

from conference.accounts.models import (  # noqa: F401
    Agency,
    Marac,
    PasswordSetLink,
    RoleGrant,
    User,
    WebSession,
)
from conference.actions.models import Action, ActionUpdate  # noqa: F401
from conference.agreements.models import AgreementAcceptance, SharingAgreement  # noqa: F401
from conference.audit.models import AuditEvent  # noqa: F401
from conference.conferences.models import (  # noqa: F401
    AgendaChange,
    AgendaItem,
    CalendarFeed,
    Conference,
    MeetingRule,
    conference_invitations,
)
from conference.escalation.models import (  # noqa: F401
    EntryAction,
    EntryChange,
    EscalationEntry,
    EscalationStep,
)
from conference.meetings.models import (  # noqa: F401
    Attendance,
    Attendee,
    Discussion,
    Meeting,
    Revision,
)
from conference.minutes.models import Minutes, MinutesRevision  # noqa: F401
from conference.notifications.models import Notification, OutboundEmail  # noqa: F401
from conference.referrals.models import (  # noqa: F401
    AddressDisclosure,
    Case,
    ChecklistAnswer,
    Child,
    Incident,
    Perpetrator,
    PerpetratorIdentity,
    PerpetratorLink,
    PerpetratorLinkDecision,
    Referral,
    ReferralTransition,
)
from conference.research.models import ResearchReturn  # noqa: F401
from conference.retention.models import LegalHold  # noqa: F401
from conference.scheduler.models import JobRun  # noqa: F401
from conference.system_issues.models import IssueCase, IssueChange, SystemIssue  # noqa: F401
from conference.transfers.models import ActionDecision, CaseTransfer  # noqa: F401
from conference.voice.models import VictimVoice  # noqa: F401
