"""Sync kinds: one module per kind of settings SmartSync mirrors, listed in `bridge.kinds.registry`."""
