"""Pure rules of grievances: categories and their OECD Annex II mapping, stages and transitions, target
times per stage, serious categories and who they escalate to, case numbers and PINs, keywords and sites.

No I/O, no clock, no configuration: time and randomness come in as arguments.

Sources
-------
* OECD Due Diligence Guidance, Annex II risk categories: standards.md section 3.2 (wording V, RMI page
  https://www.responsiblemineralsinitiative.org/minerals-due-diligence/issues/oecd-annex-ii-risks/).
* UNGP 31(c) *predictable*: "a clear and known procedure with an indicative time frame for each stage"
  (standards.md section 8.2, V). UNGP 31 gives no number of days: the targets below are the
  organisation's policy, defaults chosen by minewatch, **not a standard**; an organisation overrides them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

CHANNELS = ("web", "sms", "ussd", "field_officer", "hotline")

CATEGORIES = ("child_labour", "injury_or_death", "landslide_or_pit_collapse_risk", "pollution",
              "unfair_pay_or_weight", "forced_labour", "violence_or_armed_actors", "land_conflict", "other")

# OECD Annex II risk category of each report category, where one applies (standards.md 3.2, rows 1-2).
# ``None``: beyond Annex II (CRAFT module 5 "other risks requiring progressive improvement": mine safety,
# environment; standards.md 1.2), or no supply-chain risk category at all.
ANNEX_II_SERIOUS_ABUSES = "annex_ii_1_serious_abuses"
ANNEX_II_ARMED_GROUPS = "annex_ii_2_support_to_non_state_armed_groups"
ANNEX_II_LABELS = {
    ANNEX_II_SERIOUS_ABUSES: "OECD Annex II (1) serious abuses: torture or cruel, inhuman and degrading treatment; "
                             "forced or compulsory labour; worst forms of child labour; other gross human-rights "
                             "abuses such as widespread sexual violence; war crimes",
    ANNEX_II_ARMED_GROUPS: "OECD Annex II (2) direct or indirect support to non-state armed groups: illegal control "
                           "of sites, routes or trade points; illegal taxation or extortion",
}
ANNEX_II: dict[str, str | None] = {
    "child_labour": ANNEX_II_SERIOUS_ABUSES,  # "worst forms of child labour" (confirmed at assessment)
    "forced_labour": ANNEX_II_SERIOUS_ABUSES,  # "forced or compulsory labour"
    "violence_or_armed_actors": ANNEX_II_ARMED_GROUPS,  # armed groups; abuses by them are also row 1
    "injury_or_death": None,  # mine safety and OHS: beyond Annex II (CRAFT module 5)
    "landslide_or_pit_collapse_risk": None,  # mine safety: beyond Annex II
    "pollution": None,  # environment: beyond Annex II
    "unfair_pay_or_weight": None,  # fair trade practice; fraud on origin (Annex II 4) is not the same thing
    "land_conflict": None,
    "other": None,
}

STAGES = ("received", "acknowledged", "assessed", "action", "resolved", "closed", "appealed")
OPEN_STAGES = ("received", "acknowledged", "assessed", "action", "appealed")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("acknowledged",),
    "acknowledged": ("assessed",),
    "assessed": ("action", "resolved"),  # no action needed is a resolution too
    "action": ("resolved",),
    "resolved": ("closed", "appealed"),
    "closed": ("appealed",),
    "appealed": ("assessed", "resolved"),  # re-assessed, or the appeal decided
}

# Days a case may stay in a stage before it is overdue. Organisation policy (provisional defaults, see the
# module docstring): acknowledge within 2 days, assess within 7, act within 30, resolve within 60, decide an
# appeal within 30. Resolved and closed have no target.
DEFAULT_SLA_DAYS: dict[str, int] = {"received": 2, "acknowledged": 7, "assessed": 30, "action": 60, "appealed": 30}

# Serious categories escalate at receipt to named roles (issue 7 part 1). Every child-labour report is
# treated as a possible worst form (ILO C182 art. 3(d), hazardous work, standards.md 4.1) until assessed.
DEFAULT_ESCALATION: dict[str, tuple[str, ...]] = {
    "injury_or_death": ("coordinator",),
    "child_labour": ("coordinator", "child_protection_officer"),
    "forced_labour": ("coordinator",),
    "violence_or_armed_actors": ("coordinator",),
}

# Content only the child-protection role sees (others see category and stage).
RESTRICTED_CATEGORIES = {"child_labour": "children.read"}


@dataclass(frozen=True)
class Policy:
    """An organisation's grievance policy: targets per stage (days) and escalation roles per category."""

    sla_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SLA_DAYS))
    escalation: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ESCALATION))


