"""The one Lambda artifact: our code + runtime dependencies for the Lambda platform, as a
reproducible zip (sorted entries, fixed timestamps and modes) that every function shares.

Why one zip for all nine functions rather than per-function zips or a dependency layer:
the functions share ``assistant_core`` and must never run different versions of it; one
artifact means one hash, one upload to S3 and one thing to inspect. The kb-sync-only
dependencies (google-auth, requests) cost ~2 MB, far below the 250 MB unzipped limit, which
is cheaper than the version skew and extra moving parts of a layer. The hybrid index the answerer
retrieves with (numpy, bm25s, PyStemmer) is the largest part: ~50 MB unzipped, most of it numpy
and its bundled OpenBLAS.

Run ``python -m infra.packaging`` to build it and print its size.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SOURCE_PACKAGES = ("handlers", "assistant_core", "kb_sync")
# Never shipped: the offline stack, tests, caches, dev tooling that a stray dependency could pull in.
EXCLUDED_SOURCE_DIRS = {"assistant_core/local", "assistant_core/gateway", "assistant_core/cli", "__pycache__", "tests",
                        "test"}
EXCLUDED_SOURCE_FILES = {"assistant_core/bootstrap/local.py"}  # the laptop's composition (imports local/)
EXCLUDED_DEPENDENCIES = {
    "bin", "pip", "setuptools", "wheel", "pkg_resources", "_distutils_hack", "pytest", "_pytest",
    "pulumi", "pulumi_aws", "moto", "hypothesis", "ruff", "playwright", "websockets",
}
# Test suites inside dependency packages (numpy/_core/tests, jsonschema/tests...): never imported at run time.
DEPENDENCY_TEST_DIRS = {"tests"}
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")  # AL2023 (glibc 2.34) runs both
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # earliest zip timestamp: builds are byte-identical
ZIP_LIMIT = 50 * 1024 * 1024  # direct-upload limit; we upload via S3 but stay under it anyway
UNZIPPED_LIMIT = 250 * 1024 * 1024  # hard Lambda limit for code + layers


@dataclass(frozen=True)
class BuiltPackage:
    path: Path
    sha256_hex: str
    size: int
    unzipped_size: int

    @property
    def source_code_hash(self) -> str:
        """What Lambda reports as ``CodeSha256``: base64 of the raw digest."""
        return base64.b64encode(bytes.fromhex(self.sha256_hex)).decode()

    @classmethod
    def from_file(cls, path: Path) -> BuiltPackage:
        data = path.read_bytes()
        with zipfile.ZipFile(path) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
        return cls(path, hashlib.sha256(data).hexdigest(), len(data), unzipped)


def runtime_requirements(pyproject: Path, extras: Sequence[str] = ("sync",)) -> tuple[str, ...]:
    """The project's run-time dependencies (+ the given extras) — never dev/local/infra ones."""
    project = tomllib.loads(pyproject.read_text())["project"]
    reqs = list(project.get("dependencies", []))
    for extra in extras:
        reqs += project.get("optional-dependencies", {}).get(extra, [])
    return tuple(sorted(set(reqs)))


def python_version(runtime: str) -> str:
    """``python3.13`` -> ``3.13``."""
    if not runtime.startswith("python"):
        raise ValueError(f"not a Python Lambda runtime: {runtime}")
    return runtime.removeprefix("python")


def _source_files(root: Path) -> Iterator[tuple[str, Path]]:
    for pkg in SOURCE_PACKAGES:
        base = root / pkg
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(root).as_posix()
            parts = rel.split("/")
            if path.is_dir() or any(p in EXCLUDED_SOURCE_DIRS for p in parts):
                continue
            if rel in EXCLUDED_SOURCE_FILES or any(rel.startswith(d + "/") for d in EXCLUDED_SOURCE_DIRS):
                continue
            if path.suffix in {".pyc", ".pyo"} or path.name.startswith(("test_", ".")):
                continue
            yield rel, path


