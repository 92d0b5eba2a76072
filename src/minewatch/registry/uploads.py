"""Files uploaded through the web to be imported: kept between the dry run and the commit.

An upload lives in ``<files_dir>/uploads/<org_id>/<upload id>/``: the file under its own (cleaned)
name, the mapping profile if one was given, ``meta.json`` (kind, who, when, the dry-run report and,
once imported, the import's report) and, after an import with quarantine, ``quarantine.csv``. The
upload id is 32 random hex digits made here; no path ever comes from the user (a file's name is
reduced to a plain name with a known suffix). Uploads are looked up inside the actor's organisation
folder only, so another organisation's upload id is "not found". The imported file is deleted
once imported; whatever is left of an upload is deleted after :data:`UPLOAD_LIFETIME`.

Saved mapping profiles live in ``<files_dir>/profiles/<org_id>/<name>.yaml|toml`` and can be
chosen again for later uploads.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from minewatch.adapters.db import UnitOfWork
from minewatch.errors import ImportRejected, InvalidInput, NotFound, PermissionDenied, TooLarge
from minewatch.registry.profile import Profile, load_profile
from minewatch.registry.service import import_file, record_kinds

UPLOAD_MAX_BYTES = 50 * 1024 * 1024
PROFILE_MAX_BYTES = 256 * 1024
UPLOAD_LIFETIME = dt.timedelta(hours=24)
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".geojson", ".json")
PROFILE_SUFFIXES = (".yaml", ".yml", ".toml")
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,79}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_COPY_CHUNK = 1 << 20


class UploadNotFound(NotFound):
    code = "upload_not_found"


class UploadTooLarge(TooLarge):
    code = "upload_too_large"


@dataclass
class Upload:
    """One uploaded file and what became of it (``report``: the dry run; ``result``: the import)."""

    id: str
    org_id: int
    kind: str
    file_name: str
    size: int
    uploaded_by: str
    created_at: dt.datetime
    profile_name: str | None = None
    report: dict | None = None
    rejected: bool = False
    result: dict | None = None
    result_rejected: bool = False
    folder: Path = field(default=None, repr=False)

    @property
    def data_path(self) -> Path:
        return self.folder / self.file_name

    @property
    def profile_path(self) -> Path | None:
        if self.profile_name is None:
            return None
        return self.folder / ("profile" + Path(self.profile_name).suffix.lower())

    @property
    def quarantine_path(self) -> Path:
        return self.folder / "quarantine.csv"

    @property
    def imported(self) -> bool:
        return self.result is not None and not self.result_rejected

    @property
    def has_quarantine(self) -> bool:
        return self.imported and bool(self.result.get("quarantined")) and self.quarantine_path.exists()

    def expires_at(self) -> dt.datetime:
        return self.created_at + UPLOAD_LIFETIME

    def _meta(self) -> dict:
        return {"id": self.id, "org_id": self.org_id, "kind": self.kind, "file_name": self.file_name,
                "size": self.size, "uploaded_by": self.uploaded_by, "created_at": self.created_at.isoformat(),
                "profile_name": self.profile_name, "report": self.report, "rejected": self.rejected,
                "result": self.result, "result_rejected": self.result_rejected}


class UploadStore:
    """The folder of uploads and saved profiles (``files_dir``); ``now`` is the clock (UTC)."""

    def __init__(self, files_dir: Path, now=None):
        self.root = Path(files_dir)
        self._now = now or (lambda: dt.datetime.now(dt.timezone.utc))

    # -- uploads -----------------------------------------------------------------------------------
    def _org_dir(self, org_id: int) -> Path:
        return self.root / "uploads" / str(int(org_id))

    def create(self, actor, *, kind: str, file_name: str, data: BinaryIO, profile: tuple[str, BinaryIO] | None,
               max_bytes: int = UPLOAD_MAX_BYTES) -> Upload:
        """Copy ``data`` (at most ``max_bytes``) and the profile into a new upload folder."""
        name = clean_file_name(file_name, DATA_SUFFIXES, what="file")
        upload = Upload(id=secrets.token_hex(16), org_id=actor.org_id, kind=kind, file_name=name, size=0,
                        uploaded_by=actor.email, created_at=self._now().replace(microsecond=0))
        upload.folder = self._org_dir(actor.org_id) / upload.id
        upload.folder.mkdir(parents=True, mode=0o700)
        try:
            upload.size = _copy(data, upload.data_path, max_bytes, what=f"the file {name}")
            if upload.size == 0:
                raise InvalidInput(f"the file {name} is empty")
            if profile is not None:
                profile_name = clean_file_name(profile[0], PROFILE_SUFFIXES, what="profile")
                upload.profile_name = profile_name
                _copy(profile[1], upload.profile_path, PROFILE_MAX_BYTES, what=f"the profile {profile_name}")
            self.save(upload)
        except BaseException:
            shutil.rmtree(upload.folder, ignore_errors=True)
            raise
        return upload

    def save(self, upload: Upload) -> None:
        tmp = upload.folder / "meta.json.tmp"
        tmp.write_text(json.dumps(upload._meta(), default=str), encoding="utf-8")
        tmp.replace(upload.folder / "meta.json")

    def get(self, actor, upload_id: str) -> Upload:
        """The actor's organisation's upload; UploadNotFound for an unknown, expired or foreign id."""
        missing = UploadNotFound(f"no upload {upload_id!r} in organisation '{actor.org_slug}' (uploads are "
                                 f"kept {UPLOAD_LIFETIME.total_seconds() / 3600:.0f} hours)")
        if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
            raise missing
        folder = self._org_dir(actor.org_id) / upload_id
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise missing from None
        upload = Upload(id=meta["id"], org_id=meta["org_id"], kind=meta["kind"], file_name=meta["file_name"],
                        size=meta["size"], uploaded_by=meta["uploaded_by"],
                        created_at=dt.datetime.fromisoformat(meta["created_at"]),
                        profile_name=meta.get("profile_name"), report=meta.get("report"),
                        rejected=bool(meta.get("rejected")), result=meta.get("result"),
                        result_rejected=bool(meta.get("result_rejected")), folder=folder)
        if upload.org_id != actor.org_id:
            raise missing
        if self._now() >= upload.expires_at():
            shutil.rmtree(folder, ignore_errors=True)
            raise missing
        return upload

    def delete(self, upload: Upload) -> None:
        shutil.rmtree(upload.folder, ignore_errors=True)

    def forget_file(self, upload: Upload) -> None:
        """Delete the imported file and its profile; the reports and the quarantine file stay until expiry."""
        for path in (upload.data_path, upload.profile_path):
            if path is not None:
                path.unlink(missing_ok=True)

    def prune(self) -> int:
        """Delete every upload (of any organisation) older than :data:`UPLOAD_LIFETIME`; returns how many."""
        base = self.root / "uploads"
        if not base.is_dir():
            return 0
        cutoff = (self._now() - UPLOAD_LIFETIME).timestamp()
        removed = 0
        for folder in base.glob("*/*"):
            if not folder.is_dir() or not _UPLOAD_ID.match(folder.name):
                continue
            meta = folder / "meta.json"
            stamp = (meta if meta.exists() else folder).stat().st_mtime
            created = _created_at(meta) or stamp
            if created <= cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    # -- saved profiles ----------------------------------------------------------------------------
    def _profiles_dir(self, org_id: int) -> Path:
        return self.root / "profiles" / str(int(org_id))

    def saved_profiles(self, actor) -> list[str]:
        folder = self._profiles_dir(actor.org_id)
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in PROFILE_SUFFIXES and p.is_file())

    def saved_profile_path(self, actor, name: str) -> Path:
        if name not in self.saved_profiles(actor):
            raise NotFound(f"no saved profile {name!r} in organisation '{actor.org_slug}'")
        return self._profiles_dir(actor.org_id) / name

    def keep_profile(self, actor, upload: Upload, name: str) -> str:
        """Save the upload's profile under ``name`` (letters, digits, ``. _ -`` and spaces) for later uploads."""
        if upload.profile_path is None:
            raise InvalidInput("there is no profile to save: choose a profile file")
        stem = name.strip()
        if stem.lower().endswith(PROFILE_SUFFIXES):
            stem = stem.rsplit(".", 1)[0]
        if not _PROFILE_NAME.match(stem):
            raise InvalidInput(f"profile name {name!r}: use up to 80 letters, digits, spaces, '.', '_' or '-'")
        target_name = stem + upload.profile_path.suffix
        folder = self._profiles_dir(actor.org_id)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(upload.profile_path, folder / target_name)
        return target_name


