"""`cnncalc validate`: every problem in every file, as plain results (no printing).

The pipeline stops at its first error, which is right for `summarize` but not for CI, where a
config with three typos should show three lines. So a file goes through:

1. the loader (a YAML error ends the file: nothing after it can be trusted);
2. the top level: every unknown key and every bad `expect` entry is reported, then dropped so
   the rest can still be checked;
3. a walk over every layer entry (inside blocks, residuals and parallels too) that parses its
   type, keys and values exactly as the graph builder does, collecting all that are wrong;
4. the real pipeline, whose first error (often a shape error, which stops the later shapes) is
   added unless step 3 already reported it; if it succeeds, every failed `expect` and warning.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import entries, graph, progress, report, spec, tree
from .errors import CnnError, Location
from .exits import Exit
from .layers import KINDS
from .source import Node
from .suggest import did_you_mean

SUFFIXES = (".yaml", ".yml")
MAX_ENTRIES_WALKED = entries.MAX_LAYERS  # bounds step 3 on pathological block nesting


@dataclass(frozen=True, slots=True)
class Problem:
    """One line of output. `kind`: invalid (the file cannot be used), expectation (an `expect`
    entry failed) or warning (an error only under --strict)."""

    kind: str
    message: str
    loc: Location
    strict: bool = False

    @property
    def level(self) -> str:
        return "warning" if self.kind == "warning" and not self.strict else "error"


@dataclass(frozen=True, slots=True)
class FileResult:
    file: str
    problems: tuple[Problem, ...] = ()
    expectations: int = 0  # `expect` entries checked
    report: report.Report | None = field(default=None, compare=False)

    @property
    def status(self) -> Exit:
        if any(p.kind == "invalid" for p in self.problems):
            return Exit.UNUSABLE
        return Exit.FAILED if any(p.level == "error" for p in self.problems) else Exit.OK


@dataclass(frozen=True, slots=True)
class Summary:
    results: tuple[FileResult, ...]

    @property
    def checked(self) -> int:
        return len(self.results)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status != Exit.OK)

    @property
    def return_code(self) -> Exit:
        """SPEC §2: 2 if any file is unusable, else 1 if any check failed, else 0."""
        return max((r.status for r in self.results), default=Exit.OK)


# ---- which files ----------------------------------------------------------------------------


def expand(paths: Iterable[str]) -> list[str | FileResult]:
    """Arguments -> files to check, in order, without duplicates. Folders are searched for
    *.yaml and *.yml (hidden folders such as .git and .github are skipped); an argument with
    * ? or [ that names no file is a glob. An argument that finds nothing becomes a result."""
    out: list[str | FileResult] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        key = os.path.realpath(name)
        if key not in seen:
            seen.add(key)
            out.append(name)

    for arg in paths:
        if not arg:  # Path("") would be the current folder
            out.append(_unusable("''", "an empty argument names no file"))
        elif os.path.isdir(arg):
            found = _yaml_files(arg)
            if not found:
                out.append(_unusable(arg, "folder holds no *.yaml or *.yml files"))
            for name in found:
                add(name)
        elif not os.path.exists(arg) and glob.has_magic(arg):
            # shallowest first: through a symlink loop, a/loop/a/x.yaml sorted before a/x.yaml
            matches = sorted((m for m in glob.glob(arg, recursive=True) if os.path.isfile(m)),
                             key=lambda m: (m.count(os.sep), m))
            if not matches:
                out.append(_unusable(arg, "no file matches this pattern"))
            for name in matches:
                add(name)
        else:
            add(arg)  # a file, a bundled name, or a missing file (reported when read)
    return out


def _yaml_files(folder: str) -> list[str]:
    found = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(here, f) for f in sorted(files) if f.endswith(SUFFIXES))
    return found


def _unusable(file: str, message: str) -> FileResult:
    return FileResult(file, (Problem("invalid", message, Location(file)),))


# ---- one file -------------------------------------------------------------------------------


def validate_paths(
    paths: Iterable[str],
    read: Callable[[str], tuple[str, str]],
    sets: Mapping[str, Any] | None = None,
    input_override: str | None = None,
    strict: bool = False,
    dtype: str = "float32",
    debug: bool = False,
) -> Summary:
    """Check every file the arguments name; `read(name) -> (text, display name)` does the I/O.

    One file's failure never stops the others: unless `debug`, even a bug in cnncalc becomes
    that file's one located line (exit status 2) instead of a traceback that hides the rest."""
    results = []
    for n, item in enumerate(expand(paths)):
        progress.finish("layers")  # one file's layers line ends where the next file begins
        progress.step("files checked", n)
        if isinstance(item, FileResult):
            results.append(item)
            continue
        try:
            text, display = read(item)
        except CnnError as exc:
            results.append(FileResult(item, (_invalid(exc, item),)))
            continue
        try:
            results.append(validate_text(text, display, sets, input_override, strict, dtype))
        except (RecursionError, MemoryError) as exc:
            results.append(_unusable(display, f"input too large or too deeply nested ({type(exc).__name__})"))
        except Exception as exc:
            if debug:
                raise
            message = f"internal error ({type(exc).__name__}: {exc}); please report it (--debug shows where)"
            results.append(_unusable(display, " ".join(message.split())))
    progress.finish("files checked")
    return Summary(tuple(results))


def validate_text(
    text: str,
    filename: str,
    sets: Mapping[str, Any] | None = None,
    input_override: str | None = None,
    strict: bool = False,
    dtype: str = "float32",
) -> FileResult:
    """Every problem of one file's text, sorted by line and column."""
    try:
        from .analysis import load_root  # also Darknet .cfg and Caffe .prototxt

        root = load_root(text, filename, input_override)
    except CnnError as exc:
        return FileResult(filename, (_invalid(exc, filename),))
    errors: list[CnnError] = []
    root = _check_top(root, errors)
    rep = None
    if root is not None:
        try:
            arch = spec.parse(root, sets, input_override)
        except CnnError as exc:
            errors.append(exc)
        else:
            _Walker(arch, errors).body(arch.layers, arch.env, ())
            # symbolic shapes cost sympy work per layer (seconds for a long network): when the
            # file is already known to be unusable, do not spend it
            if not (errors and arch.symbols):
                try:
                    rep = report.analyze(arch, graph.build(tree.resolve_network(arch)), filename, dtype)
                except CnnError as exc:
                    if exc.detail is not None:  # the walker's line for it names the use less well
                        errors[:] = [e for e in errors if (e.loc, e.detail or e.message) != (exc.loc, exc.detail)]
                    errors.append(exc)
    problems = _unique(_invalid(e, filename) for e in errors)
    expectations = 0
    if rep is not None:
        expectations = len(rep.verdicts)
        problems += [Problem("expectation", d.message, d.loc or Location(filename)) for d in rep.failures]
        problems += [Problem("warning", d.message, d.loc or Location(filename), strict) for d in rep.warnings]
        problems += [Problem("warning", m, v.expectation.loc, strict) for v, m in _unchecked(rep.verdicts)]
    problems.sort(key=lambda p: (p.loc.line, p.loc.col))
    return FileResult(filename, tuple(problems), expectations, rep)


def _unchecked(verdicts: Iterable[report.Verdict]) -> Iterable[tuple[report.Verdict, str]]:
    """Expectations on values that depend on symbolic sizes, or checked at another --input than
    the file's own: passed, but say so (CI should not mistake them for checked budgets)."""
    for v in verdicts:
        values = v.actual if isinstance(v.actual, (tuple, list)) else (v.actual,)
        if v.skipped and all(isinstance(x, int) for x in values):  # --input other than the file's
            yield v, v.message
        elif not all(isinstance(x, int) for x in values):
            e = v.expectation
            what = "network" if v.subject == "totals" else v.subject
            found = str(values[0]) if len(values) == 1 else " x ".join(
                f"({x})" if " " in str(x) else str(x) for x in values
            )
            yield v, (f"expected {what} {e.key} {e.describe()} not checked: it is {found}, "
                      "which depends on the symbolic sizes (give them with --input or --set)")


def _invalid(exc: CnnError, filename: str) -> Problem:
    return Problem("invalid", exc.message, exc.loc or Location(filename))


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _check_top(root: Node, errors: list[CnnError]) -> Node | None:
    """Report every unknown top-level key, missing required key and bad `expect` entry; return
    the root without them so the rest of the file can still be checked (None: cannot go on)."""
    if not root.is_map:
        return root  # spec.parse says what is wrong
    keep: dict[str, Node] = {}
    for key, value in root.value.items():
        if key not in spec.TOP_KEYS:
            hint = did_you_mean(key, spec.TOP_KEYS)
            errors.append(CnnError(f"unknown key '{key}'{hint}", root.key_locs[key]))
        else:
            keep[key] = value
    missing = [k for k in ("input", "layers") if k not in keep]
    for key in missing:
        errors.append(CnnError(f"missing required key '{key}'", root.loc))
    if missing:
        return None
    if "expect" in keep:
        keep["expect"] = _good_expectations(keep["expect"], None, errors)
    locs = {k: root.key_locs[k] for k in keep}
    return Node(keep, root.loc, locs, root.size)


def _good_expectations(n: Node, env: Mapping[str, Any] | None, errors: list[CnnError]) -> Node:
    """An `expect` mapping without its bad entries (each reported)."""
    if not n.is_map:
        try:
            spec.parse_expect(n, env)
        except CnnError as exc:
            errors.append(exc)
        return Node({}, n.loc)
    good: dict[str, Node] = {}
    for key, item in n.value.items():
        one = Node({key: item}, n.loc, {key: n.key_locs[key]})
        try:
            spec.parse_expect(one, env)
        except CnnError as exc:
            errors.append(exc)
        else:
            good[key] = item
    return Node(good, n.loc, {k: n.key_locs[k] for k in good})


class _Walker:
    """Parses every layer entry the way `graph` does, without shapes, collecting its errors."""

    def __init__(self, arch: spec.Architecture, errors: list[CnnError]) -> None:
        self.arch = arch
        self.errors = errors
        self.walked = 0
        self.seen_blocks: set[tuple[str, str]] = set()

    def body(self, items: Node, env: dict[str, Any], blocks_in_use: tuple[str, ...]) -> None:
        if not items.is_list:
            return  # the builder reports it
        for item in items.value:
            self.walked += 1
            if self.walked > MAX_ENTRIES_WALKED:
                return
            try:
                self.entry(item, env, blocks_in_use)
            except CnnError as exc:
                self.errors.append(exc)

    def entry(self, item: Node, env: dict[str, Any], blocks_in_use: tuple[str, ...]) -> None:
        entry = entries.split(item, self.arch.blocks)
        self.common(entry, env)
        if entry.kind in KINDS:
            entries.make_layer(entry, env, self.errors)
        elif entry.kind == "residual":
            self.only(entry, ("main", "shortcut", "activation"))
            for key in ("main", "shortcut"):
                if key in entry.args and entry.args[key].is_list:
                    self.body(entry.args[key], env, blocks_in_use)
        elif entry.kind == "parallel":
            self.only(entry, ("branches", "merge", "activation"))
            branches = entry.args.get("branches")
            if branches is not None and branches.is_list:
                for branch in branches.value:
                    if branch.is_list:
                        self.body(branch, env, blocks_in_use)
        else:
            self.block(entry, env, blocks_in_use)

    def common(self, entry: Any, env: dict[str, Any]) -> None:
        entries.common_values(entry, env, self.errors)
        if "expect" in entry.common:
            _good_expectations(entry.common["expect"], env, self.errors)

    def only(self, entry: Any, allowed: tuple[str, ...]) -> None:
        for key in entry.args:
            if key not in allowed:
                hint = did_you_mean(key, [*allowed, *entries.COMMON_KEYS])
                message = f"unknown key '{key}' for {entry.kind}{hint}"
                self.errors.append(CnnError(message, entry.arg_locs[key]))

    def block(self, entry: Any, env: dict[str, Any], blocks_in_use: tuple[str, ...]) -> None:
        """A block's body is walked with the values of this use (once per distinct use)."""
        blk = self.arch.blocks[entry.kind]
        if entry.kind in blocks_in_use or len(blocks_in_use) >= entries.MAX_BLOCK_DEPTH:
            return  # the builder reports it
        inner = dict(self.arch.env)
        complete = True
        for key in entry.args:
            if key not in blk.args:
                hint = did_you_mean(key, [*blk.args, *entries.COMMON_KEYS])
                self.errors.append(
                    CnnError(f"unknown argument '{key}' for block {entry.kind}{hint}", entry.arg_locs[key])
                )
        for key, default in blk.args.items():
            try:
                if key in entry.args:
                    inner[key] = spec.resolve(entry.args[key], env)
                elif default is None:
                    raise CnnError(f"block {entry.kind} needs argument '{key}'", entry.kind_loc)
                else:
                    inner[key] = spec.resolve(default, inner)
            except CnnError as exc:
                self.errors.append(exc)
                complete = False
        if not complete:
            return
        signature = (entry.kind, repr(sorted(inner.items(), key=lambda kv: kv[0])))
        if signature in self.seen_blocks:
            return
        self.seen_blocks.add(signature)
        outer, self.errors = self.errors, []
        try:
            self.body(blk.layers, inner, (*blocks_in_use, entry.kind))
        finally:
            found, self.errors = self.errors, outer
        use = entry.kind_loc
        for exc in found:  # met in the body: name the use too (the first use with these values)
            if exc.detail is None and exc.loc is not None and (exc.loc.file, exc.loc.line) != (use.file, use.line):
                exc = CnnError(f"block {entry.kind} at line {use.line}: {exc.message}", exc.loc, exc.message)
            self.errors.append(exc)
