"""SafetyKG: knowledge graph and rule reasoning for work-safety supervision."""

__version__ = "0.1.0"
