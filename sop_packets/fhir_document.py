"""The packet back to the chart: a FHIR R4 DocumentReference (US Core profile) for one built packet."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date

from .schema import Profile

US_CORE_DOCUMENT_REFERENCE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference"
TITLE = "Second-opinion prep packet"
ATTACH_MODES = ("inline", "url")
CONTENT_TYPES = {".pdf": "application/pdf", ".html": "text/html"}


def document_id(patient_id: str) -> str:
    """The DocumentReference id for a patient's packet: a hash of patient.id, so ids never collide
    (a_1 and a-1, or long ids sharing their first 64 characters, all differ) and the MRN is neither in
    the id nor in the URL the record is posted to. The same patient always gets the same id, so a
    re-post replaces the earlier record."""
    digest = hashlib.sha256(f"sop-packets DocumentReference\0{patient_id}".encode()).hexdigest()
    return f"sop-packet-{digest[:40]}"


def document_reference(profile: Profile, document: bytes, file_name: str, prepared_on: date, clinic_name: str,
                       attach: str = "inline", language: str | None = None) -> dict:
    """The DocumentReference for a packet file: hash, size and title; the file inline or as a relative url.

    language is the language the packet is written in (default: the patient's). The title and
    description hold no patient name, so the record can be listed safely.
    """
    if attach not in ATTACH_MODES:
        raise ValueError(f"attach must be one of {', '.join(ATTACH_MODES)}")
    suffix = file_name[file_name.rfind("."):].lower()
    attachment: dict = {
        "contentType": CONTENT_TYPES.get(suffix, "application/octet-stream"),
        "language": language or profile.patient.language,
        "size": len(document),
        "hash": base64.b64encode(hashlib.sha1(document).digest()).decode("ascii"),  # FHIR's hash is SHA-1
        "title": TITLE,
        "creation": prepared_on.isoformat(),
    }
    if attach == "inline":
        attachment["data"] = base64.b64encode(document).decode("ascii")
    else:
        attachment["url"] = file_name
    patient = profile.patient
    subject = ({"reference": f"Patient/{patient.fhir_id}"} if getattr(patient, "fhir_id", None)
               else {"identifier": {"value": patient.id}})
    return {
        "resourceType": "DocumentReference",
        "id": document_id(patient.id),
        "meta": {"profile": [US_CORE_DOCUMENT_REFERENCE]},
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": "34895-3", "display": "Education note"}],
                 "text": "Patient education"},
        "category": [
            {"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
                         "code": "clinical-note", "display": "Clinical Note"}]},
            {"coding": [{"system": "http://snomed.info/sct", "code": "311401005",
                         "display": "Patient education"}]},
        ],
        "subject": subject,
        "date": f"{prepared_on.isoformat()}T00:00:00Z",
        "author": [{"type": "Organization", "display": clinic_name}],
        "description": f"{TITLE}: what to gather, ask and expect for a second opinion",
        "content": [{"attachment": attachment}],
    }


def html_language(html: str) -> str | None:
    """The lang of a packet's <html> element: the language it is written in."""
    found = re.search(r"<html[^>]*\slang=\"([^\"]+)\"", html[:2000])
    return found.group(1) if found else None


def to_json(resource: dict) -> bytes:
    """Stable, readable JSON bytes for a resource."""
    return (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
