"""What a query can read (reasoner/query_terms.py): told from its text, erring towards "anything",
and a batch store holding only that gives every query the answers the whole data gives."""

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetykg.reasoner.query_terms import RDF_TYPE_IRI, NamedTerms, named_terms, union
from safetykg.reasoner.validate import RuleSet

P = "PREFIX ex: <urn:ex:>\n"
TYPE = f"<{RDF_TYPE_IRI}>"


def nt(name: str) -> str:
    return f"<urn:ex:{name}>"


@pytest.mark.parametrize(
    "body",
    [
        "?s ?p ?o",  # a variable predicate
        "?s ex:a ?o ; ?p ?x",  # ... after a semicolon
        "?s ex:a [ ?p ?x ]",  # ... in a blank node property list
        "FILTER(?x) ?s ?p ?o",
        "?s ex:a* ?o",  # a zero-length path matches every node
        "?s ex:a+ ?o",
        "?s ex:a? ?o",
        "?s !ex:a ?o",  # a negated property set
        "?s !(ex:a|^ex:b) ?o",
        "?s ex:a ?o . GRAPH ?g { }",  # an empty group matches every graph
        "?s unknown:a ?o",  # a prefix the query does not declare
    ],
)
def test_a_query_that_may_read_anything_says_so(body):
    assert named_terms(f"{P}SELECT ?s WHERE {{ {body} }}") is None


def test_fixed_predicates_and_paths_are_named_and_expressions_are_not_patterns():
    query = (
        f"{P}SELECT ?s ?o WHERE {{ ?s ex:a/^ex:b ?o ; ex:c|<urn:ex:d> ?x , ?y . "
        '# ?s ?p ?o in a comment\n FILTER(!EXISTS { ?o ex:e "?s ?p ?o" }) '
        "FILTER(!sameTerm(?x, ex:f) && !(?y != 1)) BIND(CONCAT(?x, ?y) AS ?z) "
        "VALUES (?v ?w) { (ex:g 1) } }"
    )
    terms = named_terms(query)
    assert terms is not None
    assert {nt(n) for n in "abcde"} <= terms.predicates
    assert terms.classes is not None  # no rdf:type at all: none is read


@pytest.mark.parametrize(
    ("body", "classes_known"),
    [
        ("?s a ex:C , ex:D", True),
        ("?s rdf:type ex:C", True),
        ("VALUES ?c { ex:C ex:D } ?s a ?c", True),
        ('VALUES ?c { ex:C "lit"^^xsd:string } FILTER(EXISTS { ?s a ?c })', True),
        ("?s a ?c", False),  # any class
        ("?s a ex:C , ?c", False),
        ("VALUES ?c { ex:C UNDEF } ?s a ?c", False),
        ("{ VALUES ?c { ex:C } } UNION { ?s a ?c }", False),  # VALUES in another group
        ("?s rdf:type/ex:sub ?c", False),  # a path through rdf:type
        ("?s ^rdf:type ?c", False),
        ("?s ex:p ?o FILTER(?p = rdf:type)", False),
    ],
)
def test_classes_are_known_only_where_every_type_pattern_names_its_class(body, classes_known):
    prefixes = (
        f"{P}PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    )
    terms = named_terms(f"{prefixes}SELECT ?s WHERE {{ {body} }}")
    assert terms is not None
    assert (terms.classes is not None) == classes_known
    if classes_known:
        assert nt("C") in terms.classes and terms.keeps(TYPE, nt("C"))
        assert not terms.keeps(TYPE, nt("Other"))
        assert terms.keeps(TYPE, '"lit"')  # a literal is no class: kept


def test_the_union_is_anything_once_one_query_may_read_anything():
    a = NamedTerms(frozenset({nt("a")}), frozenset({nt("C")}))
    b = NamedTerms(frozenset({nt("b")}), None)
    assert union([a, b]) == NamedTerms(frozenset({nt("a"), nt("b")}), None)
    assert union([a, None]) is None
    assert union([]) == NamedTerms(frozenset(), frozenset())


PREDICATES = [nt(n) for n in ("a", "b", "c", "other")] + [TYPE]
OBJECTS = [nt(n) for n in ("x", "y", "C", "D", "E")] + ['"1"', '"x"@en']
QUERIES = [
    "SELECT ?s WHERE { ?s ex:a ?o . ?o ex:b ?x }",
    "SELECT ?s ?o WHERE { ?s ex:a/ex:b|^ex:c ?o }",
    "SELECT ?s WHERE { ?s a ex:C . FILTER NOT EXISTS { ?s ex:b ?z } }",
    "SELECT ?s ?c WHERE { VALUES ?c { ex:C ex:D } ?s a ?c OPTIONAL { ?s ex:c ?w } }",
    "SELECT ?s WHERE { { ?s ex:a ?o } UNION { ?s a ex:D } MINUS { ?s ex:b ex:x } }",
    "SELECT ?g ?s WHERE { GRAPH ?g { ?s ex:c ?o FILTER(isLiteral(?o)) } }",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(OBJECTS[:3]),
            st.sampled_from(PREDICATES),
            st.sampled_from(OBJECTS),
            st.sampled_from(["urn:g:1", "urn:g:2"]),
        ),
        max_size=25,
    )
)
def test_a_store_of_what_the_queries_read_gives_the_same_answers(quads):
    """The engine's use: all queries over a store holding only the triples they can read."""
    text = "".join(f"{s} {p} {o} <{g}> .\n" for s, p, o, g in quads)
    read = union(named_terms(P + q) for q in QUERIES)
    assert read is not None and read.classes is not None
    kept = "".join(f"{s} {p} {o} <{g}> .\n" for s, p, o, g in quads if read.keeps(p, o))
    whole, part = ox.Store(), ox.Store()
    whole.load(text, format=ox.RdfFormat.N_QUADS)
    part.load(kept, format=ox.RdfFormat.N_QUADS)
    for q in QUERIES:
        answers = [
            sorted(str(list(row)) for row in s.query(P + q, use_default_graph_as_union=True))
            for s in (whole, part)
        ]
        assert answers[0] == answers[1], q


def test_a_rule_set_reads_what_its_shapes_name_and_anything_once_one_reads_anything(tmp_path):
    """Compiled from shapes: the paths and classes are named; a SHACL-SPARQL constraint with a
    variable predicate makes the whole rule set read anything (batches hold every triple)."""
    core = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
    @prefix sk: <https://w3id.org/safetykg/def#> .
    ex:S a sh:NodeShape ; sk:ruleId "S" ; sh:targetClass ex:Thing ;
        sh:property [ sh:path ex:a ; sh:minCount 1 ] ;
        sh:property [ sh:path ( ex:b ex:c ) ; sh:class ex:C ] .
    """
    anything = """
    ex:T a sh:NodeShape ; sk:ruleId "T" ; sh:targetClass ex:Thing ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ex:x }" ] .
    """
    (tmp_path / "core.ttl").write_text(core, encoding="utf-8")
    (tmp_path / "any.ttl").write_text(core + anything, encoding="utf-8")
    terms = RuleSet([tmp_path / "core.ttl"]).named_terms
    assert terms is not None and terms.classes is not None
    assert {nt("a"), nt("b"), nt("c"), TYPE} <= terms.predicates
    assert {nt("Thing"), nt("C")} <= terms.classes
    assert not terms.keeps(nt("other"), nt("x")) and not terms.keeps(TYPE, nt("Other"))
    assert RuleSet([tmp_path / "any.ttl"]).named_terms is None
