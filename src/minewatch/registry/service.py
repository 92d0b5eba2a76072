"""Use cases of the registry: importing files of any record kind."""

from __future__ import annotations

from pathlib import Path

from minewatch.adapters.db import UnitOfWork
from minewatch.errors import InvalidInput
from minewatch.registry.importing import ImportReport, RecordKind, run_import
from minewatch.registry.profile import Profile, load_profile


def record_kinds() -> dict[str, type[RecordKind]]:
    """Every importable kind, by the name used on the command line."""
    from minewatch.registry import kinds

    found: dict[str, type[RecordKind]] = {}
    for module in (kinds, _optional("minewatch.people.importing"), _optional("minewatch.registry.ipis_import")):
        if module is None:
            continue
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, RecordKind) and obj is not RecordKind and obj.name:
                found[obj.name] = obj
    return found


def _optional(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def import_file(uow: UnitOfWork, *, actor, kind_name: str, path: Path, profile_path: Path | None = None,
                profile: Profile | None = None, dry_run: bool = False, quarantine_path: Path | None = None,
                vault=None, on_progress=None) -> ImportReport:
    kinds = record_kinds()
    if kind_name not in kinds:
        raise InvalidInput(f"cannot import '{kind_name}': choose one of {', '.join(sorted(kinds))}")
    if not Path(path).exists():
        raise InvalidInput(f"no such file: {path}")
    if profile_path is not None:
        profile = load_profile(Path(profile_path))
    if quarantine_path is not None and Path(quarantine_path).resolve() == Path(path).resolve():
        raise InvalidInput("the quarantine file must not be the file being imported")
    return run_import(uow, actor=actor, kind=kinds[kind_name](), path=Path(path), profile=profile,
                      dry_run=dry_run, quarantine_path=quarantine_path, vault=vault, on_progress=on_progress)
