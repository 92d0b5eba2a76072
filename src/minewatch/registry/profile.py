"""Column-mapping profiles: how a user's own headers map to minewatch fields, without code.

A profile is a small YAML or TOML file::

    kind: sites                 # sites | visits | people | memberships | assignments | concessions | cooperatives
    columns:                    # minewatch field: the header in your file
      code: "Site ID"
      name: "Nom du site"
      latitude: "GPS Lat"
      longitude: "GPS Long"
    constants:                  # fields with one value for the whole file
      country: CD
      source: "Kobo 2024 survey"
    values:                     # your values -> minewatch values, per field
      lifecycle_status: {"en activité": active, "fermé": closed}
    options:
      dayfirst: true            # 03/04/2024 is 3 April
      default_country_code: "243"   # for phone numbers written without +243
      delimiter: ";"
      encoding: latin-1
      sheet: "Sites"

Fields not named under ``columns`` are looked for under their own name (case-insensitive).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from minewatch.errors import InvalidInput

KNOWN_OPTIONS = {"dayfirst", "default_country_code", "delimiter", "encoding", "sheet", "source"}


@dataclass(frozen=True)
class Profile:
    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    name: str = "default"

    @property
    def dayfirst(self) -> bool:
        return bool(self.options.get("dayfirst", True))


def load_profile(path: Path) -> Profile:
    """Read and check a profile file; errors name the file and the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read profile {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"profile {path.name} is not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"profile {path.name} must be a mapping with 'columns', 'constants', 'values', 'options'")
    unknown = set(data) - {"kind", "columns", "constants", "values", "options", "name"}
    if unknown:
        raise InvalidInput(f"profile {path.name}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("columns", "constants", "values", "options"):
        if not isinstance(data.get(key, {}), dict):
            raise InvalidInput(f"profile {path.name}: '{key}' must be a mapping")
    bad_opts = set(data.get("options", {})) - KNOWN_OPTIONS
    if bad_opts:
        raise InvalidInput(f"profile {path.name}: unknown option(s) {', '.join(sorted(bad_opts))}")
    return Profile(
        kind=data.get("kind"),
        columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
        constants={str(k): "" if v is None else str(v) for k, v in (data.get("constants") or {}).items()},
        values={str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (data.get("values") or {}).items()},
        options=dict(data.get("options") or {}),
        name=str(data.get("name") or path.stem),
    )
