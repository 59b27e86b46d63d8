"""Data package: shapes files shipped with SafetyKG."""
