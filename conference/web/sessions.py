"""Server-side sessions: the cookie carries a random id; the data lives in web_sessions.

Signing out deletes the row, so a copied cookie stops working at once. Sessions expire after
a period without activity and after an absolute lifetime, whatever the activity.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, TypedDict

import sqlalchemy as sa
from flask import Flask, Request, Response
from flask import session as request_session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from conference.accounts.models import WebSession
from conference.db import utcnow
from conference.extensions import db

log = logging.getLogger(__name__)

_serializer = TaggedJSONSerializer()
#: Only push the idle expiry forward when this much time has passed, to spare a write per request.
TOUCH_AFTER = timedelta(seconds=60)


def hash_session_id(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class _CookieOptions(TypedDict):
    domain: str | None
    path: str
    secure: bool
    httponly: bool
    samesite: str | None


class ServerSession(CallbackDict, SessionMixin):
    """Session data plus the bookkeeping needed to save it."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        sid: str | None = None,
        *,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
    ) -> None:
        def on_update(self: ServerSession) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        #: The data as stored when the request began, to write it only when it changed.
        self.stored_data: str | None = None
        self.modified = False
        self.rotate = False

    @property
    def id_hash(self) -> str | None:
        return hash_session_id(self.sid) if self.sid else None

    def regenerate(self) -> None:
        """Give the session a new id on the next save (call on sign-in), keeping its data."""
        self.rotate = True
        self.modified = True

    def destroy(self) -> None:
        """Forget everything and delete the stored row (call on sign-out)."""
        self.clear()
        self.rotate = True
        self.modified = True


def current_session() -> ServerSession:
    """The request's session; ServerSessionInterface always opens a ServerSession."""
    if not isinstance(request_session, ServerSession):
        raise RuntimeError("the app's session interface is not ServerSessionInterface")
    return request_session


class ServerSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if not sid:
            return ServerSession()
        now = utcnow()
        # Read in the request's own transaction, which its unit of work ends with a commit:
        # one connection a request, not two, and no rollback (a rollback makes the driver
        # forget the statements it had prepared on the connection).
        row = db.session.execute(
            sa.select(WebSession.__table__).where(WebSession.id_hash == hash_session_id(sid))
        ).first()
        if row is None:
            return ServerSession()
        absolute = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
        if row.expires_at <= now or row.created_at + absolute <= now:
            self._delete(hash_session_id(sid))
            fresh = ServerSession()
            if row.user_id is not None:
                fresh["_flashes"] = [("info", "You were signed out because your session expired.")]
            return fresh
        data = _serializer.loads(row.data) if row.data else {}
        opened = ServerSession(data, sid, created_at=row.created_at, last_seen_at=row.last_seen_at)
        opened.stored_data = row.data
        return opened

    # Narrower than SessionInterface's SessionMixin: it only ever saves what open_session made.
    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        name = self.get_cookie_name(app)
        cookie = _CookieOptions(
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=self.get_cookie_httponly(app),
            samesite=self.get_cookie_samesite(app),
        )
        if session.rotate and session.sid:
            self._delete(session.id_hash)
            session.sid = None
        if not session:
            if session.sid:
                self._delete(session.id_hash)
            if session.modified or session.rotate:
                response.delete_cookie(name, **cookie)
            return
        now = utcnow()
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        sid = session.sid
        is_new = sid is None
        stale = session.last_seen_at is None or now - session.last_seen_at >= TOUCH_AFTER
        if not (is_new or session.modified or stale):
            return
        data = _serializer.dumps(dict(session))
        if not (is_new or stale) and data == session.stored_data:
            # Changed and changed back, as a message flashed and shown in the same answer
            # (each save on the console): nothing to write.
            return
        values = {
            "user_id": _user_id(session),
            "data": data,
            "last_seen_at": now,
            "expires_at": now + idle,
        }
        try:
            with db.engine.begin() as conn:
                if sid is None:
                    sid = session.sid = secrets.token_urlsafe(32)
                    conn.execute(
                        sa.insert(WebSession).values(
                            id_hash=session.id_hash, created_at=now, **values
                        )
                    )
                else:
                    conn.execute(
                        sa.update(WebSession)
                        .where(WebSession.id_hash == session.id_hash)
                        .values(**values)
                    )
        except (sa.exc.OperationalError, sa.exc.InterfaceError):
            # The database has gone: the answer (often its error page, with its reference)
            # still reaches the user; the session is as it was before this request.
            log.warning("session not saved: the database is unreachable")
            return
        # The cookie itself ends with the browser; the server enforces the idle expiry.
        response.set_cookie(name, sid, **cookie)

    def _delete(self, id_hash: str | None) -> None:
        if id_hash:
            with db.engine.begin() as conn:
                conn.execute(sa.delete(WebSession).where(WebSession.id_hash == id_hash))


def _user_id(session: ServerSession) -> int | None:
    raw = session.get("_user_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
