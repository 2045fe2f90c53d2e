"""The safety layer: nothing reaches a device without passing the station's limits and interlocks.

- `limits`: station limits applied to recipes and search spaces before anything runs.
- `rules`: the interlock rules, pure functions deciding whether one device command may reach its driver.
- `interlock`: the interlock at the driver boundary (`Interlock.call`), wrapping every driver of a station.
- `latch`: the latched safe state, kept across processes until an operator clears it.
- `watchdog`: the lease a growth holds; a silent orchestrator ends latched.
- `suspenders`: Bluesky suspenders on out-of-range readings.
- `audit`: the append-only audit log of every command.
- `safeguards`: all of the above for one station in one process.

Imports: `devices`, `planners`, `lab.recipe`, `lab.errors`, `lab.home`; never campaign, design, history or
command-line code (an import-linter contract in pyproject.toml).
"""
