"""`sop-packets import csv`: spreadsheet rows to profiles, located errors, Excel's quirks, mapping files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from sop_packets.cli import cli
from sop_packets.importers.csv_import import columns
from sop_packets.profile import load_profile

DATA = Path(__file__).parent / "data" / "csv"
CANCER_TYPES = ("melanoma, basal_cell_carcinoma, squamous_cell_carcinoma, merkel_cell_carcinoma, skin_lymphoma, "
                "kaposi_sarcoma, angiosarcoma, sebaceous_carcinoma, atypical_fibroxanthoma, "
                "pleomorphic_dermal_sarcoma, other, uncertain")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_template_has_every_column_and_its_example_row_imports(tmp_path):
    result = run("import", "csv", "--template")
    assert result.exit_code == 0
    header, example = list(csv.reader(io.StringIO(result.output)))
    assert example[header.index("diagnosis.cancer_type")] == "melanoma"
    assert header == list(columns())
    assert {"patient.id", "diagnosis.pathology.borderline", "treatment_plan.proposed", "coordinator_note"} <= set(header)
    path = tmp_path / "t.csv"
    path.write_text(result.output)
    imported = run("import", "csv", path, "-o", tmp_path / "out")
    assert imported.exit_code == 0, imported.output
    profile = load_profile(tmp_path / "out" / "clinic-00123.yaml")
    assert profile.patient.comorbidities == ["high blood pressure", "asthma"]
    assert profile.treatment_plan.proposed == ["wide_local_excision"]
    assert profile.concerns.low_confidence is True
    assert profile.patient.phone == "(614) 555-0147"


def test_excel_export_bom_semicolons_crlf_and_one_bad_row(tmp_path):
    out = tmp_path / "out"
    result = run("import", "csv", DATA / "patients-excel.csv", "-o", out)
    assert result.exit_code == 1
    assert (f"{DATA / 'patients-excel.csv'}:3:4 (diagnosis.cancer_type): 'melanom' is not allowed; use one of: "
            f"{CANCER_TYPES}. Did you mean 'melanoma'?") in result.output
    assert "2 written, 0 unchanged, 1 failed, 3 rows" in result.output
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["csv-01.yaml", "csv-03.yaml"]
    rosa = load_profile(out / "csv-01.yaml")
    assert rosa.patient.id == "csv-01"  # the BOM is not part of the first column's name
    assert rosa.patient.comorbidities == ["diabetes", "asthma"]
    assert rosa.concerns.cost is True and rosa.patient.age == 61
    text = (out / "csv-01.yaml").read_text()
    assert "  cancer_type: basal_cell_carcinoma  # patients-excel.csv row 2, column 4 (diagnosis.cancer_type)" in text
    assert run("validate", out).exit_code == 0


def test_errors_use_the_profile_words_with_row_and_column(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id,patient.name,patient.age,diagnosis.cancer_type,diagnosis.diagnosed_by,patient.country\n"
                    "a,A,200,melanoma,dermatologist,Germany\n"
                    "b,,40,melanoma,dermatologist,DE\n"
                    "c,C,40,melanoma,,US\n", encoding="utf-8")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{path}:2:3 (patient.age): must be between 0 and 120 (years), not '200'" in result.output
    assert f"{path}:2:6 (patient.country): 'Germany' is not a two-letter country code such as US, CA or DE" in result.output
    assert f"{path}:3:2 (patient.name): this field is required but missing" in result.output
    assert f"{path}:4:5 (diagnosis.diagnosed_by): this field is required but missing" in result.output
    assert "0 written, 0 unchanged, 3 failed, 3 rows" in result.output


def test_missing_required_column_is_named(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id,patient.name,patient.age,diagnosis.cancer_type\nx,X,5,melanoma\n")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert (f"{path}:2:1 (diagnosis.diagnosed_by): this field is required but missing; add a "
            "diagnosis.diagnosed_by column") in result.output


def test_unknown_column_stops_before_any_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id,patient.name,patient.age,diagnoses.cancer_type,diagnosis.diagnosed_by\n"
                    "x,X,5,melanoma,surgeon\n")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert (f"{path}:1:4 (diagnoses.cancer_type): unknown column 'diagnoses.cancer_type'; did you mean "
            "'diagnosis.cancer_type'?") in result.output
    assert not (tmp_path / "out").exists()


def test_two_columns_for_one_field(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id,Name,patient.name\nx,A,B\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  Name: patient.name\n")
    result = run("import", "csv", path, "--map", mapping, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{path}:1:3 (patient.name): this column and column 2 both fill patient.name; keep one" in result.output


def test_duplicate_ids_fail_both_rows(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id,patient.name,patient.age,diagnosis.cancer_type,diagnosis.diagnosed_by\n"
                    "same,A,5,melanoma,surgeon\nsame,B,6,melanoma,surgeon\nother,C,7,melanoma,surgeon\n")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{path}:2:1 (patient.id): patient.id 'same' is also used in row 3" in result.output
    assert f"{path}:3:1 (patient.id): patient.id 'same' is also used in row 2" in result.output
    assert [p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")] == ["other.yaml"]


def test_clinic_column_names_through_a_mapping_file(tmp_path):
    out = tmp_path / "out"
    result = run("import", "csv", DATA / "clinic-export.csv", "--map", DATA / "clinic-columns.yaml", "-o", out)
    assert result.exit_code == 0, result.output
    ada = load_profile(out / "000123.yaml")
    assert (ada.patient.id, ada.diagnosis.cancer_type, ada.diagnosis.diagnosed_by) == (
        "000123", "melanoma", "dermatologist")
    assert ada.insurance.coverage_type == "medicare"
    assert "  cancer_type: melanoma  # clinic-export.csv row 2, column 4 (Dx)" in (out / "000123.yaml").read_text()


def test_mapping_errors_are_located_in_the_mapping_file(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  MRN: patient.idd\n")
    result = run("import", "csv", DATA / "clinic-export.csv", "--map", mapping, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{mapping}:2:8: columns.MRN: 'patient.idd' is not a profile field; did you mean 'patient.id'?" in result.output


def test_a_bad_value_in_a_mapped_column_names_the_clinics_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("MRN,Full name,DOB,Dx,Seen by\n1,A,1950-01-01,XX,Derm\n")
    result = run("import", "csv", path, "--map", DATA / "clinic-columns.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{path}:2:4 (Dx): 'XX' is not allowed; use one of: {CANCER_TYPES}." in result.output


def test_not_utf8_and_binary_files(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("patient.id,patient.name\nx,Jos\xe9\n".encode("latin-1"))
    result = run("import", "csv", latin, "-o", tmp_path / "out")
    assert result.exit_code == 2 and f"{latin}:2:1: the file is not UTF-8 text; save it as 'CSV UTF-8'" in result.output
    xlsx = tmp_path / "book.csv"
    xlsx.write_bytes(b"PK\x03\x04\x00\x00binary")
    result = run("import", "csv", xlsx, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "this is a binary file (an .xlsx?), not CSV" in result.output
    assert "Traceback" not in result.output


def test_existing_profile_needs_force(tmp_path):
    out = tmp_path / "out"
    assert run("import", "csv", DATA / "clinic-export.csv", "--map", DATA / "clinic-columns.yaml", "-o", out).exit_code == 0
    (out / "000123.yaml").write_text((out / "000123.yaml").read_text() + "coordinator_note: hi\n")
    again = run("import", "csv", DATA / "clinic-export.csv", "--map", DATA / "clinic-columns.yaml", "-o", out)
    assert again.exit_code == 1 and "000123.yaml: exists and differs; not overwritten" in again.output
    assert "coordinator_note: hi" in (out / "000123.yaml").read_text()


def test_csv_needs_a_file_or_template():
    result = run("import", "csv")
    assert result.exit_code == 2 and "give the CSV FILE, or --template" in result.output


def test_imported_rows_build_packets(tmp_path):
    from sop_packets.build import BuildOptions, build_file

    out = tmp_path / "profiles"
    run("import", "csv", DATA / "patients-excel.csv", "-o", out)
    built = build_file(out / "csv-01.yaml", BuildOptions(out_dir=tmp_path / "packets", format="html"))
    assert "Rosa Delgado" in built.outputs[0].read_text()


def test_value_maps_apply_to_each_list_item_and_excel_booleans(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("ID,Name,Age,Dx,By,Plan,Cost worry\nq1,Q,50,melanoma,surgeon,WLE;SLNB,TRUE\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  ID: patient.id\n  Name: patient.name\n  Age: patient.age\n"
                       "  Dx: diagnosis.cancer_type\n  By: diagnosis.diagnosed_by\n  Plan: treatment_plan.proposed\n"
                       "  Cost worry: concerns.cost\n"
                       "values:\n  Plan: {WLE: wide_local_excision, SLNB: sentinel_node_biopsy}\n")
    result = run("import", "csv", path, "--map", mapping, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    profile = load_profile(tmp_path / "out" / "q1.yaml")
    assert profile.treatment_plan.proposed == ["wide_local_excision", "sentinel_node_biopsy"]
    assert profile.concerns.cost is True


def test_a_row_with_more_cells_than_columns(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id,patient.name,patient.age,diagnosis.cancer_type,diagnosis.diagnosed_by\n"
                    "x,Smith, Jo,5,melanoma,surgeon\n")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert (f"{path}:2:6 (no column): this row has more cells than the header has columns (6 > 5); check for a "
            "separator inside a value") in result.output


def test_cells_are_read_as_numbers_dates_and_yes_no(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id;patient.name;patient.date_of_birth;diagnosis.cancer_type;diagnosis.diagnosed_by;"
                    "diagnosis.size_mm;diagnosis.melanoma.breslow_mm;diagnosis.melanoma.ulcerated;patient.pregnant\n"
                    "n1;N;1980-02-29;melanoma;surgeon;12.5;0.8;No;FALSE\n"
                    "n2;M;29.02.1980;melanoma;surgeon;big;;maybe;\n")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    profile = load_profile(tmp_path / "out" / "n1.yaml")
    assert (profile.diagnosis.size_mm, profile.diagnosis.melanoma.breslow_mm) == (12.5, 0.8)
    assert profile.diagnosis.melanoma.ulcerated is False and profile.patient.pregnant is False
    assert profile.patient.date_of_birth.isoformat() == "1980-02-29"
    assert f"{path}:3:3 (patient.date_of_birth): must be a date written as YYYY-MM-DD, not '29.02.1980'" in result.output
    assert f"{path}:3:6 (diagnosis.size_mm): must be a number, not 'big'" in result.output
    assert f"{path}:3:8 (diagnosis.melanoma.ulcerated): must be true or false (yes or no also work), not 'maybe'" \
        in result.output


def test_a_phone_column_fills_patient_phone_as_typed_and_junk_is_located(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("patient.id,patient.name,patient.age,patient.phone,diagnosis.cancer_type,diagnosis.diagnosed_by\n"
                    "t1,A,60,6145550101,melanoma,surgeon\n"
                    "t2,B,61,+44 20 7946 0000,melanoma,surgeon\n"
                    "t3,C,62,call after 5,melanoma,surgeon\n")
    result = run("import", "csv", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert load_profile(tmp_path / "out" / "t1.yaml").patient.phone == "6145550101"  # text, not a number
    assert load_profile(tmp_path / "out" / "t2.yaml").patient.phone == "+44 20 7946 0000"
    assert (f"{path}:4:4 (patient.phone): 'call after 5' is not a phone number: write only the number, such as "
            "(614) 555-0101") in result.output
    assert not (tmp_path / "out" / "t3.yaml").exists()


def test_a_clinics_phone_column_through_a_mapping_file(tmp_path):
    path, mapping = tmp_path / "c.csv", tmp_path / "m.yaml"
    path.write_text("MRN,Full name,Age,Phone,Dx,Seen by\n7,Ada,70,(555) 010-3000,melanoma,surgeon\n")
    mapping.write_text("columns:\n  MRN: patient.id\n  Full name: patient.name\n  Age: patient.age\n"
                       "  Phone: patient.phone\n  Dx: diagnosis.cancer_type\n  Seen by: diagnosis.diagnosed_by\n")
    result = run("import", "csv", path, "--map", mapping, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert load_profile(tmp_path / "out" / "7.yaml").patient.phone == "(555) 010-3000"
    assert '  phone: "(555) 010-3000"  # c.csv row 2, column 4 (Phone)' in (tmp_path / "out" / "7.yaml").read_text()
