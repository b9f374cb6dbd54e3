"""The layering rules of docs/architecture.md, checked by reading the source.

An AST walk over ``assistant_core``, ``handlers``, ``kb_sync``, ``infra`` and the Pulumi ``__main__.py``
collects every import (top level, inside functions, under ``if TYPE_CHECKING:``; relative ones resolved,
``importlib.import_module("literal")`` included) and checks:

1. The domain (every ``assistant_core`` module outside the adapter and composition packages, i.e. the
   capability packages and the kernel modules) imports no adapter (``aws``, ``remote``, ``local``), no
   composition or laptop code (``bootstrap``, ``gateway``, ``cli``), no outer package (``handlers``,
   ``kb_sync``, ``infra``) and no boto3/botocore; only ``assistant_core.settings`` reads the process
   environment. No module at all writes it.
2. Production code (handlers, ``aws/``, ``remote/``, ``bootstrap/`` except ``bootstrap/local.py``,
   ``kb_sync``, ``infra``, ``__main__.py``) imports nothing that exists only on a laptop: ``local/``,
   ``gateway/``, ``cli/``, ``bootstrap/local.py``. Lazy imports inside functions count: they fail just the
   same in a Lambda, only later.
3. There is no import cycle between modules. The graph holds the imports that run when a module is
   first imported (top level and class bodies, not function bodies, not ``TYPE_CHECKING`` blocks);
   importing ``a.b.c`` also runs ``a.b``'s ``__init__``, so that counts as an edge too, except for the
   importer's own parent packages.

Two checks run code: every name a package's ``__init__`` lists in ``__all__`` resolves, and importing
every handler (what a Lambda does) loads no laptop-only module and no distribution of the ``local`` extra.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant_core", "handlers", "kb_sync", "infra")
EXTRA_FILES = {"__main__": ROOT / "__main__.py"}  # the Pulumi program's entry point

# assistant_core's subpackages that are not domain: adapters, the composition layer, the laptop-only code.
OUTER = tuple(f"assistant_core.{name}" for name in ("aws", "remote", "local", "bootstrap", "gateway", "cli"))
LAPTOP_ONLY = ("assistant_core.local", "assistant_core.gateway", "assistant_core.cli", "assistant_core.bootstrap.local")
PRODUCTION = ("handlers", "kb_sync", "infra", "assistant_core.aws", "assistant_core.remote", "assistant_core.bootstrap")
DOMAIN_FORBIDDEN = (*OUTER, "boto3", "botocore", "handlers", "kb_sync", "infra")
ENV_READERS = ("assistant_core.settings",)
ENV_WRITERS = {"update", "pop", "popitem", "setdefault", "clear", "__setitem__", "__delitem__"}
ENV_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # the absolute module (or, for a name imported from a package, the package)
    eager: bool  # runs when the importing module is first imported (not in a function, not TYPE_CHECKING)
    lazy: bool  # inside a function body


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    tree: ast.Module

    @property
    def where(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def _discover() -> dict[str, Module]:
    files: dict[str, Path] = dict(EXTRA_FILES)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "static" in parts or "__pycache__" in parts:
                continue
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return {
        name: Module(name, path, path.name == "__init__.py", ast.parse(path.read_text(encoding="utf-8"), str(path)))
        for name, path in files.items()
        if path.exists()
    }


MODULES = _discover()


def _within(target: str, prefixes: tuple[str, ...]) -> bool:
    return any(target == p or target.startswith(p + ".") for p in prefixes)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve_from(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports_of(module: Module) -> Iterator[Import]:
    """Every import in the module, with its line, resolved target and when it runs."""

    def walk(node: ast.AST, eager: bool, lazy: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(child.lineno, alias.name, eager, lazy)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve_from(module, child)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    yield Import(child.lineno, sub if sub in MODULES else base, eager, lazy)
            elif isinstance(child, ast.Call) and (target := _dynamic_target(child)):
                yield Import(child.lineno, target, eager, lazy)
                yield from walk(child, eager, lazy)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, False, True)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), False, lazy)
                for stmt in child.orelse:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), eager, lazy)
            else:
                yield from walk(child, eager, lazy)

    yield from walk(module.tree, True, False)


def _dynamic_target(call: ast.Call) -> str:
    """``importlib.import_module("x.y")`` / ``__import__("x.y")`` with a literal name, else ''."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in ("import_module", "__import__") or not call.args:
        return ""
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""


def environment_reads(module: Module) -> Iterator[tuple[int, str]]:
    """Lines that touch the process environment: ``os.environ``, ``os.getenv``, ``from os import environ``."""
    os_aliases = {"os"}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            os_aliases |= {a.asname or a.name for a in node.names if a.name == "os"}
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and not node.level:
            for alias in node.names:
                if alias.name in ENV_NAMES:
                    yield node.lineno, f"from os import {alias.name}"
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ENV_NAMES
            and isinstance(node.value, ast.Name)
            and node.value.id in os_aliases
        ):
            yield node.lineno, f"{node.value.id}.{node.attr}"


def environment_writes(module: Module) -> Iterator[tuple[int, str]]:
    """Lines that change the process environment: ``os.environ[k] = v``, ``del``, ``.update()``, ``os.putenv``."""

    def is_environ(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ"
        )

    for node in ast.walk(module.tree):
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else []
        targets += [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Subscript) and is_environ(target.value):
                yield node.lineno, "os.environ[...] " + ("deleted" if isinstance(node, ast.Delete) else "assigned")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if is_environ(node.func.value) and node.func.attr in ENV_WRITERS:
                yield node.lineno, f"os.environ.{node.func.attr}()"
            elif node.func.attr in ("putenv", "unsetenv"):
                yield node.lineno, f"os.{node.func.attr}()"


