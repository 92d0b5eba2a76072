"""The OpenAPI document of /api/v1, fuzzed with schemathesis against the ASGI app (SQLite).

Every operation of the document is called with generated requests, valid and invalid (a bounded,
derandomised number of examples each), as a coordinator with a bearer token, over a registry with
records of every kind. Each response must not be a server error, must use a status code the
document declares for the operation, and must match the schema the document gives for it.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

EXAMPLES = 12  # per operation and mode (valid, invalid): about 700 requests in all


@pytest.fixture
def fuzzed(tmp_path):
    """A SQLite registry of two organisations with a record of each kind, and a coordinator's token."""
    from fastapi.testclient import TestClient

    from minewatch.bootstrap import bootstrap
    from minewatch.web.app import create_app
    from tests.conftest import make_settings
    from tests.web.conftest import build_world

    app = bootstrap(make_settings(tmp_path / "home", f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"))
    app.migrate()
    world = build_world(app, tmp_path, sites_per_org=4)
    headers = {"Authorization": f"Bearer {world.token('alpha', 'coordinator')}"}
    asgi = create_app(app)
    client = TestClient(asgi)
    for path, body in (
        ("cooperatives", {"external_id": "C1", "name": "Umoja"}),
        ("people", {"external_id": "P1", "full_name": "Amani", "phone": "+243812345678"}),
        ("memberships", {"person": "P1", "cooperative": "C1"}),
        ("assignments", {"person": "P1", "site": "alpha00001", "task": "digging"}),
        ("concessions", {"external_id": "T1", "geometry": "POLYGON((28 -2, 29 -2, 29 -1, 28 -1, 28 -2))"}),
        ("visits", {"site_code": "alpha00002", "visit_date": "2024-02-03", "mercury_used": True}),
    ):
        r = client.post(f"/api/v1/{path}", json=body, headers=headers)
        assert r.status_code == 201, r.text
    yield asgi, headers
    app.dispose()


def test_api_answers_as_its_openapi_document_says(fuzzed):
    asgi, headers = fuzzed
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", asgi)
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def call(case):
                case.call_and_validate(headers=headers, checks=checks)

            try:
                call()
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures are reported
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    # 30 of the registry + issue 5's read-only indicators/child-labour, findings/child-labour, findings/pay
    assert operations == 33
    assert not failures, "\n\n".join(failures)
