"""Errors the CLI turns into one line: a user's (exit code 2) and a helper service's (exit code 1)."""

from __future__ import annotations

from pydantic import ValidationError


class UserError(ValueError):
    """Bad input (config, parameters, ids): says what is wrong and how to fix it."""


class ServiceError(RuntimeError):
    """A helper service (Prefect's temporary server) did not start: says why and where to look, in one line."""


def describe_validation(source: str, error: ValidationError) -> UserError:
    """One line naming the first invalid field of a pydantic error."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return UserError(f"{source}: {where}: {first['msg']}{more}")
