"""Use cases of mercury: record practices and gold production, find Minamata worst practices, estimate
mercury use and releases, and summarise the baseline a National Action Plan asks for (Annex C 1(d)).

Observations come from two places:

* practices entered for a site (``mercury practice add``), optionally tied to one of its visits;
* the visits themselves: a visit that answered the mercury question (``site_visits.mercury_used``, IPIS
  column ``mercury``: 1/0) and was not marked as not reached gives ``mercury_use`` (1) or ``no_mercury``
  (0) on the visit date. IPIS records nothing about how mercury is used (no amalgamation mode, burning
  place or cyanidation), so no worst practice is ever derived from an IPIS visit; ``cyanide_used`` is not
  read (IPIS leaves it empty, and cyanide at a site using mercury does not show that mercury-contaminated
  tailings were leached).

Hg:Au ratios and release shares are data (``ratios.csv`` and ``release_split.csv`` beside this module,
or files given with ``--ratios`` / ``--split`` with the same columns: key, value, status, source, note).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path

from minewatch.adapters.db import UnitOfWork
from minewatch.audit.model import digest
from minewatch.audit.service import AuditLog
from minewatch.errors import NotFound, PermissionDenied
from minewatch.kit import parsing
from minewatch.kit.findings import ParseProblem, Problem
from minewatch.mercury import repository as repo
from minewatch.mercury.errors import MercuryInputInvalid, ProductionImportRejected
from minewatch.mercury.model import (PRACTICES, Estimate, Observation, Ratio, Ratios, estimate_period,
                                     parse_practice, practices_for_period, worst_practice_findings)
from minewatch.mercury.orm import GoldProduction, MercuryPractice

RATIO_COLUMNS = ("key", "value", "status", "source", "note")
RATIO_KEYS = ("whole_ore", "concentrate", "concentrate_retort")
SPLIT_KEYS = ("air", "land_water", "air_later", "water", "land", "tailings")
STATUSES = ("V", "V2", "K")
PRODUCTION_COLUMNS = ("site_code", "period_start", "period_end", "gold_kg", "source")


def _require(actor, permission: str, doing: str) -> None:
    if not actor.may(permission):
        raise PermissionDenied(f"role '{actor.role}' may not {doing}")


def _num(d: Decimal | None) -> str | None:
    """A decimal as plain text without exponent or trailing zeros (``Decimal('3.000')`` -> ``'3'``)."""
    if d is None:
        return None
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- ratios -----------------------------------------------------------------------------------------------

def _read_ratio_file(text: str, name: str, keys: tuple[str, ...]) -> dict[str, Ratio]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in RATIO_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise MercuryInputInvalid(f"{name}: missing column(s) {', '.join(missing)}")
    out = {}
    for n, row in enumerate(reader, start=2):
        key, raw, status, source = ((row.get(c) or "").strip() for c in RATIO_COLUMNS[:4])
        if key not in keys:
            raise MercuryInputInvalid(f"{name}: row {n}, column 'key' value {key!r}: must be one of {', '.join(keys)}")
        if status not in STATUSES:
            raise MercuryInputInvalid(f"{name}: row {n}, column 'status' value {status!r}: must be one of "
                                      f"{', '.join(STATUSES)} (standards.md: V checked, V2 secondary, K unverified)")
        if not source:
            raise MercuryInputInvalid(f"{name}: row {n}, column 'source': every figure needs its source")
        value = None
        if raw:
            try:
                value = Decimal(raw)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite() or value < 0:
                raise MercuryInputInvalid(f"{name}: row {n}, column 'value' value {raw!r}: not a number >= 0")
        if key in out:
            raise MercuryInputInvalid(f"{name}: row {n}, column 'key' value {key!r}: given twice")
        out[key] = Ratio(key, value, status, source, (row.get("note") or "").strip())
    return out


def load_ratios(ratios_path: Path | None = None, split_path: Path | None = None) -> Ratios:
    """The Hg:Au ratios and release shares: the files given, else the defaults shipped with minewatch."""
    here = files("minewatch.mercury")

    def read(path: Path | None, default: str) -> str:
        if path is None:
            return here.joinpath(default).read_text(encoding="utf-8")
        try:
            return Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MercuryInputInvalid(f"{path}: not UTF-8 text (byte {exc.start})") from None

    ratios_text = read(ratios_path, "ratios.csv")
    split_text = read(split_path, "release_split.csv")
    split = _read_ratio_file(split_text, str(split_path or "release_split.csv"), SPLIT_KEYS)
    total = sum((r.value for r in split.values() if r.value is not None), Decimal(0))
    if split and total > 1:
        raise MercuryInputInvalid(f"{split_path or 'release_split.csv'}: the shares add up to {total}, more than 1")
    return Ratios(_read_ratio_file(ratios_text, str(ratios_path or "ratios.csv"), RATIO_KEYS), split)


# -- recording --------------------------------------------------------------------------------------------

def _site_id(s, actor, code: str) -> int:
    ids = repo.site_ids_by_code(s, actor, {code})
    if code not in ids:
        raise NotFound(f"no site {code} in organisation '{actor.org_slug}'", code="site_not_found")
    return ids[code]


def add_practice(uow: UnitOfWork, *, actor, site_code: str, practice: str, observed_on: dt.date | None = None,
                 visit_id: int | None = None, note: str | None = None) -> tuple[Observation, bool]:
    """Record that ``practice`` was seen at a site on a date; (observation, created). The same practice at the
    same site on the same date is the same observation: adding it again changes nothing."""
    _require(actor, "registry.write", "record mercury practices")
    try:
        p = parse_practice(practice)
    except ValueError as exc:
        raise MercuryInputInvalid(f"--practice: {exc}") from None
    s = uow.session
    site_id = _site_id(s, actor, site_code)
    visit_ref = None
    if visit_id is not None:
        v = repo.visit(s, actor, visit_id)
        if v is None:
            raise NotFound(f"no visit {visit_id} in organisation '{actor.org_slug}'", code="visit_not_found")
        if v.site_id != site_id:
            raise MercuryInputInvalid(f"--visit {visit_id}: that visit is of another site, not {site_code}")
        observed_on = observed_on or v.visit_date
        visit_ref = v.source_visit_id
    if observed_on is None:
        raise MercuryInputInvalid("--observed-on: give the date the practice was seen (or --visit)")
    if note is not None and len(note) > 500:
        raise MercuryInputInvalid(f"--note: {len(note)} characters, at most 500")
    existing = repo.practice(s, actor, site_id, p.key, observed_on)
    if existing is not None:
        return Observation(site_code, p.key, observed_on, "entered", existing.id, existing.visit_id, visit_ref), False
    row = MercuryPractice(org_id=actor.org_id, site_id=site_id, practice=p.key, observed_on=observed_on,
                          visit_id=visit_id, note=note, actor_email=actor.email)
    content = {"site": site_code, "practice": p.key, "observed_on": observed_on.isoformat(), "visit_id": visit_id,
               "note": note}
    row.content_digest = digest(content)
    s.add(row)
    s.flush()
    log = AuditLog(s, actor, context="mercury")
    log.record("created", "mercury_practice", row.id, before=None, after=row.content_digest)
    log.flush()
    uow.commit()
    return Observation(site_code, p.key, observed_on, "entered", row.id, visit_id, visit_ref), True


def _parse_gold_kg(raw: str | None) -> Decimal:
    text = (raw or "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ParseProblem("not_a_number", "not a number of kg of gold (write e.g. 1.25)") from None
    if not value.is_finite() or value < 0:
        raise ParseProblem("not_positive", "must be a number of kg >= 0")
    return value


def _store_production(s, actor, log: AuditLog, site_id: int, site_code: str, start: dt.date, end: dt.date,
                      gold_kg: Decimal, source: str) -> str:
    content = {"site": site_code, "period_start": start.isoformat(), "period_end": end.isoformat(),
               "gold_kg": _num(gold_kg), "source": source}
    d = digest(content)
    row = repo.production_record(s, actor, site_id, start, end)
    if row is None:
        row = GoldProduction(org_id=actor.org_id, site_id=site_id, period_start=start, period_end=end,
                             gold_kg=_num(gold_kg), source=source, content_digest=d)
        s.add(row)
        s.flush()
        log.record("created", "gold_production", row.id, before=None, after=d)
        return "inserted"
    if row.content_digest == d:
        return "unchanged"
    before = row.content_digest
    row.gold_kg, row.source, row.content_digest = _num(gold_kg), source, d
    log.record("updated", "gold_production", row.id, before=before, after=d)
    return "updated"


def add_production(uow: UnitOfWork, *, actor, site_code: str, period_start: dt.date, period_end: dt.date,
                   gold_kg: str | Decimal, source: str) -> str:
    """Record the gold produced at a site over a period (kg); 'inserted', 'updated' or 'unchanged'."""
    _require(actor, "registry.write", "record gold production")
    try:
        kg = _parse_gold_kg(str(gold_kg))
    except ParseProblem as exc:
        raise MercuryInputInvalid(f"--gold-kg value {str(gold_kg)!r}: {exc.reason}") from None
    if period_end < period_start:
        raise MercuryInputInvalid(f"--to {period_end}: the period ends before it starts ({period_start})")
    if not (source or "").strip():
        raise MercuryInputInvalid("--source: say where the production figure comes from")
    if len(source.strip()) > 300:
        raise MercuryInputInvalid(f"--source: {len(source.strip())} characters, at most 300")
    s = uow.session
    site_id = _site_id(s, actor, site_code)
    log = AuditLog(s, actor, context="mercury")
    outcome = _store_production(s, actor, log, site_id, site_code, period_start, period_end, kg, source.strip())
    log.flush()
    uow.commit()
    return outcome


def import_production(uow: UnitOfWork, *, actor, path: Path) -> dict[str, int]:
    """Import a CSV of gold production (columns site_code, period_start, period_end, gold_kg, source).

    All or nothing: any bad cell rejects the file with every problem named (row, column, value, reason).
    Re-importing the same file changes nothing; a changed figure for the same site and period is an update.
    """
    _require(actor, "registry.write", "import gold production")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProductionImportRejected(f"{path.name}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") \
            from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in PRODUCTION_COLUMNS if c not in header]
    if missing:
        raise ProductionImportRejected(f"{path.name}: missing column(s) {', '.join(missing)}")
    rows, problems, seen = [], [], {}
    s = uow.session
    raw_rows = [{(k or "").strip(): v for k, v in r.items()} for r in reader]
    ids = repo.site_ids_by_code(s, actor, {(r.get("site_code") or "").strip() for r in raw_rows} - {""})
    for n, r in enumerate(raw_rows, start=2):
        bad = False

        def problem(column, code, reason):
            nonlocal bad
            bad = True
            problems.append(Problem("error", code, reason, n, column, r.get(column)))

        code = (r.get("site_code") or "").strip()
        if not code:
            problem("site_code", "required", "a site code is required")
        elif code not in ids:
            problem("site_code", "unknown_site", f"no site {code} in organisation '{actor.org_slug}'")
        dates = {}
        for column in ("period_start", "period_end"):
            try:
                dates[column] = parsing.parse_date(r.get(column))
                if dates[column] is None:
                    problem(column, "required", "a date is required")
            except ParseProblem as exc:
                problem(column, exc.code, exc.reason)
        if dates.get("period_start") and dates.get("period_end") and dates["period_end"] < dates["period_start"]:
            problem("period_end", "period_reversed", "the period ends before it starts")
        try:
            kg = _parse_gold_kg(r.get("gold_kg"))
        except ParseProblem as exc:
            problem("gold_kg", exc.code, exc.reason)
        source = (r.get("source") or "").strip()
        if not source:
            problem("source", "required", "say where the production figure comes from")
        elif len(source) > 300:
            problem("source", "too_long", f"{len(source)} characters, at most 300")
        if bad:
            continue
        key = (code, dates["period_start"], dates["period_end"])
        if key in seen:
            problem("period_start", "duplicate", f"the same site and period as row {seen[key]}")
            continue
        seen[key] = n
        rows.append((code, dates["period_start"], dates["period_end"], kg, source))
    if problems:
        report = _Report(problems)
        first = problems[0].describe()
        raise ProductionImportRejected(f"{path.name}: {len(problems)} problem(s), nothing stored; first: {first}",
                                       report=report)
    log = AuditLog(s, actor, context=f"mercury production import {path.name}")
    counts = Counter({"inserted": 0, "updated": 0, "unchanged": 0})
    for code, start, end, kg, source in rows:
        counts[_store_production(s, actor, log, ids[code], code, start, end, kg, source)] += 1
    log.flush()
    uow.commit()
    return dict(counts)


class _Report:
    """What an import rejection carries: every problem (``report.problems``)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems


# -- reading ----------------------------------------------------------------------------------------------

def _observations(s, actor, site_ids: list[int] | None) -> list[Observation]:
    out = [Observation(code, p.practice, p.observed_on, "entered", p.id, p.visit_id, ref)
           for p, code, ref in repo.entered_practices(s, actor, site_ids)]
    out += [Observation(code, "mercury_use" if used else "no_mercury", on, "visit", None, vid, ref)
            for vid, ref, on, used, code in repo.visit_mercury_answers(s, actor, site_ids)]
    return sorted(out, key=lambda o: (o.site_code, o.observed_on, o.practice, o.source))


def _gather(uow: UnitOfWork, actor, site_code: str | None):
    _require(actor, "registry.read", "read the registry")
    s = uow.session
    sites = repo.sites(s, actor, [site_code] if site_code else None)
    if site_code and not sites:
        raise NotFound(f"no site {site_code} in organisation '{actor.org_slug}'", code="site_not_found")
    ids = [r.id for r in sites] if site_code else None
    obs = defaultdict(list)
    for o in _observations(s, actor, ids):
        obs[o.site_code].append(o)
    prod = defaultdict(list)
    for p, code in repo.production(s, actor, ids):
        prod[code].append(p)
    return sites, obs, prod


def _estimate_dict(e: Estimate) -> dict:
    return {"status": e.status, "mercury_kg": _num(e.mercury_kg), "mercury_kg_low": _num(e.mercury_kg_low),
            "mercury_kg_high": _num(e.mercury_kg_high),
            "released_to_kg": {k: _num(v) for k, v in e.released_to.items()}, "ratio": e.ratio_key,
            "reason": e.reason, "assumptions": list(e.assumptions)}


