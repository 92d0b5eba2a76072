"""What every command shares: the app, the acting user, output, progress and error mapping."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

import click

from minewatch.errors import MinewatchError


@dataclass
class CliState:
    org: str | None
    as_email: str | None
    _app: object = field(default=None)

    @property
    def app(self):
        if self._app is None:
            from minewatch.bootstrap import bootstrap
            from minewatch.config import load_settings

            self._app = bootstrap(load_settings())
        return self._app

    def actor(self):
        from minewatch.accounts.service import resolve_actor

        self.check_schema()
        org = self.org or self.app.settings.org
        with self.app.uow() as uow:
            return resolve_actor(uow, org_slug=org, email=self.as_email)


    def check_schema(self) -> None:
        """A database without minewatch's schema, or with an older one, is a clear error, not a crash."""
        from minewatch.adapters.db import current_revision, head_revision
        from minewatch.errors import ConfigError

        engine = self.app.engine
        where = engine.url.render_as_string(hide_password=True)
        revision = current_revision(engine)
        if revision is None:
            raise ConfigError(f"no minewatch database at {where}: run 'minewatch init' first")
        if revision != head_revision(engine):
            raise ConfigError(f"the database at {where} is at schema {revision}; run 'minewatch db upgrade'")


pass_state = click.make_pass_decorator(CliState)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@contextmanager
def progress(label: str, total: int | None = None, *, enabled: bool | None = None):
    """A progress bar on stderr (hidden when stderr is not a terminal, unless enabled=True)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    show = sys.stderr.isatty() if enabled is None else enabled
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not show, transient=False, console=None) as bar:
        task = bar.add_task(label, total=total)

        def advance(n: int = 1, total: int | None = None, description: str | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            if description is not None:
                bar.update(task, description=description)
            bar.advance(task, n)

        yield advance


MAX_PROBLEMS_SHOWN = 50  # a rejected file's first problems; a terminal cannot usefully show thousands


class MinewatchGroup(click.Group):
    """Turns errors into one clear line on stderr and the error's exit code (errors.py maps them).

    A database that cannot be reached is an ExternalFailure; anything else unexpected is a bug,
    reported in one line (set MINEWATCH_DEBUG=1 for the traceback).
    """

    def invoke(self, ctx):
        import os

        import sqlalchemy.exc

        from minewatch.errors import ExternalFailure

        try:
            return super().invoke(ctx)
        except MinewatchError as exc:
            click.echo(f"error: {exc.message}", err=True)
            report = getattr(exc, "report", None)
            if report is not None and getattr(report, "problems", None):
                shown = report.problems[:MAX_PROBLEMS_SHOWN]
                for p in shown:
                    click.echo("  " + p.describe(), err=True)
                if len(report.problems) > len(shown):
                    click.echo(f"  ... and {len(report.problems) - len(shown):,} more problems of the same kinds "
                               f"({len(report.problems):,} in all)", err=True)
            ctx.exit(exc.exit_code)
        except sqlalchemy.exc.OperationalError as exc:
            if os.environ.get("MINEWATCH_DEBUG"):
                raise
            first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            click.echo(f"error: the database failed: {first}", err=True)
            ctx.exit(ExternalFailure.exit_code)
        except (click.exceptions.Exit, click.exceptions.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the traceback for debugging
            if os.environ.get("MINEWATCH_DEBUG"):
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} (a bug; run again with "
                       f"MINEWATCH_DEBUG=1 for the traceback and report it)", err=True)
            ctx.exit(1)


def command_group(cli: click.Group, name: str, help_text: str) -> click.Group:
    """The group ``name`` of ``cli``, made (with ``help_text``) if no module has made it yet."""
    group = cli.commands.get(name)
    if group is None:
        group = click.Group(name, help=help_text)
        cli.add_command(group)
    return group
