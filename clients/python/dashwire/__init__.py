"""dashwire for Python backends: the server HTTP API (standard library only) and a subscriber.

    from dashwire import ServerAPI
    api = ServerAPI("http://127.0.0.1:3000", api_key="...")
    api.publish("ticker", {"symbol": "ACME", "price": 101.5}, key="ACME")

The subscriber (`from dashwire.subscriber import Subscriber`) needs the `websockets` package
(Debian: `python3-websockets`); the API client needs nothing beyond the standard library.
"""

from .api import (
    BroadcastResult,
    History,
    HistoryEntry,
    Position,
    Presence,
    PresenceEntry,
    ServerAPI,
    TopicInfo,
    Topics,
)
from .codes import CloseCode, ErrorCode, close_code_allows_reconnect
from .errors import (
    BadRequestError,
    DashwireConnectionError,
    DashwireDisconnected,
    DashwireError,
    ForbiddenError,
    HistoryUnavailableError,
    InvalidTopicError,
    LimitError,
    PayloadTooLargeError,
    PresenceDisabledError,
    ServerError,
    StateError,
    UnauthorizedError,
    UnavailableError,
    error_for,
)

__version__ = "0.1.0"

__all__ = [
    "BadRequestError",
    "BroadcastResult",
    "CloseCode",
    "DashwireConnectionError",
    "DashwireDisconnected",
    "DashwireError",
    "ErrorCode",
    "ForbiddenError",
    "History",
    "HistoryEntry",
    "HistoryUnavailableError",
    "InvalidTopicError",
    "LimitError",
    "PayloadTooLargeError",
    "Position",
    "Presence",
    "PresenceDisabledError",
    "PresenceEntry",
    "ServerAPI",
    "ServerError",
    "StateError",
    "TopicInfo",
    "Topics",
    "UnauthorizedError",
    "UnavailableError",
    "close_code_allows_reconnect",
    "error_for",
]
