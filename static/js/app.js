/* Warm Incasseren: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  /* After a block is swapped in place (HTMX: an answer saved or checked), keep the keyboard where
     the person was. HTMX itself moves focus back to the element with the same id (the button that
     was pressed); when that element is gone (the "I checked" button after checking), focus goes
     to the block's heading. When the block came back with errors, focus goes to the first field
     with an error. The page's live region (#live-status) says what happened. */
  document.addEventListener("htmx:afterSettle", function (event) {
    var block = event.target;
    if (!(block instanceof Element) || !block.hasAttribute("data-keep-focus")) return;
    var invalid = block.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); return; }
    var active = document.activeElement;
    if (active && active !== document.body && document.documentElement.contains(active)) return;
    var heading = block.querySelector("h2[tabindex='-1']");
    if (heading) heading.focus();
  });
})();
