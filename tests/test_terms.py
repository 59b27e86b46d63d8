"""N-Triples terms of the fast path read back as the same RDF terms."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given
from hypothesis import strategies as st

from safetykg.reasoner.terms import nt_literal

JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"


def read_object(term: str) -> ox.Literal:
    (triple,) = ox.parse(f"<urn:s> <urn:p> {term} .\n", format=ox.RdfFormat.N_TRIPLES)
    return triple.object


@given(st.text())
def test_any_text_is_escaped_and_read_back_unchanged(text: str) -> None:
    assert read_object(nt_literal(text)).value == text


@given(st.text(), st.sampled_from([None, JSON]))
def test_typed_literals_keep_value_and_datatype(text: str, datatype: str | None) -> None:
    literal = read_object(nt_literal(text, datatype))
    assert literal.value == text
    assert literal.datatype.value == (datatype or "http://www.w3.org/2001/XMLSchema#string")


def test_quotes_backslashes_and_line_breaks_are_escaped() -> None:
    assert nt_literal('a"b\\c\nd\re') == '"a\\"b\\\\c\\nd\\re"'
