"""Locations of the data files installed inside the package."""

from importlib.resources import files
from pathlib import Path


def _dir(package: str) -> Path:
    return Path(str(files(package)))


def ontology_dir() -> Path:
    return _dir("safetykg.ontology")


def kb_dir() -> Path:
    return _dir("safetykg.kb")


def shapes_dir() -> Path:
    return _dir("safetykg.shapes")


def context_path() -> Path:
    return ontology_dir() / "context.jsonld"


def profile_schema_path() -> Path:
    return ontology_dir() / "enterprise-profile.schema.json"


def turtle_files(root: Path) -> list[Path]:
    """All Turtle files below ``root``, fixtures excluded, in a stable order."""
    return sorted(p for p in root.rglob("*.ttl") if "fixtures" not in p.parts)
