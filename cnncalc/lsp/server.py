"""The pygls server: protocol messages in, the pure feature modules' results out.

A fast file (the last analysis under SLOW_SECONDS) is analysed as its edit arrives. A slow one
(thousands of layers) is analysed on one worker thread, in the order edits arrive, after a
debounce, so requests keep being answered meanwhile from its last analysis.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from .. import __version__
from . import actions, completion, definition, hints, hover, outline
from .document import Analysis, analyze, filename_of, settle, supports
from .positions import lines_of, span_at

SLOW_SECONDS = 0.05  # an analysis slower than this (a 10,000-layer file) is debounced
DEBOUNCE_SECONDS = 0.15
_ITEM_KINDS = {
    "kind": lsp.CompletionItemKind.Class, "block": lsp.CompletionItemKind.Module,
    "key": lsp.CompletionItemKind.Property, "value": lsp.CompletionItemKind.EnumMember,
    "name": lsp.CompletionItemKind.Reference, "var": lsp.CompletionItemKind.Variable,
}


class CnncalcServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("cnncalc", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Future[None]] = {}
        self.analysis_pool = ThreadPoolExecutor(1, thread_name_prefix="cnncalc-analysis")

    # ---- analysis -------------------------------------------------------------------------

    def schedule(self, uri: str) -> None:
        doc = self.workspace.get_text_document(uri)
        previous = self.analyses.get(uri)
        if previous is not None and previous.seconds <= SLOW_SECONDS and not self._busy(uri):
            # a fast file (resnet50: ~5 ms) is analysed at once: no thread hand-off to wait for
            self._store(uri, analyze(doc.source, filename_of(uri)), doc.version)
            return
        self.pending[uri] = asyncio.ensure_future(self._analyze(uri, doc.source, doc.version))

    def _busy(self, uri: str) -> bool:
        task = self.pending.get(uri)
        return task is not None and not task.done()

    async def _analyze(self, uri: str, text: str, version: int | None) -> None:
        previous = self.analyses.get(uri)
        if previous is not None and previous.seconds > SLOW_SECONDS:
            await asyncio.sleep(DEBOUNCE_SECONDS)
            if self._version(uri) != version:
                return  # a newer edit arrived: its own analysis runs instead
        loop = asyncio.get_running_loop()
        fresh = await loop.run_in_executor(self.analysis_pool, analyze, text, filename_of(uri))
        if self._open_document(uri) is None:
            return  # closed meanwhile
        self._store(uri, fresh, version)

    def _store(self, uri: str, fresh: Analysis, version: int | None) -> None:
        result = settle(self.analyses.get(uri), fresh)
        self.analyses[uri] = result
        if self._version(uri) == version:
            self.publish(uri, result, version)

    def _open_document(self, uri: str) -> Any:
        # pygls keys its documents by the unquoted URI (`dir with space`, not `dir%20with%20space`)
        return self.workspace.text_documents.get(unquote(uri))

    def _version(self, uri: str) -> int | None:
        doc = self._open_document(uri)
        return doc.version if doc is not None else None

    async def current(self, uri: str) -> Analysis | None:
        """The analysis of the document's text as it is now (see the module's note on slow files)."""
        task = self.pending.get(uri)
        last = self.analyses.get(uri)
        if task is not None and not task.done() and (last is None or last.seconds <= SLOW_SECONDS):
            await task
        return self.analyses.get(uri)

    def publish(self, uri: str, result: Analysis, version: int | None) -> None:
        lines = lines_of(result.text)
        found = [self._diagnostic(uri, lines, p) for p in result.problems]
        if result.report is not None and result.report_text == result.text:
            # harmless floors (only padding, or what the stride skips anyway): information, as
            # the CLI's `note:` lines, never a warning (--strict passes them)
            found += [self._diagnostic(uri, lines, n, note=True) for n in result.report.notes if n.loc is not None]
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, found, version))

    def _diagnostic(self, uri: str, lines: list[str], problem: Any, note: bool = False) -> lsp.Diagnostic:
        """A validate problem, or (`note`) a report's harmless floor, as information."""
        span = span_at(lines, problem.loc)
        if note:
            severity, code = lsp.DiagnosticSeverity.Information, "note"
        else:
            error = problem.level == "error"
            severity = lsp.DiagnosticSeverity.Error if error else lsp.DiagnosticSeverity.Warning
            code = problem.kind
        return lsp.Diagnostic(self.to_client(uri, lines, span.line, span.start, span.end), problem.message,
                              severity=severity, source="cnncalc", code=code)

    # ---- positions: the client's units (UTF-16 by default) <-> code points ---------------

    def to_client(self, uri: str, lines: list[str], line: int, start: int, end: int) -> lsp.Range:
        """A range on `lines` (code points) in the client's units; one line's prefix is
        measured, never the document (a 10,000-line file gets 10,000 hints)."""
        codec = self.workspace.get_text_document(uri).position_codec
        text = lines[line] if 0 <= line < len(lines) else ""
        a, b = codec.client_num_units(text[:start]), codec.client_num_units(text[:end])
        return lsp.Range(lsp.Position(line, a), lsp.Position(line, b))

    def from_client(self, uri: str, position: lsp.Position) -> lsp.Position:
        doc = self.workspace.get_text_document(uri)
        try:
            return doc.position_codec.position_from_client_units(doc.lines, position)
        except (IndexError, ValueError):
            return position


