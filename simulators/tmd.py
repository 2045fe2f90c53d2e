"""Hidden-truth physics of two-zone CVD growth of TMD monolayers (pure functions, no I/O).

The "world" of the simulated TMD lab, built like :mod:`simulators.graphene`: a :class:`TmdTruth` drawn
from a seed fixes the hidden constants; :func:`growth_step` advances a :class:`TmdSample` through any
recipe (both zones heating, growth, cooling) one time step at a time; :func:`grow` is the
constant-conditions shortcut.  Films are Mo(1−x)W(x)S(2(1−y))Se(2y): MoS2, WS2, MoSe2, WSe2 and alloys.

Set-up.  Chalcogen powder (S and/or Se, Se share ``f``) sits upstream in a low-temperature zone at
``T_ch``; the oxide powder (MoO3/WO3, WO3 share ``w``, ``precursor_mg`` of it) sits under the substrate in
the growth zone at ``T``; Ar/H2 carry the chalcogen vapour downstream.  Supplies are dimensionless, in
units of the nucleation threshold.  Prefactors are quoted at T_ref = 750 °C.

* Run-to-run scatter.  Every run has a nucleation activity ``κ``: how readily its substrate captures
  adatoms before they re-evaporate (surface cleanliness, adsorbed water and hydroxyls, oxide seed
  particles), lognormal with median 1 and log-spread σ_κ (:meth:`TmdTruth.draw_activity`).  It is a
  latent of the sample, fixed when the bare substrate is loaded (``TmdSample(activity=κ)``), so a run
  seed makes success or no-growth reproducible; ``TmdSample()`` is the median run (κ = 1).
* Promoter.  NaCl forms volatile oxychlorides and a low-melting Na–Mo–O phase: the surface chemistry
  (oxide volatility, re-evaporation, nucleation, edge attachment) runs at ``T_eff = T + ΔT_NaCl``, which
  shifts the whole growth window down by ΔT_NaCl (50–100 °C).
* Metal supply: ``m = (L/L_ref)·Π(P)·exp(−E_vol/k·(1/T_eff − 1/T_lo))·((1 − w) + w·r_W(T_eff))``, with
  ``r_W(T) = r_ref·exp(−ΔE_W/k·(1/T − 1/T_ref))`` the WO3/MoO3 volatility ratio (WO3 is far less
  volatile, so W-rich films need hotter growth) and ``Π(P) = ((760 + P₀)/(P + P₀))^a`` the faster,
  diffusion-limited sublimation at low pressure.  A median run with a pure-MoO3 standard load reaches
  the threshold at T_lo.
* Chalcogen supply (Clausius–Clapeyron vapour pressures ``p_S``, ``p_Se`` of the upstream zone, carried
  by a boundary-layer-limited evaporation, so the concentration falls as 1/√flow):
  ``c = η·Π(P)·√(Q_ref/(Q + Q_diff))·((1 − f)·p_S(T_ch) + f·ζ_H2·p_Se(T_ch))/p_S(145 °C)``.  At equal
  temperature Se is ~10³–10⁴× less volatile than S (it needs a 250–300 °C zone), and it reacts with the
  oxide mainly as H2Se: ``ζ_H2 = π_Se·(ζ₀ + (1 − ζ₀)·H2/(H2 + H_½))`` (π_Se: H2Se is a few times more
  reactive than S vapour; ζ₀ ≈ 1 %: little reacts without H2).  The film's Se share therefore stays far
  below the powder's Se share f unless f is close to 1.
* Combined supply (both reactants are needed; the scarcer one limits): ``s = m·c/(m + c)``.
* Critical supply (nucleation threshold plus re-evaporation/decomposition of the adlayer, which
  dominates at high temperature), lowered by the run's activity:
  ``s_c = (1 + exp(−E_des/k·(1/T_eff − 1/T_hi(x))))/κ`` with ``T_hi(x) = T_hi + x·ΔT_W`` (W–S bonds are
  stronger).  The net deposition flux is ``n = s − s_c``: a run grows only where ``n > 0``, so it fails
  (no growth) when its κ is too small: at low T the oxide hardly evaporates, at high T the adatoms
  leave before they nucleate.  A very active run still grows no faster than the supply allows.
* Nucleation (instantaneous saturation at the start of each step, JMAK extended space): the nucleus
  density jumps to ``N_eq = N_ref·exp(E_nuc/k·(1/T_eff − 1/T_ref))·n^α·S_sub`` (fewer, larger domains
  when hot or near the threshold; ``S_sub`` > 1 on sapphire), and only on the bare area:
  ``ΔN = (1 − θ)·(N_eq − N_ext)``.  N never falls.
* Edge velocity (supply-limited): ``v = v_ref·exp(−E_g/k·(1/T_eff − 1/T_ref))·n``.  Coverage from the
  moments of the radius distribution, ``θ = 1 − exp(−π·Σr²)``, i.e. ``θ = 1 − exp(−π N v² t²)`` at
  constant conditions.  Films do not etch or decompose once grown.
* Layers (second layers nucleate on the domains at high supersaturation): ``du₂/dt = k_b·n^β`` and
  ``du₃/dt = du₂/dt·n/(n + n₃)``; the shares of the covered area with ≥ 2 and ≥ 3 layers are
  ``1 − exp(−u₂)`` and ``1 − exp(−u₃)``.  Hot chalcogen zones and heavy oxide loads make bilayers.
* Composition of newly grown area: ``x = w·r_W/((1 − w) + w·r_W)`` (so x_w rises with both the WO3 share
  and the growth temperature) and ``y = Se part of c / c`` (so y_se rises with both the Se share and the
  chalcogen-zone temperature).  The film's composition is the area-weighted mean.
* Chalcogen vacancies (cm⁻²) taken up by new area:
  ``d = d₀ + d_ρ·ρ/(1 + ρ/ρ_sat) + d_T·exp(−E_v/k·(1/T − 1/T_ref)) + d_C·exp(E_C/k·(1/T_eff − 1/T_ref))``
  with ``ρ = m/c`` the metal-to-chalcogen supply ratio: chalcogen-poor growth, very hot growth
  (chalcogen desorption) and cold growth (the oxide intermediate converts incompletely, leaving O on
  or missing from chalcogen sites) leave vacancies.

All rates depend only on the instantaneous conditions and a step integrates them in closed form, so a
step is exact for any length while the conditions are constant (one 600 s step equals 600 steps of 1 s),
and for ramping conditions the error is first order in the step (1 s steps are accurate to < 1 %).

The campaign objective is taken as the mean over spots of ``M_i·exp(−d_i/10¹³ cm⁻²)`` (M_i = 1 on
monolayer, 0 elsewhere); :func:`expected_quality` is its exact expectation for a sample and
:func:`recipe_quality` also averages over the run-to-run activity κ.  :func:`find_optimum` maximizes it
over the MoS2 search space :data:`STANDARD_SPACE` for benchmarks.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq, minimize
from scipy.stats import norm

from simulators.graphene import BOLTZMANN_EV_PER_K, KELVIN_OFFSET_K
from simulators.tmd_spectra import SUBSTRATES, TmdSpot  # SUBSTRATES: the substrates both models know

REFERENCE_TEMPERATURE_K = 750.0 + KELVIN_OFFSET_K  # K; Arrhenius prefactors are quoted at 750 °C
ATMOSPHERE_TORR = 760.0  # Torr; the reference (atmospheric-pressure) total pressure
PRESSURE_FLOOR_TORR = 1.0  # P₀, Torr: below ~1 Torr sublimation is no longer diffusion-limited
REFERENCE_FLOW_SCCM = 75.0  # Q_ref, sccm: carrier flow at which the chalcogen excess η is quoted
DIFFUSION_FLOW_SCCM = 5.0  # Q_diff, sccm: transport by diffusion alone, as an equivalent carrier flow
STANDARD_PRECURSOR_MG = 10.0  # L_ref, mg of oxide powder
SULFUR_VAPOUR_EV = 0.92  # sublimation enthalpy of S (fits 1–100 Pa between 102 and 176 °C)
SULFUR_VAPOUR_PA = 18.7  # Pa; S vapour pressure at the reference zone temperature
SULFUR_REFERENCE_K = 145.0 + KELVIN_OFFSET_K  # K; the typical S-zone temperature
SELENIUM_VAPOUR_EV = 1.05  # vaporization enthalpy of Se (fits 1–100 Pa between 227 and 344 °C)
SELENIUM_VAPOUR_PA = 8.5  # Pa; Se vapour pressure at SELENIUM_REFERENCE_K
SELENIUM_REFERENCE_K = 275.0 + KELVIN_OFFSET_K  # K; a typical Se-zone temperature
VACANCY_SATURATION_RATIO = 20.0  # ρ_sat: beyond this metal-to-chalcogen ratio vacancies saturate
VACANCY_QUALITY_SCALE_CM2 = 1e13  # cm⁻²; the objective's defect scale: q = exp(−d/1e13)
DEFECT_SPATIAL_SIGMA = 0.35  # log-space standard deviation of the spot-to-spot vacancy density
GROWTH_DETECTION_COVERAGE = 0.01  # a run "grew" when at least 1 % of the substrate is covered

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(32)
# standard-normal quadrature: E[g(Z)] ≈ Σ w·g(z)
_NORMAL_QUADRATURE = tuple(
    (float(w / math.sqrt(2.0 * math.pi)), float(z)) for z, w in zip(_NODES, _WEIGHTS, strict=True)
)


def _check_real(name: str, value: float, low: float, high: float = math.inf, low_open: bool = False) -> None:
    """Raise ValueError naming ``name`` unless ``value`` is a finite real number in [low, high] (or (low, high])."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or (low_open and value == low) or value > high:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value!r}")


