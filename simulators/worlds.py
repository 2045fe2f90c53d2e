"""The film physics a twin integrates, behind one small interface (graphene on Cu; TMDs by two-zone CVD).

A :class:`World` holds one seed's hidden truth. The twin tells it the instantaneous :class:`TubeState`
every step and asks it for what the instruments see: the in-situ coverage, the film at a spot, and the
spectrum of a spot on a spectrometer channel ("raman", and "pl" for semiconductors), the Raman one through an
analyzer parallel or crossed to the laser polarization.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from devices.config import CHALCOGEN_ZONE, GROWTH_ZONE
from simulators import tmd
from simulators.graphene import GrapheneSample, GrapheneTruth, GrowthConditions, growth_step
from simulators.spectra import raman_counts, wavelength_axis
from simulators.tmd_spectra import PL_SPECTROMETER, RAMAN_SPECTROMETER, TmdSpot, tmd_pl_counts, tmd_raman_counts

METAL_SOURCES = ("MoO3", "WO3")  # oxide powders in the growth zone
CHALCOGEN_SOURCES = ("S", "Se")  # powders in the upstream zone
PROMOTER_SOURCE = "NaCl"


@dataclass(frozen=True)
class TubeState:
    """What a growing film sees at one instant: zone temperatures (°C), flows (sccm), pressure, loads."""

    zones_c: Mapping[str, float]
    flows_sccm: Mapping[str, float]
    pressure_torr: float
    substrate: str
    precursors_mg: Mapping[str, float] = field(default_factory=dict)  # source → loaded mass, e.g. {"S": 100}
    chalcogen_share: float = 1.0  # the share of the chalcogen vapour that reaches the substrate (its position)

    def flow(self, gas: str) -> float:
        """The flow of `gas` (0 when the station has no such line)."""
        return self.flows_sccm.get(gas, 0.0)


class World(Protocol):
    """One seed's hidden truth of a material system, as the twin uses it."""

    zones: tuple[str, ...]  # furnace zones the process needs, the growth zone first
    channels: tuple[str, ...]  # spectrometer channels it renders
    substrates: tuple[str, ...]

    def new_sample(self, rng: np.random.Generator) -> Any:
        """A fresh, bare substrate's state (`rng` fixes what is random about this run)."""
        ...

    def grow(self, sample: Any, state: TubeState, dt_s: float) -> Any:
        """The sample after `dt_s` seconds in `state`."""
        ...

    def coverage(self, sample: Any) -> float:
        """The film's area fraction (what an in-situ optical signal follows)."""
        ...

    def spot(self, sample: Any, rng: np.random.Generator) -> Any:
        """The film under the laser at one spot (`rng` is fixed by sample and position)."""
        ...

    def wavelengths(self, channel: str) -> np.ndarray:
        """The pixel wavelengths (nm) of a spectrometer channel."""
        ...

    def counts(self, spot: Any, channel: str, exposure_s: float, rng: np.random.Generator,
               laser_nm: float, analyzer: str = "parallel") -> np.ndarray:
        """Counts per pixel of one acquisition of `spot` on `channel` through `analyzer` ("parallel", "crossed")."""
        ...


class GrapheneWorld:
    """Graphene on Cu / Cu-Ni foil by (LP)CVD: one furnace zone, Raman only."""

    zones = (GROWTH_ZONE,)
    channels = ("raman",)
    substrates = ("Cu", "CuNi")

    def __init__(self, truth: GrapheneTruth) -> None:
        self.truth = truth
        self._wavelengths = wavelength_axis()

    @classmethod
    def draw(cls, seed: int) -> GrapheneWorld:
        return cls(GrapheneTruth.draw(seed))

    def new_sample(self, rng: np.random.Generator) -> GrapheneSample:
        return GrapheneSample()

    def conditions(self, state: TubeState) -> GrowthConditions:
        """The graphene model's growth conditions for a tube state."""
        return GrowthConditions(temperature_c=state.zones_c[GROWTH_ZONE], pressure_torr=state.pressure_torr,
                                ch4_sccm=state.flow("CH4"), h2_sccm=state.flow("H2"), ar_sccm=state.flow("Ar"),
                                substrate=state.substrate)

    def grow(self, sample: GrapheneSample, state: TubeState, dt_s: float) -> GrapheneSample:
        return growth_step(sample, self.conditions(state), dt_s, self.truth)

    def coverage(self, sample: GrapheneSample) -> float:
        return sample.coverage

    def spot(self, sample: GrapheneSample, rng: np.random.Generator) -> Any:
        return sample.spots(1, rng)[0]

    def wavelengths(self, channel: str) -> np.ndarray:
        _check_channel(self, channel)
        return self._wavelengths.copy()

    def counts(self, spot: Any, channel: str, exposure_s: float, rng: np.random.Generator,
               laser_nm: float, analyzer: str = "parallel") -> np.ndarray:
        _check_channel(self, channel)
        if analyzer != "parallel":
            raise ValueError(f"the graphene twin renders Raman through a parallel analyzer only, not {analyzer!r}")
        return raman_counts(spot, self._wavelengths, exposure_s, rng, laser_nm=laser_nm)


