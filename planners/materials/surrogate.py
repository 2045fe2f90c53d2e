"""A torch deep ensemble predicting the monolayer optical band gap, with calibrated uncertainty.

Features (``features``): the six bilinear end-member weights x_M·y_X (a linear model on them is Vegard's
law for the gap), the four mixing products x_Mo·x_W, y_S·y_Se, y_S·y_Te, y_Se·y_Te (a linear model on them
adds bowing), and the Vegard lattice constant.

Model (``BandgapEnsemble``): ``members`` small MLPs (2 hidden SiLU layers), each predicting a mean and a
variance, trained on standardized data with a Gaussian negative log-likelihood (mean-squared error for the
first third of the epochs) and Bayesian-bootstrap weights per member (Lakshminarayanan et al., NeurIPS 2017,
with bagging for diversity on tiny data). The prediction is the mixture: mean of the means, variance =
mean of (variance + mean²) − mean².

Calibration: ``folds``-fold cross-validation gives out-of-fold z-scores z = (y − μ)/σ; the scale s is the
empirical 90 % quantile of |z| divided by 1.645, so μ ± 1.645·s·σ covers ≈ 90 % of the held-out folds;
``std`` returned by ``predict`` is s·σ. The quantile is also taken over each kind of measurement with at least
``CALIBRATION_GROUP`` rows (literature measurements, values derived from published fits, lab measurements), and
the largest counts: a minority the model fits worse (a few lab films, the derived values) must be covered too,
not outvoted by the rest. Folds that hold out an end member ask the model to extrapolate, so
on compositions inside the data the interval tends to cover more than 90 % (the benchmark reports it).
Training is deterministic for a seed; the state (``as_dict``) holds the weights, so ``from_dict`` restores
predictions without retraining.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Self

import numpy as np
import torch
from scipy.stats import norm

from planners.materials.chemistry import LATTICE_A, METALS, Candidate, composition_matrix, vegard
from planners.materials.measurements import Measurement
from planners.materials.threads import limited_threads

Z90 = float(norm.ppf(0.95))
"""Half-width of the central 90 % interval of a standard normal (1.645)."""
_PARAMS = ("w1", "b1", "w2", "b2", "w3", "b3")
CALIBRATION_GROUP = 3
"""Fewest measurements of one kind whose own 90 % quantile of |z| the calibration covers (module docs)."""


def features(matrix: np.ndarray) -> np.ndarray:
    """Model features of a composition matrix (``chemistry.SPECIES`` columns); see the module docs."""
    metals, chalcogens = matrix[:, : len(METALS)], matrix[:, len(METALS) :]
    bilinear = (metals[:, :, None] * chalcogens[:, None, :]).reshape(len(matrix), -1)
    k = chalcogens.shape[1]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    mixing = [metals[:, 0] * metals[:, 1]] + [chalcogens[:, i] * chalcogens[:, j] for i, j in pairs]
    return np.column_stack([bilinear, *mixing, vegard(matrix, LATTICE_A)])


def calibration_scale(z: np.ndarray, kinds: Sequence[str]) -> float:
    """The scale s of the standard deviation from out-of-fold |z| scores and each row's kind of measurement:
    the largest 90 % quantile over all rows and over each kind with at least CALIBRATION_GROUP rows, / 1.645."""
    labels = np.asarray(kinds)
    groups = [z, *(z[labels == kind] for kind in sorted(set(kinds)) if np.sum(labels == kind) >= CALIBRATION_GROUP)]
    return max(float(np.quantile(group, 0.9)) for group in groups) / Z90


def _as_matrix(candidates: Sequence[Candidate] | np.ndarray) -> np.ndarray:
    if isinstance(candidates, np.ndarray):
        return candidates
    return composition_matrix(list(candidates))


class _Ensemble(torch.nn.Module):
    """``members`` MLPs evaluated together with batched matrix products."""

    def __init__(self, members: int, inputs: int, hidden: int, generator: torch.Generator) -> None:
        super().__init__()

        def weight(n_in: int, n_out: int) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.randn(members, n_in, n_out, generator=generator, dtype=torch.float64)
                                      * math.sqrt(2.0 / n_in))

        def bias(n_out: int) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.zeros(members, 1, n_out, dtype=torch.float64))

        self.w1, self.b1 = weight(inputs, hidden), bias(hidden)
        self.w2, self.b2 = weight(hidden, hidden), bias(hidden)
        self.w3, self.b3 = weight(hidden, 2), bias(2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.nn.functional.silu(torch.matmul(x, self.w1) + self.b1)
        h = torch.nn.functional.silu(torch.matmul(h, self.w2) + self.b2)
        out = torch.matmul(h, self.w3) + self.b3
        return out[..., 0], torch.nn.functional.softplus(out[..., 1]) + 1e-3


class BandgapEnsemble:
    """Deep-ensemble band-gap model: ``fit``/``update`` with measurements, ``predict`` mean and calibrated std.

    ``BandgapEnsemble(seed=0).fit(literature_bandgaps())``; after a PL measurement,
    ``model.update([Measurement(candidate, 1.71)])`` retrains on everything seen so far.
    """

    def __init__(
        self,
        *,
        members: int = 8,
        hidden: int = 32,
        epochs: int = 600,
        learning_rate: float = 0.01,
        weight_decay: float = 1e-4,
        folds: int = 5,
        seed: int = 0,
    ) -> None:
        for name, value, low in (("members", members, 2), ("hidden", hidden, 1), ("epochs", epochs, 1),
                                 ("folds", folds, 2), ("seed", seed, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if not (learning_rate > 0 and weight_decay >= 0):
            raise ValueError(f"need learning_rate > 0 and weight_decay >= 0, got {learning_rate}, {weight_decay}")
        self.config = {"members": members, "hidden": hidden, "epochs": epochs, "learning_rate": learning_rate,
                       "weight_decay": weight_decay, "folds": folds, "seed": seed}
        self._measurements: list[Measurement] = []
        self._net: _Ensemble | None = None
        self._x_scale = self._y_scale = (np.zeros(0), np.ones(0))
        self.calibration_scale = 1.0
        self.calibration_coverage: float | None = None

    @property
    def measurements(self) -> tuple[Measurement, ...]:
        """Everything the model was trained on, in order."""
        return tuple(self._measurements)

    def _train(self, x: np.ndarray, y: np.ndarray, seed: int) -> tuple[_Ensemble, tuple, tuple]:
        """Train one ensemble on raw features ``x`` and targets ``y``; returns it with its scalings."""
        cfg = self.config
        x_mean, x_std = x.mean(axis=0), x.std(axis=0)
        x_std = np.where(x_std > 1e-9, x_std, 1.0)
        y_mean, y_std = float(y.mean()), max(float(y.std()), 0.05)
        generator = torch.Generator().manual_seed(seed)
        net = _Ensemble(cfg["members"], x.shape[1], cfg["hidden"], generator)
        xt = torch.as_tensor((x - x_mean) / x_std)
        yt = torch.as_tensor((y - y_mean) / y_std)
        weights = torch.as_tensor(np.random.default_rng(seed).dirichlet(np.full(len(y), 4.0), cfg["members"]) * len(y))
        optimizer = torch.optim.Adam(net.parameters(), lr=cfg["learning_rate"])
        warmup = cfg["epochs"] // 3
        for epoch in range(cfg["epochs"]):
            optimizer.zero_grad()
            mean, var = net(xt)
            if epoch < warmup:
                loss = (weights * (mean - yt) ** 2).mean()
            else:
                loss = (weights * 0.5 * (torch.log(var) + (mean - yt) ** 2 / var)).mean()
            penalty = sum((getattr(net, p) ** 2).sum() for p in ("w1", "w2", "w3"))
            (loss + cfg["weight_decay"] * penalty).backward()
            optimizer.step()
        return net, (x_mean, x_std), (y_mean, y_std)

    @staticmethod
    def _mixture(net: _Ensemble, x: np.ndarray, x_scale: tuple, y_scale: tuple) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            mean, var = net(torch.as_tensor((x - x_scale[0]) / x_scale[1]))
        mean, var = mean.numpy(), var.numpy()
        mu = mean.mean(axis=0)
        sigma = np.sqrt(np.maximum((var + mean**2).mean(axis=0) - mu**2, 0.0))
        return y_scale[0] + y_scale[1] * mu, y_scale[1] * sigma

    def fit(self, measurements: Iterable[Measurement]) -> Self:
        """Train on ``measurements`` (replacing earlier data), then calibrate by cross-validation.

        Trains on one thread (``threads.limited_threads``): the networks are far too small to gain from more.
        """
        with limited_threads():
            return self._fit(list(measurements))

    def _fit(self, data: list[Measurement]) -> Self:
        if not all(isinstance(m, Measurement) for m in data):
            raise ValueError("fit takes Measurement objects")
        if len(data) < 2:
            raise ValueError(f"need at least 2 measurements to fit, got {len(data)}")
        self._measurements = data
        x = features(composition_matrix([m.candidate for m in data]))
        y = np.array([m.bandgap_ev for m in data])
        seed = self.config["seed"]
        self._net, self._x_scale, self._y_scale = self._train(x, y, seed)
        folds = min(self.config["folds"], len(data))
        assignment = np.random.default_rng([seed, len(data)]).permutation(len(data)) % folds
        z = np.empty(len(data))
        for fold in range(folds):
            held = assignment == fold
            net, xs, ys = self._train(x[~held], y[~held], seed + 1 + fold)
            mu, sigma = self._mixture(net, x[held], xs, ys)
            z[held] = np.abs(y[held] - mu) / np.maximum(sigma, 1e-6)
        self.calibration_scale = calibration_scale(z, [m.kind for m in data])
        self.calibration_coverage = float(np.mean(z <= Z90 * self.calibration_scale))
        return self

    def update(self, measurements: Iterable[Measurement]) -> Self:
        """Add new measurements (e.g. the lab's PL results) and retrain on all data."""
        return self.fit([*self._measurements, *measurements])

    def predict(self, candidates: Sequence[Candidate] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and calibrated standard deviation (eV) for candidates or a composition matrix."""
        if self._net is None:
            raise ValueError("the model is not fitted; call fit(measurements) first")
        mu, sigma = self._mixture(self._net, features(_as_matrix(candidates)), self._x_scale, self._y_scale)
        return mu, sigma * self.calibration_scale

    def interval(
        self, candidates: Sequence[Candidate] | np.ndarray, level: float = 0.9
    ) -> tuple[np.ndarray, np.ndarray]:
        """Central ``level`` prediction interval (low, high) in eV."""
        if not 0 < level < 1:
            raise ValueError(f"level must lie in (0, 1), got {level}")
        mu, std = self.predict(candidates)
        half = float(norm.ppf(0.5 + level / 2)) * std
        return mu - half, mu + half

    def as_dict(self) -> dict[str, Any]:
        """The full state (configuration, data, weights, calibration), JSON-serializable."""
        if self._net is None:
            raise ValueError("the model is not fitted; nothing to serialize")
        return {
            "@class": "BandgapEnsemble",
            "config": dict(self.config),
            "measurements": [m.as_dict() for m in self._measurements],
            "weights": {p: getattr(self._net, p).detach().numpy().tolist() for p in _PARAMS},
            "x_scale": [s.tolist() for s in self._x_scale],
            "y_scale": list(self._y_scale),
            "calibration_scale": self.calibration_scale,
            "calibration_coverage": self.calibration_coverage,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BandgapEnsemble:
        """Rebuild a fitted model from ``as_dict()`` without retraining."""
        model = cls(**data["config"])
        model._measurements = [Measurement.from_dict(m) for m in data["measurements"]]
        cfg = model.config
        x_mean, x_std = (np.asarray(s, dtype=float) for s in data["x_scale"])
        model._net = _Ensemble(cfg["members"], len(x_mean), cfg["hidden"], torch.Generator().manual_seed(0))
        with torch.no_grad():
            for p in _PARAMS:
                getattr(model._net, p).copy_(torch.as_tensor(data["weights"][p], dtype=torch.float64))
        model._x_scale, model._y_scale = (x_mean, x_std), tuple(data["y_scale"])
        model.calibration_scale = float(data["calibration_scale"])
        model.calibration_coverage = data["calibration_coverage"]
        return model
