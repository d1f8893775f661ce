"""What solving a product system gives back, in the system's own node and gas order.

The solver (:mod:`footprint.calculate`) makes it; the readers of a solved system (:mod:`footprint.electricity`,
:mod:`footprint.uncertainty`) take it. It lives apart from all three so that none imports another for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Solved:
    """What a solve gives back, in the system's own node and gas order."""

    supply: np.ndarray  # per node
    node_scores: np.ndarray  # kg CO2e per node
    gas_kg: np.ndarray  # kg per gas
    gas_co2e: np.ndarray  # kg CO2e per gas
