"""Physical parameters of the PV module model from release 2026.3 on: each a low / central / high with its law.

The numbers and their sources are the rows of ``factors_db/data/curated/pv.csv`` (a test keeps the two equal);
``source`` here names the primary documents briefly. Process energies and material intensities that live in unit
processes of the factor release (polysilicon, ingot, wafering, cell, silver per W, frame per metre) are built from
the same file by ``factors_db.build.pv``; the ones below are the parameters the product model applies itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from footprint.model import AmountUncertainty, Law


@dataclass(frozen=True)
class Param:
    """A sourced parameter: ``central`` is the value used; Monte Carlo draws from ``law`` over ``low``-``high``."""

    id: str
    low: float
    central: float
    high: float
    law: Law
    unit: str
    source: str

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies inside the range the data describe."""
        return self.low <= value <= self.high

    def uncertainty(self, amount: float, *, parameter: str | None = None, widen: float = 0.0) -> AmountUncertainty | None:
        """The law of an input of ``amount`` that is proportional to this parameter (None when the range is one
        value and nothing widens it); ``widen`` (a fraction) stretches both ends for an extrapolation."""
        if amount == 0 or (self.low == self.high and not widen):
            return None
        scale = amount / self.central
        lo, hi = self.low * scale * (1 - widen), self.high * scale * (1 + widen)
        law: Law = self.law if self.low != self.high else "triangular"
        text = (f"{self.id}: {self.central:g} {self.unit} ({law} {self.low:g}-{self.high:g}"
                + (f", widened {widen:.0%} for an extrapolation" if widen else "") + f"); {self.source}")
        return AmountUncertainty(distribution=law, minimum=lo, maximum=hi, parameter=parameter or self.id,
                                 description=text)


def _p(id: str, low: float, central: float, high: float, law: Law, unit: str, source: str) -> Param:
    return Param(id, low, central, high, law, unit, source)


PARAMS: dict[str, Param] = {p.id: p for p in (
    _p("silicon_g_per_m2", 356.8, 375, 379.5, "triangular", "g/m2",
       "NREL PV_ICE 2023 baseline, scaled by ITRPV 2022 wafer thickness 157-167 um"),
    _p("glass_density", 2500, 2500, 2500, "triangular", "kg/m3", "NREL PV_ICE glass journal"),
    _p("front_glass_mm_glass_backsheet", 2.0, 3.2, 3.2, "triangular", "mm", "ITRPV 2022 Fig. 36 via PV_ICE"),
    _p("glass_mm_per_sheet_glass_glass", 2.0, 2.0, 2.5, "triangular", "mm",
       "Jinko Tiger Neo 72HL4-BDV datasheet transcription; PV_ICE 2 x 2.5 mm"),
    _p("backsheet_g_per_m2", 388, 388, 658, "triangular", "g/m2",
       "NREL PV_ICE 2023 (388); / ITRPV 2024 glass-backsheet share 59 % (658, derived)"),
    _p("encapsulant_g_per_m2", 778, 778, 778, "triangular", "g/m2", "NREL PV_ICE 2023"),
    _p("copper_g_per_m2", 8.39, 8.39, 8.39, "triangular", "g/m2", "NREL PV_ICE 2023"),
    _p("frame_kg_per_m", 0.35, 0.45, 0.6, "triangular", "kg/m",
       "1995 LCA / Peeters et al. 2017 / ITRPV 2012, via PV_ICE"),
    _p("module_area_m2", 1.64, 2.583, 2.70, "triangular", "m2",
       "ITRPV 2020 (1.64 m2 average 2019); 2278 x 1134 mm; 2382 x 1134 mm"),
    _p("module_efficiency", 0.184, 0.2173, 0.2323, "triangular", "",
       "NREL PV_ICE 2018 and 2023 world averages; Tiger Neo datasheet top"),
)}

#: PV_ICE 2023 silicon manufacturing efficiency (kg silicon in modules per kg polysilicon), single source; Zubas et
#: al. 2023 (2.59 g polysilicon per Wp at 20.9 %) agree with it within 1 %.
SILICON_MFG_EFFICIENCY = 0.6698
#: Aspect ratio of a 2278 x 1134 mm module, for the perimeter of a module that declares only its area.
ASPECT_RATIO = 2278 / 1134
