/* Warm Incasseren: small accessibility fixes for widgets of the Django admin.
   The filter boxes (filter_horizontal) put aria-label on a plain <span>, which has no role that
   may carry a name: give it the role of an image (a search icon), so the name is allowed. */
(function () {
  "use strict";
  function fix() {
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (span) {
      span.setAttribute("role", "img");
    });
    /* The filter boxes replace the select a field's label points at with two lists ("<id>_from",
       available, and "<id>_to", chosen): let the label name the chosen ones. */
    document.querySelectorAll("label[for]").forEach(function (label) {
      var id = label.htmlFor;
      if (id && !document.getElementById(id) && document.getElementById(id + "_to")) {
        label.htmlFor = id + "_to";
      }
    });
  }
  // The admin's widgets build themselves on "load"; run after them.
  window.addEventListener("load", function () { window.setTimeout(fix, 0); });
})();
