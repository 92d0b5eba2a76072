"""Pure rules of SMS and USSD intake: GSM 03.38 lengths, the keyword SMS parser, the USSD menus.

No I/O: the catalogue of texts (``messages.yaml``) is loaded by :mod:`minewatch.messaging.templates`
and passed in. Sources: 3GPP TS 23.038 section 6.2.1 (GSM 7-bit default alphabet and its extension
table), 3GPP TS 23.090 (a USSD string is at most 160 octets: 182 septets of GSM-7 or 80 UCS-2
characters); Africa's Talking USSD (``CON``/``END`` replies, ``text`` = the inputs joined by ``*``,
"about 182 characters" a screen; reference/peers.md section 7.2).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

# --- GSM 03.38 ---------------------------------------------------------------------------------------
# 3GPP TS 23.038 6.2.1, the default alphabet (0x1B, the escape to the extension table, left out).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
# 6.2.1.1, the extension table: each character costs the escape plus itself (2 septets).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
USSD_MAX_SEPTETS = 182  # 160 octets * 8 / 7 (3GPP TS 23.090; AT: "about 182 characters")
USSD_MAX_UCS2 = 80  # 160 octets / 2 octets a UCS-2 code unit


@dataclass(frozen=True)
class Length:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    limit: int

    @property
    def fits(self) -> bool:
        return self.units <= self.limit


def gsm7_septets(text: str) -> int | None:
    """Septets ``text`` takes in GSM-7, or None when a character is outside GSM 03.38.

    >>> gsm7_septets("Case 12 [new]"), gsm7_septets("Kesi ya ê")
    (15, None)
    """
    n = 0
    for ch in text:
        if ch in GSM7_BASIC:
            n += 1
        elif ch in GSM7_EXTENSION:
            n += 2
        else:
            return None
    return n


def ussd_length(text: str) -> Length:
    """How long ``text`` is on a USSD screen, in the encoding a gateway must use for it."""
    septets = gsm7_septets(text)
    if septets is not None:
        return Length("GSM-7", septets, USSD_MAX_SEPTETS)
    return Length("UCS-2", len(text.encode("utf-16-le")) // 2, USSD_MAX_UCS2)


# --- The catalogue of texts --------------------------------------------------------------------------
LANGUAGES = ("en", "fr", "es", "pt", "sw", "fil")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Catalog:
    """USSD menus, SMS templates and keywords per language (from ``messages.yaml``)."""

    categories: tuple[str, ...]
    texts: dict[str, dict]  # language -> key -> text (and "keywords", "category_labels")

    @classmethod
    def from_data(cls, data: dict) -> "Catalog":
        return cls(tuple(data["categories"]), dict(data["languages"]))

    def language(self, wanted: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
        if wanted in self.texts:
            return wanted
        return fallback if fallback in self.texts else DEFAULT_LANGUAGE

    def text(self, lang: str, key: str, **values) -> str:
        template = self.texts[lang].get(key) or self.texts[DEFAULT_LANGUAGE][key]
        return template.format(**values) if values else template

    def category_menu(self, lang: str) -> str:
        labels = self.texts[lang]["category_labels"]
        lines = [f"{i} {labels[c]}" for i, c in enumerate(self.categories, 1)]
        return self.text(lang, "choose_category") + "\n" + "\n".join(lines)

    def language_menu(self) -> str:
        return "\n".join(f"{i} {self.texts[code]['name']}" for i, code in enumerate(LANGUAGES, 1))


# --- Keyword SMS -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmsCommand:
    """What an inbound SMS asks: report, status, stop, start, or help (anything else)."""

    kind: str
    language: str | None = None  # the language of the keyword, when it tells one
    category: str | None = None
    text: str = ""
    case_number: str | None = None
    pin: str | None = None


def _fold(word: str) -> str:
    """Upper case without diacritics: ``"Arrêt"`` -> ``"ARRET"``."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _keyword(catalog: Catalog, word: str, prefer: str | None) -> tuple[str, str] | None:
    """(command, language) of a keyword; a word shared by languages (STOP, ESTADO) prefers ``prefer``."""
    folded = _fold(word)
    found = []
    for lang in LANGUAGES:
        for command, words in catalog.texts[lang]["keywords"].items():
            if folded in words:
                found.append((command, lang))
    if not found:
        return None
    return next((f for f in found if f[1] == prefer), found[0])


def parse_sms(body: str, catalog: Catalog, *, category_for: Callable[[str, str], str | None],
              prefer_language: str | None = None) -> SmsCommand:
    """Parse ``REPORT <category words> <text>``, ``STATUS <case> <pin>``, ``STOP``, ``START`` (any language).

    ``category_for(text, language)`` names the grievance category the words after the keyword speak of
    (the grievances feature's keyword lists), else the report is ``other``. The category words stay in
    the text: they are the reporter's own words, and a wrong guess then loses nothing.
    """
    words = body.strip().split()
    if not words:
        return SmsCommand("help")
    hit = _keyword(catalog, words[0], prefer_language)
    if hit is None:
        # A message without keyword is still a report: nobody should lose a grievance to syntax.
        lang = prefer_language or DEFAULT_LANGUAGE
        return SmsCommand("report", category=category_for(body.strip(), lang) or "other", text=body.strip())
    command, lang = hit
    rest = words[1:]
    if command == "status":
        if len(rest) >= 2:
            return SmsCommand("status", lang, case_number=rest[0].upper(), pin=rest[1])
        return SmsCommand("help", lang)
    if command in ("stop", "start"):
        return SmsCommand(command, lang)
    text = " ".join(rest)
    category = category_for(text, lang) if text else None
    return SmsCommand("report", lang, category=category or "other", text=text)


# --- USSD --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Screen:
    """One USSD answer: ``CON`` (wait for input) or ``END``; ``action`` is what the session asks for."""

    kind: str  # "CON" | "END"
    text: str
    language: str
    action: dict | None = field(default=None)

    @property
    def body(self) -> str:
        return f"{self.kind} {self.text}"


def split_inputs(text: str) -> list[str]:
    """Africa's Talking's cumulative ``text`` (``""``, ``"1"``, ``"1*2"``...) as the list of inputs."""
    return text.split("*") if text else []


def ussd_screen(inputs: list[str], catalog: Catalog, *, language: str) -> Screen:
    """The screen after ``inputs`` (the whole session so far), and the action once the session ends.

    Menus: 1 report -> category -> site code (0 skips) -> short text -> 1 send / 2 cancel;
    2 check a case -> number -> PIN; 3 alerts -> 1 on / 2 off; 9 language -> choice, then the main menu
    again in that language. Stateless: the same inputs always give the same screen, so a replayed
    request is answered the same way (the service makes the action itself idempotent).
    """
    lang = catalog.language(language)
    inputs = list(inputs)
    while len(inputs) >= 1 and inputs[0] == "9":
        if len(inputs) == 1:
            return Screen("CON", catalog.language_menu(), lang)
        choice = inputs[1]
        if not (choice.isdigit() and 1 <= int(choice) <= len(LANGUAGES)):
            return Screen("END", catalog.text(lang, "invalid"), lang)
        lang = LANGUAGES[int(choice) - 1]
        inputs = inputs[2:]
    t = lambda key, **v: catalog.text(lang, key, **v)  # noqa: E731
    if not inputs:
        return Screen("CON", t("main"), lang)
    first, rest = inputs[0], inputs[1:]
    if first == "1":
        if not rest:
            return Screen("CON", catalog.category_menu(lang), lang)
        pick = rest[0]
        if not (pick.isdigit() and 1 <= int(pick) <= len(catalog.categories)):
            return Screen("END", t("invalid"), lang)
        if len(rest) == 1:
            return Screen("CON", t("ask_site"), lang)
        if len(rest) == 2:
            return Screen("CON", t("ask_text"), lang)
        if not rest[2].strip():
            return Screen("END", t("invalid"), lang)
        if len(rest) == 3:
            return Screen("CON", t("confirm"), lang)
        if rest[3] == "1" and len(rest) == 4:
            site = rest[1].strip().upper()
            return Screen("END", "", lang, {"do": "report", "category": catalog.categories[int(pick) - 1],
                                            "site_code": None if site in ("", "0") else site,
                                            "text": rest[2].strip()})
        if rest[3] == "2":
            return Screen("END", t("cancelled"), lang)
        return Screen("END", t("invalid"), lang)
    if first == "2":
        if not rest:
            return Screen("CON", t("ask_case"), lang)
        if len(rest) == 1:
            return Screen("CON", t("ask_pin"), lang)
        return Screen("END", "", lang, {"do": "status", "case_number": rest[0].strip().upper(), "pin": rest[1].strip()})
    if first == "3":
        if not rest:
            return Screen("CON", t("alerts"), lang)
        if rest[0] in ("1", "2") and len(rest) == 1:
            on = rest[0] == "1"
            return Screen("END", t("alerts_on" if on else "alerts_off"), lang, {"do": "alerts", "on": on})
        return Screen("END", t("invalid"), lang)
    return Screen("END", t("invalid"), lang)


def mask_phone(phone: str) -> str:
    """``"+254712345689"`` -> ``"+254******89"``: enough for support staff, useless to anyone else."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:4] + "*" * 6 + phone[-2:]


# --- Outbox timing -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff (``base_s * 2**(attempt-1)``, capped) and the number of attempts.

    Provisional operating values, not a standard: chosen so that a message is retried over about
    an hour (1, 2, 4, 8, 16 minutes) before it is marked failed; configure per deployment.
    """

    base_s: int = 60
    max_delay_s: int = 3600
    max_attempts: int = 5

    def delay_s(self, attempts: int) -> int:
        return min(self.max_delay_s, self.base_s * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class RateLimit:
    """At most ``per_window`` messages to one recipient in ``window_s`` (provisional: 5 an hour)."""

    per_window: int = 5
    window_s: int = 3600


PHONE_IN_TEXT = re.compile(r"\+?\d[\d\s().-]{6,}\d")


_PIN = re.compile(r"(?<!\d)\d{4,6}(?!\d)")


def scrub_pin(body: str) -> str:
    """The text of a message once it has left (sent, or failed for good): runs of 4 to 6 digits, the PIN
    of an acknowledgement, are masked, so the outbox does not keep a key to the reporter's case.

    >>> scrub_pin("Case G-7K3Q9A, PIN 482913. Reply STATUS G-7K3Q9A 482913")
    'Case G-7K3Q9A, PIN ******. Reply STATUS G-7K3Q9A ******'
    """
    return _PIN.sub(lambda m: "*" * len(m.group(0)), body)
