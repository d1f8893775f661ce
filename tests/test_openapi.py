"""The OpenAPI document is complete (a client can be generated from it) and the app answers as it says.

schemathesis generates requests from the app's own OpenAPI document, authenticated as a manufacturer, and runs
all its checks on the answers: no 5xx, every status, content type and body as documented. Requests that are
schema-valid but refused for domain reasons (an unknown factor id, a GTIN with a wrong check digit, a log size
beyond the log) answer documented 4xx problem details: those statuses are declared expected below.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from api.demo import seed_demo
from tests.services import app_settings

# Without the per-client rate limit: every request here comes from one test client, and a few thousand of them in a
# minute (more operations, more examples) would meet the limit; the limit has its own tests.
APP = create_app(app_settings(Path(tempfile.mkdtemp(prefix="pcf-openapi-")), public_rate_limit=0))
CREDENTIALS = seed_demo(APP.state.registry)
CONFIG = SchemathesisConfig.from_dict({
    # schemathesis authenticates the operations whose `security` asks for it (and tests them without it too)
    "auth": {"openapi": {"bearer": {"bearer": CREDENTIALS["manufacturer_token"]}}},
    # the manufacturer's token: certifier-only operations answer a documented 403
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422"]}},
})
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", APP, config=CONFIG)


def test_schema_documents_the_product_document_union_and_problems():
    doc = schema.raw_schema
    union = doc["components"]["schemas"]["ProductDocument"]
    assert union["discriminator"]["propertyName"] == "kind"
    assert doc["paths"]["/api/v1/footprints"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProductDocument"}
    for path, item in doc["paths"].items():
        if not path.startswith("/api/"):
            continue  # PACT (/2, /3, /auth) answers the specification's own error bodies
        for method, op in item.items():
            assert "422" in op["responses"] and "500" in op["responses"], (method, path)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    case.call_and_validate()
