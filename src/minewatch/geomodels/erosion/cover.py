"""Cover management (C) and support practice (P) factors of RUSLE by land cover class.

The table ``geomodels/parameters/erosion_cover.csv`` has one row per class (forest, plantation, shrub,
grass, sparse, bare, mine spoil, tailings, pit, road, paved, water) with its synonyms (French and
Spanish too; names are matched with :func:`minewatch.geomodels.parameters.normalise`), ``usle_c`` and
``usle_p`` (dimensionless, in [0, 1]), the source of the numbers and a ``provisional`` flag (true where
the value was not read from a published table for that condition). A user table with the same columns
is validated the same way; a bad row is named by its line and column.

>>> cover_class("Forêt").usle_c
0.003
>>> cover_class("relaves").name
'tailings'
>>> [(r["lucode"], r["usle_c"], r["usle_p"]) for r in biophysical_rows({1: "forest", 4: "bare"})]
[(1, 0.003, 1.0), (4, 1.0, 1.0)]
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from minewatch.errors import InvalidInput
from minewatch.geomodels.parameters import normalise

COVER_TABLE = Path(__file__).resolve().parent.parent / "parameters" / "erosion_cover.csv"
COLUMNS = ("class", "synonyms", "usle_c", "usle_p", "source", "provisional")


@dataclass(frozen=True)
class CoverClass:
    """One land cover class: C and P (dimensionless), their source and whether they are provisional."""

    name: str
    synonyms: tuple[str, ...]
    usle_c: float
    usle_p: float
    source: str
    provisional: bool

    @property
    def cp(self) -> float:
        """C x P, the product InVEST maps per land cover code."""
        return self.usle_c * self.usle_p


@dataclass(frozen=True)
class CoverTable:
    """The loaded table: classes by name and an index of every normalised name and synonym."""

    path: Path
    classes: dict[str, CoverClass]
    index: dict[str, str] = field(repr=False)

    def get(self, name: str) -> CoverClass:
        key = normalise(name)
        if key not in self.index:
            raise InvalidInput(f"unknown land cover class {name!r} for C and P; known: {', '.join(self.classes)} "
                               f"(or a synonym listed in {self.path.name})")
        return self.classes[self.index[key]]


def _bad(path: Path, line: int, column: str, message: str) -> InvalidInput:
    return InvalidInput(f"{path.name} line {line}, column {column}: {message}")


def _load(path: Path) -> CoverTable:
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read cover table {path}: {exc.strerror}") from exc
    classes: dict[str, CoverClass] = {}
    index: dict[str, str] = {}
    with fh:
        reader = csv.DictReader(fh)
        header = [c.strip() for c in (reader.fieldnames or [])]
        for col in header:
            if col not in COLUMNS:
                raise _bad(path, 1, col, f"unexpected column (expected {','.join(COLUMNS)})")
        for col in COLUMNS:
            if col not in header:
                raise _bad(path, 1, col, "missing column")
        for raw in reader:
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
            line = reader.line_num
            for col in ("class", "source", "provisional"):
                if not row[col]:
                    raise _bad(path, line, col, "empty")
            values = {}
            for col in ("usle_c", "usle_p"):
                try:
                    values[col] = float(row[col])
                except ValueError:
                    raise _bad(path, line, col, f"{row[col]!r} is not a number") from None
                if not 0.0 <= values[col] <= 1.0:
                    raise _bad(path, line, col, f"{row[col]} is outside [0, 1] (a ratio to the unit plot)")
            flag = row["provisional"].lower()
            if flag not in ("true", "false"):
                raise _bad(path, line, "provisional", f"{row['provisional']!r} is not true or false")
            name = row["class"]
            if name in classes:
                raise _bad(path, line, "class", f"{name!r} appears twice")
            synonyms = tuple(s.strip() for s in row["synonyms"].split(";") if s.strip())
            classes[name] = CoverClass(name, synonyms, values["usle_c"], values["usle_p"], row["source"],
                                       flag == "true")
            for alias in (name, *synonyms):
                key = normalise(alias)
                if index.get(key, name) != name:
                    raise _bad(path, line, "synonyms", f"{alias!r} already names class {index[key]!r}")
                index[key] = name
    if not classes:
        raise InvalidInput(f"{path.name}: no rows")
    return CoverTable(Path(path), classes, index)


@cache
def _default() -> CoverTable:
    return _load(COVER_TABLE)


def load_cover_table(path: Path | str | None = None) -> CoverTable:
    """The C/P table (the packaged one, or ``path`` validated the same way)."""
    return _default() if path is None else _load(Path(path))


def cover_class(name: str, table: CoverTable | None = None) -> CoverClass:
    """The C/P class named ``name`` (a class name or listed synonym; case and accents ignored)."""
    return (table or load_cover_table()).get(name)


def biophysical_rows(legend: dict[int, str], table: CoverTable | None = None) -> list[dict]:
    """Rows of an InVEST SDR biophysical table (``lucode, description, usle_c, usle_p``) for a legend.

    ``legend`` maps integer land cover codes to class names (see
    :func:`minewatch.geomodels.parameters.read_legend`).
    """
    table = table or load_cover_table()
    rows = []
    for code in sorted(legend):
        cls = table.get(legend[code])
        rows.append({"lucode": int(code), "description": cls.name, "usle_c": cls.usle_c, "usle_p": cls.usle_p})
    return rows
