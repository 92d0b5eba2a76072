"""Pure parsers for the values people type into field forms and spreadsheets.

Each parser takes the raw cell text (or ``None``) and returns a Python value, returns ``None`` for a
blank cell, or raises :class:`~minewatch.kit.findings.ParseProblem` with a stable ``code`` and a
reason a field officer can act on. Blank means empty or whitespace, or one of the markers
``NA``, ``N/A``, ``n/a``, ``null``, ``NULL``, ``None`` and ``-`` (matched exactly, so a person
named "Na" stays a person). The module does no I/O: the country bounding boxes that
:func:`check_lat_lon` needs are passed in (``minewatch.kit.countries.bbox_of``).

What each parser accepts
------------------------
parse_text
    Any text. Strips, collapses runs of whitespace to one space, drops zero-width spaces and
    byte-order marks, normalises to Unicode NFC; ``max_len`` counts characters after that.
parse_int
    ``12``, ``-3``, ``+7``, ``1 200`` (any space, including no-break), ``1,200`` and
    ``1.234.567`` (thousands), ``12.0``, ``1.200,0``, ``1e3``. Rejects ``12.5`` (not whole) and
    ``1.200`` (1200 or 1.2?).
parse_float
    ``12.5``, ``12,5`` (decimal comma), ``1.234,5``, ``1,234.5``, ``1 234,5``, ``+3``, ``.5``,
    ``1.5e-3``; a lone point is always the decimal point. Rejects ``1,234`` (1234 or 1.234?),
    badly grouped thousands (``1,23,4``), ``nan`` and ``inf``.
parse_bool
    true: 1, true, t, yes, y, oui, vrai, si, sí, sim, x. false: 0, false, f, no, n, non, faux,
    não, nao. Case and accents are ignored.
parse_date
    ``2023-06-21`` (also with ``/`` or ``.``), ISO date-times (the date as written is kept),
    ``21/06/2023``, ``21-06-2023``, ``21.06.2023`` (day first unless ``dayfirst=False``; a field
    above 12 settles it either way), spreadsheet serial numbers 20000 to 80000 (``45098`` is
    2023-06-21), month names in English, French, Spanish and Portuguese (``21 juin 2023``,
    ``21 de junio de 2023``, ``June 21, 2023``, ``21-Jun-2023``, ``1er août 2023``). Rejects
    two-digit years and days that do not exist.
parse_datetime
    What ``parse_date`` accepts followed by ``T`` or a space and ``14:30``, ``14:30:15``,
    ``14:30:15.123``, ``2:30 PM``, optionally ending in ``Z``, ``+02:00``, ``+0200`` or ``+02``;
    serial numbers with a fraction of a day. A date alone means midnight.
parse_coordinate
    Decimal degrees (``-2.504``, ``-2,504``), degrees-minutes-seconds, degrees-decimal-minutes:
    ``2°30'15"S``, ``2° 30' 15.5" S``, ``S 2 30 15``, ``-2 30 15``, ``2d30m15sS``, ``2:30:15 S``,
    ``2°30.25'S``; also ``º``/``˚`` for degrees, ``′``/``’`` for minutes, ``″``/``''`` for seconds.
    Hemisphere letters or words: N, S, E, W, O (ouest, oeste) and L (leste), or North, Nord,
    Norte, Sud, Sur, Sul, Est, Este, West, Ouest, Oeste...
check_lat_lon
    Not a parser: checks a parsed point against a country's bounding box, swapping latitude and
    longitude when only the swapped point fits.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Literal

from minewatch.kit.findings import ParseProblem, Problem

BBox = tuple[float, float, float, float]
"""A bounding box as (min_lon, min_lat, max_lon, max_lat) in WGS84 degrees."""

BLANK_MARKERS = frozenset({"", "NA", "N/A", "n/a", "null", "NULL", "None", "-"})

COUNTRY_MARGIN_DEG = 0.5

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\ufeff"))


def fold(text: str) -> str:
    """Casefold and strip accents, for matching words typed in any case or accent.

    >>> fold("Sí")
    'si'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _clean(raw: str | None) -> str | None:
    """The stripped text, or None when the cell is blank."""
    if raw is None:
        return None
    text = raw.translate(_INVISIBLE).strip()
    return None if text in BLANK_MARKERS else text


