"""Every model module, imported so that metadata (and so migrations) sees every table."""

from conference.accounts.models import (  # noqa: F401
    Agency,
    Marac,
    PasswordSetLink,
    RoleGrant,
    User,
    WebSession,
)
from conference.audit.models import AuditEvent  # noqa: F401
from conference.scheduler.models import JobRun  # noqa: F401
