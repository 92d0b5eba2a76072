"""Child-labour age and task rules (ILO C138, C182, R190) as data, and a pure evaluator.

The rules are tables (see ``minewatch/labour/rules/*.csv`` and docs/models/child-labour-rules.md);
this module parses their text and decides. It reads no files and no clock: the caller passes the
rule set, the date and the age.

Decision, for an age ``a`` on a date, a task class and a country's rules (defaults: ILO)::

    M = max(minimum age, school-leaving age)   15, or 14 with the C138 Art. 2(4) declaration
    L = light-work minimum age                 13 (Art. 7(1)), or 12 with the declaration (Art. 7(4))
    H = hazardous-work age                     18 (C138 Art. 3(1))

    hazardous task (R190 para. 3, or the country's list)  a < H   -> hazardous_child_labour
                                                           a >= H  -> permitted
    light task (listed as light)                           a < L   -> child_labour
                                                           L <= a < M (and a <= light max)
                                                                   -> light_work
                                                           a >= M  -> permitted
    any other task                                         a < M   -> child_labour
                                                           a >= M  -> permitted

An uncertain age (a birth year, an estimated year, a band such as "under 15") is an
:class:`AgeRange`; it is classified at its youngest plausible age and the finding says
``age_uncertain``. The C138 Art. 3(3) exception (hazardous work from 16 under strict conditions) is
never assumed: it needs a documented decision, so 16 and 17 year olds in hazardous tasks are findings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from minewatch.errors import InvalidInput
from minewatch.kit.vocab import fold
from minewatch.labour.errors import LabourRulesInvalid, UnknownTaskClass

__all__ = [
    "CLASSIFICATIONS", "AgeRange", "CountryRules", "Finding", "RuleSet", "RulesProblem", "TaskClass",
    "age_on", "age_range", "classify", "map_tasks", "parse_rules", "worst",
]

PERMITTED = "permitted"
LIGHT_WORK = "light_work"
CHILD_LABOUR = "child_labour"
HAZARDOUS = "hazardous_child_labour"
# Least to most severe: worst() takes the last.
CLASSIFICATIONS = (PERMITTED, LIGHT_WORK, CHILD_LABOUR, HAZARDOUS)
AGE_BANDS = {"under_15": (0, 14)}  # IPIS ``childunder15``: children under 15 seen working
_BAND_SPELLINGS = {"under 15": "under_15", "under15": "under_15", "moins de 15 ans": "under_15",
                   "childunder15": "under_15", "under_15": "under_15"}


RulesProblem = LabourRulesInvalid  # a rule table that cannot be read: names the table, row, column, value


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Whole years of age: the youngest and the oldest plausible on the date."""

    youngest: int
    oldest: int
    label: str | None = field(default=None, compare=False, repr=False)  # e.g. "under 15" for an observed band

    @property
    def uncertain(self) -> bool:
        return self.youngest != self.oldest

    def describe(self) -> str:
        if self.label:
            return self.label
        return str(self.youngest) if not self.uncertain else f"{self.youngest}-{self.oldest}"


@dataclass(frozen=True, slots=True)
class TaskClass:
    key: str
    label: str
    hazardous: bool
    light: bool
    rule: str
    basis: str


@dataclass(frozen=True, slots=True)
class CountryRules:
    """The ages that apply in one country; ``country=None`` is the ILO default."""

    country: str | None
    minimum_age: int
    light_work_min_age: int
    light_work_max_age: int
    hazardous_age: int
    school_leaving_age: int | None = None
    declaration_art_2_4: bool = False
    hazardous_additions: frozenset[str] = frozenset()
    status: str = "V"
    legal_source: str = "ILO C138; C182; R190"

    @property
    def provisional(self) -> bool:
        return self.status not in ("V",)

    @property
    def effective_minimum_age(self) -> int:
        """C138 Art. 2(3): never below the end of compulsory schooling."""
        return max(self.minimum_age, self.school_leaving_age or 0)


