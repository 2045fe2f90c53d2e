"""Hidden-truth physics of LPCVD graphene growth on Cu foil (pure functions, no I/O).

This is the "world" of the simulated lab: a :class:`GrapheneTruth` drawn from a seed fixes the
kinetic constants, :func:`growth_step` advances a :class:`GrapheneSample` through any recipe
(heating, H2 anneal, growth, cooling) one time step at a time, and :func:`grow` is the
constant-conditions shortcut used by benchmarks.  Both go through the same rate equations
(:func:`growth_rates` and :func:`growth_step`), so there is one copy of the physics.

Model (all rates evaluated from the instantaneous conditions; exact for any step length while the
conditions stay constant):

* Partial pressures: ``p_CH4 = P·ch4/(ch4+h2+ar)``, ``p_H2 = P·h2/(ch4+h2+ar)`` (Torr).
* Net carbon supply (Torr): ``s = a(T)·(p_CH4 − ε(T)·p_H2)``, where ``a(T)`` is the Cu-catalysed
  CH4 dehydrogenation activity (0 below 800 °C, smooth ramp, 1 above 900 °C) and ``ε(T)`` the H2
  etch ratio (CH4/H2 at which growth stalls; H2 etching is activated, ``E_etch``).  ``s < 0``
  etches.
* Nucleation (saturating, "first moments"): islands nucleate on bare Cu only, relaxing to the
  saturation density ``N_eq = N_ref·exp(E_nuc/k·(1/T − 1/T_ref))·(s/s_ref)^α·(1 − A)`` with rate
  ``(1 − θ)/τ_nuc`` (τ_nuc = 5 s); ``N`` never decreases while growing, so it is fixed at the
  temperature and supply of first carbon exposure unless the supply later rises.  ``A`` is the
  fraction of nucleation sites passivated by the H2 anneal: ``dA/dt = k_A(T)·(A_max − A)``
  while H2 flows and no carbon is supplied.
* Edge velocity (attachment-limited, saturating): ``v = v_ref·exp(−E_g/k·(1/T − 1/T_ref))·
  (s/s_ref)/(1 + |s|/s_sat)``; negative ``v`` shrinks the islands (H2 etching).
* Coverage (JMAK for 2-D domains): extended coverage ``X = π·Σ r_i²`` per µm², tracked through the
  moments ``Σ 1, Σ r, Σ r²`` of the island-radius distribution, and ``θ = 1 − exp(−X)``.  With a
  nucleation burst at t = 0 this is ``θ = 1 − exp(−π N v² t²)``.
* Adlayers: the share of the covered area with ≥ 2 layers follows ``db/dt = g₂·(1 − b)``,
  ``g₂ = k_b·exp(−E_b/k·(1/T − 1/T_ref))·(s/s_ref)^m·(P/1 Torr)^n·S`` (S = 1 on Cu, S_CuNi ≫ 1
  on CuNi because of the carbon dissolved in the alloy); ≥ 3 layers (multilayer) follow with
  ``g₃ = c₃·g₂`` (c₃ small on Cu, large on CuNi).
* Defects (Raman ID/IG): newly grown area incorporates ``d = d_pt·exp(E_d/k·(1/T − 1/T_ref))/
  (1 + ρ/ρ_H) + c_etch·(ε·ρ)² + c_gb·√N`` (point defects fall with T and with the H2/CH4 ratio
  ρ, H2 etch pits rise as ρ approaches the stall ratio 1/ε, grain boundaries scale with the
  boundary length per area ∝ √N); the film's ratio is the area-weighted mean of ``d`` plus a
  damage term that accumulates during every hot second from Cu sublimation/surface premelting
  near the melting point: ``dD/dt = k_D·exp((T − T_pm)/w_pm)·P_sub/(P + P_sub)`` (higher total
  pressure suppresses Cu evaporation).

The campaign objective (computed elsewhere from fitted Raman spectra) is the mean over spots of
``M_i·exp(−(ID/IG)_i/0.5)`` with ``M_i = 1`` for monolayer, 0 otherwise; :func:`expected_quality`
is its exact expectation for a sample, and :func:`find_optimum` locates its maximum over the
standard search space (:data:`STANDARD_SPACE`) for benchmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize

from simulators.spectra import GrapheneSpot

BOLTZMANN_EV_PER_K = 8.617333262e-5  # eV/K
KELVIN_OFFSET = 273.15  # K at 0 °C
REFERENCE_TEMPERATURE_K = 1000.0 + KELVIN_OFFSET  # all Arrhenius prefactors are quoted at 1000 °C
REFERENCE_SUPPLY_TORR = 0.01  # net CH4 supply at which supply-dependent prefactors are quoted
REFERENCE_PRESSURE_TORR = 1.0  # total pressure at which the adlayer rate is quoted
CU_MELTING_POINT_C = 1084.6  # °C
CARBON_ONSET_C = 800.0  # °C; below this Cu does not dehydrogenate CH4: no growth, no etching
CARBON_FULL_ACTIVITY_C = 900.0  # °C; above this the catalytic activity is saturated
ADLAYER_AVRAMI_EXPONENT = 3  # adlayers nucleate continuously under the film and grow in 2-D
NUCLEATION_TIME_S = 5.0  # s; time constant of the nucleation burst on bare Cu
SERIES_CUTOFF = 1e-3  # below this k·dt the exponential integrals use their Taylor series
QUALITY_ID_IG_SCALE = 0.5  # the objective's ID/IG scale: q = exp(−ID/IG / 0.5)
ID_IG_SPATIAL_SIGMA = 0.35  # log-space standard deviation of spot-to-spot ID/IG variation
SUBSTRATES = ("Cu", "CuNi")
STANDARD_ANNEAL_C = 1000.0  # °C; H2 anneal used by grow() in the standard recipe
ANNEAL_S = 1800.0  # s; duration of the H2 anneal in grow()
NUCLEATION_WINDOW_S = 60.0  # s; grow() takes a separate first step so the burst sees θ ≈ 0

_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_HERMITE_WEIGHTS = _HERMITE_WEIGHTS / math.sqrt(2.0 * math.pi)
# exp(σZ − σ²/2): lognormal multipliers with mean 1 at the Gauss–Hermite nodes
_LOGNORMAL_FACTORS = tuple(
    float(x) for x in np.exp(ID_IG_SPATIAL_SIGMA * _HERMITE_NODES - 0.5 * ID_IG_SPATIAL_SIGMA**2)
)
_LOGNORMAL_WEIGHTS = tuple(float(w) for w in _HERMITE_WEIGHTS)


def _check_finite(name: str, value: float, minimum: float | None = None) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")


@dataclass(frozen=True, slots=True)
class GrowthConditions:
    """Instantaneous conditions inside the tube (flows in sccm, pressure in Torr)."""

    temperature_c: float
    pressure_torr: float
    ch4_sccm: float
    h2_sccm: float
    ar_sccm: float = 0.0
    substrate: str = "Cu"

    def __post_init__(self) -> None:
        _check_finite("temperature_c", self.temperature_c, -KELVIN_OFFSET)
        _check_finite("pressure_torr", self.pressure_torr, 0.0)
        _check_finite("ch4_sccm", self.ch4_sccm, 0.0)
        _check_finite("h2_sccm", self.h2_sccm, 0.0)
        _check_finite("ar_sccm", self.ar_sccm, 0.0)
        if self.temperature_c <= -KELVIN_OFFSET:
            raise ValueError(f"temperature_c must be above absolute zero, got {self.temperature_c!r}")
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
    """Hidden kinetic constants of one simulated world (prefactors quoted at 1000 °C)."""

    nucleation_ea_ev: float  # apparent activation energy of the saturation density (N falls with T)
    nucleation_ref_um2: float  # N_eq at 1000 °C and s = 0.01 Torr, µm⁻²
    nucleation_supply_exponent: float  # α in N_eq ∝ s^α
    growth_ea_ev: float  # activation energy of the edge velocity
    edge_velocity_ref_um_min: float  # v at 1000 °C and s = 0.01 Torr (before saturation), µm/min
    supply_saturation_torr: float  # s at which edge attachment saturates
    etch_ratio: float  # ε: CH4/H2 ratio at which growth stalls at 1000 °C
    etch_ea_ev: float  # activation energy of ε (etching grows faster with T than growth)
    anneal_passivation_max: float  # A_max: largest fraction of nucleation sites the anneal removes
    anneal_rate_ref_per_s: float  # k_A at 1000 °C
    anneal_ea_ev: float  # activation energy of k_A
    adlayer_rate_ref_per_s: float  # g₂ at 1000 °C, s = 0.01 Torr, P = 1 Torr, Cu
    adlayer_supply_exponent: float  # m
    adlayer_pressure_exponent: float  # n
    adlayer_ea_ev: float  # E_b
    adlayer_floor: float  # φ: supply-independent adlayer feed (carbon dissolved in Cu), relative units
    cuni_adlayer_factor: float  # S on CuNi
    multilayer_share_cu: float  # c₃ on Cu
    multilayer_share_cuni: float  # c₃ on CuNi
    point_defect_ref: float  # ID/IG of point defects at 1000 °C without H2
    point_defect_ea_ev: float  # E_d (defects fall with T)
    h2_benefit_ratio: float  # ρ_H: H2/CH4 ratio that halves the point defects
    etch_pit_coefficient: float  # c_etch
    grain_boundary_coefficient: float  # c_gb: ID/IG at N = 1 µm⁻²
    premelt_temperature_c: float  # T_pm: damage rate reference temperature (near Cu melting)
    premelt_width_c: float  # w_pm
    premelt_rate_per_s: float  # k_pm: ID/IG per second at T_pm and low pressure
    sublimation_rate_ref_per_s: float  # k_sub: ID/IG per second from Cu sublimation, 1000 °C, low pressure
    sublimation_ea_ev: float  # E_sub: Cu sublimation enthalpy
    sublimation_pressure_torr: float  # P_sub: pressure that halves Cu evaporation damage

    @classmethod
    def draw(cls, seed: int) -> GrapheneTruth:
        """Draw a plausible world: literature values with moderate seed-to-seed variation."""
        rng = np.random.default_rng(seed)

        def normal(mean: float, sd: float, low: float, high: float) -> float:
            return float(np.clip(rng.normal(mean, sd), low, high))

        def lognormal(median: float, sigma: float) -> float:
            return float(median * math.exp(float(np.clip(rng.normal(0.0, sigma), -2.0, 2.0)) * 1.0))

        return cls(
            nucleation_ea_ev=normal(4.0, 0.2, 3.5, 4.5),
            nucleation_ref_um2=lognormal(1.0e-3, 0.2),
            nucleation_supply_exponent=normal(1.0, 0.08, 0.8, 1.2),
            growth_ea_ev=normal(2.6, 0.15, 2.2, 3.0),
            edge_velocity_ref_um_min=lognormal(1.5, 0.2),
            supply_saturation_torr=lognormal(0.03, 0.2),
            etch_ratio=lognormal(0.01, 0.2),
            etch_ea_ev=normal(0.7, 0.1, 0.4, 1.0),
            anneal_passivation_max=normal(0.5, 0.08, 0.3, 0.7),
            anneal_rate_ref_per_s=lognormal(1.0 / 900.0, 0.2),
            anneal_ea_ev=normal(2.0, 0.2, 1.5, 2.5),
            adlayer_rate_ref_per_s=lognormal(1.45e-4, 0.2),
            adlayer_supply_exponent=normal(1.8, 0.12, 1.4, 2.2),
            adlayer_pressure_exponent=normal(1.0, 0.1, 0.7, 1.3),
            adlayer_ea_ev=normal(1.5, 0.2, 1.0, 2.0),
            adlayer_floor=lognormal(1.5, 0.2),
            cuni_adlayer_factor=lognormal(8.0, 0.2),
            multilayer_share_cu=normal(0.3, 0.04, 0.2, 0.4),
            multilayer_share_cuni=normal(0.7, 0.05, 0.5, 0.9),
            point_defect_ref=lognormal(0.6, 0.15),
            point_defect_ea_ev=normal(6.0, 0.3, 5.2, 6.8),
            h2_benefit_ratio=lognormal(3.0, 0.2),
            etch_pit_coefficient=lognormal(0.5, 0.2),
            grain_boundary_coefficient=lognormal(0.5, 0.2),
            premelt_temperature_c=normal(1056.0, 3.0, 1048.0, 1064.0),
            premelt_width_c=normal(6.0, 0.8, 4.0, 8.0),
            premelt_rate_per_s=lognormal(2e-4, 0.2),
            sublimation_rate_ref_per_s=lognormal(3e-6, 0.2),
            sublimation_ea_ev=normal(3.5, 0.1, 3.2, 3.8),
            sublimation_pressure_torr=lognormal(0.2, 0.2),
        )


class GrowthRates(NamedTuple):
    """Rates implied by one set of conditions (the shared rate equations of the model)."""

    supply_torr: float  # net carbon supply s (negative: H2 etching)
    nucleation_eq_um2: float  # saturation nucleation density before anneal passivation, µm⁻²
    edge_velocity_um_s: float  # island edge velocity, µm/s (negative: etching)
    adlayer_rate_per_s: float  # g₂
    multilayer_rate_per_s: float  # g₃
    point_defect_id_ig: float  # ID/IG incorporated in new area, without the grain-boundary term
    damage_rate_per_s: float  # ID/IG added per second by Cu sublimation / premelting
    anneal_rate_per_s: float  # k_A (0 while carbon is supplied or no H2 flows)


def _arrhenius(ea_ev: float, temperature_k: float) -> float:
    """exp(−Ea/k·(1/T − 1/T_ref)): 1 at 1000 °C."""
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
    """Evaluate the model's rate equations for one set of conditions (see the module docstring)."""
    t_c = conditions.temperature_c
    t_k = t_c + KELVIN_OFFSET
    p_total = conditions.pressure_torr
    p_ch4, p_h2 = conditions.partial_pressures_torr()
    damage = (
        (
            truth.sublimation_rate_ref_per_s * _arrhenius(truth.sublimation_ea_ev, t_k)
            + truth.premelt_rate_per_s
            * math.exp(min((t_c - truth.premelt_temperature_c) / truth.premelt_width_c, 50.0))
        )
        * truth.sublimation_pressure_torr
        / (p_total + truth.sublimation_pressure_torr)
    )
    activity = carbon_activity(t_c)
    if activity == 0.0:
        return GrowthRates(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, damage, 0.0)
    etch_ratio = truth.etch_ratio * _arrhenius(truth.etch_ea_ev, t_k)
    supply = activity * (p_ch4 - etch_ratio * p_h2)
    velocity = (
        truth.edge_velocity_ref_um_min
        / 60.0
        * _arrhenius(truth.growth_ea_ev, t_k)
        * (supply / REFERENCE_SUPPLY_TORR)
        / (1.0 + abs(supply) / truth.supply_saturation_torr)
    )
    if supply <= 0.0:
        anneal = truth.anneal_rate_ref_per_s * _arrhenius(truth.anneal_ea_ev, t_k) if p_h2 > 0.0 else 0.0
        return GrowthRates(supply, 0.0, velocity, 0.0, 0.0, 0.0, damage, anneal)
    relative_supply = supply / REFERENCE_SUPPLY_TORR
    nucleation = (
        truth.nucleation_ref_um2
        * _arrhenius(-truth.nucleation_ea_ev, t_k)
        * relative_supply**truth.nucleation_supply_exponent
    )
    substrate_factor = 1.0 if conditions.substrate == "Cu" else truth.cuni_adlayer_factor
    adlayer = (
        truth.adlayer_rate_ref_per_s
        * _arrhenius(truth.adlayer_ea_ev, t_k)
        * (relative_supply**truth.adlayer_supply_exponent + truth.adlayer_floor)
        * (p_total / REFERENCE_PRESSURE_TORR) ** truth.adlayer_pressure_exponent
        * substrate_factor
    )
    share = truth.multilayer_share_cu if conditions.substrate == "Cu" else truth.multilayer_share_cuni
    h2_per_ch4 = p_h2 / p_ch4
    etch_closeness = min(etch_ratio * h2_per_ch4, 1.0)
    point = (
        truth.point_defect_ref
        * _arrhenius(-truth.point_defect_ea_ev, t_k)
        / (1.0 + h2_per_ch4 / truth.h2_benefit_ratio)
        + truth.etch_pit_coefficient * etch_closeness**3
    )
    return GrowthRates(supply, nucleation, velocity, adlayer, share * adlayer, point, damage, 0.0)


