"""The run history: the tiled catalog of every Bluesky document, and what is read from it.

- `store`: the catalog (`RunStore`) and its background writer.
- `servers`: the embedded tiled server of a catalog directory (`CatalogServer`, a child process), and the record of
  which process serves it (light: the command line starts a server without importing tiled).
- `catalog_server`: the child process that serves a catalog directory (`python -m lab.history.catalog_server`).
- `tables`: campaigns and experiments as filtered tables, exported with pandas.
- `records`: campaign records, what a campaign was started with, so that it can be resumed.
- `outage`: both ends of the catalog while its database or server is away: the server answers 503
  (`DatabaseOutage`), the client sends a request again (`WaitingTransport`).

Imports: `devices`, `planners`, `lab.materials`, `lab.errors`, `lab.home`, `lab.heap`; never campaign, safety, design
or command-line code.
"""
