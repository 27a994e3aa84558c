// A button marked data-print prints the page (no inline handler: the pages' CSP forbids them).
document.querySelectorAll("[data-print]").forEach(function (button) {
  "use strict";
  button.addEventListener("click", function () { window.print(); });
});
