"""The diagnosing practitioner: name, specialty (PractitionerRole or qualification), contact."""

from __future__ import annotations

from .. import Draft
from .codetable import (
    specialty,
)
from .common import (
    Item,
    display,
    person_name,
    plain,
)
from .grouping import Index

CONDITION_ASSERTER = ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson")  # FHIR R4's targets


def map_physician(draft: Draft, item: Item, index: Index, notice) -> None:
    condition = item.model
    diagnosed = None
    for label, reference in (("asserter", condition.asserter), ("recorder", condition.recorder)):
        if reference is None:
            continue
        target = index.resolve(reference, item, label, CONDITION_ASSERTER)
        role = practitioner = None
        if target is not None and target.data["resourceType"] == "PractitionerRole":
            role = target
            practitioner = index.resolve(role.model.practitioner, role, "practitioner", ("Practitioner",))
        elif target is not None and target.data["resourceType"] == "Practitioner":
            practitioner = target
            role = next((r for r in index.roles_for(practitioner) if specialty(_role_concepts(r))), None)
        elif target is None and reference.reference and not index.refused(item, label):
            notice(
                item.key,
                "original_physician",
                f"{label} '{reference.reference[:80]}' is not in the input; only its display name is used",
            )
        where = f"{item.key} {label}"
        name = person_name(practitioner.model.name, prefix=True) if practitioner else None
        if name:
            draft.set("original_physician.name", name, f"{practitioner.key} name (via {where})")
        elif reference.display:
            draft.set("original_physician.name", reference.display[:200], f"{where} display")
        concepts = [
            *(_role_concepts(role) if role else []),
            *(q.code for q in ((practitioner.model.qualification or []) if practitioner else [])),
        ]
        if role and (text := display((role.model.specialty or [None])[0])):
            draft.set("original_physician.specialty", plain(text)[:200], f"{role.key} specialty")
        diagnosed = specialty(concepts)
        if diagnosed:
            draft.set(
                "diagnosis.diagnosed_by",
                diagnosed[0],
                f"{(role or practitioner).key} specialty {diagnosed[1]}",
            )
        contact = role or practitioner
        for telecom in (contact.model.telecom or []) if contact else []:
            target = f"original_physician.{telecom.system}"
            if telecom.system in ("phone", "fax") and telecom.value and not draft.has(target):
                draft.set(target, telecom.value[:200], f"{contact.key} telecom")
        if role and role.model.organization is not None:
            org = index.resolve(role.model.organization, role, "organization", ("Organization",))
            practice = (org.model.name if org else None) or role.model.organization.display
            if practice:
                draft.set("original_physician.practice", practice[:200], f"{role.key} organization")
        if practitioner and practitioner.model.address:
            address = practitioner.model.address[0]
            line = ", ".join(
                p
                for p in [
                    *(address.line or []),
                    address.city or "",
                    " ".join(x for x in (address.state, address.postalCode) if x),
                ]
                if p
            )
            if line:
                draft.set("original_physician.address", line[:200], f"{practitioner.key} address")
        break
    if not diagnosed:
        draft.set(
            "diagnosis.diagnosed_by",
            "other",
            "FILL IN: the EHR does not say; use primary_care, "
            "dermatologist, dermatopathologist, surgeon or oncologist",
        )
        notice(
            item.key,
            "diagnosis.diagnosed_by",
            "no asserter or recorder with a known specialty; wrote 'other', set it by hand",
        )


def _role_concepts(role: Item) -> list:
    """A PractitionerRole's specialties and codes (a taxonomy code may be in either)."""
    return [*(role.model.specialty or []), *(role.model.code or [])]
