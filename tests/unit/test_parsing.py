"""The pure value parsers (minewatch.kit.parsing) and the country lookups beside them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minewatch.kit.countries import bbox_of, validate_country
from minewatch.kit.findings import ParseProblem
from minewatch.kit.parsing import (
    check_lat_lon,
    fold,
    parse_bool,
    parse_coordinate,
    parse_date,
    parse_datetime,
    parse_float,
    parse_int,
    parse_text,
)

PARSERS = [
    parse_text,
    parse_int,
    parse_float,
    parse_bool,
    parse_date,
    parse_datetime,
    lambda raw: parse_coordinate(raw, axis="lat"),
]


def problem(fn, *args, **kwargs) -> ParseProblem:
    with pytest.raises(ParseProblem) as info:
        fn(*args, **kwargs)
    return info.value


# --- blanks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(
    "raw",
    [None, "", "   ", "\t\n", "NA", "N/A", "n/a", "null", "NULL", "None", "-", " - ", "\ufeff"],
)
def test_every_parser_reads_blank_markers_as_none(parser, raw):
    assert parser(raw) is None


@pytest.mark.parametrize("raw", ["Na", "na", "nd", "?"])
def test_only_the_listed_blank_markers_are_blank(raw):
    assert parse_text(raw) == raw


# --- text ------------------------------------------------------------------------------------


def test_text_is_stripped_collapsed_and_nfc():
    assert parse_text("  Mine\u00a0 de \t Kalimba\n") == "Mine de Kalimba"
    assert parse_text("Cassite\u0301rite") == "Cassitérite"
    assert parse_text("\u200bKamituga\ufeff") == "Kamituga"


def test_text_longer_than_max_len_is_refused():
    assert parse_text("abc", max_len=3) == "abc"
    err = problem(parse_text, "abcd", max_len=3)
    assert err.code == "text_too_long"
    assert "4 characters" in err.reason and "at most 3" in err.reason


# --- integers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        ("-3", -3),
        ("+7", 7),
        ("\u22125", -5),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("1\u202f200", 1200),
        ("1,200", 1200),
        ("1,234,567", 1234567),
        ("1.234.567", 1234567),
        ("1.234,0", 1234),
        ("12.0", 12),
        ("12,0", 12),
        ("1e3", 1000),
        ("0", 0),
    ],
)
def test_int_accepts(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12.5", "not_a_whole_number"),
        ("12,5", "not_a_whole_number"),
        ("abc", "not_a_number"),
        ("12 kg", "not_a_number"),
        ("1.200", "ambiguous_number"),
        ("1,23,4", "not_a_number"),
        ("12 5", "not_a_number"),
        (",234,567", "not_a_number"),
        ("1,,234", "not_a_number"),
        ("+", "not_a_number"),
        ("--5", "not_a_number"),
    ],
)
def test_int_rejects_with_a_code(raw, code):
    err = problem(parse_int, raw)
    assert err.code == code
    assert raw.strip() in err.reason or code == "not_a_whole_number"


def test_int_range():
    assert parse_int("5", min=0, max=10) == 5
    assert problem(parse_int, "-1", min=0).code == "below_minimum"
    err = problem(parse_int, "1 000 000", max=10_000)
    assert err.code == "above_maximum"
    assert err.reason == "must be at most 10000, got 1000000"


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([" ", ",", "\u00a0"]))
def test_int_round_trips_through_thousands_separators(n, sep):
    assert parse_int(f"{n:,}".replace(",", sep)) == n


# --- floats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.5", 12.5),
        ("12,5", 12.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1 234,5", 1234.5),
        ("1.234.567,89", 1234567.89),
        ("+3", 3.0),
        (" - 2,25 ", -2.25),
        (".5", 0.5),
        (",5", 0.5),
        ("5.", 5.0),
        ("0,250", 0.25),
        ("1.234", 1.234),
        ("1234,567", 1234.567),
        ("1.5e-3", 0.0015),
        ("2E+05", 200000.0),
    ],
)
def test_float_accepts(raw, expected):
    assert parse_float(raw) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1,234", "ambiguous_number"),
        ("abc", "not_a_number"),
        ("nan", "not_a_number"),
        ("inf", "not_a_number"),
        ("1e400", "not_a_number"),
        ("1.2.3,4,5", "not_a_number"),
        ("1,5.234", "not_a_number"),
        ("1,234.5 6", "not_a_number"),
        ("12,5 mg/l", "not_a_number"),
        ("1/2", "not_a_number"),
    ],
)
def test_float_rejects_with_a_code(raw, code):
    assert problem(parse_float, raw).code == code


def test_ambiguous_number_says_both_readings():
    reason = problem(parse_float, "1,234").reason
    assert "1234" in reason and "1.234" in reason


def test_float_range():
    assert problem(parse_float, "14,5", max=14).reason == "must be at most 14, got 14.5"
    assert parse_float("0", min=0.0) == 0.0


@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
    ),
    st.sampled_from(["en", "fr", "es"]),
)
def test_float_round_trips_through_locale_formats(value, style):
    text = f"{value:,.2f}"  # 1,234,567.89
    if style == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    elif style == "es":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_float(text) == float(value)


# --- booleans --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["1", "true", "TRUE", "t", "Yes", "y", "oui", "OUI", "vrai", "si", "sí", "Sí", "sim", "x", "X"],
)
def test_bool_true(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize(
    "raw", ["0", "false", "FALSE", "f", "No", "n", "non", "faux", "não", "NÃO", "nao"]
)
def test_bool_false(raw):
    assert parse_bool(raw) is False


def test_bool_rejects_other_words():
    err = problem(parse_bool, "peut-être")
    assert err.code == "not_a_yes_no"
    assert "oui/non" in err.reason


# --- dates -----------------------------------------------------------------------------------

JUNE_21 = date(2023, 6, 21)


@pytest.mark.parametrize(
    "raw",
    [
        "2023-06-21",
        "2023-6-21",
        "2023/06/21",
        "2023.06.21",
        "2023-06-21T14:30:00",
        "2023-06-21T14:30:00.123+02:00",
        "2023-06-21 23:59:59Z",
        "21/06/2023",
        "21-06-2023",
        "21.06.2023",
        "21/06/2023 14:30",
        "06/21/2023",  # 21 cannot be a month, so month first
        "45098",
        "45098.75",
        "21 juin 2023",
        "21 JUIN 2023",
        "21 de junio de 2023",
        "21 de junho de 2023",
        "June 21, 2023",
        "June 21st, 2023",
        "Jun 21 2023",
        "21-Jun-2023",
        "21 jun. 2023",
        "21 June 2023 2:30 PM",
    ],
)
def test_date_accepts(raw):
    assert parse_date(raw) == JUNE_21


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1er août 2023", date(2023, 8, 1)),
        ("3 de março de 2024", date(2024, 3, 3)),
        ("15 février 2024", date(2024, 2, 15)),
        ("2 setiembre 2022", date(2022, 9, 2)),
        ("5 out 2021", date(2021, 10, 5)),
        ("12 dic. 2020", date(2020, 12, 12)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_date_month_names_and_leap_day(raw, expected):
    assert parse_date(raw) == expected


def test_day_first_unless_told_otherwise():
    assert parse_date("03/04/2023") == date(2023, 4, 3)
    assert parse_date("03/04/2023", dayfirst=False) == date(2023, 3, 4)
    assert parse_date("13/04/2023", dayfirst=False) == date(2023, 4, 13)
    assert parse_date("8/1/2008 0:00", dayfirst=False) == date(2008, 8, 1)  # NASA catalogue style


@pytest.mark.parametrize(
    ("raw", "code", "reason"),
    [
        ("2023-02-30", "impossible_date", "day 30 does not exist in February 2023"),
        ("2023-02-29", "impossible_date", "day 29 does not exist in February 2023"),
        ("31/04/2023", "impossible_date", "day 31 does not exist in April 2023"),
        ("2023-13-01", "impossible_date", "month 13 does not exist"),
        ("21/23/2023", "impossible_date", "in '21/23/2023' neither 21 nor 23 can be a month"),
        (
            "21/06/23",
            "two_digit_year",
            "the year '23' has only two digits: write all four, e.g. 2023 rather than 23",
        ),
        ("21 juin 23", "two_digit_year", None),
        ("21-Jun-23", "two_digit_year", None),
        ("21/06", "not_a_date", None),
        ("2023", "not_a_date", "'2023' is only a year: write the full date, e.g. 2023-06-21"),
        ("12345", "not_a_date", None),
        ("Junio 2024", "not_a_date", None),
        ("hier", "not_a_date", None),
        ("21 juin 2023 !!", "not_a_date", None),
        ("21/06/2023 25:00", "impossible_time", "hour 25 does not exist"),
        ("2023-06-21T10:61", "impossible_time", "minute 61 does not exist"),
        ("2023-06-21T10:00+15:00", "impossible_time", "time zone offset +15:00 does not exist"),
        ("2023-06-21T10:00 midi", "not_a_time", None),
    ],
)
def test_date_rejects(raw, code, reason):
    err = problem(parse_date, raw)
    assert err.code == code
    if reason:
        assert err.reason == reason


MONTHS_FR = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
)
MONTHS_ES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
).split()
MONTHS_EN = (
    "January February March April May June July August September October November December".split()
)


@given(st.dates(min_value=date(1955, 1, 1), max_value=date(2100, 12, 31)))
def test_date_round_trips_through_common_formats(d):
    forms = [
        d.isoformat(),
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}.{d.month}.{d.year}",
        f"{d.day} {MONTHS_FR[d.month - 1]} {d.year}",
        f"{d.day} de {MONTHS_ES[d.month - 1]} de {d.year}",
        f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}",
        str((d - date(1899, 12, 30)).days),
    ]
    assert {parse_date(f) for f in forms} == {d}
    assert parse_date(f"{d.month}/{d.day}/{d.year}", dayfirst=False) == d


def test_datetime_naive_without_zone():
    assert parse_datetime("21/06/2023 14:30") == datetime(2023, 6, 21, 14, 30)
    assert parse_datetime("2023-06-21") == datetime(2023, 6, 21)
    assert parse_datetime("June 21, 2023 12:05 AM") == datetime(2023, 6, 21, 0, 5)
    assert parse_datetime("2023-06-21T14:30:15.1234567") == datetime(
        2023, 6, 21, 14, 30, 15, 123456
    )


def test_datetime_serial_keeps_the_time_of_day():
    assert parse_datetime("45098.75") == datetime(2023, 6, 21, 18, 0)


def test_datetime_with_offset_is_utc():
    assert parse_datetime("2023-06-21T14:30:00+02:00") == datetime(2023, 6, 21, 12, 30, tzinfo=UTC)
    assert parse_datetime("2023-06-21T14:30:00-0330").utcoffset() == timedelta(0)
    assert parse_datetime("2023-06-21T14:30Z") == datetime(2023, 6, 21, 14, 30, tzinfo=UTC)
    assert parse_datetime("2023-06-21 00:30 +02") == datetime(2023, 6, 20, 22, 30, tzinfo=UTC)


def test_datetime_local_zone_given():
    kinshasa = ZoneInfo("Africa/Kinshasa")  # UTC+1, no daylight saving
    got = parse_datetime("21/06/2023 14:30", tz=kinshasa)
    assert got == datetime(2023, 6, 21, 13, 30, tzinfo=UTC)
    assert got.tzinfo is UTC
    # an explicit offset in the text wins over the zone given
    assert parse_datetime("2023-06-21T14:30+02:00", tz=kinshasa).hour == 12


def test_date_keeps_the_local_date_of_a_datetime():
    assert parse_date("2023-06-21T23:30:00-05:00") == JUNE_21


# --- coordinates -----------------------------------------------------------------------------

S_2_30_15 = -(2 + 30 / 60 + 15 / 3600)


@pytest.mark.parametrize(
    "raw",
    [
        "2°30'15\"S",
        "2° 30' 15\" S",
        "2º30'15''S",
        "2˚30′15″S",
        "2°30’15”S",
        "S 2 30 15",
        "S2°30'15\"",
        "-2 30 15",
        "- 2°30'15\"",
        "2d30m15sS",
        "2d 30m 15s S",
        "2:30:15 S",
        "2 30 15 sud",
        "2 30 15 Sur",
        "2 30 15 SUL",
        "2°30.25'S",
        "-2,504166666666667",
        "-2.504166666666667",
        "-2°30'15\"S",  # a minus sign with S says the same thing twice
    ],
)
def test_coordinate_forms_of_the_same_latitude(raw):
    assert parse_coordinate(raw, axis="lat") == pytest.approx(S_2_30_15, abs=1e-9)


def test_coordinate_fractional_seconds_and_west():
    assert parse_coordinate("2° 30' 15.5\" S", axis="lat") == pytest.approx(
        -(2 + 30 / 60 + 15.5 / 3600)
    )
    assert parse_coordinate("28°51'O", axis="lon") == pytest.approx(-(28 + 51 / 60))
    assert parse_coordinate("28 51 W", axis="lon") == pytest.approx(-(28 + 51 / 60))
    assert parse_coordinate("Oeste 70.5", axis="lon") == -70.5
    assert parse_coordinate("28.88 E", axis="lon") == 28.88
    assert parse_coordinate("28,88 Est", axis="lon") == 28.88
    assert parse_coordinate("48.5 L", axis="lon") == 48.5
    assert parse_coordinate("0.337 N", axis="lat") == 0.337
    assert parse_coordinate("+0.337", axis="lat") == 0.337


@pytest.mark.parametrize(
    ("raw", "axis", "code"),
    [
        ("2°30'15\"N", "lon", "hemisphere_wrong_axis"),
        ("28 E", "lat", "hemisphere_wrong_axis"),
        ("-2 N", "lat", "sign_conflicts_with_hemisphere"),
        ("95.2", "lat", "latitude_out_of_range"),
        ("-90.0001", "lat", "latitude_out_of_range"),
        ("181", "lon", "longitude_out_of_range"),
        ("95 S", "lat", "latitude_out_of_range"),
        ("2 75 15 S", "lat", "minutes_out_of_range"),
        ("2 30 60 S", "lat", "seconds_out_of_range"),
        ("2°60'S", "lat", "minutes_out_of_range"),
        ("2.5 30 S", "lat", "not_a_coordinate"),
        ("2 30.5 15 S", "lat", "not_a_coordinate"),
        ("abc", "lat", "not_a_coordinate"),
        ("2 S 30", "lat", "not_a_coordinate"),
        ("S 2 30 E", "lat", "not_a_coordinate"),
        ("2 30 15 X", "lat", "not_a_coordinate"),
        ("2' 30", "lat", "not_a_coordinate"),
        ('2° 15" S', "lat", "not_a_coordinate"),
        ("2 30 15 10", "lat", "not_a_coordinate"),
        ("-2.5, 28.8", "lat", "not_a_coordinate"),
        ("+-2.5", "lat", "not_a_coordinate"),
        ("--2.5", "lat", "not_a_coordinate"),
    ],
)
def test_coordinate_rejects(raw, axis, code):
    assert problem(parse_coordinate, raw, axis=axis).code == code


def test_coordinate_reasons_are_plain_words():
    assert (
        problem(parse_coordinate, "95.2", axis="lat").reason
        == "latitude must be between -90 and 90, got 95.2"
    )
    assert (
        problem(parse_coordinate, "-200", axis="lon").reason
        == "longitude must be between -180 and 180, got -200"
    )
    assert (
        problem(parse_coordinate, "2 75 S", axis="lat").reason == "minutes must be below 60, got 75"
    )
    assert "belongs to a latitude" in problem(parse_coordinate, "28 N", axis="lon").reason


def test_coordinate_axis_must_be_lat_or_lon():
    with pytest.raises(ValueError, match="axis"):
        parse_coordinate("1", axis="x")  # type: ignore[arg-type]


DMS_STYLES = [
    "{d}°{m}'{s}\"{h}",
    "{d}° {m}' {s}\" {h}",
    "{h} {d} {m} {s}",
    "{d}d{m}m{s}s{h}",
    "{d}:{m}:{s} {h}",
    "{d}º{m}′{s}″{h}",
]


@given(
    st.sampled_from(["lat", "lon"]),
    st.integers(0, 179),
    st.integers(0, 59),
    st.decimals(min_value=0, max_value="59.99", places=2),
    st.booleans(),
    st.sampled_from(DMS_STYLES),
    st.booleans(),
)
def test_dms_round_trip(axis, d, m, s, negative, style, comma):
    if axis == "lat":
        d = d % 90
    hemisphere = {("lat", False): "N", ("lat", True): "S", ("lon", False): "E", ("lon", True): "W"}[
        (axis, negative)
    ]
    text = style.format(d=d, m=m, s=s, h=hemisphere)
    if comma:
        text = text.replace(".", ",")
    expected = (d + m / 60 + float(s) / 3600) * (-1 if negative else 1)
    assert parse_coordinate(text, axis=axis) == pytest.approx(expected, abs=1e-9)


@given(st.floats(min_value=-90, max_value=90, allow_nan=False))
def test_decimal_degrees_round_trip(value):
    assert parse_coordinate(f"{value:.12f}", axis="lat") == pytest.approx(value, abs=1e-11)
    assert parse_coordinate(f"{value:.12f}".replace(".", ","), axis="lat") == pytest.approx(
        value, abs=1e-11
    )


# --- lat/lon against the country ------------------------------------------------------------

CD_BOX = (12.21, -13.459, 31.281, 5.376)


def cd_only(iso2: str):
    return CD_BOX if iso2 == "CD" else None


def test_point_inside_country_is_kept():
    assert check_lat_lon(-2.5, 28.8, country="CD", bbox_of=cd_only) == (-2.5, 28.8, None)


def test_margin_of_half_a_degree():
    assert check_lat_lon(5.8, 28.8, country="CD", bbox_of=cd_only)[2] is None
    assert check_lat_lon(5.9, 28.8, country="CD", bbox_of=cd_only)[2].code == "outside_country"


def test_swapped_point_is_swapped_with_a_warning():
    lat, lon, warning = check_lat_lon(28.8, -2.5, country="CD", bbox_of=cd_only)
    assert (lat, lon) == (-2.5, 28.8)
    assert warning.severity == "warning"
    assert warning.code == "lat_lon_swapped"
    assert warning.reason == "latitude and longitude look swapped for CD: swapped them"
    located = dataclasses.replace(warning, row=7, column="latitude")
    assert located.describe().startswith("WARNING row 7, column 'latitude':")


def test_point_outside_is_not_moved_and_hints_at_the_sign():
    lat, lon, warning = check_lat_lon(48.85, 2.35, country="CD", bbox_of=cd_only)
    assert (lat, lon) == (48.85, 2.35)
    assert warning.code == "outside_country"
    assert "outside CD" in warning.reason
    assert "check N/S" in check_lat_lon(10.0, 28.8, country="CD", bbox_of=cd_only)[2].reason
    assert "check E/W" in check_lat_lon(-2.5, -28.8, country="CD", bbox_of=cd_only)[2].reason


def test_no_country_or_no_box_means_no_check():
    assert check_lat_lon(48.85, 2.35, country=None, bbox_of=cd_only) == (48.85, 2.35, None)
    assert check_lat_lon(48.85, 2.35, country="FR", bbox_of=cd_only) == (48.85, 2.35, None)


def test_with_packaged_boxes():
    assert check_lat_lon(29.0, -1.9, country="RW", bbox_of=bbox_of)[:2] == (-1.9, 29.0)
    assert check_lat_lon(-1.9, 29.0, country="RW", bbox_of=bbox_of)[2] is None
    assert check_lat_lon(-16.5, -68.15, country="BO", bbox_of=bbox_of)[2] is None  # La Paz


# --- countries -------------------------------------------------------------------------------

ASM_COUNTRIES = (
    "CD RW BI UG TZ KE GH BF ML NE CI GN SL LR SN CM CF TD SD ZW ZM MZ MG ET NG PE BO CO EC VE GY "
    "SR BR MX HN NI GT PH ID MM LA MN PG CN IN"
).split()


@pytest.mark.parametrize("code", ASM_COUNTRIES)
def test_every_asm_country_has_a_box_and_its_codes(code):
    import pycountry

    min_lon, min_lat, max_lon, max_lat = bbox_of(code)
    assert -180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90
    assert validate_country(code) == validate_country(code.lower()) == code
    assert validate_country(pycountry.countries.get(alpha_2=code).alpha_3) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("DR Congo", "CD"),
        ("République démocratique du Congo", "CD"),
        ("Republique Democratique du Congo", "CD"),
        ("RDC", "CD"),
        ("Congo (Kinshasa)", "CD"),
        ("República Democrática del Congo", "CD"),
        ("Congo-Brazzaville", "CG"),
        ("Côte d'Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("Costa de Marfil", "CI"),
        ("Tanzanie", "TZ"),
        ("Bolivie", "BO"),
        ("Birmanie", "MM"),
        ("Burma", "MM"),
        ("Laos", "LA"),
        ("Pérou", "PE"),
        ("Brasil", "BR"),
        ("Moçambique", "MZ"),
        ("Tchad", "TD"),
        ("Centrafrique", "CF"),
        ("Ouganda", "UG"),
        ("Papouasie-Nouvelle-Guinée", "PG"),
        ("  the   Philippines ", "PH"),
    ],
)
def test_country_names_in_en_fr_es_pt(raw, code):
    assert validate_country(raw) == code


def test_congo_alone_is_ambiguous():
    err = problem(validate_country, "Congo")
    assert err.code == "ambiguous_country"
    assert "CD or CG" in err.reason


def test_unknown_country():
    err = problem(validate_country, "Atlantis")
    assert err.code == "unknown_country"
    assert "two-letter ISO code" in err.reason
    assert problem(validate_country, "ZZ").code == "unknown_country"
    assert validate_country("  ") is None


def test_bbox_of_unknown_is_none():
    assert bbox_of("ZZ") is None
    assert bbox_of("cd") == bbox_of("CD")


def test_fold():
    assert fold("NÃO") == "nao"
    assert fold("Équateur") == "equateur"
