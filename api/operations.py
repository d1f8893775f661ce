"""What each ``/api/v1`` operation is called in the API documentation, what it does, and a request example.

Handlers' docstrings are the descriptions (``use_handler_docstrings``); the few handlers without one get theirs
here. The summaries replace Litestar's default (the function's name in CamelCase). The examples are requests that
work against the demo registry (``pcf demo``): schemathesis sends them too, so they stay valid.
"""

from __future__ import annotations

from typing import Any

#: (path, method) -> (summary, description for handlers without a docstring, or None).
OPERATIONS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("/health", "get"): ("Service health", "Answers `{\"status\": \"ok\"}` while the application runs."),
    ("/api/v1/factors", "get"): ("Search emission factors", None),
    ("/api/v1/factors/{factor_id}", "get"): (
        "Get one emission factor", "One factor of the factor database, with its value, unit, source and release."),
    ("/api/v1/releases", "get"): (
        "List factor releases", "The factor releases loaded, with their versions and content hashes."),
    ("/api/v1/footprints", "post"): ("Compute a product footprint", None),
    ("/api/v1/variants", "post"): ("Compute footprint variants", None),
    ("/api/v1/compare", "get"): ("Compare certified products of a category", None),
    ("/api/v1/products", "post"): ("Register a product", None),
    ("/api/v1/products", "get"): ("List products", None),
    ("/api/v1/products/{product_id}", "get"): (
        "Get one product", "One product the caller may see (its own; any product for certifiers and admins)."),
    ("/api/v1/declarations", "post"): ("Create a draft declaration", None),
    ("/api/v1/declarations", "get"): ("List declarations", None),
    ("/api/v1/declarations/{declaration_id}", "get"): (
        "Get one declaration", "One declaration the caller may see, with its product file, result and status."),
    ("/api/v1/declarations/{declaration_id}/submit", "post"): ("Submit a declaration for review", None),
    ("/api/v1/declarations/{declaration_id}/prepare", "post"): ("Prepare a claim for an external signature", None),
    ("/api/v1/declarations/{declaration_id}/approve", "post"): ("Certify a declaration (issue its label)", None),
    ("/api/v1/declarations/{declaration_id}/reject", "post"): ("Reject a declaration", None),
    ("/api/v1/declarations/{declaration_id}/verification", "post"): (
        "Record the verification of a declaration", None),
    ("/api/v1/declarations/{declaration_id}/verification", "get"): ("Get a declaration's verification record", None),
    ("/api/v1/declarations/{declaration_id}/verification/report", "get"): (
        "Download the verification report", None),
    ("/api/v1/keys", "post"): ("Register or rotate a certifier's signing key", None),
    ("/api/v1/renewals", "get"): ("Labels to renew", None),
    ("/api/v1/labels", "get"): ("Search labels", None),
    ("/api/v1/labels/{label_id}", "get"): ("Get one label", None),
    ("/api/v1/labels/{label_id}/surveillance", "post"): ("Record a surveillance audit of a label's certificate", None),
    ("/api/v1/labels/{label_id}/suspend", "post"): (
        "Suspend a label", "The label's certifier suspends it with a reason; the event is logged and audited."),
    ("/api/v1/labels/{label_id}/reinstate", "post"): (
        "Reinstate a suspended label",
        "The label's certifier reinstates a suspended label with a reason; the event is logged and audited."),
    ("/api/v1/labels/{label_id}/revoke", "post"): (
        "Revoke a label", "The label's certifier revokes it for good, with a reason; the event is logged and audited."),
    ("/api/v1/labels/{label_id}/proof", "get"): ("Get a label's proof bundle", None),
    ("/api/v1/labels/{label_id}/ilcd.xml", "get"): ("Export a label as ILCD+EPD XML", None),
    ("/api/v1/labels/{label_id}/openepd.json", "get"): ("Export a label as openEPD JSON", None),
    ("/api/v1/labels/{label_id}/battery-pass.json", "get"): ("Export a battery label as battery-passport data", None),
    ("/api/v1/labels/{label_id}/eu-declaration.json", "get"): (
        "Export a battery label as an EU carbon-footprint declaration", None),
    ("/api/v1/labels/{label_id}/{file_name}", "get"): ("Download a label file (SVG, PNG or PDF)", None),
    ("/api/v1/log/checkpoint", "get"): ("Latest signed log checkpoint", None),
    ("/api/v1/log/cosignatures", "post"): ("Submit a witness cosignature", None),
    ("/api/v1/log/inclusion", "get"): (
        "Inclusion proof", "The RFC 9162 inclusion proof of leaf `index` in the log of size `tree_size`."),
    ("/api/v1/log/consistency", "get"): (
        "Consistency proof", "The RFC 9162 consistency proof between log sizes `first` and `second`."),
    ("/api/v1/trust-list", "get"): ("Certifier trust list", None),
    ("/api/v1/status-list", "get"): ("Signed label status list", None),
}

_MONITOR = {"kind": "monitor", "name": "Example 24-inch monitor", "screen_diagonal_inch": 23.8, "mass_kg": 6.7,
            "annual_energy_kwh": 35.8, "lifetime_years": 6, "assembly_region": "CN", "use_region": "CN-SC"}
_PV = {"kind": "pv_module", "name": "Example 410 Wp mono PERC module, made in Sichuan", "rated_power_wp": 410,
       "area_m2": 1.95, "technology": "PERC",
       "regions": {"polysilicon": "CN-SC", "wafer": "CN-SC", "cell": "CN-SC", "module": "CN-SC"},
       "electricity": {"series": "co2_average", "year": 2023}, "yield_kwh_per_kwp_year": 1200}

#: (path, method) -> one example request body.
REQUEST_EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("/api/v1/footprints", "post"): _PV,
    ("/api/v1/variants", "post"): {"product": _PV, "vary": {"regions.cell": ["CN-SC", "CN-XJ"]}, "rows": 10},
    ("/api/v1/products", "post"): {"name": "Example 24-inch monitor", "model": "EX-24", "category": "monitor",
                                   "gtin": "06901234567892"},
    ("/api/v1/declarations", "post"): {"product_id": "prd_0123456789abcdef0123", "spec": _MONITOR},
}


def describe(doc: dict[str, Any]) -> None:
    """Set the summaries, missing descriptions and request examples of the operations in ``doc``."""
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            summary, description = OPERATIONS.get((path, method), (None, None))
            if summary:
                op["summary"] = summary
            if description and not op.get("description"):
                op["description"] = description
            example = REQUEST_EXAMPLES.get((path, method))
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if example is not None and content is not None:
                content["example"] = example
