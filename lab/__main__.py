"""`python -m lab` runs the sdlab CLI."""

from lab.cli import main

main()
