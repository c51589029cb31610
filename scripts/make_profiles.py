#!/usr/bin/env python3
"""Make N synthetic, valid, varied patient profiles for benchmarks (all invented people).

    python scripts/make_profiles.py N OUTDIR [--seed S]

Writes OUTDIR/bench-00001.yaml ... with patient.id equal to the file stem. The same seed and
index always give the same profile, whatever N is, so `N=100` is the first 100 of `N=1000`.

Every field of schema v1 is sampled. Each enum field walks through all its values in a
shuffled order (a fresh shuffle per block of len(values) profiles), so any N of 16 or more (the
biggest enum) uses every cancer type and diagnoser, and nearly always every other value too (an
optional section is sometimes left out, as coordinators do); other fields are random.
Standard library only: the YAML is written by hand (free text is double-quoted JSON, which is
valid YAML), so this script does not depend on the project it feeds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

PREPARED_ON = date(2026, 11, 25)  # the --date the benchmark builds with; ages are counted on it
FILE_PREFIX = "bench-"

# Enum values, copied from sop_packets/schema.py (kept in sync by `sop-packets validate`).
CANCER_TYPES = ["melanoma", "basal_cell_carcinoma", "squamous_cell_carcinoma", "merkel_cell_carcinoma",
                "skin_lymphoma", "kaposi_sarcoma", "other", "uncertain"]
STAGES = ["0", "I", "II", "III", "IV", "unknown"]
BODY_SITES = ["face", "scalp", "ear", "nose", "lip", "eyelid", "neck", "hand", "foot", "genitals",
              "chest", "abdomen", "back", "arm", "leg", "other"]
DIAGNOSERS = ["primary_care", "dermatologist", "dermatopathologist", "surgeon", "oncologist", "other"]
TREATMENTS = ["mohs_surgery", "excision", "wide_local_excision", "sentinel_node_biopsy",
              "lymph_node_dissection", "topical", "radiation", "immunotherapy", "targeted_therapy",
              "chemotherapy", "observation"]
URGENCIES = ["immediate", "within_weeks", "not_discussed"]
PREAUTHORIZATIONS = ["required", "not_required", "unknown"]
NETWORKS = ["in_network", "out_of_network", "unknown"]
COVERAGE_TYPES = ["private", "medicare", "medicare_advantage", "medicaid", "public", "none", "other",
                  "unknown"]
RISK_TOLERANCES = ["conservative", "balanced", "aggressive"]
CONCERNS = ["cosmetic", "scarring", "poor_communication", "low_confidence", "cost", "travel",
            "clinical_trials"]
PATHOLOGY_FLAGS = ["reviewed_by_dermatopathologist", "borderline", "insufficient_tissue", "differential"]

# Invented names: first and last names are combined at random (a few with accents or hyphens).
FIRST_NAMES = [
    "Ada", "Amara", "Anders", "Aurelio", "Bea", "Bram", "Calla", "Caspian", "Dagny", "Delphine",
    "Desmond", "Elio", "Esmé", "Farah", "Fenna", "Florian", "Gideon", "Greta", "Hallie", "Idris",
    "Ines", "Jonah", "Juno", "Kasimir", "Kenji", "Lark", "Leontine", "Mabel", "Mateo", "Mireille",
    "Nils", "Noor", "Odile", "Orrin", "Pia", "Quentin", "Rosalind", "Rufus", "Saoirse", "Soren",
    "Tamsin", "Teodor", "Una", "Vesna", "Wendell", "Xiomara", "Yusuf", "Zélie", "Zofia", "Ozren",
]
LAST_NAMES = [
    "Abernethy", "Achterberg", "Albescu", "Brightwater", "Calloway", "Castellane", "Dunmore",
    "Eskildsen", "Fairweather", "Fenwright", "Galloway", "Halvorsen", "Hawthorne", "Ingleby",
    "Jovanović", "Kestrel", "Lindgren", "Marchetti", "Moravec", "Northcott", "Oyelaran", "Pemberton",
    "Quillfeather", "Rasmussen", "Ravenscroft", "Sandoval", "Schönfeld", "Thistlewood", "Umberger",
    "Vanterpool", "Westerhof", "Whitlock", "Yardley", "Zamora", "Østergaard", "Okonkwo-Reyes",
]
COUNTRIES = ["US"] * 12 + ["CA", "GB", "DE", "NO", "FR", "MX", "IN", "AU", "BR", "NG", "JP", "IE", "ES"]
LANGUAGES = ["en"] * 10 + ["es", "es-MX", "pt-BR", "fr", "de", "nb", "vi", "zh-Hant", "ar", "pl"]
COMORBIDITIES = [
    "type 2 diabetes", "high blood pressure", "asthma", "kidney transplant (takes anti-rejection medicine)",
    "HIV, well controlled", "rheumatoid arthritis (takes methotrexate)", "heart failure",
    "chronic lymphocytic leukemia", "COPD", "mild memory loss", "atrial fibrillation (on blood thinners)",
    "depression", "hearing loss", "psoriasis", "celiac disease", "osteoporosis",
]
DIFFERENTIALS = ["Spitz nevus", "dysplastic nevus", "atypical fibroxanthoma", "keratoacanthoma",
                 "seborrheic keratosis", "dermatofibroma", "lymphomatoid papulosis", "angiosarcoma",
                 "eczema", "pyogenic granuloma"]
DETAILS = {
    "melanoma": ["superficial spreading melanoma", "nodular melanoma", "lentigo maligna melanoma",
                 "acral lentiginous melanoma"],
    "basal_cell_carcinoma": ["nodular basal cell carcinoma", "infiltrative basal cell carcinoma"],
    "squamous_cell_carcinoma": ["well-differentiated squamous cell carcinoma", "Bowen's disease"],
    "merkel_cell_carcinoma": ["Merkel cell carcinoma"],
    "skin_lymphoma": ["mycosis fungoides", "primary cutaneous B-cell lymphoma"],
    "kaposi_sarcoma": ["classic Kaposi sarcoma", "AIDS-related Kaposi sarcoma"],
    "other": ["dermatofibrosarcoma protuberans", "sebaceous carcinoma", "extramammary Paget disease",
              "atypical fibroxanthoma"],
    "uncertain": ["atypical melanocytic proliferation", "atypical spindle cell tumor",
                  "could not tell melanoma from an unusual mole"],
}
# Spellings the loader accepts for each stage (see docs/profile-reference.md).
STAGE_SPELLINGS = {"0": ["0", 0, '"Stage 0"'], "I": ["I", 1, "IB", '"stage I"'], "II": ["II", 2, "IIA", "ii"],
                   "III": ["III", 3, "IIIB", '"Stage IIIC"'], "IV": ["IV", 4, "iv"], "unknown": ["unknown"]}
SPECIALTIES = {"primary_care": "Family medicine", "dermatologist": "Dermatology",
               "dermatopathologist": "Dermatopathology", "surgeon": "General surgery",
               "oncologist": "Medical oncology", "other": "Internal medicine"}
PLAN_NAMES = ["Lakeshore Choice PPO", "Bayside Family HMO", "Summit Employee Health Plan",
              "Prairie State Medicaid", "Medicare Part B", "Evergreen Advantage Plus", "Harborlight Silver",
              "National Health Service", "Riverbend Union Plan"]
PRACTICE_KINDS = ["Skin Clinic", "Family Health", "Medical Group", "Cancer Center", "Dermatology"]
STREETS = ["Orchard Lane", "Harbor Street", "Foothill Avenue", "Birch Road", "Storgata", "Mill Close"]
TOWNS = ["Maple Falls, OH 43000", "Bayside, MD 21000", "Northgate, CO 80000", "Fjordby, Norway",
         "Kingsbridge, UK", "Riverton, ON"]
NOTE_LINES = [
    "{first}, it is fine to ask for a second look before treatment starts.",
    "Ask your doctor's office to send the **biopsy slides** to the new pathologist.",
    "Bring this packet and a friend to your visit if you can.",
    "Write down your questions before the call; there is space on the worksheet.",
    "You can ask for an interpreter at no cost.",
    "Call us if anything in this packet is unclear: we are here to help.",
]


class Deck:
    """Each value once per block of len(values) profiles, in a shuffled order per block."""

    def __init__(self, name: str, values: list, seed: int):
        self.name, self.values, self.seed = name, values, seed

    def pick(self, index: int):
        block, position = divmod(index, len(self.values))
        order = list(self.values)
        random.Random(f"{self.seed}:{self.name}:{block}").shuffle(order)
        return order[position]


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def profile_yaml(index: int, seed: int) -> tuple[str, dict]:
    """The YAML text of profile number index (0-based) and a few facts about it, for the summary."""
    rng = random.Random(f"sop-bench:{seed}:{index}")
    deck = {name: Deck(name, values, seed) for name, values in (
        ("cancer_type", CANCER_TYPES), ("stage", STAGES), ("body_site", BODY_SITES),
        ("diagnosed_by", DIAGNOSERS), ("treatment", TREATMENTS), ("urgency", URGENCIES),
        ("preauthorization", PREAUTHORIZATIONS), ("network", NETWORKS), ("coverage", COVERAGE_TYPES),
        ("risk", RISK_TOLERANCES), ("concern", CONCERNS))}
    pid = f"{FILE_PREFIX}{index + 1:05d}"
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if rng.random() < 0.15:
        last = f"{last}-{rng.choice(LAST_NAMES)}"
    name = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}" if rng.random() < 0.2 else f"{first} {last}"
    age = rng.randint(2, 99)
    cancer = deck["cancer_type"].pick(index)
    diagnosed_by = deck["diagnosed_by"].pick(index)
    minimal = rng.random() < 0.08
    facts = {"cancer_type": cancer, "age": age, "minimal": minimal}

    lines = ["# Synthetic benchmark profile made by scripts/make_profiles.py. Not a real person.",
             "schema_version: 1", "", "patient:", f"  id: {pid}", f"  name: {q(name)}"]
    if rng.random() < 0.5:
        born = PREPARED_ON.replace(year=PREPARED_ON.year - age) - timedelta(days=rng.randint(0, 364))
        lines.append(f"  date_of_birth: {born.isoformat()}")
    else:
        lines.append(f"  age: {age}")
    if minimal:
        lines += ["", "diagnosis:", f"  cancer_type: {cancer}", f"  diagnosed_by: {diagnosed_by}"]
        facts.update(pregnant=False, abroad=False, large_print=False)
        return "\n".join(lines) + "\n", facts

    pregnant = 16 <= age <= 48 and rng.random() < 0.25
    country = rng.choice(COUNTRIES) if rng.random() < 0.9 else None
    abroad = rng.random() < (0.25 if country not in (None, "US") else 0.08)
    large_print = rng.random() < (0.35 if age >= 75 else 0.07)
    facts.update(pregnant=pregnant, abroad=abroad, large_print=large_print)
    if pregnant:
        lines.append("  pregnant: true")
    if rng.random() < 0.7:
        lines.append(f"  language: {rng.choice(LANGUAGES)}")
    if country:
        lines.append(f"  country: {country}")
    if abroad:
        lines.append("  seeking_care_abroad: true")
    conditions = rng.sample(COMORBIDITIES, rng.choice([0, 0, 1, 1, 2, 3, 5]))
    lines += ["  comorbidities:", *(f"    - {q(c)}" for c in conditions)] if conditions else []

    lines += ["", "diagnosis:", f"  cancer_type: {cancer}"]
    if cancer in ("other", "uncertain") or rng.random() < 0.25:
        lines.append(f"  cancer_type_detail: {q(rng.choice(DETAILS[cancer]))}")
    lines.append(f"  confirmed_by_biopsy: {json.dumps(rng.random() < 0.8)}")
    spelling = rng.choice(STAGE_SPELLINGS[deck["stage"].pick(index)])
    lines.append(f"  stage: {spelling}")
    if rng.random() < 0.92:
        lines.append(f"  body_site: {deck['body_site'].pick(index)}")
    lines.append(f"  diagnosed_by: {diagnosed_by}")
    pathology = {flag: rng.random() < 0.3 for flag in PATHOLOGY_FLAGS}
    differentials = rng.sample(DIFFERENTIALS, rng.randint(1, 3)) if rng.random() < 0.2 else []
    written = [f"    {flag}: {json.dumps(on)}" for flag, on in pathology.items() if on or rng.random() < 0.2]
    if differentials:
        written += ["    differential_diagnoses:", *(f"      - {q(d)}" for d in differentials)]
    lines += ["  pathology:", *written] if written else []
    for flag, chance in (("rapidly_changing", 0.15), ("recurrent", 0.15), ("high_risk", 0.25)):
        if rng.random() < chance:
            lines.append(f"  {flag}: true")
    diagnosed_on = PREPARED_ON - timedelta(days=rng.randint(1, 120))
    if rng.random() < 0.85:
        lines.append(f"  diagnosis_date: {diagnosed_on.isoformat()}")

    if rng.random() < 0.9:
        proposed = {deck["treatment"].pick(index), *rng.sample(TREATMENTS, rng.choice([0, 0, 1, 2, 3]))}
        proposed = [t for t in TREATMENTS if t in proposed] if rng.random() < 0.9 else []
        lines += ["", "treatment_plan:"]
        lines += ["  proposed:", *(f"    - {t}" for t in proposed)] if proposed else ["  proposed: []"]
        for flag, chance in (("alternatives_discussed", 0.4), ("extensive_surgery", 0.2),
                             ("reconstruction", 0.15), ("told_no_options", 0.05)):
            if rng.random() < chance:
                lines.append(f"  {flag}: true")
        lines.append(f"  urgency_stated: {deck['urgency'].pick(index)}")
        if rng.random() < 0.4:
            lines.append(f"  planned_date: {(PREPARED_ON + timedelta(days=rng.randint(1, 60))).isoformat()}")

    concerns = {deck["concern"].pick(index)} | {c for c in CONCERNS if rng.random() < 0.2}
    if rng.random() < 0.85:
        lines += ["", "concerns:", *(f"  {c}: true" for c in CONCERNS if c in concerns)]

    if rng.random() < 0.85:
        coverage = deck["coverage"].pick(index)
        lines += ["", "insurance:"]
        if coverage != "none" and rng.random() < 0.7:
            lines.append(f"  plan_name: {q(rng.choice(PLAN_NAMES))}")
        lines.append(f"  coverage_type: {coverage}")
        if rng.random() < 0.15:
            lines.append("  requires_second_opinion: true")
        lines.append(f"  preauthorization: {deck['preauthorization'].pick(index)}")
        lines.append(f"  network: {deck['network'].pick(index)}")
        if rng.random() < 0.2 or coverage == "none":
            lines.append("  needs_financial_help: true")

    preferences = []
    if rng.random() < 0.3:
        preferences.append(f"  telemedicine: {json.dumps(rng.random() < 0.8)}")
    if rng.random() < 0.8:
        preferences.append(f"  risk_tolerance: {deck['risk'].pick(index)}")
    if large_print:
        preferences.append("  large_print: true")
    lines += ["", "preferences:", *preferences] if preferences else []

    if rng.random() < 0.8:
        doctor = f"Dr. {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        area = rng.randint(201, 989)
        fields = {
            "name": q(doctor), "specialty": q(SPECIALTIES[diagnosed_by]),
            "practice": q(f"{rng.choice(LAST_NAMES)} {rng.choice(PRACTICE_KINDS)}"),
            "phone": f"({area}) 555-{rng.randint(100, 199):04d}",
            "fax": f"({area}) 555-{rng.randint(200, 299):04d}" if rng.random() < 0.7 else "",
            "address": q(f"{rng.randint(1, 999)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"),
        }
        lines += ["", "original_physician:"]
        lines += [f"  {key}: {value}".rstrip() for key, value in fields.items() if rng.random() < 0.9]

    if rng.random() < 0.5:
        note = rng.sample(NOTE_LINES[1:], rng.randint(1, 3))
        lines += ["", "coordinator_note: |", "  " + NOTE_LINES[0].format(first=first)]
        if rng.random() < 0.3:
            lines += ["", *(f"  - {line}" for line in note)]
        else:
            lines += [f"  {line}" for line in note]
    return "\n".join(lines) + "\n", facts


def write_profiles(count: int, out_dir: Path, seed: int = 1) -> list[dict]:
    """Write count profiles into out_dir (created if needed); returns the facts of each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = {f"{FILE_PREFIX}{i + 1:05d}.yaml" for i in range(count)}
    strays = sorted(p.name for p in out_dir.iterdir()
                    if p.suffix.lower() in (".yaml", ".yml") and p.name not in wanted)
    if strays:
        raise SystemExit(f"make_profiles: {out_dir} already holds other profiles ({', '.join(strays[:3])}"
                         f"{', ...' if len(strays) > 3 else ''}); use an empty folder")
    facts = []
    for index in range(count):
        text, info = profile_yaml(index, seed)
        (out_dir / f"{FILE_PREFIX}{index + 1:05d}.yaml").write_text(text, encoding="utf-8")
        facts.append(info)
    return facts


def summary(facts: list[dict]) -> str:
    types = Counter(f["cancer_type"] for f in facts)
    ages = [f["age"] for f in facts]

    def count(key: str) -> int:
        return sum(1 for f in facts if f[key])

    return (f"{len(facts)} profiles: {len(types)}/{len(CANCER_TYPES)} cancer types, ages "
            f"{min(ages, default=0)}-{max(ages, default=0)}, {count('pregnant')} pregnant, "
            f"{count('abroad')} seeking care abroad, {count('large_print')} large print, "
            f"{count('minimal')} minimal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, metavar="N", help="how many profiles to write")
    parser.add_argument("out_dir", type=Path, metavar="OUTDIR", help="folder to write them into")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print the summary line")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("N must be 0 or more")
    facts = write_profiles(args.count, args.out_dir, args.seed)
    if not args.quiet:
        print(f"wrote {summary(facts)} to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
