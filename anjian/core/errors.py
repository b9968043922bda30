"""Domain errors raised by services; views and the API turn them into messages and 4xx."""


class DomainError(Exception):
    """A business rule refused the action; `message` is shown to the user."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    """The user may not do this to this object."""

    status_code = 403
