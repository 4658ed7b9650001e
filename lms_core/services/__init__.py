"""Domain operations. Views, the API, the CLI and plugins change core state only
through these functions, which validate, commit and fire the event hooks."""


class ServiceError(Exception):
    """An action that cannot be done. ``code`` is stable (API), ``message`` is shown
    to the user (already translated), ``status`` is the HTTP status to answer with."""

    def __init__(self, code: str, message: str, status: int = 400, fields: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}
