"""Pure rules of SMS/USSD intake: GSM 03.38 lengths, keyword SMS, the USSD menus in six languages.

Sources: 3GPP TS 23.038 section 6.2.1 (GSM-7 default alphabet and extension table), 3GPP TS 23.090
(USSD string <= 160 octets = 182 septets / 80 UCS-2 characters), Africa's Talking USSD (CON/END,
``text`` joined by ``*``; reference/peers.md 7.2).
"""

from __future__ import annotations

import pytest

from minewatch.messaging.model import (LANGUAGES, RetryPolicy, gsm7_septets, mask_phone, parse_sms, split_inputs,
                                       ussd_length, ussd_screen)
from minewatch.messaging.templates import catalog


def category_for(text: str, language: str):
    """A stand-in for grievances.model.category_for_keyword: the first keyword found in the text."""
    words = text.lower().split()
    return next(({"child": "child_labour", "watoto": "child_labour", "polluted": "pollution"}[w]
                 for w in words if w in ("child", "watoto", "polluted")), None)


# --- GSM 03.38 ---------------------------------------------------------------------------------------
def test_gsm7_counts_basic_characters_once_and_extension_characters_twice():
    # TS 23.038 6.2.1: "é", "Ñ", "@" are in the default alphabet; "€", "[", "^" need ESC + char.
    assert gsm7_septets("Café @ Ñ") == 8
    assert gsm7_septets("€[^]") == 8
    assert gsm7_septets("x" * 182) == 182


def test_a_character_outside_gsm7_switches_to_ucs2_and_its_80_character_limit():
    # "ê", "ç" (lower case) and "ã" are not in the GSM 03.38 default alphabet.
    for ch in "êçã€":
        if ch == "€":
            continue
        assert gsm7_septets("Ol" + ch) is None
    length = ussd_length("Situação")
    assert (length.encoding, length.units, length.limit) == ("UCS-2", 8, 80)
    assert not ussd_length("ã" * 81).fits and ussd_length("ã" * 80).fits
    assert ussd_length("a" * 182).fits and not ussd_length("a" * 181 + "€").fits  # 183 septets


# --- Every menu fits one screen, in every language ----------------------------------------------------
def _all_screens(lang: str) -> list[tuple[str, str]]:
    cat = catalog()
    paths = ["", "1", "1*1", "1*1*KAL-001", "1*1*0*pit wall cracked", "1*1*0*x*2", "2", "2*MW-2026-0001",
             "3", "3*1", "3*2", "7", "9", "9*1"]
    screens = [(p, ussd_screen(split_inputs(p), cat, language=lang).text) for p in paths]
    # The final report answer and a status answer, with the longest values a case number and PIN can take.
    screens.append(("reported", cat.text(lang, "reported", case="MW-2026-000001", pin="99999999")))
    screens.append(("status", cat.text(lang, "status", case="MW-2026-000001", status="acknowledged")))
    for key in ("not_found", "invalid", "cancelled", "alerts_on", "alerts_off"):
        screens.append((key, cat.text(lang, key)))
    return screens


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_ussd_screen_fits_182_gsm7_septets_or_80_ucs2_characters(lang):
    for where, text in _all_screens(lang):
        length = ussd_length(text)
        assert length.fits, f"{lang} {where!r}: {length.units} {length.encoding} > {length.limit}: {text!r}"


def test_every_language_has_every_text_and_a_label_for_every_category():
    from minewatch.grievances.model import CATEGORIES

    cat = catalog()
    assert cat.categories == CATEGORIES  # the USSD list is the grievances feature's, in its order
    keys = set(cat.texts["en"])
    for lang in LANGUAGES:
        assert set(cat.texts[lang]) == keys, lang
        assert set(cat.texts[lang]["category_labels"]) == set(cat.categories), lang
    # Unreviewed translations say so (common rules: mark unsure translations provisional).
    assert all(cat.texts[lang]["provisional"] for lang in ("fr", "es", "pt", "sw", "fil"))


# --- Keyword SMS -------------------------------------------------------------------------------------
def test_report_with_category_words_and_text():
    cmd = parse_sms("REPORT child labour two boys in pit 3", catalog(), category_for=category_for)
    assert (cmd.kind, cmd.language, cmd.category, cmd.text) == ("report", "en", "child_labour",
                                                                "child labour two boys in pit 3")


def test_report_in_swahili_and_a_message_without_keyword_is_still_a_report():
    cmd = parse_sms("ripoti watoto wawili shimoni", catalog(), category_for=category_for)
    assert (cmd.kind, cmd.language, cmd.category, cmd.text) == ("report", "sw", "child_labour",
                                                                "watoto wawili shimoni")
    cmd = parse_sms("the river is grey", catalog(), category_for=category_for)
    assert (cmd.kind, cmd.category, cmd.text) == ("report", "other", "the river is grey")
    # No category words first: the category the whole text names.
    cmd = parse_sms("REPORT the river is polluted", catalog(), category_for=category_for)
    assert (cmd.category, cmd.text) == ("pollution", "the river is polluted")


def test_status_stop_start_in_several_languages():
    cat = catalog()
    cmd = parse_sms("STATUS mw-2026-0001 4821", cat, category_for=category_for)
    assert (cmd.kind, cmd.case_number, cmd.pin) == ("status", "MW-2026-0001", "4821")
    assert parse_sms("Arrêt", cat, category_for=category_for).kind == "stop"  # folded: ARRET (fr)
    assert parse_sms("acha", cat, category_for=category_for).language == "sw"
    assert parse_sms("TIGIL", cat, category_for=category_for).language == "fil"
    assert parse_sms("SIMULA", cat, category_for=category_for).kind == "start"
    # ESTADO is Spanish and Portuguese: the organisation's language decides.
    assert parse_sms("ESTADO X 1", cat, category_for=category_for, prefer_language="pt").language == "pt"
    assert parse_sms("STATUS 12", cat, category_for=category_for).kind == "help"  # PIN missing


# --- USSD --------------------------------------------------------------------------------------------
def test_a_full_report_session_ends_with_the_report_action():
    cat = catalog()
    assert ussd_screen([], cat, language="en").body.startswith("CON Miners' voice\n1 Report")
    assert ussd_screen(["1"], cat, language="en").body.startswith("CON What happened?\n1 Child labour")
    end = ussd_screen(split_inputs("1*3*kal-001*wall cracked*1"), cat, language="en")
    assert end.kind == "END"
    assert end.action == {"do": "report", "category": "landslide_or_pit_collapse_risk", "site_code": "KAL-001", "text": "wall cracked"}
    skipped = ussd_screen(split_inputs("1*4*0*grey river*1"), cat, language="en")
    assert skipped.action["site_code"] is None and skipped.action["category"] == "pollution"
    assert ussd_screen(split_inputs("1*4*0*grey river*2"), cat, language="en").body == "END Cancelled. Nothing was sent."


def test_status_alerts_language_choice_and_invalid_input():
    cat = catalog()
    assert ussd_screen(split_inputs("2*MW-1*1234"), cat, language="en").action == {
        "do": "status", "case_number": "MW-1", "pin": "1234"}
    assert ussd_screen(["3", "2"], cat, language="en").action == {"do": "alerts", "on": False}
    # 9 then 5 = Kiswahili (LANGUAGES order), then the main menu in Swahili.
    sw = ussd_screen(split_inputs("9*5"), cat, language="en")
    assert (sw.language, sw.body.splitlines()[0]) == ("sw", "CON Sauti ya wachimbaji")
    assert ussd_screen(split_inputs("9*5*1"), cat, language="en").text.startswith("Nini kilitokea?")
    assert ussd_screen(["1", "42"], cat, language="en").body == "END Invalid choice. Please dial again."
    assert ussd_screen(["9", "8"], cat, language="en").kind == "END"
    # The organisation's fallback language is used when none is chosen.
    assert ussd_screen([], cat, language="fr").text.startswith("La voix des mineurs")


def test_mask_phone_and_backoff():
    assert mask_phone("+254712345689") == "+254******89"
    assert [RetryPolicy().delay_s(n) for n in range(1, 6)] == [60, 120, 240, 480, 960]
    assert RetryPolicy(max_delay_s=300).delay_s(9) == 300


# --- Senders: the exact requests, through an injected transport (no network) ---------------------------
def test_twilio_sender_builds_the_documented_messages_request():
    # Twilio Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, Basic auth, form To/From/Body.
    import base64
    from urllib.parse import parse_qs

    from minewatch.messaging.senders import TwilioSender

    seen = []
    sender = TwilioSender("AC" + "1" * 32, "tok", "+15005550006", status_callback="https://x.org/hooks/twilio/a/status",
                          transport=lambda req: seen.append(req) or (201, {"sid": "SM" + "2" * 32}))
    result = sender.send(phone="+254712345689", body="Case G-1 PIN 1", case_number="G-1")
    assert (result.ok, result.provider_message_id) == (True, "SM" + "2" * 32)
    (req,) = seen
    assert (req.method, req.url) == ("POST", f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Messages.json")
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(f"AC{'1' * 32}:tok".encode()).decode()
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(req.body) == {"To": ["+254712345689"], "Body": ["Case G-1 PIN 1"], "From": ["+15005550006"],
                                  "StatusCallback": ["https://x.org/hooks/twilio/a/status"]}
    # A messaging service sends From its MG... sid; a 429 is retried, a 400 is not.
    mg = TwilioSender("AC1", "tok", "MG" + "3" * 32, transport=lambda req: (429, {"message": "Too Many Requests"}))
    assert "MessagingServiceSid" in parse_qs(mg.request(phone="+2547", body="x").body)
    assert mg.send(phone="+254712345689", body="x", case_number=None).retry
    bad = TwilioSender("AC1", "tok", "+1", transport=lambda req: (400, {"code": 21211, "message": "Invalid 'To'"}))
    assert not bad.send(phone="+254712345689", body="x", case_number=None).retry


def test_africas_talking_sender_builds_the_documented_messaging_request():
    # AT SMS API: POST https://api.africastalking.com/version1/messaging, header apiKey, form username/to/message/from.
    from urllib.parse import parse_qs

    from minewatch.messaging.senders import AfricasTalkingSender

    seen = []
    answer = {"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: KES 0.8000",
                                 "Recipients": [{"statusCode": 101, "number": "+254712345689", "status": "Success",
                                                 "cost": "KES 0.8000", "messageId": "ATXid_out_1"}]}}
    sender = AfricasTalkingSender("sandbox", "key123", "40123", sandbox=True,
                                  transport=lambda req: seen.append(req) or (201, answer))
    assert sender.send(phone="+254712345689", body="hello", case_number=None).provider_message_id == "ATXid_out_1"
    (req,) = seen
    assert (req.method, req.url) == ("POST", "https://api.sandbox.africastalking.com/version1/messaging")
    assert req.headers["apiKey"] == "key123" and req.headers["Accept"] == "application/json"
    assert parse_qs(req.body) == {"username": ["sandbox"], "to": ["+254712345689"], "message": ["hello"],
                                  "from": ["40123"]}


def test_log_sender_logs_a_masked_phone_and_the_case_only(caplog):
    import logging

    from minewatch.messaging.senders import LogSender

    caplog.set_level(logging.INFO)
    assert LogSender().send(phone="+254712345689", body="Case G-1 PIN 4821", case_number="G-1").ok
    (rec,) = caplog.records
    assert rec.getMessage() == "sms to +254******89 (case G-1): 17 characters"


# --- Webhook parsing -----------------------------------------------------------------------------------
def test_webhook_parsers_read_the_documented_fields():
    from minewatch.messaging.errors import BadPayload
    from minewatch.messaging.webhooks import (parse_at_delivery, parse_at_sms, parse_at_ussd, parse_twilio_sms,
                                              parse_twilio_status, twiml)

    sms = parse_twilio_sms({"MessageSid": "SM1", "From": "+254712345689", "To": "+1500", "Body": "STOP", "NumMedia": "0"})
    assert (sms.provider, sms.provider_id, sms.phone, sms.body) == ("twilio", "SM1", "+254712345689", "STOP")
    at = parse_at_sms({"from": "+254712345689", "to": "40123", "text": "HALI G-1 1", "date": "2026-11-27 08:00:00",
                       "id": "ATXid_1", "linkId": "L1", "networkCode": "63902"})
    assert (at.provider, at.provider_id, at.body) == ("at", "ATXid_1", "HALI G-1 1")
    u = parse_at_ussd({"sessionId": "ATUid_1", "serviceCode": "*384*123#", "phoneNumber": "+254712345689",
                       "networkCode": "63902", "text": "1*2"})
    assert (u.session_id, u.text, u.network_code) == ("ATUid_1", "1*2", "63902")
    assert parse_twilio_status({"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}).status == "failed"
    assert parse_twilio_status({"MessageSid": "SM1", "MessageStatus": "sending"}) is None
    assert parse_at_delivery({"id": "ATXid_1", "status": "Success"}).status == "delivered"
    assert parse_at_delivery({"id": "ATXid_1", "status": "Failed", "failureReason": "UserInBlacklist"}).reason == \
        "UserInBlacklist"
    with pytest.raises(BadPayload, match="field 'MessageSid' is missing"):
        parse_twilio_sms({"From": "+254712345689"})
    assert twiml("a < b") == '<?xml version="1.0" encoding="UTF-8"?><Response><Message>a &lt; b</Message></Response>'
