/* Site-wide behaviour (design system, docs/design-system.md). Everything here is an
   enhancement: every page works without it.
   - the site menu: a <details> drawer on phones, always open on wider screens;
   - tables: a keyboard-reachable scrolling region named by the caption, and data-label on
     every cell (from its column header) for the card layout at phone width;
   - toasts (flash messages): a dismiss button;
   - dialogs: [data-dialog-open="id"] opens <dialog id>, [data-dialog-close] closes it. */
(function () {
  "use strict";
  var root = document.documentElement;
  var WIDE = "(min-width: 48rem)";

  function siteMenu() {
    var menu = document.querySelector("[data-site-menu]");
    if (!menu || !window.matchMedia) { return; }
    var wide = window.matchMedia(WIDE);
    function sync() { menu.open = wide.matches; }
    sync();
    if (wide.addEventListener) { wide.addEventListener("change", sync); }
  }

  function textOf(el) { return (el && el.textContent || "").replace(/\s+/g, " ").trim(); }

  function tableName(table) {
    var caption = table.querySelector(":scope > caption");
    if (caption && textOf(caption)) { return textOf(caption); }
    if (table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
    var by = table.getAttribute("aria-labelledby");
    if (by && document.getElementById(by)) { return textOf(document.getElementById(by)); }
    var el = table.parentElement && table.parentElement.classList.contains("table-wrap") ? table.parentElement : table;
    for (var prev = el.previousElementSibling; prev; prev = prev.previousElementSibling) {
      if (/^H[1-6]$/.test(prev.tagName)) { return textOf(prev); }
    }
    var section = table.closest("section, article, fieldset");
    var heading = section && section.querySelector("h1, h2, h3, h4, legend");
    return textOf(heading) || root.getAttribute("data-table-label") || "Table";
  }

  function columnLabels(table) {
    var rows = table.tHead ? table.tHead.rows : [];
    if (rows.length !== 1) { return null; }
    var labels = [];
    Array.prototype.forEach.call(rows[0].cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i++) { labels.push(textOf(cell)); }
    });
    return labels;
  }

  function labelCells(table, labels) {
    var simple = true;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (cell.rowSpan > 1) { simple = false; }
          if (!cell.hasAttribute("data-label")) { cell.setAttribute("data-label", labels[col] || ""); }
          col += cell.colSpan || 1;
        });
      });
    });
    return simple;
  }

  function enhanceTable(table) {
    if (table.hasAttribute("data-enhanced")) { return; }
    table.setAttribute("data-enhanced", "");
    var region = table.closest("[data-table-region], .table-region, .table-wrap");
    if (!region || region.querySelector("table") !== table) {
      region = document.createElement("div");
      table.parentNode.insertBefore(region, table);
      region.appendChild(table);
    }
    region.classList.add("table-region");
    region.setAttribute("role", "region");
    region.setAttribute("tabindex", "0");
    if (!region.getAttribute("aria-label")) { region.setAttribute("aria-label", tableName(table)); }
    var labels = columnLabels(table);
    var own = table.closest("[data-no-stack], fieldset, .question");  // answer grids keep their layout
    if (labels && labelCells(table, labels) && !table.hasAttribute("data-no-stack") && !own) {
      table.classList.add("table-stack");
    }
  }

  function tables() {
    Array.prototype.forEach.call(document.querySelectorAll("main table"), enhanceTable);
  }

  function toasts() {
    var label = root.getAttribute("data-dismiss-label") || "Dismiss";
    Array.prototype.forEach.call(document.querySelectorAll(".toast"), function (toast) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "toast-close";
      button.setAttribute("aria-label", label);
      button.textContent = "×";
      button.addEventListener("click", function () { toast.remove(); });
      toast.appendChild(button);
    });
  }

  function dialogs() {
    document.addEventListener("click", function (event) {
      var opener = event.target.closest("[data-dialog-open]");
      if (opener) {
        var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
        if (dialog && dialog.showModal) { event.preventDefault(); dialog.showModal(); }
        return;
      }
      var closer = event.target.closest("[data-dialog-close]");
      if (closer && closer.closest("dialog")) { event.preventDefault(); closer.closest("dialog").close(); }
    });
  }
  function ready() { siteMenu(); tables(); toasts(); dialogs(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
  window.DNA = window.DNA || {};
  window.DNA.enhanceTables = tables;
}());
