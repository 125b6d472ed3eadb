"""Python side of the fake MIP SDK: world documents, their generator, the
changes an administrator would make, their validation, and `python -m fakes`.

A world is a folder of JSON documents, one per management server; the page
`docs/world-format.md` is the contract with the C# fake that serves them.
"""

from fakes.document import WorldError

__all__ = ["WorldError"]
