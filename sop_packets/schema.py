"""Profile schema v1: the field names and values clinics write against.

Every name and enum value here is a public interface. Add optional fields; never rename.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .markup import MAX_NESTING, hidden_character_message, nesting

# ISO 3166-1 alpha-2 codes, officially assigned.
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI
    BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
    CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
    FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW""".split()  # noqa: SIM905 - a block of codes reads best
)

PATIENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # not ".", "..", ".hidden" or "-x"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
ROMAN_STAGES = {0: "0", 1: "I", 2: "II", 3: "III", 4: "IV"}


def _no_control_characters(value: str) -> str:
    """Invisible characters (control, zero-width, direction) can hide or reorder printed words."""
    if message := hidden_character_message(value):
        raise ValueError(message)
    return value


def _plain_markdown(value: str) -> str:
    """Markdown is checked as the reader will see it (after entities), and its nesting is bounded."""
    if message := hidden_character_message(value, markdown=True):
        raise ValueError(message)
    if nesting(value) > MAX_NESTING:
        raise ValueError(f"quotes or lists are nested more than {MAX_NESTING} levels deep; "
                         "flatten the text")
    return value


ShortText = Annotated[str, Field(max_length=200), AfterValidator(_no_control_characters)]
LongText = Annotated[str, Field(max_length=4000), AfterValidator(_plain_markdown)]

PHONE_SHAPE = re.compile(r"\+?[0-9 ().\-/]+?(?:\s*(?:ext\.?|x|#)\s*[0-9]{1,6})?", re.IGNORECASE)
PHONE_DIGITS = (7, 15)
"""A number an office can dial: 7 digits (a local number) to 15 (the most E.164 allows), extension apart."""


def phone_problem(value: str) -> str | None:
    """Why value is not a phone number, or None: digits with the usual separators (spaces, brackets,
    dots, dashes, a leading +) and an optional extension."""
    main = re.split(r"(?i)\s*(?:ext\.?|x|#)\s*(?=[0-9])", value.strip(), maxsplit=1)[0]
    digits = sum(char.isascii() and char.isdigit() for char in main)
    if PHONE_SHAPE.fullmatch(value.strip()) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return None
    shown = value if len(value) <= 40 else value[:40] + "…"
    return (f"'{shown}' is not a phone number: write only the number, such as (614) 555-0101 or "
            "+44 20 7946 0000 (an extension may follow: ext. 12)")


def _phone_number(value: str) -> str:
    """A phone number, kept exactly as typed."""
    if message := phone_problem(value):
        raise ValueError(message)
    return value


PhoneNumber = Annotated[ShortText, AfterValidator(_phone_number)]


class CancerType(StrEnum):
    melanoma = "melanoma"
    basal_cell_carcinoma = "basal_cell_carcinoma"
    squamous_cell_carcinoma = "squamous_cell_carcinoma"
    merkel_cell_carcinoma = "merkel_cell_carcinoma"
    skin_lymphoma = "skin_lymphoma"
    kaposi_sarcoma = "kaposi_sarcoma"
    angiosarcoma = "angiosarcoma"
    sebaceous_carcinoma = "sebaceous_carcinoma"
    atypical_fibroxanthoma = "atypical_fibroxanthoma"
    pleomorphic_dermal_sarcoma = "pleomorphic_dermal_sarcoma"
    other = "other"
    uncertain = "uncertain"


class DiseaseState(StrEnum):
    """Where the patient is in their care: the rules never speak of a treatment date without one."""

    active = "active"  # the cancer is there now (or was just found), and care is being planned
    no_evidence_of_disease = "no_evidence_of_disease"  # treated, no cancer found now: follow-up checks
    watching = "watching"  # the patient chose to watch the cancer for now rather than treat it


