"""The Lambda artifact: what goes in, what stays out, right platform, reproducible, within limits.

``test_real_package_*`` run pip against the package registry (marked ``network``; the wheels
are cached under build/lambda, so only the first run per machine downloads anything).
"""

from __future__ import annotations

import ast
import os
import re
import struct
import sys
import time
import zipfile
from pathlib import Path

import pytest

from infra.packaging import (
    FIXED_TIME,
    UNZIPPED_LIMIT,
    ZIP_LIMIT,
    BuiltPackage,
    _dependency_files,
    _source_files,
    build_lambda_zip,
    python_version,
    runtime_requirements,
    write_zip,
)

from .conftest import ROOT

EM_AARCH64 = 183
DEV_TOP_LEVEL = {"pytest", "_pytest", "pulumi", "pulumi_aws", "moto", "ruff", "hypothesis", "playwright",
                 "pip", "setuptools", "bin", "tests", "wordllama", "aiohttp"}


def _tree(root: Path) -> None:
    for rel in ("handlers/__init__.py", "handlers/answerer.py", "assistant_core/settings.py",
                "assistant_core/local/cli.py", "assistant_core/tests/test_x.py", "assistant_core/__pycache__/a.pyc",
                "kb_sync/state.py", "kb_sync/test_sync.py", "kb_sync/prompt.md", "tests/unit/test_a.py"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"# {rel}\n")


def test_source_selection_excludes_local_stack_tests_and_caches(tmp_path: Path) -> None:
    _tree(tmp_path)
    names = {rel for rel, _ in _source_files(tmp_path)}
    assert names == {"handlers/__init__.py", "handlers/answerer.py", "assistant_core/settings.py",
                     "kb_sync/state.py", "kb_sync/prompt.md"}


