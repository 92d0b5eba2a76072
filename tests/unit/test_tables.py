"""Streaming table readers (minewatch.adapters.tables) on files made in tmp_path."""

from __future__ import annotations

import codecs
import csv
import json
import tracemalloc
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from minewatch.adapters.tables import EXTRA, GEOMETRY, SAMPLE_BYTES, read_rows, sniff_format
from minewatch.errors import InvalidInput
from minewatch.kit.countries import bbox_of
from minewatch.kit.parsing import check_lat_lon, parse_coordinate, parse_date, parse_float
from tests.shared_data import shared_data_path


def rows_of(path: Path, **kwargs) -> list:
    with read_rows(path, **kwargs) as reader:
        return list(reader)


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


# --- CSV -------------------------------------------------------------------------------------


def test_utf8_csv(tmp_path):
    path = write(tmp_path, "sites.csv", " name , mineral \nKalimba,  Cassitérite \nMukungwe,\n")
    with read_rows(path) as reader:
        assert reader.columns == ["name", "mineral"]
        assert (reader.format, reader.encoding) == ("csv", "utf-8")
        assert list(reader) == [
            (2, {"name": "Kalimba", "mineral": "Cassitérite"}),
            (3, {"name": "Mukungwe", "mineral": None}),
        ]


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffsite,lat\nA,-2.5\n")
    with read_rows(path) as reader:
        assert reader.columns == ["site", "lat"]
        assert reader.encoding == "utf-8-sig"
        assert list(reader) == [(2, {"site": "A", "lat": "-2.5"})]


