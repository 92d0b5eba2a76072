"""docs/roles.md states the role-by-permission matrix that the code enforces."""

from pathlib import Path

from minewatch.accounts.model import PERMISSIONS, ROLES


def test_roles_doc_matches_the_permission_matrix():
    text = (Path(__file__).resolve().parents[2] / "docs" / "roles.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    header = next(line for line in text.splitlines() if line.startswith("| permission"))
    roles = [c.strip() for c in header.strip("|").split("|")][2:]
    assert roles == list(ROLES)
    documented = {role: set() for role in roles}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        permission = cells[0].strip("`")
        for role, cell in zip(roles, cells[2:]):
            if cell == "yes":
                documented[role].add(permission)
    assert documented == {role: set(perms) for role, perms in PERMISSIONS.items()}
    assert {row.split("`")[1] for row in rows} == set().union(*PERMISSIONS.values())
