"""Hidden-truth physics of LPCVD graphene growth on Cu foil (pure functions, no I/O).

This is the "world" of the simulated lab.  A :class:`GrapheneTruth` drawn from a seed fixes the
kinetic constants; :func:`growth_step` advances a :class:`GrapheneSample` through any recipe
(heating, H2 anneal, growth, cooling) one time step at a time; :func:`grow` is the
constant-conditions shortcut used by benchmarks.  :func:`grow` is a few long calls of
:func:`growth_step`, and both use :func:`growth_rates`, so the physics exists once.

Model.  Rates are evaluated from the instantaneous conditions, and a step integrates them in closed
form, so it is exact for any length while the conditions stay constant (up to the nucleation note in
:func:`growth_step`).  Prefactors are quoted at T_ref = 1000 °C and s_ref = 0.01 Torr.

* Partial pressures: ``p_CH4 = P·ch4/(ch4+h2+ar)``, ``p_H2 = P·h2/(ch4+h2+ar)`` (Torr).
* Net carbon supply (Torr): ``s = a(T)·(p_CH4 − ε(T)·p_H2)``.  ``a(T)`` is the Cu-catalysed CH4
  dehydrogenation activity (0 below 800 °C, smoothstep to 1 at 900 °C): nothing grows or etches
  below 800 °C.  ``ε(T)`` is the H2 etch ratio (the CH4/H2 ratio at which growth stalls, activated
  with ``E_etch``).  ``s < 0`` means net H2 etching.
* Nucleation (a burst in the first seconds of carbon exposure): in JMAK extended space the nucleus
  density relaxes to the saturation density, ``dN_ext/dt = (N_eq − N_ext)/τ_nuc`` while
  ``N_ext < N_eq`` (τ_nuc = 5 s), and only the bare part is real: ``dN = (1 − θ)·dN_ext``.  Here
  ``N_eq = N_ref·exp(E_nuc/k·(1/T − 1/T_ref))·(s/s_ref)^α·(1 − A)``.  N never falls while growing, so
  it is fixed by the temperature and supply of the first exposure; a later rise of N_eq (more
  supply, or cooling under CH4) only adds nuclei on the remaining bare Cu.
  ``A`` is the fraction of nucleation sites passivated by the H2 anneal:
  ``dA/dt = k_A(T)·(A_max − A)`` while H2 flows and no carbon is supplied.
* Edge velocity (attachment-limited, saturating):
  ``v = v_ref·exp(−E_g/k·(1/T − 1/T_ref))·(s/s_ref)/(1 + |s|/s_sat)``; ``v < 0`` shrinks the islands.
* Coverage (JMAK for 2-D domains): the extended coverage ``X = π·Σr²`` per µm² comes from the moments
  ``Σ1, Σr, Σr²`` of the island radii, and ``θ = 1 − exp(−X)``.  After a nucleation burst at
  t = 0 this is ``θ = 1 − exp(−π N v² t²)``.
* Adlayers (second and further layers, nucleating under the film and growing in 2-D): the share of
  the covered area with ≥ 2 layers is ``b = 1 − f·exp(−u³) − (1 − f)·(1 + u³)^(−γ/3)`` with
  ``du/dt = g₂`` and ``g₂ = k_b·exp(−E_b/k·(1/T − 1/T_ref))·((s/s_ref)^m + φ)·(P/1 Torr)^n·S``.
  φ is a supply-independent feed (carbon dissolved in the Cu), so over-long growth always thickens
  the film.  S = 1 on Cu and S_CuNi ≫ 1 on CuNi (carbon solubility).  A share f of the area follows
  the Avrami law (u³ onset); the rest, patches with few adlayer nucleation sites, thickens slowly,
  ``1 − b ∝ u^−γ`` with γ = 0.5 (f ≈ 0.8 on Cu, 0.97 on CuNi).  Three or more layers (multilayer)
  follow the same law with ``g₃ = c₃·g₂`` (c₃ small on Cu, large on CuNi).
* Defects (Raman ID/IG): newly covered area takes up
  ``d = d_pt·exp(E_d/k·(1/T − 1/T_ref))/(1 + ρ/ρ_H) + c_etch·(ε·ρ)³ + c_gb·√N``, where ρ is the
  H2/CH4 ratio.  The terms are point defects (fewer at high T and with more H2), H2 etch pits
  (which rise as ρ approaches the stall ratio 1/ε) and grain boundaries (boundary length per area
  ∝ √N).  The film's ratio is the area-weighted mean of ``d`` plus a damage term that grows during
  every hot second, anneal included, from Cu sublimation and surface premelting near the melting
  point:
  ``dD/dt = (k_sub·exp(−E_sub/k·(1/T − 1/T_ref)) + k_pm·exp((T − T_pm)/w_pm))·P_sub/(P + P_sub)``.
  A higher total pressure suppresses Cu evaporation.

The campaign objective (computed elsewhere from fitted Raman spectra) is the mean over spots of
``M_i·exp(−(ID/IG)_i/0.5)``, with ``M_i = 1`` for monolayer and 0 otherwise.  :func:`expected_quality`
is its exact expectation for a sample.  :func:`find_optimum` locates its maximum over the standard
search space (:data:`STANDARD_SPACE`, Ar = 0 sccm) for benchmarks.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize

from simulators.spectra import GrapheneSpot

BOLTZMANN_EV_PER_K = 8.617333262e-5  # eV/K
KELVIN_OFFSET_K = 273.15  # K at 0 °C
REFERENCE_TEMPERATURE_K = 1000.0 + KELVIN_OFFSET_K  # Arrhenius prefactors are quoted at 1000 °C
REFERENCE_SUPPLY_TORR = 0.01  # net carbon supply at which supply-dependent prefactors are quoted
REFERENCE_PRESSURE_TORR = 1.0  # total pressure at which the adlayer rate is quoted
CARBON_ONSET_C = 800.0  # °C; below this Cu does not dehydrogenate CH4: no growth, no etching
CARBON_FULL_ACTIVITY_C = 900.0  # °C; above this the catalytic activity is saturated
NUCLEATION_TIME_S = 5.0  # s; time constant of the nucleation burst on bare Cu
ADLAYER_TAIL_EXPONENT = 0.5  # γ: the last monolayer patches vanish slowly, 1 − b ∝ u^−γ
ADLAYER_AVRAMI_EXPONENT = 3  # adlayers nucleate continuously under the film and grow in 2-D
MAX_DAMAGE_EXPONENT = 50.0  # caps exp((T − T_pm)/w_pm) so that absurd temperatures cannot overflow
SERIES_CUTOFF = 1e-3  # below this k·dt the nucleation-burst integrals use their Taylor series
QUALITY_ID_IG_SCALE = 0.5  # the objective's ID/IG scale: q = exp(−(ID/IG)/0.5)
ID_IG_SPATIAL_SIGMA = 0.35  # log-space standard deviation of the spot-to-spot ID/IG variation
SUBSTRATES = ("Cu", "CuNi")
ANNEAL_S = 1800.0  # s; duration of the H2 anneal in grow()
STANDARD_ANNEAL_C = 1000.0  # °C; anneal temperature used for the standard space (recipe_quality)
NUCLEATION_WINDOW_S = 60.0  # s; grow() steps this far first so the burst sees θ ≈ 0, then the rest

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
# Gauss–Hermite nodes mapped to mean-one lognormal factors exp(σZ − σ²/2), and their weights
_LOGNORMAL_QUADRATURE = tuple(
    (
        float(w / math.sqrt(2.0 * math.pi)),
        float(math.exp(ID_IG_SPATIAL_SIGMA * z - 0.5 * ID_IG_SPATIAL_SIGMA**2)),
    )
    for z, w in zip(_NODES, _WEIGHTS, strict=True)
)


def _check_number(name: str, value: float, minimum: float) -> None:
    """Raise ValueError unless ``value`` is a finite real number ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")


