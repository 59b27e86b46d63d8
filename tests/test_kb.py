"""Checks on the reference knowledge base (kb/*.ttl)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS as DCT
from rdflib.namespace import RDF, RDFS, SKOS

from safetykg.reasoner.vocab import KB, REGION, SK, SKC

KB_DIR = Path(__file__).resolve().parent.parent / "kb"


@pytest.fixture(scope="module")
def g() -> Graph:
    graph = Graph()
    files = sorted(KB_DIR.glob("*.ttl"))
    assert files
    for path in files:
        graph.parse(path, format="turtle")
    return graph


@pytest.mark.parametrize("path", sorted(KB_DIR.glob("*.ttl")), ids=lambda p: p.name)
def test_each_file_parses(path):
    assert len(Graph().parse(path, format="turtle")) > 0


def q(g, s):
    return Decimal(str(g.value(s, SK.criticalQuantityTonnes)))


def test_table1(g):
    rows = list(g.subjects(RDF.type, SK.NamedHazardousChemical))
    assert len(rows) == 85
    assert all(g.value(r, SK.criticalQuantityTonnes) is not None for r in rows)
    assert all((r, DCT.isPartOf, KB["GB18218-2018-table1"]) in g for r in rows)
    by_label = {
        str(g.value(r, RDFS.label)): r
        for r in rows
        if any(lbl.language == "zh" for lbl in g.objects(r, RDFS.label))
    }
    zh = {}
    for r in rows:
        for lbl in g.objects(r, RDFS.label):
            if lbl.language == "zh":
                zh[str(lbl)] = r
    assert q(g, zh["氨"]) == 10
    assert q(g, zh["氯"]) == 5
    assert q(g, zh["碳酰氯"]) == Decimal("0.3")
    assert q(g, zh["硝酸钾"]) == 1000
    assert Decimal(str(g.value(zh["氨"], SK.beta))) == 2
    assert Decimal(str(g.value(KB["GB18218-T1-13"], SK.beta))) == 2
    assert (zh["氨"], SK.casNumber, Literal("7664-41-7")) in g
    assert len(list(g.objects(KB["GB18218-T1-52"], SK.casNumber))) == 3
    assert not list(g.objects(KB["GB18218-T1-13"], SK.casNumber))
    assert by_label


def test_table2_categories(g):
    cats = set(g.subjects(RDF.type, SK.HazardCategory))
    assert len(cats) == 24
    w51 = URIRef("https://w3id.org/safetykg/kb/GB18218-W5.1")
    assert w51 in cats
    assert Decimal(str(g.value(w51, SK.criticalQuantityTonnes))) == 10
    assert Decimal(str(g.value(w51, SK.beta))) == Decimal("1.5")
    assert Decimal(str(g.value(KB["GB18218-J1"], SK.beta))) == 4


def test_alpha_and_grade_bands(g):
    alphas = {
        int(g.value(b, SK.minPopulation)): Decimal(str(g.value(b, SK.alpha)))
        for b in g.subjects(RDF.type, SK.AlphaBand)
    }
    assert alphas == {
        100: Decimal("2.0"),
        50: Decimal("1.5"),
        30: Decimal("1.2"),
        1: Decimal("1.0"),
        0: Decimal("0.5"),
    }
    grades = {
        int(g.value(b, SK.majorHazardGrade)): Decimal(str(g.value(b, SK.minR)))
        for b in g.subjects(RDF.type, SK.GradeBand)
    }
    assert grades == {1: 100, 2: 50, 3: 10, 4: 0}
    assert Decimal(str(g.value(KB["GB18218-2018"], SK.fallbackBeta))) == 1


def test_mem10_items(g):
    items = list(g.subjects(RDF.type, SK.RegulationItem))
    mem10 = [i for i in items if str(g.value(i, SKOS.notation)).startswith("MEM10-")]
    assert len(mem10) == 64
    ids = {str(g.value(i, SKOS.notation)) for i in mem10}
    assert "MEM10-3-1" in ids and "MEM10-13-2" in ids
    counts = {}
    for i in ids:
        art = int(i.split("-")[1])
        counts[art] = counts.get(art, 0) + 1
    assert [counts[a] for a in range(3, 14)] == [3, 8, 13, 8, 7, 7, 2, 2, 10, 2, 2]
    for i in mem10:
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in g.objects(i, prop)}
            assert {"zh", "en"} <= langs, (i, prop)
        assert str(g.value(i, SK.confidence)) in ("verified", "unverified")
    lbl = {str(o) for o in g.objects(KB["MEM10-11-3"], RDFS.label)}
    assert "应急管理部令第10号 第十一条第（三）项" in lbl
    assert "MEM Order No. 10, Art. 11 item (3)" in lbl
    assert (KB["MEM10-4-1"], SK.appliesToSector, SKC["sector-metallurgy"]) in g


def test_accident_grades(g):
    expect = {
        "especially-major": (4, 30, 100, 10000),
        "major": (3, 10, 50, 5000),
        "larger": (2, 3, 10, 1000),
        "ordinary": (1, 0, 0, 0),
    }
    for key, (rank, d, s, m) in expect.items():
        c = SKC[f"accident-{key}"]
        assert (c, RDF.type, SK.AccidentGrade) in g
        assert int(g.value(c, SK.rank)) == rank
        assert int(g.value(c, SK.minDeaths)) == d
        assert int(g.value(c, SK.minSeriousInjuries)) == s
        assert Decimal(str(g.value(c, SK.minDirectLoss10kCny))) == m


def test_regions(g):
    assert (REGION["330106"], SK.partOf, REGION["330100"]) in g
    assert (REGION["330100"], SK.partOf, REGION["330000"]) in g
    assert (REGION["330000"], RDF.type, SK.Province) in g
    counties = set(g.subjects(RDF.type, SK.County))
    assert len(counties) >= 2800


def sector_of(g, code):
    node = KB[f"GBT4754-{code}"]
    while node is not None:
        s = g.value(node, SK.sectorGroup)
        if s is not None:
            return s
        node = g.value(node, SKOS.broader)
    return None


def test_gbt4754(g):
    assert (KB["GBT4754-3252"], RDF.type, SK.IndustryClass) in g
    assert sector_of(g, "3252") == SKC["sector-nonferrous"]
    assert sector_of(g, "3053") == SKC["sector-light-industry"]
    assert sector_of(g, "3074") == SKC["sector-light-industry"]
    assert sector_of(g, "3011") == SKC["sector-building-materials"]
    assert sector_of(g, "3110") == SKC["sector-metallurgy"]
    assert (KB["GBT4754-9999"], RDF.type, SK.IndustryClass) not in g
    divisions = [
        c
        for c in g.subjects(RDF.type, SK.IndustryClass)
        if len(str(g.value(c, SKOS.notation))) == 2
    ]
    assert len(divisions) == 97
    assert (KB["GBT4754-321"], RDF.type, SK.MetalSmeltingIndustry) in g
    notations = [str(g.value(c, SKOS.notation)) for c in g.subjects(RDF.type, SK.IndustryClass)]
    sections = [n for n in notations if n.isalpha()]
    groups = [n for n in notations if n.isdigit() and len(n) == 3]
    classes = [n for n in notations if n.isdigit() and len(n) == 4]
    assert len(sections) == 20
    assert len(groups) >= 470
    assert len(classes) >= 1370
    # every group and class hangs off the code one digit shorter
    for n in groups + classes:
        assert (KB[f"GBT4754-{n}"], SKOS.broader, KB[f"GBT4754-{n[:-1]}"]) in g, n
    # codes from the tail of the standard (526-529, divisions 53-97) are present
    for code in ("5267", "5299", "5411", "5810", "5951", "6010", "7010", "8411", "9011", "9700"):
        assert (KB[f"GBT4754-{code}"], RDF.type, SK.IndustryClass) in g, code
    assert str(g.value(KB["GBT4754-5411"], SKOS.prefLabel)) == "公共电汽车客运"
    # sector mappings still hold after completion
    for code in ("51", "52", "59", "5267", "5951"):
        assert sector_of(g, code) == SKC["sector-trade"], code
    assert sector_of(g, "305") == SKC["sector-light-industry"]
    assert sector_of(g, "7010") is None
