"""Controlled vocabularies: multilingual synonyms, folding, unknowns kept, data attributes."""

from __future__ import annotations

import json

import pytest

from minewatch.kit.vocab import (
    LANGUAGES,
    LIFECYCLE_STATUS,
    LOCATION_ORIGIN,
    MEMBERSHIP_ROLES,
    MINERALS,
    MINING_METHODS,
    NON_ANSWERS,
    QUALIFICATION,
    SEX,
    TASKS,
    TITLE_TYPES,
    VOCABULARIES,
    Entry,
    Term,
    Vocabulary,
    fold,
)
from tests.shared_data import shared_data_path


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("  Cassitérite ", "cassiterite"),
        ("CASSITÉRITE", "cassiterite"),
        ("GPS(village Kiloza)", "gps village kiloza"),
        ("Pas d’ingérence", "pas d ingerence"),
        ("Maï-Maï", "mai mai"),
        ("Cœur", "coeur"),
        ("Estaño", "estano"),
        ("Landsat ETM+", "landsat etm"),
    ],
)
def test_fold_ignores_case_accents_whitespace_and_punctuation(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Or", "gold"), ("Oro", "gold"), ("Ouro", "gold"), ("gold", "gold"),
        ("Cassitérite", "cassiterite"), ("cassiterite", "cassiterite"), ("Estaño", "cassiterite"),
        ("tin", "cassiterite"), ("Étain", "cassiterite"),
        ("Coltan", "coltan"), ("Tantale", "coltan"), ("tantalum", "coltan"),
        ("Wolframite", "wolframite"), ("tungsten", "wolframite"), ("Tungstène", "wolframite"),
        ("Cuivre", "copper"), ("Cobre", "copper"), ("Digénite", "copper"),
        ("Cobalt", "cobalt"), ("Cobalto", "cobalt"),
        ("Diamant", "diamond"), ("Diamante", "diamond"),
        ("Manganèse", "manganese"), ("Fer", "iron"), ("Argent", "silver"), ("Plomb", "lead"),
        ("Galene", "lead"), ("Saphir", "sapphire"), ("Améthyste", "amethyst"), ("Spodumène", "lithium"),
        ("Pyrochlore", "niobium"), ("Arsénopyrite", "arsenic"), ("Charbon", "coal"),
        ("sable", "sand_gravel"), ("Pierres précieuses", "gemstones"), ("Autre", "other"),
    ],
)  # fmt: skip
def test_minerals_in_four_languages(raw, key):
    assert MINERALS.normalize(raw) == Term(key, True, raw)


def test_unknown_value_is_other_and_keeps_raw():
    assert MINERALS.normalize("Manvenve") == Term("other", False, "Manvenve")


def test_3t_is_a_group_not_a_mineral():
    assert MINERALS.normalize("3T") == Term("other", False, "3T")


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_is_none_not_other(blank):
    assert MINERALS.normalize(blank) is None
    assert MINERALS.normalize_many(blank) == ()


def test_normalize_many_splits_cells_with_several_values():
    assert [t.key for t in MINERALS.normalize_many("Minerais mixtes (Cassitérite/Coltan)")] == [
        "cassiterite",
        "coltan",
    ]
    assert [t.key for t in MINERALS.normalize_many("Or et Coltan")] == ["gold", "coltan"]
    assert MINERALS.normalize_many("Or, Manvenve") == (
        Term("gold", True, "Or"),
        Term("other", False, "Manvenve"),
    )


def test_normalize_many_keeps_a_synonym_that_contains_a_separator():
    terms = TASKS.normalize_many("Creuser, Sécher et séparer les minerais")
    assert [t.key for t in terms] == ["digging", "sorting"]


def test_3t_attribute():
    assert MINERALS.keys_where("is_3t") == {"cassiterite", "coltan", "wolframite"}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("creuseur", "digging"), ("Creuser", "digging"), ("excavación", "digging"), ("garimpeiro", "digging"),
        ("Creuser sous terre", "underground_work"), ("lavage", "washing"), ("Lavado", "washing"),
        ("Laver", "washing"), ("concassage", "crushing"), ("Usage du mercure", "amalgamation"),
        ("uso de mercurio", "amalgamation"), ("Cyanuration", "cyanidation"), ("transport", "transport"),
        ("Transport des minerais", "transport"), ("négociant", "trading"), ("Vendre", "trading"),
        ("Plongeur", "diving"), ("mergulhador", "diving"), ("Traiter les déchets", "tailings_reprocessing"),
        ("Restauration", "cooking"), ("batée", "panning"), ("gardien", "security"),
    ],
)  # fmt: skip
def test_tasks(raw, key):
    assert TASKS.normalize(raw).key == key


def test_hazardous_tasks_are_data():
    hazardous = TASKS.keys_where("hazardous")
    assert {"underground_work", "amalgamation", "cyanidation", "diving", "transport"} <= hazardous
    assert not {"washing", "trading", "cooking", "security", "other"} & hazardous
    for key in hazardous:
        assert TASKS.entry(key).attributes["hazard_basis"].startswith("ILO R190")


