"""`make demo` from a clean clone: it installs only the `local` extra, and the server it starts runs on that
extra alone and prints no DEBUG line at the default log level.

The install itself needs PyPI, which tests may not reach, so the test checks the two halves separately:
what `make demo` would run (make's dry run, on a virtualenv path that does not exist), and the server
started from a clean clone with every package that only the other extras bring made unimportable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The import names of what only `dev`, `infra` and `sync` bring (the test tools, Pulumi, Google auth).
NOT_IN_LOCAL = ("pulumi", "pulumi_aws", "playwright", "hypothesis", "pytest", "websockets", "ruff", "google.auth")

_BLOCKER = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ModuleNotFoundError(f"{{name}} is not in the 'local' extra", name=name)
        return None
sys.meta_path.insert(0, Blocker())
sys.argv = ["assistant", *{argv!r}]
from assistant_core.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_make_demo_installs_only_the_local_extra(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "-n", "demo", f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    installs = [line for line in out.splitlines() if "pip install" in line and "-e" in line]
    assert installs and all("'.[local]'" in line for line in installs), out
    assert "[dev]" not in out


def test_the_local_extra_lists_what_serving_imports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    local = " ".join(project["optional-dependencies"]["local"])
    for needed in ("wordllama", "aiohttp", "moto"):
        assert needed in local
    for needed in ("bm25s", "numpy", "PyStemmer"):  # the index is a run-time dependency (the Lambdas use it too)
        assert needed in " ".join(project["dependencies"])
    assert not re.search(r"pulumi|playwright|hypothesis|pytest|ruff", local)


@pytest.mark.slow
def test_demo_starts_from_a_clean_clone_on_the_local_extra_without_debug_lines(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    # The clone's own code, a cold index cache (a fresh HOME), the default log level.
    env = {**os.environ, "HOME": str(tmp_path / "home"), "PYTHONPATH": str(clone), "PYTHONUNBUFFERED": "1"}
    env.pop("ASSISTANT_LOG_LEVEL", None)
    argv = ["serve", "--port", "0", "--docs", str(clone / "examples" / "help-center"),
            "--state-dir", str(tmp_path / "state")]
    code = _BLOCKER.format(blocked=NOT_IN_LOCAL, argv=argv)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=clone, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if re.search(r"open http://127\.0\.0\.1:\d+/", line):
                break
        else:
            pytest.fail("the demo server exited before it was ready:\n" + "".join(lines))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    startup = "".join(lines)
    assert "DEBUG" not in startup, startup
    assert "Traceback" not in startup, startup