@dataclass(frozen=True, slots=True)
class GrowthConditions:
    """Instantaneous conditions inside the tube: °C, Torr, sccm, and the foil's substrate."""

    temperature_c: float
    pressure_torr: float
    ch4_sccm: float
    h2_sccm: float
    ar_sccm: float = 0.0
    substrate: str = "Cu"  # "Cu" | "CuNi"

    def __post_init__(self) -> None:
        _check_number("temperature_c", self.temperature_c, -KELVIN_OFFSET_K)
        if self.temperature_c == -KELVIN_OFFSET_K:
            raise ValueError("temperature_c must be above absolute zero")
        _check_number("pressure_torr", self.pressure_torr, 0.0)
        _check_number("ch4_sccm", self.ch4_sccm, 0.0)
        _check_number("h2_sccm", self.h2_sccm, 0.0)
        _check_number("ar_sccm", self.ar_sccm, 0.0)
        if self.substrate not in SUBSTRATES:
            raise ValueError(f"substrate must be one of {SUBSTRATES}, got {self.substrate!r}")

    def partial_pressures_torr(self) -> tuple[float, float]:
        """(p_CH4, p_H2) in Torr; both 0 when no gas flows."""
        total = self.ch4_sccm + self.h2_sccm + self.ar_sccm
        if total <= 0.0:
            return 0.0, 0.0
        return self.pressure_torr * self.ch4_sccm / total, self.pressure_torr * self.h2_sccm / total