def _site_estimates(code: str, obs: list[Observation], prod: list, ratios: Ratios) -> list[dict]:
    if not prod:
        practices = [PRACTICES[o.practice] for o in obs]
        e = estimate_period(None, practices, ratios)
        return [{"period_start": None, "period_end": None, "gold_kg": None, "source": None, "practices_used": [],
                 **_estimate_dict(e)}]
    out = []
    for p in prod:
        used = practices_for_period(obs, p.period_start, p.period_end)
        e = _estimate_dict(estimate_period(Decimal(p.gold_kg), [PRACTICES[o.practice] for o in used], ratios))
        if used and used[0].observed_on < p.period_start:
            e["assumptions"].append(f"no practice observed within the period: those last seen on "
                                    f"{used[0].observed_on} are taken to continue")
        out.append({"period_start": p.period_start, "period_end": p.period_end, "gold_kg": p.gold_kg,
                    "source": p.source, "practices_used": sorted({o.practice for o in used}), **e})
    return out


def _ratios_dict(ratios: Ratios) -> dict:
    def one(r: Ratio) -> dict:
        return {"value": _num(r.value), "status": r.status, "provisional": r.provisional, "source": r.source,
                "note": r.note}
    return {"hg_au": {k: one(r) for k, r in ratios.hg_au.items()},
            "release_split": {k: one(r) for k, r in ratios.split.items()}}


