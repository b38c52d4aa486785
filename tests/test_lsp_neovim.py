"""Neovim's own LSP client (headless) against `cnncalc lsp`: what the README's snippet does.

Debian's Neovim 0.7 has `vim.lsp.start_client` (the README's `vim.lsp.start` is 0.8+'s
wrapper around it). Skipped when nvim or pygls is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
NVIM = shutil.which("nvim")
pytestmark = pytest.mark.skipif(NVIM is None, reason="nvim is not installed")
ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
local out = {}
vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("NET_FILE")))
local id = vim.lsp.start_client({
  name = "cnncalc",
  cmd = { os.getenv("PYTHON"), "-m", "cnncalc", "lsp" },
  cmd_cwd = os.getenv("REPO_ROOT"),
  root_dir = vim.fn.fnamemodify(os.getenv("NET_FILE"), ":h"),
})
vim.lsp.buf_attach_client(0, id)
vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 50)
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(out, string.format("diagnostic %d:%d %s", d.lnum + 1, d.col + 1, d.message))
end
local uri = vim.uri_from_bufnr(0)
local hover = vim.lsp.buf_request_sync(0, "textDocument/hover",
  { textDocument = { uri = uri }, position = { line = tonumber(os.getenv("HOVER_LINE")), character = 4 } }, 10000)
for _, r in pairs(hover or {}) do
  if r.result then
    for line in string.gmatch(r.result.contents.value, "[^\n]+") do table.insert(out, "hover " .. line) end
  end
end
vim.fn.writefile(out, os.getenv("OUT_FILE"))
vim.lsp.stop_client(id)
vim.cmd("qa!")
"""


def test_neovim_shows_the_diagnostic_and_the_hover(tmp_path):
    text = (ROOT / "architectures" / "lenet5.yaml").read_text().replace("params: 61706", "params: 61000")
    net = tmp_path / "lenet5.yaml"
    net.write_text(text)
    script = tmp_path / "drive.lua"
    script.write_text(SCRIPT)
    out = tmp_path / "out.txt"
    conv1 = next(i for i, line in enumerate(text.split("\n")) if "filters: 6," in line)
    env = {**os.environ, "NET_FILE": str(net), "OUT_FILE": str(out), "PYTHON": sys.executable,
           "REPO_ROOT": str(ROOT), "HOVER_LINE": str(conv1)}
    subprocess.run([NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {script}"],
                   env=env, cwd=tmp_path, timeout=60, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = out.read_text().splitlines()
    expect_line = next(i for i, line in enumerate(text.split("\n")) if "params: 61000" in line)
    assert f"diagnostic {expect_line + 1}:3 expected network params 61,000, found 61,706" in lines
    assert "hover - params: 156 = 150 weights + 6 biases" in lines
