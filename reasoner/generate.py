"""A synthetic province: enterprise profiles in the public format, deterministic for a seed.

Everything here is made up. The shares below (sectors, special operations, hazardous
chemicals, hidden hazards, accidents, listings, non-compliance) are SYNTHETIC parameters chosen
to give a plausible mix for demonstrations, tests and benchmarks; they are not statistics of any
real province. What is real: the county codes (``kb/regions.ttl``), the GB/T 4754-2017 codes
(``kb/sectors.ttl``), the GB 18218-2018 Table 1 substance names and CAS numbers, and the credit
codes' GB 32100-2015 check digits. Locations are random points around made-up industrial parks,
a few per city, so that major hazard sources lie close together and domino clusters exist.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .codes import CREDIT_CODE_CHARSET, credit_code_check_char
from .kb import KnowledgeBase

DUST_OF_SECTOR = {
    "machinery": ("aluminium", "other_metal"),
    "light-industry": ("wood", "grain_food", "paper", "plastic_rubber"),
    "textile": ("textile_fibre",),
    "nonferrous": ("aluminium", "magnesium"),
    "tobacco": ("other",),
    "trade": ("grain_food",),
}


@dataclass(frozen=True)
class Sector:
    """One sector group's synthetic share and what its enterprises tend to operate."""

    name: str
    share: float
    industries: tuple[str, ...]
    p_dust: float = 0.0
    p_ammonia: float = 0.0
    p_confined: float = 0.2
    p_chemicals: float = 0.05
    smelting_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Holding:
    """A Table 1 substance an enterprise may store: name and CAS as in GB 18218-2018."""

    substance: str
    cas: str | None
    hazard_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shares:
    """The generator's synthetic parameters (documented defaults; not real statistics)."""

    sectors: tuple[Sector, ...] = (
        Sector(
            "machinery",
            0.30,
            ("3311", "3312", "3340", "3360", "3391", "3411", "3670", "3812"),
            p_dust=0.15,
            p_confined=0.15,
        ),
        Sector(
            "light-industry",
            0.22,
            ("1351", "1361", "1391", "2011", "2110", "2221", "2319", "2929"),
            p_dust=0.30,
            p_ammonia=0.15,
            p_confined=0.35,
        ),
        Sector("textile", 0.09, ("1711", "1713", "1811", "1819"), p_dust=0.15, p_confined=0.10),
        Sector("building-materials", 0.08, ("3011", "3021", "3031"), p_confined=0.45),
        Sector(
            "trade",
            0.12,
            ("5930", "5942", "5951", "5990"),
            p_dust=0.05,
            p_ammonia=0.25,
            p_confined=0.20,
            p_chemicals=0.15,
        ),
        Sector(
            "nonferrous",
            0.06,
            ("3216", "3252"),
            p_dust=0.35,
            p_confined=0.30,
            smelting_codes=("3216",),
        ),
        Sector(
            "metallurgy",
            0.04,
            ("3110", "3120", "3130", "3140"),
            p_confined=0.50,
            p_chemicals=0.30,
            smelting_codes=("3110", "3120", "3140"),
        ),
        Sector("tobacco", 0.01, ("1610", "1620"), p_dust=0.40, p_confined=0.20),
        Sector(
            "hazardous-chemicals",
            0.08,
            ("2613", "2614", "2619", "2621"),
            p_confined=0.50,
            p_chemicals=0.95,
        ),
    )
    holdings: tuple[Holding, ...] = (
        Holding("氨", "7664-41-7"),
        Holding("氯", "7782-50-5"),
        Holding("二氧化硫", "7446-09-5"),
        Holding("硫化氢", "7783-06-4"),
        Holding("甲烷，天然气", "74-82-8", ("W2",)),
        Holding("液化石油气（含丙烷、丁烷及其混合物）", "74-98-6", ("W2",)),
    )
    in_park: float = 0.70  # share of enterprises inside an industrial park
    parks_per_city: int = 3
    p_non_compliance: float = 0.03  # each safety flag reported the unsafe way
    p_unreported: float = 0.02  # each optional key left out (a data gap)
    accident_rate: tuple[float, float, float] = (0.060, 0.045, 0.035)  # per enterprise-year, Y-2..Y
    p_larger_accident: float = 0.03  # 较大 (3+ deaths) among accidents
    p_fatal: float = 0.25  # one or two deaths among 一般 accidents
    p_major_source: float = 0.55  # a chemical holding reaches S ≥ 1
    p_grade12: float = 0.2  # among major sources: R ≥ 50 (grade 一/二)
    p_hidden_hazards: float = 0.5
    p_major_hidden: float = 0.15
    p_listed: float = 0.02
    province: str = "330000"  # 浙江省: the counties are real, everything else is not
    as_of: dt.date = dt.date(2026, 11, 1)
    words: str = "恒泰华盛鑫达源丰宏信安隆顺祥瑞通永利兴昌"
    kinds: dict[str, str] = field(
        default_factory=lambda: {
            "machinery": "机械制造",
            "light-industry": "轻工制品",
            "textile": "纺织",
            "building-materials": "建材",
            "trade": "仓储物流",
            "nonferrous": "铝业",
            "metallurgy": "钢铁",
            "tobacco": "烟草加工",
            "hazardous-chemicals": "化工",
        }
    )


