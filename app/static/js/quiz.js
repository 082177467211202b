/* Quiz pages: autosave, countdown, and the question types' widgets.
 * A type's own script (js/questions/<id>.js, loaded before this file by the pages that show
 * the type) adds its widget to window.questionWidgets: {selector, init(root, onChange),
 * readOnly} — readOnly widgets are also set up (without onChange) on locked answers and in
 * reviews. Progressive enhancement: every form works without these files. Nothing here knows
 * any key. */
(function () {
  "use strict";

  var form = document.getElementById("answer-form");
  var statusEl = document.getElementById("save-status");

  function setStatus(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = "save-status" + (kind ? " is-" + kind : "");
  }

  /* ------------------------------------------------------------ autosave */

  function Autosave(form) {
    this.form = form;
    this.url = form.getAttribute("data-autosave-url");
    this.key = form.getAttribute("data-draft-key");
    this.seqInput = form.querySelector("input[name=seq]");
    this.pending = false;
    this.inFlight = false;
    this.retryDelay = 2000;
    this.timer = null;
    this.stopped = false;
  }

  Autosave.prototype.fields = function () {
    var data = new FormData(this.form);
    var out = [];
    data.forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "seq" && name !== "action") out.push([name, value]);
    });
    return out;
  };

  Autosave.prototype.storeDraft = function () {
    try {
      localStorage.setItem(
        this.key,
        JSON.stringify({ seq: Number(this.seqInput.value), fields: this.fields() })
      );
    } catch (e) { /* storage full or disabled: the server save still runs */ }
  };

  Autosave.prototype.clearDraft = function () {
    try { localStorage.removeItem(this.key); } catch (e) { /* ignore */ }
  };

  Autosave.prototype.restoreDraft = function () {
    var raw = null;
    try { raw = localStorage.getItem(this.key); } catch (e) { return false; }
    if (!raw) return false;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { this.clearDraft(); return false; }
    if (!draft || draft.seq !== Number(this.seqInput.value)) {
      // The server has a newer answer than this draft: the server wins.
      this.clearDraft();
      return false;
    }
    var form = this.form;
    var names = {};
    draft.fields.forEach(function (pair) { (names[pair[0]] = names[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "seq" || el.disabled) return;
      var values = names[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" || el.type === "text" || el.type === "hidden") {
        if (el.type !== "submit") el.value = values.length ? values[0] : "";
      }
    });
    return true;
  };

  Autosave.prototype.schedule = function (delay) {
    var self = this;
    if (this.stopped) return;
    this.pending = true;
    this.storeDraft();
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.send(); }, delay === undefined ? 400 : delay);
  };

  Autosave.prototype.send = function () {
    var self = this;
    if (this.stopped) return;
    if (this.inFlight) { this.schedule(300); return; }
    this.pending = false;
    this.inFlight = true;
    var body = new FormData(this.form);
    body.delete("action");
    var csrf = this.form.querySelector("input[name=csrf_token]").value;
    setStatus("Saving…", "saving");
    fetch(this.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (res) {
      var json = (res.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      return (json ? res.json() : Promise.resolve(null)).then(function (data) {
        self.inFlight = false;
        self.handle(res, data);
      });
    }).catch(function () {
      self.inFlight = false;
      self.retry();
    });
  };

  Autosave.prototype.retry = function () {
    setStatus("Not saved — retrying…", "error");
    this.schedule(this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
  };

  Autosave.prototype.handle = function (res, data) {
    var error = data && data.error ? data.error : null;
    if (res.ok && data && typeof data.seq === "number") {
      this.retryDelay = 2000;
      this.seqInput.value = String(data.seq);
      if (!this.pending) this.clearDraft();
      var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      setStatus("Saved at " + time, "saved");
      updateNavigator(this.form, data);
      updateDeadline(data.deadline);
      return;
    }
    if (res.status === 401 || res.type === "opaqueredirect" ||
        (res.status === 400 && (!error || error.code === "csrf_failed"))) {
      // Session ended: keep the draft; it is sent again after logging in and reloading.
      this.stopped = true;
      setStatus("Not saved: your session has expired. Your answer is kept in this browser: " +
        "log in again, then reload this page to send it.", "error");
      return;
    }
    if (res.status === 409 && error) {
      this.stopped = true;
      if (error.result_url) {
        this.clearDraft();
        setStatus(error.message + " Opening your result…", "error");
        setTimeout(function () { window.location.assign(error.result_url); }, 2500);
      } else {
        this.clearDraft();
        setStatus(error.message, "error");
      }
      return;
    }
    if (res.status === 400 && error) {
      setStatus("Not saved: " + error.message, "error");
      return;
    }
    this.retry();
  };

  function updateNavigator(form, data) {
    var current = document.querySelector(".quiz-nav-item.is-current");
    if (!current) return;
    var answered = answeredNow(form);
    current.classList.toggle("is-answered", answered);
    current.classList.toggle("is-unanswered", !answered);
    current.classList.toggle("is-flagged", !!data.flagged);
    var state = current.querySelector(".nav-state");
    if (state) state.textContent = (answered ? "✓" : "○") + (data.flagged ? "⚑" : "");
    var hidden = current.querySelector(".visually-hidden");
    if (hidden) hidden.textContent = ": " + (answered ? "answered" : "unanswered") +
      (data.flagged ? ", flagged" : "");
  }

  function answeredNow(form) {
    var data = new FormData(form);
    var any = false;
    data.forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "seq" && name !== "flagged" && value !== "") any = true;
    });
    return any;
  }

  /* ------------------------------------------------------------ countdown */

  // A save's answer carries the deadline as it is now (an administrator may have extended it).
  function updateDeadline(iso) {
    var el = document.getElementById("countdown");
    if (!el || !iso || el.getAttribute("data-deadline") === iso) return;
    el.setAttribute("data-deadline", iso);
    el.classList.remove("is-over", "is-urgent");
    var time = el.querySelector("time");
    if (time) {
      time.setAttribute("datetime", iso);
      var d = new Date(Date.parse(iso));
      if (!isNaN(d)) {
        var pad = function (n) { return (n < 10 ? "0" : "") + n; };
        time.textContent = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
      }
    }
  }

  function initCountdown(el) {
    var deadline = Date.parse(el.getAttribute("data-deadline"));
    var serverNow = Date.parse(el.getAttribute("data-now"));
    var grace = Number(el.getAttribute("data-grace") || "60") * 1000;
    var resultUrl = el.getAttribute("data-result-url");
    if (isNaN(deadline) || isNaN(serverNow)) return;
    var skew = serverNow - Date.now(); // the server's clock counts, not this computer's
    var left = el.querySelector(".countdown-left");
    var alertEl = document.querySelector(".countdown-alert");
    var warned = {};
    function tick() {
      var current = Date.parse(el.getAttribute("data-deadline"));
      if (!isNaN(current) && current !== deadline) { deadline = current; warned = {}; }
      var remaining = deadline - (Date.now() + skew);
      if (remaining <= 0) {
        left.textContent = "· time is up";
        el.classList.add("is-over");
        if (!warned.over && alertEl) {
          alertEl.textContent = "Time is up. Your saved answers will be submitted.";
          warned.over = true;
        }
        if (remaining < -grace - 2000) { window.location.assign(resultUrl); return; }
        setTimeout(tick, 1000);
        return;
      }
      var s = Math.floor(remaining / 1000);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      left.textContent = "· " + (h ? h + " h " : "") + m + " min " + (sec < 10 ? "0" : "") + sec + " s left";
      [5, 1].forEach(function (mins) {
        if (s <= mins * 60 && !warned[mins] && alertEl) {
          alertEl.textContent = mins + (mins === 1 ? " minute" : " minutes") + " left.";
          warned[mins] = true;
        }
      });
      if (s <= 60) el.classList.add("is-urgent");
      setTimeout(tick, 1000);
    }
    tick();
  }

  /* ------------------------------------------------------------ wiring */

  var widgets = window.questionWidgets || [];
  var readOnly = widgets.filter(function (w) { return w.readOnly; });

  var countdown = document.getElementById("countdown");
  if (countdown) initCountdown(countdown);

  if (form && !form.hasAttribute("data-locked")) {
    var saver = new Autosave(form);
    var onChange = function () { saver.schedule(); };
    if (saver.restoreDraft()) {
      setStatus("Restored your unsaved answer from this browser; saving…", "saving");
      saver.schedule(0);
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "action") return;
      onChange();
    });
    form.addEventListener("input", function (event) {
      if (event.target.type === "text") { saver.schedule(1500); }
    });
    widgets.forEach(function (w) {
      Array.prototype.forEach.call(form.querySelectorAll(w.selector), function (root) {
        w.init(root, onChange);
      });
    });
    form.addEventListener("submit", function (event) {
      // The form post saves with the current seq: let a background save in flight finish
      // first (it updates the seq), and cancel one that is only scheduled.
      clearTimeout(saver.timer);
      saver.pending = false;
      if (saver.inFlight) {
        event.preventDefault();
        var submitter = event.submitter;
        var wait = setInterval(function () {
          if (saver.inFlight) return;
          clearInterval(wait);
          saver.stopped = true;
          if (submitter && submitter.name) {
            var hidden = document.createElement("input");
            hidden.type = "hidden";
            hidden.name = submitter.name;
            hidden.value = submitter.value;
            form.appendChild(hidden);
          }
          form.submit();
        }, 50);
        return;
      }
      saver.stopped = true;
    });
  } else if (form) {
    readOnly.forEach(function (w) {
      Array.prototype.forEach.call(form.querySelectorAll(w.selector), function (root) {
        w.init(root, function () {});
      });
    });
  }
  readOnly.forEach(function (w) {
    var selector = ".review-list " + w.selector + ", .case-earlier " + w.selector;
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (root) {
      w.init(root, function () {});
    });
  });
})();
