"""Country codes, names and bounding boxes, read from packaged data (so not pure).

``validate_country`` turns what people type ("RDC", "Congo (Kinshasa)", "COD", "Pérou") into an
ISO 3166-1 alpha-2 code, using pycountry's ISO data with its French, Spanish and Portuguese
translations plus a few aliases. ``bbox_of`` gives the bounding box that
:func:`minewatch.kit.parsing.check_lat_lon` takes; the boxes come from ``country_bboxes.csv``
(Natural Earth; its header says how it was made). Both load their data on first use.
"""

from __future__ import annotations

import csv
import functools
import gettext
import re
from importlib import resources

import pycountry

from minewatch.kit.findings import ParseProblem
from minewatch.kit.parsing import BBox, fold, parse_text

_LANGUAGES = ("fr", "es", "pt")

# Names people use that ISO's English, French, Spanish and Portuguese names do not cover.
_ALIASES = {
    "rdc": "CD",
    "drc": "CD",
    "dr congo": "CD",
    "rd congo": "CD",
    "dem rep congo": "CD",
    "democratic republic of congo": "CD",
    "congo kinshasa": "CD",
    "zaire": "CD",
    "congo brazzaville": "CG",
    "ivory coast": "CI",
    "burkina": "BF",
    "centrafrique": "CF",
    "rca": "CF",
    "guinee conakry": "GN",
    "guinea conakry": "GN",
    "burma": "MM",
}


def _key(name: str) -> str:
    """Folded, punctuation as spaces, no leading article: "Côte d'Ivoire" -> "cote d ivoire"."""
    words = re.sub(r"[\W_]+", " ", fold(name)).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


def _spellings(name: str) -> set[str]:
    """A name; for ISO's inverted "Congo, République démocratique du" also its head, put right."""
    spellings = {name}
    if "," in name:
        head, _, tail = name.partition(",")
        spellings |= {head, f"{tail} {head}"}
    return spellings


@functools.cache
def _name_index() -> dict[str, str | None]:
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in _LANGUAGES
    ]
    index: dict[str, str | None] = {}
    for country in pycountry.countries:
        english = {
            getattr(country, field)
            for field in ("name", "official_name", "common_name")
            if hasattr(country, field)
        }
        names = english | {t.gettext(n) for t in translations for n in english}
        for spelling in {s for n in names for s in _spellings(n)}:
            key = _key(spelling)
            # A name shared by two countries ("congo", "korea") is ambiguous, not first-come.
            index[key] = (
                country.alpha_2 if index.get(key, country.alpha_2) == country.alpha_2 else None
            )
    index.update(_ALIASES)
    return index


def validate_country(raw: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a code (CD, COD) or a country name in en, fr, es or pt.

    >>> validate_country("République démocratique du Congo"), validate_country("cod")
    ('CD', 'CD')
    """
    text = parse_text(raw)
    if text is None:
        return None
    if len(text) in (2, 3) and text.isalpha():
        code = pycountry.countries.get(**{"alpha_2" if len(text) == 2 else "alpha_3": text.upper()})
        if code is not None:
            return code.alpha_2
    key = _key(text)
    if key not in _name_index():
        raise ParseProblem(
            "unknown_country",
            f"'{text}' is not a country we recognise: write its two-letter ISO code, e.g. CD",
        )
    code = _name_index()[key]
    if code is None:
        candidates = sorted(
            c.alpha_2 for c in pycountry.countries if key in {_key(s) for s in _spellings(c.name)}
        )
        hint = f" ({' or '.join(candidates)})" if len(candidates) > 1 else ""
        raise ParseProblem(
            "ambiguous_country",
            f"'{text}' could mean more than one country{hint}: write its two-letter ISO code",
        )
    return code


@functools.cache
def _bboxes() -> dict[str, BBox]:
    source = resources.files("minewatch.kit").joinpath("country_bboxes.csv")
    with source.open(encoding="utf-8") as lines:
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        return {
            row["iso2"]: (
                float(row["min_lon"]),
                float(row["min_lat"]),
                float(row["max_lon"]),
                float(row["max_lat"]),
            )
            for row in rows
        }


def bbox_of(iso2: str) -> BBox | None:
    """Bounding box (min_lon, min_lat, max_lon, max_lat) of a country, or None when unknown.

    >>> bbox_of("RW")
    (28.857, -2.827, 30.869, -1.058)
    """
    return _bboxes().get(iso2.upper())
