"""`python -m sop_packets` runs the command line."""

from .cli import main

main()