def estimate(uow: UnitOfWork, *, actor, site_code: str | None = None, ratios: Ratios | None = None) -> dict:
    """Per site: the practices observed, the Annex C 1(b) worst-practice findings and, per production
    period, the mercury lost and released with every assumption; plus the ratios used and their sources."""
    ratios = ratios or load_ratios()
    sites, obs, prod = _gather(uow, actor, site_code)
    out, findings = [], []
    for site in sites:
        site_obs, site_prod = obs.get(site.code, []), prod.get(site.code, [])
        if not site_obs and not site_prod and not site_code:
            continue  # a site nobody has said anything about is not listed (it is counted in the baseline)
        f = [x.as_dict() for x in worst_practice_findings(site_obs)]
        findings += f
        out.append({"site_code": site.code, "country": site.country, "admin1": site.admin1, "admin2": site.admin2,
                    "practices": [o.as_dict() for o in site_obs], "worst_practices": f,
                    "estimates": _site_estimates(site.code, site_obs, site_prod, ratios)})
    return {"sites": out, "worst_practice_findings": findings, "ratios": _ratios_dict(ratios)}


LEVELS = (("site", ("site_code",)), ("district", ("country", "admin1", "admin2")),
          ("province", ("country", "admin1")), ("country", ("country",)))


def baseline(uow: UnitOfWork, *, actor, ratios: Ratios | None = None) -> dict:
    """The Annex C paragraph 1(d) baseline: per site, district (admin2), province (admin1) and country,
    the number of sites, sites using mercury, practices and worst practices observed (sites counted once
    each), gold produced and mercury lost and released (estimates, with low/high totals when a mode is not
    recorded), and the years the data come from.

    A site "uses mercury" when any observation of it (entered or from a visit) is of a practice using
    mercury; it is "mercury-free" when it has observations and none of them uses mercury.
    """
    ratios = ratios or load_ratios()
    sites, obs, prod = _gather(uow, actor, None)
    per_site = []
    for site in sites:
        site_obs, site_prod = obs.get(site.code, []), prod.get(site.code, [])
        est = _site_estimates(site.code, site_obs, site_prod, ratios) if (site_obs or site_prod) else []
        years = {o.observed_on.year for o in site_obs}
        for p in site_prod:
            years.update(range(p.period_start.year, p.period_end.year + 1))
        per_site.append({"site_code": site.code, "country": site.country, "admin1": site.admin1,
                         "admin2": site.admin2, "obs": site_obs, "prod": site_prod, "est": est, "years": years})
    levels = {name: _aggregate(per_site, keys) for name, keys in LEVELS}
    return {"annex_c": "Minamata Convention Annex C paragraph 1(d): baseline estimates of the quantities of "
                       "mercury used and the practices employed",
            "levels": levels, "ratios": _ratios_dict(ratios)}


