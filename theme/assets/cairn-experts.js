// Filters for the expert directory: topic and school, kept in the URL
// (/experts/?topic=pbl&school=lincoln-ms) so a filtered view can be shared.
(function () {
  "use strict";
  var form = document.getElementById("cairn-expert-filters");
  if (!form) return;
  var sections = Array.prototype.slice.call(document.querySelectorAll(".cairn-topic-experts"));
  var count = document.getElementById("cairn-expert-count");

  function apply(updateUrl) {
    var topic = form.elements.topic.value, school = form.elements.school.value;
    var people = {};
    sections.forEach(function (section) {
      var showTopic = !topic || section.dataset.topic === topic;
      section.hidden = !showTopic;
      var groups = section.querySelectorAll(".cairn-school-experts");
      var shownGroups = 0;
      groups.forEach(function (group) {
        var show = showTopic && (!school || group.dataset.school === school);
        group.hidden = !show;
        if (show) {
          shownGroups++;
          group.querySelectorAll(".cairn-expert").forEach(function (li) { people[li.dataset.earner] = true; });
        }
      });
      var schoolGap = section.querySelector(".cairn-gap--school");
      if (schoolGap) schoolGap.hidden = !(showTopic && school && shownGroups === 0);
    });
    var n = Object.keys(people).length;
    count.textContent = n + (n === 1 ? " educator" : " educators") + " shown";
    if (updateUrl) {
      var params = new URLSearchParams();
      if (topic) params.set("topic", topic);
      if (school) params.set("school", school);
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    }
  }

  var params = new URLSearchParams(location.search);
  ["topic", "school"].forEach(function (name) {
    var value = params.get(name), field = form.elements[name];
    if (value !== null && Array.prototype.some.call(field.options, function (o) { return o.value === value; })) {
      field.value = value;
    }
  });
  form.hidden = false;
  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
  apply(false);
})();
