"""``minewatch serve``: the web app (uvicorn) and ``minewatch tokens``: API tokens."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
    @click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
                  help="Worker processes (PostgreSQL, or SQLite for mostly reading).")
    @pass_state
    def serve(state: CliState, host: str, port: int, workers: int) -> None:
        """Serve the web app, the REST API (/api/v1) and OGC API - Features (/ogc).

        \b
        Example:
          minewatch serve --port 8000
        """
        serve_app(state, host=host, port=port, workers=workers)

    @cli.group()
    def tokens() -> None:
        """API tokens for scripts and GIS clients (Authorization: Bearer TOKEN)."""

    @tokens.command("create")
    @click.option("--user", "user_email", required=True, metavar="EMAIL", help="The user the token acts as.")
    @click.option("--name", default="token", show_default=True, help="What the token is for (QGIS, a script).")
    @pass_state
    def tokens_create(state: CliState, user_email: str, name: str) -> None:
        """Create a token; it is printed once (only its hash is stored).

        \b
        Example:
          minewatch tokens create --user gis@example.org --name QGIS
        """
        from minewatch.accounts.web_auth import create_api_token

        actor = state.actor()
        with state.app.uow() as uow:
            token, info = create_api_token(uow, actor=actor, user_email=user_email, name=name)
        click.echo(token)
        click.echo(f"token {info.id} '{info.name}' for {info.user_email}: shown once, keep it now", err=True)

    @tokens.command("list")
    @click.option("--json", "as_json", is_flag=True)
    @pass_state
    def tokens_list(state: CliState, as_json: bool) -> None:
        """List tokens (never the tokens themselves).

        \b
        Example:
          minewatch tokens list
        """
        from dataclasses import asdict

        from minewatch.accounts.web_auth import list_api_tokens

        actor = state.actor()
        with state.app.uow() as uow:
            infos = list_api_tokens(uow, actor=actor)
        if as_json:
            echo_json([asdict(i) for i in infos])
            return
        for i in infos:
            status = f"revoked {i.revoked_at:%Y-%m-%d}" if i.revoked_at else "active"
            click.echo(f"{i.id:>5}  {i.prefix}…  {i.user_email:<30} {i.name:<20} {status}")

    @tokens.command("revoke")
    @click.argument("token_id", type=int)
    @pass_state
    def tokens_revoke(state: CliState, token_id: int) -> None:
        """Revoke a token by its id (from 'tokens list').

        \b
        Example:
          minewatch tokens revoke 3
        """
        from minewatch.accounts.web_auth import revoke_api_token

        actor = state.actor()
        with state.app.uow() as uow:
            revoke_api_token(uow, actor=actor, token_id=token_id)
        click.echo(f"token {token_id} revoked")


def serve_app(state: CliState, *, host: str, port: int, workers: int = 1) -> None:
    import os

    import uvicorn

    state.check_schema()
    if workers > 1:
        # Each worker builds its own app from the environment (uvicorn imports the factory).
        os.environ.setdefault("MINEWATCH_HOME", str(state.app.settings.home))
        uvicorn.run("minewatch.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                    proxy_headers=True, log_level="info")
        return
    from minewatch.web.app import create_app

    uvicorn.run(create_app(state.app), host=host, port=port, proxy_headers=True, log_level="info")