def _arrhenius(ea_ev: float, temperature_k: float, reference_k: float = REFERENCE_TEMPERATURE_K) -> float:
    """exp(−Ea/k·(1/T − 1/T_ref)): 1 at T_ref; a negative Ea gives a quantity that falls with T."""
    return math.exp(-ea_ev / BOLTZMANN_EV_PER_K * (1.0 / temperature_k - 1.0 / reference_k))


_NUMERIC_CONDITIONS = ("growth_c", "chalcogen_c", "pressure_torr", "ar_sccm", "h2_sccm", "precursor_w_fraction",
                       "chalcogen_se_fraction", "precursor_mg", "chalcogen_share")


@dataclass(frozen=True, slots=True)
class TmdConditions:
    """Instantaneous conditions of a two-zone furnace: °C, sccm, Torr, the loaded powders and substrate."""

    growth_c: float  # growth zone: substrate and oxide powder
    chalcogen_c: float  # upstream zone: chalcogen powder
    pressure_torr: float = ATMOSPHERE_TORR
    ar_sccm: float = 75.0
    h2_sccm: float = 0.0
    precursor_w_fraction: float = 0.0  # w: WO3 share of the oxide powder
    chalcogen_se_fraction: float = 0.0  # f: Se share of the chalcogen powder
    precursor_mg: float = STANDARD_PRECURSOR_MG  # oxide powder load
    promoter: bool = False  # NaCl mixed into the oxide
    substrate: str = "SiO2/Si"  # "SiO2/Si" | "sapphire"
    chalcogen_share: float = 1.0  # the share of the chalcogen vapour that reaches the substrate (its position)

    def __post_init__(self) -> None:
        _check_real("growth_c", self.growth_c, -KELVIN_OFFSET_K, low_open=True)
        _check_real("chalcogen_c", self.chalcogen_c, -KELVIN_OFFSET_K, low_open=True)
        _check_real("pressure_torr", self.pressure_torr, 0.0)
        _check_real("ar_sccm", self.ar_sccm, 0.0)
        _check_real("h2_sccm", self.h2_sccm, 0.0)
        _check_real("precursor_w_fraction", self.precursor_w_fraction, 0.0, 1.0)
        _check_real("chalcogen_se_fraction", self.chalcogen_se_fraction, 0.0, 1.0)
        _check_real("precursor_mg", self.precursor_mg, 0.0)
        _check_real("chalcogen_share", self.chalcogen_share, 0.0)
        if not isinstance(self.promoter, bool | np.bool_):
            raise ValueError(f"promoter must be a bool, got {self.promoter!r}")
        if self.substrate not in SUBSTRATES:
            raise ValueError(f"substrate must be one of {SUBSTRATES}, got {self.substrate!r}")
        for name in _NUMERIC_CONDITIONS:  # numpy scalars (e.g. float32) would lower the precision
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "promoter", bool(self.promoter))


