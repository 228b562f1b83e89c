"""Signing in and out, lockout, second factor and the user's own password.

Services flush; the caller commits. They take ``now`` and the actor explicitly and never read
request globals: the client address for rate limiting comes from the audit origin.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app

from conference import audit
from conference.accounts import passwords, two_factor
from conference.accounts.models import PasswordSetLink, User, WebSession
from conference.audit.models import AuditEvent
from conference.db import affected_rows
from conference.errors import ValidationFailed
from conference.extensions import db

log = logging.getLogger(__name__)

#: Verbs that count towards the per-address limits on sign-in attempts.
FAILED_SIGN_IN_VERBS = ("auth.login_failed", "auth.two_factor_failed", "auth.reauth_failed")
#: At most this many recent failures from one address are read to apply the limits.
FAILURES_READ = 1000


class SignIn(StrEnum):
    SUCCEEDED = "succeeded"
    NEEDS_SECOND_FACTOR = "needs_second_factor"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignIn
    user: User | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def account_key(email: str) -> str:
    """A keyed digest of the email: tells one account's failures from another's in the audit
    trail without storing what was typed (an email often holds a name)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, normalise_email(email).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def sign_in_throttle(ip: str | None, key: str, now: datetime) -> str | None:
    """Why sign-ins to this account from this address are held back just now, or None.

    "account": this account has failed too often from this address (LOGIN_IP_LIMIT), which
    never holds back a colleague behind the same address; "many_accounts": failures for too
    many different accounts came from it (LOGIN_IP_ACCOUNTS_LIMIT), a password spray, which
    holds back every sign-in from it until the window passes.
    """
    if not ip:
        return None
    cfg = current_app.config
    since = now - timedelta(minutes=cfg["LOGIN_IP_WINDOW_MINUTES"])
    details = db.session.scalars(
        sa.select(AuditEvent.detail)
        .where(
            AuditEvent.ip == ip, AuditEvent.verb.in_(FAILED_SIGN_IN_VERBS), AuditEvent.at >= since
        )
        .order_by(AuditEvent.at.desc())
        .limit(FAILURES_READ)
    ).all()
    keys = [d.get("account") for d in details if isinstance(d, dict) and d.get("account")]
    if keys.count(key) >= cfg["LOGIN_IP_LIMIT"]:
        return "account"
    if len(set(keys)) >= cfg["LOGIN_IP_ACCOUNTS_LIMIT"]:
        return "many_accounts"
    return None


def _throttled(user: User | None, key: str, now: datetime) -> bool:
    """Apply the per-address limits, auditing a refusal (by reason and key, never the email)."""
    reason = sign_in_throttle(audit.context.current().ip, key, now)
    if reason is None:
        return False
    audit.record(
        user, "auth.rate_limited", user, detail={"reason": reason, "account": key}, now=now
    )
    return True


def check_password_sign_in(email: str, password: str, *, now: datetime) -> SignInResult:
    """Check the first factor. Every refusal looks the same to the person signing in.

    Flushes. A refusal is an answer, not an exception: failures must be kept too (they drive
    the lockout), and the unit of work keeps only what a request that answers did.
    """
    key = account_key(email)
    if _throttled(None, key, now):
        return SignInResult(SignIn.RATE_LIMITED)
    user = find_user_by_email(email)
    if user is None:
        passwords.verify_password(None, password)
        detail = {"reason": "unknown_account", "account": key}
        audit.record(None, "auth.login_failed", detail=detail, now=now)
        return SignInResult(SignIn.FAILED)
    if not user.is_active_account or user.is_locked(now):
        passwords.verify_password(None, password)
        detail = {"reason": "locked" if user.is_active_account else "inactive", "account": key}
        audit.record(user, "auth.login_failed", user, detail=detail, now=now)
        return SignInResult(SignIn.FAILED)
    if not passwords.verify_password(user.password_hash, password):
        _count_failure(user, "auth.login_failed", now)
        return SignInResult(SignIn.FAILED)
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    if user.has_two_factor:
        return SignInResult(SignIn.NEEDS_SECOND_FACTOR, user)
    complete_sign_in(user, now=now)
    return SignInResult(SignIn.SUCCEEDED, user)