def _aggregate(per_site: list[dict], keys: tuple[str, ...]) -> list[dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for x in per_site:
        groups[tuple(x[k] for k in keys)].append(x)
    out = []
    for group_key, members in sorted(groups.items(), key=lambda kv: tuple("" if v is None else v for v in kv[0])):
        practices, worst = Counter(), Counter()
        using = free = 0
        gold = hg = low = high = Decimal(0)
        released = defaultdict(Decimal)
        status = Counter()
        years: set[int] = set()
        for x in members:
            keys_seen = {o.practice for o in x["obs"]}
            practices.update(keys_seen)
            worst.update({f.paragraph for f in worst_practice_findings(x["obs"])})
            if any(PRACTICES[k].uses_mercury for k in keys_seen):
                using += 1
            elif keys_seen:
                free += 1
            gold += sum((Decimal(p.gold_kg) for p in x["prod"]), Decimal(0))
            for e in x["est"]:
                status[e["status"]] += 1
                if e["status"] in ("estimated", "mercury_free"):
                    v = Decimal(e["mercury_kg"])
                    hg, low, high = hg + v, low + v, high + v
                    for k, r in e["released_to_kg"].items():
                        released[k] += Decimal(r)
                elif e["status"] == "range":
                    low += Decimal(e["mercury_kg_low"])
                    high += Decimal(e["mercury_kg_high"])
            years |= x["years"]
        out.append({**dict(zip(keys, group_key)), "sites": len(members), "sites_using_mercury": using,
                    "sites_mercury_free": free, "sites_without_observation": len(members) - using - free,
                    "practices": dict(sorted(practices.items())), "worst_practices": dict(sorted(worst.items())),
                    "gold_kg": _num(gold), "mercury_kg_estimated": _num(hg), "mercury_kg_low": _num(low),
                    "mercury_kg_high": _num(high), "released_to_kg": {k: _num(v) for k, v in released.items()},
                    "estimates": dict(sorted(status.items())), "data_years": sorted(years)})
    return out
