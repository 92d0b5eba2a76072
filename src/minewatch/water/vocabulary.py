"""The parameter vocabulary (``parameters.csv``, data not code): keys, symbols, CAS numbers, default units and
the names and synonyms in English, Spanish and French by which laboratory files label a parameter.

A label is matched after normalising (lower case, accents removed, spaces collapsed). When the whole
label is not a name, a fraction word is looked for and removed (``Arsénico total`` -> arsenic, total;
``Plomo disuelto`` -> lead, dissolved), then a trailing parenthesis (``Arsénico (mg/kg fraccion)``).
A name that itself contains such a word (``Dureza total``, ``Sólidos disueltos totales``) wins as a whole.

>>> v = vocabulary()
>>> v.match("Arsenico total")
('arsenic', 'total')
>>> v.match("Plomo disuelto")
('lead', 'dissolved')
>>> v.match("Dureza total")
('hardness', 'unspecified')
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_FRACTION_WORDS = {
    "dissolved": ("disuelto", "disuelta", "disueltos", "dissolved", "dissous", "dissoute", "filtrado", "filtered"),
    "total": ("total", "totales", "totaux", "totale", "unfiltered"),
}
_SYMBOL_KINDS = ("metal", "metalloid", "major_ion")  # element symbols that are names too (``Pb (mg/l)``)
_PAREN = re.compile(r"\s*\([^)]*\)\s*$")


def normalise(label: str) -> str:
    """Lower case, accents removed, spaces collapsed: the form names are compared in."""
    text = unicodedata.normalize("NFKD", label or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class Parameter:
    key: str
    kind: str
    symbol: str | None
    cas: str | None
    default_unit: str
    units: tuple[str, ...]  # accepted units of a parameter that is not a concentration (pH, uS/cm, NTU...)
    names: dict[str, tuple[str, ...]]  # {"en": (...), "es": (...), "fr": (...)}

    @property
    def is_concentration(self) -> bool:
        """Whether results are read with water.units.parse_unit (mass per volume or per mass)."""
        return not self.units

    def accepts_unit(self, unit: str) -> bool:
        """For a non-concentration parameter: the unit is one of its accepted units (spaces, case ignored)."""
        got = re.sub(r"\s+", "", unit or "").lower()
        return any(re.sub(r"\s+", "", u).lower() == got for u in self.units)


class Vocabulary:
    def __init__(self, parameters: list[Parameter]):
        self.parameters = {p.key: p for p in parameters}
        self._names: dict[str, str] = {}
        for p in parameters:
            symbol = (p.symbol,) if p.symbol and p.symbol.isalpha() and p.kind in _SYMBOL_KINDS else ()
            for name in (p.key, *symbol, *(n for names in p.names.values() for n in names)):
                n = normalise(name.replace("_", " "))
                if n and self._names.setdefault(n, p.key) != p.key:
                    raise ValueError(f"parameters.csv: the name {name!r} is given to {self._names[n]} and {p.key}")

    def __getitem__(self, key: str) -> Parameter:
        return self.parameters[key]

    def __contains__(self, key: str) -> bool:
        return key in self.parameters

    def key_of(self, name: str) -> str | None:
        """The key named exactly (after normalising) by ``name``, or None."""
        return self._names.get(normalise(name))

    def match(self, label: str) -> tuple[str, str] | None:
        """(parameter key, fraction) of a row or column label, or None when it names no parameter."""
        text = normalise(label)
        for candidate in (text, _PAREN.sub("", text)):
            if not candidate:
                continue
            key = self._names.get(candidate)
            if key:
                return key, "unspecified"
            words = candidate.split(" ")
            for fraction, fwords in _FRACTION_WORDS.items():
                kept = [w for w in words if w not in fwords]
                if len(kept) < len(words) and kept:
                    key = self._names.get(" ".join(kept))
                    if key:
                        return key, fraction
        return None


def _split(cell: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in (cell or "").split("|") if s.strip() or s == "")


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The built-in vocabulary read from ``minewatch/water/parameters.csv``."""
    text = resources.files("minewatch.water").joinpath("parameters.csv").read_text(encoding="utf-8")
    params = []
    for row in csv.DictReader(text.splitlines()):
        units = tuple(u.strip() for u in row["units"].split("|")) if row["units"].strip() else ()
        params.append(Parameter(
            key=row["key"], kind=row["kind"], symbol=row["symbol"] or None, cas=row["cas"] or None,
            default_unit=row["default_unit"], units=units,
            names={lang: tuple(n.strip() for n in row[f"names_{lang}"].split("|") if n.strip())
                   for lang in ("en", "es", "fr")}))
    return Vocabulary(params)