def check_second_factor(user: User, code: str, *, now: datetime) -> SignInResult:
    """Check a TOTP code for a user who has passed the password step; each code works once."""
    key = account_key(user.email)
    if _throttled(user, key, now):
        return SignInResult(SignIn.RATE_LIMITED)
    if not user.is_active_account or user.is_locked(now) or not user.totp_secret:
        detail = {"reason": "locked", "account": key}
        audit.record(user, "auth.two_factor_failed", user, detail=detail, now=now)
        return SignInResult(SignIn.FAILED)
    try:
        secret = two_factor.unseal(user.totp_secret)
    except two_factor.UnreadableSecret:
        # A wrong key in the configuration, not the person's mistake: nothing is counted.
        log.error("A second-factor secret cannot be decrypted: check TOTP_ENCRYPTION_KEY")
        detail = {"reason": "unreadable_secret", "account": key}
        audit.record(user, "auth.two_factor_failed", user, detail=detail, now=now)
        return SignInResult(SignIn.FAILED)
    step = two_factor.matching_step(secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        reason = "wrong_code" if step is None else "code_reused"
        _count_failure(user, "auth.two_factor_failed", now, reason=reason)
        return SignInResult(SignIn.FAILED)
    user.totp_last_step = step
    complete_sign_in(user, now=now)
    return SignInResult(SignIn.SUCCEEDED, user)


def _count_failure(
    user: User, verb: str, now: datetime, *, reason: str = "wrong_password", **detail: str
) -> None:
    """Count a failure towards the account's lockout; audited with the account's key."""
    cfg = current_app.config
    user.failed_login_count += 1
    detail = {"reason": reason, "account": account_key(user.email), **detail}
    audit.record(user, verb, user, detail=detail, now=now)
    if user.failed_login_count >= cfg["LOGIN_LOCKOUT_THRESHOLD"]:
        user.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"])
        user.failed_login_count = 0
        audit.record(user, "auth.locked_out", user, now=now)
    db.session.flush()


def complete_sign_in(user: User, *, now: datetime) -> None:
    """Record a successful sign-in and clear the failure count. Flushes."""
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(user, "auth.login_succeeded", user, now=now)
    db.session.flush()


def record_sign_out(user: User, *, now: datetime) -> None:
    audit.record(user, "auth.logged_out", user, now=now)


def end_sessions(user: User, *, keep_id_hash: str | None = None) -> int:
    """Delete the user's server-side sessions (all, or all but one), signing them out everywhere."""
    query = sa.delete(WebSession).where(WebSession.user_id == user.id)
    if keep_id_hash:
        query = query.where(WebSession.id_hash != keep_id_hash)
    return affected_rows(db.session.execute(query))


def end_other_sessions(user: User, *, keep_id_hash: str | None, now: datetime) -> int:
    """Sign the user out of every other browser, keeping the current session."""
    ended = end_sessions(user, keep_id_hash=keep_id_hash)
    audit.record(user, "auth.other_sessions_ended", user, detail={"count": ended}, now=now)
    return ended


class Reauth(StrEnum):
    """The answer to re-entering the current password before a sensitive change."""

    CONFIRMED = "confirmed"
    WRONG = "wrong"
    THROTTLED = "throttled"


def confirm_password(user: User, password: str, *, purpose: str, now: datetime) -> Reauth:
    """Check the current password again before a sensitive change, throttled like sign-in.

    A wrong one counts towards the account's lockout and the per-address limits and is audited
    (``auth.reauth_failed`` with the purpose); while either holds, nothing is checked. An answer,
    not a refusal: the failure must be kept. Flushes.
    """
    key = account_key(user.email)
    if _throttled(user, key, now):
        return Reauth.THROTTLED
    if user.is_locked(now):
        detail = {"reason": "locked", "purpose": purpose, "account": key}
        audit.record(user, "auth.reauth_failed", user, detail=detail, now=now)
        db.session.flush()
        return Reauth.THROTTLED
    if not passwords.verify_password(user.password_hash, password):
        _count_failure(user, "auth.reauth_failed", now, purpose=purpose)
        return Reauth.WRONG
    user.failed_login_count = 0
    db.session.flush()
    return Reauth.CONFIRMED


def change_password(
    user: User, *, current: str, new: str, now: datetime, keep_session: str | None
) -> Reauth:
    """Change the user's own password, after the current one, and sign out their other sessions.

    Anything but CONFIRMED changes nothing but the failure count and the audit trail (see
    confirm_password). A new password the policy refuses, the current one included, raises
    ValidationFailed naming the field. Flushes.
    """
    confirmed = confirm_password(user, current, purpose="change_password", now=now)
    if confirmed is not Reauth.CONFIRMED:
        return confirmed
    set_password(user, new, now=now)
    ended = end_sessions(user, keep_id_hash=keep_session)
    audit.record(user, "password.changed", user, detail={"other_sessions_ended": ended}, now=now)
    db.session.flush()
    return confirmed


def set_password(user: User, password: str, *, now: datetime) -> None:
    """Set a new password after checking the policy; never the current one again.

    Raises ValidationFailed.
    """
    problem = passwords.password_problem(password, email=user.email, name=user.name)
    current = user.password_hash
    if problem is None and current and passwords.verify_password(current, password):
        problem = passwords.SAME_AS_CURRENT
    if problem:
        raise ValidationFailed(problem, field="password")
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    user.failed_login_count = 0
    user.locked_until = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(user: User, *, actor: User | None, now: datetime) -> str:
    """Create a one-time password-set link and return its token (shown once, stored hashed).

    Any earlier unused link for the user stops working. Flushes.
    """
    db.session.execute(
        sa.update(PasswordSetLink)
        .where(PasswordSetLink.user_id == user.id, PasswordSetLink.used_at.is_(None))
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    hours = current_app.config["PASSWORD_LINK_HOURS"]
    link = PasswordSetLink(
        user=user,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "password.link_issued", user, detail={"link_id": link.id}, now=now)
    return token


def find_password_link(token: str, *, now: datetime) -> PasswordSetLink | None:
    """The unused, unexpired link for this token, or None."""
    return db.session.scalar(
        sa.select(PasswordSetLink).where(
            PasswordSetLink.token_hash == _token_hash(token),
            PasswordSetLink.used_at.is_(None),
            PasswordSetLink.expires_at > now,
        )
    )


def use_password_link(link: PasswordSetLink, password: str, *, now: datetime) -> User:
    """Set the password through a link, spend the link and end the user's old sessions.

    Raises ValidationFailed. Flushes.
    """
    user = link.user
    set_password(user, password, now=now)
    link.used_at = now
    end_sessions(user)
    audit.record(user, "password.set", user, detail={"link_id": link.id}, now=now)
    db.session.flush()
    return user


def two_factor_required(user: User) -> bool:
    """True when the user holds a role that always needs a second factor (TWO_FACTOR_ROLES:
    administrators and coordinators in production, ASVS 4.3.1), or a role in a MARAC that makes
    it compulsory."""
    roles = set(current_app.config.get("TWO_FACTOR_ROLES") or ())
    return any(
        g.role.value in roles or (g.marac is not None and g.marac.requires_two_factor)
        for g in user.role_grants
    )


def enable_two_factor(user: User, secret: str, code: str, *, now: datetime) -> bool:
    """Confirm enrolment with a first code from the app; False if the code does not match."""
    step = two_factor.matching_step(secret, code, now)
    if step is None:
        audit.record(user, "two_factor.enrolment_failed", user, now=now)
        return False
    user.totp_secret = two_factor.seal(secret)
    user.totp_enabled_at = now
    user.totp_last_step = step
    audit.record(user, "two_factor.enabled", user, now=now)
    db.session.flush()
    return True


def disable_two_factor(user: User, *, actor: User, now: datetime) -> None:
    """Remove the user's second factor (their own choice, or an administrator's reset)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    if actor.id != user.id:
        # A reset usually means a lost phone: sign the account out everywhere too.
        end_sessions(user)
    verb = "two_factor.disabled" if actor.id == user.id else "two_factor.reset"
    audit.record(actor, verb, user, now=now)
    db.session.flush()
