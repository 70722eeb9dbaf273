// Client-side filters for the credential catalog. The state lives in the URL query
// (?topic=sel&level=advanced) so a filtered view is a link anyone can share.
(function () {
  "use strict";
  var form = document.getElementById("cairn-filters");
  var list = document.getElementById("cairn-cards");
  if (!form || !list) return;
  var cards = Array.prototype.slice.call(list.querySelectorAll(".cairn-card"));
  var count = document.getElementById("cairn-count");
  var empty = document.getElementById("cairn-empty");
  var names = ["q", "stack", "topic", "level", "hours"];

  function state() {
    var s = {};
    names.forEach(function (name) { s[name] = form.elements[name].value.trim(); });
    return s;
  }

  function matches(card, s) {
    var d = card.dataset;
    if (s.stack && d.stack !== s.stack) return false;
    if (s.topic && d.topics.split(" ").indexOf(s.topic) < 0) return false;
    if (s.level && d.level !== s.level) return false;
    if (s.hours && d.hours !== s.hours) return false;
    if (s.q) {
      var words = s.q.toLowerCase().split(/\s+/);
      for (var i = 0; i < words.length; i++) if (d.text.indexOf(words[i]) < 0) return false;
    }
    return true;
  }

  function apply(pushUrl) {
    var s = state();
    var shown = 0;
    cards.forEach(function (card) {
      var show = matches(card, s);
      card.hidden = !show;
      if (show) shown++;
    });
    count.textContent = shown === cards.length
      ? "Showing all " + cards.length + " credentials"
      : "Showing " + shown + " of " + cards.length + " credentials";
    empty.hidden = shown !== 0;
    if (pushUrl) {
      var params = new URLSearchParams();
      names.forEach(function (name) { if (s[name]) params.set(name, s[name]); });
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }
  }

  // Read the shared link's filters into the form; unknown values are ignored.
  var params = new URLSearchParams(location.search);
  names.forEach(function (name) {
    var value = params.get(name);
    if (value === null) return;
    var field = form.elements[name];
    if (field.tagName === "SELECT") {
      var known = Array.prototype.some.call(field.options, function (o) { return o.value === value; });
      if (known) field.value = value;
    } else {
      field.value = value;
    }
  });
  form.hidden = false;
  form.addEventListener("input", function () { apply(true); });
  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply(false);
})();
