"""`python -m lab` runs the sdlab CLI."""

from lab.cli.app import main

main()
