// "Copy link" buttons: copy the badge's link and say so; without JavaScript they are plain links.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!navigator.clipboard) return;  // fall back to following the link
      event.preventDefault();
      var label = button.firstChild;
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        label.textContent = "Link copied";
        setTimeout(function () { label.textContent = "Copy link"; }, 2500);
      });
    });
  });
})();
