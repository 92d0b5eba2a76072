"""``minewatch backup`` and ``minewatch restore``: the whole database and the stored files."""

from __future__ import annotations

from pathlib import Path

import click

from minewatch.cli.common import CliState, pass_state, progress


@click.command("backup")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Zip file to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@pass_state
def backup_cmd(state: CliState, out_path: Path, force: bool) -> None:
    """Back up every organisation's data and the stored files to one zip file (admins only).

    The rows are read in one transaction, so the backup is consistent while others keep working.

    \b
    Example:
      minewatch backup --out minewatch-2026-01-31.zip
    """
    from minewatch.registry.backup import SECRET_KEY_NOTE, create_backup

    actor = state.actor()
    app = state.app
    with progress("backing up") as advance:
        res = create_backup(app.engine, actor=actor, out_path=out_path, files_dir=app.settings.files_dir,
                            force=force, progress=advance)
    click.echo(f"backup written to {res.path}: {sum(res.tables.values()):,} rows in {len(res.tables)} tables, "
               f"{res.files:,} stored files, schema revision {res.schema_revision}")
    click.echo(f"sha256 {res.sha256}")
    click.echo(f"note: {SECRET_KEY_NOTE}")


@click.command("restore")
@click.argument("backup_path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def restore_cmd(state: CliState, backup_path: Path) -> None:
    """Restore a backup into an empty database (MINEWATCH_DATABASE_URL, or SQLite in MINEWATCH_HOME).

    Every file in the backup is checked against its SHA-256 before anything is written. The
    database must be new or empty; its schema is created at the backup's revision if needed.

    \b
    Example:
      MINEWATCH_HOME=/srv/minewatch-restored minewatch restore minewatch-2026-01-31.zip
    """
    from minewatch.registry.backup import SECRET_KEY_NOTE, restore_backup

    app = state.app
    with progress("restoring") as advance:
        res = restore_backup(app.engine, backup_path=backup_path, files_dir=app.settings.files_dir,
                             progress=advance)
    where = app.settings.sqlalchemy_url.split("@")[-1]  # no credentials in the output
    click.echo(f"restored {sum(res.tables.values()):,} rows in {len(res.tables)} tables and {res.files:,} "
               f"stored files into {where} (schema revision {res.schema_revision})")
    click.echo(f"audit trail: {res.audit_events_verified:,} events verified")
    for b in res.audit_breaks:
        click.echo(f"warning: {b.describe()} (as in the backup)", err=True)
    if res.schema_revision != res.head_revision:
        click.echo(f"the schema is older than this minewatch's ({res.head_revision}): run 'minewatch db upgrade'")
    click.echo(f"note: {SECRET_KEY_NOTE}")


def register(cli: click.Group) -> None:
    cli.add_command(backup_cmd)
    cli.add_command(restore_cmd)