@dataclass(frozen=True, slots=True)
class TmdTruth:
    """Hidden constants of one simulated world (prefactors at 750 °C; supplies in threshold units)."""

    activity_sigma: float  # σ_κ: log-spread of the run-to-run nucleation activity
    oxide_volatility_ea_ev: float  # E_vol: apparent activation energy of the MoO3 supply
    window_low_c: float  # T_lo: where a median run's standard MoO3 supply reaches the threshold
    desorption_ea_ev: float  # E_des: activation energy of the adatom re-evaporation/decomposition flux
    window_high_c: float  # T_hi: where re-evaporation equals the nucleation threshold (MoS2)
    tungsten_stability_shift_c: float  # ΔT_W: how much hotter the re-evaporation edge is for WS2
    tungsten_volatility_ratio: float  # r_ref: WO3/MoO3 volatility ratio at 750 °C
    tungsten_volatility_ea_ev: float  # ΔE_W: extra activation energy of WO3 over MoO3
    pressure_exponent: float  # a in Π(P)
    chalcogen_excess: float  # η: chalcogen supply of a 145 °C S zone at Q_ref, AP (threshold units)
    selenium_reactivity: float  # π_Se: reactivity of Se vapour with excess H2 (as H2Se), relative to S
    selenium_dry_reactivity: float  # ζ₀: reactivity of Se vapour without H2 (relative to H2Se)
    selenium_h2_half_sccm: float  # H_½: H2 flow at which Se reacts half as well as with excess H2
    promoter_shift_c: float  # ΔT_NaCl: how far the NaCl promoter lowers the growth window
    nucleation_ref_um2: float  # N_ref at 750 °C, unit net supply, SiO2/Si, µm⁻²
    nucleation_ea_ev: float  # E_nuc: apparent activation energy (N falls with T)
    nucleation_supply_exponent: float  # α
    sapphire_nucleation_factor: float  # S_sub on sapphire (1 on SiO2/Si)
    edge_velocity_ref_um_min: float  # v_ref: edge velocity per unit net supply at 750 °C, µm/min
    growth_ea_ev: float  # E_g
    bilayer_rate_ref_per_s: float  # k_b: second-layer progress rate at unit net supply, 1/s
    bilayer_supply_exponent: float  # β
    multilayer_supply_half: float  # n₃: net supply at which third layers follow every second layer
    vacancy_floor_cm2: float  # d₀: native vacancies of stoichiometric growth
    vacancy_ratio_cm2: float  # d_ρ: vacancies per unit metal-to-chalcogen ratio
    thermal_vacancy_ref_cm2: float  # d_T at 750 °C
    thermal_vacancy_ea_ev: float  # E_v: chalcogen desorption from the growing edge
    cold_vacancy_ref_cm2: float  # d_C at 750 °C
    cold_vacancy_ea_ev: float  # E_C: incomplete conversion of the oxide intermediate when cold

    @classmethod
    def draw(cls, seed: int) -> TmdTruth:
        """Draw a plausible world: literature-like values with moderate seed-to-seed variation."""
        rng = np.random.default_rng(seed)
        return cls._around_literature(lambda: float(np.clip(rng.normal(), -2.0, 2.0)))

    @classmethod
    def nominal(cls) -> TmdTruth:
        """The literature values every world is drawn around (each at its centre): what a lab knows of the
        physics before its first run."""
        return cls._around_literature(lambda: 0.0)

    @classmethod
    def at(cls, scores: Sequence[float]) -> TmdTruth:
        """The world whose constants sit ``scores`` standard deviations (one per field, in field order) from their
        literature values: the coordinates a calibration fits in (prior: standard normal)."""
        scores = list(scores)
        if len(scores) != len(fields(cls)):
            raise ValueError(f"need {len(fields(cls))} scores, one per constant, got {len(scores)}")
        return cls._around_literature(iter(scores).__next__)

    @classmethod
    def _around_literature(cls, deviate: Callable[[], float]) -> TmdTruth:
        """The constants, each `deviate()` standard deviations (in turn) from its literature value."""

        def normal(mean: float, sd: float) -> float:
            return float(mean + sd * deviate())

        def lognormal(median: float, sigma: float) -> float:
            return median * math.exp(sigma * deviate())

        return cls(
            activity_sigma=normal(0.8, 0.04),
            oxide_volatility_ea_ev=normal(0.8, 0.05),
            window_low_c=normal(595.0, 8.0),
            desorption_ea_ev=normal(2.0, 0.1),
            window_high_c=normal(775.0, 8.0),
            tungsten_stability_shift_c=normal(80.0, 8.0),
            tungsten_volatility_ratio=lognormal(0.1, 0.15),
            tungsten_volatility_ea_ev=normal(1.5, 0.1),
            pressure_exponent=normal(0.3, 0.03),
            chalcogen_excess=lognormal(11.0, 0.15),
            selenium_reactivity=lognormal(5.0, 0.2),
            selenium_dry_reactivity=normal(0.01, 0.002),
            selenium_h2_half_sccm=lognormal(3.0, 0.2),
            promoter_shift_c=normal(75.0, 10.0),
            nucleation_ref_um2=lognormal(1e-3, 0.2),
            nucleation_ea_ev=normal(2.0, 0.15),
            nucleation_supply_exponent=normal(0.5, 0.05),
            sapphire_nucleation_factor=lognormal(2.0, 0.15),
            edge_velocity_ref_um_min=lognormal(0.8, 0.2),
            growth_ea_ev=normal(0.5, 0.1),
            bilayer_rate_ref_per_s=lognormal(2.3e-5, 0.2),
            bilayer_supply_exponent=normal(4.0, 0.2),
            multilayer_supply_half=lognormal(10.0, 0.2),
            vacancy_floor_cm2=lognormal(5e11, 0.2),
            vacancy_ratio_cm2=lognormal(3e12, 0.2),
            thermal_vacancy_ref_cm2=lognormal(1e11, 0.2),
            thermal_vacancy_ea_ev=normal(3.5, 0.15),
            cold_vacancy_ref_cm2=lognormal(3e11, 0.2),
            cold_vacancy_ea_ev=normal(2.5, 0.15),
        )

    def draw_activity(self, rng: np.random.Generator) -> float:
        """One run's nucleation activity κ (lognormal, median 1): pass it to ``TmdSample(activity=κ)``."""
        return math.exp(self.activity_sigma * float(rng.normal()))