class Stage(StrEnum):
    """A stage group (0, I-IV) or an AJCC substage (IA ... IVB); `group` gives the group."""

    zero = "0"
    I = "I"  # noqa: E741 - the stage is called I
    IA = "IA"
    IB = "IB"
    IC = "IC"
    II = "II"
    IIA = "IIA"
    IIB = "IIB"
    IIC = "IIC"
    III = "III"
    IIIA = "IIIA"
    IIIB = "IIIB"
    IIIC = "IIIC"
    IIID = "IIID"
    IV = "IV"
    IVA = "IVA"
    IVA1 = "IVA1"  # mycosis fungoides / Sézary: blood (A1) versus nodes (A2); kept as the profile spells it
    IVA2 = "IVA2"
    IVB = "IVB"
    unknown = "unknown"

    @property
    def group(self) -> str:
        """The stage group without its letter: "0", "I", "II", "III", "IV" or "unknown"."""
        return self.value if self in (Stage.zero, Stage.unknown) else self.value.rstrip("12").rstrip("ABCD")


class MelanomaSubtype(StrEnum):
    superficial_spreading = "superficial_spreading"
    nodular = "nodular"
    lentigo_maligna = "lentigo_maligna"
    acral_lentiginous = "acral_lentiginous"
    desmoplastic = "desmoplastic"
    mucosal = "mucosal"  # inside the mouth, nose, sinuses, genitals or anus: not a skin melanoma
    other = "other"
    unknown = "unknown"


class LymphomaType(StrEnum):
    mycosis_fungoides = "mycosis_fungoides"
    sezary_syndrome = "sezary_syndrome"
    b_cell = "b_cell"  # B-cell, kind not given: the packet asks which kind
    b_cell_indolent = "b_cell_indolent"  # marginal zone or follicle centre: usually slow
    b_cell_large_leg_type = "b_cell_large_leg_type"  # diffuse large B-cell, leg type: fast, needs medicine
    other = "other"
    unknown = "unknown"


class ImmuneReason(StrEnum):
    organ_transplant = "organ_transplant"
    hiv = "hiv"
    blood_cancer = "blood_cancer"
    immune_medicines = "immune_medicines"
    other = "other"


class Condition(StrEnum):
    """A health condition or medicine that changes the cancer choices (each adds a note and a question)."""

    organ_transplant = "organ_transplant"
    autoimmune_disease = "autoimmune_disease"
    basal_cell_nevus_syndrome = "basal_cell_nevus_syndrome"  # Gorlin syndrome
    xeroderma_pigmentosum = "xeroderma_pigmentosum"
    lynch_muir_torre = "lynch_muir_torre"  # Lynch or Muir-Torre syndrome
    blood_thinner = "blood_thinner"
    btk_inhibitor = "btk_inhibitor"  # ibrutinib and similar: bleeding risk in surgery
    heart_failure = "heart_failure"
    blood_cancer = "blood_cancer"  # such as chronic lymphocytic leukemia


class Communication(StrEnum):
    """How the patient can (and cannot) use a phone or hear speech."""

    deaf_sign_language = "deaf_sign_language"  # Deaf, uses a sign language such as ASL
    hard_of_hearing = "hard_of_hearing"
    no_phone = "no_phone"  # no phone of their own: a helper takes calls


class CareSetting(StrEnum):
    """Who arranges and pays for the patient's outside care."""

    community = "community"
    prison = "prison"  # requests go through the facility's health services
    veterans_affairs = "veterans_affairs"  # VA health care


class SafeToWait(StrEnum):
    """A clinician's answer: is it safe to wait for a second opinion before treatment?"""

    yes = "yes"
    no = "no"
    not_asked = "not_asked"


class HivStatus(StrEnum):
    positive = "positive"
    negative = "negative"
    unknown = "unknown"


class BodySite(StrEnum):
    face = "face"
    scalp = "scalp"
    ear = "ear"
    nose = "nose"
    lip = "lip"
    eyelid = "eyelid"
    neck = "neck"
    hand = "hand"
    foot = "foot"
    genitals = "genitals"
    chest = "chest"
    abdomen = "abdomen"
    back = "back"
    arm = "arm"
    leg = "leg"
    other = "other"


