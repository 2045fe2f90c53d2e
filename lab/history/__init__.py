"""The run history: the tiled catalog of every Bluesky document, and what is read from it.

- `store`: the catalog (`RunStore`), its embedded tiled server (`CatalogServer`) and background writer.
- `servers`: the record of which process serves a catalog directory.
- `catalog_server`: the child process that serves a catalog directory (`python -m lab.history.catalog_server`).
- `tables`: campaigns and experiments as filtered tables, exported with pandas.
- `records`: campaign records, what a campaign was started with, so that it can be resumed.

Imports: `devices`, `planners`, `lab.materials`, `lab.errors`, `lab.home`; never campaign, safety, design or
command-line code.
"""
