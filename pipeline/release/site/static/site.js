// Filter and sort the tables of a page. Without this script every table is whole, in its
// built order: the script only narrows and reorders rows that are already there.
"use strict";

function cellValue(row, index) {
  const cell = row.cells[index];
  if (!cell) return "";
  return cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim();
}

function compare(a, b) {
  if (a === "" || b === "") return a === b ? 0 : a === "" ? 1 : -1; // empty cells last
  const x = Number(a), y = Number(b);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  return a.localeCompare(b);
}

function makeSortable(table) {
  const headers = table.tHead.rows[0].cells;
  Array.from(headers).forEach((th, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.from(headers).forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((r, s) => {
        const c = compare(cellValue(r, index), cellValue(s, index));
        return ascending ? c : -c;
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
}

function makeFilter(input, table) {
  input.hidden = false;
  const rows = Array.from(table.tBodies[0].rows);
  const text = rows.map((r) => r.textContent.toLowerCase());
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    rows.forEach((r, i) => {
      r.hidden = !words.every((w) => text[i].includes(w));
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  const input = document.getElementById("filter");
  const models = document.getElementById("models");
  if (input && models) makeFilter(input, models);
});
