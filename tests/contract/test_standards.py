"""Every registered standards pack declares itself soundly and its rules cite their sources (STYLE.md rule 12)."""

import datetime as dt

import pytest

from minewatch.standards import registered

PACKS = registered()


def test_the_built_in_child_labour_pack_is_registered():
    assert "ilo_child_labour" in PACKS, "minewatch.standards entry points missing (pyproject.toml; reinstall)"


@pytest.mark.parametrize("pack_id", sorted(PACKS))
def test_pack_is_sound(pack_id):
    module = PACKS[pack_id]
    assert module.PACK_ID == pack_id
    assert module.TITLE and module.SOURCES
    rules = module.load()
    assert rules is module.load()  # loaded once
    # a child-labour pack: every task class and country override cites its rule or law, and the
    # evaluator answers for every task class at the ILO boundary ages (C138 Art. 2(3), 3(1), 7(1))
    from minewatch.labour.model import CLASSIFICATIONS, RuleSet, classify

    if isinstance(rules, RuleSet):
        assert all(t.rule for t in rules.task_classes.values())
        assert all(c.legal_source and c.status in ("V", "V2", "K") for c in rules.countries.values())
        for task in rules.task_classes:
            for age in (12, 13, 14, 15, 17, 18):
                f = classify(age, task, dt.date(2025, 1, 1), rules=rules)
                assert f.classification in CLASSIFICATIONS and f.rule