def _created_at(meta: Path) -> float | None:
    try:
        return dt.datetime.fromisoformat(json.loads(meta.read_text(encoding="utf-8"))["created_at"]).timestamp()
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clean_file_name(name: str | None, suffixes: tuple[str, ...], *, what: str) -> str:
    """A plain file name (no folders, no leading dots, safe characters) with one of ``suffixes``.

    >>> clean_file_name("C:\\\\Users\\\\ana\\\\Sites Kivu (v2).CSV", (".csv",), what="file")
    'Sites Kivu _v2_.csv'
    """
    base = re.split(r"[\\/]", name or "")[-1].strip()
    suffix = Path(base).suffix.lower()
    if suffix not in suffixes:
        raise InvalidInput(f"{what} {base or '(no name)'!r}: choose a {', '.join(suffixes)} file")
    stem = _UNSAFE.sub("_", base[: -len(suffix)]).strip(" .") or "upload"
    return stem[:120] + suffix


def size_text(n_bytes: int) -> str:
    """``52428800`` -> ``'50 MB'``; ``2048`` -> ``'2 KB'``."""
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / 1024 / 1024:.0f} MB"
    return f"{max(1, round(n_bytes / 1024))} KB"


def _copy(src: BinaryIO, target: Path, max_bytes: int, *, what: str) -> int:
    size = 0
    with open(target, "wb") as out:
        while block := src.read(_COPY_CHUNK):
            size += len(block)
            if size > max_bytes:
                raise UploadTooLarge(f"{what} is larger than the limit of {size_text(max_bytes)}: split it into "
                                     f"smaller files and import them one by one")
            out.write(block)
    return size


