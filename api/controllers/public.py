"""The public pages (no sign-in): home, label search, procurement comparison, factors, calculator, log, open data.

Each handler reads its query, calls one package function (:mod:`registry.services`, :mod:`registry.public.catalogue`,
:mod:`registry.public.procurement`, :mod:`factors_db.store`, the engine through :mod:`api.pages.calculator`) and renders a
template; wrong values come back beside their fields with what was typed, and nothing is stored. ``GET
/api/v1/compare`` gives the comparison as JSON (:class:`CompareOut`) for a carbon-inclusive points scheme.

:func:`route_handlers` lists what ``create_app`` registers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.handlers import BaseRouteHandler
from litestar.params import Body, FromPath, Parameter
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel

from api.pages import calculator, feeds, formatting, forms, i18n, views
from api.pages.forms import Form
from api.pages.templating import base_url, page
from api.settings import Settings
from factors_db import store
from factors_db.errors import FactorNotFound
from footprint.errors import SpecificationError
from registry.errors import InvalidInput, LogRangeError
from registry.public import catalogue, procurement
from registry.public.cache import SnapshotCache, log_size
from registry.services import Registry

PAGE_SIZE = 20
COMPARE_ROWS = 50  # products listed on the compare page (the CSV has them all)
SORTS = ("value", "-value", "newest")
STATUS_FILTERS = ("", "all", "active", "suspended", "expired", "revoked", "superseded")


def today(registry: Registry) -> date:
    return registry.clock().date()


def snapshots(registry: Registry) -> SnapshotCache:
    """The cache of page answers that change only with the log and the day."""
    return registry.public.snapshots


def in_force(registry: Registry) -> dict[str, int]:
    """Categories with labels in force today, and how many (cached with the log's size)."""
    day = today(registry)
    return snapshots(registry).get(registry.engine, "in_force", day, lambda: catalogue.categories_in_force(registry.engine,
                                                                                                           day))


# ---------------------------------------------------------------------------------------------- labels
def label_search(registry: Registry, form: Form, lang: str) -> dict[str, Any]:
    """The ``/labels`` page's context: filters as typed, errors, the page of results and the next cursor."""
    certifiers = catalogue.certifiers(registry.engine)
    text = form.text("q")
    category = form.choice("category", i18n.CATEGORY_NAMES)
    certifier = form.choice("certifier", [c.id for c in certifiers])
    status = form.choice("status", STATUS_FILTERS) or ""
    low, high = form.range("min", "max")
    valid_on = form.day("valid_on")
    sort = form.choice("sort", SORTS) or "value"
    views: list[Any] = []
    cursor = None
    if form.ok:
        try:
            filters: dict[str, Any] = {
                "text": text, "category": category, "certifier": certifier,
                "status": None if status in ("", "all") else status, "min_value": low, "max_value": high,
                "include_inactive": status == "all", "sort": sort, "limit": PAGE_SIZE,
                "after": form.text("cursor") or None, "valid_on": valid_on}
            views, cursor = snapshots(registry).get(
                registry.engine, ("labels", *sorted(filters.items())), today(registry),
                lambda: registry.public.search_labels(**filters))
        except InvalidInput:
            form.fail("cursor", forms.STALE_CURSOR)
    return {"form": form, "views": views, "next_cursor": cursor, "text": text,
            "certifier_options": [(c.id, c.name_zh if lang == "zh" else c.name_en) for c in certifiers],
            "status": status, "sorts": SORTS}


# --------------------------------------------------------------------------------------------- compare
def requirements(form: Form, categories: dict[str, int]) -> procurement.Requirements | None:
    """The buyer's requirements from the compare form (None before a category is chosen or on an error)."""
    category = form.choice("category", [*categories, *i18n.CATEGORY_NAMES])
    if category is None:
        if not form.values.get("category") and categories:
            category = max(categories, key=lambda c: categories[c])  # the category with the most labels
            form.values["category"] = category
        else:
            return None
    mins: dict[str, float] = {}
    maxs: dict[str, float] = {}
    for name in catalogue.NUMERIC_SPECS.get(category, ()):
        lo, hi = form.range(f"min_{name}", f"max_{name}")
        if lo is not None:
            mins[name] = lo
        if hi is not None:
            maxs[name] = hi
    choice = {name: form.text(name) for name in catalogue.CHOICE_SPECS.get(category, ()) if form.text(name)}
    quantity = form.number("quantity", not_negative=True)
    if not form.ok:
        return None
    return procurement.Requirements(category, form.text("declared_unit") or None, mins, maxs, choice, quantity)


def compare_context(registry: Registry, form: Form, lang: str) -> dict[str, Any]:
    categories = in_force(registry)
    req = requirements(form, categories)
    result = procurement.compare(registry.engine, req, today(registry), snapshots(registry)) if req else None
    chart = views.comparison_chart(result, lang) if result else None
    if result and result.declared_unit:
        form.values.setdefault("declared_unit", result.declared_unit)
    return {"form": form, "categories": categories, "comparison": result, "chart": chart,
            "category_options": [(c, i18n.CATEGORY_NAMES.get(c, c))
                                 for c in [*categories, *([req.category] if req and req.category not in categories
                                                          else [])]],
            "unit_options": [(u, f"{formatting.pretty_unit(u)} ({n})")
                             for u, n in (result.declared_units if result else [])],
            "choice_options": {name: [(v, calculator.CHOICE_NAMES.get(v, v)) for v in values]
                               for name, values in (result.choices.items() if result else [])},
            "rows": COMPARE_ROWS, "numeric_specs": catalogue.NUMERIC_SPECS, "choice_specs": catalogue.CHOICE_SPECS}


class CompareStatistics(BaseModel):
    minimum: float
    p20_achievable: float
    median: float
    p80_conservative: float
    maximum: float
    mean: float
    method: str


class CompareProduct(BaseModel):
    label_id: str
    product: str
    model: str
    value: str
    value_num: float
    rank: int
    percentile: float
    avoided_kg_co2e: float | None
    meets_achievable_target: bool
    certifier: str
    manufacturer: str
    valid_until: str


class CompareOut(BaseModel):
    """A category's certified products that meet the requirements, ranked, with the distribution's figures."""

    category: str
    declared_unit: str | None
    unit: str
    quantity: float | None
    count: int
    statistics: CompareStatistics | None
    products: list[CompareProduct]


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: text starting with ``= + - @`` (or a tab or carriage return)
    gets a leading apostrophe (OWASP "CSV injection"); numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(rows: Iterator[dict[str, Any]], columns: tuple[str, ...], filename: str) -> Response[bytes]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return Response(buf.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


SHORTLIST_COLUMNS = ("rank", "label_id", "product", "model", "value", "unit", "declared_unit", "percentile",
                     "avoided_kg_co2e", "meets_achievable_target", "certifier", "manufacturer", "valid_until", "page")


class PublicPages(Controller):
    """Pages anyone can read; forms answer with what was typed and the errors beside the fields."""

    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """What the platform is, a search box, counts and the latest labels."""
        day, cache = today(registry), snapshots(registry)
        counts = cache.get(registry.engine, "counts", day, lambda: catalogue.counts(registry.engine, day))
        rels = store.releases(registry.engine)
        bundled = [r for r in rels if r.bundled]
        latest_release = max(bundled, key=lambda r: store.release_order(r.id)) if bundled else None
        latest, _ = cache.get(registry.engine, "latest", day, lambda: registry.public.search_labels(
            sort="newest", include_inactive=True, limit=5))
        return page(request, "home.html", {"counts": counts, "release": latest_release, "latest": latest})

    @get("/labels", sync_to_thread=True)
    def labels(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """Search and browse labels, lowest footprint first; expired and revoked ones one click away."""
        context = label_search(registry, Form.of(request.query_params), i18n.request_language(request))
        return page(request, "labels.html", context, status_code=200 if context["form"].ok else 400)

    @get("/compare", sync_to_thread=True)
    def compare(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """Low-carbon procurement: a category's products meeting the requirements, ranked, with targets."""
        context = compare_context(registry, Form.of(request.query_params), i18n.request_language(request))
        return page(request, "compare.html", context, status_code=200 if context["form"].ok else 400)

    @get("/compare/shortlist.csv", sync_to_thread=True)
    def shortlist(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """The ticked products of a comparison (all of them when none is ticked) as CSV."""
        form = Form.of(request.query_params)
        context = compare_context(registry, form, i18n.request_language(request))
        if not form.ok or context["comparison"] is None:
            return page(request, "compare.html", context, status_code=400)
        picked = set(request.query_params.getall("pick", []))
        comparison = context["comparison"]
        base = base_url(request)
        rows = ({"rank": r.rank, "label_id": r.candidate.label_id, "product": r.candidate.product_name,
                 "model": r.candidate.model, "value": r.candidate.value, "unit": r.candidate.unit,
                 "declared_unit": r.candidate.declared_unit, "percentile": f"{r.percentile:.1f}",
                 "avoided_kg_co2e": "" if r.avoided_kg is None else f"{r.avoided_kg:.6g}",
                 "meets_achievable_target": str(r.below_achievable).lower(), "certifier": r.candidate.certifier_en,
                 "manufacturer": r.candidate.manufacturer_en, "valid_until": r.candidate.valid_until.isoformat(),
                 "page": f"{base}/l/{r.candidate.label_id}"}
                for r in comparison.products if not picked or r.candidate.label_id in picked)
        return _csv(rows, SHORTLIST_COLUMNS, "shortlist.csv")

    @get("/factors", sync_to_thread=True)
    def factors(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """Search the factor database in Chinese or English, with filters."""
        from factors_db.schema import CATEGORIES, GEOGRAPHIES

        form = Form.of(request.query_params)
        geo = form.choice("geo", GEOGRAPHIES)
        category = form.choice("category", CATEGORIES)
        year = form.integer("year")
        found = store.search(registry.engine, store.SearchQuery(form.text("q"), geo, year, category, None, limit=100)) \
            if form.ok else []
        lang = i18n.request_language(request)
        return page(request, "factors.html", {
            "form": form, "factors": found, "releases": store.releases(registry.engine),
            "geo_name": lambda code: calculator.region_name(code, lang),
            "category_options": [(c, i18n.translations(lang).gettext(i18n.FACTOR_CATEGORY_NAMES.get(c, c)))
                                 for c in CATEGORIES],
            "geo_options": [(g, calculator.region_name(g, lang)) for g in GEOGRAPHIES]},
            status_code=200 if form.ok else 400)

    @get("/factors/{factor_id:str}", sync_to_thread=True)
    def factor(self, request: Request, registry: NamedDependency[Registry], factor_id: FromPath[str]) -> Response[Any]:
        """A factor's value, unit, gases, source, licence, data quality and uncertainty, and its releases."""
        try:
            f = store.get_factor(registry.engine, factor_id[:160])
        except FactorNotFound:
            return page(request, "not_found.html", {"what": factor_id[:160]}, status_code=404)
        lang = i18n.request_language(request)
        return page(request, "factor.html", {"factor": f, "releases": catalogue.factor_releases(registry.engine, f.id),
                                             "geo_name": lambda code: calculator.region_name(code, lang),
                                             "category_name": i18n.FACTOR_CATEGORY_NAMES.get(f.category, f.category)})

    @get("/factors/releases/{file_name:str}", sync_to_thread=True)
    def release_csv(self, request: Request, registry: NamedDependency[Registry], file_name: FromPath[str]) -> Response[Any]:
        """A whole factor release as CSV (the columns of ``pcf factors export``)."""
        from factors_db.importers import COLUMNS, factor_to_row

        release_id = file_name.removesuffix(".csv")
        known = {r.id for r in store.releases(registry.engine)}
        if not file_name.endswith(".csv") or release_id not in known:
            return page(request, "not_found.html", {"what": file_name[:80]}, status_code=404)
        rows = (factor_to_row(f) for f in store.all_factors(registry.engine, release_id))
        return _csv(rows, COLUMNS, f"factors-{release_id}.csv")

    @get("/calculate", sync_to_thread=True)
    def calculate(self, request: Request, settings: NamedDependency[Settings]) -> Response[Any]:
        """The calculator: a form per product model with defaults; with ``run`` the result and the what-if panel."""
        form = Form.of(request.query_params, {"whatif_region": request.query_params.getall("whatif_region", [])})
        return self._calculate(request, settings, form, None)

    @post("/calculate", sync_to_thread=True, status_code=200)
    def calculate_upload(self, request: Request, settings: NamedDependency[Settings],
                         data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
                         ) -> Response[Any]:
        """The calculator with an uploaded product file (YAML or JSON)."""
        upload = data.get("product_file")
        form = Form.of({k: v for k, v in data.items() if isinstance(v, str)})
        document = None
        if not isinstance(upload, UploadFile) or not upload.filename:
            form.fail("product_file", forms.CHOOSE_FILE)
        else:
            try:
                document = calculator.read_upload(upload.file.read(calculator.MAX_UPLOAD + 1), upload.filename)
            except SpecificationError as exc:
                form.fail("product_file", forms.UNREADABLE_FILE)
                form.values["product_file_detail"] = exc.message
        return self._calculate(request, settings, form, document)

    def _calculate(self, request: Request, settings: Settings, form: Form, uploaded: dict[str, Any] | None) -> Response[Any]:
        kind = form.choice("kind", calculator.KINDS) or "pv_module"
        form.errors.pop("kind", None)
        running = bool(form.values.get("run")) or uploaded is not None
        if not running:
            form.values = {**calculator.defaults(kind), **form.values}
        iterations = form.integer("mc") or 0
        if iterations > calculator.MAX_MC:
            form.fail("mc", forms.TOO_MANY_RUNS)
        document = uploaded
        if running and uploaded is None:
            document = calculator.document_from_form(kind, form)
        if uploaded is not None:
            kind = str(uploaded.get("kind", kind)) if uploaded.get("kind") in calculator.KINDS else kind
            form.values = {**calculator.defaults(kind), **calculator.form_values(kind, uploaded), **form.values}
        fields = calculator.WHAT_IF_FIELDS.get(kind, ())
        what_if_field = form.choice("whatif", fields) or (fields[0] if fields else None)
        regions = [r for r in form.multi.get("whatif_region", []) if r in calculator.regions_for(kind)] or \
            list(calculator.WHAT_IF_DEFAULT)
        outcome = None
        if document is not None and form.ok:
            outcome = calculator.run(document, settings.release, iterations=iterations,
                                     what_if=(what_if_field, regions) if what_if_field else None)
        if outcome and outcome.error_field in {f.name for f in calculator.FIELDS[kind]}:
            form.fail(outcome.error_field, forms.ENGINE_REFUSED)  # beside the field; the reason is in the summary
        status = 400 if (not form.ok or (outcome and outcome.error)) else 200
        lang = i18n.request_language(request)
        stage_chart = views.stage_chart(outcome.result, lang) if outcome and outcome.result else None
        return page(request, "calculate.html", {
            "form": form, "kind": kind, "fields": calculator.FIELDS[kind], "outcome": outcome,
            "stage_chart": stage_chart, "what_if_fields": fields, "what_if_field": what_if_field,
            "what_if_regions": regions, "regions": calculator.regions_for(kind), "series": calculator.series_for(kind),
            "uploaded": uploaded is not None, "kind_names": calculator.KIND_NAMES,
            "region_name": calculator.region_name,
            "region_options": [(r, calculator.region_name(r, lang)) for r in calculator.regions_for(kind)],
            "boundary_options": [(b, i18n.BOUNDARY_NAMES[b]) for b in ("cradle-to-gate", "cradle-to-grave")],
            "choice_options": lambda f: [(c, calculator.CHOICE_NAMES.get(c, c)) for c in f.choices],
            "what_if_options": [(name, i18n.SPEC_NAMES.get(name, name)) for name in fields]}, status_code=status)

    @get("/log", sync_to_thread=True)
    def log(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """The latest signed checkpoint, recent entries, and checks of inclusion and consistency."""
        from registry.trust import tlog

        form = Form.of(request.query_params)
        check: dict[str, Any] | None = None
        if form.values.get("check") == "inclusion":
            label_id = form.text("label_id", 64)
            index = catalogue.label_log_index(registry.engine, label_id) if label_id else None
            if not label_id:
                form.fail("label_id", forms.REQUIRED)
            elif index is None:
                form.fail("label_id", forms.NO_SUCH_LABEL)
            else:
                cp = registry.log.checkpoint()
                proof = registry.log.inclusion(index, cp["tree_size"])
                leaf = catalogue.leaf_hash(registry.engine, index)
                root = catalogue.root_at(registry.engine, cp["tree_size"])
                ok = leaf is not None and tlog.verify_inclusion(
                    leaf, index, cp["tree_size"], [_b64(h) for h in proof["proof"]], root)
                check = {"kind": "inclusion", "ok": ok, "label_id": label_id, "index": index,
                         "size": cp["tree_size"], "proof": proof["proof"]}
        elif form.values.get("check") == "consistency":
            first = form.integer("first", minimum=1, required=True)
            second = form.integer("second", minimum=1, required=True)
            if first is not None and second is not None:
                try:
                    proof = registry.log.consistency(first, second)
                    ok = tlog.verify_consistency(first, second, catalogue.root_at(registry.engine, first),
                                                 catalogue.root_at(registry.engine, second),
                                                 [_b64(h) for h in proof["proof"]])
                    check = {"kind": "consistency", "ok": ok, "first": first, "second": second,
                             "proof": proof["proof"]}
                except LogRangeError:
                    form.fail("second" if first <= second else "first",
                              forms.LOG_SIZES)
        cps = catalogue.checkpoints(registry.engine, 1)
        return page(request, "log.html", {
            "form": form, "check": check, "checkpoint": cps[0] if cps else None,
            "size": log_size(registry.engine), "entries": catalogue.recent_entries(registry.engine, 20)},
            status_code=200 if form.ok else 400)

    @get("/open-data", sync_to_thread=True)
    def open_data(self, request: Request, registry: NamedDependency[Registry]) -> Response[Any]:
        """Bulk downloads with their licence."""
        return page(request, "open_data.html", {"releases": store.releases(registry.engine),
                                                "columns": catalogue.OPEN_DATA_COLUMNS})

    @get("/open-data/labels.csv", sync_to_thread=True)
    def labels_csv(self, request: Request, registry: NamedDependency[Registry]) -> Response[bytes]:
        """Every issued label, one row each (:data:`registry.catalogue.OPEN_DATA_COLUMNS`)."""
        rows = catalogue.label_records(registry.engine, today(registry), base_url(request))
        return _csv(rows, catalogue.OPEN_DATA_COLUMNS, "labels.csv")

    @get("/open-data/labels.jsonl", sync_to_thread=True)
    def labels_jsonl(self, request: Request, registry: NamedDependency[Registry]) -> Response[bytes]:
        """Every issued label, one JSON object per line."""
        rows = catalogue.label_records(registry.engine, today(registry), base_url(request))
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        return Response(body.encode(), media_type="application/x-ndjson",
                        headers={"Content-Disposition": 'attachment; filename="labels.jsonl"'})

    @get("/open-data/checkpoints.txt", sync_to_thread=True)
    def checkpoints_txt(self, registry: NamedDependency[Registry]) -> Response[bytes]:
        """Every signed checkpoint (C2SP signed notes), newest first, separated by blank lines."""
        notes = [cp.note.rstrip("\n") + "\n" for cp in catalogue.checkpoints(registry.engine)]
        return Response("\n".join(notes).encode(), media_type="text/plain; charset=utf-8")

    @get("/feeds/labels.atom", sync_to_thread=True)
    def feed(self, request: Request, registry: NamedDependency[Registry]) -> Response[bytes]:
        """Label events (issued, suspended, reinstated, revoked, superseded) as an Atom feed."""
        events = catalogue.recent_entries(registry.engine, 50, labels_only=True)
        body = feeds.label_feed(events, base_url(request), i18n.request_language(request), registry.clock())
        return Response(body, media_type=feeds.MEDIA_TYPE, headers={"Vary": "Accept-Language, Cookie"})


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text)


Bound = Annotated[float | None, Parameter(ge=0, le=1e12, description="a bound on the product file's field")]
Choice = Annotated[str | None, Parameter(max_length=60, description="the product file's value, exactly")]


class CompareApi(Controller):
    """The comparison as JSON, for a carbon-inclusive points scheme (the numbers of the ``/compare`` page)."""

    path = "/api/v1"
    tags = ["labels"]  # noqa: RUF012  (Litestar's own attribute)

    @get("/compare", sync_to_thread=True)
    def compare(self, request: Request, registry: NamedDependency[Registry],
                category: Annotated[str, Parameter(description="the category (pv_module, monitor, ...)",
                                                   max_length=40)],
                declared_unit: Annotated[str | None, Parameter(description="default: the category's most common",
                                                               max_length=200)] = None,
                quantity: Annotated[float | None, Parameter(ge=0, le=1e12, description="declared units bought")] = None,
                min_rated_power_wp: Bound = None, max_rated_power_wp: Bound = None, min_area_m2: Bound = None,
                max_area_m2: Bound = None, min_screen_diagonal_inch: Bound = None,
                max_screen_diagonal_inch: Bound = None, min_mass_kg: Bound = None, max_mass_kg: Bound = None,
                min_annual_energy_kwh: Bound = None, max_annual_energy_kwh: Bound = None,
                technology: Choice = None, panel: Choice = None, form_factor: Choice = None) -> CompareOut:
        """Certified products of ``category`` valid today that meet the requirements (``min_<field>``,
        ``max_<field>`` on the product file's numbers, ``technology``/``panel``/``form_factor``), lowest footprint
        first, with the 20th percentile (achievable target), median and 80th percentile (conservative target)
        and, for ``quantity`` declared units, the kg CO2e avoided against the median: what a carbon-inclusive
        points scheme needs to reward a low-carbon purchase."""
        from registry.rules import categories as rule_categories

        if category not in rule_categories():  # the document's enum; an empty value would pick a default
            raise InvalidInput(f"category: one of {', '.join(rule_categories())}", "category")
        form = Form.of(request.query_params)
        categories = in_force(registry)
        req = requirements(form, categories)
        if req is None:
            # a StopIteration raised here would hang the request (it cannot cross into the awaiting future)
            name, message = next(iter(form.errors.items()), ("category", "no certified product of this category"))
            raise InvalidInput(f"{name}: {message}", name)
        return CompareOut(**procurement.compare(registry.engine, req, today(registry), snapshots(registry)).to_json())


def route_handlers() -> list[ControllerRouterHandler | BaseRouteHandler]:
    """Everything this module adds to the app."""
    return [PublicPages, CompareApi]
