"""SmartSync bridge: configuration redundancy for Milestone XProtect."""

__version__ = "0.1.0"
