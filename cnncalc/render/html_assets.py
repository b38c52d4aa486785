"""The HTML report's inline style sheet and script (no framework, no network).

The script never builds markup from data: it moves the rows the page already has, toggles
their `hidden` attribute, and writes formulas with `textContent`.
"""

CSS = r"""
:root { --fg: #1b1f24; --muted: #5b6470; --line: #d8dde3; --accent: #2f6fb0;
  --warn: #fff4d6; --err: #fde2e1; --errfg: #b3261e; --warnfg: #6f5300; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 16px; color: var(--fg); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
h1 { font-size: 1.5rem; margin: .2em 0; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 1.4em 0 .2em; border-bottom: 2px solid var(--line); overflow-wrap: anywhere; }
h3 { font-size: 1.05rem; margin: 1.4em 0 .4em; }
.sub, .note, .hint { color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
dl.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(185px, 1fr)); gap: 8px;
  margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 7px 10px; margin: 0; }
.card dt { font-size: .8rem; color: var(--muted); }
.card dd { margin: 0; font-size: 1.1rem; font-weight: 600; font-variant-numeric: tabular-nums;
  overflow-wrap: anywhere; }
.card.big dd { font-size: 1.25rem; }
.card.expr { grid-column: 1 / -1; }
.card.expr dd { font: .8rem/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.card .unit { font-size: .8rem; color: var(--muted); overflow-wrap: anywhere; }
details.problems summary { cursor: pointer; font-weight: 600; color: var(--warnfg); }
details.problems.failed summary { color: var(--errfg); }
details.problems[open] summary { margin-bottom: 2px; }
.problems ul { margin: 8px 0; padding-left: 1.2em; font: .85rem/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
.problems li { white-space: pre-wrap; overflow-wrap: anywhere; }
.problems li.error, .problems li.error a { color: var(--errfg); }
.problems li.warning, .problems li.warning a { color: var(--warnfg); }
details.ref summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
details.ref p { margin: .3em 0; }
.controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
.controls button { font: inherit; font-size: .85rem; padding: 2px 10px; border: 1px solid var(--line);
  border-radius: 4px; background: #f4f6f8; cursor: pointer; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; }
table.layers { width: 100%; font-size: .88rem; }
table.layers th, table.layers td, table.compare th, table.compare td {
  padding: 3px 8px; border-bottom: 1px solid #eceff2; text-align: left; vertical-align: top; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.layers td.expr { white-space: normal; font-size: .75rem; min-width: 9em; overflow-wrap: anywhere; }
table.layers thead th { position: sticky; top: 0; background: #f4f6f8; z-index: 1; }
button.sort { all: unset; cursor: pointer; font-weight: 600; }
button.sort:focus-visible, button.fold:focus-visible { outline: 2px solid var(--accent); }
th[aria-sort=ascending] button.sort::after { content: " \25B2"; }
th[aria-sort=descending] button.sort::after { content: " \25BC"; }
table.layers td.c-name { padding-left: calc(var(--lvl, 0) * 1.1em + 8px); overflow-wrap: anywhere; min-width: 11em; }
table.layers.sorted td.c-name { padding-left: 8px; }
.nm { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .84rem; white-space: pre-wrap; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: #eef4fb; }
tr.grp { background: #f5f6f9; }
tr.grp .nm { font-weight: 600; }
button.fold { border: 0; background: none; padding: 0 .3em 0 0; cursor: pointer; font: inherit; width: 1.3em; }
button.fold[aria-expanded=false]::before { content: "\25B8"; }
button.fold[aria-expanded=true]::before { content: "\25BE"; }
tr.picked td { box-shadow: inset 0 2px 0 var(--accent), inset 0 -2px 0 var(--accent); }
tr.has-warning td { background: var(--warn); }
tr.has-error td { background: var(--err); }
.diag { font: .78rem/1.35 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
.diag.warning { color: var(--warnfg); } .diag.error { color: var(--errfg); }
.badge { font-size: .72rem; font-weight: normal; background: #ffe9a8; border-radius: 8px; padding: 0 6px; }
tr.explain-row, tr.explain-row:hover { background: #fbfbf6; cursor: auto; }
pre.formulas { margin: 4px 0 8px; white-space: pre-wrap; overflow-wrap: anywhere;
  font: .8rem/1.5 ui-monospace, "DejaVu Sans Mono", monospace; }
/* a long table: rows laid out one by one (flex) and only near the screen (content-visibility),
   since a real table's layout of 10,000 rows takes seconds on every fold or sort */
table.long, table.long thead, table.long tbody { display: block; }
table.long tr { display: flex; }
table.long tbody tr { content-visibility: auto; contain-intrinsic-size: auto 26px; }
table.long th, table.long td { flex: 0 0 7.5em; overflow-wrap: anywhere; }
table.long .c-name { flex: 1 1 14em; min-width: 0; }
table.long .c-kind { flex-basis: 7em; } table.long .c-output { flex-basis: 9em; }
table.long .c-from { flex-basis: 11em; white-space: normal; }
table.long tr.explain-row td { flex: 1 1 100%; }
.diagram { border: 1px solid var(--line); border-radius: 6px; }
.diagram svg { display: block; }
.diagram a:hover .box, .diagram a:focus .box { stroke: var(--accent); stroke-width: 2; }
.chart-box { border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart .bar { fill: #5b8fc7; } svg.chart a:hover .bar { fill: #e07b39; }
svg.chart .axis { stroke: #999; }
svg.chart .area { fill: #d6e6f5; } svg.chart .curve { fill: none; stroke: var(--accent); stroke-width: 1.5; }
svg.chart .peak { fill: var(--errfg); } svg.chart .peak-label { font-size: 11px; fill: var(--errfg); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 16px; }
.charts figure { margin: 0; }
.chart-top { font-size: .8rem; color: var(--muted); margin: 0 0 2px; overflow-wrap: anywhere; }
@media (max-width: 640px) {
  body { padding: 10px; font-size: 14px; }
  dl.totals { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .card dd { font-size: 1rem; } .card.big dd { font-size: 1.08rem; }
  .c-activations, .c-from, .c-kind { display: none; }
  table.layers .c-output { white-space: normal; }
  table.layers { font-size: .8rem; }
  table.layers th, table.layers td { padding: 3px 4px; }
  table.layers td.c-name { min-width: 9em; padding-left: calc(var(--lvl, 0) * .7em + 4px); }
  .nm { font-size: .78rem; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .controls, button.fold, .hint, details.ref summary { display: none; }
  table.layers td.expr { white-space: normal; font-size: .75rem; min-width: 9em; overflow-wrap: anywhere; }
table.layers thead th { position: static; }
  .scroll { overflow: visible; }
  tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .diagram svg { max-width: 100%; height: auto; }
  a { color: inherit; text-decoration: none; }
  section.network + section.network { break-before: page; }
}
"""

JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("cnncalc-data").textContent);
  var byId = {};
  var tables = document.querySelectorAll("table.layers");
  for (var t = 0; t < tables.length; t++) { setup(tables[t], data.networks[+tables[t].dataset.net]); }

  function setup(table, net) {
    var tbody = table.tBodies[0];
    var trs = Array.prototype.slice.call(tbody.rows);
    var n = trs.length, folded = net.folded.slice(), sortKey = null, sortDir = 1, open = -1, picked = -1;
    var explainRow = document.createElement("tr");
    explainRow.className = "explain-row";
    var cell = document.createElement("td");
    cell.colSpan = table.tHead.rows[0].cells.length;
    var pre = document.createElement("pre");
    pre.className = "formulas";
    cell.appendChild(pre);
    explainRow.appendChild(cell);
    trs.forEach(function (tr, i) { byId[tr.id] = {reveal: reveal, i: i}; });

    function refresh(from, to) {  // a row is hidden when its composite is folded or hidden
      for (var j = from + 1; j <= to; j++) {
        var p = net.parent[j];
        trs[j].hidden = p >= 0 && (folded[p] === 1 || trs[p].hidden);
      }
      if (open >= 0 && trs[open].hidden) { close(); }
    }
    function setFold(i, value) {
      folded[i] = value ? 1 : 0;
      trs[i].querySelector("button.fold").setAttribute("aria-expanded", value ? "false" : "true");
    }
    function foldAll(value) {
      for (var i = 0; i < n; i++) { if (net.end[i] > i || trs[i].classList.contains("grp")) { setFold(i, value); } }
      refresh(-1, n - 1);
    }
    function formulas(i) {  // a composite: its leaves' steps, as `explain FILE COMPOSITE` prints them
      if (net.explain[i] !== null) { return net.explain[i]; }
      var parts = [];
      for (var j = i + 1; j <= net.end[i]; j++) { if (net.explain[j] !== null) { parts.push(net.explain[j]); } }
      return parts.join("\n\n");
    }
    function close() {
      if (explainRow.parentNode) { explainRow.parentNode.removeChild(explainRow); }
      open = -1;
    }
    function show(i) {
      pre.textContent = formulas(i);
      trs[i].parentNode.insertBefore(explainRow, trs[i].nextSibling);
      open = i;
    }
    function pick(i) {
      if (picked >= 0) { trs[picked].classList.remove("picked"); }
      trs[i].classList.add("picked");
      picked = i;
    }
    function reveal(i) {  // from the diagram, a bar or a problem: unfold around the row, show it
      for (var p = net.parent[i]; p >= 0; p = net.parent[p]) { setFold(p, false); }
      refresh(-1, n - 1);
      pick(i);
      close();
      show(i);
      trs[i].scrollIntoView({block: "center"});
    }
    function compare(a, b) {
      if (typeof a === "number" && typeof b === "number") { return a - b; }
      a = String(a); b = String(b);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    function order(key) {
      close();
      var index = [];
      for (var i = 0; i < n; i++) { index.push(i); }
      if (key !== null) {
        var v = net.sort[key];
        index.sort(function (a, b) { return compare(v[a], v[b]) * sortDir || a - b; });
      }
      var frag = document.createDocumentFragment();
      index.forEach(function (i) { frag.appendChild(trs[i]); });
      tbody.appendChild(frag);
      table.classList.toggle("sorted", key !== null);
      var ths = table.tHead.rows[0].cells;
      for (var c = 0; c < ths.length; c++) {
        var k = ths[c].querySelector("button.sort").dataset.key;
        ths[c].setAttribute("aria-sort", k === key ? (sortDir > 0 ? "ascending" : "descending") : "none");
      }
    }
    table.tHead.addEventListener("click", function (e) {
      var b = e.target.closest("button.sort");
      if (!b) { return; }
      var key = b.dataset.key;
      if (key === sortKey) {
        sortDir = -sortDir;
      } else {  // numbers largest first, names from A
        sortKey = key;
        sortDir = b.parentNode.classList.contains("num") ? -1 : 1;
      }
      order(sortKey);
    });
    tbody.addEventListener("click", function (e) {
      var tr = e.target.closest("tr");
      if (!tr || tr === explainRow) { return; }
      var i = +tr.dataset.i;
      if (e.target.closest("button.fold")) {
        setFold(i, folded[i] !== 1);
        refresh(i, net.end[i]);
        return;
      }
      if (window.getSelection && String(window.getSelection()).length) { return; }  // selecting text
      pick(i);
      if (open === i) { close(); } else { close(); show(i); }
    });
    var controls = table.closest("section").querySelector(".controls");
    controls.querySelector(".unfold-all").addEventListener("click", function () { foldAll(false); });
    controls.querySelector(".fold-all").addEventListener("click", function () { foldAll(true); });
    controls.querySelector(".unsort").addEventListener("click", function () {
      sortKey = null;
      sortDir = 1;
      order(null);
    });
  }

  function follow(hash) {
    var found = byId[decodeURIComponent(hash.slice(1))];
    if (found) { found.reveal(found.i); return true; }
    return false;
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a") : null;
    var href = a && a.getAttribute("href");
    if (href && href.charAt(0) === "#" && follow(href)) {
      e.preventDefault();
      if (history.replaceState) { history.replaceState(null, "", href); }
    }
  });
  if (location.hash) { follow(location.hash); }
  window.addEventListener("beforeprint", function () {  // print the reference too
    var ds = document.querySelectorAll("details");
    for (var k = 0; k < ds.length; k++) { ds[k].open = true; }
  });
})();
"""
