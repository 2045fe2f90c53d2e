"""Errors a user can fix; the CLI turns them into one line and exit code 2."""

from __future__ import annotations

from pydantic import ValidationError


class UserError(ValueError):
    """Bad input (config, parameters, ids): says what is wrong and how to fix it."""


def describe_validation(source: str, error: ValidationError) -> UserError:
    """One line naming the first invalid field of a pydantic error."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return UserError(f"{source}: {where}: {first['msg']}{more}")
