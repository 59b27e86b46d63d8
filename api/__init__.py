"""Command line and HTTP interfaces: thin layers over ``safetykg.reasoner``."""
