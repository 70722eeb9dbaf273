// An old URL (a renamed credential or profile): on to the new one, with the query and the
// fragment (the page's <meta http-equiv="refresh"> does it without them when scripts are off).
(function () {
  "use strict";
  var target = document.currentScript && document.currentScript.dataset.target;
  if (target) location.replace(target + location.search + location.hash);
})();