def _check_range(value, minimum, maximum):
    if minimum is not None and value < minimum:
        raise ParseProblem("below_minimum", f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ParseProblem("above_maximum", f"must be at most {maximum}, got {value}")
    return value


# ---------------------------------------------------------------------------------------------
# text, numbers, booleans
# ---------------------------------------------------------------------------------------------


def parse_text(raw: str | None, *, max_len: int | None = None) -> str | None:
    """Tidy free text: strip, collapse whitespace, NFC-normalise.

    >>> parse_text("  Mine   de\\tKalimba ")
    'Mine de Kalimba'
    """
    text = _clean(raw)
    if text is None:
        return None
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if max_len is not None and len(text) > max_len:
        raise ParseProblem(
            "text_too_long", f"text is {len(text)} characters long; at most {max_len} are allowed"
        )
    return text


_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d+")
_NUMBER_BODY = re.compile(r"[\d.,\s]*\d[\d.,\s]*")
_THOUSANDS_LOOKALIKE = re.compile(r"[1-9]\d{0,2}")


def _decimal(text: str, *, whole: bool) -> Decimal:
    """Read a number written with any common thousands and decimal separators."""
    body = text.replace("\u2212", "-")
    sign = ""
    if body[0] in "+-":
        sign, body = body[0].replace("+", ""), body[1:].lstrip()
    if _EXPONENT.fullmatch(body):
        return Decimal(sign + body)
    if not _NUMBER_BODY.fullmatch(body):
        raise ParseProblem("not_a_number", f"'{text}' is not a number")

    marks = [ch for ch in body if ch in ".,"]
    point: str | None = None  # the decimal separator
    thousands = ""
    if len(set(marks)) == 2:
        point = marks[-1]
        thousands = "," if point == "." else "."
        if marks.count(point) > 1:
            raise ParseProblem("not_a_number", f"'{text}' has more than one decimal separator")
    elif len(marks) > 1:
        thousands = marks[0]
    elif marks:
        head, _, tail = body.partition(marks[0])
        if len(tail) == 3 and _THOUSANDS_LOOKALIKE.fullmatch(head.strip()):
            if whole and marks[0] == ",":
                thousands = ","
            elif whole or marks[0] == ",":
                head = head.strip()
                raise ParseProblem(
                    "ambiguous_number",
                    f"'{text}' could mean {head}{tail} or {head}.{tail}: write it as one of those",
                )
            else:
                point = "."
        else:
            point = marks[0]

    integer, _, fraction = body.partition(point) if point else (body, "", "")
    separators = r"\s+" + (f"|{re.escape(thousands)}" if thousands else "")
    groups = re.split(separators, integer.strip())
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise ParseProblem(
            "not_a_number",
            f"'{text}' is not a number: thousands separators must split the digits in groups "
            "of three, as in 1 234 567",
        )
    if fraction and not fraction.isdigit():
        raise ParseProblem("not_a_number", f"'{text}' is not a number")
    return Decimal(f"{sign}{''.join(groups) or '0'}.{fraction or '0'}")


def parse_int(raw: str | None, *, min: int | None = None, max: int | None = None) -> int | None:
    """Parse a whole number, allowing thousands separators and a zero decimal part.

    >>> parse_int("1 200"), parse_int("1,200"), parse_int("12.0")
    (1200, 1200, 12)
    """
    text = _clean(raw)
    if text is None:
        return None
    number = _decimal(text, whole=True)
    if number != number.to_integral_value():
        raise ParseProblem("not_a_whole_number", f"'{text}' is not a whole number")
    return _check_range(int(number), min, max)


def parse_float(
    raw: str | None, *, min: float | None = None, max: float | None = None
) -> float | None:
    """Parse a decimal number written with a decimal point or a decimal comma.

    >>> parse_float("12,5"), parse_float("1.234,5"), parse_float("1,234.5")
    (12.5, 1234.5, 1234.5)
    """
    text = _clean(raw)
    if text is None:
        return None
    # A plain "-2.5042" means the same to float() as to _decimal, which is for separators.
    value = float(text) if _PLAIN_DECIMAL.fullmatch(text) else float(_decimal(text, whole=False))
    if math.isinf(value):
        raise ParseProblem("not_a_number", f"'{text}' is too large to be a measurement")
    return _check_range(value, min, max)


_TRUE = frozenset({"1", "true", "t", "yes", "y", "oui", "vrai", "si", "sim", "x"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "non", "faux", "nao"})


def parse_bool(raw: str | None) -> bool | None:
    """Parse a yes/no answer in English, French, Spanish or Portuguese.

    >>> parse_bool("Oui"), parse_bool("não"), parse_bool("x")
    (True, False, True)
    """
    text = _clean(raw)
    if text is None:
        return None
    # The words are already folded, so a cell written exactly as one ("1", "0", "oui") needs no fold.
    word = text if text in _TRUE or text in _FALSE else fold(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ParseProblem(
        "not_a_yes_no",
        f"'{text}' is not a yes/no answer: use yes/no, oui/non, sí/no, sim/não, true/false or 1/0",
    )


# ---------------------------------------------------------------------------------------------
# dates and times
# ---------------------------------------------------------------------------------------------

_MONTH_NAMES = {
    1: "january jan janvier janv enero ene janeiro",
    2: "february feb fevrier fevr fev febrero fevereiro",
    3: "march mar mars marzo marco",
    4: "april apr avril avr abril abr",
    5: "may mai mayo maio",
    6: "june jun juin junio junho",
    7: "july jul juillet juil julio julho",
    8: "august aug aout agosto ago",
    9: "september sep sept septembre septiembre setiembre setembro set",
    10: "october oct octobre octubre outubro out",
    11: "november nov novembre noviembre novembro",
    12: "december dec decembre diciembre dic dezembro dez",
}
_MONTHS = {word: number for number, words in _MONTH_NAMES.items() for word in words.split()}
# Words that may sit between day, month and year: "21 de junio de 2023", "1er août", "June 21st".
_DATE_FILLERS = frozenset(
    {"de", "del", "do", "da", "of", "the", "le", "el", "er", "st", "nd", "rd", "th", "o", "a"}
)
_DATE_SEPARATORS = re.compile(r"[\s,./-]*")

_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL = re.compile(r"\d+(?:\.\d+)?")
_YEAR_FIRST = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_DAY_OR_MONTH_FIRST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d+)")
_TIME_START = re.compile(r"(?:(?<=\d)T|\s)\s*(\d{1,2}:\d{2}.*)$", re.IGNORECASE)
_TIME = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"\s*(?P<ampm>[ap]\.?m\.?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


def _make_date(year: int, month: int, day: int) -> date:
    if year < 1:
        raise ParseProblem("impossible_date", f"year {year} does not exist")
    if not 1 <= month <= 12:
        raise ParseProblem("impossible_date", f"month {month} does not exist")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ParseProblem(
            "impossible_date",
            f"day {day} does not exist in {calendar.month_name[month]} {year}",
        )
    return date(year, month, day)


def _two_digit_year(year: str) -> ParseProblem:
    return ParseProblem(
        "two_digit_year",
        f"the year '{year}' has only two digits: write all four, e.g. 2023 rather than 23",
    )


def _not_a_date(text: str) -> ParseProblem:
    return ParseProblem(
        "not_a_date", f"'{text}' is not a date: write it as 2023-06-21 or 21/06/2023"
    )


def _serial_datetime(text: str) -> datetime:
    """A spreadsheet serial number (days since 1899-12-30, fraction = time of day)."""
    days = Decimal(text)
    if re.fullmatch(r"(19|20)\d\d", text):
        raise ParseProblem(
            "not_a_date", f"'{text}' is only a year: write the full date, e.g. 2023-06-21"
        )
    if not 20000 <= days <= 80000:
        raise ParseProblem(
            "not_a_date",
            f"'{text}' is not a date: as a spreadsheet date number it would have to be between "
            "20000 (1954) and 80000 (2119)",
        )
    seconds = round((days - int(days)) * 86400)
    return _EXCEL_EPOCH + timedelta(days=int(days), seconds=seconds)


def _date_with_month_name(text: str) -> date:
    if _DATE_SEPARATORS.sub("", re.sub(r"[^\W_]+", "", text)):
        raise _not_a_date(text)
    tokens = [t for t in re.findall(r"[^\W\d_]+|\d+", fold(text)) if t not in _DATE_FILLERS]
    months = [_MONTHS[t] for t in tokens if t in _MONTHS]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or len(numbers) != 2 or len(tokens) != 3:
        raise _not_a_date(text)
    years = [n for n in numbers if len(n) == 4]
    if len(years) != 1:
        if all(len(n) <= 2 for n in numbers):
            raise _two_digit_year(numbers[-1])
        raise _not_a_date(text)
    day = numbers[1 - numbers.index(years[0])]
    if len(day) > 2:
        raise _not_a_date(text)
    return _make_date(int(years[0]), months[0], int(day))


def _date_part(text: str, *, dayfirst: bool) -> date:
    if m := _YEAR_FIRST.fullmatch(text):
        return _make_date(int(m[1]), int(m[3]), int(m[4]))
    if m := _DAY_OR_MONTH_FIRST.fullmatch(text):
        first, second, year = int(m[1]), int(m[3]), m[4]
        if len(year) == 2:
            raise _two_digit_year(year)
        if len(year) != 4:
            raise _not_a_date(text)
        if first > 12 and second > 12:
            raise ParseProblem(
                "impossible_date", f"in '{text}' neither {first} nor {second} can be a month"
            )
        if first > 12 or (dayfirst and second <= 12):
            return _make_date(int(year), second, first)
        return _make_date(int(year), first, second)
    if re.search(r"[^\W\d_]", text):
        return _date_with_month_name(text)
    if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}", text):
        raise ParseProblem(
            "not_a_date", f"'{text}' has no year: write the full date, e.g. 21/06/2023"
        )
    raise _not_a_date(text)


