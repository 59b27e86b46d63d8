"""Build kb/sectors.ttl: sector groups, GB/T 4754-2017 codes and the 应急厅〔2019〕17号 mapping.

Input (committed beside this script, UTF-8, one "code name" per line; "NNN*" is a group that has a
single class NNN0 of the same name):
- gbt4754-2017-part1.txt: sections A-F, every division, group and class from 01 to 5255,
  transcribed from the public GitHub SQL seed of a ``industry`` table (GB/T 4754-2017, 1,971 rows,
  nested-set columns; rows 1-1203 used). Names cut off in that seed (306, 354, 359, 37, 3531,
  3546, 3552, 3583, 3939, 4023) were completed from the standard's wording.
- gbt4754-2017-part2-divisions.txt: sections G-T and divisions 53-97 only.
- gbt4754-2017-part3.txt: every group and class from 526 to 9700 (rows 1204-1971 of the same seed,
  sections and divisions omitted since part2 has them). Names are verbatim, including the seed's
  "三维（3D)打印技术推广服务" (7517) and "其他会议、会展及相关服务" (7289).

With all three parts every one of the seed's 1,971 rows is present: 20 sections, 97 divisions,
473 groups, 1,381 classes (descendant counts checked against the seed's nested-set lft/rgt values for
divisions 53-97 and groups 526-529). The published standard counts 1,380 classes (1,382 after its
Amendment No. 1 of 2019); which single class makes the seed differ has not been identified.

    python kb/tools/build_gbt4754.py > kb/sectors.ttl
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

SECTORS = [
    ("metallurgy", "冶金", "metallurgy", "黑色金属冶炼和压延加工（GB/T 4754-2017 大类31）", "Iron and steel smelting and rolling (GB/T 4754-2017 division 31)"),
    ("nonferrous", "有色", "nonferrous metals", "有色金属冶炼和压延加工（大类32）", "Nonferrous metal smelting and rolling (division 32)"),
    ("building-materials", "建材", "building materials", "非金属矿物制品业（大类30），玻璃制品（305）和部分陶瓷制品（3073-3076、3079）除外", "Non-metallic mineral products (division 30) except glass products (305) and some ceramics (3073-3076, 3079)"),
    ("machinery", "机械", "machinery", "金属制品、通用设备、专用设备、汽车、铁路船舶航空航天等运输设备、电气机械、计算机通信电子设备、仪器仪表制造及金属制品机械设备修理（大类33-40、43）", "Metal products, general and special equipment, vehicles, other transport equipment, electrical, electronic and instrument manufacturing, and repair of metal products and machinery (divisions 33-40, 43)"),
    ("light-industry", "轻工", "light industry", "农副食品加工、食品、酒饮料、皮革制鞋、木材加工、家具、造纸、印刷、文教工美体育娱乐用品、橡胶塑料制品、玻璃制品、日用陶瓷等", "Food and beverage processing, leather and footwear, wood, furniture, paper, printing, stationery and sports goods, rubber and plastics, glass products, household ceramics, etc."),
    ("textile", "纺织", "textiles", "纺织业、纺织服装服饰业（大类17、18）", "Textiles and apparel (divisions 17, 18)"),
    ("tobacco", "烟草", "tobacco", "烟草制品业（大类16）", "Tobacco products (division 16)"),
    ("trade", "商贸", "commerce and trade", "批发业、零售业、仓储业等商贸企业（部分51、52、59）", "Wholesale, retail and warehousing enterprises (parts of divisions 51, 52, 59)"),
    ("hazardous-chemicals", "危化", "hazardous chemicals", "危险化学品生产、经营、储存、使用单位（石油煤炭燃料加工、化学原料和化学制品制造等）", "Units producing, trading, storing or using hazardous chemicals (fuel processing, chemical raw materials and products, etc.)"),
    ("mining", "矿山", "mining", "煤矿和非煤矿山（金属非金属矿山、尾矿库）", "Coal mines and non-coal mines (metal and non-metal mines, tailings ponds)"),
]

# code -> (sector, confidence). Most general code wholly in a group; more specific overrides.
MAPPING = {
    "31": ("metallurgy", "verified"), "32": ("nonferrous", "verified"),
    "30": ("building-materials", "verified"),
    "305": ("light-industry", "verified"),
    **{c: ("light-industry", "verified") for c in ("3073", "3074", "3075", "3076", "3079")},
    **{c: ("machinery", "verified") for c in ("33", "34", "35", "36", "37", "38", "39", "40", "43")},
    **{c: ("light-industry", "unverified") for c in ("13", "14", "15", "19", "20", "21", "22", "23", "24", "29")},
    "17": ("textile", "unverified"), "18": ("textile", "unverified"),
    "16": ("tobacco", "unverified"),
    "51": ("trade", "unverified"), "52": ("trade", "unverified"), "59": ("trade", "unverified"),
    **{c: ("mining", "unverified") for c in ("06", "07", "08", "09", "10", "11", "12")},
    "25": ("hazardous-chemicals", "unverified"), "26": ("hazardous-chemicals", "unverified"),
}
SMELTING = ("311", "312", "314", "321", "322", "323")


def esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def read(name):
    rows = []
    for line in open(os.path.join(HERE, name), encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        code, label = line.split(" ", 1)
        if code.endswith("*"):
            code = code[:-1]
            rows += [(code, label), (code + "0", label)]
        else:
            rows.append((code, label))
    return rows


def main() -> str:
    rows = (read("gbt4754-2017-part1.txt") + read("gbt4754-2017-part2-divisions.txt")
            + read("gbt4754-2017-part3.txt"))
    codes, section_of, cur = {}, {}, None
    for code, label in rows:
        assert code not in codes, code
        codes[code] = label
        if code.isalpha():
            cur = code
        elif len(code) == 2:
            section_of[code] = cur
    for c in MAPPING:
        assert c in codes, c
    out = ["""@prefix sk: <https://w3id.org/safetykg/def#> .
