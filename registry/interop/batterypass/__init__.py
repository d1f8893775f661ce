"""Battery declarations of a certified battery label: the EU Annex II carbon-footprint declaration
(:func:`eu_declaration`) and the battery passport's carbon-footprint part in the Battery Pass data model
(:func:`battery_pass`, ``CarbonFootprintForBatteries`` 1.2.0). Both are pure functions of :class:`BatteryFacts`."""

from registry.interop.batterypass.declaration import eu_declaration
from registry.interop.batterypass.facts import BatteryFacts, NotABattery
from registry.interop.batterypass.passport import battery_pass, schema_errors, stage_problems

__all__ = ["BatteryFacts", "NotABattery", "battery_pass", "eu_declaration", "schema_errors", "stage_problems"]
