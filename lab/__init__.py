"""sdlab's lab layer: the only package that sees planners, devices and simulators together.

One subpackage per concern, each importing only the ones below it (import-linter contracts in pyproject.toml):

- `cli`: the command line (`sdlab`), front ends only; imported by nothing.
- `deploy`: a lab on one machine without Docker (PostgreSQL, Prefect server, tiled, a worker per station).
- `design`: inverse design flows (`design`, `discover`).
- `campaign`: the campaign loop: config, Bluesky plans, the session, Prefect flows, approval, fleet.
- `history`: the run history: the tiled catalog, history tables, campaign records.
- `safety`: limits, interlock, latch, watchdog, suspenders, audit log.
- `spectra`: a lab's own spectrum files (text, .wdf, .spc, JCAMP-DX) read and analysed.
- `analysis`: Raman and PL spectra → figures of merit (pure: no Prefect, no Bluesky).
- shared by all: `settings` (station and campaign files), `slots` (a run's slots' local conditions), `materials`
  (what can be grown), `recipe` (growth recipes), `errors` (`UserError`), `files` (files the CLI reads and writes,
  checked first), `home` (`$SDLAB_HOME`), `reaper` (helper processes that die with their owner), `heap` (the
  garbage collector while a campaign process builds its lasting heap), `protocol_checks` (Bluesky's runtime protocol
  checks at Python 3.12's cost on 3.11).
"""
