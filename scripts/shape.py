#!/usr/bin/env python3
"""The shape of the source: modules and lines per app, the largest modules, import cycles and
layer breaks. Reads the files only (no Django), so it runs anywhere.

    python scripts/shape.py           print the numbers
    python scripts/shape.py --check   also fail (exit 1) on a module over the line limit, an
                                      import cycle, or a domain module importing views/api/forms

Rules (issue 13, docs/architecture.md):
- no module over ``MAX_LINES`` lines (migrations and generated files excepted);
- no import cycle between modules, counting the imports that run when a module is imported
  (module level, outside ``if TYPE_CHECKING:``); a package's ``__init__`` gathering its own
  submodules is not a cycle with them;
- a domain module (models, services, selectors, choices, access, events, tasks and the like)
  imports no views, api or forms module, not even inside a function;
- a list's filter set (``filters.py``) is shared by its page and its API: each ``filters``
  module is imported by a views module and by an api module.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
MAX_LINES = 600
PRESENTATION = ("views", "api", "forms", "urls", "admin", "filters", "templatetags",
                "management", "demo", "widgets", "middleware", "schemas")
EXEMPT = ("migrations",)


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "sunlit").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if any(p in EXEMPT for p in parts):
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def line_counts(found: dict[str, Path]) -> dict[str, int]:
    return {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in found.items()}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _targets(node, here: str, is_package: bool, known: set[str]) -> list[str]:
    out = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.startswith("sunlit"):
                out.append(alias.name)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = here.split(".") if is_package else here.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        if not module.startswith("sunlit"):
            return out
        for alias in node.names:
            sub = f"{module}.{alias.name}"
            out.append(sub if sub in known else module)
    return [t for t in out if t in known]


def imports(found: dict[str, Path]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(import-time edges, every import anywhere in the module)."""
    known = set(found)
    eager: dict[str, set[str]] = defaultdict(set)
    every: dict[str, set[str]] = defaultdict(set)
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"

        def walk(nodes, at_import_time: bool, name=name, is_package=is_package):
            for node in nodes:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for target in _targets(node, name, is_package, known):
                        if target == name:
                            continue
                        every[name].add(target)
                        # a package's __init__ gathering its own submodules, and a submodule
                        # importing a sibling through the package, are not cycles
                        if at_import_time and not (target.startswith(name + ".")
                                                   or name.startswith(target + ".")):
                            eager[name].add(target)
                elif isinstance(node, ast.If) and _is_type_checking(node):
                    walk(node.orelse, at_import_time)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                    walk([n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))],
                         False)
                elif isinstance(node, ast.ClassDef):
                    walk(node.body, at_import_time)
                elif hasattr(node, "body") or hasattr(node, "orelse"):
                    for field in ("body", "orelse", "finalbody", "handlers"):
                        walk(getattr(node, field, []) or [], at_import_time)

        walk(tree.body, True)
    return eager, every


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
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
                        result.append(sorted(component))
    return result


def _is_presentation(name: str) -> bool:
    return any(part in PRESENTATION or part.startswith(("views_", "api_", "forms_", "urls_"))
               or part.endswith(("_views", "_api", "_forms", "_urls"))
               for part in name.split(".")[1:])


def layer_breaks(found: dict[str, Path], every: dict[str, set[str]]) -> list[str]:
    domain = [n for n in found if not _is_presentation(n) and n.count(".") >= 2
              and not n.endswith((".apps", ".cli")) and n.split(".")[1] != "web"]
    return sorted(f"{n} imports {t}" for n in domain for t in every.get(n, ())
                  if _is_presentation(t))


def unshared_filters(found: dict[str, Path], every: dict[str, set[str]]) -> list[str]:
    """The ``filters`` modules that a page or the API does not use."""
    out = []
    for name in (n for n in found if n.endswith(".filters")):
        users = [n for n, targets in every.items() if name in targets]
        for side in ("views", "api"):
            if not any(side in u.split(".")[1:] or u.split(".")[-1].startswith(side + "_")
                       for u in users):
                out.append(f"{name} is not used by any {side} module")
    return sorted(out)


def main() -> int:
    found = modules()
    lines = line_counts(found)
    per_app: dict[str, list[int]] = defaultdict(list)
    for name, count in lines.items():
        app = name.split(".")[1] if name.count(".") else "(project)"
        per_app[app if (SRC / "sunlit" / app).is_dir() else "(project)"].append(count)
    print(f"{'app':<14}{'modules':>8}{'lines':>9}")
    for app, counts in sorted(per_app.items(), key=lambda kv: -sum(kv[1])):
        print(f"{app:<14}{len(counts):>8}{sum(counts):>9,}")
    print(f"{'total':<14}{len(lines):>8}{sum(lines.values()):>9,}")
    print("\nlargest modules:")
    for name, count in sorted(lines.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {count:>5}  {name}")
    over = sorted((n for n, c in lines.items() if c > MAX_LINES), key=lambda n: -lines[n])
    eager, every = imports(found)
    found_cycles = cycles(eager)
    breaks = layer_breaks(found, every)
    print(f"\nmodules over {MAX_LINES} lines: {len(over)}")
    for name in over:
        print(f"  {lines[name]:>5}  {name}")
    print(f"import cycles: {len(found_cycles)}")
    for component in found_cycles:
        print("  " + " <-> ".join(component))
    print(f"domain modules importing views/api/forms: {len(breaks)}")
    for line in breaks:
        print("  " + line)
    unshared = unshared_filters(found, every)
    print(f"filter sets not shared by page and API: {len(unshared)}")
    for line in unshared:
        print("  " + line)
    if "--check" in sys.argv and (over or found_cycles or breaks or unshared):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
