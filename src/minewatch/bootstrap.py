"""The composition root: builds the engine, sessions and the key vault from :class:`Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from minewatch.adapters.db import UnitOfWork, make_engine, migrate, session_factory
from minewatch.config import Settings


@dataclass
class App:
    settings: Settings
    _engine: object = field(default=None, repr=False)

    @cached_property
    def engine(self):
        return make_engine(self.settings.sqlalchemy_url)

    @cached_property
    def sessions(self):
        return session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    @cached_property
    def vault(self):
        from minewatch.adapters.keys import load_master_key
        from minewatch.kit.crypto import Vault

        return Vault(load_master_key(self.settings.secret_key, self.settings.key_path))

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def bootstrap(settings: Settings) -> App:
    return App(settings)
