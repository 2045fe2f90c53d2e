"""Design and discovery requests, checked before anything heavy is imported (Prefect, torch, CHGNet): the target,
the constraints and the numbers, each wrong one a one-line ``UserError``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lab.errors import UserError
from planners.materials.constraints import parse_constraints, parse_target


@contextmanager
def user_errors() -> Iterator[None]:
    """Re-raise the library's ValueErrors (bad target, element, constraint) as one-line ``UserError``s."""
    try:
        yield
    except UserError:
        raise
    except ValueError as err:
        raise UserError(str(err)) from None


def check_request(target: str, constraints: str | None, top_k: int, seed: int, budget: int = 1) -> None:
    """Raise ``UserError`` naming the problem with a design or discovery request (before any flow starts)."""
    with user_errors():
        parse_target(target)
        parse_constraints(constraints or "")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise UserError(f"--top must be a positive integer, got {top_k!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {seed!r}")
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise UserError(f"--budget must be a positive number of campaigns, got {budget!r}")
