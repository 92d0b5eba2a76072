"""The parameter vocabulary (water/parameters.csv) and the pure cell readers of water/importing.py."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from minewatch.kit.findings import ParseProblem
from minewatch.water.importing import parse_value, utm_to_lonlat
from minewatch.water.vocabulary import vocabulary
from tests.shared_data import shared_data_path


@pytest.mark.parametrize("label, expected", [
    ("Arsénico total", ("arsenic", "total")),
    ("Arsenico disuelto", ("arsenic", "dissolved")),
    ("Plomo disuelto", ("lead", "dissolved")),
    ("Mercurio total", ("mercury", "total")),
    ("Cianuros", ("cyanide_total", "unspecified")),
    ("Cianuros libre", ("cyanide_free", "unspecified")),
    ("pH", ("ph", "unspecified")),
    ("pH (mV)", ("ph_potential", "unspecified")),
    ("Conductividad específica (T ref. 25°C)", ("conductivity", "unspecified")),
    ("Dureza total", ("hardness", "unspecified")),  # "total" belongs to the name, not a fraction
    ("Sólidos disueltos totales", ("tds", "unspecified")),
    ("Mercurio (ug/kg fraccion)", ("mercury", "unspecified")),
    ("Pb", ("lead", "unspecified")),
    ("plomb dissous", ("lead", "dissolved")),
    ("Mercury", ("mercury", "unspecified")),
])
def test_labels_in_three_languages(label, expected):
    assert vocabulary().match(label) == expected


def test_unknown_label_is_none():
    assert vocabulary().match("Resistividad") is None
    assert vocabulary().match("Colour of the sky") is None


def test_cas_numbers_and_units_of_key_metals():
    # CAS Registry Numbers of the elements (CAS Common Chemistry).
    v = vocabulary()
    assert {k: v[k].cas for k in ("arsenic", "lead", "mercury", "cadmium")} == {
        "arsenic": "7440-38-2", "lead": "7439-92-1", "mercury": "7439-97-6", "cadmium": "7440-43-9"}
    assert v["arsenic"].is_concentration and not v["ph"].is_concentration
    assert v["ph"].accepts_unit("u pH ") and not v["ph"].accepts_unit("mg/L")


@pytest.mark.shared_data
def test_every_metal_row_of_the_pilcomayo_files_is_mapped():
    """Every metal row of the 2024 Pilcomayo.net exports (SOURCE.md) names a parameter; only rows of
    suspended solids (calculated), textures, grain sizes and the like stay unmapped."""
    v = vocabulary()
    metals = ("arsen", "plomo", "mercur", "cadmi", "cobre", "zinc", "selen", "bismut", "talio", "cromo", "mangan",
              "niquel", "níquel", "plata", "hierro", "boro", "antimon", "alumin", "bario", "cobalt", "molibd")
    for name in ("calidad_agua_20250711060422.csv", "calidad_sedimentos_20250711060913.csv"):
        path = shared_data_path("pilcomayo-mining-water-quality", name)
        with open(path, encoding="utf-8-sig", newline="") as f:
            labels = [row[0] for row in csv.reader(f) if row and row[0]]
        for label in labels:
            low = label.lower()
            if any(m in low for m in metals) and "suspensi" not in low:
                assert v.match(label) is not None, label


@pytest.mark.parametrize("raw, expected", [
    ("<1", (Decimal("1"), "<")),
    ("< 0,5", (Decimal("0.5"), "<")),
    ("<0.5", (Decimal("0.5"), "<")),
    ("0,03", (Decimal("0.03"), None)),
    ("12.30", (Decimal("12.30"), None)),
    (">1100", (Decimal("1100"), ">")),
    ("1.234,5", (Decimal("1234.5"), None)),
])
def test_values(raw, expected):
    assert parse_value(raw) == expected


@pytest.mark.parametrize("raw, code", [("ND", "no_detection_limit"), ("<LOD", "no_detection_limit"),
                                       ("z10", "not_a_number"), ("<0", "bad_detection_limit")])
def test_bad_values(raw, code):
    with pytest.raises(ParseProblem) as e:
        parse_value(raw)
    assert e.value.code == code


def test_utm_zone_20s():
    # ITA point 1 (Río Pilaya, X 372486.5, Y 7660543.8): zone 20 S puts it at about 64.23 W, 21.15 S,
    # inside the 65.3-64.0 W, 21.5-19.3 S window SOURCE.md gives for the ITA points.
    lon, lat = utm_to_lonlat(372486.5, 7660543.8, "20S")
    assert -64.24 < lon < -64.22 and -21.16 < lat < -21.14