class TmdRates(NamedTuple):
    """What one set of conditions implies for one run: the shared rate equations of the model."""

    metal_supply: float  # m
    chalcogen_supply: float  # c (its reacting part)
    supply: float  # s
    critical_supply: float  # s_c of this run (divided by κ)
    nucleation_eq_um2: float  # N_eq, µm⁻² (0 unless s > s_c)
    edge_velocity_um_s: float  # v, µm/s
    bilayer_rate_per_s: float  # du₂/dt
    multilayer_rate_per_s: float  # du₃/dt
    x_w: float  # W fraction of newly grown film
    y_se: float  # Se fraction of newly grown film
    vacancy_uptake_cm2: float  # chalcogen vacancies of newly grown film, cm⁻²


def _vapour_pressure_pa(pa_ref: float, ea_ev: float, reference_k: float, temperature_c: float) -> float:
    """Clausius–Clapeyron vapour pressure from one reference point."""
    return pa_ref * _arrhenius(ea_ev, temperature_c + KELVIN_OFFSET_K, reference_k)


def growth_rates(truth: TmdTruth, conditions: TmdConditions, activity: float = 1.0) -> TmdRates:
    """Evaluate the rate equations (module docstring) for one set of conditions and a run's activity κ > 0."""
    t_k = conditions.growth_c + KELVIN_OFFSET_K
    t_eff = t_k + (truth.promoter_shift_c if conditions.promoter else 0.0)
    w = conditions.precursor_w_fraction
    f = conditions.chalcogen_se_fraction
    sublimation = (
        (ATMOSPHERE_TORR + PRESSURE_FLOOR_TORR) / (conditions.pressure_torr + PRESSURE_FLOOR_TORR)
    ) ** truth.pressure_exponent
    w_share = w * truth.tungsten_volatility_ratio * _arrhenius(truth.tungsten_volatility_ea_ev, t_eff)
    metal = (
        conditions.precursor_mg / STANDARD_PRECURSOR_MG
        * sublimation
        * _arrhenius(truth.oxide_volatility_ea_ev, t_eff, truth.window_low_c + KELVIN_OFFSET_K)
        * (1.0 - w + w_share)
    )
    h2 = conditions.h2_sccm
    se_reactivity = truth.selenium_reactivity * (
        truth.selenium_dry_reactivity + (1.0 - truth.selenium_dry_reactivity) * h2 / (h2 + truth.selenium_h2_half_sccm)
    )
    carrier = math.sqrt(REFERENCE_FLOW_SCCM / (conditions.ar_sccm + h2 + DIFFUSION_FLOW_SCCM))
    scale = truth.chalcogen_excess * sublimation * carrier * conditions.chalcogen_share / SULFUR_VAPOUR_PA
    sulfur = scale * (1.0 - f) * _vapour_pressure_pa(
        SULFUR_VAPOUR_PA, SULFUR_VAPOUR_EV, SULFUR_REFERENCE_K, conditions.chalcogen_c
    )
    selenium = scale * f * se_reactivity * _vapour_pressure_pa(
        SELENIUM_VAPOUR_PA, SELENIUM_VAPOUR_EV, SELENIUM_REFERENCE_K, conditions.chalcogen_c
    )
    chalcogen = sulfur + selenium
    x_w = w_share / (1.0 - w + w_share) if metal > 0.0 else 0.0
    y_se = selenium / chalcogen if chalcogen > 0.0 else 0.0
    supply = metal * chalcogen / (metal + chalcogen) if metal > 0.0 and chalcogen > 0.0 else 0.0
    edge_c = truth.window_high_c + x_w * truth.tungsten_stability_shift_c
    critical = (1.0 + _arrhenius(truth.desorption_ea_ev, t_eff, edge_c + KELVIN_OFFSET_K)) / activity
    net = supply - critical
    if net <= 0.0:
        return TmdRates(metal, chalcogen, supply, critical, 0.0, 0.0, 0.0, 0.0, x_w, y_se, 0.0)
    nucleation = (
        truth.nucleation_ref_um2
        * _arrhenius(-truth.nucleation_ea_ev, t_eff)
        * net**truth.nucleation_supply_exponent
        * (truth.sapphire_nucleation_factor if conditions.substrate == "sapphire" else 1.0)
    )
    velocity = truth.edge_velocity_ref_um_min / 60.0 * _arrhenius(truth.growth_ea_ev, t_eff) * net
    bilayer = truth.bilayer_rate_ref_per_s * net**truth.bilayer_supply_exponent
    multilayer = bilayer * net / (net + truth.multilayer_supply_half)
    ratio = metal / chalcogen
    vacancies = (
        truth.vacancy_floor_cm2
        + truth.vacancy_ratio_cm2 * ratio / (1.0 + ratio / VACANCY_SATURATION_RATIO)
        + truth.thermal_vacancy_ref_cm2 * _arrhenius(truth.thermal_vacancy_ea_ev, t_k)
        + truth.cold_vacancy_ref_cm2 * _arrhenius(-truth.cold_vacancy_ea_ev, t_eff)
    )
    return TmdRates(
        metal, chalcogen, supply, critical, nucleation, velocity, bilayer, multilayer, x_w, y_se, vacancies
    )


