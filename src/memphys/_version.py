"""The version of memphys (one place, read by the package and by provenance dicts)."""

__all__ = ["__version__"]

__version__ = "0.1.0.dev0"
