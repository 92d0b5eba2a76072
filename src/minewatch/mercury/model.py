"""Mercury in artisanal and small-scale gold mining (ASGM): practices, Minamata worst practices, estimates.

Pure: observations, production and ratios come in as arguments; nothing here reads files or the clock.

Sources (``/work/shared/reference/standards.md`` section 5):

* Minamata Convention on Mercury, Annex C paragraph 1(b): the four practices a National Action Plan must
  eliminate: (i) whole ore amalgamation; (ii) open burning of amalgam or processed amalgam; (iii) burning
  of amalgam in residential areas; (iv) cyanide leaching in sediment, ore or tailings to which mercury
  has been added without first removing the mercury (status V, official translations).
* Annex C paragraph 1(d): baseline estimates of the quantities of mercury used and the practices employed.
* Hg:Au ratios (mercury lost per unit of gold produced) and the release split: data in ``ratios.csv`` and
  ``release_split.csv`` beside this module, each row with its source and status; a row whose status is not
  V is provisional (R-MIN-2: "defaults 3 and 1 are K until checked against UNEP").

The estimate is ``mercury_kg = gold_kg x ratio`` (R-MIN-2: 1 kg Au by whole-ore amalgamation at 3:1 gives
3 kg Hg lost), then ``released_to[c] = mercury_kg x share[c]``.

>>> r = Ratios({"whole_ore": Ratio("whole_ore", Decimal(3), "K", "standards.md R-MIN-2")})
>>> estimate_period(Decimal("1"), [PRACTICES["whole_ore_amalgamation"]], r).mercury_kg
Decimal('3')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal

ANNEX_C_1B = "Minamata Convention Annex C paragraph 1(b)"


@dataclass(frozen=True, slots=True)
class Practice:
    """A processing practice: whether it uses mercury and which Annex C 1(b) item it is, if any."""

    key: str
    label: str
    uses_mercury: bool
    worst_item: str | None = None  # "i" .. "iv"
    amalgamation: str | None = None  # whole_ore | concentrate: which Hg:Au ratio it selects
    retort: bool = False

    @property
    def paragraph(self) -> str | None:
        return None if self.worst_item is None else f"{ANNEX_C_1B}({self.worst_item})"


PRACTICES: dict[str, Practice] = {p.key: p for p in (
    Practice("whole_ore_amalgamation", "whole-ore amalgamation", True, "i", amalgamation="whole_ore"),
    Practice("concentrate_amalgamation", "amalgamation of concentrates only", True, amalgamation="concentrate"),
    Practice("retort", "amalgam burnt in a retort (mercury recovered)", True, retort=True),
    Practice("open_burning", "open burning of amalgam or processed amalgam", True, "ii"),
    Practice("residential_burning", "burning of amalgam in residential areas", True, "iii"),
    Practice("cyanidation_of_mercury_tailings",
             "cyanide leaching of sediment, ore or tailings to which mercury was added, mercury not removed first",
             True, "iv"),
    # A visit that says mercury is used without saying how (IPIS records only 1/0).
    Practice("mercury_use", "mercury used (practice not recorded)", True),
    Practice("gravity_concentration", "gravity concentration without mercury", False),
    Practice("direct_smelting", "direct smelting of concentrates (e.g. with borax), no mercury", False),
    Practice("cyanidation_mercury_free", "cyanide leaching of ore or tailings never amalgamated", False),
    Practice("flotation", "flotation", False),
    Practice("no_mercury", "no mercury used (as reported)", False),
)}

# What Annex C 1(b) says of each item, for findings (standards.md section 5, status V).
WORST_PRACTICE_TEXT = {
    "i": "whole ore amalgamation",
    "ii": "open burning of amalgam or processed amalgam",
    "iii": "burning of amalgam in residential areas",
    "iv": "cyanide leaching in sediment, ore or tailings to which mercury has been added without first "
          "removing the mercury",
}

SYNONYMS = {
    "woa": "whole_ore_amalgamation", "whole_ore": "whole_ore_amalgamation",
    "concentrate": "concentrate_amalgamation", "concentrate_only": "concentrate_amalgamation",
    "retort_use": "retort", "open_burn": "open_burning", "burning_in_residential_areas": "residential_burning",
    "cyanidation_of_contaminated_tailings": "cyanidation_of_mercury_tailings", "gravity": "gravity_concentration",
    "borax": "direct_smelting", "mercury_free": "no_mercury", "mercury": "mercury_use",
}


def parse_practice(text: str) -> Practice:
    """A practice from its key or a synonym (case, spaces and hyphens ignored); ValueError names the options."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = SYNONYMS.get(key, key)
    if key not in PRACTICES:
        raise ValueError(f"unknown practice {text!r}: one of {', '.join(PRACTICES)}")
    return PRACTICES[key]


