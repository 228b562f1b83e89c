"""Status machines: one transition table per aggregate, and the one way a status changes.

Each domain writes its table in ``<domain>/lifecycle.py``: every move from one status to
another, who may make it and what must hold (named guards). Services change a status only
through ``Machine.transition``; read-side questions ("can this meeting open now?") ask
``Machine.can`` or ``Machine.check``. A move that is not in the table, or whose guard fails,
raises InvalidTransition; an actor who may make no move into that status at all gets
PermissionDenied. ``conference/lifecycles.py`` lists the machines and writes their page.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from conference.choices import Labelled, add_labels
from conference.errors import DomainError, InvalidTransition, PermissionDenied


class Actor(Labelled):
    """Who may make a move: a role in the MARAC, a relation to the object, or a job."""

    COORDINATOR = "coordinator"
    CHAIR = "chair"
    REFERRER = "referrer"
    OWNER_AGENCY = "owner_agency"
    SENDER = "sender"
    STEERING = "steering"
    SYSTEM = "system"


add_labels(
    [
        (Actor.COORDINATOR, "a coordinator"),
        (Actor.CHAIR, "the chair"),
        (Actor.REFERRER, "the referrer"),
        (Actor.OWNER_AGENCY, "the owner agency"),
        (Actor.SENDER, "a coordinator of the sending MARAC"),
        (Actor.STEERING, "the steering group"),
        (Actor.SYSTEM, "a scheduled job"),
    ]
)

#: A signed-in user (an accounts User). The machine only hands it to the ``who`` tests, so this
#: core module needs no domain.
User = Any


class HasStatus(Protocol):
    status: Any


#: The object a machine moves (a Referral, Case, Conference, AgendaItem or Action) and its
#: status enum.
T = TypeVar("T", bound=HasStatus)
S = TypeVar("S", bound=Labelled)


class _Anyone:
    """The actor of a read-side question that does not ask who is asking."""

    def __repr__(self) -> str:
        return "ANYONE"


ANYONE = _Anyone()


@dataclass(frozen=True)
class Context:
    """What a guard may read besides the object: who acts, when, and facts a service has."""

    actor: User | None
    now: datetime | None
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Guard(Generic[T]):
    """What must hold for a move. ``refusal`` returns None when it holds, else why not."""

    name: str
    refusal: Callable[[T, Context], str | None]


@dataclass(frozen=True)
class Move(Generic[S]):
    """One row of a table: from any of ``sources`` to ``target``, by whom, on which guards."""

    sources: tuple[S, ...]
    target: S
    #: What the move does, in the imperative: "publish the agenda".
    name: str
    by: frozenset[Actor]
    guards: tuple[Guard, ...] = ()


def move(
    sources: S | Iterable[S],
    target: S,
    name: str,
    *,
    by: Iterable[Actor],
    guards: Iterable[Guard] = (),
) -> Move[S]:
    """A table row; sources is one status or several that share the row."""
    from_ = (sources,) if isinstance(sources, Labelled) else tuple(sources)
    return Move(from_, target, name, frozenset(by), tuple(guards))


class Machine(Generic[T, S]):
    """The transition table of one aggregate.

    ``who`` says, for each actor kind other than SYSTEM, whether a user is that kind for the
    object. ``refusals`` words a move the table does not allow, keyed (from, to), (from, None)
    or (None, to); the fields ``{status}``, ``{target}`` and ``{obj}`` are filled in.
    """

    def __init__(
        self,
        noun: str,
        states: type[S],
        moves: Iterable[Move[S]],
        *,
        who: Mapping[Actor, Callable[[User, T], bool]],
        refusals: Mapping[tuple[S | None, S | None], str] | None = None,
    ) -> None:
        self.noun, self.states, self.moves = noun, states, tuple(moves)
        self.who, self.refusals = who, dict(refusals or {})
        kinds = {kind for m in self.moves for kind in m.by} - {Actor.SYSTEM}
        if missing := kinds - set(who):
            raise ValueError(f"{noun}: no way to tell who is {sorted(missing)}")

    def pairs(self) -> set[tuple[S, S]]:
        """Every (from, to) the table allows, whoever makes it."""
        return {(source, m.target) for m in self.moves for source in m.sources}

    def sources(self, target: S) -> tuple[S, ...]:
        """The statuses with a move into target, in the enum's order."""
        return tuple(s for s in self.states if (s, target) in self.pairs())

    def targets(self, *, by: Actor) -> tuple[S, ...]:
        """The statuses that actor kind may move something into, in the enum's order."""
        return tuple(
            s for s in self.states if any(m.target is s and by in m.by for m in self.moves)
        )

    def kinds_of(self, actor: User | None, obj: T) -> set[Actor]:
        """Which actor kinds the actor is for obj; no user is a scheduled job."""
        if actor is None:
            return {Actor.SYSTEM}
        return {kind for kind, holds in self.who.items() if holds(actor, obj)}

    def check(
        self,
        obj: T,
        target: S,
        *,
        actor: User | None | _Anyone = ANYONE,
        now: datetime | None = None,
        by: Actor | Collection[Actor] | None = None,
        via: str | None = None,
        skip: Collection[Guard] = (),
        **facts: Any,
    ) -> None:
        """Raise unless obj may move to target now.

        ``actor`` left out asks only about the object, not who. ``by`` is the capacity the
        caller acts in, ``via`` the name of the move it makes, ``skip`` guards it checks later;
        ``facts`` are handed to the guards. Raises PermissionDenied, InvalidTransition.
        """
        if error := self._refusal(obj, target, actor, now, by, via, skip, facts):
            raise error

    def can(
        self,
        obj: T,
        target: S,
        *,
        actor: User | None | _Anyone = ANYONE,
        now: datetime | None = None,
        by: Actor | Collection[Actor] | None = None,
        via: str | None = None,
        skip: Collection[Guard] = (),
        **facts: Any,
    ) -> bool:
        """True when ``check`` would pass."""
        return self._refusal(obj, target, actor, now, by, via, skip, facts) is None

    def why_not(
        self,
        obj: T,
        target: S,
        *,
        actor: User | None | _Anyone = ANYONE,
        now: datetime | None = None,
        by: Actor | Collection[Actor] | None = None,
        via: str | None = None,
        skip: Collection[Guard] = (),
        **facts: Any,
    ) -> str:
        """What keeps obj from moving to target now, in the user's words; empty when nothing."""
        error = self._refusal(obj, target, actor, now, by, via, skip, facts)
        return "" if error is None else str(error)

    def transition(
        self,
        obj: T,
        target: S,
        *,
        actor: User | None,
        now: datetime,
        by: Actor | Collection[Actor] | None = None,
        via: str | None = None,
        **facts: Any,
    ) -> S:
        """Move obj to target, the one way a status changes; returns the status it left.

        The caller flushes. Raises PermissionDenied, InvalidTransition (see ``check``).
        """
        self.check(obj, target, actor=actor, now=now, by=by, via=via, **facts)
        previous: S = obj.status
        obj.status = target
        return previous

    def _refusal(
        self,
        obj: T,
        target: S,
        actor: User | None | _Anyone,
        now: datetime | None,
        by: Actor | Collection[Actor] | None,
        via: str | None,
        skip: Collection[Guard],
        facts: Mapping[str, Any],
    ) -> DomainError | None:
        if via is not None and not any(m.name == via for m in self.moves):
            raise ValueError(f"{self.noun}: no move named {via!r}")
        into = [m for m in self.moves if m.target is target and via in (None, m.name)]
        kinds = set(self.who) | {Actor.SYSTEM}
        if not isinstance(actor, _Anyone):
            kinds = self.kinds_of(actor, obj)
        if by is not None:
            kinds &= {by} if isinstance(by, Actor) else set(by)
        mine = [m for m in into if kinds & m.by]
        if into and not mine and not isinstance(actor, _Anyone):
            allowed = sorted({kind for m in into for kind in m.by}, key=list(Actor).index)
            who = " or ".join(kind.label for kind in allowed)
            return PermissionDenied(f"Only {who} may {into[0].name}")
        source: S = obj.status
        usable = [m for m in mine if source in m.sources]
        if not usable:
            return InvalidTransition(self.refused(obj, source, target))
        context = Context(None if isinstance(actor, _Anyone) else actor, now, facts)
        first = None
        for row in usable:
            failed = next(
                (why for g in row.guards if g not in skip and (why := g.refusal(obj, context))),
                None,
            )
            if failed is None:
                return None
            first = first or failed
        return InvalidTransition(first)

    def refused(self, obj: T, source: S, target: S) -> str:
        """Why the table has no move from source to target, in the words the user reads."""
        template = (
            self.refusals.get((source, target))
            or self.refusals.get((source, None))
            or self.refusals.get((None, target))
            or "This {noun} is {status}: it cannot be {target} now"
        )
        return template.format(
            noun=self.noun, status=source.label.lower(), target=target.label.lower(), obj=obj
        )
