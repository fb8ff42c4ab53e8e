"""Business errors raised by services; one handler maps them to the API error format and pages
show the same message in the user's language."""

from typing import Any


class ApplicationError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, details: dict | None = None):
        super().__init__(str(message))
        self.message = message  # may be a lazy translation, rendered in the caller's language
        if code:
            self.code = code
        self.details = details or {}


class NotFoundError(ApplicationError):
    status_code = 404
    code = "not_found"


class PermissionDeniedError(ApplicationError):
    status_code = 403
    code = "permission_denied"


class TransitionNotAllowed(ApplicationError):
    status_code = 409
    code = "transition_not_allowed"


class GuardFailed(ApplicationError):
    status_code = 409
    code = "guard_failed"


class ConflictOfInterest(GuardFailed):
    code = "conflict_of_interest"


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


class UnsupportedMediaType(ApplicationError):
    status_code = 415
    code = "unsupported_media_type"
