"""sdlab's lab layer: the only package that sees planners, devices and simulators together.

One subpackage per concern, each importing only the ones below it (import-linter contracts in pyproject.toml):

- `cli`: the command line (`sdlab`), front ends only; imported by nothing.
- `design`: inverse design flows (`design`, `discover`).
- `campaign`: the campaign loop: config, Bluesky plans, the session, Prefect flows, approval, fleet.
- `history`: the run history: the tiled catalog, history tables, campaign records.
- `safety`: limits, interlock, latch, watchdog, suspenders, audit log.
- `analysis`: Raman and PL spectra → figures of merit (pure: no Prefect, no Bluesky).
- shared by all: `materials` (what can be grown), `recipe` (growth recipes), `errors` (`UserError`),
  `home` (`$SDLAB_HOME`), `reaper` (helper processes that die with their owner), `heap` (the garbage collector
  while a campaign process builds its lasting heap).
"""
