"""Typed errors: every failure the server reports carries its numeric code.

`DashwireError` is the base; the class tells the kind (bad request, auth, unavailable...), `code`
the exact reason (`ErrorCode`), `status` the HTTP status of an API answer.
"""

from __future__ import annotations

from typing import Optional

from .codes import ErrorCode


class DashwireError(Exception):
    """An error reported by dashwire (or reaching it), with its code and message."""

    def __init__(self, code: Optional[int], message: str, status: Optional[int] = None) -> None:
        super().__init__(f"{message} (code {code})" if code is not None else message)
        self.code = code
        self.message = message
        self.status = status


class BadRequestError(DashwireError):
    """The request was malformed (codes 1000-1999); the message names the field at fault."""


class InvalidTopicError(BadRequestError):
    """A topic name outside the allowed characters or too long (1006)."""


class PayloadTooLargeError(BadRequestError):
    """The body or data is larger than the server accepts (1007)."""


class UnauthorizedError(DashwireError):
    """No API key, or not one the server knows (2000)."""


class ForbiddenError(DashwireError):
    """Not allowed: a browser origin or host refused, or a topic rule (2003)."""


class LimitError(DashwireError):
    """A limit was hit (codes 3000-3999): rate, subscriptions, a store's size."""


class StateError(DashwireError):
    """The request does not fit the topic's state or options (codes 4000-4999)."""


class PresenceDisabledError(StateError):
    """Presence is not enabled for this topic (4004)."""


class HistoryUnavailableError(StateError):
    """No history is kept for this topic (4005)."""


class UnavailableError(DashwireError):
    """The server or its broker cannot do it now (5001, HTTP 502-504): retry later."""


class ServerError(DashwireError):
    """An internal server error (5000); details are in the server's log."""


class DashwireConnectionError(UnavailableError):
    """The server could not be reached, or the connection broke before an answer."""

    def __init__(self, message: str) -> None:
        super().__init__(None, message)


class DashwireDisconnected(DashwireError):
    """The server closed a subscriber's connection for good (a terminal close code, 4500-4999)."""


_BY_CODE = {
    ErrorCode.INVALID_TOPIC: InvalidTopicError,
    ErrorCode.PAYLOAD_TOO_LARGE: PayloadTooLargeError,
    ErrorCode.UNAUTHORIZED: UnauthorizedError,
    ErrorCode.TOKEN_EXPIRED: UnauthorizedError,
    ErrorCode.FORBIDDEN: ForbiddenError,
    ErrorCode.PRESENCE_DISABLED: PresenceDisabledError,
    ErrorCode.HISTORY_UNAVAILABLE: HistoryUnavailableError,
    ErrorCode.BROKER_UNAVAILABLE: UnavailableError,
    ErrorCode.INTERNAL: ServerError,
}


def error_for(code: int, message: str, status: Optional[int] = None) -> DashwireError:
    """The typed error for a code: the exact class when there is one, else the class of its range."""
    cls = _BY_CODE.get(code)
    if cls is None:
        if 1000 <= code < 2000:
            cls = BadRequestError
        elif 2000 <= code < 3000:
            cls = UnauthorizedError
        elif 3000 <= code < 4000:
            cls = LimitError
        elif 4000 <= code < 5000:
            cls = StateError
        elif 5000 <= code < 6000:
            cls = ServerError
        else:
            cls = DashwireError
    return cls(code, message, status)
