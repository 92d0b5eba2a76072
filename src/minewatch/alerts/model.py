"""Pure rules of alerts: the kinds, the text for each language, and how many SMS segments it takes.

No I/O: the templates (``templates.yaml``) are loaded by :mod:`minewatch.alerts.templates` and passed in.

SMS lengths (3GPP TS 23.040 section 9.2.3.24.1 and TS 23.038 section 6.2.1; Twilio "What the heck is a
segment?" and Africa's Talking bulk SMS pricing count the same way): one SMS carries 140 octets, that is
160 GSM-7 septets or 70 UCS-2 code units. A longer text is sent as a concatenated SMS whose 6-octet
header leaves 153 septets or 67 code units a segment. A character of the GSM-7 extension table costs 2
septets (:func:`minewatch.messaging.model.gsm7_septets`, reused here); one character outside GSM 03.38
turns the whole text into UCS-2.

How many segments an alert may take is an operating choice, not a standard: ``MAX_SEGMENTS`` = 3
(provisional: each segment is billed as one SMS, and old handsets show long texts badly); pass another
``max_segments`` to change it.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass

from minewatch.alerts.errors import AlertInvalid
from minewatch.messaging.model import DEFAULT_LANGUAGE, gsm7_septets

KINDS = ("landslide_warning", "landslide_watch", "water_advisory", "mercury_advisory", "meeting", "other")

GSM7_SINGLE, GSM7_SEGMENT = 160, 153  # septets: one SMS, one segment of a concatenated SMS (TS 23.040)
UCS2_SINGLE, UCS2_SEGMENT = 70, 67  # UTF-16 code units, the same
MAX_SEGMENTS = 3  # provisional operating limit (see the module docstring)


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" | "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int


def sms_length(text: str) -> SmsLength:
    """Encoding, length and number of SMS segments of ``text``.

    >>> sms_length("a" * 160), sms_length("a" * 161), sms_length("ê" * 70), sms_length("ê" * 71)
    (SmsLength(encoding='GSM-7', units=160, segments=1), SmsLength(encoding='GSM-7', units=161, segments=2), \
SmsLength(encoding='UCS-2', units=70, segments=1), SmsLength(encoding='UCS-2', units=71, segments=2))
    """
    septets = gsm7_septets(text)
    if septets is not None:
        single, per, encoding, units = GSM7_SINGLE, GSM7_SEGMENT, "GSM-7", septets
    else:
        single, per, encoding = UCS2_SINGLE, UCS2_SEGMENT, "UCS-2"
        units = len(text.encode("utf-16-le")) // 2
    return SmsLength(encoding, units, 1 if units <= single else math.ceil(units / per))


@dataclass(frozen=True)
class AlertText:
    language: str
    text: str
    encoding: str
    segments: int


@dataclass(frozen=True)
class AlertTemplates:
    """Alert texts per language and kind (from ``templates.yaml``); ``provisional`` languages await review."""

    texts: dict[str, dict[str, str]]  # language -> kind -> template
    provisional: frozenset[str] = frozenset()

    @classmethod
    def from_data(cls, data: dict) -> "AlertTemplates":
        return cls({lang: dict(kinds) for lang, kinds in data["languages"].items()},
                   frozenset(data.get("provisional") or ()))


def fields_of(template: str) -> set[str]:
    """The ``{name}`` fields a template needs."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _fill(template: str, params: dict[str, str], where: str) -> str:
    needed = fields_of(template)
    missing = sorted(needed - params.keys())
    if missing:
        raise AlertInvalid(f"{where}: needs --param {', '.join(f'{m}=...' for m in missing)}",
                           code="alert_param_missing")
    return template.format(**{k: params[k] for k in needed})


def render_texts(templates: AlertTemplates, *, kind: str, params: dict[str, str],
                 languages_text: dict[str, str] | None = None, defaults: dict[str, str] | None = None,
                 max_segments: int = MAX_SEGMENTS) -> dict[str, AlertText]:
    """The alert's text in every language it can be sent in, each checked to fit ``max_segments``.

    With ``languages_text`` ({language: text}) those texts are sent as they are (their ``{fields}`` filled
    from ``params``); otherwise the template of ``kind`` in each language of ``templates``. ``defaults``
    (such as ``sites``) fill the fields ``params`` leaves. A parameter no text uses is refused (a typo
    would otherwise vanish silently), and so is a text over the limit.
    """
    if kind not in KINDS:
        raise AlertInvalid(f"kind {kind!r}: expected one of {', '.join(KINDS)}", code="alert_kind_unknown")
    if languages_text:
        unknown = sorted(set(languages_text) - set(templates.texts))
        if unknown:
            raise AlertInvalid(f"language {', '.join(unknown)}: expected one of {', '.join(templates.texts)}",
                               code="alert_language_unknown")
        sources = {lang: text for lang, text in languages_text.items() if text and text.strip()}
        if not sources:
            raise AlertInvalid("the alert text is empty", code="alert_text_empty")
    else:
        sources = {lang: kinds[kind] for lang, kinds in templates.texts.items() if kind in kinds}
    used = set().union(*(fields_of(t) for t in sources.values()))
    extra = sorted(set(params) - used)
    if extra:
        raise AlertInvalid(f"--param {', '.join(extra)}: not used by the {kind} text (it uses: "
                           f"{', '.join(sorted(used)) or 'none'})", code="alert_param_unknown")
    values = {**(defaults or {}), **params}
    out = {}
    for lang, template in sources.items():
        text = _fill(template, values, f"the {kind} text in {lang}")
        length = sms_length(text)
        if length.segments > max_segments:
            raise AlertInvalid(f"the {kind} text in {lang} takes {length.segments} SMS segments "
                               f"({length.units} {'septets' if length.encoding == 'GSM-7' else 'UCS-2 characters'}"
                               f"); at most {max_segments} allowed", code="alert_too_long")
        out[lang] = AlertText(lang, text, length.encoding, length.segments)
    return out


def language_for(preferred: str | None, available, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The person's language if the alert has it, else the organisation's fallback, else English, else
    the first the alert has.

    >>> language_for("sw", ["en", "sw"]), language_for("xx", ["en", "fr"], "fr"), language_for(None, ["pt"])
    ('sw', 'fr', 'pt')
    """
    available = list(available)
    for lang in (preferred, fallback, DEFAULT_LANGUAGE):
        if lang and lang in available:
            return lang
    return available[0]
