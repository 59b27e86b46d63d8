"""A plain HTML query page for /sparql, with the supervisors' common queries as examples."""

from html import escape

EXAMPLES = {
    "Enterprises by risk level": """PREFIX sk: <https://w3id.org/safetykg/def#>
SELECT ?code ?name ?level WHERE {
  ?e sk:creditCode ?code ; sk:name ?name ; sk:riskAssessment/sk:riskLevel ?level .
} ORDER BY ?level ?code""",
    "Major hazard sources with grade": """PREFIX sk: <https://w3id.org/safetykg/def#>
SELECT ?name ?unit ?grade ?R WHERE {
  ?e sk:name ?name ; sk:hasMajorHazardSource ?u .
  ?u sk:unitName ?unit ; sk:majorHazardGrade ?grade ; sk:rValue ?R .
} ORDER BY ?grade""",
    "Why is an enterprise red?": """PREFIX sk: <https://w3id.org/safetykg/def#>
SELECT ?name ?rule ?because WHERE {
  ?e sk:name ?name ; sk:riskAssessment ?a .
  ?a sk:reason ?r . ?r sk:rule ?rule ; sk:because ?because .
}""",
    "Enterprises per province": """PREFIX sk: <https://w3id.org/safetykg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX region: <https://w3id.org/safetykg/region/>
SELECT ?province ?label (COUNT(?e) AS ?n) WHERE {
  ?e a sk:Enterprise ; sk:withinRegion ?province . ?province a sk:Province ; rdfs:label ?label .
} GROUP BY ?province ?label""",
    "Dust-explosion enterprises": """PREFIX sk: <https://w3id.org/safetykg/def#>
SELECT ?code ?name WHERE { ?e a sk:DustExplosionEnterprise ; sk:creditCode ?code ; sk:name ?name }""",
}

_options = "".join(
    f'<option value="{escape(q)}">{escape(title)}</option>' for title, q in EXAMPLES.items()
)
_first = escape(next(iter(EXAMPLES.values())))

SPARQL_PAGE = f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>SafetyKG SPARQL</title>
<style>body{{font-family:sans-serif;margin:2em}}textarea{{width:100%;height:16em;font-family:monospace}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em}}</style></head>
<body><h1>SafetyKG SPARQL</h1>
<p>Read-only SPARQL 1.1 endpoint. Examples: <select id="ex">{_options}</select></p>
<textarea id="q">{_first}</textarea><br><button id="run">Run</button>
<div id="out"></div>
<script>
document.getElementById('ex').onchange = e => document.getElementById('q').value = e.target.value;
document.getElementById('run').onclick = async () => {{
  const r = await fetch('/sparql', {{method: 'POST', headers: {{'Content-Type': 'application/sparql-query',
    'Accept': 'application/sparql-results+json'}}, body: document.getElementById('q').value}});
  const out = document.getElementById('out');
  if (!r.ok) {{ out.textContent = (await r.json()).detail; return; }}
  const data = await r.json();
  if (!data.head) {{ out.textContent = JSON.stringify(data); return; }}
  const vars = data.head.vars || [];
  const rows = (data.results ? data.results.bindings : []).map(b =>
    '<tr>' + vars.map(v => '<td>' + (b[v] ? b[v].value.replace(/</g, '&lt;') : '') + '</td>').join('') + '</tr>');
  out.innerHTML = data.boolean !== undefined ? String(data.boolean) :
    '<table><tr>' + vars.map(v => '<th>' + v + '</th>').join('') + '</tr>' + rows.join('') + '</table>';
}};
</script></body></html>
"""
