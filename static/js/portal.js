// Firm portal: autosave of the filing form while typing, one submit at a time, and the ladder
// page's wait for its evaluation. No dependencies; messages come from data-* attributes or the
// page's language.
(function () {
  "use strict";

  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var TEXT = {
    saving: zh ? "正在保存草稿…" : "Saving the draft…",
    saved: zh ? "草稿已保存（第 {n} 版），{t}" : "Draft saved (revision {n}) at {t}",
    unchanged: zh ? "所有内容均已保存。" : "Everything is saved.",
    invalid: zh ? "未保存：请更正标出的数字。" : "Not saved: correct the marked figures.",
    loggedOut: zh ? "您已退出登录。已填写的内容仍在本页：点击“保存草稿”，登录后内容会保留。"
                  : "You were logged out. Your values are still on this page: press Save draft, log in, and they are kept.",
    expired: zh ? "页面已过期：点击“保存草稿”，已填写的内容会保留。"
                : "The page has expired: press Save draft; your values are kept.",
    offline: zh ? "未保存：无法连接服务器，稍后将重试。" : "Not saved: the server cannot be reached; will retry.",
    confirm: zh ? "我确认该数字无误。" : "I confirm this figure is correct."
  };

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function setupAutosave(form) {
    var url = form.dataset.autosaveUrl;
    var status = document.getElementById("autosave-status");
    var revision = form.querySelector("input[name=revision]");
    var csrf = form.querySelector("input[name=csrf_token]");
    var timer = null, inflight = null, dirty = false, submitting = false;

    function show(text) { if (status) { status.textContent = text; } }

    function markErrors(errors) {
      form.querySelectorAll("[data-figure]").forEach(function (input) {
        var messages = errors[input.name];
        var feedback = form.querySelector('.invalid-feedback[data-field="' + input.name + '"]');
        input.classList.toggle("is-invalid", !!messages);
        if (feedback) { feedback.textContent = messages ? messages.join(" ") : ""; }
      });
    }

    function showWarnings(warnings) {
      var box = document.getElementById("warnings");
      var list = document.getElementById("warning-list");
      if (!box || !list) { return; }
      var checked = {};
      list.querySelectorAll("input[name=confirm]:checked").forEach(function (c) { checked[c.value] = true; });
      list.textContent = "";
      warnings.forEach(function (warning) {
        var item = document.createElement("li");
        item.className = "mb-2 warning";
        item.dataset.warning = warning.id;
        var alert = document.createElement("div");
        alert.className = "alert alert-warning py-2 mb-1 small";
        alert.textContent = warning.message;
        var check = document.createElement("div");
        check.className = "form-check";
        var input = document.createElement("input");
        input.type = "checkbox"; input.name = "confirm"; input.value = warning.id;
        input.id = "confirm-" + warning.id; input.className = "form-check-input";
        input.checked = !!checked[warning.id];
        var label = document.createElement("label");
        label.className = "form-check-label small"; label.htmlFor = input.id;
        label.textContent = TEXT.confirm;
        check.append(input, label);
        item.append(alert, check);
        list.append(item);
      });
      box.hidden = warnings.length === 0;
    }

    function save() {
      timer = null;
      if (!dirty || submitting) { return inflight; }
      if (inflight) { return inflight.then(save); }
      dirty = false;
      show(TEXT.saving);
      var body = new FormData(form);
      inflight = fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrf ? csrf.value : "", "Accept": "application/json"}
      }).then(function (response) {
        if (response.status === 401) { show(TEXT.loggedOut); return null; }
        if (response.status === 400) { show(TEXT.expired); return null; }
        return response.json().then(function (data) {
          if (response.ok) {
            markErrors({});
            if (revision) { revision.value = data.revision; }
            show(data.saved ? format(TEXT.saved, {n: data.revision, t: new Date().toLocaleTimeString()})
                            : TEXT.unchanged);
            showWarnings(data.warnings || []);
          } else if (data.errors) {
            markErrors(data.errors);
            show(TEXT.invalid);
          } else {
            show(data.message || TEXT.invalid);
          }
        });
      }).catch(function () {
        dirty = true;
        show(TEXT.offline);
        timer = setTimeout(save, 10000);
      }).finally(function () { inflight = null; });
      return inflight;
    }

    function schedule(delay) {
      dirty = true;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, delay);
    }

    form.addEventListener("input", function (event) {
      if (event.target.dataset.figure) { schedule(1500); }
    });
    form.addEventListener("change", function (event) {
      if (event.target.dataset.figure) { schedule(0); }
    });

    // One submission at a time, and never while an autosave is on its way (it would make
    // the revision the form carries stale).
    form.addEventListener("submit", function (event) {
      if (timer) { clearTimeout(timer); timer = null; }
      if (submitting) { event.preventDefault(); return; }
      if (inflight) {
        event.preventDefault();
        var submitter = event.submitter;
        inflight.finally(function () { form.requestSubmit(submitter); });
        return;
      }
      submitting = true;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.classList.add("disabled"); });
    });
  }

  function waitForEvaluation(box) {
    var url = box.dataset.statusUrl;
    function poll() {
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {pending: true}; })
        .then(function (data) {
          if (data.pending) { setTimeout(poll, 2000); } else { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  }

  var form = document.getElementById("filing-form");
  if (form && form.dataset.autosaveUrl) { setupAutosave(form); }
  var evaluating = document.getElementById("evaluating");
  if (evaluating) { waitForEvaluation(evaluating); }
})();