@dataclass(frozen=True, slots=True)
class TmdSample:
    """State of the film on one substrate; the default is a bare substrate of a median run (κ = 1).

    Domains are described by the moments of their radius distribution per µm² of substrate (Σ1, Σr,
    Σr²), which keeps the JMAK coverage exact for any nucleation history.  Composition and vacancies
    are area integrals over the growth history (∫x dθ, ∫y dθ, ∫d dθ).
    """

    activity: float = 1.0  # κ > 0: this run's nucleation activity (see TmdTruth.draw_activity)
    substrate: str = "SiO2/Si"  # set by growth_step from the conditions
    nucleation_density_um2: float = 0.0  # N: domains per µm²
    extended_nucleation_um2: float = 0.0  # nuclei per µm² counting phantoms on covered area (JMAK)
    radius_sum_um: float = 0.0  # Σ r_i per µm², µm/µm²
    radius_sq_sum: float = 0.0  # Σ r_i² per µm² (dimensionless)
    bilayer_progress: float = 0.0  # u₂
    multilayer_progress: float = 0.0  # u₃
    tungsten_integral: float = 0.0  # ∫ x dθ
    selenium_integral: float = 0.0  # ∫ y dθ
    vacancy_integral_cm2: float = 0.0  # ∫ d dθ, cm⁻²

    @property
    def coverage(self) -> float:
        """Fraction θ of the substrate covered by the film (JMAK)."""
        return -math.expm1(-math.pi * self.radius_sq_sum)

    @property
    def grew(self) -> bool:
        """Whether the run grew a film (≥ GROWTH_DETECTION_COVERAGE); False is a no-growth outcome."""
        return self.coverage >= GROWTH_DETECTION_COVERAGE

    @property
    def domain_size_um(self) -> float:
        """Diameter in µm of the circle with the mean covered area per domain, θ/N."""
        if self.nucleation_density_um2 <= 0.0:
            return 0.0
        return 2.0 * math.sqrt(self.coverage / (math.pi * self.nucleation_density_um2))

    @property
    def multilayer_fraction(self) -> float:
        """Share of the covered area with ≥ 3 layers."""
        return -math.expm1(-self.multilayer_progress)

    @property
    def bilayer_fraction(self) -> float:
        """Share of the covered area with exactly 2 layers."""
        return -math.expm1(-self.bilayer_progress) - self.multilayer_fraction

    @property
    def monolayer_fraction(self) -> float:
        """Share of the covered area that is monolayer."""
        return math.exp(-self.bilayer_progress)

    @property
    def monolayer_coverage(self) -> float:
        """Fraction of the substrate covered by monolayer."""
        return self.coverage * self.monolayer_fraction

    def _film_mean(self, integral: float) -> float:
        theta = self.coverage
        return integral / theta if theta > 0.0 else 0.0

    @property
    def x_w(self) -> float:
        """Film-average W fraction on the metal site (0 when bare)."""
        return self._film_mean(self.tungsten_integral)

    @property
    def y_se(self) -> float:
        """Film-average Se fraction on the chalcogen site (0 when bare)."""
        return self._film_mean(self.selenium_integral)

    @property
    def defect_density_cm2(self) -> float:
        """Film-average chalcogen-vacancy density in cm⁻² (0 when bare)."""
        return self._film_mean(self.vacancy_integral_cm2)

    def spots(self, n: int, rng: np.random.Generator) -> list[TmdSpot]:
        """What a map of ``n`` independent random spots sees.

        A spot is bare with probability 1 − θ, else has 1, 2 or 3+ layers with the monolayer, bilayer
        and multilayer fractions.  Film spots carry the film composition and the film's vacancy density
        times a mean-one lognormal spatial factor (σ = ``DEFECT_SPATIAL_SIGMA``).
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        theta = self.coverage
        shares = (1.0 - theta, theta * self.monolayer_fraction, theta * self.bilayer_fraction,
                  theta * self.multilayer_fraction)
        layers = rng.choice(4, size=n, p=shares)
        spatial = rng.lognormal(-0.5 * DEFECT_SPATIAL_SIGMA**2, DEFECT_SPATIAL_SIGMA, n)
        bare = TmdSpot(layers=0, defect_density_cm2=0.0, substrate=self.substrate)
        film = TmdSpot(layers=1, x_w=self.x_w, y_se=self.y_se, substrate=self.substrate)
        density = self.defect_density_cm2
        return [
            replace(film, layers=int(k), defect_density_cm2=float(density * f)) if k else bare
            for k, f in zip(layers, spatial, strict=True)
        ]


def growth_step(sample: TmdSample, conditions: TmdConditions, dt_s: float, truth: TmdTruth) -> TmdSample:
    """Advance the film by ``dt_s`` seconds at constant ``conditions``.

    Exact for any ``dt_s`` while the conditions are constant.  A twin calls it every ≤ 1 s with the
    current zone temperatures, flows and pressure; ramps then converge to ~1e-5 (1–2 s steps against
    0.25 s steps).  The run's activity κ travels with the sample.
    """
    _check_real("dt_s", dt_s, 0.0)
    rates = growth_rates(truth, conditions, sample.activity)
    n0 = sample.nucleation_density_um2
    n_ext = sample.extended_nucleation_um2
    theta0 = sample.coverage
    if rates.nucleation_eq_um2 > n_ext:  # JMAK: the nuclei on covered area are phantoms
        n0 += (1.0 - theta0) * (rates.nucleation_eq_um2 - n_ext)
        n_ext = rates.nucleation_eq_um2
    v = rates.edge_velocity_um_s
    m1 = sample.radius_sum_um
    m2 = sample.radius_sq_sum + 2.0 * v * m1 * dt_s + v * v * n0 * dt_s * dt_s
    grown = -math.expm1(-math.pi * m2) - theta0
    return TmdSample(
        activity=sample.activity,
        substrate=conditions.substrate,
        nucleation_density_um2=n0,
        extended_nucleation_um2=n_ext,
        radius_sum_um=m1 + v * n0 * dt_s,
        radius_sq_sum=m2,
        bilayer_progress=sample.bilayer_progress + rates.bilayer_rate_per_s * dt_s,
        multilayer_progress=sample.multilayer_progress + rates.multilayer_rate_per_s * dt_s,
        tungsten_integral=sample.tungsten_integral + rates.x_w * grown,
        selenium_integral=sample.selenium_integral + rates.y_se * grown,
        vacancy_integral_cm2=sample.vacancy_integral_cm2 + rates.vacancy_uptake_cm2 * grown,
    )


def grow(truth: TmdTruth, conditions: TmdConditions, growth_s: float, activity: float = 1.0) -> TmdSample:
    """Constant-conditions shortcut: ``growth_s`` seconds of growth for a run with nucleation activity κ.

    Heating and cooling are not simulated: the chalcogen is taken to arrive when growth starts and to
    stop when it ends.  One call of :func:`growth_step`, which is exact for constant conditions.
    """
    _check_real("growth_s", growth_s, 0.0)
    _check_real("activity", activity, 0.0, low_open=True)
    return growth_step(TmdSample(activity=activity, substrate=conditions.substrate), conditions, growth_s, truth)


def success_probability(truth: TmdTruth, conditions: TmdConditions, growth_s: float) -> float:
    """Probability over the run-to-run activity κ that a constant-conditions run grows (``grew``).

    Coverage rises monotonically with κ, so this is P(κ > κ*) for the threshold κ* found by bisection.
    """

    def margin(log_kappa: float) -> float:
        return grow(truth, conditions, growth_s, math.exp(log_kappa)).coverage - GROWTH_DETECTION_COVERAGE

    bound = 8.0 * truth.activity_sigma
    if margin(bound) < 0.0:
        return 0.0
    if margin(-bound) >= 0.0:
        return 1.0
    threshold = brentq(margin, -bound, bound, xtol=1e-6)
    return float(norm.sf(threshold / truth.activity_sigma))


def expected_quality(sample: TmdSample) -> float:
    """Ideal campaign objective: θ·(monolayer fraction)·E[exp(−d_spot/1e13 cm⁻²)], in [0, 1].

    The spot vacancy density is the film mean times a mean-one lognormal (σ = ``DEFECT_SPATIAL_SIGMA``);
    the expectation is taken by Gauss–Hermite quadrature.
    """
    theta = sample.coverage
    if theta <= 0.0:
        return 0.0
    scaled = sample.defect_density_cm2 / VACANCY_QUALITY_SCALE_CM2
    sigma = DEFECT_SPATIAL_SIGMA
    mean_q = sum(w * math.exp(-scaled * math.exp(sigma * z - 0.5 * sigma**2)) for w, z in _NORMAL_QUADRATURE)
    return theta * sample.monolayer_fraction * mean_q


# ----------------------------------------------------------------------------------------------
# Standard MoS2 search space and its optimum (for benchmarks: "% of optimum")

STANDARD_SPACE: dict[str, tuple[float, float, bool]] = {  # name: (low, high, log-scaled)
    "growth_c": (550.0, 950.0, False),
    "chalcogen_c": (100.0, 250.0, False),
    "ar_sccm": (10.0, 200.0, True),
    "precursor_mg": (1.0, 50.0, True),
    "growth_min": (5, 30, False),  # integer minutes
}
PROMOTER_CHOICES = (False, True)  # the categorical variable of the standard space
_CONTINUOUS = ("growth_c", "chalcogen_c", "ar_sccm", "precursor_mg")


@dataclass(frozen=True, slots=True)
class TmdRecipe:
    """A constant-conditions growth recipe; the standard space varies all but the last five fields."""

    growth_c: float
    chalcogen_c: float
    ar_sccm: float
    precursor_mg: float
    growth_min: int
    promoter: bool = False
    h2_sccm: float = 0.0
    precursor_w_fraction: float = 0.0
    chalcogen_se_fraction: float = 0.0
    pressure_torr: float = ATMOSPHERE_TORR
    substrate: str = "SiO2/Si"

    def conditions(self) -> TmdConditions:
        """Growth conditions of this recipe."""
        return TmdConditions(
            growth_c=self.growth_c,
            chalcogen_c=self.chalcogen_c,
            pressure_torr=self.pressure_torr,
            ar_sccm=self.ar_sccm,
            h2_sccm=self.h2_sccm,
            precursor_w_fraction=self.precursor_w_fraction,
            chalcogen_se_fraction=self.chalcogen_se_fraction,
            precursor_mg=self.precursor_mg,
            promoter=self.promoter,
            substrate=self.substrate,
        )


def recipe_quality(truth: TmdTruth, recipe: TmdRecipe) -> float:
    """Expected objective of one recipe, averaged over the run-to-run activity κ (failures score 0)."""
    conditions = recipe.conditions()
    seconds = 60.0 * recipe.growth_min
    return sum(
        w * expected_quality(grow(truth, conditions, seconds, math.exp(truth.activity_sigma * z)))
        for w, z in _NORMAL_QUADRATURE
    )


GROWTH_GRID_C = tuple(range(600, 901, 20))
SULFUR_ZONE_C, SELENIUM_ZONE_C, SELENIUM_H2_SCCM = 145.0, 280.0, 10.0


def _share(truth: TmdTruth, recipe: TmdRecipe, field: str, film_fraction: float) -> float:
    """The powder share (``field``) that gives a film fraction ``film_fraction`` under ``recipe``'s conditions."""
    if film_fraction in (0.0, 1.0):
        return film_fraction
    attribute = "x_w" if field == "precursor_w_fraction" else "y_se"

    def excess(share: float) -> float:
        conditions = replace(recipe, **{field: share}).conditions()
        return getattr(growth_rates(truth, conditions), attribute) - film_fraction

    return float(brentq(excess, 0.0, 1.0, xtol=1e-9))


