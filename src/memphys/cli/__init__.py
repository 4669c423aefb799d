"""The ``memphys`` command line (click), thin over the public API."""