@dataclass(frozen=True, slots=True)
class GrapheneTruth:
    """Hidden constants of one simulated world (prefactors at 1000 °C and s = 0.01 Torr)."""

    nucleation_ea_ev: float  # E_nuc: apparent activation energy of N_eq (N falls with T)
    nucleation_ref_um2: float  # N_ref, µm⁻²
    nucleation_supply_exponent: float  # α in N_eq ∝ s^α
    growth_ea_ev: float  # E_g: activation energy of the edge velocity
    edge_velocity_ref_um_min: float  # v_ref (before saturation), µm/min
    supply_saturation_torr: float  # s_sat: supply at which edge attachment saturates
    etch_ratio: float  # ε at 1000 °C: CH4/H2 ratio at which growth stalls
    etch_ea_ev: float  # E_etch: activation energy of ε (etching speeds up with T faster than growth)
    anneal_passivation_max: float  # A_max: largest fraction of nucleation sites the anneal removes
    anneal_rate_ref_per_s: float  # k_A at 1000 °C, 1/s
    anneal_ea_ev: float  # activation energy of k_A
    adlayer_rate_ref_per_s: float  # k_b: g₂ at 1000 °C, s_ref, 1 Torr, Cu (without the φ term), 1/s
    adlayer_supply_exponent: float  # m
    adlayer_pressure_exponent: float  # n
    adlayer_ea_ev: float  # E_b
    adlayer_floor: float  # φ: supply-independent adlayer feed, in units of (s/s_ref)^m
    cuni_adlayer_factor: float  # S: adlayer rate multiplier on CuNi
    adlayer_fast_share_cu: float  # f on Cu: share of the area with the Avrami (fast) adlayer kinetics
    adlayer_fast_share_cuni: float  # f on CuNi
    multilayer_share_cu: float  # c₃ on Cu
    multilayer_share_cuni: float  # c₃ on CuNi
    point_defect_ref: float  # d_pt: ID/IG of point defects at 1000 °C without H2
    point_defect_ea_ev: float  # E_d: apparent activation energy (defects fall steeply with T)
    h2_benefit_ratio: float  # ρ_H: H2/CH4 ratio that halves the point defects
    etch_pit_coefficient: float  # c_etch: ID/IG of etch pits at the stall ratio
    grain_boundary_coefficient: float  # c_gb: ID/IG from grain boundaries at N = 1 µm⁻²
    premelt_temperature_c: float  # T_pm, °C (below the Cu melting point, 1084.6 °C)
    premelt_width_c: float  # w_pm, °C
    premelt_rate_per_s: float  # k_pm: ID/IG per second at T_pm and low pressure
    sublimation_rate_ref_per_s: float  # k_sub: ID/IG per second at 1000 °C and low pressure
    sublimation_ea_ev: float  # E_sub: Cu sublimation enthalpy
    sublimation_pressure_torr: float  # P_sub: total pressure that halves the evaporation damage

    @classmethod
    def draw(cls, seed: int) -> GrapheneTruth:
        """Draw a plausible world: literature-like values with moderate seed-to-seed variation (:data:`PRIORS`)."""
        rng = np.random.default_rng(seed)
        return cls(**{name: prior_value(name, float(rng.normal(0.0, 1.0))) for name in PRIORS})


PRIORS: dict[str, tuple[str, float, float] | tuple[str, float, float, float, float]] = {
    "nucleation_ea_ev": ("normal", 4.0, 0.2, 3.5, 4.5),
    "nucleation_ref_um2": ("lognormal", 1.0e-3, 0.2),
    "nucleation_supply_exponent": ("normal", 1.0, 0.08, 0.8, 1.2),
    "growth_ea_ev": ("normal", 2.6, 0.15, 2.2, 3.0),
    "edge_velocity_ref_um_min": ("lognormal", 1.5, 0.2),
    "supply_saturation_torr": ("lognormal", 0.03, 0.2),
    "etch_ratio": ("lognormal", 0.01, 0.2),
    "etch_ea_ev": ("normal", 0.7, 0.1, 0.4, 1.0),
    "anneal_passivation_max": ("normal", 0.5, 0.08, 0.3, 0.7),
    "anneal_rate_ref_per_s": ("lognormal", 1.0 / 900.0, 0.2),
    "anneal_ea_ev": ("normal", 2.0, 0.2, 1.5, 2.5),
    "adlayer_rate_ref_per_s": ("lognormal", 1.45e-4, 0.2),
    "adlayer_supply_exponent": ("normal", 1.8, 0.12, 1.4, 2.2),
    "adlayer_pressure_exponent": ("normal", 1.0, 0.1, 0.7, 1.3),
    "adlayer_ea_ev": ("normal", 1.5, 0.2, 1.0, 2.0),
    "adlayer_floor": ("lognormal", 1.5, 0.2),
    "cuni_adlayer_factor": ("lognormal", 8.0, 0.2),
    "adlayer_fast_share_cu": ("normal", 0.8, 0.04, 0.7, 0.9),
    "adlayer_fast_share_cuni": ("normal", 0.97, 0.01, 0.94, 0.99),
    "multilayer_share_cu": ("normal", 0.3, 0.04, 0.2, 0.4),
    "multilayer_share_cuni": ("normal", 0.7, 0.05, 0.5, 0.9),
    "point_defect_ref": ("lognormal", 0.6, 0.15),
    "point_defect_ea_ev": ("normal", 6.0, 0.3, 5.2, 6.8),
    "h2_benefit_ratio": ("lognormal", 3.0, 0.2),
    "etch_pit_coefficient": ("lognormal", 0.5, 0.2),
    "grain_boundary_coefficient": ("lognormal", 0.5, 0.2),
    "premelt_temperature_c": ("normal", 1056.0, 3.0, 1048.0, 1064.0),
    "premelt_width_c": ("normal", 6.0, 0.8, 4.0, 8.0),
    "premelt_rate_per_s": ("lognormal", 2e-4, 0.2),
    "sublimation_rate_ref_per_s": ("lognormal", 3e-6, 0.2),
    "sublimation_ea_ev": ("normal", 3.5, 0.1, 3.2, 3.8),
    "sublimation_pressure_torr": ("lognormal", 0.2, 0.2),
}
"""The literature ranges a world's constants are drawn from, in field order: ("normal", mean, sd, low, high) —
clipped to [low, high] — or ("lognormal", median, σ) — median·exp(σz), z clipped to ±2."""


