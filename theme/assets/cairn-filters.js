// Client-side filters for the credential catalog. The state lives in the URL query
// (?topic=sel&level=advanced&min-points=50&sort=ceu) so a filtered view is a link anyone can share.
// Each scheme the catalog shows (catalog/_recognition.yml) has an "at least" field, min-<scheme>,
// read against the card's data-amount-<scheme>; `sort` puts the most of one scheme first.
(function () {
  "use strict";
  var form = document.getElementById("cairn-filters");
  var list = document.getElementById("cairn-cards");
  if (!form || !list) return;
  var cards = Array.prototype.slice.call(list.querySelectorAll(".cairn-card"));
  var count = document.getElementById("cairn-count");
  var empty = document.getElementById("cairn-empty");
  var names = Array.prototype.map.call(form.querySelectorAll("[name]"), function (field) { return field.name; });
  var schemes = Array.prototype.map.call(form.querySelectorAll("select[data-scheme]"), function (field) {
    return field.dataset.scheme;
  });

  // What a typed word is looked for in: a card's title, summary and topic labels (data-text),
  // and the other names of its topics, their ids and aliases ("pbl", "PBL"), read from the Topic
  // filter's options. Each typed word must begin a word there, as in the site's search box:
  // "sel" finds "SEL" and "self-assessment", not "themselves".
  var SEPARATORS = /[\s\-\/,.;:()'"!?&]+/;
  function words(text) {
    return text.toLowerCase().split(SEPARATORS).filter(Boolean);
  }
  var topicNames = {};
  Array.prototype.forEach.call(form.elements.topic.options, function (option) {
    if (option.value) topicNames[option.value] = [option.value, option.textContent, option.dataset.aliases || ""].join(" ");
  });
  var haystacks = cards.map(function (card) {
    var topics = card.dataset.topics.split(" ").map(function (id) { return topicNames[id] || ""; });
    return " " + words(card.dataset.text + " " + topics.join(" ")).join(" ");
  });

  function state() {
    var s = {};
    names.forEach(function (name) { s[name] = form.elements[name].value.trim(); });
    return s;
  }

  // What a card counts for in a scheme: 0 when it counts for nothing there.
  function amount(card, scheme) {
    return parseFloat(card.getAttribute("data-amount-" + scheme)) || 0;
  }

  function matches(card, haystack, s) {
    var d = card.dataset;
    if (s.stack && d.stack !== s.stack) return false;
    if (s.topic && d.topics.split(" ").indexOf(s.topic) < 0) return false;
    if (s.level && d.level !== s.level) return false;
    if (s.hours && d.hours !== s.hours) return false;
    for (var k = 0; k < schemes.length; k++) {
      var least = s["min-" + schemes[k]];
      if (least && amount(card, schemes[k]) < parseFloat(least)) return false;
    }
    var typed = words(s.q);
    for (var i = 0; i < typed.length; i++) if (haystack.indexOf(" " + typed[i]) < 0) return false;
    return true;
  }

  // The most of the chosen scheme first; equal amounts, and no sort, in stack order. The cards
  // move only when the sort changes (not on every letter typed).
  var sorted = "";
  function order(sort) {
    sort = sort || "";
    if (sort === sorted) return;
    sorted = sort;
    var ranked = cards.map(function (card, index) { return {card: card, index: index}; });
    if (sort) {
      ranked.sort(function (a, b) { return amount(b.card, sort) - amount(a.card, sort) || a.index - b.index; });
    }
    ranked.forEach(function (entry) { list.appendChild(entry.card); });
  }

  function apply(pushUrl) {
    var s = state();
    var shown = 0;
    order(s.sort);
    cards.forEach(function (card, index) {
      var show = matches(card, haystacks[index], s);
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
