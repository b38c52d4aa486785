"""A small synchronous LSP client over a subprocess's stdio, built on lsprotocol's types.

It speaks to `cnncalc lsp` as an editor does: Content-Length framed JSON-RPC, requests with
ids, notifications (publishDiagnostics) collected as they arrive. Used by tests/test_lsp.py
and benchmarks/lsp_bench.py.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from lsprotocol.converters import get_converter

ROOT = Path(__file__).resolve().parents[1]
CONVERTER = get_converter()


class Client:
    def __init__(self, args: tuple[str, ...] = ("lsp",)) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cnncalc", *args], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.diagnostics: dict[str, list[tuple[int | None, list[dict[str, Any]]]]] = {}
        self.responses: dict[int, dict[str, Any]] = {}
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # ---- framing ----------------------------------------------------------------------------

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                header = out.readline()
                if not header:
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(out.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _pump(self, timeout: float) -> bool:
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            return False
        if "id" in message and "method" not in message:
            self.responses[message["id"]] = message
        elif message.get("method") == "textDocument/publishDiagnostics":
            p = message["params"]
            self.diagnostics.setdefault(p["uri"], []).append((p.get("version"), p["diagnostics"]))
        elif "id" in message:  # a request from the server (none expected): answer null
            self._send({"id": message["id"], "result": None})
        return True

    # ---- protocol ---------------------------------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = 30.0) -> Any:
        self._next_id += 1
        rid = self._next_id
        self._send({"id": rid, "method": method, "params": CONVERTER.unstructure(params)})
        deadline = time.monotonic() + timeout
        while rid not in self.responses:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer to {method}")
            self._pump(0.05)
        answer = self.responses.pop(rid)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": CONVERTER.unstructure(params)})

    def initialize(self) -> dict[str, Any]:
        caps = lsp.ClientCapabilities(
            text_document=lsp.TextDocumentClientCapabilities(
                inlay_hint=lsp.InlayHintClientCapabilities(), hover=lsp.HoverClientCapabilities(
                    content_format=[lsp.MarkupKind.Markdown]),
            ))
        result = self.request("initialize", lsp.InitializeParams(capabilities=caps, process_id=None, root_uri=None))
        self.notify("initialized", lsp.InitializedParams())
        return result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="yaml", version=version, text=text)))

    def change(self, uri: str, version: int, text: str, line: int | None = None) -> None:
        """Replace the whole text, or (with `line`) only that 0-based line, as editors send."""
        if line is None:
            event: Any = lsp.TextDocumentContentChangeWholeDocument(text)
        else:
            rng = lsp.Range(lsp.Position(line, 0), lsp.Position(line + 1, 0))
            event = lsp.TextDocumentContentChangePartial(rng, text)
        self.notify("textDocument/didChange", lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), [event]))

    def wait_diagnostics(self, uri: str, version: int | None = None, timeout: float = 30.0) -> list[dict[str, Any]]:
        """The diagnostics published for `version` (or the next ones for `uri`), consumed."""
        deadline = time.monotonic() + timeout
        while True:
            for i, (v, found) in enumerate(self.diagnostics.get(uri, [])):
                if version is None or v == version:
                    del self.diagnostics[uri][: i + 1]
                    return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"no diagnostics for {uri} version {version}")
            self._pump(0.05)

    def inlay_hints(self, uri: str, last_line: int = 100_000) -> list[dict[str, Any]]:
        rng = lsp.Range(lsp.Position(0, 0), lsp.Position(last_line, 0))
        return self.request("textDocument/inlayHint",
                            lsp.InlayHintParams(lsp.TextDocumentIdentifier(uri), rng)) or []

    def at(self, method: str, uri: str, line: int, character: int) -> Any:
        params_type = {"textDocument/hover": lsp.HoverParams, "textDocument/completion": lsp.CompletionParams,
                       "textDocument/definition": lsp.DefinitionParams}[method]
        return self.request(method, params_type(lsp.TextDocumentIdentifier(uri), lsp.Position(line, character)))

    def code_actions(self, uri: str, line: int) -> list[dict[str, Any]]:
        rng = lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0))
        return self.request("textDocument/codeAction", lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri), rng, lsp.CodeActionContext([]))) or []

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def apply_edit(text: str, edit: dict[str, Any]) -> str:
    """A TextEdit applied to `text` (positions counted in characters: the tests' files are ASCII)."""
    lines = text.split("\n")
    start, end = edit["range"]["start"], edit["range"]["end"]
    head = "\n".join(lines[: start["line"]] + [lines[start["line"]][: start["character"]]])
    tail = "\n".join([lines[end["line"]][end["character"]:]] + lines[end["line"] + 1:])
    return head + edit["newText"] + tail