class Diagnoser(StrEnum):
    primary_care = "primary_care"
    dermatologist = "dermatologist"
    dermatopathologist = "dermatopathologist"
    surgeon = "surgeon"
    oncologist = "oncologist"
    other = "other"


class Treatment(StrEnum):
    mohs_surgery = "mohs_surgery"
    excision = "excision"
    wide_local_excision = "wide_local_excision"
    sentinel_node_biopsy = "sentinel_node_biopsy"
    lymph_node_dissection = "lymph_node_dissection"
    topical = "topical"
    radiation = "radiation"
    immunotherapy = "immunotherapy"
    targeted_therapy = "targeted_therapy"
    chemotherapy = "chemotherapy"
    observation = "observation"
    completion_lymph_node_dissection = "completion_lymph_node_dissection"
    phototherapy = "phototherapy"
    photopheresis = "photopheresis"
    intralesional = "intralesional"


class StatedUrgency(StrEnum):
    immediate = "immediate"
    within_weeks = "within_weeks"
    not_discussed = "not_discussed"


class Preauthorization(StrEnum):
    required = "required"
    not_required = "not_required"
    unknown = "unknown"


class Network(StrEnum):
    in_network = "in_network"
    out_of_network = "out_of_network"
    unknown = "unknown"


class SentinelNode(StrEnum):
    not_done = "not_done"
    planned = "planned"
    negative = "negative"
    positive = "positive"
    unknown = "unknown"


class Borders(StrEnum):
    well_defined = "well_defined"
    poorly_defined = "poorly_defined"
    unknown = "unknown"


class KaposiType(StrEnum):
    classic = "classic"
    hiv_associated = "hiv_associated"
    transplant = "transplant"
    endemic = "endemic"
    unknown = "unknown"


class Differentiation(StrEnum):
    well = "well"
    moderate = "moderate"
    poor = "poor"
    unknown = "unknown"


class Performer(StrEnum):
    """The specialty of whoever would carry out the proposed treatment."""

    dermatologist = "dermatologist"
    mohs_surgeon = "mohs_surgeon"
    general_surgeon = "general_surgeon"
    surgical_oncologist = "surgical_oncologist"
    plastic_surgeon = "plastic_surgeon"
    medical_oncologist = "medical_oncologist"
    radiation_oncologist = "radiation_oncologist"
    primary_care = "primary_care"
    other = "other"
    unknown = "unknown"


class Therapy(StrEnum):
    """A treatment the patient is receiving now (or stopped recently)."""

    immunotherapy = "immunotherapy"
    targeted_therapy = "targeted_therapy"
    chemotherapy = "chemotherapy"
    radiation = "radiation"
    phototherapy = "phototherapy"
    photopheresis = "photopheresis"
    other = "other"


class TherapyStatus(StrEnum):
    ongoing = "ongoing"
    stopped = "stopped"


class SideEffects(StrEnum):
    none = "none"
    current = "current"
    past = "past"
    unknown = "unknown"


class Authority(StrEnum):
    health_care_agent = "health_care_agent"
    guardian = "guardian"
    parent = "parent"
    caregiver = "caregiver"


class CoverageType(StrEnum):
    private = "private"
    medicare = "medicare"
    medicare_advantage = "medicare_advantage"
    medicaid = "medicaid"
    public = "public"
    none = "none"
    other = "other"
    unknown = "unknown"


class RiskTolerance(StrEnum):
    conservative = "conservative"
    balanced = "balanced"
    aggressive = "aggressive"