DEFAULT_POLICY = Policy()


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise ValueError(f"category {category!r} is not one of: {', '.join(CATEGORIES)}")
    return category


def can_move(current: str, target: str) -> bool:
    """Whether the stage machine allows ``current`` -> ``target``.

    >>> can_move("received", "acknowledged"), can_move("received", "closed")
    (True, False)
    """
    return target in TRANSITIONS.get(current, ())


def due_on(stage: str, since: dt.date, policy: Policy = DEFAULT_POLICY) -> dt.date | None:
    """The date by which a case that entered ``stage`` on ``since`` must leave it; None if no target."""
    days = policy.sla_days.get(stage)
    return None if days is None else since + dt.timedelta(days=days)


def days_overdue(stage: str, since: dt.date, today: dt.date, policy: Policy = DEFAULT_POLICY) -> int:
    """Days past the stage's target on ``today`` (0 if not overdue or no target).

    >>> days_overdue("received", dt.date(2026, 1, 1), dt.date(2026, 1, 4))
    1
    """
    due = due_on(stage, since, policy)
    return max(0, (today - due).days) if due else 0


def escalation_roles(category: str, policy: Policy = DEFAULT_POLICY) -> tuple[str, ...]:
    return tuple(policy.escalation.get(category, ()))


def is_serious(category: str, policy: Policy = DEFAULT_POLICY) -> bool:
    return bool(escalation_roles(category, policy))


# Case numbers: "G-" and 6 characters from 31 that cannot be confused when read out or typed on a keypad
# (no 0/O, 1/I/L): 31**6 = 887 503 681 numbers, unique per organisation (checked on insert).
CASE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CASE_NUMBER_RE = re.compile(r"^G-[" + CASE_ALPHABET + r"]{6}$")
PIN_DIGITS = 6
PIN_ATTEMPTS_PER_HOUR = 5  # per case; minewatch policy (NIST SP 800-63B 5.2.2 asks for a limit, not a number)


def new_case_number(rng) -> str:
    """``rng`` has ``choice`` (``secrets.SystemRandom()`` in the service)."""
    return "G-" + "".join(rng.choice(CASE_ALPHABET) for _ in range(6))


def new_pin(rng) -> str:
    return "".join(rng.choice("0123456789") for _ in range(PIN_DIGITS))


def normalise_case_number(raw: str) -> str:
    """``" g-7k3q9a "`` -> ``"G-7K3Q9A"`` (also without the dash)."""
    s = re.sub(r"[\s-]", "", (raw or "").upper())
    if s.startswith("G"):
        s = s[1:]
    return "G-" + s


def pin_too_many(failures_last_hour: int) -> bool:
    return failures_last_hour >= PIN_ATTEMPTS_PER_HOUR


def fold(text: str) -> str:
    """Lower case without accents: ``"Niño"`` -> ``"nino"``."""
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()


