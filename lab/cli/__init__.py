"""The command line (`sdlab`): one module per command group, all registered in `lab.cli.app`.

Front ends only: they parse options, call the campaign, history, safety and design packages, and print. Nothing
imports `lab.cli` (an import-linter contract in pyproject.toml).
"""