class Section(BaseModel):
    """Base of every profile section: unknown keys are errors, numbers may stand for text."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, frozen=True)


class Representative(Section):
    """Someone who reads the packet and signs for the patient."""

    name: ShortText = Field(min_length=1, description="The representative's name as printed.")
    relationship: ShortText | None = Field(None, description="How they are related, e.g. daughter, mother.")
    authority: Authority = Field(
        description="Why they may act: health_care_agent, guardian, parent or caregiver."
    )
    phone: ShortText | None = None


class Helper(Section):
    """Someone who makes calls for the patient (for a patient with no phone, or who cannot call)."""

    name: ShortText = Field(min_length=1, description="The helper's name as printed.")
    relationship: ShortText | None = Field(None, description="Who they are, e.g. daughter, neighbour.")
    phone: ShortText | None = Field(None, description="The number offices should call.")


class Patient(Section):
    id: str = Field(pattern=PATIENT_ID_PATTERN, description="Names the output files.")
    name: ShortText = Field(min_length=1, description="The patient's name as printed.")
    name_latin: ShortText | None = Field(
        None, description="The name in Latin letters as on the insurance card (王秀英: Wang Xiuying), for "
        "the English letter and case summary. Give it when name has no Latin letters.",
    )
    date_of_birth: date | None = Field(None, description="YYYY-MM-DD. Give this or age.")
    age: int | None = Field(
        None, ge=0, le=120, validate_default=True, description="Age in years, or date_of_birth."
    )
    phone: PhoneNumber | None = Field(
        None, description="The patient's own phone, printed on the records letter and the case summary.",
    )
    pregnant: bool = False
    language: str | None = Field(
        None, pattern=LANGUAGE_PATTERN,
        description="Preferred language (BCP 47: en, es, es-US, vi, zh-Hant). Default: the clinic's.",
    )
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code, such as US or DE.")
    seeking_care_abroad: bool = False
    comorbidities: list[ShortText] = Field(default_factory=list, max_length=50)
    weakened_immune_system: bool | None = Field(
        None, description="A doctor said the immune system is weakened. Leave out if unknown; "
        "false says it is not (and silences the free-text check)."
    )
    immune_reasons: list[ImmuneReason] = Field(
        default_factory=list, max_length=5,
        description="Why the immune system is weakened; any reason implies weakened_immune_system.",
    )
    hiv: HivStatus = HivStatus.unknown
    on_hiv_treatment: bool | None = Field(None, description="Taking HIV medicines (antiretroviral therapy).")
    fhir_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9\-.]{1,64}$",
        description="The patient's FHIR Patient id, written by `import fhir`; the DocumentReference subject.",
    )
    representative: Representative | None = Field(
        None, description="Someone who reads the packet and signs for the patient (agent, guardian, parent)."
    )
    decides_for_self: bool = Field(
        True, description="false: the patient cannot make health decisions alone (needs a representative)."
    )
    conditions: list[Condition] = Field(
        default_factory=list, max_length=9,
        description="Conditions or medicines that change the cancer choices: organ_transplant, "
        "autoimmune_disease, basal_cell_nevus_syndrome, xeroderma_pigmentosum, lynch_muir_torre, "
        "blood_thinner, btk_inhibitor, heart_failure, blood_cancer.",
    )
    communication: list[Communication] = Field(
        default_factory=list, max_length=3,
        description="deaf_sign_language, hard_of_hearing, no_phone: how offices can reach the patient.",
    )
    helper: Helper | None = Field(
        None, description="Someone who makes calls for the patient (name, relationship, phone)."
    )
    care_setting: CareSetting = Field(
        CareSetting.community, description="community, prison or veterans_affairs: who arranges outside care."
    )

    @model_validator(mode="after")
    def _immune_facts_agree(self) -> Patient:
        if self.immune_reasons and self.weakened_immune_system is False:
            raise ValueError("immune_reasons is filled in but weakened_immune_system is false; "
                             "remove one of them")
        if ImmuneReason.hiv in self.immune_reasons and self.hiv is HivStatus.negative:
            raise ValueError("immune_reasons lists hiv but hiv is negative; correct one of them")
        if self.phone and Communication.no_phone in self.communication:
            raise ValueError("phone is given but communication says no_phone; remove one of them")
        if not self.decides_for_self and self.representative is None:
            raise ValueError("decides_for_self is false, so add a representative "
                             "(the person who decides and signs for the patient)")
        return self

    @property
    def immune_weakened(self) -> bool:
        """True when a doctor said so, or when a reason for it is given."""
        return bool(self.weakened_immune_system) or bool(self.immune_reasons)

    @property
    def hiv_positive(self) -> bool:
        return self.hiv is HivStatus.positive or ImmuneReason.hiv in self.immune_reasons

    @field_validator("country", mode="before")
    @classmethod
    def _country_code(cls, value: Any) -> Any:
        if isinstance(value, str):
            code = value.strip().upper()
            if code not in ISO_COUNTRIES:
                shown = value if len(value) <= 40 else value[:40] + "…"
                raise ValueError(f"'{shown}' is not a two-letter country code such as US, CA or DE")
            return code
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_past(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("the date of birth is in the future")
        return value

    @field_validator("age", mode="after")
    @classmethod
    def _age_or_birth_date(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None and "date_of_birth" in info.data and info.data["date_of_birth"] is None:
            raise ValueError("give the patient's date_of_birth or age (one is required)")
        return value

    def age_on(self, day: date) -> int:
        """Age in whole years on the given day (from the birth date when there is one)."""
        if self.date_of_birth is None:
            return self.age  # type: ignore[return-value]
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Pathology(Section):
    reviewed_by_dermatopathologist: bool = False
    borderline: bool = False
    insufficient_tissue: bool = False
    differential: bool = Field(False, description="The report names other possible diagnoses.")
    differential_diagnoses: list[ShortText] = Field(
        default_factory=list, max_length=20, description="Those other diagnoses, if known."
    )
    perineural_invasion: bool | None = Field(
        None, description="The report shows cancer around a nerve (perineural invasion)."
    )
    tumor_depth_mm: float | None = Field(
        None, ge=0, le=100,
        description="Thickness of a basal or squamous cell cancer in millimeters (melanoma: breslow_mm).",
    )
    invasion_beyond_fat: bool | None = Field(
        None, description="The cancer grows past the fat under the skin (muscle, cartilage or bone)."
    )
    differentiation: Differentiation = Field(
        Differentiation.unknown, description="well, moderate or poor (poor is higher risk)."
    )
    aggressive_growth_pattern: bool | None = Field(
        None, description="The report names an aggressive growth pattern (infiltrative, morpheaform, "
        "micronodular; acantholytic, adenosquamous, desmoplastic, metaplastic)."
    )


class MelanomaDetails(Section):
    breslow_mm: float | None = Field(
        None, ge=0, le=100, description="Breslow depth (thickness) in millimeters, from the pathology report."
    )
    ulcerated: bool | None = Field(None, description="The report shows ulceration. Leave out if not known.")
    subtype: MelanomaSubtype = MelanomaSubtype.unknown


class Diagnosis(Section):
    cancer_type: CancerType
    cancer_type_detail: ShortText | None = Field(
        None, description="The name of the cancer in the doctor's words, e.g. for 'other'."
    )
    confirmed_by_biopsy: bool = False
    stage: Stage = Stage.unknown
    size_mm: float | None = Field(None, gt=0, le=1000, description="Largest diameter in millimeters.")
    melanoma: MelanomaDetails = Field(default_factory=MelanomaDetails)
    lymphoma_type: LymphomaType = LymphomaType.unknown
    body_site: BodySite | None = None
    diagnosed_by: Diagnoser
    pathology: Pathology = Field(default_factory=Pathology)
    rapidly_changing: bool = False
    recurrent: bool = False
    high_risk: bool = Field(False, description="A doctor called this cancer high risk.")
    diagnosis_date: date | None = None
    primary_removed: bool | None = Field(
        None, description="The first tumour is already cut out completely (for example by the biopsy)."
    )
    sentinel_node: SentinelNode = Field(
        SentinelNode.unknown,
        description="Sentinel lymph node biopsy: not_done, planned, negative or positive.",
    )
    clinical_nodes: bool | None = Field(
        None, description="Lymph nodes that can be felt or seen on a scan hold cancer."
    )
    unknown_primary: bool = Field(False, description="Cancer found in a lymph node with no skin spot found.")
    nerve_symptoms: bool = Field(
        False, description="New numbness, tingling, pain or weakness near the cancer."
    )
    borders: Borders = Field(Borders.unknown, description="The spot's edges: well_defined or poorly_defined.")
    prior_radiation: bool = Field(False, description="The area was treated with radiation before.")
    kaposi_type: KaposiType = Field(
        KaposiType.unknown, description="Kaposi sarcoma: classic, hiv_associated, transplant or endemic."
    )
    disease_state: DiseaseState = Field(
        DiseaseState.active,
        description="active (the cancer is there now), no_evidence_of_disease (treated, none found now: "
        "follow-up) or watching (the patient chose to watch it for now).",
    )
    bone_or_orbit_invasion: bool | None = Field(
        None, description="Scans or surgery show the cancer in bone or in the eye socket (orbit)."
    )

    @field_validator("stage", mode="before")
    @classmethod
    def _stage_spellings(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return ROMAN_STAGES.get(value, value)
        if isinstance(value, str):
            cleaned = re.sub(r"^stage\s+", "", value.strip(), flags=re.IGNORECASE).upper()
            cleaned = re.sub(r"^([0-4]|[IV]+)[\s-]([A-D][12]?)$", r"\1\2", cleaned)  # "III-B", "3 b", "IV-A1"
            if cleaned in {s.value.upper() for s in Stage}:
                return "unknown" if cleaned == "UNKNOWN" else cleaned
            if re.fullmatch(r"[1-4]([A-D][12]?)?", cleaned):
                return ROMAN_STAGES[int(cleaned[0])] + cleaned[1:]
        return value


class TimingAnswer(Section):
    """A clinician's answer to: is it safe to wait for a second opinion before treatment, and how long?"""

    safe_to_wait: SafeToWait = Field(
        SafeToWait.not_asked, description="yes (up to `until`), no, or not_asked."
    )
    until: date | None = Field(None, description="yes: the last safe day to start treatment (YYYY-MM-DD).")
    said_by: ShortText | None = Field(None, description="The clinician's name, e.g. Dr. Ana Ruiz.")
    role: ShortText | None = Field(None, description="Their role, e.g. surgeon, dermatologist.")
    said_on: date | None = Field(None, description="When they said it (YYYY-MM-DD).")

    @model_validator(mode="after")
    def _answer_has_a_name(self) -> TimingAnswer:
        if self.safe_to_wait is not SafeToWait.not_asked and not self.said_by:
            raise ValueError("safe_to_wait is answered, so add said_by: the clinician who said it "
                             "(the packet states the answer in their name)")
        if self.until is not None and self.safe_to_wait is not SafeToWait.yes:
            raise ValueError("until is given only when safe_to_wait is yes; remove it or change the answer")
        return self