@prefix skc: <https://w3id.org/safetykg/concept/> .
@prefix kb: <https://w3id.org/safetykg/kb/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

# GENERATED by kb/tools/build_gbt4754.py -- do not edit by hand.
# Sector groups (应急厅〔2019〕17号 and the high-risk categories) and GB/T 4754-2017 codes.
# Sector derivation: walk from the given code up skos:broader; the first concept carrying
# sk:sectorGroup decides. sk:sectorConfidence says whether that mapping is verified
# (冶金/有色/建材/机械 and the 305/307x exclusions: REFERENCE.md 7.1 [V]) or not (轻工/纺织/烟草/
# 商贸 [M]; 矿山 and 危化 division choices are this KB's own judgement).

skc:sector-groups a skos:ConceptScheme ;
    skos:prefLabel "行业分组"@zh, "Sector groups"@en ;
    dcterms:source kb:MEM-OFFICE-2019-17 .

kb:MEM-OFFICE-2019-17 a sk:NormativeDocument ;
    dcterms:title "冶金有色建材机械轻工纺织烟草商贸行业安全监管分类标准（试行）"@zh, "Classification standard for safety supervision of metallurgy, nonferrous, building-materials, machinery, light-industry, textile, tobacco and trade sectors (trial)"@en ;
    dcterms:identifier "应急厅〔2019〕17号" ;
    dcterms:issued "2019-01-31"^^<http://www.w3.org/2001/XMLSchema#date> ;
    dcterms:source "REFERENCE.md section 7.1 (360docs.net/doc/4818834564)" ;
    sk:confidence "verified" .

kb:GBT4754-2017 a skos:ConceptScheme ;
    skos:prefLabel "国民经济行业分类（GB/T 4754-2017）"@zh, "Industrial classification for national economic activities (GB/T 4754-2017)"@en ;
    dcterms:source "Codes and names transcribed from a public GitHub SQL seed of GB/T 4754-2017 (industry table, 1,971 rows); see kb/tools/build_gbt4754.py" ;
    dcterms:description "COMPLETE as far as the source seed goes: all 20 sections (A-T), 97 divisions, 473 groups and 1,381 classes, i.e. every row of the seed. The published standard counts 1,380 classes (1,382 after Amendment No. 1 of 2019); the one-class difference between the seed and either edition has not been identified."@en ;
    sk:confidence "verified" .
"""]
    for key, zh, en, dzh, den in SECTORS:
        conf = "verified" if key in ("metallurgy", "nonferrous", "building-materials", "machinery") else "unverified"
        out.append(f"""skc:sector-{key} a skos:Concept ;
    skos:inScheme skc:sector-groups ;
    skos:prefLabel "{zh}"@zh, "{en}"@en ;
    skos:notation "{key}" ;
    skos:definition "{esc(dzh)}"@zh, "{esc(den)}"@en ;
    sk:confidence "{conf}" .
""")

    def parent(code):
        if code.isalpha():
            return None
        if len(code) == 2:
            return section_of[code]
        return code[:-1]

    for code in sorted(codes, key=lambda c: (len(c) != 1, c)):
        p = parent(code)
        if p is not None:
            assert p in codes, (code, p)
        lines = [f"kb:GBT4754-{code} a sk:IndustryClass, skos:Concept"
                 + (", sk:MetalSmeltingIndustry" if code in SMELTING else "") + " ;",
                 f'    skos:notation "{code}" ;', f'    skos:prefLabel "{esc(codes[code])}"@zh ;',
                 "    skos:inScheme kb:GBT4754-2017 ;"]
        if p is None:
            lines.append("    skos:topConceptOf kb:GBT4754-2017 ;")
        else:
            lines.append(f"    skos:broader kb:GBT4754-{p} ;")
        if code in MAPPING:
            s, c = MAPPING[code]
            lines.append(f"    sk:sectorGroup skc:sector-{s} ;")
            lines.append(f'    sk:sectorConfidence "{c}" ;')
        lines[-1] = lines[-1][:-2] + " ."
        out.append("\n".join(lines) + "\n")
    n = {k: sum(1 for c in codes if (len(c) == 1 if k == 1 else len(c) == k and c.isdigit())) for k in (1, 2, 3, 4)}
    sys.stderr.write(f"sections={n[1]} divisions={n[2]} groups={n[3]} classes={n[4]}\n")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(main())
