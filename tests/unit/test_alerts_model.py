"""Pure rules of alerts: SMS segment counts, rendering of every template in every language, the language
a person gets.

Segment sizes: 3GPP TS 23.040 section 9.2.3.24.1 (concatenated SMS: a 6-octet user data header leaves 153
GSM-7 septets or 67 UCS-2 characters of the 140 octets; one SMS alone holds 160 septets or 70 UCS-2
characters) and TS 23.038 section 6.2.1.1 (an extension-table character such as "€" costs 2 septets).
The limit of 3 segments is minewatch's provisional operating choice (alerts.model.MAX_SEGMENTS).
"""

from __future__ import annotations

import pytest

from minewatch.alerts.errors import AlertInvalid
from minewatch.alerts.model import (KINDS, MAX_SEGMENTS, AlertTemplates, fields_of, language_for, render_texts,
                                    sms_length)
from minewatch.alerts.templates import alert_templates
from minewatch.messaging.model import LANGUAGES

SAMPLE = {  # values like those an organisation would give
    "landslide_warning": {},
    "landslide_watch": {},
    "water_advisory": {"source": "the Kalimbi river"},
    "mercury_advisory": {},
    "meeting": {"date": "3 Dec", "time": "10:00", "place": "the cooperative office"},
    "other": {"message": "The access road is closed on Friday."},
}


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("a" * 160, "GSM-7", 160, 1),  # TS 23.040: 160 septets in one SMS
    ("a" * 161, "GSM-7", 161, 2),  # then 153 a segment: ceil(161 / 153) = 2
    ("a" * 306, "GSM-7", 306, 2),  # 2 * 153
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),  # TS 23.038 6.2.1.1: escape + character = 2 septets each
    ("€" * 81, "GSM-7", 162, 2),
    ("ê" * 70, "UCS-2", 70, 1),  # ê is not in GSM 03.38: UCS-2, 70 in one SMS
    ("ê" * 71, "UCS-2", 71, 2),  # then 67 a segment
    ("a" * 133 + "ê", "UCS-2", 134, 2),  # one non-GSM character makes the whole text UCS-2: 2 * 67
    ("a" * 134 + "ê", "UCS-2", 135, 3),
])
def test_sms_length_follows_3gpp_segment_sizes(text, encoding, units, segments):
    n = sms_length(text)
    assert (n.encoding, n.units, n.segments) == (encoding, units, segments)


def test_every_template_exists_in_the_six_languages_and_fits_the_segment_limit():
    t = alert_templates()
    assert set(t.texts) == set(LANGUAGES)
    assert t.provisional == set(LANGUAGES) - {"en"}  # only English is the reviewed reference text
    for kind in KINDS:
        texts = render_texts(t, kind=kind, params=SAMPLE[kind], defaults={"sites": "KAL-001, NYA-002"})
        assert set(texts) == set(LANGUAGES), kind
        for lang, a in texts.items():
            assert 1 <= a.segments <= MAX_SEGMENTS and "{" not in a.text, (kind, lang, a)
            assert "KAL-001, NYA-002" in a.text


def test_each_language_names_its_own_stop_keyword():
    # messaging/messages.yaml: en STOP, fr ARRET, es ALTO, pt PARAR, sw ACHA, fil TIGIL
    stop = {"en": "STOP", "fr": "ARRET", "es": "ALTO", "pt": "PARAR", "sw": "ACHA", "fil": "TIGIL"}
    t = alert_templates()
    for lang, word in stop.items():
        for kind, template in t.texts[lang].items():
            assert word in template, (lang, kind)


def test_a_missing_parameter_is_named():
    with pytest.raises(AlertInvalid, match=r"the water_advisory text in \w+: needs --param source=\.\.\.") as e:
        render_texts(alert_templates(), kind="water_advisory", params={}, defaults={"sites": "KAL-001"})
    assert e.value.code == "alert_param_missing"


def test_an_unused_parameter_is_refused_rather_than_lost():
    with pytest.raises(AlertInvalid, match="--param sorce: not used by the water_advisory text") as e:
        render_texts(alert_templates(), kind="water_advisory", params={"sorce": "river", "source": "river"},
                     defaults={"sites": "KAL-001"})
    assert e.value.code == "alert_param_unknown"


def test_a_text_over_the_limit_is_refused_with_its_segments():
    t = AlertTemplates({"en": {"other": "{message}"}})
    assert render_texts(t, kind="other", params={"message": "a" * 459})["en"].segments == 3  # 3 * 153
    with pytest.raises(AlertInvalid, match=r"the other text in en takes 4 SMS segments \(460 septets\); at most 3"):
        render_texts(t, kind="other", params={"message": "a" * 460})
    assert render_texts(t, kind="other", params={"message": "a" * 460}, max_segments=4)["en"].segments == 4


def test_own_texts_replace_the_template_and_unknown_languages_or_kinds_are_refused():
    t = alert_templates()
    texts = render_texts(t, kind="other", params={}, languages_text={"en": "Road closed at {sites}.",
                                                                     "sw": "Barabara imefungwa {sites}."},
                         defaults={"sites": "KAL-001"})
    assert {k: v.text for k, v in texts.items()} == {"en": "Road closed at KAL-001.",
                                                      "sw": "Barabara imefungwa KAL-001."}
    with pytest.raises(AlertInvalid, match="language xx: expected one of en, fr"):
        render_texts(t, kind="other", params={}, languages_text={"xx": "hello"})
    with pytest.raises(AlertInvalid, match="kind 'flood'"):
        render_texts(t, kind="flood", params={})


def test_language_for_prefers_the_person_then_the_organisation_then_english():
    assert language_for("sw", ["en", "sw"]) == "sw"
    assert language_for("xx", ["en", "fr", "sw"], fallback="fr") == "fr"
    assert language_for(None, ["en", "fr"], fallback="pt") == "en"
    assert language_for("fr", ["sw"], fallback="en") == "sw"  # an own text in one language only
    assert fields_of("{a} and {b}.") == {"a", "b"}