def test_dependency_test_suites_stay_out(tmp_path: Path) -> None:
    for rel in ("numpy/__init__.py", "numpy/testing/__init__.py", "numpy/_core/tests/test_a.py",
                "numpy/__pycache__/x.pyc", "bm25s/__init__.py", "pip/__init__.py", "numpy-2.4.6.dist-info/RECORD"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert {rel for rel, _ in _dependency_files(tmp_path)} == {
        "numpy/__init__.py", "numpy/testing/__init__.py", "bm25s/__init__.py", "numpy-2.4.6.dist-info/RECORD"}


def test_zip_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    _tree(tmp_path)
    entries = dict(_source_files(tmp_path))
    write_zip(entries, tmp_path / "a.zip")
    time.sleep(1.1)
    for p in entries.values():  # new mtimes must not change the artifact
        os.utime(p)
    write_zip(dict(reversed(list(entries.items()))), tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {FIXED_TIME}
    built = BuiltPackage.from_file(tmp_path / "a.zip")
    assert len(built.source_code_hash) == 44  # base64 of a SHA-256 digest, as Lambda reports it


def test_runtime_requirements_are_the_run_time_ones_only() -> None:
    reqs = runtime_requirements(ROOT / "pyproject.toml")
    names = {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower() for r in reqs}
    assert {"pyjwt", "cryptography", "jsonschema", "jiter", "google-auth", "requests"} <= names
    assert {"numpy", "bm25s", "pystemmer"} <= names  # the answerer's in-process index (retriever: index)
    assert not names & {"pulumi", "pulumi-aws", "pytest", "moto", "ruff", "hypothesis", "wordllama", "playwright"}
    assert python_version("python3.13") == "3.13"
    with pytest.raises(ValueError):
        python_version("nodejs20.x")


@pytest.fixture(scope="session")
def real_package() -> BuiltPackage:
    if os.environ.get("ASSISTANT_SKIP_NETWORK_TESTS"):
        pytest.skip("ASSISTANT_SKIP_NETWORK_TESTS set")
    return build_lambda_zip(ROOT, runtime="python3.13")


def _elf_machine(data: bytes) -> int:
    assert data[:4] == b"\x7fELF", "not an ELF file"
    return struct.unpack_from("<H", data, 18)[0]


@pytest.mark.network
def test_real_package_contents(real_package: BuiltPackage) -> None:
    with zipfile.ZipFile(real_package.path) as zf:
        names = zf.namelist()
    tops = {n.split("/")[0] for n in names}
    # Our code, whatever the handlers directory holds today.
    for rel, _ in _source_files(ROOT):
        assert rel in names, rel
    assert "handlers/__init__.py" in names and "assistant_core/settings.py" in names
    assert not any(n.startswith(("assistant_core/local/", "tests/")) for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not tops & DEV_TOP_LEVEL, tops & DEV_TOP_LEVEL
    for module in ("jwt", "cryptography", "jsonschema", "jiter", "google", "requests", "numpy", "bm25s"):
        assert module in tops, module
    assert any(t.startswith("Stemmer.cpython-313-") for t in tops)  # PyStemmer is one extension module
    assert not any("/tests/" in n for n in names)  # dependencies' own test suites are left out


@pytest.mark.network
def test_real_package_native_code_is_linux_arm64_for_the_runtime(real_package: BuiltPackage) -> None:
    with zipfile.ZipFile(real_package.path) as zf:
        sos = [n for n in zf.namelist() if n.endswith(".so") or ".so." in n]
        assert sos, "expected native extensions (cryptography, jiter, cffi, rpds)"
        for name in sos:
            assert _elf_machine(zf.read(name)[:64]) == EM_AARCH64, name
            vendored_lib = name.split("/")[0].endswith(".libs")  # auditwheel's bundled shared libraries
            assert "x86_64" not in name, name
            assert "cpython-313-aarch64" in name or ".abi3." in name or vendored_lib, name
        for pkg in ("cryptography", "jiter", "cffi", "rpds_py", "numpy", "pystemmer"):
            wheel = [n for n in zf.namelist() if re.fullmatch(rf"{pkg}-[^/]+\.dist-info/WHEEL", n)]
            assert wheel, pkg
            tags = [line for line in zf.read(wheel[0]).decode().splitlines() if line.startswith("Tag:")]
            assert tags and all("aarch64" in t for t in tags), (pkg, tags)
    native = {n.split("/")[0] for n in sos}
    assert {"cryptography", "jiter", "numpy"} <= native


@pytest.mark.network
def test_real_package_fits_lambda_limits_and_is_cached(real_package: BuiltPackage) -> None:
    assert real_package.size < ZIP_LIMIT and real_package.unzipped_size < UNZIPPED_LIMIT
    again = build_lambda_zip(ROOT, runtime="python3.13")  # same inputs: same file, same hash
    assert (again.path, again.sha256_hex) == (real_package.path, real_package.sha256_hex)
    print(f"\nLambda package: {real_package.size / 1e6:.1f} MB zipped, "
          f"{real_package.unzipped_size / 1e6:.1f} MB unzipped")


FIRST_PARTY = ("handlers", "assistant_core", "kb_sync")


def _imports(source: str, module: str, is_pkg: bool) -> set[tuple[str, bool]]:
    """Absolute names imported anywhere in a module (function-level too), minus TYPE_CHECKING blocks."""
    tree = ast.parse(source)
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
            and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    package = module if is_pkg else module.rpartition(".")[0]
    found: set[tuple[str, bool]] = set()  # (name, must exist as a module)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {(a.name, True) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.add((base, True))
            found |= {(f"{base}.{a.name}", False) for a in node.names}  # a submodule or an attribute
    return found


def missing_imports(zip_path: Path, entry_modules: list[str]) -> set[str]:
    """Modules reachable from the handlers that the zip cannot provide (static, conservative)."""
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        tops = {n.split("/")[0].partition(".")[0] for n in names}  # six.py, Stemmer.cpython-313-...so

        def file_of(mod: str) -> tuple[str, bool] | None:
            path = mod.replace(".", "/")
            if f"{path}.py" in names:
                return f"{path}.py", False
            if f"{path}/__init__.py" in names:
                return f"{path}/__init__.py", True
            return None

        missing, seen, todo = set(), set(), list(entry_modules)
        while todo:
            mod = todo.pop()
            if mod in seen:
                continue
            seen.add(mod)
            found = file_of(mod)
            if found is None:
                missing.add(mod)
                continue
            for name, required in _imports(zf.read(found[0]).decode(), mod, found[1]):
                top = name.split(".")[0]
                if top in FIRST_PARTY:
                    if file_of(name) is not None:
                        todo.append(name)
                    elif required:
                        missing.add(name)
                elif required and top not in sys.stdlib_module_names and top not in tops and top != "__future__":
                    missing.add(name)
    return missing


@pytest.mark.network
def test_real_package_provides_every_module_the_handlers_import(real_package: BuiltPackage) -> None:
    from infra.backend import HANDLERS

    entries = sorted({h.rpartition(".")[0] for h in HANDLERS.values()
                      if (ROOT / (h.rpartition(".")[0].replace(".", "/") + ".py")).exists()})
    assert entries, "no handler modules in the tree yet"
    assert missing_imports(real_package.path, entries) == set()


def test_import_closure_check_finds_what_is_missing(tmp_path: Path) -> None:
    files = {
        "handlers/__init__.py": "", "handlers/a.py": "from assistant_core.aws import x\nimport json\n",
        "assistant_core/__init__.py": "", "assistant_core/aws/__init__.py": "",
        "assistant_core/aws/x.py": "def f():\n    from ..local.compose import g\n    import numpy\n",
    }
    entries = {}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
        entries[rel] = tmp_path / rel
    write_zip(entries, tmp_path / "t.zip")
    assert missing_imports(tmp_path / "t.zip", ["handlers.a"]) == {"assistant_core.local.compose", "numpy"}
