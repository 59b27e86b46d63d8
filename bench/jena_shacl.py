"""Apache Jena SHACL (Debian's ``libapache-jena-java``) run from Python, for bench/compare.py.

Debian's Jena 4.5 does not start as packaged: jena-core renames its bundled Xerces classes to the
package ``xerces`` but leaves their message bundles under ``org/apache/jena/ext/xerces``. The
first XSD datatype Jena builds compiles a pattern facet; Xerces' regex parser cannot find
``xerces.impl.xpath.regex.message``, the facet fails and Xerces throws ``RuntimeException:
internal error`` from ``XSSimpleTypeDecl.applyFacets1`` (on any Java, not a Java 17 problem).
Copying those ``.properties`` files to where the renamed classes look (a folder put on the
class path) is enough. The class path lists the jars Debian's package depends on, with one
SLF4J binding (``slf4j-nop``): the whole of /usr/share/java has two that refuse to start together.

    apt-get install libapache-jena-java
"""

from __future__ import annotations

import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
JENA_MODULES = [
    "arq",
    "base",
    "cmds",
    "core",
    "dboe-base",
    "dboe-index",
    "dboe-storage",
    "dboe-trans-data",
    "dboe-transaction",
    "iri",
    "rdfconnection",
    "shacl",
    "shex",
    "tdb",
    "tdb2",
]
DEPENDENCIES = [
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpcore",
    "jackson-core",
    "jackson-databind",
    "jsonld-java",
    "protobuf",
    "thrift",
    "titanium-json-ld",
    "jakarta.json-api",
    "slf4j-api",
    "slf4j-nop",
]
BUNDLE_PREFIX = "org/apache/jena/ext/"
INSTALL = "apt-get install libapache-jena-java"


class JenaUnavailable(RuntimeError):
    """Jena SHACL cannot run here; the message says why."""


@dataclass
class JenaRun:
    seconds: float
    report_turtle: str


def _jar(name: str) -> Path | None:
    exact = JAVA_DIR / f"{name}.jar"
    if exact.exists():
        return exact
    versioned = sorted(JAVA_DIR.glob(f"{name}-[0-9]*.jar"))
    return versioned[0] if versioned else None


def _message_bundles(jena_core: Path, folder: Path) -> Path:
    """The Xerces message bundles of ``jena_core``, copied to where its renamed classes look."""
    with zipfile.ZipFile(jena_core) as jar:
        for name in jar.namelist():
            if name.startswith(BUNDLE_PREFIX + "xerces/") and name.endswith(".properties"):
                out = folder / name[len(BUNDLE_PREFIX) :]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(jar.read(name))
    return folder


def class_path(work: Path) -> str:
    """The class path of Jena SHACL, or ``JenaUnavailable`` naming what is missing."""
    if shutil.which("java") is None:
        raise JenaUnavailable("no java on PATH (apt-get install default-jre-headless)")
    jars: list[Path] = []
    missing = []
    for name in [f"jena-{m}" for m in JENA_MODULES] + DEPENDENCIES:
        jar = _jar(name)
        if jar is None:
            missing.append(name)
        else:
            jars.append(jar)
    if missing:
        raise JenaUnavailable(f"missing jars in {JAVA_DIR}: {', '.join(missing)} ({INSTALL})")
    bundles = _message_bundles(JAVA_DIR / "jena-core.jar", work / "jena-xerces-bundles")
    return ":".join(str(p) for p in [*jars, bundles])


def validate(shapes: Path, data: Path, work: Path, timeout: float) -> JenaRun:
    """Run ``shacl validate`` on two N-Triples files; the report is Turtle. The time is the
    whole command: JVM start, parsing both files, validation, writing the report."""
    command = [
        "java",
        "-Xmx8g",
        "-cp",
        class_path(work),
        "shacl.shacl",
        "validate",
        "--shapes",
        str(shapes),
        "--data",
        str(data),
    ]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise JenaUnavailable(f"no answer within {timeout:.0f} s") from exc
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise JenaUnavailable(f"exit {done.returncode}: {' | '.join(lines[:3])}")
    return JenaRun(seconds, done.stdout)


def version() -> str:
    jars = sorted(JAVA_DIR.glob("jena-shacl-[0-9]*.jar"))
    return jars[0].name.removeprefix("jena-shacl-").removesuffix(".jar") if jars else "?"