def _outline(result: Analysis) -> outline.Outline | None:
    """The names the file defines; while it does not parse, those of the last text that did."""
    if "outline" not in result.cache:
        found = outline.outline(result.text, result.filename)
        if found is None and result.report_text is not result.text:
            found = outline.outline(result.report_text, result.filename)
        result.cache["outline"] = found
    return result.cache["outline"]


def _facts(result: Analysis) -> dict[int, hints.LineFacts]:
    if "facts" not in result.cache:
        result.cache["facts"] = hints.by_line(result.report) if result.report is not None else {}
    return result.cache["facts"]


server = CnncalcServer()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: CnncalcServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: CnncalcServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: CnncalcServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.analyses.pop(uri, None)
    ls.pending.pop(uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))


@server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
async def inlay_hints(ls: CnncalcServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    uri = params.text_document.uri
    result = await ls.current(uri)
    if result is None or result.report is None:
        return []
    lines = lines_of(ls.workspace.get_text_document(uri).source)
    first, last = params.range.start.line, params.range.end.line
    out = []
    for line, facts in _facts(result).items():
        if first <= line - 1 <= last and line - 1 < len(lines):
            end = ls.to_client(uri, lines, line - 1, len(lines[line - 1]), len(lines[line - 1])).end
            out.append(lsp.InlayHint(end, facts.label(), kind=lsp.InlayHintKind.Type, padding_left=True))
    return out


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: CnncalcServer, params: lsp.HoverParams) -> lsp.Hover | None:
    result = await ls.current(params.text_document.uri)
    if result is None or result.report is None:
        return None
    facts = _facts(result).get(params.position.line + 1)
    if facts is None:
        return None
    text = hover.hover_markdown(result.report, facts)
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text))


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                lsp.CompletionOptions(trigger_characters=[" ", "$", "{", ",", "[", "-"]))
async def on_completion(ls: CnncalcServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    uri = params.text_document.uri
    result = await ls.current(uri)
    if result is None or not supports(result.filename, result.text, "completion"):
        return lsp.CompletionList(False, [])
    doc = ls.workspace.get_text_document(uri)
    at = ls.from_client(uri, params.position)
    items = completion.complete(lines_of(doc.source), at.line, at.character, result.report, _outline(result))
    return lsp.CompletionList(False, [
        lsp.CompletionItem(i.label, kind=_ITEM_KINDS.get(i.kind), detail=i.detail or None) for i in items
    ])


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
async def on_definition(ls: CnncalcServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    uri = params.text_document.uri
    result = await ls.current(uri)
    if result is None or not supports(result.filename, result.text, "definition"):
        return None
    doc = ls.workspace.get_text_document(uri)
    at = ls.from_client(uri, params.position)
    found = definition.definition(lines_of(doc.source), at.line, at.character, result.report, _outline(result))
    if found is None:
        return None
    lines = lines_of(doc.source)
    return lsp.Location(uri, ls.to_client(uri, lines, found.line - 1, found.col - 1, found.col - 1))


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
async def on_code_action(ls: CnncalcServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    result = await ls.current(uri)
    if result is None:
        return []
    lines = lines_of(result.text)
    found = actions.actions(lines, params.range.start.line, params.range.end.line, result.report,
                            result.problems, result.stale)
    out = []
    for a in found:
        edit = lsp.TextEdit(ls.to_client(uri, lines, a.span.line, a.span.start, a.span.end), a.new_text)
        out.append(lsp.CodeAction(a.title, kind=lsp.CodeActionKind.QuickFix, is_preferred=a.preferred or None,
                                  edit=lsp.WorkspaceEdit(changes={uri: [edit]})))
    return out


def serve() -> None:
    server.start_io()
