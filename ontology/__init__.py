"""Data package: ontology files shipped with SafetyKG."""