# --- Use cases ----------------------------------------------------------------------------------------


KIND_ORDER = ("sites", "visits", "ipis", "concessions", "cooperatives", "people", "memberships", "assignments")


def importable_kinds(actor) -> list[str]:
    """The record kinds the actor may import (people kinds need ``people.write``), most used first."""
    found = [name for name, kind in record_kinds().items() if actor.may(kind.permission)]
    return sorted(found, key=lambda name: (KIND_ORDER.index(name) if name in KIND_ORDER else len(KIND_ORDER), name))


def _kind_permission(actor, kind_name: str) -> None:
    kinds = record_kinds()
    if kind_name not in kinds:
        raise InvalidInput(f"record kind {kind_name!r} is not one of: {', '.join(sorted(kinds))}")
    if not actor.may(kinds[kind_name].permission):
        raise PermissionDenied(f"role '{actor.role}' may not import {kind_name}")


def _profile_of(upload: Upload) -> Profile | None:
    return None if upload.profile_path is None else load_profile(upload.profile_path)


def check_upload(uow: UnitOfWork, *, actor, store: UploadStore, kind_name: str, file_name: str, data: BinaryIO,
                 profile_file: tuple[str, BinaryIO] | None = None, saved_profile: str | None = None,
                 keep_profile_as: str | None = None, vault=None, max_bytes: int = UPLOAD_MAX_BYTES) -> Upload:
    """Keep an uploaded file and dry-run its import (nothing stored); the report is kept with the upload.

    Raises InvalidInput (wrong kind, suffix, profile, too large) before anything is kept.
    """
    _kind_permission(actor, kind_name)
    store.prune()
    profile = profile_file
    if profile is None and saved_profile:
        path = store.saved_profile_path(actor, saved_profile)
        profile = (path.name, open(path, "rb"))
    try:
        upload = store.create(actor, kind=kind_name, file_name=file_name, data=data, profile=profile,
                              max_bytes=max_bytes)
    finally:
        if profile is not None and profile is not profile_file:
            profile[1].close()
    try:
        loaded = _profile_of(upload)
        if keep_profile_as and keep_profile_as.strip():
            store.keep_profile(actor, upload, keep_profile_as)
        try:
            report = import_file(uow, actor=actor, kind_name=kind_name, path=upload.data_path, profile=loaded,
                                 dry_run=True, vault=vault)
            upload.rejected = False
        except ImportRejected as exc:
            report = exc.report
            upload.rejected = True
        upload.report = report.as_dict()
        store.save(upload)
    except BaseException:
        store.delete(upload)
        raise
    return upload


def commit_upload(uow: UnitOfWork, *, actor, store: UploadStore, upload_id: str, quarantine: bool = False,
                  vault=None) -> Upload:
    """Import a checked upload (the rules of the CLI import). With ``quarantine`` the good rows are stored
    and the bad ones written to the upload's quarantine file. Once imported, the file is deleted."""
    upload = store.get(actor, upload_id)
    _kind_permission(actor, upload.kind)
    if upload.imported:
        raise InvalidInput(f"{upload.file_name} was imported already")
    try:
        report = import_file(uow, actor=actor, kind_name=upload.kind, path=upload.data_path,
                             profile=_profile_of(upload), vault=vault,
                             quarantine_path=upload.quarantine_path if quarantine else None)
        upload.result, upload.result_rejected = report.as_dict(), False
    except ImportRejected as exc:
        upload.result, upload.result_rejected = exc.report.as_dict(), True
    store.save(upload)
    if upload.imported:
        store.forget_file(upload)
        if not upload.result.get("quarantined"):
            upload.quarantine_path.unlink(missing_ok=True)
    return upload


def show_upload(*, actor, store: UploadStore, upload_id: str) -> Upload:
    """An upload of the actor's organisation with its reports."""
    upload = store.get(actor, upload_id)
    _kind_permission(actor, upload.kind)
    return upload


def discard_upload(*, actor, store: UploadStore, upload_id: str) -> None:
    """Delete an upload and everything kept with it."""
    upload = store.get(actor, upload_id)
    _kind_permission(actor, upload.kind)
    store.delete(upload)
