"""The wheel carries the whole app, and the Dockerfile lints clean.

No Docker engine runs here, so the image is proven in two halves: hadolint checks the Dockerfile,
and the wheel it installs is built, installed into a fresh venv outside the checkout (no access
to server/, static/ or frontend/) and served: page, a module, the vendor library and health.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, free_port

pytestmark = pytest.mark.slow


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_contract() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2  # multi-stage
    assert "npm ci" in text and "ARG JAX_EXTRA" in text and "HEALTHCHECK" in text
    assert "/api/health" in text and "XLA_PYTHON_CLIENT_PREALLOCATE=false" in text
    user = [line for line in text.splitlines() if line.startswith("USER ")]
    assert user and user[-1].split()[1] not in ("root", "0")


def test_wheel_installs_and_serves_outside_the_checkout(tmp_path: Path) -> None:
    uplot = ROOT / "frontend" / "node_modules" / "uplot" / "dist" / "uPlot.esm.js"
    if not uplot.is_file():  # the wheel needs the vendor files: install them like `make` does
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "frontend", check=True)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("nnplayground-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # The checkout's pip installs into the fresh venv (faster than bootstrapping a new pip);
    # dependencies come from PyPI or pip's cache, exactly as in the image.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-compile", "--disable-pip-version-check", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip

    run_dir = tmp_path / "elsewhere"  # not the checkout: nothing can be picked up from it
    run_dir.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import nnplayground; print(nnplayground.__file__)"],
        cwd=run_dir, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    assert where.startswith(str(venv)), where

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(venv / "bin" / "nnplayground"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=run_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, process, tmp_path / "serve.log")
        for path, marker in [
            ("/", b"<!DOCTYPE html"),
            ("/frontend/main.js", b"import"),
            ("/vendor/uplot/uPlot.esm.js", b"uPlot"),
            ("/api/health", b'"status":"ok"'),
        ]:
            with urllib.request.urlopen(base + path, timeout=10) as r:
                body = r.read()
            assert r.status == 200 and marker.lower() in body.lower(), path
        with urllib.request.urlopen(base + "/api/health", timeout=10) as r:
            assert b'"assets":{"static":true,"frontend":true,"uplot":true}' in r.read()
    finally:
        process.terminate()
        process.wait(30)
        log.close()
    shutil.rmtree(venv, ignore_errors=True)


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import time

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("installed server never became ready:\n" + log.read_text(errors="replace"))