def _dependency_files(deps: Path) -> Iterator[tuple[str, Path]]:
    for path in deps.rglob("*"):
        rel = path.relative_to(deps).as_posix()
        top = rel.split("/")[0]
        name = top.split("-")[0] if top.endswith(".dist-info") else top.removesuffix(".py")
        parts = rel.split("/")
        if path.is_dir() or name in EXCLUDED_DEPENDENCIES or "__pycache__" in parts:
            continue
        if any(p in DEPENDENCY_TEST_DIRS for p in parts[1:-1]):  # a package's own test suite (numpy's: 6.6 MB)
            continue
        if path.suffix in {".pyc", ".pyo"}:
            continue
        yield rel, path


def write_zip(entries: dict[str, Path], out: Path) -> None:
    """Deterministic zip: sorted names, fixed time, fixed modes, fixed compression level."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            mode = 0o755 if name.endswith(".so") or ".so." in name else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the modes above are honoured
            zf.writestr(info, entries[name].read_bytes(), compresslevel=9)
    os.replace(tmp, out)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()


def install_dependencies(
    requirements: Sequence[str], py_version: str, cache: Path, constraints: Path | None = None
) -> Path:
    """pip-install the wheels for Lambda (arm64, ``py_version``) once per requirement set."""
    pins = constraints.read_bytes() if constraints and constraints.exists() else b""
    key = _digest("\n".join(requirements).encode(), pins, py_version.encode(), ",".join(PLATFORMS).encode())
    target = cache / f"deps-{py_version}-{key[:16]}"
    if (target / ".complete").exists():
        return target
    work = Path(tempfile.mkdtemp(prefix="deps-", dir=cache))
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(work),
           "--implementation", "cp", "--python-version", py_version, "--only-binary=:all:"]
    for plat in PLATFORMS:
        cmd += ["--platform", plat]
    if pins:
        cmd += ["--constraint", str(constraints)]
    subprocess.run([*cmd, *requirements], check=True)
    (work / ".complete").write_text("ok\n")
    if target.exists():  # a concurrent build finished first; keep its copy
        return target
    os.replace(work, target)
    return target


def build_lambda_zip(
    root: Path, *, runtime: str = "python3.13", cache: Path | None = None, constraints: Path | None = None
) -> BuiltPackage:
    """Build (or reuse) ``build/lambda/lambda-<hash>.zip`` for the tree at ``root``."""
    cache = cache or root / "build" / "lambda"
    cache.mkdir(parents=True, exist_ok=True)
    constraints = constraints or Path(__file__).with_name("lambda-constraints.txt")
    reqs = runtime_requirements(root / "pyproject.toml")
    deps = install_dependencies(reqs, python_version(runtime), cache, constraints)
    entries = {rel: p for rel, p in _dependency_files(deps) if rel != ".complete"}
    entries.update(dict(_source_files(root)))  # our code wins over any same-named dependency file
    key = _digest(*(n.encode() + b"\0" + entries[n].read_bytes() for n in sorted(entries)))
    out = cache / f"lambda-{key[:16]}.zip"
    if not out.exists():
        write_zip(entries, out)
        for old in cache.glob("lambda-*.zip"):  # keep the cache to the latest artifact
            if old != out:
                old.unlink(missing_ok=True)
    built = BuiltPackage.from_file(out)
    if built.size > ZIP_LIMIT or built.unzipped_size > UNZIPPED_LIMIT:
        raise RuntimeError(f"Lambda package too large: {built.size} B zipped, {built.unzipped_size} B unzipped")
    return built


if __name__ == "__main__":
    pkg = build_lambda_zip(Path(__file__).resolve().parent.parent)
    print(f"{pkg.path}\n  zipped   {pkg.size / 1e6:.1f} MB\n  unzipped {pkg.unzipped_size / 1e6:.1f} MB"
          f"\n  sha256   {pkg.sha256_hex}")