def standard_recipe(truth: TmdTruth, x_w: float, y_se: float) -> TmdRecipe:
    """The recipe of the standard grid with the best expected quality (:func:`recipe_quality`) for a film
    Mo(1−x)W(x)S(2(1−y))Se(2y) in world ``truth``.

    The grid: growth zone 600–900 °C in 20 °C steps; S zone at 145 °C, or a 280 °C zone with 10 sccm H2 when
    Se is needed; Ar 75 sccm, 10 mg oxide, 15 min, no promoter. At each point the WO3 share of the oxide and
    the Se share of the chalcogen powder are solved so the film has the composition (:func:`growth_rates`).
    With the hidden truth this is what a converged campaign grows; with :meth:`TmdTruth.nominal`, the
    literature recipe a lab starts from.
    """
    selenide = y_se > 0
    best, best_quality = None, -math.inf
    for growth_c in GROWTH_GRID_C:
        recipe = TmdRecipe(growth_c=float(growth_c), chalcogen_c=SELENIUM_ZONE_C if selenide else SULFUR_ZONE_C,
                           ar_sccm=75.0, precursor_mg=10.0, growth_min=15,
                           h2_sccm=SELENIUM_H2_SCCM if selenide else 0.0)
        recipe = replace(recipe, precursor_w_fraction=_share(truth, recipe, "precursor_w_fraction", x_w))
        recipe = replace(recipe, chalcogen_se_fraction=_share(truth, recipe, "chalcogen_se_fraction", y_se))
        quality = recipe_quality(truth, recipe)
        if quality > best_quality:
            best, best_quality = recipe, quality
    return best


