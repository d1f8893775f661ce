"""A certified label as an ILCD+EPD process data set (format v1.3: ILCD 1.1 with the EPD extensions of 2013,
2019 and 2024), the XML that European EPD programmes and databases (ÖKOBAUDAT, InData) read.

:func:`process_xml` is a pure function of a :class:`registry.interop.certified.CertifiedLabel`; it validates
against the official schemas vendored in ``schemas/`` (:mod:`registry.interop.ilcd.schema`).

Decisions (sources: InDataWG/ILCD-EPD-Data-Format, branch ``feature/v1.3-alpha_en-15804`` at beb0fde: the
schemas, ``sample_data/processes/EPDv1.3_example_*.xml``, ``doc/identifiers/*.csv`` and "EPD Data Format -
Technical Details", whose module names A1 ... D are binding for ``epd:module``):

* **Stages to EN 15804 modules.** The engine has five stages; the format names single modules (no "B1-B7" or
  "C1-C4" aggregate exists), so each stage goes to the one module that holds it:

  ============== ======= =====================================================================================
  engine stage   module  why
  ============== ======= =====================================================================================
  raw_materials  A1-A3   raw material supply (A1), and the inbound transport (A2) the engine books with the
  production     A1-A3   materials or the factory; the engine does not separate A1, A2 and A3
  distribution   A4      transport from the factory gate to the customer or installation site
  use            B6      operational energy use: in every category the registry certifies the use stage is the
                         product's grid electricity over its service life (``footprint/products/electronics.py``);
                         a PV module has no use-stage emissions. B1-B5 and B7 are not modelled
  end_of_life    C4      disposal: the engine's end of life is a landfill proxy for the whole product, without
                         separate demolition (C1), waste transport (C2) or processing (C3), and no module D
  ============== ======= =====================================================================================

  A1-A3 is always declared; a later module only when its stage is not zero (a stage the engine did not model is
  "not declared", never "0"). Values are per the label's declared unit (see
  :mod:`registry.interop.certified` for the scaling), unrounded; their sum is within the rule's rounding of
  the signed value.
* **Indicators.** GWP-total only, with the LCIA method data set of EN 15804+A2 **EF 3.1** (IPCC AR6 GWP100) when
  the signed method names AR6, EF 3.0 (AR5) when it names AR5; the registry characterises with IPCC GWP100 per
  GB/T 24067 / ISO 14067 and the result says so in the indicator's comment. ``meanAmount`` is the **signed value**
  (kg CO2e per declared unit). GWP-fossil and GWP-biogenic are written only when the result splits them
  (:meth:`CertifiedLabel.gwp_split_kg`: no factor given as undivided CO2e, and no emission after the gate), in
  A1-A3. GWP-luluc, every other EN 15804 impact indicator, the resource-use and waste indicators, and module D stay
  empty: the engine does not compute them.
* **What the data set says and where.** Declared unit: the quantitative reference's ``functionalUnitOrOther``
  and one reference exchange of 1 declared unit. Status: the first general comment and the use advice (a label
  that is not active is still exported, saying so). Validity: ``dataSetValidUntil`` (year), EPD publication date
  (issue date) and expiration date (``valid_until``). Rule: ``referenceToLCAMethodDetails``. Data basis: the
  factor release (``referenceToDataSource``) and the data gaps (use advice). Verification: a review "Accredited
  third party review" by the certifier (its accreditation number in the review details; "Independent external
  review" without one) and the label certificate as the review report. Compliance: the standard the signed method
  names (GB/T 24067 / ISO 14067), not EN 15804: the label is a carbon footprint, not a full EN 15804 EPD.
  Publisher and registration authority: the registry; registration number: the label id; owner and commissioner:
  the manufacturer; permanent URI and external documentation: the label URL; GTIN: ``epd24:productIds``. Issue
  time, version, GTIN, key id and factor release are the signed claim's.
* **References.** Contact, source and flow data sets the registry does not publish yet are referenced by stable
  UUIDs (version 5, from the label URL), with a short description; the EF indicators, the unit group "kg CO2
  eqv." and the ILCD format source use the official master-data UUIDs. Left empty for want of data:
  ``referenceYear`` (the product file has no data period), classification, technical scenarios, content
  declaration, reference service life.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from registry.interop.certified import CertifiedLabel, ExportUnmappable
from registry.interop.ilcd.xmlwriter import Element, to_bytes

NS = {
    "xmlns": "http://lca.jrc.it/ILCD/Process",
    "xmlns:common": "http://lca.jrc.it/ILCD/Common",
    "xmlns:epd": "http://www.iai.kit.edu/EPD/2013",
    "xmlns:epd2": "http://www.indata.network/EPD/2019",
    "xmlns:epd24": "http://www.indata.network/EPD/2024",
}
EPD_VERSION = "1.3"
ILCD_FORMAT = ("a97a0155-0234-4b87-b4ce-a45da52f2a40", "01.00.000", "ILCD format")
KG_CO2_EQ = ("1ebf3012-d0db-4de2-aefd-ef30cedb0be1", "kg CO2 eqv.")
#: (indicator, IPCC report) -> (UUID, version, name) of the LCIA method data sets (doc/identifiers).
GWP_METHODS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("total", "AR6"): ("a7ea142a-9749-11ed-a8fc-0242ac120002", "01.00.000",
                       "Global Warming Potential - total (GWP-total)"),
    ("fossil", "AR6"): ("a7ea19c0-9749-11ed-a8fc-0242ac120002", "01.00.000",
                        "Global Warming Potential - fossil fuels (GWP-fossil)"),
    ("biogenic", "AR6"): ("a7ea186c-9749-11ed-a8fc-0242ac120002", "01.00.000",
                          "Global Warming Potential - biogenic (GWP-biogenic)"),
    ("total", "AR5"): ("6a37f984-a4b3-458a-a20a-64418c145fa2", "04.00.016",
                       "Global Warming Potential - total (GWP-total)"),
    ("fossil", "AR5"): ("5f635281-343e-44fb-83df-1971b155e6b6", "01.00.008",
                        "Global Warming Potential - fossil fuels (GWP-fossil)"),
    ("biogenic", "AR5"): ("2356e1ab-0185-4db5-86e5-16de51c7485c", "01.00.005",
                          "Global Warming Potential - biogenic (GWP-biogenic)"),
}
_EF = {"AR6": "EF 3.1", "AR5": "EF 3.0"}
_CJK = re.compile(r"[\u3400-\u9fff]")
_SUBDIVISION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


def ipcc_report(method: str) -> str:
    """The IPCC assessment report a signed method names (``... IPCC AR6 GWP100`` -> ``AR6``).

    Raises:
        ExportUnmappable: the method names neither AR5 nor AR6.
    """
    found = sorted(set(re.findall(r"\bAR([56])\b", method)))
    if len(found) != 1:
        raise ExportUnmappable(f"the signed method {method!r} names no single IPCC report (AR5 or AR6)", "method")
    return f"AR{found[0]}"


def ref_uuid(cl: CertifiedLabel, kind: str, key: str) -> str:
    """A stable UUID for a data set the registry refers to: version 5 of the label URL's site, the kind and key."""
    site = cl.label_url.rsplit("/l/", 1)[0]
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{site}/ilcd/{kind}/{key}"))