@pytest.mark.parametrize(
    ("vocabulary", "raw", "key"),
    [
        (MINING_METHODS, "Alluvionnaire", "alluvial"), (MINING_METHODS, "à ciel ouvert", "open_pit"),
        (MINING_METHODS, "Puits", "underground_shaft"), (MINING_METHODS, "galerie", "hard_rock_tunnel"),
        (MINING_METHODS, "Draga", "dredging"), (MINING_METHODS, "dragagem", "dredging"),
        (LIFECYCLE_STATUS, "Actif", "active"), (LIFECYCLE_STATUS, "suspendu", "suspended"),
        (LIFECYCLE_STATUS, "Abandonné", "closed"), (LIFECYCLE_STATUS, "réhabilité", "rehabilitated"),
        (LOCATION_ORIGIN, "GPS", "gps"), (LOCATION_ORIGIN, "GPS ", "gps"),
        (LOCATION_ORIGIN, "GPS (Approximation)", "approximation"),
        (LOCATION_ORIGIN, "Approximation", "approximation"),
        (LOCATION_ORIGIN, "Numérisation", "digitised"), (LOCATION_ORIGIN, "Landsat ETM+", "digitised"),
        (LOCATION_ORIGIN, "Ancienne base", "other"),
        (SEX, "F", "female"), (SEX, "femme", "female"), (SEX, "Mujer", "female"), (SEX, "mulher", "female"),
        (SEX, "M", "male"), (SEX, "Homme", "male"), (SEX, "hombre", "male"), (SEX, "homem", "male"),
        (MEMBERSHIP_ROLES, "Président", "president"), (MEMBERSHIP_ROLES, "Trésorière", "treasurer"),
        (MEMBERSHIP_ROLES, "socio", "member"), (MEMBERSHIP_ROLES, "Vice-président", "committee"),
        (QUALIFICATION, "Vert", "green"), (QUALIFICATION, "Jaune", "yellow"), (QUALIFICATION, "Rouge", "red"),
        (QUALIFICATION, "Bleu", "blue"), (QUALIFICATION, "No class", "not_classified"),
        (NON_ANSWERS, "Aucun", "none"), (NON_ANSWERS, "Aucun travail n'est destiné aux femmes", "none"),
        (NON_ANSWERS, "Je ne sais pas", "unknown"), (NON_ANSWERS, "inconnu", "unknown"),
        (NON_ANSWERS, "dontknow", "unknown"), (NON_ANSWERS, "Creuser", "other"),
    ],
)  # fmt: skip
def test_other_vocabularies(vocabulary, raw, key):
    assert vocabulary.normalize(raw).key == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [("PR (AS)", "PR"), ("PR (PP)", "PR"), ("PE", "PE"), ("PER", "PER"), ("PEPM", "PEPM"),
     ("ARPC (Car)", "ARPC"), ("AECP (Min)", "AECP"), ("AECT (Car)", "AECT"), ("ZEA", "ZEA"), ("ZIN", "ZIN")],
)  # fmt: skip
def test_title_types(raw, key):
    assert TITLE_TYPES.normalize(raw) == Term(key, True, raw)


def test_only_zea_is_an_artisanal_zone():
    assert TITLE_TYPES.keys_where("is_artisanal_zone") == {"ZEA"}
    assert TITLE_TYPES.keys_where("is_prohibited_zone") == {"ZIN"}


def test_registry_and_labels():
    assert set(VOCABULARIES) >= {
        "minerals", "tasks", "mining_methods", "lifecycle_status", "legal_status", "location_origin",
        "sex", "membership_roles", "title_types",
    }  # fmt: skip
    for name, vocabulary in VOCABULARIES.items():
        assert vocabulary.name == name
        assert "other" in vocabulary
        for entry in vocabulary:
            for lang in LANGUAGES:
                assert entry.label(lang).strip(), (name, entry.key, lang)
            # every label and synonym leads back to its own entry
            for spelling in entry.spellings():
                if fold(spelling):
                    assert vocabulary.normalize(spelling).key == entry.key, (name, spelling)
    assert MINERALS.label("gold", "fr") == "Or"
    assert SEX.keys == ("female", "male", "other", "unknown")


def test_a_synonym_claimed_by_two_keys_is_refused():
    with pytest.raises(ValueError, match="claimed by both"):
        a = Entry("a", "A", "A", "A", ("mercure",))
        Vocabulary("clash", [a, Entry("b", "B", "B", "B", ("Mercure!",))])


def test_entry_attributes_are_read_only():
    with pytest.raises(TypeError):
        TASKS.entry("diving").attributes["hazardous"] = False  # type: ignore[index]


@pytest.mark.shared_data
def test_every_title_type_in_the_drc_cadastre_maps():
    path = shared_data_path("drc-mining-titles-cami", "titres_V2.geojson")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    types = {f["properties"]["type"] for f in features}
    assert {t for t in types if not TITLE_TYPES.normalize(t).matched} == set()
