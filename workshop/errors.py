"""Domain errors: each carries a stable code, a message for people, and an HTTP status."""

from typing import Any


class WorkshopError(Exception):
    status = 400
    default_code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, problems: Any = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        if self.problems is not None:
            error["problems"] = self.problems
        return error


class Invalid(WorkshopError):
    status = 400
    default_code = "invalid"


class Unauthorized(WorkshopError):
    status = 401
    default_code = "unauthorized"


class Forbidden(WorkshopError):
    status = 403
    default_code = "forbidden"


class NotFound(WorkshopError):
    status = 404
    default_code = "not_found"


class Conflict(WorkshopError):
    status = 409
    default_code = "conflict"


class TooLarge(WorkshopError):
    status = 413
    default_code = "request_entity_too_large"


class RateLimited(WorkshopError):
    """Too many requests or events: nothing was done; try again after `retry_after` seconds."""
    status = 429
    default_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "retry_after": round(self.retry_after, 2)}


class Unavailable(WorkshopError):
    """The server cannot store anything just now (disk full, database gone): nothing was
    saved; try again."""
    status = 503
    default_code = "storage_unavailable"
