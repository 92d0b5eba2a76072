"""``minewatch sms simulate|send``: drive the real SMS webhooks in-process; send the outbox."""

from __future__ import annotations

import secrets

import click

from minewatch.cli.common import CliState, echo_json, pass_state


class Simulator:
    """The web app in-process (no network) with the provider secrets the webhooks check.

    Settings that are not configured (a Twilio auth token, an Africa's Talking URL token) get a one-off
    random value for this run only, so the same verification code runs as in production.
    """

    def __init__(self, state: CliState, org: str | None):
        from fastapi.testclient import TestClient

        from minewatch.web.app import create_app

        self.actor = state.actor() if org is None else _actor(state, org)
        self.app = state.app
        s = self.app.settings
        if not s.twilio_auth_token:
            s.twilio_auth_token = secrets.token_hex(16)
        tokens = dict(s.at_webhook_tokens or {})
        if self.actor.org_slug not in tokens:
            tokens[self.actor.org_slug] = secrets.token_urlsafe(16)
        s.at_webhook_tokens = tokens
        s.at_allowed_ips = []  # the in-process client has no network address
        self.at_token = tokens[self.actor.org_slug]
        self.client = TestClient(create_app(self.app), base_url="https://simulator.local")

    def post(self, path: str, params: dict[str, str], *, twilio: bool = False):
        from urllib.parse import urlencode

        headers = {"content-type": "application/x-www-form-urlencoded"}
        if twilio:
            from twilio.request_validator import RequestValidator

            url = "https://simulator.local" + path
            headers["X-Twilio-Signature"] = RequestValidator(self.app.settings.twilio_auth_token).compute_signature(
                url, params)
        r = self.client.post(path, content=urlencode(params), headers=headers)
        if r.status_code >= 400:
            raise click.ClickException(f"the webhook answered {r.status_code}: {r.text[:300]}")
        return r

    def queued(self, dedup_key: str) -> str | None:
        from minewatch.messaging.repository import outbox_by_key

        with self.app.uow() as uow:
            m = outbox_by_key(uow.session, self.actor.org_id, dedup_key)
            return m.body if m is not None else None


def _actor(state: CliState, org: str):
    state.org = org
    return state.actor()


@click.group("sms")
def sms() -> None:
    """SMS intake and the outbox (issue 7)."""


@sms.command("simulate")
@click.option("--from", "phone", required=True, help="The sender's phone, international (+2547...).")
@click.option("--text", required=True, help='The message, e.g. "REPORT pollution the river is grey".')
@click.option("--provider", type=click.Choice(["twilio", "at"]), default="twilio", show_default=True)
@click.option("--org", "org", default=None, help="Organisation slug (default: the CLI's).")
@pass_state
def simulate_cmd(state: CliState, phone: str, text: str, provider: str, org: str | None) -> None:
    """Post the provider's exact webhook (Twilio: signed) to the real code, in-process; print the reply.

    \b
    Example:
      minewatch sms simulate --from +254712345689 --text "REPORT child labour two boys at pit 3"
      minewatch sms simulate --from +254712345689 --text "STATUS G-ABC123 12345678" --provider at
    """
    sim = Simulator(state, org)
    msg_id = ("SM" + secrets.token_hex(16)) if provider == "twilio" else f"ATXid_{secrets.token_hex(8)}"
    if provider == "twilio":
        params = {"MessageSid": msg_id, "SmsSid": msg_id, "AccountSid": "AC" + "0" * 32, "From": phone,
                  "To": "+15005550006", "Body": text, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}
        sim.post(f"/hooks/twilio/{sim.actor.org_slug}/sms", params, twilio=True)
    else:
        params = {"from": phone, "to": "40123", "text": text, "date": "", "id": msg_id, "linkId": "", "networkCode": ""}
        sim.post(f"/hooks/at/{sim.at_token}/sms", params)
    reply = sim.queued(f"sms:{provider}:{msg_id}")
    click.echo(reply if reply is not None else "(no reply)")


@sms.command("send")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def send_cmd(state: CliState, limit: int, as_json: bool) -> None:
    """Send the queued messages that are due (sender: MINEWATCH_SMS_SENDER, default log)."""
    from minewatch.messaging.service import make_sender, send_due

    actor = state.actor()
    with state.app.uow() as uow:
        counts = send_due(uow, sender=make_sender(state.app.settings), vault=state.app.vault, limit=limit,
                          org_id=actor.org_id)
    if as_json:
        echo_json(counts)
    else:
        click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))


def register(cli) -> None:
    cli.add_command(sms)
