"""The campaign loop: propose → grow → characterize → analyze → learn, on a simulated or real station.

- `drivers`: the choice of driver (sim or serial) for every device of a station.
- `space`: a campaign's search space and default recipe, checked against its station (`campaign_plan`).
- `plans`: the Bluesky plans (`cvd_growth`, `characterize`, `safe_state`).
- `session`: one campaign's station, RunEngine, store and planner wired together (`LabSession`).
- `flows`: the Prefect flows and tasks that run a session (`campaign`, one task per experiment).
- `approval`: the operator's approved box and approval requests of run campaigns.
- `plots`: figures for run reviews, drawn in a worker process.
- `prefect_server`: Prefect's temporary server of a campaign process.
- `fleet`: the deployable `station-campaign` flow and parallel simulated campaigns on Dask.

Imports: the safety layer, the run history, analysis, and `devices`, `planners`, `simulators`; never design or
command-line code.
"""
