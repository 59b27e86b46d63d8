"""Data package: kb files shipped with SafetyKG."""
