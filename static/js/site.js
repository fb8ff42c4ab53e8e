// The site's own script (no third-party code). Every page works without it; with it:
//  - a form sends once: a second click while it is being sent does nothing, and the button says so (a button
//    marked data-download, whose answer is a file, leaves the form as it is);
//  - a form with a file shows the upload's progress;
//  - what someone typed before their session ended is put back into the form (see config/forms.py);
//  - an error summary takes the focus, so a screen reader reads it first;
//  - a searchable checkbox list filters as one types.
(function () {
  "use strict";

  function text(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var labels = text("site-js-labels") || {};

  // Sending once --------------------------------------------------------------------------------
  function busy(form, on) {
    if (on) { form.setAttribute("aria-busy", "true"); } else { form.removeAttribute("aria-busy"); }
    form.dataset.sending = on ? "1" : "";
  }

  function progressBox(form) {
    var box = form.querySelector(".upload-progress");
    if (!box) {
      box = document.createElement("div");
      box.className = "upload-progress";
      box.innerHTML = '<progress max="100" value="0"></progress><p role="status" aria-live="polite"></p>';
      var bar = box.querySelector("progress");
      bar.setAttribute("aria-label", labels.uploading || "Uploading");
      form.appendChild(box);
    }
    return box;
  }

  function sendWithProgress(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var box = progressBox(form);
    var bar = box.querySelector("progress");
    var status = box.querySelector("p");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round((event.loaded / event.total) * 100);
      bar.value = percent;
      status.textContent = (labels.uploading || "Uploading") + " " + percent + "%";
    };
    xhr.upload.onload = function () {
      bar.removeAttribute("value");
      status.textContent = labels.checking || "Checking the file…";
    };
    xhr.onload = function () {
      // The answer is a whole page (after any redirect): show it as the browser would have.
      var url = xhr.responseURL || window.location.href;
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (window.history && url) { window.history.replaceState(null, "", url); }
    };
    xhr.onerror = function () {
      busy(form, false);
      status.textContent = labels.failed || "The upload failed. Check your connection and try again.";
    };
    xhr.send(data);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "get").toLowerCase() !== "post") { return; }
    if (form.dataset.sending === "1") { event.preventDefault(); return; }
    // A button whose answer is a file (a CSV) leaves the page where it is: locking the form would leave its
    // other buttons dead, and sending it twice only downloads the file twice.
    if (event.submitter && event.submitter.hasAttribute("data-download")) { return; }
    busy(form, true);
    var files = Array.prototype.filter.call(form.querySelectorAll('input[type="file"]'), function (input) {
      return input.files && input.files.length;
    });
    if (files.length && window.XMLHttpRequest && window.FormData) {
      event.preventDefault();
      sendWithProgress(form, event.submitter);
    }
  });

  // Back to a page kept in the browser's cache: its forms can be sent again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      Array.prototype.forEach.call(document.querySelectorAll("form[aria-busy]"), function (form) { busy(form, false); });
    }
  });

  // What was typed before the session ended ------------------------------------------------------
  function restore() {
    var saved = text("restored-form");
    if (!saved || !saved.data) { return; }
    var forms = Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
      return form.getAttribute("action") === saved.action;
    });
    var form = forms[0];
    if (!form) { return; }
    Object.keys(saved.data).forEach(function (name) {
      var values = saved.data[name];
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name !== name || field.type === "password" || field.type === "file" || field.type === "hidden") {
          return;
        }
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = values.indexOf(field.value) !== -1;
        } else if (field.tagName === "SELECT" && field.multiple) {
          Array.prototype.forEach.call(field.options, function (option) {
            option.selected = values.indexOf(option.value) !== -1;
          });
        } else {
          field.value = values[0];
        }
      });
    });
    var note = document.createElement("p");
    note.className = "restored-note";
    note.setAttribute("role", "status");
    note.textContent = saved.note;
    form.insertBefore(note, form.firstChild);
  }

  // Searchable checkbox lists ------------------------------------------------------------------------
  function fold(value) {  // "Châu" and "chau" match alike
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function pickers() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), function (picker) {
      var search = picker.querySelector(".picker-search");
      if (!search) { return; }
      search.hidden = false;
      var input = search.querySelector("input");
      input.addEventListener("input", function () {
        var needle = fold(input.value.trim());
        Array.prototype.forEach.call(picker.querySelectorAll("[data-picker-item]"), function (item) {
          item.hidden = needle !== "" && fold(item.getAttribute("data-picker-item")).indexOf(needle) === -1;
        });
      });
    });
  }

  // Tables wider than the screen scroll in their frame: the frame then takes the focus, so the keyboard can
  // scroll it too, and is named after its section's heading.
  function scrollables() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (frame) {
      var scrolls = frame.scrollWidth > frame.clientWidth + 1;
      if (scrolls && !frame.hasAttribute("tabindex")) {
        var section = frame.closest("section, article, .card");
        var heading = section && section.querySelector("h1, h2, h3");
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("role", "region");
        frame.setAttribute("aria-label", (labels.table || "Table") + (heading ? ": " + heading.textContent.trim() : ""));
      } else if (!scrolls && frame.getAttribute("tabindex") === "0") {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
        frame.removeAttribute("aria-label");
      }
    });
  }

  function init() {
    scrollables();
    window.addEventListener("resize", scrollables);
    restore();
    pickers();
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
