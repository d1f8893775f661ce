"""Labels (public reads, certifier status changes) and the transparency log (``/api/v1``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from api.auth import actor
from api.schemas import (
    CheckpointOut,
    ConsistencyOut,
    CosignatureIn,
    InclusionOut,
    LabelOut,
    LabelPage,
    LabelSummary,
    ReasonIn,
    SurveillanceIn,
)
from api.settings import Settings
from registry.accounts.actors import Actor
from registry.errors import NotFound
from registry.public.labels import LabelView
from registry.services import Registry


def summary(v: LabelView) -> LabelSummary:
    lab = v.label
    return LabelSummary(
        label_id=lab.label_id, version=lab.version, status=v.status,  # type: ignore[arg-type]
        value=lab.value, unit=lab.unit, declared_unit=lab.declared_unit, category=lab.category,
        boundary=lab.boundary, product_name=v.product.name, model=v.product.model, gtin=v.product.gtin,
        certifier_id=lab.certifier_id, manufacturer_id=lab.manufacturer_id, valid_from=lab.valid_from.isoformat(),
        valid_until=lab.valid_until.isoformat(), supplier_data_changed=v.supplier_data_changed)


def label_out(registry: Registry, label_id: str) -> LabelOut:
    return LabelOut.model_construct(**registry.public.public_label(label_id))  # built from our own typed data


class LabelsController(Controller):
    """Anyone reads labels; the issuing certifier changes their status."""

    path = "/api/v1"
    tags = ("labels",)

    @get("/labels", sync_to_thread=True)
    def search(self, registry: NamedDependency[Registry], q: Annotated[str, Parameter(max_length=200)] = "",
               category: FromQuery[str | None] = None,
               certifier: FromQuery[str | None] = None,
               status: FromQuery[Literal["active", "suspended", "revoked", "expired", "superseded"] | None] = None,
               min_value: Annotated[float | None, Parameter(ge=0, le=1e12)] = None,
               max_value: Annotated[float | None, Parameter(ge=0, le=1e12)] = None,
               include_inactive: FromQuery[bool] = False, sort: FromQuery[Literal["value", "-value", "newest"]] = "value",
               limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
               cursor: Annotated[str | None, Parameter(max_length=400)] = None) -> LabelPage:
        """Search certified labels (lowest footprint first); expired and revoked labels only on request."""
        views, nxt = registry.public.search_labels(
            text=q, category=category, certifier=certifier, status=status, min_value=min_value,
            max_value=max_value, include_inactive=include_inactive, sort=sort, limit=limit,
            after=cursor)
        return LabelPage(items=[summary(v) for v in views], next_cursor=nxt)

    @get("/labels/{label_id:str}", sync_to_thread=True)
    def show(self, registry: NamedDependency[Registry], label_id: FromPath[str]) -> LabelOut:
        """A label with its status, signature, supply-chain links and log evidence."""
        return label_out(registry, label_id)

    @post("/labels/{label_id:str}/suspend", sync_to_thread=True, status_code=200,
          dependencies={"who": Provide(actor, sync_to_thread=True)})
    def suspend(self, registry: NamedDependency[Registry], who: NamedDependency[Actor], label_id: FromPath[str],
                data: JSONBody[ReasonIn]) -> LabelOut:
        registry.status.suspend(who, label_id, data.reason)
        return label_out(registry, label_id)

    @post("/labels/{label_id:str}/surveillance", sync_to_thread=True, status_code=200,
          dependencies={"who": Provide(actor, sync_to_thread=True)})
    def surveillance(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                     label_id: FromPath[str], data: JSONBody[SurveillanceIn]) -> LabelOut:
        """Record a surveillance audit of the label's certificate (its certifier): a passed audit moves the next
        due date and reinstates a label suspended as overdue; a failed one suspends the label."""
        registry.surveillance.record(who, label_id, audited_on=data.date, outcome=data.outcome, notes=data.notes)
        return label_out(registry, label_id)

    @post("/labels/{label_id:str}/reinstate", sync_to_thread=True, status_code=200,
          dependencies={"who": Provide(actor, sync_to_thread=True)})
    def reinstate(self, registry: NamedDependency[Registry], who: NamedDependency[Actor], label_id: FromPath[str],
                data: JSONBody[ReasonIn]) -> LabelOut:
        registry.status.reinstate(who, label_id, data.reason)
        return label_out(registry, label_id)

    @post("/labels/{label_id:str}/revoke", sync_to_thread=True, status_code=200,
          dependencies={"who": Provide(actor, sync_to_thread=True)})
    def revoke(self, registry: NamedDependency[Registry], who: NamedDependency[Actor], label_id: FromPath[str],
                data: JSONBody[ReasonIn]) -> LabelOut:
        registry.status.revoke(who, label_id, data.reason)
        return label_out(registry, label_id)

    @get("/labels/{label_id:str}/proof", sync_to_thread=True)
    def proof(self, registry: NamedDependency[Registry], label_id: FromPath[str]) -> dict[str, object]:
        """The self-contained proof bundle (claim, signature, inclusion under a signed checkpoint)."""
        return registry.log.proof_bundle(label_id)

    @get("/labels/{label_id:str}/ilcd.xml", sync_to_thread=True,
         responses={200: ResponseSpec(None, description="ILCD+EPD v1.3 process data set", media_type="application/xml"),
                    409: ResponseSpec(None, description="damaged label, or one the format cannot express")})
    def ilcd_xml(self, registry: NamedDependency[Registry], settings: NamedDependency[Settings],
                 label_id: FromPath[str]) -> Response[bytes]:
        """The label as an ILCD+EPD v1.3 process data set (XML, valid against the official schemas); a label that is
        not in force says so in the data set."""
        from registry.interop.ilcd import process_xml

        body = process_xml(registry.exports.certified_label(label_id, settings.base_url))
        return Response(body, media_type="application/xml",
                        headers={"Content-Disposition": f'inline; filename="{label_id}.ilcd.xml"'})

    @get("/labels/{label_id:str}/openepd.json", sync_to_thread=True,
         responses={409: ResponseSpec(None, description="damaged label, or one the format cannot express")})
    def openepd_json(self, registry: NamedDependency[Registry], settings: NamedDependency[Settings],
                     label_id: FromPath[str]) -> dict[str, Any]:
        """The label as an openEPD document (loads in the ``openepd`` package's models); a label that is not in force
        says so in ``ext["pcf-registry"].status`` and ``lca_discussion``."""
        from registry.interop.openepd import epd_document

        return epd_document(registry.exports.certified_label(label_id, settings.base_url))

    @get("/labels/{label_id:str}/battery-pass.json", sync_to_thread=True,
         responses={409: ResponseSpec(None, description="damaged label, not a battery, or no lifetime energy")})
    def battery_pass_json(self, registry: NamedDependency[Registry], settings: NamedDependency[Settings],
                          label_id: FromPath[str]) -> dict[str, Any]:
        """A battery label's carbon-footprint part of the battery passport (Battery Pass data model
        ``CarbonFootprintForBatteries`` 1.2.0): kg CO2e per kWh of lifetime energy, by life-cycle stage."""
        from registry.interop.batterypass import BatteryFacts, battery_pass

        return battery_pass(BatteryFacts.of_label(registry.exports.certified_label(label_id, settings.base_url)))

    @get("/labels/{label_id:str}/eu-declaration.json", sync_to_thread=True,
         responses={409: ResponseSpec(None, description="damaged label, not a battery, or no lifetime energy")})
    def eu_declaration_json(self, registry: NamedDependency[Registry], settings: NamedDependency[Settings],
                            label_id: FromPath[str]) -> dict[str, Any]:
        """A battery label's carbon-footprint declaration under Regulation (EU) 2023/1542 Annex II, with what the
        registry does not hold and what the draft delegated act asks that it did not check."""
        from registry.interop.batterypass import BatteryFacts, eu_declaration

        return eu_declaration(BatteryFacts.of_label(registry.exports.certified_label(label_id, settings.base_url)))

    @get("/labels/{label_id:str}/{file_name:str}", sync_to_thread=True,
         responses={200: ResponseSpec(None, description="label.svg, label.png (300 dpi) or label.pdf",
                                      media_type="application/octet-stream")})
    def label_file(self, registry: NamedDependency[Registry], settings: NamedDependency[Settings], label_id: FromPath[str],
                   file_name: FromPath[str]) -> Response[bytes]:
        """The printable label: ``label.svg``, ``label.png`` (300 dpi) or ``label.pdf``."""
        from api.label_files import MEDIA_TYPES, render

        fmt = file_name.removeprefix("label.")
        if not file_name.startswith("label.") or fmt not in MEDIA_TYPES:
            raise NotFound(f"no file {file_name[:40]!r}: label.svg, label.png or label.pdf", "file_name")
        body = render(registry, label_id, fmt, settings.base_url)
        return Response(body, media_type=MEDIA_TYPES[fmt],
                        headers={"Content-Disposition": f'inline; filename="{label_id}.{fmt}"'})

    @get("/log/checkpoint", sync_to_thread=True)
    def checkpoint(self, registry: NamedDependency[Registry]) -> CheckpointOut:
        """The latest signed checkpoint (C2SP signed note)."""
        return CheckpointOut(**registry.log.checkpoint())

    @post("/log/cosignatures", sync_to_thread=True, status_code=200)
    def cosign(self, registry: NamedDependency[Registry], data: JSONBody[CosignatureIn]) -> dict[str, Any]:
        """Accept a registered witness's cosignature of a checkpoint (it must verify under the witness's key)."""
        return registry.witnesses.accept(data.witness, data.size, data.cosignature)

    @get("/log/inclusion", sync_to_thread=True)
    def inclusion(self, registry: NamedDependency[Registry], index: Annotated[int, Parameter(ge=0, le=2**62)],
                  tree_size: Annotated[int, Parameter(ge=1, le=2**62)]) -> InclusionOut:
        return InclusionOut(**registry.log.inclusion(index, tree_size))

    @get("/log/consistency", sync_to_thread=True)
    def consistency(self, registry: NamedDependency[Registry], first: Annotated[int, Parameter(ge=1, le=2**62)],
                    second: Annotated[int, Parameter(ge=1, le=2**62)]) -> ConsistencyOut:
        return ConsistencyOut(**registry.log.consistency(first, second))

    @get("/trust-list", sync_to_thread=True)
    def trust_list(self, registry: NamedDependency[Registry]) -> dict[str, object]:
        """Every certifier key, current, retired and revoked, with its validity window."""
        return registry.keys.trust_list()

    @get("/status-list", sync_to_thread=True)
    def status_list(self, registry: NamedDependency[Registry]) -> dict[str, object]:
        """The signed status list: the ids of revoked, suspended and superseded labels, with its date, signed with
        the registry's log key (``pcf-status-list/1``), for verifiers that check labels offline."""
        return registry.log.status_list()
