// Credential and profile pages: "Copy link" buttons, and tables that say when they scroll.
(function () {
  "use strict";

  // "Copy link": copy the link and say so, on the button and to screen readers (a polite live
  // region, on the page before its text changes, or nothing is read out). Without JavaScript,
  // or without a clipboard, the buttons are plain links.
  var buttons = document.querySelectorAll("[data-copy]");
  if (buttons.length) {
    var status = document.createElement("p");
    status.className = "cairn-sr-only";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    document.body.appendChild(status);
    var timer = 0;
    var say = function (message) {
      status.textContent = "";
      setTimeout(function () { status.textContent = message; }, 50);  // a new text, read even if the same
    };
    buttons.forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!navigator.clipboard) return;  // fall back to following the link
        event.preventDefault();
        var label = button.firstChild;
        navigator.clipboard.writeText(button.dataset.copy).then(function () {
          label.textContent = "Link copied";
          say("Link copied to the clipboard");
          clearTimeout(timer);
          timer = setTimeout(function () { label.textContent = "Copy link"; }, 2500);
        }, function () {
          say("The link could not be copied: open it and copy it from the address bar");
        });
      });
    });
  }

  // Tables wider than the screen (a rubric on a phone) say that they scroll, and can be scrolled
  // from the keyboard. Material wraps each table in .md-typeset__scrollwrap; the CSS shades the
  // edge that has more to show. Checked again whenever the window changes size.
  var HINT = "Scroll sideways to see the whole table";

  function heading(wrap) {
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[2-4]$/.test(el.tagName)) return el.textContent.trim();
    }
    return "";
  }

  function check() {
    document.querySelectorAll("article .md-typeset__scrollwrap").forEach(function (wrap) {
      var hint = wrap.previousElementSibling;
      if (!hint || !hint.classList.contains("cairn-scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "cairn-scroll-hint";
        hint.hidden = true;
        var arrow = document.createElement("span");
        arrow.setAttribute("aria-hidden", "true");
        arrow.textContent = " →";
        hint.append(HINT, arrow);
        wrap.parentNode.insertBefore(hint, wrap);
      }
      var overflows = wrap.scrollWidth > wrap.clientWidth + 1;
      hint.hidden = !overflows;
      wrap.classList.toggle("cairn-scrolls", overflows);
      if (overflows) {
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", (heading(wrap) || "Table") + ", scrolls sideways");
      } else {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  var pending = false;
  function later() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; check(); });
  }
  // Material wraps the tables once its document$ emits; check after it, and on load and resize.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(later);
  window.addEventListener("load", later);
  window.addEventListener("resize", later);
  later();
})();
