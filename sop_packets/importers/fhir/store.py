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
_ID = r"[A-Za-z0-9\-.]{1,64}"
_TYPE = r"[A-Z][A-Za-z]{1,63}"
_RELATIVE = re.compile(rf"^({_TYPE})/({_ID})(?:/_history/{_ID})?$")
_ABSOLUTE = re.compile(
    rf"^(https?://[^\s/]{{1,255}}(?:/\S{{0,1800}}?)?)/({_TYPE})/({_ID})(?:/_history/{_ID})?$"
)


# A relative reference is read on the server of the resource that holds it. Inside one export (a Bundle
# file, a folder of NDJSON) a Type/id names one resource only (two different copies are refused), so when
# one side does not say its server (no fullUrl, or a urn:uuid one) the export decides; when both say it,
# the servers must be the same: Patient/1 of https://a.example is not Patient/1 of https://b.example.
_SAME_SERVER = "(base IS NULL OR ? IS NULL OR base = ?)"


@dataclass(frozen=True)
class Ref:
    """A literal reference resolved per FHIR's rules (Bundle.entry: resolving references).

    kind 'rel': Type/id, meant on the server of the referring resource (its entry's fullUrl, or the
    export's server); it matches only a resource of the same export and, when both say it, the same
    server. kind 'abs': server base + Type/id, whatever export it is in. kind 'urn': the urn:uuid /
    urn:oid fullUrl of an entry (unique by itself). A version (/_history/2) names the same resource."""

    kind: str  # 'rel', 'abs' or 'urn'
    value: str  # 'Patient/1', 'https://ehr.example/fhir/Patient/1' or 'urn:uuid:…'
    type: str | None  # the resource type the reference names, when it names one

    def shown(self, origin_base: str | None) -> str:
        """The reference as this tool read it, for messages."""
        if self.kind == "rel" and origin_base:
            return f"{origin_base}/{self.value} (the server of the entry's fullUrl)"
        return self.value


@dataclass
class Person:
    """One patient: the Patient resource (first copy) and the resources about them."""

    patient: Item
    resources: list[Item] = field(default_factory=list)
    ambiguous: str | None = None  # another, different Patient with this id in the same export


def server(base: str | None) -> str | None:
    """A server base URL compared as FHIR compares them: scheme and host in lower case, no final slash."""
    if not base:
        return None
    head, sep, rest = base.partition("://")
    host, slash, path = rest.partition("/")
    return f"{head.lower()}{sep}{host.lower()}{slash}{path}".rstrip("/")