def _time_part(text: str) -> tuple[time, tzinfo | None]:
    m = _TIME.fullmatch(text)
    if not m:
        raise ParseProblem(
            "not_a_time", f"'{text}' is not a time of day: write it as 14:30 or 14:30:15"
        )
    hour, minute, second = int(m["h"]), int(m["m"]), int(m["s"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            raise ParseProblem("impossible_time", f"hour {hour} does not exist with AM/PM")
        hour = hour % 12 + (12 if m["ampm"][0] in "pP" else 0)
    if hour > 23:
        raise ParseProblem("impossible_time", f"hour {hour} does not exist")
    if minute > 59:
        raise ParseProblem("impossible_time", f"minute {minute} does not exist")
    if second > 59:
        raise ParseProblem("impossible_time", f"second {second} does not exist")
    micro = int((m["f"] or "0")[:6].ljust(6, "0"))
    zone = None
    if m["tz"]:
        zone = UTC if m["tz"].upper() == "Z" else _offset(m["tz"])
    return time(hour, minute, second, micro), zone


def _offset(text: str) -> timezone:
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 14 or minutes > 59:
        raise ParseProblem("impossible_time", f"time zone offset {text} does not exist")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def _split(text: str) -> tuple[str, str | None]:
    """Separate a trailing time of day from the date."""
    m = _TIME_START.search(text)
    if m is None:
        return text, None
    return text[: m.start()].strip(), m[1]


def parse_date(raw: str | None, *, dayfirst: bool = True) -> date | None:
    """Parse a calendar date written in any common form; a time part is checked and dropped.

    >>> parse_date("21/06/2023"), parse_date("45098"), parse_date("21 de junio de 2023")
    (datetime.date(2023, 6, 21), datetime.date(2023, 6, 21), datetime.date(2023, 6, 21))
    """
    text = _clean(raw)
    if text is None:
        return None
    if _SERIAL.fullmatch(text):
        return _serial_datetime(text).date()
    date_text, time_text = _split(text)
    day = _date_part(date_text, dayfirst=dayfirst)
    if time_text is not None:
        _time_part(time_text)
    return day


def parse_datetime(
    raw: str | None, *, dayfirst: bool = True, tz: tzinfo | None = None
) -> datetime | None:
    """Parse a date and time; aware UTC when the text has an offset or ``tz`` is given, else naive.

    ``tz`` is the zone a time without an offset was recorded in, e.g.
    ``ZoneInfo("Africa/Lubumbashi")``.

    >>> parse_datetime("2023-06-21T14:30:00+02:00")
    datetime.datetime(2023, 6, 21, 12, 30, tzinfo=datetime.timezone.utc)
    """
    text = _clean(raw)
    if text is None:
        return None
    zone: tzinfo | None = None
    if _SERIAL.fullmatch(text):
        moment = _serial_datetime(text)
    else:
        date_text, time_text = _split(text)
        clock = time()
        if time_text is not None:
            clock, zone = _time_part(time_text)
        moment = datetime.combine(_date_part(date_text, dayfirst=dayfirst), clock)
    if zone is None:
        zone = tz
    if zone is None:
        return moment
    return moment.replace(tzinfo=zone).astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# coordinates
# ---------------------------------------------------------------------------------------------

_HEMISPHERES = {
    **dict.fromkeys(["N", "NORTH", "NORD", "NORTE"], "N"),
    **dict.fromkeys(["S", "SOUTH", "SUD", "SUR", "SUL"], "S"),
    **dict.fromkeys(["E", "EAST", "EST", "ESTE", "L", "LESTE"], "E"),
    **dict.fromkeys(["W", "WEST", "O", "OUEST", "OESTE"], "W"),
}
_AXIS_OF = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}
_MARKS = str.maketrans(
    {
        "º": "°",
        "˚": "°",
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "″": '"',
        "”": '"',
        "“": '"',
        "−": "-",
    }
)
_NUM = r"\d+(?:\.\d+)?"
# Each part may carry its own mark; parts are separated by a mark, a colon or a space.
_DMS = re.compile(
    rf"(?P<d>{_NUM})(?:\s*°)?"
    rf"(?:\s*:?\s*(?<=[°:\s])(?P<m>{_NUM})(?:\s*')?"
    rf"(?:\s*:?\s*(?<=[':\s])(?P<s>{_NUM})(?:\s*\")?)?)?"
)
# Plain decimal degrees ("-2.5042"), the usual case, read without the steps below.
_DECIMAL_DEGREES = re.compile(r"([+-]?)([0-9]+(?:\.[0-9]+)?)")
_LETTERS_AT_START = re.compile(r"([A-Z]+)\.?\s*(.*)")
_LETTERS_AT_END = re.compile(r"(.*?)\s*([A-Z]+)\.?")


def _not_a_coordinate(text: str) -> ParseProblem:
    return ParseProblem(
        "not_a_coordinate",
        f"'{text}' is not a coordinate: write decimal degrees such as -2.5042 or "
        "degrees, minutes and seconds such as 2°30'15\"S",
    )


def parse_coordinate(raw: str | None, *, axis: Literal["lat", "lon"]) -> float | None:
    """Parse a latitude or longitude in decimal degrees or degrees-minutes-seconds.

    >>> parse_coordinate("2°30'15\\"S", axis="lat"), parse_coordinate("28,5 E", axis="lon")
    (-2.504166666666667, 28.5)
    """
    if axis not in ("lat", "lon"):
        raise ValueError(f"axis must be 'lat' or 'lon', not {axis!r}")
    text = _clean(raw)
    if text is None:
        return None
    if m := _DECIMAL_DEGREES.fullmatch(text):
        value = float(m[2])
        return _check_degrees(-value if m[1] == "-" else value, axis)
    s = re.sub(r"''", '"', text.translate(_MARKS))
    s = re.sub(r"(?<=\d),(?=\d)", ".", s)
    if re.search(r"\d\s*d\s*\d", s):  # "2d30m15s": lower-case d, m, s are units, not hemispheres
        s = re.sub(r"(?<=\d)\s*d", "°", s)
        s = re.sub(r"(?<=\d)\s*m", "'", s)
        s = re.sub(r"(?<=\d)\s*s", '"', s)
    s = fold(s).upper().strip()

    hemisphere = None
    if m := _LETTERS_AT_START.fullmatch(s) or _LETTERS_AT_END.fullmatch(s):
        word, s = (m[1], m[2]) if m.re is _LETTERS_AT_START else (m[2], m[1])
        if word not in _HEMISPHERES:
            raise _not_a_coordinate(text)
        hemisphere = _HEMISPHERES[word]
        if _AXIS_OF[hemisphere] != axis:
            wanted = "N or S" if axis == "lat" else "E or W"
            raise ParseProblem(
                "hemisphere_wrong_axis",
                f"'{word}' belongs to a {'latitude' if axis == 'lon' else 'longitude'}; "
                f"a {'latitude' if axis == 'lat' else 'longitude'} takes {wanted}",
            )

    negative = s.startswith("-")
    if s[:1] in ("+", "-"):
        s = s[1:].strip()
    m = _DMS.fullmatch(s)
    if m is None:
        raise _not_a_coordinate(text)
    if negative and hemisphere in ("N", "E"):
        raise ParseProblem(
            "sign_conflicts_with_hemisphere",
            f"'{text}' has a minus sign (south or west) but the letter says {hemisphere}",
        )
    degrees, minutes, seconds = m["d"], m["m"], m["s"]
    if minutes is not None and "." in degrees:
        raise ParseProblem(
            "not_a_coordinate", f"'{text}' gives degrees with a decimal part and minutes as well"
        )
    if seconds is not None and "." in minutes:
        raise ParseProblem(
            "not_a_coordinate", f"'{text}' gives minutes with a decimal part and seconds as well"
        )
    if minutes is not None and float(minutes) >= 60:
        raise ParseProblem("minutes_out_of_range", f"minutes must be below 60, got {minutes}")
    if seconds is not None and float(seconds) >= 60:
        raise ParseProblem("seconds_out_of_range", f"seconds must be below 60, got {seconds}")

    value = float(degrees) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    if negative or hemisphere in ("S", "W"):
        value = -value
    return _check_degrees(value, axis)


def _check_degrees(value: float, axis: Literal["lat", "lon"]) -> float:
    limit = 90 if axis == "lat" else 180
    if abs(value) > limit:
        name = "latitude" if axis == "lat" else "longitude"
        raise ParseProblem(
            f"{name}_out_of_range", f"{name} must be between -{limit} and {limit}, got {value:g}"
        )
    return value


def check_lat_lon(
    lat: float,
    lon: float,
    *,
    country: str | None,
    bbox_of: Callable[[str], BBox | None],
) -> tuple[float, float, Problem | None]:
    """Check a point against its country's bounding box (plus 0.5°); swap lat/lon when that fits.

    Returns ``(lat, lon, warning)``; the warning is a :class:`Problem` without row or column,
    for the caller to fill in with ``dataclasses.replace``. No country, or a country without a
    known box, means no check.

    >>> check_lat_lon(28.8, -2.5, country="CD", bbox_of=lambda c: (12.2, -13.5, 31.3, 5.4))[:2]
    (-2.5, 28.8)
    """
    box = bbox_of(country) if country else None
    if box is None:
        return lat, lon, None

    def inside(y: float, x: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = box
        m = COUNTRY_MARGIN_DEG
        return min_lat - m <= y <= max_lat + m and min_lon - m <= x <= max_lon + m

    if inside(lat, lon):
        return lat, lon, None
    if abs(lon) <= 90 and inside(lon, lat):
        reason = f"latitude and longitude look swapped for {country}: swapped them"
        return lon, lat, Problem("warning", "lat_lon_swapped", reason)
    reason = f"the point (latitude {lat:g}, longitude {lon:g}) lies outside {country}"
    if inside(-lat, lon):
        reason += "; with the latitude's sign flipped it would be inside: check N/S"
    elif inside(lat, -lon):
        reason += "; with the longitude's sign flipped it would be inside: check E/W"
    return lat, lon, Problem("warning", "outside_country", reason)
