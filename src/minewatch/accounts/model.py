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
                        "users.manage", "audit.verify", "backup", "export"}),
    "coordinator": frozenset({"registry.read", "registry.write", "people.read_names", "people.write",
                              "people.forget", "export", "audit.verify"}),
    "field_officer": frozenset({"registry.read", "registry.write", "people.read_names", "people.write"}),
    "child_protection_officer": frozenset({"registry.read", "people.read_names", "children.read"}),
    "auditor": frozenset({"registry.read", "audit.verify", "export"}),
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


_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, n, r, p, salt_b64, key_b64 = stored.split("$")
    key = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt_b64), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(key, base64.b64decode(key_b64))
