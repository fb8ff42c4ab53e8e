// Live state of automated checks: while any check is queued or running, poll the application's
// status endpoint and update the table in place; reload once when every check has finished so the
// evidence and results appear. Without JavaScript the page says to reload.
(function () {
  "use strict";
  var section = document.querySelector("[data-live-url]");
  if (!section || !window.fetch) { return; }
  var url = section.getAttribute("data-live-url");
  var labels = JSON.parse(document.getElementById("check-status-labels").textContent);
  var notice = section.querySelector("[data-live-notice]");
  var cssFor = { done: "pass", error: "fail", queued: "pending", running: "pending" };
  var delay = 2000;

  function render(state) {
    var pending = 0;
    state.checks.forEach(function (check) {
      var row = section.querySelector('[data-check="' + check.requirement_code + '"]');
      if (!row) { return; }
      var badge = row.querySelector("[data-field=state]");
      badge.textContent = labels[check.status] || check.status;
      badge.className = "result result-" + (cssFor[check.status] || "pending");
      row.querySelector("[data-field=attempts]").textContent = check.attempts;
      if (check.status === "queued" || check.status === "running") { pending += 1; }
    });
    return pending;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) {
        if (render(state) === 0) {
          window.location.reload();
        } else {
          delay = Math.min(delay * 1.5, 15000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        if (notice) { notice.hidden = false; }  // fall back to the plain "reload" advice
      });
  }

  if (notice) { notice.hidden = true; }
  window.setTimeout(poll, delay);
})();