def prior_value(name: str, z: float) -> float:
    """Constant ``name`` at standard score ``z`` of its prior (:data:`PRIORS`), clipped as :meth:`draw` clips."""
    kind, *values = PRIORS[name]
    if kind == "normal":
        mean, sd, low, high = values
        return float(np.clip(mean + sd * z, low, high))
    median, sigma = values
    return median * math.exp(float(np.clip(sigma * z, -2.0 * sigma, 2.0 * sigma)))


class GrowthRates(NamedTuple):
    """What one set of conditions implies: the shared rate equations of the model."""

    supply_torr: float  # net carbon supply s (negative: H2 etching)
    nucleation_eq_um2: float  # N_eq before anneal passivation, µm⁻²
    edge_velocity_um_s: float  # island edge velocity, µm/s (negative: etching)
    adlayer_rate_per_s: float  # g₂
    multilayer_rate_per_s: float  # g₃
    point_defect_id_ig: float  # ID/IG taken up by new area, without the grain-boundary term
    damage_rate_per_s: float  # ID/IG added per second by Cu sublimation and premelting
    anneal_rate_per_s: float  # k_A (0 while carbon is supplied or no H2 flows)


def _arrhenius(ea_ev: float, temperature_k: float) -> float:
    """exp(−Ea/k·(1/T − 1/T_ref)): 1 at 1000 °C; a negative Ea gives a quantity that falls with T."""
    return math.exp(-ea_ev / BOLTZMANN_EV_PER_K * (1.0 / temperature_k - 1.0 / REFERENCE_TEMPERATURE_K))


def carbon_activity(temperature_c: float) -> float:
    """Cu-catalysed CH4 dehydrogenation activity: 0 below 800 °C, smoothstep to 1 at 900 °C."""
    if temperature_c <= CARBON_ONSET_C:
        return 0.0
    if temperature_c >= CARBON_FULL_ACTIVITY_C:
        return 1.0
    x = (temperature_c - CARBON_ONSET_C) / (CARBON_FULL_ACTIVITY_C - CARBON_ONSET_C)
    return x * x * (3.0 - 2.0 * x)


