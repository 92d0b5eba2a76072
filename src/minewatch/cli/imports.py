"""``minewatch import``: take in sites, visits, people, ... from CSV, XLSX or GeoJSON."""

from __future__ import annotations

from pathlib import Path

import click

from minewatch.cli.common import CliState, echo_json, pass_state, progress

KINDS = ["sites", "visits", "cooperatives", "concessions", "people", "memberships", "assignments"]


def _count_lines(path: Path) -> int | None:
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return None
    with open(path, "rb") as fh:
        return max(sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b"")) - 1, 0)


def run(state: CliState, kind: str, path: Path, *, profile: Path | None, dry_run: bool,
        quarantine: Path | None, as_json: bool) -> None:
    from minewatch.registry.service import import_file

    app = state.app
    actor = state.actor()
    with app.uow() as uow, progress(f"importing {kind}", _count_lines(path)) as advance:
        report = import_file(uow, actor=actor, kind_name=kind, path=path, profile_path=profile, dry_run=dry_run,
                             quarantine_path=quarantine, vault=app.vault, on_progress=advance)
    if as_json:
        echo_json(report.as_dict())
        return
    for p in report.problems:
        click.echo("  " + p.describe(), err=True)
    if report.problems_not_kept:
        click.echo(f"  ... and {report.problems_not_kept:,} more problems", err=True)
    click.echo(("dry run, nothing stored: " if dry_run else "") + report.summary())


def _options(f):
    f = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(f)
    f = click.option("--quarantine", type=click.Path(dir_okay=False, path_type=Path),
                     help="Import the good rows; write bad rows with their reasons to this CSV "
                     "(rows as given, personal data included: keep it as safe as the input).")(f)
    f = click.option("--dry-run", is_flag=True, help="Check everything, store nothing.")(f)
    f = click.option("--profile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Column-mapping profile (YAML or TOML).")(f)
    return f


def register(cli: click.Group) -> None:
    @cli.group("import")
    def import_group() -> None:
        """Import registry records from files (one transaction per file).

        A file with any invalid row imports nothing and lists every problem (row, column, value,
        reason), unless --quarantine is given. Importing the same file again changes nothing.
        """

    @import_group.command("ipis")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check everything, store nothing.")
    @click.option("--quarantine", type=click.Path(dir_okay=False, path_type=Path),
                  help="Import the good rows; write bad rows with their reasons to this CSV "
                     "(rows as given, personal data included: keep it as safe as the input).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @pass_state
    def import_ipis(state: CliState, file: Path, dry_run: bool, quarantine: Path | None, as_json: bool) -> None:
        """Import the IPIS open-data file of artisanal mining site visits (eastern DRC).

        Each row is a visit; sites are keyed on 'pcode' and take their details from their latest visit.

        \b
        Example:
          minewatch import ipis cod_mines_curated_all_opendata_p_ipis.csv
        """
        run(state, "ipis", file, profile=None, dry_run=dry_run, quarantine=quarantine, as_json=as_json)

    for kind in KINDS:
        _make(import_group, kind)


class _KindCommand(click.Command):
    """An import command whose help lists the kind's fields, read only when help is asked for."""

    def format_help_text(self, ctx, formatter) -> None:
        super().format_help_text(ctx, formatter)
        from minewatch.registry.service import record_kinds

        kind = record_kinds()[self.name]()
        rows = []
        for f in kind.fields:
            also = f" (also: {', '.join(f.aliases)})" if f.aliases else ""
            vocab = f"; one of the '{f.vocab}' vocabulary" if f.vocab else ""
            rows.append((f.name + ("*" if f.required else ""), f"{f.type}{vocab}{also}"))
        if rows:
            with formatter.section("Fields (* required; headers matched case-insensitively)"):
                formatter.write_dl(rows)


def _make(group: click.Group, kind: str) -> None:
    @group.command(kind, cls=_KindCommand)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @_options
    @pass_state
    def command(state: CliState, file: Path, profile: Path | None, dry_run: bool, quarantine: Path | None,
                as_json: bool) -> None:
        run(state, kind, file, profile=profile, dry_run=dry_run, quarantine=quarantine, as_json=as_json)

    command.help = (
        f"Import {kind} from a CSV, XLSX or GeoJSON file.\n\n"
        f"Columns are matched by name, or through a --profile mapping your headers.\n\n"
        f"\b\nExample:\n  minewatch import {kind} my_{kind}.csv --profile my_profile.yaml --dry-run"
    )
