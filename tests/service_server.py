"""Starting and stopping the real ``safetykg serve`` process for the service tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Server:
    process: subprocess.Popen
    base: str

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def output(self) -> str:
        return self.process.stdout.read().decode() if self.process.stdout else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(data: Path | None = None, *options: str) -> Server:
    port = _free_port()
    args = [sys.executable, "-m", "safetykg", "serve", "--port", str(port), *options]
    if data is not None:
        args += ["--data", str(data)]
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stdout.read().decode())
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return Server(process, base)
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("server did not start")


def create_token(data: Path, role: str, credit_code: str | None = None) -> str:
    args = [sys.executable, "-m", "safetykg", "token", "create", "--data", str(data)]
    args += ["--role", role, "--name", f"test {role}"]
    if credit_code:
        args += ["--credit-code", credit_code]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def is_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and "Traceback" not in response.text
    return body