@dataclass(frozen=True, slots=True)
class TaskPattern:
    pattern: re.Pattern
    task_class: str
    note: str


@dataclass(frozen=True)
class RuleSet:
    """Task classes, ILO defaults (with and without the Art. 2(4) declaration), country overrides and
    the IPIS task map."""

    task_classes: Mapping[str, TaskClass]
    defaults: Mapping[str, int]
    default_rules: Mapping[str, str]  # key -> cited rule
    countries: Mapping[str, CountryRules]
    task_map: tuple[TaskPattern, ...] = ()

    def for_country(self, country: str | None, *, declaration: bool | None = None) -> CountryRules:
        """The country's rules, else the ILO defaults; ``declaration`` forces the Art. 2(4) option."""
        row = self.countries.get((country or "").upper())
        declared = row.declaration_art_2_4 if declaration is None and row else bool(declaration)
        d = self.defaults
        suffix = "_declared" if declared else ""
        minimum, light_min, light_max = (d[f"{k}{suffix}"] for k in ("minimum_age", "light_work_min_age",
                                                                      "light_work_max_age"))
        if row is None:
            return CountryRules(None, minimum, light_min, min(light_max, minimum - 1), d["hazardous_age"],
                                declaration_art_2_4=declared)
        minimum = row.minimum_age or minimum
        light_min = row.light_work_min_age or light_min
        # Light work stops at the C138 Art. 7 upper age or below the (school-leaving) minimum age.
        effective = max(minimum, row.school_leaving_age or 0)
        return CountryRules(
            row.country, minimum, light_min, row.light_work_max_age or min(light_max, effective - 1),
            row.hazardous_age or d["hazardous_age"], row.school_leaving_age, declared,
            row.hazardous_additions, row.status, row.legal_source)


