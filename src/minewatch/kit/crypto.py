"""Keyed hashing and encryption of personal identifiers (phones, identity documents).

A phone is stored as an HMAC-SHA256 (for lookup: the same number gives the same hash under one key)
and an AES-256-GCM ciphertext (for sending messages). Sub-keys are derived from one master key with
HKDF, so the lookup hash cannot be used to decrypt and vice versa.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from minewatch.kit.findings import ParseProblem

_PHONE_CHARS = re.compile(r"[\s().\-/]")


def normalise_phone(raw: str, *, default_country_code: str | None = None) -> str:
    """``"+243 81 234 5678"`` -> ``"+243812345678"``; ``00`` prefixes become ``+``.

    A number without a country code needs ``default_country_code`` (digits, e.g. ``"243"``).

    >>> normalise_phone("00243 (81) 234-5678")
    '+243812345678'
    """
    s = _PHONE_CHARS.sub("", raw.strip())
    if s.startswith("00"):
        s = "+" + s[2:]
    if not s.startswith("+"):
        if not default_country_code:
            raise ParseProblem("phone_without_country_code",
                               "phone number has no country code (start it with + and the country code)")
        s = "+" + default_country_code + s.lstrip("0")
    if not s[1:].isdigit() or not 8 <= len(s) - 1 <= 15:
        raise ParseProblem("phone_invalid", "phone number must be + and 8 to 15 digits")
    return s


def _derive(master: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"minewatch:" + label).derive(master)


class Vault:
    """Hashes and encrypts identifiers with keys derived from the master key."""

    def __init__(self, master_key: bytes):
        if len(master_key) < 32:
            raise ValueError("master key must be at least 32 bytes")
        self._hkey = _derive(master_key, b"lookup-hash")
        self._aead = AESGCM(_derive(master_key, b"field-encryption"))

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hkey, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, value.encode("utf-8"), None)

    def decrypt(self, blob: bytes) -> str:
        return self._aead.decrypt(blob[:12], blob[12:], None).decode("utf-8")

    def keyed_digest(self, data: str) -> str:
        """HMAC-SHA256 of ``data`` under a sub-key of its own: a digest of personal data that cannot be
        brute-forced without the key (audit trail, record digests, erasure tokens)."""
        key = self.__dict__.get("_dkey")
        if key is None:  # derived from the lookup key so that __init__ stays as it was
            key = self._dkey = _derive(self._hkey, b"record-digest")
        return hmac.digest(key, data.encode("utf-8"), "sha256").hex()