def target(reference: Any, scope: str, base: str | None) -> Ref | None:
    """The Ref of a reference string read in an export (scope) and a server (base); None if there is no
    reference (or only a local #contained one). Raises ValueError for a reference that is not text."""
    if reference is None:
        return None
    if not isinstance(reference, str):
        raise ValueError(f"the reference is a JSON {type(reference).__name__}, not text")
    ref = reference.strip()
    if not ref or ref.startswith("#"):
        return None
    if found := _RELATIVE.match(ref):
        return Ref("rel", f"{found.group(1)}/{found.group(2)}", found.group(1))
    if found := _ABSOLUTE.match(ref):
        return Ref("abs", f"{server(found.group(1))}/{found.group(2)}/{found.group(3)}", found.group(2))
    if ref.lower().startswith(("urn:uuid:", "urn:oid:")):
        return Ref("urn", ref[:2100], None)
    return Ref("abs", ref[:2100], None)


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
                              subject_field TEXT, digest TEXT, source TEXT, line INTEGER, location TEXT,
                              body TEXT, matched INTEGER);
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
        subject_kind = subject = error = subject_field = None
        base = server(found.base)
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
                hit = target(value.get("reference"), found.scope, base)
            except ValueError as exc:
                error = f"{name}: {exc}"
                break
            if hit:
                subject_kind, subject, subject_field = hit.kind, hit.value, name
            break
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        digest = _digest(data) if kind == "Patient" else hashlib.sha1(body.encode()).hexdigest()
        self._pending.append(
            (
                found.scope,
                base,
                kind,
                key,
                found.full_url,
                subject_kind,
                subject,
                error,
                subject_field,
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
            "subject_error, subject_field, digest, source, line, location, body) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
            if (
                row.data.get("id")
                and self.db.execute(
                    "SELECT 1 FROM ambiguous WHERE scope=? AND key=?", (row.scope, row.key)
                ).fetchone()
            ):
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

    @staticmethod
    def _pointing_at(item: Item) -> tuple[str, list[Any]]:
        """SQL (and its parameters) for the rows whose subject reference names this resource: by its
        full identity, server base + type + id, never by type and id alone."""
        query = []
        params: list[Any] = []
        if item.data.get("id"):
            query.append(f"(subject_kind='rel' AND subject=? AND scope=? AND {_SAME_SERVER})")
            params += [item.key, item.scope, item.base, item.base]
            if item.base:
                query.append("(subject_kind='abs' AND subject=?)")
                params.append(f"{item.base}/{item.key}")
        if item.full_url:  # a urn:uuid is unique by itself; an absolute URL names its server
            query.append("(subject_kind IN ('abs', 'urn') AND subject=?)")
            params.append(item.full_url)
        return " OR ".join(query), params

    def _about(self, patient: Item) -> list[Item]:
        query, params = self._pointing_at(patient)
        if not query:
            return []
        return [
            self._row(r)
            for r in self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE kind NOT IN ('Patient', 'PractitionerRole') "
                f"AND ({query}) ORDER BY 1",
                params,
            )
        ]

    def orphans(self) -> Iterator[tuple[Item, str]]:
        """Resources whose patient reference points to no Patient of their export, or is malformed, each
        with the reason in words. Call after persons(), which marks every resource it hands out."""
        for values in self.db.execute(
            f"SELECT {self._COLUMNS}, subject_kind, subject, subject_error, subject_field FROM res "
            "WHERE kind NOT IN ('Patient', 'PractitionerRole') AND (subject_error IS NOT NULL OR "
            "(subject IS NOT NULL AND matched IS NULL)) ORDER BY id"
        ):
            row = self._row(values[:9])
            kind, subject, error, name = values[9:]
            if error:
                yield row, f"{error}; resource not read"
                continue
            ref = Ref(kind, subject, _named_type(kind, subject))
            yield row, _orphan_reason(ref, name, row, self.resolve({"reference": subject}, row))

    def roles_for(self, practitioner: Item) -> list[Item]:
        """The PractitionerRoles whose practitioner reference names this Practitioner (its full identity)."""
        query, params = self._pointing_at(practitioner)
        if not query:
            return []
        rows = self.db.execute(
            f"SELECT {self._COLUMNS} FROM res WHERE kind='PractitionerRole' AND ({query}) "
            "ORDER BY id LIMIT 20",
            params,
        ).fetchall()
        return [self._row(r) for r in rows]

    def resolve(self, reference: Any, origin: Item) -> Item | None:
        """The resource a Reference (model, dict or reference text) points to, by FHIR's rules, from the
        resource `origin` (its export and server). Raises ValueError for a reference that is not text."""
        ref = reference
        if isinstance(reference, dict):
            ref = reference.get("reference")
        elif not isinstance(reference, str):
            ref = getattr(reference, "reference", None)
        hit = target(ref, origin.scope, origin.base)
        if hit is None:
            return None
        if hit.kind == "rel":
            found = self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE key=? AND scope=? AND {_SAME_SERVER} "
                "ORDER BY id LIMIT 1",
                (hit.value, origin.scope, origin.base, origin.base),
            ).fetchone()
        elif hit.kind == "urn":
            found = self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE full_url=? ORDER BY id LIMIT 1", (hit.value,)
            ).fetchone()
        else:
            base, _, key = hit.value.rpartition("/")
            base, _, kind = base.rpartition("/")
            found = self.db.execute(
                f"SELECT {self._COLUMNS} FROM res WHERE (key=? AND base=?) OR full_url=? ORDER BY id LIMIT 1",
                (f"{kind}/{key}", base, hit.value),
            ).fetchone()
        return self._row(found) if found else None


def _named_type(kind: str, value: str) -> str | None:
    if kind == "rel":
        return value.split("/", 1)[0]
    found = _ABSOLUTE.match(value) if kind == "abs" else None
    return found.group(2) if found else None


def _orphan_reason(ref: Ref, field_name: str, row: Item, found: Item | None) -> str:
    """Why a resource's patient reference matched no Patient, in words."""
    shown = ref.shown(row.base)[:200]
    named = found.data.get("resourceType") if found is not None else ref.type
    if named and named != "Patient":
        return (
            f"{field_name}: reference '{ref.value[:120]}' points at {article(named)}, expected a Patient; "
            "resource not read"
        )
    if ref.kind == "rel" and row.base:
        return (
            f"{field_name}: reference '{ref.value[:120]}' means {shown}, and no Patient of this input has "
            "that identity (the same id on another server is another person); resource not read"
        )
    return (
        f"{field_name}: reference '{shown}' points to no Patient of the same export (the same Bundle file, "
        "or the same folder of NDJSON files, or the same server); resource not read"
    )


def article(kind: str) -> str:
    """'an Organization', 'a Practitioner'."""
    return f"{'an' if kind[:1] in 'AEIOU' else 'a'} {kind}"