@dataclass(frozen=True)
class Park:
    name: str
    county: str
    lat: float
    lon: float
    chemical: bool


class ProvinceGenerator:
    """Profiles one by one; the same (seed, count, shares) always give the same profiles."""

    def __init__(self, kb: KnowledgeBase, seed: int, shares: Shares | None = None) -> None:
        self.kb = kb
        self.shares = shares or Shares()
        self.rng = random.Random(seed)
        for sector in self.shares.sectors:
            unknown = [c for c in sector.industries if not kb.is_known_industry(c)]
            if unknown:
                raise ValueError(f"sector {sector.name}: unknown GB/T 4754 codes {unknown}")
        self.cities = self._cities()
        if not self.cities:
            raise ValueError(f"no counties of province {self.shares.province} in the KB")
        self.parks = [p for city in sorted(self.cities) for p in self._parks(city)]
        self.used_codes: set[str] = set()

    def _cities(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in sorted(self.kb.regions.values(), key=lambda r: r.code):
            if self.shares.province in r.ancestors and self.kb.is_known_region(r.code):
                city = r.parent if r.level == "county" else r.code
                out.setdefault(city or r.code, []).append(r.code)
        return out

    def _parks(self, city: str) -> list[Park]:
        rng = self.rng
        # made-up city centres inside 浙江's bounding box; parks within ~20 km of them
        lat, lon = rng.uniform(27.5, 30.8), rng.uniform(118.5, 122.0)
        name = self.kb.regions[city].name if city in self.kb.regions else city
        return [
            Park(
                f"{name}{'化工' if i == 0 else ''}园区{i + 1}（合成）",
                rng.choice(self.cities[city]),
                round(lat + rng.uniform(-0.2, 0.2), 4),
                round(lon + rng.uniform(-0.2, 0.2), 4),
                chemical=i == 0,
            )
            for i in range(self.shares.parks_per_city)
        ]

    def profiles(self, count: int) -> Iterator[dict[str, Any]]:
        for i in range(count):
            yield self.profile(i)

    # -- one enterprise ---------------------------------------------------------------------

    def profile(self, index: int) -> dict[str, Any]:
        rng, s = self.rng, self.shares
        sector = rng.choices(s.sectors, weights=[x.share for x in s.sectors])[0]
        industry = rng.choice(sector.industries)
        chemicals = rng.random() < sector.p_chemicals
        park = self._park_for(chemicals)
        if park is not None:
            county = park.county
            spread = 0.004 if park.chemical else 0.01
            lat, lon = rng.gauss(park.lat, spread), rng.gauss(park.lon, spread)
        else:
            city = rng.choice(sorted(self.cities))
            county = rng.choice(self.cities[city])
            lat, lon = rng.uniform(27.5, 30.8), rng.uniform(118.5, 122.0)
        employees = int(rng.lognormvariate(3.6, 1.0)) + 5
        p: dict[str, Any] = {
            "credit_code": self._credit_code(county),
            "name": self._name(county, sector),
            "region": county,
            "industry": industry,
            "employees": employees,
            "above_designated_size": employees >= 100 or rng.random() < 0.3,
            "location": {"lat": round(lat, 5), "lon": round(lon, 5)},
            "as_of": s.as_of.isoformat(),
        }
        self._standardization(p)
        p["management"] = self._management()
        if industry in sector.smelting_codes:
            p["metal_smelting"] = True
        holdings: list[dict[str, Any]] = []
        if chemicals:
            holdings += self._chemicals()
        if rng.random() < sector.p_dust and sector.name in DUST_OF_SECTOR:
            p["dust"] = self._dust(DUST_OF_SECTOR[sector.name])
        if rng.random() < sector.p_ammonia:
            p["ammonia_refrigeration"], ammonia = self._ammonia()
            holdings += ammonia
        if holdings:
            p["hazardous_chemicals"] = holdings
            p["population_within_500m"] = rng.choice((0, 12, 40, 80, 150, 300))
        if rng.random() < sector.p_confined:
            p["confined_spaces"] = self._confined()
        if rng.random() < s.p_hidden_hazards:
            p["hidden_hazards"] = self._hidden_hazards(p)
        accidents = self._accidents()
        if accidents:
            p["accidents"] = accidents
        if rng.random() < s.p_listed:
            p["credit_listing"] = self._listing()
        p["inspections"] = self._inspections()
        return p

    def _park_for(self, chemicals: bool) -> Park | None:
        rng = self.rng
        if chemicals and rng.random() < 0.85:
            return rng.choice([p for p in self.parks if p.chemical])
        if rng.random() < self.shares.in_park:
            return rng.choice([p for p in self.parks if not p.chemical])
        return None

    def _credit_code(self, county: str) -> str:
        chars = CREDIT_CODE_CHARSET
        while True:
            body = "91" + county + "MA" + "".join(self.rng.choice(chars) for _ in range(7))
            code = body + credit_code_check_char(body)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def _name(self, county: str, sector: Sector) -> str:
        place = self.kb.regions[county].name.rstrip("区县市") or "示例"
        words = "".join(self.rng.sample(self.shares.words, 2))
        return f"{place}{words}{self.shares.kinds[sector.name]}有限公司（合成数据）"

    def _flag(self, safe: bool) -> bool:
        """A safety flag: its safe value, or the unsafe one with the non-compliance share."""
        return safe if self.rng.random() >= self.shares.p_non_compliance else not safe

    def _maybe(self, section: dict[str, Any]) -> dict[str, Any]:
        """Leave some keys out: in real submissions not every fact is reported."""
        return {k: v for k, v in section.items() if self.rng.random() >= self.shares.p_unreported}

    def _day_before(self, max_days: int, min_days: int = 1) -> dt.date:
        return self.shares.as_of - dt.timedelta(days=self.rng.randint(min_days, max_days))

    def _standardization(self, p: dict[str, Any]) -> None:
        grade = self.rng.choices((3, 2, 1, None), weights=(45, 10, 2, 43))[0]
        if grade is None:
            return
        until = self.shares.as_of + dt.timedelta(days=self.rng.randint(-200, 1000))
        p["standardization"] = {"grade": grade, "valid_until": until.isoformat()}

    def _management(self) -> dict[str, Any]:
        rng = self.rng
        workers = rng.randint(0, 30)
        contractors = rng.random() < 0.4
        m = {
            "full_time_safety_officers": rng.randint(0, 3),
            "principal_assessed": self._flag(True),
            "safety_managers_assessed": self._flag(True),
            "special_operation_workers": workers,
            "special_operation_workers_uncertified": 0 if self._flag(True) else min(workers, 2),
            "contractors_on_site": contractors,
        }
        if contractors:
            m["contractor_unified_management"] = self._flag(True)
            m["contractor_periodic_inspection"] = self._flag(True)
        return self._maybe(m)

    def _chemicals(self) -> list[dict[str, Any]]:
        rng, s = self.rng, self.shares
        out = []
        for i in range(rng.choice((1, 1, 2))):
            h = rng.choice(s.holdings)
            q_crit = next(x.q_critical for x in self.kb.substances if x.label == h.substance)
            if rng.random() < s.p_major_source:
                ratio = (
                    rng.uniform(12.0, 30.0) if rng.random() < s.p_grade12 else rng.uniform(1.0, 6.0)
                )
            else:
                ratio = rng.uniform(0.05, 0.9)
            entry: dict[str, Any] = {
                "unit": f"{h.substance[:4]}储存单元{i + 1}",
                "unit_kind": "storage",
                "substance": h.substance,
                "max_quantity_t": round(float(q_crit) * ratio, 2),
                "hazard_categories": list(h.hazard_categories),
            }
            if h.cas:
                entry["cas"] = h.cas
            out.append(entry)
        return out

    def _dust(self, kinds: tuple[str, ...]) -> dict[str, Any]:
        rng = self.rng
        types = sorted(rng.sample(kinds, rng.randint(1, min(2, len(kinds)))))
        collectors = []
        for i in range(rng.randint(1, 3)):
            dry = rng.random() < 0.6
            collectors.append(
                self._maybe(
                    {
                        "id": f"DC-{i + 1}",
                        "type": "dry" if dry else "wet",
                        "dust_types": types,
                        "handles_flammable_gas": not self._flag(True),
                        "spans_buildings_or_fire_compartments": not self._flag(True),
                        "pressure": "negative" if self._flag(True) else "positive",
                        "explosion_protection": ["venting"] if self._flag(True) else [],
                        "spark_detection_extinguishing": self._flag(True),
                        "airlock_discharge": self._flag(True),
                    }
                )
            )
        return self._maybe(
            {
                "dust_types": types,
                "in_multistorey_non_frame_building": not self._flag(True),
                "occupied_rooms_in_dust_area": not self._flag(True),
                "zone20_non_explosion_proof_equipment": not self._flag(True),
                "tramp_material_removal_before_grinding": self._flag(True),
                "sander_duct_spark_detection": self._flag(True),
                "water_reactive_dust_storage_ventilated": self._flag(True),
                "water_reactive_dust_storage_moisture_protected": self._flag(True),
                "cleaning_procedure": self._flag(True),
                "accumulated_dust_found": not self._flag(True),
                "collectors": collectors,
            }
        )

    def _ammonia(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        charge = round(rng.choice((rng.uniform(0.5, 9.0), rng.uniform(10.0, 60.0))), 2)
        section = self._maybe(
            {
                "charge_t": charge,
                "direct_evaporation_in_processing_rooms": not self._flag(True),
                "quick_freezers": [
                    {
                        "id": f"QF-{i + 1}",
                        "in_separate_room": self._flag(True),
                        "room_workers": rng.randint(0, 12),
                    }
                    for i in range(rng.randint(0, 2))
                ],
            }
        )
        holding = {
            "unit": "氨制冷机房",
            "unit_kind": "storage",
            "substance": "氨",
            "cas": "7664-41-7",
            "max_quantity_t": charge,
            "hazard_categories": [],
        }
        return section, [holding]

    def _confined(self) -> dict[str, Any]:
        return self._maybe(
            {
                "count": self.rng.randint(1, 12),
                "identified_and_registered": self._flag(True),
                "warning_signs": self._flag(True),
                "entry_permit_system": self._flag(True),
                "ventilate_test_then_enter": self._flag(True),
                "attendant_assigned": self._flag(True),
            }
        )

    def _hidden_hazards(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        rng, as_of = self.rng, self.shares.as_of
        items = [k for k in self.kb.items if k.startswith("MEM10-")]
        out = []
        for i in range(rng.randint(1, 3)):
            major = rng.random() < self.shares.p_major_hidden
            found = self._day_before(330, 5)
            deadline = found + dt.timedelta(days=rng.randint(30, 90))
            fixed_after = rng.randint(5, 120)
            rectified = found + dt.timedelta(days=fixed_after)
            if rng.random() < (0.6 if major else 0.15) or rectified > as_of:
                rectified = None
            h = {
                "id": f"YH-{found.year}-{i + 1:03d}",
                "level": "major" if major else "general",
                "found_on": found.isoformat(),
                "deadline": deadline.isoformat(),
                "rectified_on": rectified.isoformat() if rectified else None,
            }
            if major:
                h["criterion"] = rng.choice(sorted(items))
            out.append(h)
        return out

    def _accidents(self) -> list[dict[str, Any]]:
        rng, s = self.rng, self.shares
        out = []
        year = s.as_of.year
        for offset, rate in zip((2, 1, 0), s.accident_rate, strict=True):
            start = dt.date(year - offset, 1, 1)
            end = min(dt.date(year - offset, 12, 31), s.as_of)
            span = (end - start).days
            if rng.random() >= rate * (span + 1) / 365:
                continue
            day = start + dt.timedelta(days=rng.randint(0, span))
            if rng.random() < s.p_larger_accident:
                deaths, injuries, loss = (
                    rng.randint(3, 5),
                    rng.randint(0, 12),
                    rng.uniform(300, 1500),
                )
            else:
                deaths = rng.choice((1, 1, 2)) if rng.random() < s.p_fatal else 0
                injuries, loss = rng.randint(0, 3), rng.uniform(2, 300)
            out.append(
                {
                    "date": day.isoformat(),
                    "deaths": deaths,
                    "serious_injuries": injuries,
                    "direct_loss_10k_cny": round(loss, 1),
                    "concealed": rng.random() < 0.02,
                }
            )
        return out

    def _listing(self) -> dict[str, Any]:
        listed = self._day_before(4 * 365, 30)
        removed = None
        earliest = listed + dt.timedelta(days=366)
        if earliest < self.shares.as_of and self.rng.random() < 0.3:
            removed = min(self.shares.as_of, earliest + dt.timedelta(days=self.rng.randint(0, 300)))
        return {"listed_on": listed.isoformat(), "removed_on": removed and removed.isoformat()}

    def _inspections(self) -> list[dict[str, Any]]:
        return [
            {
                "date": self._day_before(730).isoformat(),
                "kind": self.rng.choice(("routine", "routine", "surprise", "covert")),
            }
            for _ in range(self.rng.randint(0, 2))
        ]


def generate(kb: KnowledgeBase, count: int, seed: int, shares: Shares | None = None) -> list[dict]:
    return list(ProvinceGenerator(kb, seed, shares).profiles(count))


def to_jsonl(profiles: list[dict[str, Any]]) -> str:
    """One profile per line, keys in a fixed order: the same profiles give the same bytes."""
    return "".join(
        json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n" for p in profiles
    )
