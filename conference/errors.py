"""Domain errors: services raise these; the web layer turns them into pages or messages."""


class DomainError(Exception):
    """A rule of the domain refused the operation; the message is safe to show the user."""


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it does."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class InvalidTransition(DomainError):
    """The object's status does not allow this change."""


class Conflict(DomainError):
    """Someone else changed the object first."""


class ValidationFailed(DomainError):
    """Input broke a rule; ``field`` names the form field it belongs beside."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
