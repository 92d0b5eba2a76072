"""``minewatch ussd simulate``: a USSD session against the real webhook code, in-process."""

from __future__ import annotations

import secrets

import click

from minewatch.cli.common import CliState, pass_state


@click.group("ussd")
def ussd() -> None:
    """USSD menus (issue 7)."""


@ussd.command("simulate")
@click.option("--from", "phone", required=True, help="The caller's phone, international (+2547...).")
@click.option("--input", "inputs", default=None, metavar="1*2*...",
              help="The whole session's inputs joined by '*'; without it, an interactive session.")
@click.option("--org", "org", default=None, help="Organisation slug (default: the CLI's).")
@click.option("--service-code", default="*384*123#", show_default=True)
@pass_state
def simulate_cmd(state: CliState, phone: str, inputs: str | None, org: str | None, service_code: str) -> None:
    """Post Africa's Talking's USSD callbacks step by step and print each screen.

    \b
    Example:
      minewatch ussd simulate --from +254712345689 --input "1*4*0*grey river*1"
      minewatch ussd simulate --from +254712345689          (type each answer)
    """
    from minewatch.cli.sms import Simulator

    sim = Simulator(state, org)
    session = f"ATUid_{secrets.token_hex(8)}"
    given = inputs.split("*") if inputs else None
    done: list[str] = []
    while True:
        params = {"sessionId": session, "serviceCode": service_code, "phoneNumber": phone, "networkCode": "",
                  "text": "*".join(done)}
        screen = sim.post(f"/hooks/at/{sim.at_token}/ussd", params).text
        click.echo(screen)
        click.echo("-" * 20)
        if not screen.startswith("CON "):
            return
        if given is not None:
            if not given:
                click.echo("(the session waits for more input)")
                return
            done.append(given.pop(0))
        else:
            done.append(click.prompt(">", prompt_suffix=" "))


def register(cli) -> None:
    cli.add_command(ussd)
