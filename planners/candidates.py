"""Finite candidate pools: the rows of a DataFrame a planner may choose from."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from planners.space import ParamValue, Space


class CandidatePool:
    """The rows of a DataFrame that a planner may propose, validated against a space.

    Built by ``Space.candidates(frame)``; ``planner.ask(n, candidates=pool)`` then returns only points of
    the pool that are neither observed nor pending. Rules:

    * ``frame`` needs a column per parameter; a missing column raises ValueError naming it. Extra columns
      (sample ids, notes) are kept in ``frame`` and ignored by planners.
    * Every row must be a valid point: a value outside its bounds, a non-integer for an Integer parameter,
      an unknown category or a NaN raises ValueError naming the row label and the parameter. A bad row is a
      data error (wrong units, a typo), so it is reported, not skipped.
    * Rows that violate the space's linear constraints are dropped, and so are rows repeating an earlier
      row's parameter values (points are identified by their values); ``dropped`` holds their labels. A
      pool left empty raises ValueError.
    """

    def __init__(self, space: Space, frame: pd.DataFrame) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"candidates must be a pandas DataFrame, got {type(frame).__name__}")
        missing = [name for name in space.names if name not in frame.columns]
        if missing:
            raise ValueError(
                f"candidate frame is missing column(s) {missing} (it needs one column per parameter: "
                f"{', '.join(space.names)})"
            )
        kept: list[int] = []
        dropped: list[int] = []
        points: list[dict[str, ParamValue]] = []
        labels: dict[tuple[ParamValue, ...], Hashable] = {}
        rows = frame[list(space.names)].itertuples(index=False, name=None)
        for position, (label, row) in enumerate(zip(frame.index, rows, strict=True)):
            try:
                point = space.validate(dict(zip(space.names, row, strict=True)))
            except ValueError as err:
                raise ValueError(f"candidate row {label!r}: {err}") from None
            key = tuple(point.values())
            if key in labels or not all(c.satisfied(point) for c in space.constraints):
                dropped.append(position)
                continue
            kept.append(position)
            points.append(point)
            labels[key] = label
        if not points:
            raise ValueError(
                f"no candidate row satisfies the constraints {[c.expression for c in space.constraints]}"
            )
        self._space = space
        self._frame = frame.iloc[kept]
        self._dropped = frame.index[dropped]
        self._points = tuple(points)
        self._labels = labels

    @property
    def space(self) -> Space:
        """The space the rows were validated against."""
        return self._space

    @property
    def frame(self) -> pd.DataFrame:
        """The kept rows, with all their original columns and index labels."""
        return self._frame

    @property
    def dropped(self) -> pd.Index:
        """Labels of rows dropped for violating a constraint or repeating an earlier row."""
        return self._dropped

    @property
    def points(self) -> tuple[dict[str, ParamValue], ...]:
        """The kept rows as validated points (plain Python values), in row order."""
        return tuple(dict(p) for p in self._points)

    def __len__(self) -> int:
        return len(self._points)

    def locate(self, params: Mapping[str, Any]) -> Hashable:
        """The index label of the row holding ``params``; ValueError if the pool has no such row."""
        key = self._space.key(params)
        if key not in self._labels:
            raise ValueError(f"point {dict(params)!r} is not in the candidate pool")
        return self._labels[key]
