"""Who may refer, read, screen and see a victim's contact details. Pure predicates."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from conference.accounts.models import Role, User
from conference.accounts.permissions import marac_ids_with, roles_in
from conference.referrals.choices import ReferralStatus
from conference.referrals.models import Case, Referral

if TYPE_CHECKING:
    from conference.states import Machine

REFERRING_ROLES = {Role.ADVOCATE, Role.AGENCY_REP, Role.COORDINATOR}


def referral_marac_ids(user: User) -> set[int]:
    """The MARACs the user may refer to."""
    return {
        g.marac_id for g in user.role_grants if g.role in REFERRING_ROLES and g.marac_id is not None
    }


def can_refer(user: User, marac_id: int | None = None) -> bool:
    """Anyone with a referring role may refer (to marac_id, when given)."""
    ids = referral_marac_ids(user)
    return bool(ids) if marac_id is None else marac_id in ids


def coordinates(user: User, marac_id: int) -> bool:
    return Role.COORDINATOR in roles_in(user, marac_id)


def is_coordinator(user: User) -> bool:
    return bool(marac_ids_with(user, Role.COORDINATOR))


def is_referrer(user: User, referral: Referral) -> bool:
    """The user referred it, and still works for that agency with a referring role there.

    Someone who moves agency or loses their role stops seeing what they referred.
    """
    return (
        referral.referrer_id == user.id
        and user.agency_id == referral.agency_id
        and bool(roles_in(user, referral.marac_id) & REFERRING_ROLES)
    )


def is_case_advocate(user: User, case: Case | None) -> bool:
    """The case's assigned advocate, while they still hold the advocate role in its MARAC."""
    return (
        case is not None
        and case.advocate_id == user.id
        and Role.ADVOCATE in roles_in(user, case.marac_id)
    )


def coordinates_referral(user: User, referral: Referral, case: Case | None) -> bool:
    """A coordinator of the MARAC it was sent to, or of the MARAC its case is with now (a
    transferred case brings its earlier referrals with it)."""
    return coordinates(user, referral.marac_id) or (
        case is not None and coordinates(user, case.marac_id)
    )


def can_view_referral(user: User, referral: Referral, case: Case | None = None) -> bool:
    """The referrer; the coordinators once submitted (see coordinates_referral); the case's
    advocate."""
    if is_referrer(user, referral):
        return True
    if referral.submitted_at is None:  # a draft, or one discarded before it was ever sent
        return False
    if coordinates_referral(user, referral, case):
        return True
    return is_case_advocate(user, case)


def can_edit_referral(user: User, referral: Referral) -> bool:
    """The referrer, while the referral can still be sent (again)."""
    return _referrals().can(referral, ReferralStatus.SUBMITTED, actor=user)


def can_withdraw(user: User, referral: Referral) -> bool:
    return _referrals().can(referral, ReferralStatus.WITHDRAWN, actor=user)


def can_screen(user: User, referral: Referral) -> bool:
    """The MARAC's coordinators, while it waits for a decision (every decision leaves from the
    same status, so asking about accepting asks about all three)."""
    return _referrals().can(referral, ReferralStatus.ACCEPTED, actor=user)


def can_view_case(user: User, case: Case, referrer_ids: Collection[int] = ()) -> bool:
    """The MARAC's coordinators, the case's advocate, and an advocate who referred her.

    ``referrer_ids`` are the users who referred any of the case's referrals.
    """
    if coordinates(user, case.marac_id) or is_case_advocate(user, case):
        return True
    return user.id in referrer_ids and Role.ADVOCATE in roles_in(user, case.marac_id)


def can_manage_case(user: User, case: Case) -> bool:
    """Assign the advocate, mark the address confidential: the MARAC's coordinators."""
    return coordinates(user, case.marac_id)


def may_see_contact_details(user: User, referral: Referral, case: Case | None) -> bool:
    """Address, phone and safe-contact notes: the coordinator, her advocate and the referrer."""
    return (
        is_referrer(user, referral)
        or coordinates_referral(user, referral, case)
        or is_case_advocate(user, case)
    )


def _referrals() -> Machine[Referral, ReferralStatus]:
    # Imported here: the table imports this module to tell who is the referrer.
    from conference.referrals.lifecycle import REFERRAL

    return REFERRAL