class TmdWorld:
    """Mo(1−x)W(x)S(2(1−y))Se(2y) by two-zone CVD: oxide powder under the substrate in the growth zone,
    chalcogen powder upstream in its own zone; Raman and PL.

    The loaded powders set the oxide's WO3 share, the chalcogen's Se share and the promoter (NaCl mixed
    into the oxide); each run's nucleation activity κ is drawn from the run's random stream, so a run seed
    makes success or no-growth reproducible.
    """

    zones = (GROWTH_ZONE, CHALCOGEN_ZONE)
    channels = ("raman", "pl")
    substrates = tmd.SUBSTRATES

    def __init__(self, truth: tmd.TmdTruth) -> None:
        self.truth = truth
        self._wavelengths = {"raman": wavelength_axis(RAMAN_SPECTROMETER), "pl": wavelength_axis(PL_SPECTROMETER)}

    @classmethod
    def draw(cls, seed: int) -> TmdWorld:
        return cls(tmd.TmdTruth.draw(seed))

    def new_sample(self, rng: np.random.Generator) -> tmd.TmdSample:
        return tmd.TmdSample(activity=self.truth.draw_activity(rng))

    def conditions(self, state: TubeState) -> tmd.TmdConditions:
        """The TMD model's growth conditions for a tube state and the loaded powders."""
        load = state.precursors_mg
        oxide = sum(load.get(source, 0.0) for source in METAL_SOURCES)
        chalcogen = sum(load.get(source, 0.0) for source in CHALCOGEN_SOURCES)
        return tmd.TmdConditions(
            growth_c=state.zones_c[GROWTH_ZONE], chalcogen_c=state.zones_c[CHALCOGEN_ZONE],
            pressure_torr=state.pressure_torr, ar_sccm=state.flow("Ar"), h2_sccm=state.flow("H2"),
            precursor_w_fraction=load.get("WO3", 0.0) / oxide if oxide else 0.0,
            chalcogen_se_fraction=load.get("Se", 0.0) / chalcogen if chalcogen else 0.0,
            precursor_mg=oxide, promoter=load.get(PROMOTER_SOURCE, 0.0) > 0, substrate=state.substrate,
            chalcogen_share=state.chalcogen_share)

    def grow(self, sample: tmd.TmdSample, state: TubeState, dt_s: float) -> tmd.TmdSample:
        if not any(state.precursors_mg.get(source, 0.0) > 0 for source in CHALCOGEN_SOURCES):
            return sample  # no chalcogen boat: the oxide alone deposits no TMD
        return tmd.growth_step(sample, self.conditions(state), dt_s, self.truth)

    def coverage(self, sample: tmd.TmdSample) -> float:
        return sample.coverage

    def spot(self, sample: tmd.TmdSample, rng: np.random.Generator) -> TmdSpot:
        """The spot, with a seed that fixes its bands for every acquisition of it."""
        return replace(sample.spots(1, rng)[0], seed=int(rng.integers(2**32)))

    def wavelengths(self, channel: str) -> np.ndarray:
        _check_channel(self, channel)
        return self._wavelengths[channel].copy()

    def counts(self, spot: TmdSpot, channel: str, exposure_s: float, rng: np.random.Generator,
               laser_nm: float, analyzer: str = "parallel") -> np.ndarray:
        _check_channel(self, channel)
        if channel == "pl":
            return tmd_pl_counts(spot, self._wavelengths[channel], exposure_s, rng)
        return tmd_raman_counts(spot, self._wavelengths[channel], exposure_s, rng, laser_nm=laser_nm,
                                analyzer=analyzer)


WORLDS: dict[str, type[GrapheneWorld] | type[TmdWorld]] = {"graphene": GrapheneWorld, "tmd": TmdWorld}
"""The world of each station material."""


def _check_channel(world: World, channel: str) -> None:
    if channel not in world.channels:
        raise ValueError(f"this world renders channels {world.channels}, not {channel!r}")