def test_bom_is_stripped_even_when_the_encoding_is_forced(tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffsite,lat\nA,-2.5\n")
    with read_rows(path, encoding="utf-8") as reader:
        assert reader.columns == ["site", "lat"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path, encoding):
    bom = {"utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    path = write(tmp_path, "u.csv", bom + "site\tminerai\nKamituga\tOr\n".encode(encoding))
    assert rows_of(path) == [(2, {"site": "Kamituga", "minerai": "Or"})]


def test_latin1_csv_with_accents(tmp_path):
    text = (
        "nom;minerai;remarque\n"
        "Kalimba;Cassitérite;accès très difficile\n"
        "Nyabibwe;Wolframite;à pied\n"
    )
    path = write(tmp_path, "legacy.csv", text, encoding="cp1252")
    with read_rows(path) as reader:
        assert reader.encoding == "cp1252"
        rows = list(reader)
    assert rows[0][1] == {
        "nom": "Kalimba",
        "minerai": "Cassitérite",
        "remarque": "accès très difficile",
    }
    assert rows[1][1]["remarque"] == "à pied"


def test_latin_script_legacy_files_are_cp1252_whatever_the_detector_prefers(tmp_path):
    # charset_normalizer alone guesses cp1250 here, which would turn "não" into "năo".
    text = "nome;observação\nSerra Pelada;não há acesso à água\n"
    path = write(tmp_path, "pt.csv", text, encoding="cp1252")
    with read_rows(path) as reader:
        assert reader.encoding == "cp1252"
        assert list(reader) == [(2, {"nome": "Serra Pelada", "observação": "não há acesso à água"})]


def test_non_latin_legacy_encoding_is_detected(tmp_path):
    text = "名称,矿物,省份\n矿山一号,锡石,云南\n矿山二号,钨矿,江西\n金矿,黄金,山东\n"
    with read_rows(write(tmp_path, "cn.csv", text, encoding="gbk")) as reader:
        assert reader.encoding == "gb18030"
        assert list(reader)[0] == (2, {"名称": "矿山一号", "矿物": "锡石", "省份": "云南"})


def test_old_mac_line_endings(tmp_path):
    assert rows_of(write(tmp_path, "mac.csv", "site;lat\rA;1\rB;2\r")) == [
        (2, {"site": "A", "lat": "1"}),
        (3, {"site": "B", "lat": "2"}),
    ]


def test_truncated_utf16_is_refused(tmp_path):
    path = write(
        tmp_path, "u16.csv", codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le") + b"\x00"
    )
    with pytest.raises(InvalidInput, match="u16.csv is not valid utf-16-le text after line 2"):
        rows_of(path)


def test_csv_error_names_the_line(tmp_path):
    path = write(tmp_path, "huge.csv", "a,b\n1,2\n3," + "x" * 200_000 + "\n")
    with pytest.raises(InvalidInput, match=r"huge\.csv, line 3: field larger than field limit"):
        rows_of(path)


def test_non_utf8_byte_after_the_sample_is_still_detected(tmp_path):
    filler = "site,note\n" + "Kalimba,ok\n" * (SAMPLE_BYTES // 10)
    path = write(tmp_path, "late.csv", filler + "Lugushwa,Cassitérite\n", encoding="cp1252")
    with read_rows(path) as reader:
        assert reader.encoding == "cp1252"
        assert list(reader)[-1][1] == {"site": "Lugushwa", "note": "Cassitérite"}


def test_wrong_forced_encoding_names_the_row(tmp_path):
    path = write(tmp_path, "legacy.csv", "nom\nA\nCassitérite\n", encoding="cp1252")
    with pytest.raises(
        InvalidInput,
        match=r"legacy\.csv, line 3 is not valid utf-8 text .*: give the file.s encoding",
    ):
        rows_of(path, encoding="utf-8")


def test_unknown_forced_encoding(tmp_path):
    path = write(tmp_path, "a.csv", "a\n1\n")
    with pytest.raises(InvalidInput, match="unknown text encoding 'klingon'"):
        read_rows(path, encoding="klingon")


def test_semicolons_and_decimal_commas(tmp_path):
    path = write(tmp_path, "fr.csv", "site;latitude;longitude;teneur\nA;-2,504;28,86;12,5\n")
    ((number, row),) = rows_of(path)
    assert row == {"site": "A", "latitude": "-2,504", "longitude": "28,86", "teneur": "12,5"}
    assert parse_float(row["teneur"]) == 12.5


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    path = tmp_path / "d.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows([["a", "b", "c"], ["1", "2,5", "3"]])
    assert rows_of(path) == [(2, {"a": "1", "b": "2,5", "c": "3"})]


def test_sniffing_prefers_the_delimiter_rows_agree_on(tmp_path):
    path = write(tmp_path, "tie.csv", "site;poids (kg, humide)\nA;1,5\nB;2\n")
    with read_rows(path) as reader:
        assert reader.columns == ["site", "poids (kg, humide)"]


def test_delimiter_can_be_forced(tmp_path):
    path = write(tmp_path, "forced.csv", "a;b\n1;2\n")
    assert rows_of(path, delimiter=",") == [(2, {"a;b": "1;2"})]


def test_ragged_rows_empty_lines_and_row_numbers(tmp_path):
    text = "\nsite,lat,lon\nA,1,2\n\nB,3\n,,\nC,4,5,surplus,\nD,6,7,,\n"
    with read_rows(write(tmp_path, "ragged.csv", text)) as reader:
        assert reader.columns == ["site", "lat", "lon"]
        rows = list(reader)
    assert rows == [
        (3, {"site": "A", "lat": "1", "lon": "2"}),
        (5, {"site": "B", "lat": "3", "lon": None}),
        (7, {"site": "C", "lat": "4", "lon": "5", EXTRA: ["surplus", None]}),
        (8, {"site": "D", "lat": "6", "lon": "7"}),  # empty trailing cells are not surplus
    ]


def test_quoted_cells_with_newlines_are_one_spreadsheet_row(tmp_path):
    path = write(tmp_path, "q.csv", 'site,note\nA,"line one\nline two"\nB,"said ""no"""\n')
    assert rows_of(path) == [
        (2, {"site": "A", "note": "line one\nline two"}),
        (3, {"site": "B", "note": 'said "no"'}),
    ]


def test_trailing_unnamed_header_cells_are_dropped_and_inner_ones_named(tmp_path):
    path = write(tmp_path, "h.csv", ",site,,lat;;\n0,A,x,1\n".replace(";", ","))
    with read_rows(path) as reader:
        assert reader.columns == ["column A", "site", "column C", "lat"]
        assert list(reader) == [(2, {"column A": "0", "site": "A", "column C": "x", "lat": "1"})]


def test_duplicate_column_names_are_refused(tmp_path):
    path = write(tmp_path, "dup.csv", "site,lat,site\nA,1,B\n")
    with pytest.raises(
        InvalidInput, match=r"'site' appears twice in the header \(columns A and C\)"
    ):
        read_rows(path)


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="empty.csv is empty"):
        read_rows(write(tmp_path, "empty.csv", "\n\n"))


def test_workbook_named_csv_is_refused(tmp_path):
    path = tmp_path / "book.csv"
    openpyxl.Workbook().save(path)
    with pytest.raises(InvalidInput, match="is an Excel workbook"):
        read_rows(path)


def test_close_before_reading_releases_the_reader(tmp_path):
    reader = read_rows(write(tmp_path, "a.csv", "a\n1\n"))
    reader.close()
    assert list(reader) == []


def test_streams_a_large_csv_in_constant_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("id;site;teneur\n")
        f.writelines(f"{i};Site {i % 97};{i % 1000},5\n" for i in range(200_000))
    assert path.stat().st_size > 4_000_000

    tracemalloc.start()  # slows reading about fivefold: untraced, these rows take ~0.2 s
    try:
        count = 0
        with read_rows(path) as reader:
            for number, row in reader:
                count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000 and number == 200_001 and row["teneur"] == "999,5"
    assert peak < 1_000_000, f"peak traced memory {peak} bytes: the reader is not streaming"


# --- XLSX ------------------------------------------------------------------------------------


def make_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sites"
    sheet.append([None])  # a blank first row: the header is in row 2
    sheet.append(["Site", "Date visite", "Heure", "Ouvriers", "Teneur", "Actif", "Note", ""])
    sheet.append(
        ["Kalimba", date(2023, 6, 21), datetime(2023, 6, 21, 14, 30), 120.0, 0.1, True, "  ok  "]
    )
    sheet.append([])
    sheet.append(["Lugushwa", datetime(2023, 6, 22), None, 7, 1e-7, False, None, None, "surplus"])
    sheet["A8"] = "Nyabibwe"  # rows 6 and 7 stay empty
    other = book.create_sheet("Notes")
    other.append(["clé", "valeur"])
    other.append(["source", "ODK"])
    book.save(path)
    return path


def test_xlsx_values_as_a_person_sees_them(tmp_path):
    with read_rows(make_workbook(tmp_path / "sites.xlsx")) as reader:
        assert reader.format == "xlsx" and reader.encoding is None
        assert reader.columns == [
            "Site",
            "Date visite",
            "Heure",
            "Ouvriers",
            "Teneur",
            "Actif",
            "Note",
        ]
        rows = list(reader)
    assert rows[0] == (
        3,
        {
            "Site": "Kalimba",
            "Date visite": "2023-06-21",
            "Heure": "2023-06-21T14:30:00",
            "Ouvriers": "120",
            "Teneur": "0.1",
            "Actif": "TRUE",
            "Note": "ok",
        },
    )
    assert rows[1] == (
        5,
        {
            "Site": "Lugushwa",
            "Date visite": "2023-06-22",
            "Heure": None,
            "Ouvriers": "7",
            "Teneur": "0.0000001",
            "Actif": "FALSE",
            "Note": None,
            EXTRA: [None, "surplus"],
        },
    )
    assert rows[2][0] == 8
    assert parse_date(rows[0][1]["Date visite"]) == date(2023, 6, 21)


def test_xlsx_named_sheet(tmp_path):
    path = make_workbook(tmp_path / "sites.xlsx")
    assert rows_of(path, sheet="Notes") == [(2, {"clé": "source", "valeur": "ODK"})]
    with pytest.raises(
        InvalidInput, match="has no sheet named 'Carte'; its sheets are: Sites, Notes"
    ):
        read_rows(path, sheet="Carte")


def test_broken_workbook_is_refused(tmp_path):
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(InvalidInput, match=r"broken\.xlsx cannot be opened as an Excel workbook"):
        read_rows(path)


# --- GeoJSON ---------------------------------------------------------------------------------


def test_geojson_properties_and_geometry(tmp_path):
    point = {"type": "Point", "coordinates": [28.86, -2.5]}
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": point,
                "properties": {
                    "nom": " Kalimba ",
                    "surface_ha": 12.0,
                    "actif": True,
                    "minerais": ["Sn", "Ta"],
                },
            },
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"nom": "", "teneur": 0.25, "meta": {"a": "é"}},
            },
            {"type": "Feature", "geometry": point, "properties": None},
        ],
    }
    path = write(tmp_path, "titres.geojson", json.dumps(collection))
    with read_rows(path) as reader:
        assert (reader.format, reader.encoding) == ("geojson", "utf-8")
        assert reader.columns == ["nom", "surface_ha", "actif", "minerais", "teneur", "meta"]
        rows = list(reader)
    assert rows[0] == (
        1,
        {
            "nom": "Kalimba",
            "surface_ha": "12",
            "actif": "true",
            "minerais": '["Sn", "Ta"]',
            "teneur": None,
            "meta": None,
            GEOMETRY: point,
        },
    )
    assert (
        rows[1][1]["teneur"] == "0.25"
        and rows[1][1]["meta"] == '{"a": "é"}'
        and rows[1][1]["nom"] is None
    )
    assert rows[1][1][GEOMETRY] is None
    assert rows[2] == (3, dict.fromkeys(reader.columns) | {GEOMETRY: point})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "bad.geojson is not valid JSON"),
        (
            '{"type": "Feature", "properties": {}}',
            "not a GeoJSON FeatureCollection \\(found 'Feature'\\)",
        ),
        ("[1, 2]", "not a GeoJSON FeatureCollection \\(found 'list'\\)"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Point"}]}',
            "feature 1 is not a GeoJSON Feature",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": [1]}]}',
            "feature 1 has properties that are not an object",
        ),
    ],
)
def test_bad_geojson_is_refused(tmp_path, content, message):
    with pytest.raises(InvalidInput, match=message):
        read_rows(write(tmp_path, "bad.geojson", content))


