"""SPARQL that would make the server fetch remote data (SSRF) is refused before it runs."""

import http.server
import threading

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from safetykg.reasoner.sparql_guard import remote_access
from safetykg.reasoner.sparql_query import QueryError, QueryJob, run_query


@pytest.mark.parametrize(
    ("sparql", "keyword"),
    [
        ("SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("select * { service silent <http://x> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE {\n  SeRvIcE ?endpoint { ?s ?p ?o } }", "SERVICE"),
        ("LOAD <http://example.org/data.ttl> INTO GRAPH <urn:g>", "LOAD"),
        ("load silent <file:///etc/passwd>", "LOAD"),
        ('SELECT ?s WHERE { ?s ?p "SERVICE" }', None),
        ("SELECT ?s WHERE { ?s <http://x/SERVICE> ?o } # SERVICE in a comment", None),
        ("PREFIX ex: <http://x/> SELECT ?service WHERE { ?service ex:LOAD ex:SERVICE }", None),
        ('SELECT * { ?s ?p """a\nSERVICE <http://x> {}""" }', None),
    ],
)
def test_remote_access_keywords(sparql, keyword):
    assert remote_access(sparql) == keyword


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_text_inside_a_literal_is_never_a_keyword(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    assert remote_access(f'SELECT * WHERE {{ ?s ?p "{escaped}" }}') is None


def test_no_request_leaves_the_server():
    """A real HTTP server on loopback sees nothing when SERVICE is sent to the endpoint's runner."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        with pytest.raises(QueryError, match="SERVICE is not allowed"):
            run_query(ox.Store(), QueryJob(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
    finally:
        server.shutdown()
    assert seen == []
