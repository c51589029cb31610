"""An on-disk index of the resources the import uses, grouped by patient (sqlite3, in a temporary folder).

Reading hands each resource here as soon as it is parsed; the mapping then takes one patient at a time.
So memory does not grow with the export: only one patient's resources are Python objects at once.

Patients are never merged across exports: a relative reference (Patient/1) resolves inside the export
it was read from (the Bundle file, or the folder of NDJSON files), an absolute one only to a Patient of
the same server, and urn:uuid references by the entry's fullUrl. The same Patient read twice (the same
export given twice) is one patient only when the two copies are identical.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import Item
from .reading import Found

SUBJECT_FIELDS = ("subject", "beneficiary", "patient")
_RELATIVE = re.compile(r"^([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")
_ABSOLUTE = re.compile(
    r"^(https?://\S{1,2000}?)/([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\-.]{1,64})"
    r"(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)


@dataclass
class Person:
    """One patient: the Patient resource (first copy) and the keys other resources point to it by."""

    patient: Item
    resources: list[Item] = field(default_factory=list)
    ambiguous: str | None = None  # another, different Patient with this id in the same export


def target(reference: Any, scope: str, base: str | None) -> tuple[str, str] | None:
    """('rel', 'Patient/1') or ('url', 'urn:uuid:…' / 'https://other/fhir/Patient/1'); None if no
    reference. Raises ValueError for a reference that is not a string."""
    if reference is None:
        return None
    if not isinstance(reference, str):
        raise ValueError(f"the reference is a JSON {type(reference).__name__}, not text")
    ref = reference.strip()
    if not ref or ref.startswith("#"):
        return None
    if found := _RELATIVE.match(ref):
        return "rel", f"{found.group(1)}/{found.group(2)}"
    if found := _ABSOLUTE.match(ref):
        if base and found.group(1).rstrip("/") == base.rstrip("/"):
            return "rel", f"{found.group(2)}/{found.group(3)}"
        return "url", f"{found.group(1)}/{found.group(2)}/{found.group(3)}"
    return "url", ref[:2100]


def _digest(data: dict) -> str:
    return hashlib.sha1(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class Store:
    """Temporary sqlite store: add() during reading, then persons() and resolve() during mapping."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="sop-import-")
        self.db = sqlite3.connect(Path(self._dir.name) / "index.sqlite")
        self.db.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16000;
            PRAGMA temp_store=FILE;
            CREATE TABLE res (id INTEGER PRIMARY KEY, scope TEXT, base TEXT, kind TEXT, key TEXT,
                              full_url TEXT, subject_kind TEXT, subject TEXT, subject_error TEXT,
                              digest TEXT, source TEXT, line INTEGER, location TEXT, body TEXT,
                              matched INTEGER);
        """)
        self._pending: list[tuple] = []

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, found: Found) -> None:
        data = found.data
        kind = data["resourceType"]
        rid = data.get("id")
        key = f"{kind}/{rid}" if isinstance(rid, str) and rid else None
        subject_kind = subject = error = None
        fields = (
            ("practitioner",) if kind == "PractitionerRole" else SUBJECT_FIELDS if kind != "Patient" else ()
        )
        for name in fields:
            value = data.get(name)
            if value is None:
                continue
            try:
                if not isinstance(value, dict):
                    raise ValueError(f"{name} is a JSON {type(value).__name__}, not a Reference")
                hit = target(value.get("reference"), found.scope, found.base)
            except ValueError as exc:
                error = f"{name}: {exc}"
                break
            if hit:
                subject_kind, subject = hit
            break
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        digest = _digest(data) if kind == "Patient" else hashlib.sha1(body.encode()).hexdigest()
        self._pending.append(
            (
                found.scope,
                found.base,
                kind,
                key,
                found.full_url,
                subject_kind,
                subject,
                error,
                digest,
                found.source,
                found.line,
                found.where,
                body,
            )
        )
        if len(self._pending) >= 2000:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany(
            "INSERT INTO res (scope, base, kind, key, full_url, subject_kind, subject, "
            "subject_error, digest, source, line, location, body) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
            self._pending,
        )
        self._pending.clear()

    def finish(self) -> None:
        """Index what was read; call once, after reading."""
        self._flush()
        self.db.executescript("""
            CREATE INDEX res_subject ON res (subject, scope);
            CREATE INDEX res_key ON res (key, scope);
            CREATE INDEX res_url ON res (full_url);
        """)

    def _row(self, values: tuple) -> Item:
        rowid, scope, base, source, line, location, body, full_url, digest = values
        return Item(rowid, scope, base, source, line, location, json.loads(body), full_url, digest)

    _COLUMNS = "id, scope, base, source, line, location, body, full_url, digest"

    def patient_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM res WHERE kind='Patient'").fetchone()[0]

    def persons(self) -> Iterator[Person]:
        """Each patient with the resources about them, one at a time, in the order they were read.

        Identical copies of a Patient (the same export read twice) are one person; their resources are
        taken once each."""
        # Grouped in SQL, a batch at a time, so memory does not grow with the number of patients.
        self.db.executescript("""
            CREATE TEMP TABLE groups AS
              SELECT min(id) AS first, group_concat(id) AS ids FROM res WHERE kind='Patient'
              GROUP BY coalesce(key, 'row:' || id), digest ORDER BY min(id);
            CREATE TEMP TABLE ambiguous AS
              SELECT scope, key FROM res WHERE kind='Patient' AND key IS NOT NULL
              GROUP BY scope, key HAVING count(DISTINCT digest) > 1;
        """)
        last = 0
        while batch := self.db.execute(
            "SELECT rowid, ids FROM groups WHERE rowid > ? ORDER BY rowid LIMIT 200", (last,)
        ).fetchall():
            last = batch[-1][0]
            for _, ids in batch:
                yield self._person([int(i) for i in ids.split(",")])

    def _person(self, members: list[int]) -> Person:
        rows = [
            self._row(r)
            for r in self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE id IN ({','.join('?' * len(members))}) ORDER BY id",
                members,
            )
        ]
        person = Person(rows[0])
        for row in rows:
            if row.data.get("id") and self.db.execute(
                "SELECT 1 FROM ambiguous WHERE scope=? AND key=?", (row.scope, row.key)
            ).fetchone():
                person.ambiguous = (
                    f"two different {row.key} in one export ({row.scope}); "
                    "which one the records are about cannot be known"
                )
                return person
        seen: set[tuple[str, str]] = set()
        for row in rows:
            about = self._about(row)
            self.db.executemany("UPDATE res SET matched=1 WHERE id=?", [(f.rowid,) for f in about])
            for found in about:
                if (found.key, found.digest) not in seen:
                    seen.add((found.key, found.digest))
                    person.resources.append(found)
        return person

    def _about(self, patient: Item) -> list[Item]:
        key = patient.key if patient.data.get("id") else None
        query = []
        params: list[Any] = []
        if key:
            query.append("(subject_kind='rel' AND subject=? AND scope=?)")
            params += [key, patient.scope]
            if patient.base:
                query.append("(subject_kind='url' AND subject=?)")
                params.append(f"{patient.base.rstrip('/')}/{key}")
        if patient.full_url:
            query.append("(subject_kind='url' AND subject=?)")
            params.append(patient.full_url)
        if not query:
            return []
        return [
            self._row(r)
            for r in self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE kind!='Patient' AND ({' OR '.join(query)}) ORDER BY 1",  # noqa: E501
                params,
            )
        ]

    def orphans(self) -> Iterator[tuple[Item, str]]:
        """Resources whose patient reference points to no Patient of their export, or is malformed.
        Call after persons(), which marks every resource it hands out."""
        for values in self.db.execute(
            f"SELECT {self._COLUMNS}, subject, subject_error FROM res WHERE kind NOT IN ('Patient', "
            "'PractitionerRole') AND (subject_error IS NOT NULL OR (subject IS NOT NULL AND matched IS NULL))"
            " ORDER BY id"
        ):
            row = self._row(values[:9])
            subject, error = values[9], values[10]
            yield row, error or subject

    def roles_for(self, practitioner: Item) -> list[Item]:
        """The PractitionerRoles of the practitioner's export that name this Practitioner."""
        rows = self.db.execute(
            f"SELECT {self._COLUMNS} FROM res WHERE kind='PractitionerRole' AND ((subject_kind='rel' AND "
            "subject=? AND scope=?) OR (subject_kind='url' AND subject=?)) ORDER BY id LIMIT 20",
            (practitioner.key, practitioner.scope, practitioner.full_url or ""),
        ).fetchall()
        return [self._row(r) for r in rows]

    def resolve(self, reference: Any, origin: Item) -> Item | None:
        """The resource a Reference (model or dict) points to, within the export of `origin`."""
        ref = (
            getattr(reference, "reference", None)
            if not isinstance(reference, dict)
            else reference.get("reference")
        )
        try:
            hit = target(ref, origin.scope, origin.base)
        except ValueError:
            return None
        if hit is None:
            return None
        kind, value = hit
        if kind == "rel":
            found = self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE key=? AND scope=? ORDER BY id LIMIT 1",
                (value, origin.scope),
            ).fetchone()
        else:
            found = self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE full_url=? ORDER BY id LIMIT 1", (value,)
            ).fetchone()
        return self._row(found) if found else None
