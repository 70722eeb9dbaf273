// The planner's filters: school, role group, topic, stack and school year, read from the
// address's query, applied to this page's tables in place (rows and columns hidden, nothing
// fetched), and written back to the query so a view can be bookmarked, shared or reloaded.
(function () {
  "use strict";
  var form = document.querySelector("form.filters");
  var names = form ? form.getAttribute("data-filters").split(" ") : [];

  function chosen() {
    var query = new URLSearchParams(window.location.search);
    var values = {};
    names.forEach(function (name) {
      var select = form.elements[name];
      var value = query.get(name) || "";
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      values[name] = known ? value : "";
      select.value = values[name];
    });
    return values;
  }

  function apply(values) {
    document.querySelectorAll("table[data-filter]").forEach(function (table) {
      var rowsBy = (table.getAttribute("data-filter") || "").split(" ").filter(Boolean);
      var columnsBy = table.getAttribute("data-columns");
      var hide = [];
      var heads = table.tHead.rows[0].cells;
      if (columnsBy && values[columnsBy]) {
        for (var c = 1; c < heads.length; c++) {
          var key = heads[c].getAttribute("data-key");
          if (key !== null && key !== values[columnsBy]) hide.push(c);
        }
      }
      Array.prototype.forEach.call(table.rows, function (row) {
        for (var c = 1; c < row.cells.length; c++) row.cells[c].hidden = hide.indexOf(c) >= 0;
      });
      var shown = 0;
      var all = table.tBodies[0].rows;
      Array.prototype.forEach.call(all, function (row) {
        var keep = rowsBy.every(function (name) {
          var value = row.getAttribute("data-" + name);
          return !values[name] || value === null || value === values[name];
        });
        row.hidden = !keep;
        if (keep) shown++;
      });
      var count = document.querySelector('.shown[data-for="' + table.id + '"]');
      if (count) {
        var what = count.getAttribute("data-what");
        count.textContent = shown === all.length
          ? all.length.toLocaleString("en") + " " + what + "."
          : "Showing " + shown.toLocaleString("en") + " of " + all.length.toLocaleString("en") + " " + what + ".";
      }
    });
  }

  function keepQuery() {
    var query = window.location.search;
    document.querySelectorAll("a.keep-query").forEach(function (link) {
      var href = link.getAttribute("href").split("?")[0];
      link.setAttribute("href", href + query);
    });
  }

  function changed() {
    var query = new URLSearchParams(window.location.search);
    names.forEach(function (name) {
      var value = form.elements[name].value;
      if (value) query.set(name, value); else query.delete(name);
    });
    var text = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : "") + window.location.hash);
    apply(chosen());
    keepQuery();
  }

  if (form) {
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) { event.preventDefault(); changed(); });
    form.addEventListener("reset", function () { window.setTimeout(changed, 0); });
    apply(chosen());
  }
  keepQuery();
})();