@dataclass(frozen=True)
class Finding:
    """The classification of one age doing one task on one date, with its reason and cited rule."""

    classification: str
    rule: str
    reason: str
    age: AgeRange
    task_class: str
    country: str | None = None
    provisional: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def age_uncertain(self) -> bool:
        return self.age.uncertain


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on`` (a birthday counts on its day; 29 Feb birthdays on 1 Mar).

    >>> age_on(dt.date(2010, 6, 21), dt.date(2025, 6, 20)), age_on(dt.date(2010, 6, 21), dt.date(2025, 6, 21))
    (14, 15)
    """
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def age_range(value, on: dt.date, *, spread: int = 0) -> AgeRange:
    """The age range on ``on`` of an age (int), an :class:`AgeRange`, a date of birth, a birth year
    (``("year", 2010)``, ``spread`` years either side when estimated) or a band ("under 15").

    >>> age_range(("year", 2010), dt.date(2025, 3, 1))
    AgeRange(youngest=14, oldest=15)
    """
    if isinstance(value, AgeRange):
        return value
    if isinstance(value, bool):
        raise InvalidInput(f"not an age: {value!r}")
    if isinstance(value, int):
        return AgeRange(value, value)
    if isinstance(value, dt.date):
        a = age_on(value, on)
        return AgeRange(a, a)
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "year":
        year = int(value[1])
        # Born in ``year``: not yet had the birthday (on.year - year - 1) up to had it (on.year - year).
        return AgeRange(on.year - year - 1 - spread, on.year - year + spread)
    if isinstance(value, str):
        band = _BAND_SPELLINGS.get(value.strip().lower())
        if band is None:
            raise InvalidInput(f"unknown age band {value!r}; known: {sorted(AGE_BANDS)}")
        return AgeRange(*AGE_BANDS[band], label=band.replace("_", " "))
    raise InvalidInput(f"not an age, date of birth, birth year or age band: {value!r}")


def classify(age_or_range, task_class: str, on_date: dt.date, *, rules: RuleSet, country: str | None = None,
             declaration: bool | None = None, spread: int = 0) -> Finding:
    """Classify a person of this age doing a task of this class on ``on_date`` (see the module docstring)."""
    age = age_range(age_or_range, on_date, spread=spread)
    if age.youngest < 0 or age.oldest < age.youngest:
        raise InvalidInput(f"impossible age {age.describe()} on {on_date.isoformat()}")
    task = rules.task_classes.get(task_class)
    if task is None:
        raise UnknownTaskClass(f"unknown task class {task_class!r}; known: {', '.join(sorted(rules.task_classes))}")
    c = rules.for_country(country, declaration=declaration)
    found = _decide(age, task, c, rules)
    if c.country is not None and found.provisional:
        # A provisional national value is cited only where it changes the outcome of the ILO rules.
        ilo_found = _decide(age, task, rules.for_country(None, declaration=c.declaration_art_2_4), rules)
        if ilo_found.classification == found.classification:
            return replace(ilo_found, country=c.country)
    return found


def _decide(age: AgeRange, task: TaskClass, c: CountryRules, rules: RuleSet) -> Finding:
    a = max(age.youngest, 0)  # the youngest plausible age decides
    ilo = rules.for_country(None, declaration=c.declaration_art_2_4)
    m = c.effective_minimum_age
    min_rule = _minimum_age_rule(rules, c)
    age_text = f"age {age.describe()}" + (" (uncertain: classified at the youngest plausible age)"
                                          if age.uncertain else "")
    hazardous = task.hazardous or task.key in c.hazardous_additions

    def done(classification: str, rule: str, why: str, *, overridden: bool) -> Finding:
        # The country's law is cited (and its status shown) only where it changed the deciding value.
        used = overridden and c.country is not None
        if used:
            rule += f"; {c.country} law [{c.legal_source}]" + (" (provisional)" if c.provisional else "")
        return Finding(classification, rule, f"{age_text}, {task.label.lower()}: {why}", age, task.key,
                       c.country, used and c.provisional, {"legal_source": c.legal_source} if used else {})

    hazard_override = c.hazardous_age != ilo.hazardous_age or (hazardous and not task.hazardous)
    min_override = m != ilo.minimum_age
    light_override = (c.light_work_min_age, c.light_work_max_age) != (ilo.light_work_min_age, ilo.light_work_max_age)

    if hazardous:
        rule = task.rule if task.hazardous else f"C182 Art. 3(d); C182 Art. 4 national list ({c.country})"
        if a < c.hazardous_age:
            return done(HAZARDOUS, f"{rule}; {rules.default_rules['hazardous_age']}",
                        f"hazardous work under {c.hazardous_age} is a worst form of child labour",
                        overridden=hazard_override)
        return done(PERMITTED, rules.default_rules["hazardous_age"],
                    f"hazardous work is allowed from {c.hazardous_age}", overridden=hazard_override)
    if task.light:
        light_rule = _light_rule(rules, c)
        if a < c.light_work_min_age:
            return done(CHILD_LABOUR, light_rule, f"below the light-work age of {c.light_work_min_age}",
                        overridden=light_override)
        if a < m and a <= c.light_work_max_age:
            return done(LIGHT_WORK, light_rule,
                        f"light work is allowed from {c.light_work_min_age} to {c.light_work_max_age}",
                        overridden=light_override or min_override)
        if a < m:
            return done(CHILD_LABOUR, min_rule, f"above the light-work ages and below the minimum age of {m}",
                        overridden=light_override or min_override)
        return done(PERMITTED, min_rule, f"at or above the minimum age of {m}", overridden=min_override)
    if a < m:
        return done(CHILD_LABOUR, min_rule, f"below the minimum age of {m} and not light work",
                    overridden=min_override)
    return done(PERMITTED, min_rule, f"at or above the minimum age of {m}", overridden=min_override)


def _minimum_age_rule(rules: RuleSet, c: CountryRules) -> str:
    rule = rules.default_rules["minimum_age_declared" if c.declaration_art_2_4 else "minimum_age"]
    if c.school_leaving_age and c.school_leaving_age > c.minimum_age:
        rule += " (end of compulsory schooling)"
    return rule


def _light_rule(rules: RuleSet, c: CountryRules) -> str:
    return rules.default_rules["light_work_min_age_declared" if c.declaration_art_2_4 else "light_work_min_age"]


def worst(findings: Iterable[Finding]) -> Finding | None:
    """The most severe finding (hazardous > child labour > light work > permitted); first wins ties."""
    best = None
    for f in findings:
        if best is None or CLASSIFICATIONS.index(f.classification) > CLASSIFICATIONS.index(best.classification):
            best = f
    return best


def map_tasks(text: str | None, task_map: Iterable[TaskPattern]) -> tuple[list[str], list[str]]:
    """The task classes of an observed task list ("Creuser, Lavage, ..."), split on commas and ";",
    and the parts no pattern matches. Every matching pattern adds its class; order kept, no repeats.

    >>> rs = parse_rules(**EXAMPLE_TABLES)
    >>> map_tasks("Creuser, Lavage, La pêche", rs.task_map)
    (['digging', 'washing'], ['La pêche'])
    """
    classes: list[str] = []
    unmapped: list[str] = []
    for part in re.split(r"[,;]", text or ""):
        part = " ".join(part.split())
        folded = fold(part)
        if not folded:
            continue
        hits = [p.task_class for p in task_map if p.pattern.search(folded)]
        if not hits:
            unmapped.append(part.rstrip("."))
        for h in hits:
            if h not in classes:
                classes.append(h)
    return classes, unmapped


# --- Parsing the tables -----------------------------------------------------------------------------

def _rows(name: str, text: str, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise RulesProblem(f"{name}: missing column(s) {', '.join(missing)}")
    return [(n, {k: (v or "").strip() for k, v in row.items() if k}) for n, row in enumerate(reader, start=2)]


def _int(name: str, n: int, column: str, value: str, *, blank_ok: bool = False) -> int | None:
    if value == "" and blank_ok:
        return None
    try:
        out = int(value)
    except ValueError:
        raise RulesProblem(f"{name} row {n}, column {column}: {value!r} is not a whole number of years") from None
    if not 5 <= out <= 25:
        raise RulesProblem(f"{name} row {n}, column {column}: {value!r} is not a plausible age (5 to 25)")
    return out


def _flag(name: str, n: int, column: str, value: str) -> bool:
    if value not in ("0", "1"):
        raise RulesProblem(f"{name} row {n}, column {column}: {value!r} must be 1 or 0")
    return value == "1"


def parse_rules(*, ilo_defaults: str, task_classes: str, countries: str, ipis_task_map: str = "") -> RuleSet:
    """A :class:`RuleSet` from the text of the four CSV tables; :class:`RulesProblem` names any bad cell."""
    defaults: dict[str, int] = {}
    default_rules: dict[str, str] = {}
    for n, row in _rows("ilo_defaults.csv", ilo_defaults, ("key", "value", "rule")):
        defaults[row["key"]] = _int("ilo_defaults.csv", n, "value", row["value"])
        default_rules[row["key"]] = row["rule"]
    needed = ("minimum_age", "minimum_age_declared", "light_work_min_age", "light_work_min_age_declared",
              "light_work_max_age", "light_work_max_age_declared", "hazardous_age")
    if missing := [k for k in needed if k not in defaults]:
        raise RulesProblem(f"ilo_defaults.csv: missing key(s) {', '.join(missing)}")

    classes: dict[str, TaskClass] = {}
    for n, row in _rows("task_classes.csv", task_classes, ("key", "label", "hazardous", "light", "rule")):
        hazardous = _flag("task_classes.csv", n, "hazardous", row["hazardous"])
        light = _flag("task_classes.csv", n, "light", row["light"])
        if hazardous and light:
            raise RulesProblem(f"task_classes.csv row {n}: {row['key']!r} cannot be both hazardous and light")
        if not row["rule"]:
            raise RulesProblem(f"task_classes.csv row {n}, column rule: blank; every class cites its rule")
        if row["key"] in classes:
            raise RulesProblem(f"task_classes.csv row {n}, column key: {row['key']!r} is defined twice")
        classes[row["key"]] = TaskClass(row["key"], row["label"], hazardous, light, row["rule"], row.get("basis", ""))

    overrides: dict[str, CountryRules] = {}
    name = "countries.csv"
    for n, row in _rows(name, countries, ("country", "minimum_age", "hazardous_age", "status", "legal_source")):
        code = row["country"].upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise RulesProblem(f"{name} row {n}, column country: {row['country']!r} is not an ISO 3166 alpha-2 code")
        if not row["legal_source"]:
            raise RulesProblem(f"{name} row {n}, column legal_source: blank; every override cites its law")
        if row["status"] not in ("V", "V2", "K"):
            raise RulesProblem(f"{name} row {n}, column status: {row['status']!r} must be V, V2 or K")
        additions = frozenset(a.strip() for a in row.get("hazardous_additions", "").split(";") if a.strip())
        if unknown := sorted(additions - classes.keys()):
            raise RulesProblem(f"{name} row {n}, column hazardous_additions: unknown task class(es) {unknown}")
        overrides[code] = CountryRules(
            code,
            _int(name, n, "minimum_age", row["minimum_age"], blank_ok=True) or 0,
            _int(name, n, "light_work_min_age", row.get("light_work_min_age", ""), blank_ok=True) or 0,
            _int(name, n, "light_work_max_age", row.get("light_work_max_age", ""), blank_ok=True) or 0,
            _int(name, n, "hazardous_age", row["hazardous_age"], blank_ok=True) or 0,
            _int(name, n, "school_leaving_age", row.get("school_leaving_age", ""), blank_ok=True),
            _flag(name, n, "declaration_art_2_4", row.get("declaration_art_2_4") or "0"),
            additions, row["status"], row["legal_source"])

    patterns: list[TaskPattern] = []
    if ipis_task_map.strip():
        for n, row in _rows("ipis_task_map.csv", ipis_task_map, ("pattern", "task_class")):
            if row["task_class"] not in classes:
                raise RulesProblem(f"ipis_task_map.csv row {n}, column task_class: {row['task_class']!r} "
                                   "is not a task class")
            try:
                compiled = re.compile(row["pattern"])
            except re.error as exc:
                raise RulesProblem(f"ipis_task_map.csv row {n}, column pattern: {row['pattern']!r}: {exc}") from None
            patterns.append(TaskPattern(compiled, row["task_class"], row.get("note", "")))
    return RuleSet(classes, defaults, default_rules, overrides, tuple(patterns))


# Tiny tables for doctests and examples (the real ones are in minewatch/labour/rules/).
EXAMPLE_TABLES = {
    "ilo_defaults": "key,value,rule\nminimum_age,15,ILO C138 Art. 2(3)\nminimum_age_declared,14,ILO C138 Art. 2(4)\n"
                    "light_work_min_age,13,ILO C138 Art. 7(1)\nlight_work_min_age_declared,12,ILO C138 Art. 7(4)\n"
                    "light_work_max_age,15,ILO C138 Art. 7(1)\nlight_work_max_age_declared,14,ILO C138 Art. 7(4)\n"
                    "hazardous_age,18,ILO C138 Art. 3(1)\n",
    "task_classes": "key,label,hazardous,light,rule\ndigging,Digging,1,0,C182 Art. 3(d); R190 para. 3(c)\n"
                    "washing,Washing,0,0,ILO C138 Art. 2(3)\nsorting,Sorting,0,1,ILO C138 Art. 7(1)\n",
    "countries": "country,minimum_age,hazardous_age,status,legal_source\n",
    "ipis_task_map": "pattern,task_class\n^creuser$,digging\n^lavage$,washing\n",
}