@dataclass(frozen=True, slots=True)
class Observation:
    """A practice seen at a site on a date, entered (``id``) or derived from a visit (``visit_id``)."""

    site_code: str
    practice: str
    observed_on: dt.date
    source: str  # entered | visit
    id: int | None = None
    visit_id: int | None = None
    visit_ref: str | None = None  # the visit's id at its source (IPIS vid)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class WorstPracticeFinding:
    """One Annex C 1(b) worst practice observed at a site."""

    site_code: str
    practice: str
    paragraph: str
    text: str
    observed_on: dt.date
    source: str
    observation_id: int | None
    visit_id: int | None
    visit_ref: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def worst_practice_findings(observations: Iterable[Observation]) -> list[WorstPracticeFinding]:
    """A finding for every observation of an Annex C 1(b) practice, by site, date and item.

    >>> f = worst_practice_findings([Observation("S1", "whole_ore_amalgamation", dt.date(2026, 1, 5), "entered")])
    >>> f[0].paragraph
    'Minamata Convention Annex C paragraph 1(b)(i)'
    """
    out = []
    for o in observations:
        p = PRACTICES[o.practice]
        if p.worst_item is None:
            continue
        out.append(WorstPracticeFinding(o.site_code, p.key, p.paragraph, WORST_PRACTICE_TEXT[p.worst_item],
                                        o.observed_on, o.source, o.id, o.visit_id, o.visit_ref))
    return sorted(out, key=lambda f: (f.site_code, f.observed_on, f.paragraph))


@dataclass(frozen=True, slots=True)
class Ratio:
    """A configurable number with its source: an Hg:Au ratio (kg Hg lost per kg Au) or a release share."""

    key: str
    value: Decimal | None  # None: the source gives no figure
    status: str  # V | V2 | K (standards.md) ; anything but V is provisional
    source: str
    note: str = ""

    @property
    def provisional(self) -> bool:
        return self.status != "V"

    def describe(self) -> str:
        flag = " (provisional)" if self.provisional else ""
        return f"{self.key} = {self.value} [{self.status}{flag}; {self.source}]"


@dataclass(frozen=True, slots=True)
class Ratios:
    """Hg:Au ratios by amalgamation mode (whole_ore, concentrate, concentrate_retort) and release shares."""

    hg_au: Mapping[str, Ratio]
    split: Mapping[str, Ratio] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Estimate:
    """Mercury lost for one production period: estimated, a range, mercury-free or not assessable."""

    status: str  # estimated | range | mercury_free | not_assessable
    mercury_kg: Decimal | None = None
    mercury_kg_low: Decimal | None = None
    mercury_kg_high: Decimal | None = None
    released_to: dict[str, Decimal] = field(default_factory=dict)
    ratio_key: str | None = None
    reason: str = ""
    assumptions: list[str] = field(default_factory=list)