# --- formats and files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("A.CSV", "csv"),
        ("a.tsv", "csv"),
        ("a.txt", "csv"),
        ("a.xlsx", "xlsx"),
        ("a.xlsm", "xlsx"),
        ("a.geojson", "geojson"),
        ("a.json", "geojson"),
    ],
)
def test_sniff_format(name, fmt):
    assert sniff_format(name) == fmt


def test_unknown_and_old_formats_are_refused():
    with pytest.raises(InvalidInput, match=r"sites\.shp: cannot read '\.shp' files; use \.csv"):
        sniff_format("sites.shp")
    with pytest.raises(InvalidInput, match="no extension"):
        read_rows("README")
    with pytest.raises(InvalidInput, match=r"old-style \.xls workbook: save it as \.xlsx or CSV"):
        read_rows("old.xls")


@pytest.mark.parametrize("name", ["missing.csv", "missing.xlsx", "missing.geojson"])
def test_missing_file_is_named(tmp_path, name):
    with pytest.raises(InvalidInput, match=f"cannot read .*{name}"):
        read_rows(tmp_path / name)


def test_directory_is_not_a_table(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(InvalidInput, match=r"folder\.csv"):
        read_rows(tmp_path / "folder.csv")


# --- real field files ------------------------------------------------------------------------


@pytest.mark.shared_data
def test_ipis_drc_sites_stream_and_parse():
    path = shared_data_path("ipis-drc-asm-sites", "cod_mines_curated_all_opendata_p_ipis.csv")
    with read_rows(path) as reader:
        assert reader.encoding == "utf-8" and "visit_date" in reader.columns
        count = 0
        for _, row in reader:
            lat = parse_coordinate(row["latitude"], axis="lat")
            lon = parse_coordinate(row["longitude"], axis="lon")
            assert check_lat_lon(lat, lon, country="CD", bbox_of=bbox_of)[2] is None
            assert parse_date(row["visit_date"]).year >= 2009
            count += 1
    assert count > 6000
