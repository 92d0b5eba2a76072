"""The master key: ``MINEWATCH_SECRET_KEY`` (base64) or a file in ``MINEWATCH_HOME`` made once, mode 0600."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from minewatch.errors import ConfigError


def load_master_key(secret_key_b64: str | None, key_path: Path, *, create: bool = True) -> bytes:
    if secret_key_b64:
        try:
            key = base64.b64decode(secret_key_b64, validate=True)
        except ValueError as exc:
            raise ConfigError("MINEWATCH_SECRET_KEY is not valid base64") from exc
        if len(key) < 32:
            raise ConfigError("MINEWATCH_SECRET_KEY must decode to at least 32 bytes")
        return key
    if key_path.exists():
        key = base64.b64decode(key_path.read_text().strip())
        if len(key) < 32:
            raise ConfigError(f"the key file {key_path} is damaged (shorter than 32 bytes)")
        return key
    if not create:
        raise ConfigError(f"no secret key: set MINEWATCH_SECRET_KEY or restore {key_path}")
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(key).decode("ascii") + "\n")
    return key