# Keywords (word stems, accent-folded) per category in the six languages of issue 7 part 5; matched as
# the start of a word. Checked in this order: serious categories first.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "child_labour": {"en": ("child", "kid", "minor"), "fr": ("enfant", "mineur"), "es": ("nino", "nina", "menor"),
                     "pt": ("crianca", "menor"), "sw": ("mtoto", "watoto"), "fil": ("bata",)},
    "injury_or_death": {"en": ("injur", "dead", "death", "died", "kill", "hurt"),
                        "fr": ("bless", "mort", "deces"), "es": ("herid", "muert", "fallec"),
                        "pt": ("ferid", "mort", "falec"), "sw": ("jeraha", "kufa", "amekufa", "kifo"),
                        "fil": ("sugat", "patay", "namatay")},
    "forced_labour": {"en": ("forced", "slave"), "fr": ("force", "esclav"), "es": ("forzad", "esclav"),
                      "pt": ("forcad", "escrav"), "sw": ("kulazimishwa", "utumwa"), "fil": ("sapilit", "alipin")},
    "violence_or_armed_actors": {"en": ("armed", "soldier", "militia", "gun", "violence", "rape"),
                                 "fr": ("arme", "soldat", "milic", "violenc", "viol"),
                                 "es": ("armad", "soldad", "milic", "violenc"),
                                 "pt": ("armad", "soldad", "milic", "violenc"),
                                 "sw": ("silaha", "askari", "wanamgambo", "vurugu"),
                                 "fil": ("armas", "sundalo", "karahasan")},
    "landslide_or_pit_collapse_risk": {"en": ("landslide", "collapse", "pit wall"), "fr": ("eboulement", "effondr"),
                                       "es": ("derrumbe", "deslizamiento"), "pt": ("desabamento", "deslizamento"),
                                       "sw": ("maporomoko", "kuporomoka"), "fil": ("guho", "pagguho")},
    "pollution": {"en": ("pollut", "mercury", "river"), "fr": ("pollu", "mercure", "riviere"),
                  "es": ("contamin", "mercurio"), "pt": ("polui", "mercurio"), "sw": ("uchafuzi", "zebaki"),
                  "fil": ("polusyon", "mercury")},
    "unfair_pay_or_weight": {"en": ("pay", "weight", "cheat", "price"), "fr": ("paie", "poids", "trich", "prix"),
                             "es": ("pago", "peso", "engan", "precio"), "pt": ("pagamento", "peso", "engan", "preco"),
                             "sw": ("malipo", "uzito", "bei"), "fil": ("bayad", "timbang", "presyo")},
    "land_conflict": {"en": ("land",), "fr": ("terre", "terrain", "foncier"), "es": ("tierra",), "pt": ("terra",),
                      "sw": ("ardhi",), "fil": ("lupa",)},
}


def category_for_keyword(text: str, language: str) -> str | None:
    """The category named by a keyword in ``text`` (the language's words first, then every language).

    >>> category_for_keyword("Un ENFANT dans le puits", "fr"), category_for_keyword("mtoto", "en")
    ('child_labour', 'child_labour')
    """
    words = fold(text)
    if not words.strip():
        return None
    lang = (language or "").lower()[:3].rstrip("-_")

    def hit(stems: tuple[str, ...]) -> bool:
        return any(re.search(r"(?<![a-z])" + re.escape(stem), words) for stem in stems)

    for pass_languages in ((lang,), None):
        for category, by_language in KEYWORDS.items():
            stems = (by_language.get(lang, ()) if pass_languages else
                     tuple(s for ss in by_language.values() for s in ss))
            if stems and hit(stems):
                return category
    return None


@dataclass(frozen=True)
class SiteGuess:
    code: str | None
    how: str  # chosen | code_in_text | name_in_text | not_inferred


def infer_site(text: str, sites: list[tuple[str, str | None]]) -> SiteGuess:
    """A site from the text: a site code written in it (exact, case-insensitive, as a whole token), else the
    one site whose name appears in it; otherwise not inferred (ambiguous names never guess).

    >>> infer_site("pit at kal-001 is cracking", [("KAL-001", "Kalimbi"), ("NYA-2", None)]).code
    'KAL-001'
    """
    folded = fold(text)
    codes = [c for c, _ in sites if c and re.search(r"(?<![a-z0-9])" + re.escape(fold(c)) + r"(?![a-z0-9])", folded)]
    if len(codes) == 1:
        return SiteGuess(codes[0], "code_in_text")
    if not codes:
        names = [c for c, n in sites if n and len(n.strip()) >= 3
                 and re.search(r"(?<![a-z0-9])" + re.escape(fold(n.strip())) + r"(?![a-z0-9])", folded)]
        if len(names) == 1:
            return SiteGuess(names[0], "name_in_text")
    return SiteGuess(None, "not_inferred")
