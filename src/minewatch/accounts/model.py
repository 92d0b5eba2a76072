"""Pure rules of accounts: who is acting, what each role may do, password hashing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

ROLES = ("admin", "coordinator", "field_officer", "child_protection_officer", "auditor", "viewer")

# Need-to-know: each role's permissions. Names of people are seen only by roles that work with them.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"registry.read", "registry.write", "people.read_names", "people.write", "people.forget",
                        "users.manage", "audit.verify", "backup", "export", "pay.read", "pay.write",
                        "grievances.read", "grievances.write"}),
    "coordinator": frozenset({"registry.read", "registry.write", "people.read_names", "people.write",
                              "people.forget", "export", "audit.verify", "pay.read", "pay.write",
                              "grievances.read", "grievances.write"}),
    "field_officer": frozenset({"registry.read", "registry.write", "people.read_names", "people.write", "pay.read",
                                "pay.write"}),
    "child_protection_officer": frozenset({"registry.read", "people.read_names", "children.read", "children.write",
                                           "grievances.read"}),
    "auditor": frozenset({"registry.read", "audit.verify", "export", "pay.read", "grievances.read"}),
    "viewer": frozenset({"registry.read"}),
}

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True, slots=True)
class Actor:
    """The user on whose behalf a service acts, within one organisation."""

    user_id: int | None
    email: str
    org_id: int
    org_slug: str
    role: str

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def slugify(name: str) -> str:
    """``"Kivu Miners' Network"`` -> ``"kivu-miners-network"``.

    >>> slugify("Kivu Miners' Network")
    'kivu-miners-network'
    """
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:63] or "org"


def new_password() -> str:
    """A one-time password a person can type: 4 groups of 4 letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


# Passwords: argon2id with argon2-cffi's default profile (RFC 9106's second recommended option:
# t=3, m=64 MiB, p=4). Hashes
# written by minewatch 0.1 (scrypt) are still accepted and rehashed at the next login.
PASSWORD_MIN_LENGTH = 10
_SCRYPT_PREFIX = "scrypt$"


_HASHER = None


def use_password_profile(name: str) -> None:
    """Choose argon2-cffi's parameter profile (``argon2.profiles``); the default is RFC_9106_LOW_MEMORY.
    The test suite picks CHEAPEST, as Django's tests pick a fast hasher: hashing is not under test there."""
    global _HASHER
    from argon2 import PasswordHasher, profiles

    _HASHER = PasswordHasher.from_parameters(getattr(profiles, name))


def _hasher():
    if _HASHER is None:
        use_password_profile("RFC_9106_LOW_MEMORY")
    return _HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the stored hash (argon2id, or the older scrypt form)."""
    if not stored:
        return False
    if stored.startswith(_SCRYPT_PREFIX):
        _, n, r, p, salt_b64, key_b64 = stored.split("$")
        key = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt_b64), n=int(n), r=int(r),
                             p=int(p), dklen=32)
        return hmac.compare_digest(key, base64.b64decode(key_b64))
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored: str) -> bool:
    return stored.startswith(_SCRYPT_PREFIX) or _hasher().check_needs_rehash(stored)


def password_problem(password: str, *, email: str) -> str | None:
    """Why a new password is refused (NIST SP 800-63B: length, not the account name), or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"a password needs at least {PASSWORD_MIN_LENGTH} characters"
    if password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        return "a password must not be your e-mail address"
    if len(set(password)) < 4:
        return "a password needs more than three different characters"
    return None


# Tokens (session cookies, API tokens) are 256-bit random strings; only their SHA-256 is stored, which
# is enough for secrets with that much entropy (no slow hash needed).
API_TOKEN_PREFIX = "mwt_"


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
