/* minewatch import pages: say "working" while a (perhaps long) upload or import runs. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-working]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function () {
      var note = document.getElementById(form.getAttribute("data-working"));
      if (note) { note.hidden = false; }
      form.setAttribute("aria-busy", "true");
      // Disable the buttons once the browser has taken the form's values (a second press would send it twice).
      window.setTimeout(function () {
        Array.prototype.forEach.call(document.querySelectorAll("form[data-working] button"), function (b) {
          b.disabled = true;
        });
      }, 0);
    });
  });
})();