def growth_rates(truth: GrapheneTruth, conditions: GrowthConditions) -> GrowthRates:
    """Evaluate the rate equations (module docstring) for one set of conditions."""
    t_c = conditions.temperature_c
    t_k = t_c + KELVIN_OFFSET_K
    p_total = conditions.pressure_torr
    p_ch4, p_h2 = conditions.partial_pressures_torr()
    premelt = math.exp(min((t_c - truth.premelt_temperature_c) / truth.premelt_width_c, MAX_DAMAGE_EXPONENT))
    damage = (
        (
            truth.sublimation_rate_ref_per_s * _arrhenius(truth.sublimation_ea_ev, t_k)
            + truth.premelt_rate_per_s * premelt
        )
        * truth.sublimation_pressure_torr
        / (p_total + truth.sublimation_pressure_torr)
    )
    activity = carbon_activity(t_c)
    if activity == 0.0:
        return GrowthRates(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, damage, 0.0)
    etch_ratio = truth.etch_ratio * _arrhenius(truth.etch_ea_ev, t_k)
    supply = activity * (p_ch4 - etch_ratio * p_h2)
    relative_supply = supply / REFERENCE_SUPPLY_TORR
    velocity = (
        truth.edge_velocity_ref_um_min
        / 60.0
        * _arrhenius(truth.growth_ea_ev, t_k)
        * relative_supply
        / (1.0 + abs(supply) / truth.supply_saturation_torr)
    )
    if supply <= 0.0:
        anneal = truth.anneal_rate_ref_per_s * _arrhenius(truth.anneal_ea_ev, t_k) if p_h2 > 0.0 else 0.0
        return GrowthRates(supply, 0.0, velocity, 0.0, 0.0, 0.0, damage, anneal)
    nucleation = (
        truth.nucleation_ref_um2
        * _arrhenius(-truth.nucleation_ea_ev, t_k)
        * relative_supply**truth.nucleation_supply_exponent
    )
    on_cu = conditions.substrate == "Cu"
    adlayer = (
        truth.adlayer_rate_ref_per_s
        * _arrhenius(truth.adlayer_ea_ev, t_k)
        * (relative_supply**truth.adlayer_supply_exponent + truth.adlayer_floor)
        * (p_total / REFERENCE_PRESSURE_TORR) ** truth.adlayer_pressure_exponent
        * (1.0 if on_cu else truth.cuni_adlayer_factor)
    )
    multilayer = adlayer * (truth.multilayer_share_cu if on_cu else truth.multilayer_share_cuni)
    h2_per_ch4 = p_h2 / p_ch4  # p_ch4 > 0 because s > 0
    point = (
        truth.point_defect_ref
        * _arrhenius(-truth.point_defect_ea_ev, t_k)
        / (1.0 + h2_per_ch4 / truth.h2_benefit_ratio)
        + truth.etch_pit_coefficient * (etch_ratio * h2_per_ch4) ** 3
    )
    return GrowthRates(supply, nucleation, velocity, adlayer, multilayer, point, damage, 0.0)


def _adlayer_share(progress: float, fast_share: float) -> float:
    """Share of the covered area under adlayers after progress u (module docstring, f = ``fast_share``)."""
    cube = progress**ADLAYER_AVRAMI_EXPONENT
    slow = (1.0 + cube) ** (-ADLAYER_TAIL_EXPONENT / ADLAYER_AVRAMI_EXPONENT)
    return 1.0 - fast_share * math.exp(-cube) - (1.0 - fast_share) * slow


