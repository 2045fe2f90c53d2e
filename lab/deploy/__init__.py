"""A lab on one machine without Docker (`sdlab deploy up|status|down`): a PostgreSQL cluster of the system's
binaries, a Prefect server on it, a tiled catalog server on it, and a Prefect worker per station pool, all on
loopback, under `$SDLAB_HOME/deploy`."""