@dataclass(frozen=True, slots=True)
class GrapheneSample:
    """State of the film on one foil; the default is bare Cu.

    Islands are described by the moments of their radius distribution per µm² of foil
    (``nucleation_density_um2`` = Σ1, ``radius_sum_um`` = Σr, ``radius_sq_sum`` = Σr²), which makes
    the JMAK coverage exact for any nucleation history.
    """

    nucleation_density_um2: float = 0.0  # islands per µm²
    radius_sum_um: float = 0.0  # Σ r_i per µm² of foil, µm/µm²
    radius_sq_sum: float = 0.0  # Σ r_i² per µm² of foil (dimensionless)
    adlayer_progress: float = 0.0  # ∫ g₂ dt: Avrami progress of the second layer
    multilayer_progress: float = 0.0  # ∫ g₃ dt: Avrami progress of the third and further layers
    defect_integral: float = 0.0  # ∫ ID/IG dθ over the growth history
    damage_id_ig: float = 0.0  # ID/IG accumulated from Cu sublimation / premelting
    site_passivation: float = 0.0  # A: fraction of nucleation sites removed by the H2 anneal

    @property
    def coverage(self) -> float:
        """Fraction θ of the foil covered by graphene (JMAK)."""
        return -math.expm1(-math.pi * self.radius_sq_sum)

    @property
    def domain_radius_um(self) -> float:
        """Mean island radius in µm (extended radius: keeps growing after islands impinge)."""
        if self.nucleation_density_um2 <= 0.0:
            return 0.0
        return self.radius_sum_um / self.nucleation_density_um2

    @property
    def grain_size_um(self) -> float:
        """Equivalent-circle diameter of the mean covered area per domain, µm."""
        if self.nucleation_density_um2 <= 0.0:
            return 0.0
        return 2.0 * math.sqrt(self.coverage / (math.pi * self.nucleation_density_um2))

    @property
    def bilayer_fraction(self) -> float:
        """Share of the covered area with ≥ 2 layers (Avrami, exponent 3)."""
        return -math.expm1(-(self.adlayer_progress**ADLAYER_AVRAMI_EXPONENT))

    @property
    def multilayer_fraction(self) -> float:
        """Share of the covered area with ≥ 3 layers (never above ``bilayer_fraction``)."""
        return -math.expm1(-(self.multilayer_progress**ADLAYER_AVRAMI_EXPONENT))

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
        """What a Raman map of ``n`` independent random spots sees."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        theta = self.coverage
        u = rng.random(n)
        spatial = rng.lognormal(-0.5 * ID_IG_SPATIAL_SIGMA**2, ID_IG_SPATIAL_SIGMA, n)
        bare = 1.0 - theta
        multi = bare + theta * self.multilayer_fraction
        bi = bare + theta * self.bilayer_fraction
        id_ig = self.id_ig
        spots = []
        for ui, fi in zip(u, spatial, strict=True):
            if ui < bare:
                spots.append(GrapheneSpot(layers=0, id_ig=0.0))
                continue
            layers = 3 if ui < multi else 2 if ui < bi else 1
            spots.append(GrapheneSpot(layers=layers, id_ig=float(id_ig * fi)))
        return spots


def _exp_integrals(k: float, dt: float) -> tuple[float, float]:
    """For a burst I(s) = k·e^(−ks), return (∫I·(dt−s) ds, ∫I·(dt−s)² ds) over [0, dt]."""
    x = k * dt
    if x < SERIES_CUTOFF:
        first = dt * (x / 2.0 - x * x / 6.0 + x**3 / 24.0)
        second = dt * dt * (x / 3.0 - x * x / 12.0 + x**3 / 60.0)
        return first, second
    one_minus_e = -math.expm1(-x)
    first = dt - one_minus_e / k
    second = dt * dt - 2.0 * dt / k + 2.0 * one_minus_e / (k * k)
    return first, second


def growth_step(
    sample: GrapheneSample, conditions: GrowthConditions, dt_s: float, truth: GrapheneTruth
) -> GrapheneSample:
    """Advance the film by ``dt_s`` seconds at constant ``conditions`` (exact for constant rates)."""
    _check_finite("dt_s", dt_s, 0.0)
    rates = growth_rates(truth, conditions)
    n0 = sample.nucleation_density_um2
    m1 = sample.radius_sum_um
    m2 = sample.radius_sq_sum
    theta0 = sample.coverage
    passivation = sample.site_passivation
    if rates.anneal_rate_per_s > 0.0:
        gap = truth.anneal_passivation_max - passivation
        passivation = truth.anneal_passivation_max - gap * math.exp(-rates.anneal_rate_per_s * dt_s)

    velocity = rates.edge_velocity_um_s
    target = rates.nucleation_eq_um2 * (1.0 - passivation)
    if target > n0 and theta0 < 1.0:
        k = (1.0 - theta0) / NUCLEATION_TIME_S
        deficit = target - n0
        n1 = target - deficit * math.exp(-k * dt_s)
        born_r, born_r2 = _exp_integrals(k, dt_s)
        born_r *= deficit
        born_r2 *= deficit
    else:
        n1, born_r, born_r2 = n0, 0.0, 0.0

    if velocity >= 0.0:
        m1_new = m1 + velocity * (n0 * dt_s + born_r)
        m2_new = m2 + 2.0 * velocity * m1 * dt_s + velocity * velocity * (n0 * dt_s * dt_s + born_r2)
    elif n0 > 0.0:  # etching: the islands shrink as one cohort and vanish together
        mean_r = m1 / n0
        shrunk = mean_r + velocity * dt_s
        if shrunk > 0.0:
            m1_new, m2_new = n0 * shrunk, m2 * (shrunk / mean_r) ** 2
        else:
            n1, m1_new, m2_new = 0.0, 0.0, 0.0
    else:
        m1_new, m2_new = m1, m2

    theta1 = -math.expm1(-math.pi * m2_new)
    integral = sample.defect_integral
    if theta1 > theta0:
        new_defects = rates.point_defect_id_ig + truth.grain_boundary_coefficient * math.sqrt(n1)
        integral += new_defects * (theta1 - theta0)
    elif theta1 < theta0:
        integral *= theta1 / theta0

    return GrapheneSample(
        nucleation_density_um2=n1,
        radius_sum_um=m1_new,
        radius_sq_sum=m2_new,
        adlayer_progress=sample.adlayer_progress + rates.adlayer_rate_per_s * dt_s,
        multilayer_progress=sample.multilayer_progress + rates.multilayer_rate_per_s * dt_s,
        defect_integral=integral,
        damage_id_ig=sample.damage_id_ig + rates.damage_rate_per_s * dt_s,
        site_passivation=passivation,
    )


def grow(
    truth: GrapheneTruth, conditions: GrowthConditions, growth_s: float, anneal_c: float | None = None
) -> GrapheneSample:
    """Constant-conditions shortcut: optional H2 anneal, then ``growth_s`` seconds of growth.

    The anneal (if ``anneal_c`` is given) lasts :data:`ANNEAL_S` at ``anneal_c`` with the same H2 and
    Ar flows and pressure but no CH4.  Heating and cooling are not simulated (cooling is assumed
    to happen without CH4 and fast enough to change nothing).  Uses :func:`growth_step` with a
    few long steps, which is exact for constant conditions.
    """
    _check_finite("growth_s", growth_s, 0.0)
    sample = GrapheneSample()
    if anneal_c is not None:
        anneal = replace(conditions, temperature_c=anneal_c, ch4_sccm=0.0)
        sample = growth_step(sample, anneal, ANNEAL_S, truth)
    first = min(growth_s, NUCLEATION_WINDOW_S)
    sample = growth_step(sample, conditions, first, truth)
    return growth_step(sample, conditions, growth_s - first, truth)


def expected_quality(sample: GrapheneSample) -> float:
    """Expectation of the campaign objective: θ·(monolayer share)·E[exp(−ID/IG_spot/0.5)].

    The spot ID/IG is the film mean times a mean-one lognormal (σ = ID_IG_SPATIAL_SIGMA); the
    expectation is taken by Gauss–Hermite quadrature.
    """
    theta = sample.coverage
    if theta <= 0.0:
        return 0.0
    scaled = sample.id_ig / QUALITY_ID_IG_SCALE
    mean_q = sum(
        w * math.exp(-scaled * f) for w, f in zip(_LOGNORMAL_WEIGHTS, _LOGNORMAL_FACTORS, strict=True)
    )
    return theta * sample.monolayer_share * mean_q


@dataclass(frozen=True, slots=True)
class GrowthRecipe:
    """One point of the standard search space (Ar carrier fixed at :data:`STANDARD_AR_SCCM`)."""

    temperature_c: float
    ch4_sccm: float
    h2_sccm: float
    pressure_torr: float
    growth_min: int
    substrate: str = "Cu"

    def conditions(self) -> GrowthConditions:
        """Growth conditions of this recipe."""
        return GrowthConditions(
            temperature_c=self.temperature_c,
            pressure_torr=self.pressure_torr,
            ch4_sccm=self.ch4_sccm,
            h2_sccm=self.h2_sccm,
            ar_sccm=STANDARD_AR_SCCM,
            substrate=self.substrate,
        )


STANDARD_AR_SCCM = 0.0  # sccm; no Ar carrier in the standard space
STANDARD_SPACE = {  # name: (low, high, log-scaled)
    "temperature_c": (950.0, 1065.0, False),
    "ch4_sccm": (0.5, 50.0, True),
    "h2_sccm": (2.0, 100.0, True),
    "pressure_torr": (0.1, 10.0, True),
    "growth_min": (1, 60, False),
}
MAX_TOTAL_FLOW_SCCM = 100.0  # constraint of the standard space: h2_sccm + ch4_sccm ≤ 100
_CONTINUOUS = ("temperature_c", "ch4_sccm", "h2_sccm", "pressure_torr")


def recipe_quality(truth: GrapheneTruth, recipe: GrowthRecipe, anneal_c: float | None = STANDARD_ANNEAL_C) -> float:
    """Expected campaign objective of one recipe (standard anneal, then constant growth)."""
    sample = grow(truth, recipe.conditions(), 60.0 * recipe.growth_min, anneal_c)
    return expected_quality(sample)


def sample_recipes(n: int, rng: np.random.Generator) -> list[GrowthRecipe]:
    """Uniform random recipes over the standard space (log-uniform where log-scaled, integer
    growth minutes, either substrate), rejecting points that violate h2 + ch4 ≤ 100 sccm."""
    recipes: list[GrowthRecipe] = []
    while len(recipes) < n:
        values = {}
        for name, (low, high, log) in STANDARD_SPACE.items():
            if name == "growth_min":
                values[name] = int(rng.integers(low, high + 1))
            elif log:
                values[name] = float(math.exp(rng.uniform(math.log(low), math.log(high))))
            else:
                values[name] = float(rng.uniform(low, high))
        substrate = SUBSTRATES[int(rng.integers(len(SUBSTRATES)))]
        if values["ch4_sccm"] + values["h2_sccm"] <= MAX_TOTAL_FLOW_SCCM:
            recipes.append(GrowthRecipe(substrate=substrate, **values))
    return recipes


def quality_landscape(
    truth: GrapheneTruth, recipes: list[GrowthRecipe], anneal_c: float | None = STANDARD_ANNEAL_C
) -> np.ndarray:
    """Expected objective for each recipe."""
    return np.array([recipe_quality(truth, r, anneal_c) for r in recipes])


def _to_unit(recipe: GrowthRecipe) -> np.ndarray:
    out = []
    for name in (*_CONTINUOUS, "growth_min"):
        low, high, log = STANDARD_SPACE[name]
        value = getattr(recipe, name)
        out.append((math.log(value / low) / math.log(high / low)) if log else (value - low) / (high - low))
    return np.array(out)


def _from_unit(x: np.ndarray, growth_min: int, substrate: str) -> GrowthRecipe:
    values = {}
    for name, xi in zip(_CONTINUOUS, np.clip(x, 0.0, 1.0), strict=True):
        low, high, log = STANDARD_SPACE[name]
        values[name] = float(low * (high / low) ** xi) if log else float(low + xi * (high - low))
    return GrowthRecipe(growth_min=growth_min, substrate=substrate, **values)


def find_optimum(
    truth: GrapheneTruth,
    n_random: int = 3000,
    seed: int = 0,
    anneal_c: float | None = STANDARD_ANNEAL_C,
) -> tuple[GrowthRecipe, float]:
    """Best expected objective over the standard space: dense random sampling, then Nelder–Mead
    polishing of the best few points over the continuous variables for nearby integer growth times."""
    rng = np.random.default_rng(seed)
    recipes = sample_recipes(n_random, rng)
    values = quality_landscape(truth, recipes, anneal_c)
    best_recipe, best_value = recipes[int(np.argmax(values))], float(np.max(values))
    low_t, high_t = STANDARD_SPACE["growth_min"][:2]
    for index in np.argsort(values)[-4:]:
        start = recipes[int(index)]

        def polish(start: GrowthRecipe, minutes: int) -> tuple[GrowthRecipe, float]:
            def loss(x: np.ndarray) -> float:
                recipe = _from_unit(x, minutes, start.substrate)
                excess = recipe.ch4_sccm + recipe.h2_sccm - MAX_TOTAL_FLOW_SCCM
                penalty = float(np.sum(np.clip(x, None, 0.0) ** 2 + np.clip(x - 1.0, 0.0, None) ** 2))
                if excess > 0.0:
                    return 1.0 + excess + penalty
                return -recipe_quality(truth, recipe, anneal_c) + penalty

            x0 = _to_unit(start)[:4]
            result = minimize(loss, x0, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6})
            recipe = _from_unit(result.x, minutes, start.substrate)
            return recipe, (recipe_quality(truth, recipe, anneal_c) if -result.fun >= 0 else 0.0)

        # continuous time first, to locate the best integer neighbourhood
        for minutes in range(max(low_t, start.growth_min - 3), min(high_t, start.growth_min + 3) + 1):
            recipe, value = polish(start, minutes)
            if value > best_value and recipe.ch4_sccm + recipe.h2_sccm <= MAX_TOTAL_FLOW_SCCM:
                best_recipe, best_value = recipe, value
    return best_recipe, best_value
