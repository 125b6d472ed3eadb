"""`python -m bridge` is the same as the `smartsync` command."""

from bridge.cli import main

main()