class TreatmentPlan(Section):
    proposed: list[Treatment] = Field(default_factory=list, max_length=20)
    alternatives_discussed: bool = False
    extensive_surgery: bool = False
    reconstruction: bool = False
    told_no_options: bool = False
    urgency_stated: StatedUrgency = StatedUrgency.not_discussed
    planned_date: date | None = Field(None, description="Date treatment is booked for, if any.")
    performed_by: Performer = Field(
        Performer.unknown, description="The specialty of whoever would carry out the proposed treatment."
    )
    timing_answer: TimingAnswer = Field(
        default_factory=TimingAnswer,
        description="A clinician's answer: is it safe to wait for a second opinion, who said it and when.",
    )
    prior_opinions: int = Field(
        0, ge=0, le=5,
        description="How many second opinions the patient has had already (1: this is a third).",
    )

    def date_passed(self, day: date) -> bool:
        """The treatment date is before day (the packet's date): a packet never asks to act before it."""
        return self.planned_date is not None and self.planned_date < day


class CurrentTreatment(Section):
    therapies: list[Therapy] = Field(
        default_factory=list, max_length=7, description="Cancer treatment the patient gets now or stopped."
    )
    status: TherapyStatus = Field(TherapyStatus.ongoing, description="ongoing, or stopped.")
    stopped_on: date | None = Field(None, description="When it stopped (YYYY-MM-DD), if it stopped.")
    serious_side_effects: SideEffects = Field(
        SideEffects.unknown, description="Serious side effects: none, current, past or unknown."
    )