def _lang(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _ref(tag: str, kind: str, ref_id: str, description: str, *, version: str | None = None,
         uri: str | None = None) -> Element:
    attrs = {"type": kind, "refObjectId": ref_id}
    if version:
        attrs["version"] = version
    if uri:
        attrs["uri"] = uri
    return Element(tag, attrs=attrs, children=[Element("common:shortDescription", description[:1000],
                                                       {"xml:lang": _lang(description)})])


def _org_name(org: Mapping[str, Any]) -> str:
    return str(org.get("name_en") or org.get("name_zh") or org.get("id"))


def _contact(tag: str, cl: CertifiedLabel, org: Mapping[str, Any]) -> Element:
    return _ref(tag, "contact data set", ref_uuid(cl, "contact", str(org["id"])), _org_name(org))


def _text(tag: str, text: str) -> Element:
    return Element(tag, text, {"xml:lang": "en"})


def _number(x: float) -> str:
    return repr(float(x))


def _dataset_version(version: Any) -> str:
    return f"{min(int(version), 99):02d}.00.000"


def _location(cl: CertifiedLabel) -> tuple[str, str] | None:
    """Country code and a description of where the product is made, if the result says: the module region of a
    PV result, else the one region of the grid electricity that production-stage processes draw (never the use
    region). None when the result does not tell."""
    regions = cl.result.extra.get("regions")
    where = regions.get("module") if isinstance(regions, Mapping) else None
    if not isinstance(where, str):
        production = {c.process for c in cl.result.contributions if c.stage in ("raw_materials", "production")}
        made = {str(r["region"]) for r in cl.result.electricity.by_process
                if r.get("region") and r.get("process") in production}
        where = next(iter(made)) if len(made) == 1 else None
    if not where or not _SUBDIVISION.match(where):
        return None
    return where[:2], f"Production region {where} (as in the certified product file)."


def _general_comment(cl: CertifiedLabel) -> str:
    label, product = cl.label, cl.label["product"]
    model = f", model {product['model']}" if product.get("model") else ""
    return (f"{cl.status_sentence()} Certified product carbon-footprint label (not a full EN 15804 EPD): "
            f"{label['value']} {label['unit']} per {label['declared_unit']}, {label['boundary']}, "
            f"{label['method']}; product {product['name']}{model}. Signed claim: key {cl.signed('key_id')}, "
            f"transparency-log index {label.get('log_index')}; verify it at {cl.label_url}. Only the GWP-total "
            f"indicator is declared; the other EN 15804 indicators are not computed.")


def _technology(cl: CertifiedLabel) -> str:
    parts = [f"{c.name} ({c.stage.replace('_', ' ')}, {c.share:.1%})" for c in cl.result.contributions
             if c.stage and c.kg_co2e]
    text = f"Boundary {cl.label['boundary']}; largest contributions: " + "; ".join(parts[:8]) + "." if parts else \
        f"Boundary {cl.label['boundary']}."
    notes = {"B6": "B6 holds the engine's use stage (the product's grid electricity over its service life).",
             "C4": "C4 holds the engine's whole end of life (a landfill proxy); C1-C3 are not modelled separately."}
    return " ".join([text, *(notes[m] for m in cl.modules_kg() if m in notes)])


def _use_advice(cl: CertifiedLabel) -> str:
    gaps = " ".join(cl.result.data_gaps)
    advice = cl.status_sentence() if not cl.in_force else f"Check the label's current status at {cl.label_url}."
    return advice + (f" Known data gaps: {gaps}" if gaps else "")


def _lcia_result(cl: CertifiedLabel, indicator: str, report: str, mean: str, amounts: Mapping[str, float],
                 comment: str) -> Element:
    method_id, version, name = GWP_METHODS[(indicator, report)]
    result = Element("LCIAResult")
    result.children.append(_ref("referenceToLCIAMethodDataSet", "LCIA method data set", method_id, name,
                                version=version))
    result.add("meanAmount", mean)
    result.children.append(_text("generalComment", comment))
    other = result.add("common:other")
    for module, kg in amounts.items():
        other.add("epd:amount", _number(kg), {"epd:module": module})
    other.children.append(_ref("epd:referenceToUnitGroupDataSet", "unit group data set", KG_CO2_EQ[0], KG_CO2_EQ[1]))
    return result


def process_xml(cl: CertifiedLabel) -> bytes:
    """The ILCD+EPD v1.3 process data set of a certified label, as UTF-8 XML.

    Raises:
        ExportUnmappable: the signed method names no IPCC report the format's GWP indicators can stand for.
    """
    label, product = cl.label, cl.label["product"]
    report = ipcc_report(str(label["method"]))
    manufacturer, certifier, registry = label["manufacturer"], label["certifier"], cl.registry
    root = Element("processDataSet", attrs={**NS, "version": "1.1", "epd2:epd-version": EPD_VERSION})

    info = root.add("processInformation")
    ds = info.add("dataSetInformation")
    ds.add("common:UUID", ref_uuid(cl, "process", cl.label_id))
    name = ds.add("name")
    base = f"{product['name']}{', ' + product['model'] if product.get('model') else ''}"
    name.add("baseName", base[:500], {"xml:lang": _lang(base)})
    name.children.append(_text("functionalUnitFlowProperties", f"per {label['declared_unit']}"))
    ds.children.append(_text("common:generalComment", _general_comment(cl)))
    ds.children.append(_ref("referenceToExternalDocumentation", "source data set",
                            ref_uuid(cl, "source", f"label/{cl.label_id}"),
                            f"Label {cl.label_id} (public page, signed claim, status and log proof)",
                            uri=cl.label_url))
    if cl.signed("gtin"):
        ids = ds.add("common:other").add("epd24:productIds")
        ids.add("epd24:productId", str(cl.signed("gtin")), {"epd24:type": "GTIN"})
    qref = info.add("quantitativeReference", attrs={"type": "Reference flow(s)"})
    qref.add("referenceToReferenceFlow", "0")
    qref.children.append(_text("functionalUnitOrOther", str(label["declared_unit"])))
    time = info.add("time")
    time.add("common:dataSetValidUntil", str(cl.valid_until().year))
    time.children.append(_text("common:timeRepresentativenessDescription",
                               f"Label valid from {label['valid_from']} until {label['valid_until']} (signed claim). "
                               "The product file gives no data period: no reference year is stated."))
    time_other = time.add("common:other")
    time_other.add("epd2:publicationDateOfEPD", cl.issued_at().date().isoformat())
    time_other.add("epd24:expirationDateOfEPD", cl.valid_until().isoformat())
    where = _location(cl)
    if where is not None:
        geo = info.add("geography").add("locationOfOperationSupplyOrProduction", attrs={"location": where[0]})
        geo.children.append(_text("descriptionOfRestrictions", where[1]))
    info.add("technology").children.append(_text("technologyDescriptionAndIncludedProcesses", _technology(cl)))

    mv = root.add("modellingAndValidation")
    method = mv.add("LCIMethodAndAllocation")
    method.add("typeOfDataSet", "EPD")
    method.children.append(_ref("referenceToLCAMethodDetails", "source data set",
                                ref_uuid(cl, "source", f"rule/{cl.rule}"),
                                f"Category rule {cl.rule} of the pcf-registry label programme"))
    method.add("common:other").add("epd:subType", "specific dataset")
    sources = mv.add("dataSourcesTreatmentAndRepresentativeness")
    release, release_sha = cl.factor_release()
    sources.children.append(_ref("referenceToDataSource", "source data set",
                                 ref_uuid(cl, "source", f"factor-release/{release}"),
                                 f"pcf-registry factor release {release} (sha256 {release_sha})"))
    sources.children.append(_text("useAdviceForDataSet", _use_advice(cl)))
    review = mv.add("validation").add("review", attrs={
        "type": "Accredited third party review" if certifier.get("accreditation_no") else "Independent external review"})
    accreditation = f", accreditation {certifier['accreditation_no']}" if certifier.get("accreditation_no") else ""
    review.children.append(_text("common:reviewDetails",
                                 f"Certified by {_org_name(certifier)}{accreditation}, under rule {cl.rule}; label "
                                 f"issued {cl.issued_at().isoformat()}, claim signed with key {cl.signed('key_id')} and "
                                 f"recorded at index {label.get('log_index')} of the registry's transparency log."))
    review.children.append(_contact("common:referenceToNameOfReviewerAndInstitution", cl, certifier))
    review.children.append(_ref("common:referenceToCompleteReviewReport", "source data set",
                                ref_uuid(cl, "source", f"label/{cl.label_id}"), f"Label certificate {cl.label_id}",
                                uri=cl.label_url))
    standard = str(label["method"]).split(";")[0].strip()
    mv.add("complianceDeclarations").add("compliance").children.append(
        _ref("common:referenceToComplianceSystem", "source data set", ref_uuid(cl, "source", f"standard/{standard}"),
             standard))

    admin = root.add("administrativeInformation")
    admin.add("common:commissionerAndGoal").children.append(_contact("common:referenceToCommissioner", cl,
                                                                      manufacturer))
    admin.add("dataGenerator").children.append(
        _contact("common:referenceToPersonOrEntityGeneratingTheDataSet", cl, registry))
    entry = admin.add("dataEntryBy")
    entry.add("common:timeStamp", cl.issued_at().isoformat())
    entry.children.append(_ref("common:referenceToDataSetFormat", "source data set", ILCD_FORMAT[0], ILCD_FORMAT[2],
                               version=ILCD_FORMAT[1]))
    pub = admin.add("publicationAndOwnership")
    pub.add("common:dataSetVersion", _dataset_version(cl.signed("version")))
    if label.get("supersedes"):
        pub.children.append(_ref("common:referenceToPrecedingDataSetVersion", "process data set",
                                 ref_uuid(cl, "process", str(label["supersedes"])),
                                 f"Label {label['supersedes']} (superseded by this one)"))
    pub.add("common:permanentDataSetURI", cl.label_url)
    pub.children.append(_contact("common:referenceToRegistrationAuthority", cl, registry))
    pub.add("common:registrationNumber", cl.label_id)
    pub.children.append(_contact("common:referenceToOwnershipOfDataSet", cl, manufacturer))
    pub.add("common:other").children.append(_contact("epd2:referenceToPublisher", cl, registry))

    exchange = root.add("exchanges").add("exchange", attrs={"dataSetInternalID": "0"})
    exchange.children.append(_ref("referenceToFlowDataSet", "flow data set", ref_uuid(cl, "flow", str(product["id"])),
                                  base))
    exchange.add("exchangeDirection", "Output")
    exchange.add("meanAmount", "1.0")
    exchange.add("generalComment", f"1 declared unit: {label['declared_unit']}"[:500], {"xml:lang": "en"})

    lcia = root.add("LCIAResults")
    total_comment = (f"Signed label value {label['value']} {label['unit']} per {label['declared_unit']} "
                     f"(meanAmount, kg CO2e); modules unrounded. Characterised with IPCC {report} GWP100 per "
                     f"{standard}, reported under the {_EF[report]} indicator of EN 15804+A2.")
    lcia.children.append(_lcia_result(cl, "total", report, str(cl.gwp_total_kg()), cl.modules_kg(), total_comment))
    split = cl.gwp_split_kg()
    if split is not None:
        for indicator, kg in split.items():
            lcia.children.append(_lcia_result(
                cl, indicator, report, _number(kg), {"A1-A3": kg},
                f"Product stage (A1-A3) only, from the engine's split of its total; IPCC {report} GWP100."))
    return to_bytes(root)
