"""Operator approval on real hardware: the approved box, when a proposal needs approval, and the answer.

A run campaign (`sdlab run`) asks the operator before the first heating of the campaign and whenever the
planner proposes parameters outside the box the operator approved (`approved:` in the campaign file). The
flow pauses with an `Approval` form; the operator answers in the terminal or the Prefect UI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prefect.input import RunInput

from lab.errors import UserError
from planners import Categorical, Space

FIRST_HEATING = "first heating of this campaign"
MAX_REJECTIONS = 3  # proposals the operator rejects in a row before a run campaign stops


class CampaignStopped(RuntimeError):
    """A run campaign stopped before its budget for want of approval (no answer in time, or rejections in a row);
    nothing recorded is lost and no growth is running: it continues with `sdlab resume`."""


@dataclass(frozen=True)
class ApprovedBox:
    """Per-parameter [low, high] bounds the operator approved; parameters it does not name are approved over
    the whole search space (an empty box approves the whole space)."""

    bounds: Mapping[str, tuple[float, float]]

    @classmethod
    def within(cls, bounds: Mapping[str, tuple[float, float]], space: Space) -> ApprovedBox:
        """The box of `bounds`, checked against the campaign's search space (UserError naming the field)."""
        for name, (low, high) in bounds.items():
            field = f"campaign: approved.{name}"
            if name not in space.names:
                raise UserError(f"{field}: not a parameter of the search space ({', '.join(space.names)})")
            parameter = space[name]
            if isinstance(parameter, Categorical):
                raise UserError(f"{field}: a categorical parameter; only numeric parameters take [low, high]")
            if low >= high:
                raise UserError(f"{field}: low ({low:g}) must be smaller than high ({high:g})")
            if low < parameter.low or high > parameter.high:
                raise UserError(f"{field}: [{low:g}, {high:g}] reaches outside the search space "
                                f"[{parameter.low:g}, {parameter.high:g}]")
        return cls({name: (float(low), float(high)) for name, (low, high) in bounds.items()})

    def violations(self, params: Mapping[str, Any]) -> list[str]:
        """One phrase per parameter of `params` outside the box, e.g. 'ch4_sccm 12 outside approved [1, 10]'."""
        return [f"{name} {params[name]:g} outside approved [{low:g}, {high:g}]"
                for name, (low, high) in self.bounds.items() if not low <= params[name] <= high]


def approval_reason(params: Mapping[str, Any], box: ApprovedBox, *, first_heating: bool) -> str | None:
    """Why `params` need the operator's approval, or None when they do not."""
    reasons = ([FIRST_HEATING] if first_heating else []) + box.violations(params)
    return "; ".join(reasons) or None


def describe_request(experiment_id: str, params: Mapping[str, Any], reason: str, box: ApprovedBox) -> str:
    """The markdown an operator sees with the approval form: the proposal, why it is asked, the approved box."""
    def row(name: str, value: Any) -> str:
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        bounds = box.bounds.get(name)
        return f"| `{name}` | {shown} | {'any' if bounds is None else f'[{bounds[0]:g}, {bounds[1]:g}]'} |"

    return "\n".join([f"**Approve experiment {experiment_id}?**", "", f"Reason: {reason}", "",
                      "| parameter | proposed | approved |", "|---|---|---|",
                      *(row(name, value) for name, value in params.items()), "",
                      "Approve to run the growth; reject to have the planner propose again."])


class Approval(RunInput):
    """The operator's answer to a paused run campaign. Resuming without an answer rejects."""

    approve: bool = False
    note: str = ""
