"""`python -m fakes`: see `fakes.cli`."""

from fakes.cli import main

main()
