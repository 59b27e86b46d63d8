"""Named planning settings kept as data in kb/policy/ (sk:PlanningParameters → sk:setting).

Each setting carries its confidence ("verified", "example", "local-setting") so that a figure no
authority has published is shown as a setting, never as a fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from .kb import KnowledgeBase


class SettingError(ValueError):
    """A parameter set or one of its settings is missing or has the wrong type."""


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    confidence: str
    comment: str


class Settings:
    """The settings of one parameter set, read by name with the type the caller needs."""

    def __init__(self, identifier: str, values: dict[str, Setting]) -> None:
        self.identifier = identifier
        self.values = values

    @classmethod
    def load(cls, kb: KnowledgeBase, identifier: str) -> Settings:
        rows = kb.select(
            f"""SELECT ?name ?value ?conf ?comment WHERE {{
                 ?p a sk:PlanningParameters ; dcterms:identifier {_literal(identifier)} ; sk:setting ?s .
                 ?s dcterms:identifier ?name ; rdf:value ?value .
                 OPTIONAL {{ ?s sk:confidence ?conf }}
                 OPTIONAL {{ ?s rdfs:comment ?comment }} }}"""
        )
        if not rows:
            raise SettingError(f"no planning parameters {identifier!r} in kb/policy/")
        values = {
            r["name"]: Setting(
                r["name"], r["value"], r.get("conf", "verified"), r.get("comment", "")
            )
            for r in rows
        }
        return cls(identifier, values)

    def _get(self, name: str) -> Setting:
        if name not in self.values:
            raise SettingError(f"planning parameters {self.identifier!r}: no setting {name!r}")
        return self.values[name]

    def number(self, name: str) -> float:
        raw = self._get(name).value
        try:
            return float(raw)
        except ValueError:
            raise SettingError(
                f"setting {self.identifier}.{name}: {raw!r} is not a number"
            ) from None

    def integer(self, name: str) -> int:
        value = self.number(name)
        if not value.is_integer():
            raise SettingError(f"setting {self.identifier}.{name}: {value} is not a whole number")
        return int(value)

    def text(self, name: str) -> str:
        return self._get(name).value

    def describe(self) -> list[dict[str, str]]:
        """The settings as plain dicts, for reports that must say which figures are settings."""
        return [
            {"name": s.name, "value": s.value, "confidence": s.confidence}
            for s in sorted(self.values.values(), key=lambda s: s.name)
        ]


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
