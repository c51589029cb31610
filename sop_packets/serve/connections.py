"""Connections that cannot hold the server: each must send a complete request within a deadline.

uvicorn closes a kept-alive connection after a pause, but a fresh one that sends nothing (or sends
its headers a byte at a time) waits forever, and with a connection limit 70 such sockets from any
local user made the app answer 503 to everyone. Here every connection gets REQUEST_DEADLINE seconds
to deliver a request's headers, from its opening and again after each response; one that has not is
closed. There is no shared limit a few idle sockets can fill.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_DEADLINE = 10.0  # seconds; a browser sends its request at once


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a per-connection deadline for each request to start."""

    deadline = REQUEST_DEADLINE

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        timer = getattr(self, "_deadline_timer", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        timer = getattr(self, "_deadline_timer", None)
        if timer is not None:
            timer.cancel()
        waiting_for = self.cycle
        self._deadline_timer = self.loop.call_later(self.deadline, self._expire, waiting_for)

    def _expire(self, waiting_for) -> None:
        """Close the connection when no new request has begun since the deadline was set."""
        if self.transport.is_closing():
            return
        if self.cycle is waiting_for and (self.cycle is None or self.cycle.response_complete):
            self.transport.close()


def protocol_with_deadline(seconds: float) -> type[BoundedH11Protocol]:
    """The protocol class with another deadline (for tests)."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"deadline": seconds})


__all__ = ["REQUEST_DEADLINE", "BoundedH11Protocol", "protocol_with_deadline"]
