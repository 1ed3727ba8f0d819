"""Every numeric code dashwire puts on the wire, as in packages/protocol/src/codes.ts.

Close codes 4000-4499 let a client reconnect; 4500-4999 are terminal. Error codes travel in
API answers (`{"error": {"code": ...}}`) and protocol acks. `tests/test_codes.py` checks that
these match the TypeScript source.
"""

from __future__ import annotations


class CloseCode:
    """Close codes sent in `disconnect` and as the WebSocket close code."""

    NORMAL = 1000
    """Normal close requested by either side."""
    GOING_AWAY = 1001
    """Server going away (shutdown or restart): reconnect to another node."""
    INVALID_PAYLOAD = 1007
    """A frame whose bytes are not UTF-8 (WebSocket standard code)."""
    MESSAGE_TOO_BIG = 1009
    """Frame larger than the server accepts (WebSocket standard code)."""
    INTERNAL_ERROR = 1011
    HEARTBEAT_TIMEOUT = 4000
    """No pong or ping arrived within the heartbeat timeout."""
    PROTOCOL_ERROR = 4001
    """The client broke the protocol repeatedly (too many malformed frames)."""
    HANDSHAKE_TIMEOUT = 4002
    """The handshake (`connect`) did not arrive in time."""
    RATE_LIMITED = 4003
    """The client sent faster than its rate limit for too long."""
    TOKEN_EXPIRED = 4004
    """The client's token expired and was not refreshed."""
    SERVER_BUSY = 4005
    """The server is overloaded; try again later."""
    SLOW_CONSUMER = 4006
    """The outbound queue overflowed for a mode that cannot drop (used only when configured)."""
    REPLACED = 4007
    """The session was taken over by a newer transport (upgrade) or closed by server code."""
    CONNECTING_TOO_FAST = 4008
    """Too many new connections from this address per second: reconnect after a backoff."""
    FORCE_RECONNECT = 4009
    """Disconnected by the server (server API or `server.disconnectUser`) asking for a reconnect, e.g. to pick up new permissions."""
    UNAUTHORIZED = 4500
    """Authentication failed: no, bad or wrong-audience credentials. Terminal."""
    FORBIDDEN_ORIGIN = 4501
    """Origin not allowed. Terminal."""
    UNSUPPORTED_VERSION = 4502
    """Protocol version not supported. Terminal."""
    TOO_MANY_CONNECTIONS = 4503
    """Too many connections from this address. Terminal for this attempt."""
    REJECTED = 4504
    """Rejected by connect middleware. Terminal."""
    FORBIDDEN_HOST = 4505
    """The `Host` the client used is not one the server answers to (DNS rebinding). Terminal."""
    FORCE_DISCONNECT = 4506
    """Disconnected by the server (server API or `server.disconnectUser`): logged out or banned. Terminal."""
    UNSUPPORTED_CODEC = 4507
    """The codec asked for is not one the server speaks. Terminal."""


class ErrorCode:
    """Error codes of API answers and protocol acks."""

    BAD_FRAME = 1000
    """The frame is not valid for the codec (e.g. not JSON)."""
    UNKNOWN_TYPE = 1001
    """The message type is unknown."""
    INVALID_FIELD = 1002
    """A field is missing or has the wrong type; `message` names it."""
    TOO_MANY_MESSAGES = 1003
    """The frame holds more messages than allowed."""
    NOT_CONNECTED = 1004
    """A message was sent before the handshake completed."""
    UNKNOWN_EVENT = 1005
    """No handler for this event."""
    INVALID_TOPIC = 1006
    """The topic name is too long or has characters outside the allowed set."""
    PAYLOAD_TOO_LARGE = 1007
    """The payload is larger than allowed."""
    UNAUTHORIZED = 2000
    """Authentication required or failed."""
    TOKEN_EXPIRED = 2001
    """Token expired."""
    FORBIDDEN = 2003
    """Authenticated but not allowed to do this (subscribe, publish, presence, event)."""
    RATE_LIMITED = 3000
    """Message rate limit exceeded; the message was not processed."""
    TOO_MANY_SUBSCRIPTIONS = 3001
    """Subscription limit per connection reached."""
    TOO_MANY_PENDING_ACKS = 3002
    """Too many acks pending for this connection."""
    LIMIT_REACHED = 3003
    """A store is full (e.g. series count); the item was refused."""
    NOT_SUBSCRIBED = 4000
    """Not subscribed to this topic."""
    ALREADY_SUBSCRIBED = 4001
    """Already subscribed to this topic."""
    TIMEOUT = 4002
    """The request timed out (client side: ack timeout)."""
    DISCONNECTED = 4003
    """The connection closed before the reply arrived."""
    PRESENCE_DISABLED = 4004
    """Presence is not enabled for this topic."""
    HISTORY_UNAVAILABLE = 4005
    """History is not available for this topic (recovery impossible)."""
    BUFFER_FULL = 4006
    """The client-side buffer for sends while disconnected is full."""
    INTERNAL = 5000
    """Internal server error; details are in the server log, not on the wire."""
    BROKER_UNAVAILABLE = 5001
    """The broker is unreachable; the operation could not complete."""


def close_code_allows_reconnect(code: int) -> bool:
    """True when a close code lets the client reconnect by itself (outside 4500-4999)."""
    return not 4500 <= code <= 4999
