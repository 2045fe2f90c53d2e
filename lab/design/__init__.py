"""Inverse design: propose candidate compositions for a target property, and the discovery loop.

- `flows`: the Prefect flows `design` (ranked candidates) and `discover` (design → synthesize → learn).
- `twin`: a fast stand-in for a synthesis campaign in the TMD twin (grow a composition, measure its PL gap).

Orchestration only; the work is done by `planners.materials`. Imports: the campaign loop, the run history,
analysis; never command-line code.
"""
