"""The one owner of "what day is it": the preparation date printed on a packet."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from .errors import SopError


def preparation_date(explicit: date | None = None) -> date:
    """The given date, else SOURCE_DATE_EPOCH (for reproducible builds), else today."""
    if explicit is not None:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC).date()
        except (ValueError, OverflowError, OSError):
            raise SopError(f"SOURCE_DATE_EPOCH={epoch[:30]!r} is not a time in seconds since 1970; "
                           "fix or unset it") from None
    return date.today()
