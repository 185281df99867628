/* jet-hunter report: sortable, filterable catalogue table and frame flipbooks (no libraries). */
(function () {
  "use strict";

  function cellValue(row, index, type) {
    var raw = row.cells[index].getAttribute("data-value");
    if (type === "num") {
      var v = parseFloat(raw);
      return isNaN(v) ? null : v;
    }
    return raw || "";
  }

  function sortTable(table, index, descending) {
    var th = table.tHead.rows[0].cells[index];
    var type = th.getAttribute("data-type");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type), y = cellValue(b, index, type);
      if (x === null && y === null) return 0;
      if (x === null) return 1;  // missing values last, whatever the order
      if (y === null) return -1;
      var c = type === "num" ? x - y : String(x).localeCompare(String(y));
      return descending ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  var OPS = {
    "<": function (a, b) { return a < b; }, "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; }, ">=": function (a, b) { return a >= b; },
    "=": function (a, b) { return a === b; }, "!=": function (a, b) { return a !== b; }
  };

  function parseFilter(text, keys) {
    var terms = [];
    text.trim().split(/\s+/).forEach(function (word) {
      if (!word) return;
      var m = /^([A-Za-z_#]+)(<=|>=|!=|<|>|=)(.+)$/.exec(word);
      if (m && keys.hasOwnProperty(m[1])) {
        terms.push({ index: keys[m[1]].index, type: keys[m[1]].type, op: m[2], value: m[3] });
      } else {
        terms.push({ text: word.toLowerCase() });
      }
    });
    return terms;
  }

  function matches(row, terms) {
    return terms.every(function (t) {
      if (t.text !== undefined) return row.textContent.toLowerCase().indexOf(t.text) >= 0;
      var v = cellValue(row, t.index, t.type);
      if (t.type === "num") {
        var w = parseFloat(t.value);
        return v !== null && !isNaN(w) && OPS[t.op](v, w);
      }
      return OPS[t.op](String(v), t.value);
    });
  }

  function setupTable(table) {
    var keys = {};
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      keys[th.getAttribute("data-key")] = { index: i, type: th.getAttribute("data-type") };
      th.addEventListener("click", function () {
        sortTable(table, i, th.getAttribute("aria-sort") === "ascending");
      });
    });
    var input = document.getElementById("filter");
    var shown = document.getElementById("shown");
    function apply() {
      var terms = parseFilter(input ? input.value : "", keys);
      var n = 0, rows = table.tBodies[0].rows;
      Array.prototype.forEach.call(rows, function (r) {
        var ok = matches(r, terms);
        r.hidden = !ok;
        if (ok) n += 1;
      });
      if (shown) shown.textContent = n + " of " + rows.length + " jets shown";
    }
    if (input) input.addEventListener("input", apply);
    apply();
  }

  function setupFlipbook(book) {
    var frames = JSON.parse(book.getAttribute("data-frames"));
    var img = book.querySelector("img.frame");
    var zoom = book.querySelector("img.zoom");
    var slider = book.querySelector(".slider");
    var label = book.querySelector(".label");
    var play = book.querySelector(".play");
    var timer = null, index = 0;
    function show(i) {
      index = (i + frames.length) % frames.length;
      img.src = frames[index].src;
      img.alt = "frame " + index;
      if (zoom && frames[index].zoom) { zoom.src = frames[index].zoom; zoom.alt = "close-up, frame " + index; }
      slider.value = String(index);
      label.textContent = "frame " + (index + 1) + "/" + frames.length + " \u00b7 " + frames[index].time;
    }
    function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = "\u25B6 play"; } }
    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      timer = setInterval(function () { show(index + 1); }, 250);
      play.textContent = "\u275A\u275A pause";
    });
    book.querySelector(".prev").addEventListener("click", function () { stop(); show(index - 1); });
    book.querySelector(".next").addEventListener("click", function () { stop(); show(index + 1); });
    slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
    show(parseInt(book.getAttribute("data-start") || "0", 10) || 0);
    frames.forEach(function (f) {
      var pre = new Image(); pre.src = f.src;
      if (f.zoom) { var z = new Image(); z.src = f.zoom; }
    });  // preload: smooth playback
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("catalogue");
    if (table) setupTable(table);
    Array.prototype.forEach.call(document.querySelectorAll(".flipbook"), setupFlipbook);
  });
})();