def _split(total: Decimal, ratios: Ratios, assumptions: list[str]) -> dict[str, Decimal]:
    shares = {k: r for k, r in ratios.split.items() if r.value is not None}
    if not shares:
        return {}
    assumptions.extend(f"release share {r.describe()}" for r in shares.values())
    return {k: total * r.value for k, r in shares.items()}


def estimate_period(gold_kg: Decimal | None, practices: Sequence[Practice], ratios: Ratios) -> Estimate:
    """Mercury lost while producing ``gold_kg`` with the practices observed for that period.

    Rules (each one listed in the result's assumptions when it applies):

    * no production or no practice -> not assessable;
    * only mercury-free practices -> 0 kg;
    * whole-ore and concentrate amalgamation both observed -> the whole-ore ratio (the larger loss);
    * concentrate amalgamation with a retort -> the ``concentrate_retort`` ratio, or, when the source gives
      no figure, the concentrate ratio as an upper bound;
    * mercury used but the amalgamation mode not recorded -> a range from the concentrate to the whole-ore ratio.
    """
    if gold_kg is None:
        return Estimate("not_assessable", reason="no gold production recorded for the period")
    if not practices:
        return Estimate("not_assessable",
                        reason="no processing practice observed at the site by the end of the period")
    if not any(p.uses_mercury for p in practices):
        return Estimate("mercury_free", mercury_kg=Decimal(0), released_to={},
                        reason="only mercury-free practices observed",
                        assumptions=[f"practices: {', '.join(sorted({p.key for p in practices}))}"])
    modes = {p.amalgamation for p in practices if p.amalgamation}
    retort = any(p.retort for p in practices)
    assumptions = [f"gold produced {gold_kg} kg", f"practices: {', '.join(sorted({p.key for p in practices}))}"]
    if not modes:
        low, high = ratios.hg_au.get("concentrate"), ratios.hg_au.get("whole_ore")
        if low is None or high is None or low.value is None or high.value is None:
            return Estimate("not_assessable", reason="mercury used, amalgamation mode not recorded, no ratios to "
                            "bound it", assumptions=assumptions)
        assumptions += ["mercury used but the amalgamation mode is not recorded: range from concentrate to "
                        "whole-ore amalgamation", f"low {low.describe()}", f"high {high.describe()}"]
        return Estimate("range", mercury_kg_low=gold_kg * low.value, mercury_kg_high=gold_kg * high.value,
                        ratio_key="concentrate..whole_ore", reason="amalgamation mode not recorded",
                        assumptions=assumptions)
    if "whole_ore" in modes:
        key = "whole_ore"
        if "concentrate" in modes:
            assumptions.append("whole-ore and concentrate amalgamation both observed: the whole-ore ratio is used")
    else:
        key = "concentrate"
        if retort:
            with_retort = ratios.hg_au.get("concentrate_retort")
            if with_retort is not None and with_retort.value is not None:
                key = "concentrate_retort"
            else:
                assumptions.append("retort use observed but no cited Hg:Au ratio with a retort: the concentrate "
                                   "ratio is used, an upper bound")
    ratio = ratios.hg_au.get(key)
    if ratio is None or ratio.value is None:
        return Estimate("not_assessable", reason=f"no Hg:Au ratio for {key}", assumptions=assumptions)
    assumptions.append(f"Hg:Au {ratio.describe()}")
    total = gold_kg * ratio.value
    return Estimate("estimated", mercury_kg=total, released_to=_split(total, ratios, assumptions), ratio_key=key,
                    assumptions=assumptions)


def practices_for_period(observations: Sequence[Observation], start: dt.date, end: dt.date) -> list[Observation]:
    """The observations that describe a production period: those dated within it, else those on the latest
    date before it starts (the practice last seen is taken to continue). Later observations never apply."""
    within = [o for o in observations if start <= o.observed_on <= end]
    if within:
        return within
    before = [o for o in observations if o.observed_on < start]
    if not before:
        return []
    last = max(o.observed_on for o in before)
    return [o for o in before if o.observed_on == last]