def is_domain(name: str) -> bool:
    return _within(name, ("assistant_core",)) and not _within(name, OUTER)


def is_production(name: str) -> bool:
    return name == "__main__" or (_within(name, PRODUCTION) and not _within(name, LAPTOP_ONLY))


def _describe(module: Module, imp: Import) -> str:
    return f"  {module.where}:{imp.line} → {imp.target}{' (inside a function)' if imp.lazy else ''}"


def _fail(rule: str, lines: list[str], *, keep_order: bool = False) -> None:
    if lines:
        lines = lines if keep_order else sorted(set(lines))
        raise AssertionError(f"{rule}:\n" + "\n".join(lines))


def test_the_walk_sees_the_code_and_resolves_relative_imports() -> None:
    assert {"assistant_core.answering.answerer", "handlers.ws_message", "kb_sync.engine", "infra.backend"} <= set(
        MODULES
    )
    unresolved = [
        f"  {m.where}:{node.lineno} → {_resolve_from(m, node)}"
        for m in MODULES.values()
        for node in ast.walk(m.tree)
        if isinstance(node, ast.ImportFrom) and node.level and _resolve_from(m, node) not in MODULES
    ]
    _fail("Relative imports that name no module of the project", unresolved)


def test_the_domain_imports_no_adapter_composition_or_boto3() -> None:
    _fail(
        "The domain imports adapters, composition/laptop code, outer packages or boto3 "
        "(see docs/architecture.md, 'Rules'; put the wiring in assistant_core/bootstrap/)",
        [
            _describe(m, imp)
            for m in MODULES.values()
            if is_domain(m.name)
            for imp in imports_of(m)
            if _within(imp.target, DOMAIN_FORBIDDEN)
        ],
    )


def test_only_settings_reads_the_environment_in_the_domain() -> None:
    _fail(
        "The domain reads the process environment (only assistant_core/settings.py may; pass Settings in)",
        [
            f"  {m.where}:{line} → {what}"
            for m in MODULES.values()
            if is_domain(m.name) and m.name not in ENV_READERS
            for line, what in environment_reads(m)
        ],
    )


def test_nothing_writes_the_environment() -> None:
    _fail(
        "Code that writes the process environment (pass Settings or explicit arguments instead)",
        [f"  {m.where}:{line} → {what}" for m in MODULES.values() for line, what in environment_writes(m)],
    )


def test_production_code_imports_nothing_laptop_only() -> None:
    _fail(
        "Production code imports laptop-only code: local/, gateway/, cli/ or bootstrap/local.py "
        "(not in the Lambda package; lazy imports fail there too, only later)",
        [
            _describe(m, imp)
            for m in MODULES.values()
            if is_production(m.name)
            for imp in imports_of(m)
            if _within(imp.target, LAPTOP_ONLY)
        ],
    )


def _graph() -> dict[str, dict[str, int]]:
    """module → {imported module: line}, for imports that run at first import, between project modules."""
    graph: dict[str, dict[str, int]] = {name: {} for name in MODULES}
    for module in MODULES.values():
        own_parents = {module.name.rsplit(".", i)[0] for i in range(module.name.count(".") + 1)}
        for imp in imports_of(module):
            if not imp.eager:
                continue
            parts = imp.target.split(".")
            for i in range(1, len(parts) + 1):  # a.b.c runs a, then a.b, then a.b.c
                target = ".".join(parts[:i])
                if target in MODULES and target not in own_parents:
                    graph[module.name].setdefault(target, imp.line)
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    graph = _graph()
    lines = []
    for component in _cycles(graph):
        members = set(component)
        lines.append("  cycle: " + ", ".join(component))
        for name in component:
            for target, line in sorted(graph[name].items()):
                if target in members:
                    lines.append(f"    {MODULES[name].where}:{line} → {target}")
    _fail("Import cycles between modules (imports that run at first import; break one edge)", lines, keep_order=True)


def test_every_public_name_resolves() -> None:
    missing = []
    for name in sorted(MODULES):
        if MODULES[name].is_package and name.startswith("assistant_core"):
            package = importlib.import_module(name)
            missing += [f"  {name}.{n}" for n in getattr(package, "__all__", ()) if not hasattr(package, n)]
    _fail("Names in __all__ that the package does not provide", missing)


def _distribution(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group(0)).lower()


def test_the_handlers_load_nothing_laptop_only() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    shipped = {_distribution(r) for r in [*project["dependencies"], *extras["sync"]]}
    laptop = {_distribution(r) for r in extras["local"]} - shipped
    handlers = sorted(name for name in MODULES if name.startswith("handlers."))
    code = f"import importlib, sys\nfor m in {handlers!r}: importlib.import_module(m)\nprint(*sorted(sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if run.returncode:
        raise AssertionError(f"Importing the handlers failed:\n{run.stderr[-2000:]}")
    owners = packages_distributions()
    found = [f"  {module} (this project)" for module in run.stdout.split() if _within(module, LAPTOP_ONLY)]
    for top in sorted({module.partition(".")[0] for module in run.stdout.split()}):
        dists = [d for d in owners.get(top, ()) if _distribution(d) in laptop]
        found += [f"  {top} (distribution {', '.join(dists)})"] if dists else []
    _fail("Importing the handlers loads laptop-only code (it is not in the Lambda package)", found)