def _from_unit(unit: np.ndarray, growth_min: int, promoter: bool) -> TmdRecipe:
    """A recipe from the continuous variables mapped to [0, 1] (log-scaled ones in log space), clipped to the box."""
    values = {}
    for name, x in zip(_CONTINUOUS, np.clip(unit, 0.0, 1.0), strict=True):
        low, high, log = STANDARD_SPACE[name]
        values[name] = float(low * (high / low) ** x) if log else float(low + x * (high - low))
    return TmdRecipe(growth_min=growth_min, promoter=promoter, **values)


def _draws(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, int, bool]]:
    """Uniform random points of the standard space as (unit vector of the continuous variables, minutes, promoter)."""
    low_min, high_min, _ = STANDARD_SPACE["growth_min"]
    return [
        (rng.random(len(_CONTINUOUS)), int(rng.integers(low_min, high_min + 1)),
         PROMOTER_CHOICES[int(rng.integers(len(PROMOTER_CHOICES)))])
        for _ in range(n)
    ]


def sample_recipes(n: int, rng: np.random.Generator) -> list[TmdRecipe]:
    """Uniformly random recipes of the standard space: log-uniform where log-scaled, integer minutes."""
    return [_from_unit(*draw) for draw in _draws(n, rng)]


def find_optimum(truth: TmdTruth, n_random: int = 1000, seed: int = 0, n_polish: int = 3) -> tuple[TmdRecipe, float]:
    """Best expected objective over the standard space, and the recipe that reaches it.

    Random sampling (``n_random`` recipes, as :func:`sample_recipes` with ``default_rng(seed)``), then
    bounded Nelder–Mead over the continuous variables from each of the ``n_polish`` best samples, at
    the sample's growth time and at the longest one.  Takes ~1 s with the defaults.
    """
    draws = _draws(n_random, np.random.default_rng(seed))
    values = [recipe_quality(truth, _from_unit(*draw)) for draw in draws]
    best = int(np.argmax(values))
    best_recipe, best_value = _from_unit(*draws[best]), values[best]
    longest = int(STANDARD_SPACE["growth_min"][1])
    for index in np.argsort(values)[-n_polish:]:
        unit, own_minutes, promoter = draws[int(index)]
        for minutes in {own_minutes, longest}:

            def loss(x: np.ndarray, minutes: int = minutes, promoter: bool = promoter) -> float:
                return -recipe_quality(truth, _from_unit(x, minutes, promoter))

            result = minimize(loss, unit, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(_CONTINUOUS),
                              options={"xatol": 1e-3, "fatol": 1e-5})
            recipe = _from_unit(result.x, minutes, promoter)
            value = recipe_quality(truth, recipe)
            if value > best_value:
                best_recipe, best_value = recipe, value
    return best_recipe, best_value
