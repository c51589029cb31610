"""FHIR R4 JSON (Bundles, resources, Bulk Data folders of NDJSON or gzip) → one draft profile per patient.

Two passes, so memory does not grow with the export: reading (reading.py) puts each resource the
import uses into an on-disk store (store.py) keyed by its export and patient; mapping then takes one
patient at a time (grouping.py, assemble.py, one module per kind of fact). Facts the code table
(codes.yaml) does not cover, and conflicts, become located warnings, never guesses. A file, line or
resource that cannot be read is a located error: it is skipped and the rest is still imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from ...errors import Problem
from .. import Notice
from .assemble import map_patient
from .codetable import maybe_cancer
from .common import ImportResult, Options
from .grouping import Index, patient_data
from .reading import read_export
from .store import Store

__all__ = ["ImportResult", "Options", "import_fhir"]


class _Where(NamedTuple):
    """Where a Patient was read; kept per written patient instead of its JSON and FHIR model."""

    source: str
    key: str
    scope: str


def import_fhir(
    paths: Iterable[Path | str], id_from: str | None = None, options: Options | None = None
) -> ImportResult:
    """Read FHIR input and map each patient with a current skin cancer Condition to a draft profile."""
    options = options or Options(id_from=id_from)
    if id_from and not options.id_from:
        options.id_from = id_from
    result = ImportResult()
    with Store() as store:
        report = read_export([Path(p) for p in paths], store.add)
        store.finish()
        result.errors.extend(report.problems)
        result.error_count += report.error_count
        result.notes.extend(report.notes)
        result.resources = report.resources
        seen_ids: dict[str, tuple] = {}  # id -> (draft, where its Patient was): not the whole Item
        for person in store.persons():
            result.patients += 1
            item = person.patient
            if person.ambiguous:
                result.error(
                    Problem(
                        item.source,
                        item.line,
                        1,
                        f"{item.where} ({item.key})".strip(),
                        f"{person.ambiguous}; no profile written",
                    )
                )
                continue
            if not any(
                r.data["resourceType"] == "Condition" and maybe_cancer(r.data) for r in person.resources
            ):
                continue  # no Condition that could be a cancer: nothing to model (and nothing to check)
            index = Index(store, person, result)
            data = patient_data(person, index, result)
            if data is None:
                continue
            draft = map_patient(data, index, options, result)
            if draft is None:
                continue
            if draft.patient_id in seen_ids:
                first, first_item = seen_ids[draft.patient_id]
                for one, other in ((item, first_item), (first_item, item)):
                    result.skipped.append(
                        Notice(
                            one.source,
                            one.key,
                            "patient.id",
                            f"'{draft.patient_id}' is also the id of {other.key} in {other.scope}, another "
                            "person or another copy; no profile written for either (use --id-from with an "
                            "identifier that tells them apart)",
                        )
                    )
                if first in result.drafts:
                    result.drafts.remove(first)
                    result.notices = [n for n in result.notices if n not in first.notices]
                continue
            seen_ids[draft.patient_id] = (draft, _Where(item.source, item.key, item.scope))
            result.drafts.append(draft)
            result.notices.extend(draft.notices)
        for row, reason in store.orphans():
            result.error(Problem(row.source, row.line, 1, f"{row.where} ({row.key})".strip(), reason))
        if result.resources and not store.patient_count():
            result.error(
                Problem(
                    ", ".join(str(p) for p in paths)[:200],
                    1,
                    1,
                    "",
                    "no Patient resource in the input; export the patients with their records",
                )
            )
    return result
