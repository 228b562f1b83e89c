"""Access checks for routes: who is acting, and refusing what they may not do."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user, login_required

from conference.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])


def current_actor() -> User:
    """The signed-in user (routes are behind login_required before calling this)."""
    return current_user._get_current_object()


def require(allowed: bool, *, hide: bool = False) -> None:
    """Refuse with 403, or 404 when even the object's existence must not be revealed."""
    if not allowed:
        abort(404 if hide else 403)


def requires(predicate: Callable[[User], bool]) -> Callable[[F], F]:
    """Decorate a view: sign-in needed, then predicate(user) must hold, else 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require(predicate(current_actor()))
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator
