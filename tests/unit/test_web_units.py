"""Pure helpers of the web layer and of accounts: language negotiation, redirects, passwords."""

import base64
import hashlib

import pytest

from minewatch.accounts.model import (
    check_password,
    hash_password,
    password_needs_rehash,
    password_problem,
    token_hash,
)
from minewatch.web.deps import safe_next
from minewatch.web.i18n import negotiate


@pytest.mark.parametrize("header, expected", [
    ("fr-CD,fr;q=0.9,en;q=0.8", "fr"),
    ("sw-CD,sw;q=0.9,fr;q=0.8,en;q=0.5", "fr"),  # Swahili first: not shipped yet, French next
    ("en-US,en;q=0.9,es;q=0.8", "en"),
    ("es-419", "es"),
    ("de;q=1.0, es;q=0.2", "es"),
    ("fr;q=0, es;q=0.1", "es"),  # q=0 means "not this one"
    ("*", "en"),
    ("", "en"),
    (None, "en"),
    ("zz-invalid;;;,,,", "en"),
])
def test_accept_language_negotiation(header, expected):
    assert negotiate(header) == expected


@pytest.mark.parametrize("target, expected", [
    ("/sites?country=CD", "/sites?country=CD"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("", "/"),
    (None, "/"),
])
def test_redirect_after_login_stays_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_argon2_hash_checks_and_legacy_scrypt_hash_is_accepted_then_rehashed():
    h = hash_password("a long enough password")
    assert h.startswith("$argon2id$") and check_password("a long enough password", h)
    assert not check_password("another password", h) and not check_password("x", None)
    salt = b"s" * 16
    key = hashlib.scrypt(b"old password 123", salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt${2**14}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    assert check_password("old password 123", legacy) and not check_password("old password 124", legacy)
    assert password_needs_rehash(legacy) and not password_needs_rehash(h)
    assert not check_password("x", "not a hash")


def test_password_rules_follow_nist_800_63b():
    assert "at least 10" in password_problem("short", email="a@b.org")
    assert "e-mail" in password_problem("someone@example.org", email="someone@example.org")
    assert "different characters" in password_problem("aaaaaaaaaaaa", email="a@b.org")
    assert password_problem("four words are fine", email="a@b.org") is None


def test_token_hash_is_sha256_hex():
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()
