"""Pure rules of grievances: categories and OECD Annex II, the stage machine, targets, escalation, case numbers,
PINs, keywords and site inference.

Sources: Annex II categories, standards.md 3.2 (row 1 serious abuses names "forced or compulsory labour" and
"worst forms of child labour"; row 2 is support to non-state armed groups). Stage targets are minewatch's
default policy (UNGP 31(c) asks for "an indicative time frame for each stage" without numbers,
standards.md 8.2).
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from minewatch.grievances import model

D = dt.date


def test_every_category_has_an_annex_ii_entry_and_the_mapping_follows_standards_3_2():
    assert set(model.ANNEX_II) == set(model.CATEGORIES)
    assert model.ANNEX_II["child_labour"] == model.ANNEX_II["forced_labour"] == model.ANNEX_II_SERIOUS_ABUSES
    assert model.ANNEX_II["violence_or_armed_actors"] == model.ANNEX_II_ARMED_GROUPS
    assert "worst forms of child labour" in model.ANNEX_II_LABELS[model.ANNEX_II_SERIOUS_ABUSES]
    assert "forced or compulsory labour" in model.ANNEX_II_LABELS[model.ANNEX_II_SERIOUS_ABUSES]
    assert model.ANNEX_II["pollution"] is None and model.ANNEX_II["landslide_or_pit_collapse_risk"] is None


def test_stage_machine():
    assert model.can_move("received", "acknowledged") and not model.can_move("received", "resolved")
    assert model.can_move("assessed", "resolved")  # nothing to do is a resolution
    assert model.can_move("resolved", "appealed") and model.can_move("closed", "appealed")
    assert not model.can_move("closed", "received") and not model.can_move("action", "appealed")
    # every stage is reachable from received
    seen, todo = {"received"}, ["received"]
    while todo:
        for nxt in model.TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(model.STAGES)


def test_targets_per_stage_and_overdue_days():
    # defaults: acknowledge 2, assess 7, act 30, resolve 60, appeal 30 days (organisation policy)
    since = D(2026, 11, 1)
    assert [model.due_on(s, since) for s in ("received", "acknowledged", "assessed", "action", "appealed")] == [
        D(2026, 11, 3), D(2026, 11, 8), D(2026, 12, 1), D(2026, 12, 31), D(2026, 12, 1)]
    assert model.due_on("resolved", since) is None and model.days_overdue("closed", since, D(2030, 1, 1)) == 0
    assert model.days_overdue("received", since, D(2026, 11, 3)) == 0
    assert model.days_overdue("received", since, D(2026, 11, 13)) == 10
    strict = model.Policy(sla_days={"received": 1})
    assert model.days_overdue("received", since, D(2026, 11, 3), strict) == 1


def test_serious_categories_and_their_roles():
    serious = {c for c in model.CATEGORIES if model.is_serious(c)}
    assert serious == {"injury_or_death", "child_labour", "forced_labour", "violence_or_armed_actors"}
    assert model.escalation_roles("child_labour") == ("coordinator", "child_protection_officer")
    assert model.escalation_roles("pollution") == ()
    assert model.is_serious("pollution", model.Policy(escalation={"pollution": ("coordinator",)}))


def test_case_numbers_and_pins():
    rng = random.Random(7)
    numbers = {model.new_case_number(rng) for _ in range(2000)}
    assert len(numbers) == 2000 and all(model.CASE_NUMBER_RE.match(n) for n in numbers)
    assert not any(ch in "".join(numbers) for ch in "01IOL")  # nothing to misread on a keypad
    pin = model.new_pin(rng)
    assert len(pin) == model.PIN_DIGITS == 6 and pin.isdigit()
    assert model.normalise_case_number(" g-7k3q9a ") == model.normalise_case_number("G7K3Q9A") == "G-7K3Q9A"
    assert not model.pin_too_many(4) and model.pin_too_many(5)


@pytest.mark.parametrize("text, language, expected", [
    ("Un enfant dans le puits", "fr", "child_labour"),
    ("a CHILD is digging", "en", "child_labour"),
    ("hay un niño en la mina", "es", "child_labour"),
    ("mtoto anafanya kazi", "sw", "child_labour"),
    ("may bata sa minahan", "fil", "child_labour"),
    ("criança na mina", "pt", "child_labour"),
    ("mtoto", "en", "child_labour"),  # another language's keyword still counts
    ("soldiers take a tax at the pit", "en", "violence_or_armed_actors"),
    ("the buyer cheats on the weight", "en", "unfair_pay_or_weight"),
    ("éboulement hier", "fr", "landslide_or_pit_collapse_risk"),
    ("hello", "en", None),
    ("", "en", None),
])
def test_category_for_keyword(text, language, expected):
    assert model.category_for_keyword(text, language) == expected


def test_site_inference():
    sites = [("KAL-001", "Kalimbi"), ("KAL-0011", "Kalimbi Nord"), ("NYA-2", "Nyabibwe"), ("X-1", "Luhihi"),
             ("X-2", "Luhihi")]
    assert model.infer_site("pit wall at kal-001 cracking", sites) == model.SiteGuess("KAL-001", "code_in_text")
    assert model.infer_site("river at Nyabibwé", sites) == model.SiteGuess("NYA-2", "name_in_text")
    assert model.infer_site("children at Kalimbi Nord", sites).how == "not_inferred"  # two names match
    assert model.infer_site("at Luhihi", sites).how == "not_inferred"  # a name two sites share
    assert model.infer_site("somewhere", sites) == model.SiteGuess(None, "not_inferred")
