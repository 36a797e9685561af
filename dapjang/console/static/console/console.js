// Dapjang console: keyboard shortcuts, auto-submitting filters, and an error toast for htmx.
// Loaded with `defer` on every console page; no inline script anywhere (the page CSP forbids it).
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#rows tr[data-href]"));
  }

  var currentNumber = null;

  function select(row) {
    rows().forEach(function (r) { r.classList.remove("is-current"); });
    if (!row) { currentNumber = null; return; }
    row.classList.add("is-current");
    currentNumber = row.getAttribute("data-number");
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var at = list.findIndex(function (r) { return r.classList.contains("is-current"); });
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    select(list[next]);
  }

  function openCurrent() {
    var row = document.querySelector("#rows tr.is-current");
    if (row) window.location.assign(row.getAttribute("data-href"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var help = document.getElementById("help");
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (help && help.open) return;
    var key = event.key;
    if (key === "j") { move(1); }
    else if (key === "k") { move(-1); }
    else if (key === "o" || key === "Enter") {
      if (!document.querySelector("#rows tr.is-current")) return;
      openCurrent();
    }
    else if (key === "/") {
      var search = document.getElementById("search");
      if (!search) return;
      search.focus();
      search.select();
    }
    else if (key === "?") { if (help) help.showModal(); }
    else if (key === "r") {
      var reply = document.getElementById("reply_body");
      if (!reply) return;
      reply.focus();
    }
    else if (key === "u") {
      var back = document.querySelector(".ticket-head .back");
      if (!back) return;
      window.location.assign(back.href);
    }
    else { return; }
    event.preventDefault();
  });

  // A click anywhere on a row opens it (the number and subject are links for the keyboard-less).
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("#rows tr[data-href]");
    if (!row || event.target.closest("a")) return;
    window.location.assign(row.getAttribute("data-href"));
  });

  // Filters apply as soon as one changes.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form) form.requestSubmit();
  });

  // The poller replaces the rows every few seconds; keep the keyboard cursor where it was.
  document.addEventListener("htmx:afterSwap", function () {
    if (!currentNumber) return;
    var row = document.querySelector('#rows tr[data-number="' + CSS.escape(currentNumber) + '"]');
    if (row) row.classList.add("is-current");
  });

  document.addEventListener("htmx:responseError", function () {
    var toast = document.getElementById("toast");
    if (!toast) return;
    toast.textContent = toast.getAttribute("data-error");
    toast.hidden = false;
    setTimeout(function () { toast.hidden = true; }, 6000);
  });
})();
