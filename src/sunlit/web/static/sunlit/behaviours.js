/* Small page behaviours, declared with data attributes instead of inline event handlers, so that
   the Content-Security-Policy can forbid inline script (docs/security.md, "Deployment defaults").
   Events are delegated from the document, so content swapped in by htmx behaves the same.

   data-autosubmit            on a select or checkbox: submit its form when it changes
   data-check-all="SELECTOR"  on a checkbox: check or uncheck every checkbox matching SELECTOR
   data-print                 on a button: open the browser's print dialog
   data-pay-form              on the online payment form: keep the total of the chosen bills
   data-confirm="TEXT"        on a form (or its submit button): ask before an irreversible step,
                              with TEXT saying what will happen; nothing is sent if declined */
(function () {
  "use strict";

  function payTotal(form) {
    var fen = 0;
    form.querySelectorAll("input[name=bills]:checked").forEach(function (box) {
      fen += Math.round(parseFloat(box.dataset.amount) * 100);
    });
    var out = form.querySelector("[data-pay-total]");
    // grouped the way the page prints money: 1,234.56
    if (out) { out.textContent = Math.floor(fen / 100).toLocaleString("en-US") + "." + String(fen % 100).padStart(2, "0"); }
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
    if (el.matches("[data-check-all]")) {
      document.querySelectorAll(el.dataset.checkAll).forEach(function (box) {
        if (box !== el) { box.checked = el.checked; }
      });
    }
    var pay = el.closest && el.closest("[data-pay-form]");
    if (pay) { payTotal(pay); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var text = (submitter && submitter.dataset && submitter.dataset.confirm) || form.dataset.confirm;
    if (text && !window.confirm(text)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { event.preventDefault(); window.print(); }
  });

  function init(root) {
    (root || document).querySelectorAll("[data-pay-form]").forEach(payTotal);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