@dataclass(frozen=True, slots=True)
class GrapheneSample:
    """State of the film on one foil; the default is bare Cu.

    Islands are described by the moments of their radius distribution per µm² of foil
    (``nucleation_density_um2`` = Σ1, ``radius_sum_um`` = Σr, ``radius_sq_sum`` = Σr²), which keeps
    the JMAK coverage exact for any nucleation history.
    """

    nucleation_density_um2: float = 0.0  # N: islands per µm²
    extended_nucleation_um2: float = 0.0  # nuclei per µm² counting phantoms on covered area (JMAK)
    radius_sum_um: float = 0.0  # Σ r_i per µm² of foil, µm/µm²
    radius_sq_sum: float = 0.0  # Σ r_i² per µm² of foil (dimensionless)
    adlayer_progress: float = 0.0  # u = ∫ g₂ dt: Avrami progress of the second layer
    multilayer_progress: float = 0.0  # ∫ g₃ dt: Avrami progress of the third and further layers
    adlayer_fast_share: float = 1.0  # f of the substrate, set by growth_step
    defect_integral: float = 0.0  # ∫ d dθ: ID/IG taken up by the area grown so far
    damage_id_ig: float = 0.0  # D: ID/IG from Cu sublimation and premelting so far
    site_passivation: float = 0.0  # A: fraction of nucleation sites removed by the H2 anneal

    @property
    def coverage(self) -> float:
        """Fraction θ of the foil covered by graphene (JMAK)."""
        return -math.expm1(-math.pi * self.radius_sq_sum)

    @property
    def domain_radius_um(self) -> float:
        """Mean island radius in µm (an extended radius: it keeps growing after islands meet)."""
        if self.nucleation_density_um2 <= 0.0:
            return 0.0
        return self.radius_sum_um / self.nucleation_density_um2

    @property
    def grain_size_um(self) -> float:
        """Diameter in µm of the circle with the mean covered area per domain, θ/N."""
        if self.nucleation_density_um2 <= 0.0:
            return 0.0
        return 2.0 * math.sqrt(self.coverage / (math.pi * self.nucleation_density_um2))

    @property
    def bilayer_fraction(self) -> float:
        """Share of the covered area with ≥ 2 layers (bilayer or multilayer)."""
        return _adlayer_share(self.adlayer_progress, self.adlayer_fast_share)

    @property
    def multilayer_fraction(self) -> float:
        """Share of the covered area with ≥ 3 layers (never above ``bilayer_fraction``)."""
        return _adlayer_share(self.multilayer_progress, self.adlayer_fast_share)

    @property
    def monolayer_share(self) -> float:
        """Share of the covered area that is monolayer."""
        return 1.0 - self.bilayer_fraction

    @property
    def id_ig(self) -> float:
        """Film-average Raman ID/IG (0 when nothing has grown)."""
        theta = self.coverage
        if theta <= 0.0:
            return 0.0
        return self.defect_integral / theta + self.damage_id_ig

    def spots(self, n: int, rng: np.random.Generator) -> list[GrapheneSpot]:
        """What a Raman map of ``n`` independent random spots sees.

        A spot is bare with probability 1 − θ, has ≥ 3 layers with θ·(multilayer fraction), 2 layers
        with θ·(bilayer − multilayer fraction), else 1 layer.  Its ID/IG is the film mean times a
        mean-one lognormal spatial factor (0 on bare Cu).
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        theta = self.coverage
        bare = 1.0 - theta
        multi = bare + theta * self.multilayer_fraction
        bi = bare + theta * self.bilayer_fraction
        id_ig = self.id_ig
        draws = rng.random(n)
        spatial = rng.lognormal(-0.5 * ID_IG_SPATIAL_SIGMA**2, ID_IG_SPATIAL_SIGMA, n)
        spots = []
        for u, factor in zip(draws, spatial, strict=True):
            if u < bare:
                spots.append(GrapheneSpot(layers=0, id_ig=0.0))
            else:
                layers = 3 if u < multi else 2 if u < bi else 1
                spots.append(GrapheneSpot(layers=layers, id_ig=float(id_ig * factor)))
        return spots


def _burst_integrals(k: float, dt: float) -> tuple[float, float]:
    """For a nucleation burst I(s) = k·e^(−ks), return ∫I·(dt−s) ds and ∫I·(dt−s)² ds over [0, dt]."""
    x = k * dt
    if x < SERIES_CUTOFF:
        return dt * (x / 2.0 - x * x / 6.0 + x**3 / 24.0), dt * dt * (x / 3.0 - x * x / 12.0 + x**3 / 60.0)
    one_minus_e = -math.expm1(-x)
    return dt - one_minus_e / k, dt * dt - 2.0 * dt / k + 2.0 * one_minus_e / (k * k)


def growth_step(
    sample: GrapheneSample, conditions: GrowthConditions, dt_s: float, truth: GrapheneTruth
) -> GrapheneSample:
    """Advance the film by ``dt_s`` seconds at constant ``conditions``.

    The update integrates the rate equations in closed form, so it is exact for any ``dt_s`` while
    the conditions stay constant.  The one approximation is that the bare-area factor of the
    nucleation burst is frozen at its start-of-step value.  1 s steps and one long step therefore
    agree to < 1 % (nucleation density) and ~1e-6 (coverage).
    """
    _check_number("dt_s", dt_s, 0.0)
    rates = growth_rates(truth, conditions)
    n0 = sample.nucleation_density_um2
    m1 = sample.radius_sum_um
    m2 = sample.radius_sq_sum
    theta0 = sample.coverage

    passivation = sample.site_passivation
    if rates.anneal_rate_per_s > 0.0:
        gap = truth.anneal_passivation_max - passivation
        passivation = truth.anneal_passivation_max - gap * math.exp(-rates.anneal_rate_per_s * dt_s)

    # JMAK extended space: the burst fills the whole foil to N_eq, only its bare part for real
    target = rates.nucleation_eq_um2 * (1.0 - passivation)
    n_ext = sample.extended_nucleation_um2
    n1, born_r, born_r2 = n0, 0.0, 0.0
    if target > n_ext:
        deficit = target - n_ext
        remaining = math.exp(-dt_s / NUCLEATION_TIME_S)
        n_ext = target - deficit * remaining
        real = (1.0 - theta0) * deficit
        n1 = n0 + real * (1.0 - remaining)
        born_r, born_r2 = _burst_integrals(1.0 / NUCLEATION_TIME_S, dt_s)
        born_r *= real
        born_r2 *= real

    v = rates.edge_velocity_um_s
    if v >= 0.0:  # existing islands grow by v·dt, new ones from their birth on
        m1_new = m1 + v * (n0 * dt_s + born_r)
        m2_new = m2 + 2.0 * v * m1 * dt_s + v * v * (n0 * dt_s * dt_s + born_r2)
    elif n0 > 0.0:  # etching: the islands shrink as one cohort and vanish together
        mean_r = m1 / n0
        shrunk = mean_r + v * dt_s
        if shrunk > 0.0:
            m1_new, m2_new = n0 * shrunk, m2 * (shrunk / mean_r) ** 2
        else:
            n1, n_ext, m1_new, m2_new = 0.0, 0.0, 0.0, 0.0
    else:
        m1_new, m2_new = m1, m2

    theta1 = -math.expm1(-math.pi * m2_new)
    integral = sample.defect_integral
    if theta1 > theta0:
        uptake = rates.point_defect_id_ig + truth.grain_boundary_coefficient * math.sqrt(n1)
        integral += uptake * (theta1 - theta0)
    elif theta1 < theta0:
        integral *= theta1 / theta0

    return GrapheneSample(
        nucleation_density_um2=n1,
        extended_nucleation_um2=n_ext,
        radius_sum_um=m1_new,
        radius_sq_sum=m2_new,
        adlayer_progress=sample.adlayer_progress + rates.adlayer_rate_per_s * dt_s,
        multilayer_progress=sample.multilayer_progress + rates.multilayer_rate_per_s * dt_s,
        adlayer_fast_share=truth.adlayer_fast_share_cu
        if conditions.substrate == "Cu"
        else truth.adlayer_fast_share_cuni,
        defect_integral=integral,
        damage_id_ig=sample.damage_id_ig + rates.damage_rate_per_s * dt_s,
        site_passivation=passivation,
    )


def grow(
    truth: GrapheneTruth, conditions: GrowthConditions, growth_s: float, anneal_c: float | None = None
) -> GrapheneSample:
    """Constant-conditions shortcut: an optional H2 anneal, then ``growth_s`` seconds of growth.

    The anneal, if ``anneal_c`` is given, lasts :data:`ANNEAL_S` at ``anneal_c`` with the same H2 and
    Ar flows and pressure but no CH4.  Heating and cooling are not simulated: cooling is taken to
    run without CH4 and fast enough to change nothing.  Implemented as three calls of
    :func:`growth_step`, which is exact for constant conditions.
    """
    _check_number("growth_s", growth_s, 0.0)
    sample = GrapheneSample()
    if anneal_c is not None:
        sample = growth_step(
            sample, replace(conditions, temperature_c=anneal_c, ch4_sccm=0.0), ANNEAL_S, truth
        )
    first = min(growth_s, NUCLEATION_WINDOW_S)
    sample = growth_step(sample, conditions, first, truth)
    return growth_step(sample, conditions, growth_s - first, truth)


def expected_quality(sample: GrapheneSample) -> float:
    """Ideal campaign objective: θ·(monolayer share)·E[exp(−(ID/IG)_spot/0.5)], in [0, 1].

    The spot ID/IG is the film mean times a mean-one lognormal (σ = ``ID_IG_SPATIAL_SIGMA``).  The
    expectation is taken by 24-point Gauss–Hermite quadrature, which is exact to ~1e-12 here.
    """
    theta = sample.coverage
    if theta <= 0.0:
        return 0.0
    scaled = sample.id_ig / QUALITY_ID_IG_SCALE
    mean_q = sum(w * math.exp(-scaled * f) for w, f in _LOGNORMAL_QUADRATURE)
    return theta * sample.monolayer_share * mean_q


# ----------------------------------------------------------------------------------------------
# Standard search space and its optimum (for benchmarks: "% of optimum")

STANDARD_AR_SCCM = 0.0  # sccm; the standard space has no Ar carrier
MAX_TOTAL_FLOW_SCCM = 100.0  # sccm; constraint of the standard space: h2_sccm + ch4_sccm ≤ 100
STANDARD_SPACE: dict[str, tuple[float, float, bool]] = {  # name: (low, high, log-scaled)
    "temperature_c": (950.0, 1065.0, False),
    "ch4_sccm": (0.5, 50.0, True),
    "h2_sccm": (2.0, 100.0, True),
    "pressure_torr": (0.1, 10.0, True),
    "growth_min": (1, 60, False),  # integer minutes
}
_CONTINUOUS = ("temperature_c", "ch4_sccm", "h2_sccm", "pressure_torr")


@dataclass(frozen=True, slots=True)
class GrowthRecipe:
    """One point of the standard search space (the substrate is the categorical variable)."""

    temperature_c: float
    ch4_sccm: float
    h2_sccm: float
    pressure_torr: float
    growth_min: int
    substrate: str = "Cu"

    def conditions(self) -> GrowthConditions:
        """Growth conditions of this recipe (Ar = :data:`STANDARD_AR_SCCM`)."""
        return GrowthConditions(
            temperature_c=self.temperature_c,
            pressure_torr=self.pressure_torr,
            ch4_sccm=self.ch4_sccm,
            h2_sccm=self.h2_sccm,
            ar_sccm=STANDARD_AR_SCCM,
            substrate=self.substrate,
        )

    @property
    def feasible(self) -> bool:
        """Whether the recipe satisfies h2_sccm + ch4_sccm ≤ 100."""
        return self.ch4_sccm + self.h2_sccm <= MAX_TOTAL_FLOW_SCCM


def recipe_quality(
    truth: GrapheneTruth, recipe: GrowthRecipe, anneal_c: float | None = STANDARD_ANNEAL_C
) -> float:
    """Expected objective of one recipe: 30 min H2 anneal at ``anneal_c``, then constant growth."""
    return expected_quality(grow(truth, recipe.conditions(), 60.0 * recipe.growth_min, anneal_c))


def quality_landscape(
    truth: GrapheneTruth, recipes: list[GrowthRecipe], anneal_c: float | None = STANDARD_ANNEAL_C
) -> np.ndarray:
    """Expected objective of each recipe."""
    return np.array([recipe_quality(truth, recipe, anneal_c) for recipe in recipes])


def sample_recipes(n: int, rng: np.random.Generator) -> list[GrowthRecipe]:
    """Uniformly random feasible recipes: log-uniform where log-scaled, integer minutes, either substrate.

    Points violating h2_sccm + ch4_sccm ≤ 100 are rejected and redrawn.
    """
    recipes: list[GrowthRecipe] = []
    while len(recipes) < n:
        values: dict[str, float] = {}
        for name in _CONTINUOUS:
            low, high, log = STANDARD_SPACE[name]
            values[name] = (
                math.exp(rng.uniform(math.log(low), math.log(high))) if log else rng.uniform(low, high)
            )
        low_min, high_min, _ = STANDARD_SPACE["growth_min"]
        recipe = GrowthRecipe(
            growth_min=int(rng.integers(low_min, high_min + 1)),
            substrate=SUBSTRATES[int(rng.integers(len(SUBSTRATES)))],
            **{name: float(value) for name, value in values.items()},
        )
        if recipe.feasible:
            recipes.append(recipe)
    return recipes


def _to_unit(recipe: GrowthRecipe) -> np.ndarray:
    """Continuous variables of a recipe mapped to [0, 1] (log-scaled ones in log space)."""
    unit = []
    for name in _CONTINUOUS:
        low, high, log = STANDARD_SPACE[name]
        value = getattr(recipe, name)
        unit.append(math.log(value / low) / math.log(high / low) if log else (value - low) / (high - low))
    return np.array(unit)


def _from_unit(unit: np.ndarray, growth_min: int, substrate: str) -> GrowthRecipe:
    """Inverse of :func:`_to_unit`, clipping to the box."""
    values = {}
    for name, x in zip(_CONTINUOUS, np.clip(unit, 0.0, 1.0), strict=True):
        low, high, log = STANDARD_SPACE[name]
        values[name] = float(low * (high / low) ** x) if log else float(low + x * (high - low))
    return GrowthRecipe(growth_min=growth_min, substrate=substrate, **values)


def _polish(
    truth: GrapheneTruth, start: GrowthRecipe, growth_min: int, anneal_c: float | None
) -> tuple[GrowthRecipe, float]:
    """Nelder–Mead over the continuous variables at fixed growth time and substrate."""

    def loss(unit: np.ndarray) -> float:
        outside = float(np.sum(np.clip(-unit, 0.0, None) ** 2 + np.clip(unit - 1.0, 0.0, None) ** 2))
        recipe = _from_unit(unit, growth_min, start.substrate)
        if not recipe.feasible:
            return outside + recipe.ch4_sccm + recipe.h2_sccm - MAX_TOTAL_FLOW_SCCM
        return outside - recipe_quality(truth, recipe, anneal_c)

    result = minimize(loss, _to_unit(start), method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-7})
    recipe = _from_unit(result.x, growth_min, start.substrate)
    return recipe, (recipe_quality(truth, recipe, anneal_c) if recipe.feasible else 0.0)


def find_optimum(
    truth: GrapheneTruth,
    n_random: int = 3000,
    seed: int = 0,
    anneal_c: float | None = STANDARD_ANNEAL_C,
    n_polish: int = 4,
    minutes_window: int = 3,
) -> tuple[GrowthRecipe, float]:
    """Best expected objective over the standard space, and the recipe that reaches it.

    Dense random sampling (``n_random`` recipes), then Nelder–Mead over the continuous variables
    from each of the ``n_polish`` best samples, at every integer growth time within
    ``minutes_window`` of the sample's.  Takes ~0.3 s with the defaults.
    """
    recipes = sample_recipes(n_random, np.random.default_rng(seed))
    values = quality_landscape(truth, recipes, anneal_c)
    best = int(np.argmax(values))
    best_recipe, best_value = recipes[best], float(values[best])
    low_min, high_min, _ = STANDARD_SPACE["growth_min"]
    for index in np.argsort(values)[-n_polish:]:
        start = recipes[int(index)]
        first = max(int(low_min), start.growth_min - minutes_window)
        last = min(int(high_min), start.growth_min + minutes_window)
        for minutes in range(first, last + 1):
            recipe, value = _polish(truth, start, minutes, anneal_c)
            if value > best_value:
                best_recipe, best_value = recipe, value
    return best_recipe, best_value