class Concerns(Section):
    cosmetic: bool = False
    scarring: bool = False
    poor_communication: bool = False
    low_confidence: bool = False
    cost: bool = False
    travel: bool = False
    clinical_trials: bool = False


class Insurance(Section):
    plan_name: ShortText | None = None
    coverage_type: CoverageType = CoverageType.unknown
    requires_second_opinion: bool = False
    preauthorization: Preauthorization = Preauthorization.unknown
    network: Network = Network.unknown
    needs_financial_help: bool = False


class Preferences(Section):
    telemedicine: bool = False
    risk_tolerance: RiskTolerance | None = None
    large_print: bool = False


class OriginalPhysician(Section):
    name: ShortText | None = None
    specialty: ShortText | None = None
    practice: ShortText | None = None
    phone: ShortText | None = None
    fax: ShortText | None = None
    address: ShortText | None = None


class ReviewStatus(StrEnum):
    draft = "draft"
    sent_for_review = "sent_for_review"
    checked = "checked"


class Review(Section):
    """A clinician's check of the packet (sop_packets/review.py); any later change clears it."""

    status: ReviewStatus = Field(ReviewStatus.draft, description="draft, sent_for_review or checked.")
    sent_on: date | None = Field(None, description="When it was sent for review (YYYY-MM-DD).")
    checked_by: ShortText | None = Field(None, description="The clinician who checked the packet.")
    role: ShortText | None = Field(None, description="Their role, such as dermatologist.")
    checked_on: date | None = Field(None, description="When they checked it (YYYY-MM-DD).")
    content_hash: str | None = Field(
        None, pattern=r"^sha256:[0-9a-f]{64}$",
        description="Written by the app: the content checked. Any later change clears the check.",
    )

    @model_validator(mode="after")
    def _checked_needs_who(self) -> Review:
        if self.status == ReviewStatus.checked:
            missing = [name for name in ("checked_by", "role", "checked_on", "content_hash")
                       if getattr(self, name) is None]
            if missing:
                raise ValueError(f"a checked packet needs {', '.join(missing)}; "
                                 "mark it checked in the app's review page")
        return self


class Profile(Section):
    """One patient's profile: the whole YAML file."""

    schema_version: Literal[1]
    patient: Patient
    diagnosis: Diagnosis
    treatment_plan: TreatmentPlan = Field(default_factory=TreatmentPlan)
    current_treatment: CurrentTreatment = Field(default_factory=CurrentTreatment)
    concerns: Concerns = Field(default_factory=Concerns)
    insurance: Insurance = Field(default_factory=Insurance)
    preferences: Preferences = Field(default_factory=Preferences)
    original_physician: OriginalPhysician = Field(default_factory=OriginalPhysician)
    coordinator_note: LongText | None = Field(
        None, description="A short personal note to the patient (Markdown; no HTML)."
    )
    review: Review = Field(default_factory=Review)
