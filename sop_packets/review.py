"""A clinician's review of a packet: its state, the hash that ties a check to the content checked,
and the field changes that send, check or clear it.

A check holds only while the profile's content (everything but `review:`) is what the clinician
saw: its hash is stored at check time, and any later change, in the app, an import or a text
editor, makes the check void. The app also writes the cleared state back on its next save.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from .schema import Profile, ReviewStatus

Changes = dict[tuple[str, ...], object]

CLEARED: Changes = {("review",): {"status": "draft"}}


def content_hash(profile: Profile) -> str:
    """The profile's content as given in the file (not its review), as sha256:<hex>.

    Only the fields the file sets are hashed, so a schema that gains a field does not void checks.
    """
    data = profile.model_dump(mode="json", exclude={"review"}, exclude_unset=True)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReviewState:
    """Where a profile stands: draft, sent_for_review, checked, or changed (checked, then edited)."""

    status: str
    checked_by: str | None = None
    role: str | None = None
    checked_on: date | None = None
    sent_on: date | None = None

    @property
    def checked(self) -> bool:
        return self.status == "checked"

    @property
    def label(self) -> str:
        """The state in a coordinator's words (the worklist, the review page)."""
        if self.checked:
            return f"Checked by {self.checked_by}, {self.role}, on {self.checked_on.isoformat()}"
        return {"draft": "Not sent for review", "sent_for_review": "Waiting for a clinician's check",
                "changed": "Changed after it was checked: send it for review again"}[self.status]


def state(profile: Profile) -> ReviewState:
    """The review as it holds for this content: a check of other content counts as "changed"."""
    review = profile.review
    if review.status == ReviewStatus.checked:
        if review.content_hash != content_hash(profile):
            return ReviewState("changed")
        return ReviewState("checked", review.checked_by, review.role, review.checked_on, review.sent_on)
    return ReviewState(review.status.value, sent_on=review.sent_on)


def sent(on: date) -> Changes:
    """The review fields when a coordinator sends the profile for review."""
    return {("review",): {"status": "sent_for_review", "sent_on": on}}


def checked(profile: Profile, by: str, role: str, on: date) -> Changes:
    """The review fields that mark this profile's content as checked by a clinician."""
    review = {"status": "checked"}
    if profile.review.sent_on is not None:
        review["sent_on"] = profile.review.sent_on
    review |= {"checked_by": by, "role": role, "checked_on": on, "content_hash": content_hash(profile)}
    return {("review",): review}


def cleared_by_edit(before: Profile | None, after: Profile | None) -> bool:
    """Whether a save from before to after voids a check (so the file's review is reset)."""
    if before is None or after is None or before.review.status != ReviewStatus.checked:
        return False
    return after.review.status == ReviewStatus.checked and state(after).status == "changed"
