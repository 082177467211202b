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

  // The status texts, in the interface's language, from the page (data-msg-* of #save-status).
  function msg(key, fallback, values) {
    var text = (statusEl && statusEl.getAttribute("data-msg-" + key)) || fallback;
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("{" + name + "}", function () { return values[name]; });
    });
    return text;
  }

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
    setStatus(msg("saving", "Saving…"), "saving");
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
    setStatus(msg("retrying", "Not saved — retrying…"), "error");
    this.schedule(this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
  };

  Autosave.prototype.handle = function (res, data) {
    var error = data && data.error ? data.error : null;
    if (res.ok && data && typeof data.seq === "number") {
      this.retryDelay = 2000;
      this.seqInput.value = String(data.seq);
      if (!this.pending) this.clearDraft();
      var lang = document.documentElement.getAttribute("lang") || undefined;
      var time = new Date().toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
      setStatus(msg("saved", "Saved at {time}", { time: time }), "saved");
      updateNavigator(this.form, data);
      updateDeadline(data.deadline);
      return;
    }
    if (res.status === 401 || res.type === "opaqueredirect" ||
        (res.status === 400 && (!error || error.code === "csrf_failed"))) {
      // Session ended: keep the draft; it is sent again after logging in and reloading.
      this.stopped = true;
      setStatus(msg("expired", "Not saved: your session has expired. Your answer is kept in " +
        "this browser: log in again, then reload this page to send it."), "error");
      return;
    }
    if (res.status === 409 && error) {
      this.stopped = true;
      if (error.result_url) {
        this.clearDraft();
        setStatus(msg("opening", "{message} Opening your result…", { message: error.message }),
          "error");
        setTimeout(function () { window.location.assign(error.result_url); }, 2500);
      } else {
        this.clearDraft();
        setStatus(error.message, "error");
      }
      return;
    }
    if (res.status === 400 && error) {
      setStatus(msg("not-saved", "Not saved: {message}", { message: error.message }), "error");
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
    if (state) state.textContent = (answered ? "●" : "○") + (data.flagged ? "⚑" : "");
    var nav = document.querySelector(".quiz-nav");
    var said = current.querySelector(".nav-said");
    if (nav && said) {
      var step = said.getAttribute("data-step") || "";
      said.textContent = step + nav.getAttribute(answered ? "data-msg-answered" : "data-msg-unanswered") +
        (data.flagged ? ", " + nav.getAttribute("data-msg-flagged") : "");
    }
    var count = document.querySelector(".exam-nav-count");
    if (count && nav) {
      var n = document.querySelectorAll(".quiz-nav-item.is-answered").length;
      count.textContent = nav.getAttribute("data-msg-count").replace("{n}", String(n));
    }
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

  // The end time as local clock time with its zone, in the interface's language and the
  // trainee's time zone (the page's data-locale and data-time-zone: the server's choice).
  function localTime(el, date) {
    try {
      return new Intl.DateTimeFormat(el.getAttribute("data-locale") || undefined, {
        hour: "numeric", minute: "2-digit", timeZoneName: "short",
        timeZone: el.getAttribute("data-time-zone") || undefined
      }).format(date);
    } catch (e) {
      return date.toLocaleTimeString();
    }
  }

  // A save's answer carries the deadline as it is now (an administrator may have extended it).
  function updateDeadline(iso) {
    var el = document.getElementById("countdown");
    if (!el || !iso || el.getAttribute("data-deadline") === iso) return;
    el.setAttribute("data-deadline", iso);
    el.classList.remove("is-over", "is-urgent", "is-warning");
    var time = el.querySelector("time");
    if (time) {
      time.setAttribute("datetime", iso);
      var d = new Date(Date.parse(iso));
      if (!isNaN(d)) time.textContent = localTime(el, d);
    }
  }

  function remainingText(s) {
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + " h " : "") + m + " min " + (sec < 10 ? "0" : "") + sec + " s";
  }

  // At time-up the answers can no longer change: every control of the form is disabled (the
  // server refuses late saves anyway) and the trainee is told what happens next.
  function lockAtTimeUp() {
    if (saver) { clearTimeout(saver.timer); saver.stopped = true; }
    timeUp = true;
    document.body.classList.add("is-time-up");
    if (form) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.type !== "hidden") el.disabled = true;
      });
      form.addEventListener("submit", function (event) { event.preventDefault(); });
    }
    var notice = document.getElementById("time-up-notice");
    if (notice) notice.hidden = false;
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
    var leftMsg = el.getAttribute("data-msg-left") || "{time}";
    var warned = {};
    function warn(key, kind) {
      if (warned[key] || !alertEl) return;
      warned[key] = true;
      alertEl.textContent = el.getAttribute("data-msg-" + key) || "";
      alertEl.className = "countdown-alert is-" + kind;
      document.body.classList.add("has-time-warning");
    }
    function tick() {
      var current = Date.parse(el.getAttribute("data-deadline"));
      if (!isNaN(current) && current !== deadline) {
        deadline = current;
        warned = {};
        if (alertEl) { alertEl.textContent = ""; alertEl.className = "countdown-alert"; }
        document.body.classList.remove("has-time-warning");
      }
      var remaining = deadline - (Date.now() + skew);
      if (remaining <= 0) {
        left.textContent = "";
        el.classList.add("is-over");
        warn("over", "over");
        if (!timeUp) lockAtTimeUp();
        if (remaining < -grace - 2000) { window.location.assign(resultUrl); return; }
        setTimeout(tick, 1000);
        return;
      }
      var s = Math.floor(remaining / 1000);
      left.textContent = leftMsg.replace("{time}", remainingText(s));
      if (s <= 60) { warn("one", "urgent"); el.classList.add("is-urgent"); }
      else if (s <= 300) { warn("five", "warning"); el.classList.add("is-warning"); }
      setTimeout(tick, 1000);
    }
    tick();
  }

  // "Hide timer": remembered in this browser; the 5- and 1-minute warnings still show.
  function initTimerToggle(button, el) {
    var key = "dna-timer-hidden";
    function apply(hidden) {
      el.classList.toggle("is-hidden", hidden);
      button.setAttribute("aria-pressed", hidden ? "true" : "false");
      button.textContent = button.getAttribute(hidden ? "data-show" : "data-hide");
    }
    var stored = null;
    try { stored = localStorage.getItem(key); } catch (e) { /* storage disabled */ }
    apply(stored === "1");
    button.hidden = false;
    button.addEventListener("click", function () {
      var hidden = !el.classList.contains("is-hidden");
      apply(hidden);
      try { localStorage.setItem(key, hidden ? "1" : "0"); } catch (e) { /* ignore */ }
    });
  }

  /* ------------------------------------------------------------ the exam room */

  // The navigator: a column beside the question on wide screens, a drawer on phones.
  function initNavigator(details) {
    if (!window.matchMedia) return;
    var wide = window.matchMedia("(min-width: 60em)");
    function apply() { details.open = wide.matches; }
    apply();
    if (wide.addEventListener) wide.addEventListener("change", apply);
    details.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && details.open && !wide.matches) {
        details.open = false;
        details.querySelector("summary").focus();
      }
    });
  }

  // A case: the page opens at the current step (earlier steps are collapsed above it).
  function focusCurrentStep() {
    var step = document.getElementById("current-step");
    if (!step || !document.querySelector(".case-earlier") || window.location.hash) return;
    var bar = document.getElementById("exam-bar");
    step.focus({ preventScroll: true });
    var top = step.getBoundingClientRect().top + window.pageYOffset - (bar ? bar.offsetHeight : 0) - 8;
    window.scrollTo(0, Math.max(0, top));
  }

  // Leaving: a warning while an answer is not saved yet, and (exams) while the attempt is in
  // progress, unless going to another page of the attempt. Never once time is up.
  function initLeaveWarning() {
    var attemptId = document.body.getAttribute("data-attempt");
    var exam = document.body.getAttribute("data-mode") === "exam";
    var inside = false;
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (!link) return;
      inside = link.getAttribute("href").indexOf("/attempts/" + attemptId + "/") !== -1;
    });
    if (form) form.addEventListener("submit", function () { inside = true; });
    window.addEventListener("beforeunload", function (event) {
      if (timeUp) return;
      var unsaved = saver && !saver.stopped && (saver.pending || saver.inFlight);
      if (!unsaved && (!exam || inside)) { inside = false; return; }
      inside = false;
      event.preventDefault();
      event.returnValue = (form && form.getAttribute("data-msg-leave")) || "";
      return event.returnValue;
    });
  }

  /* ------------------------------------------------------------ wiring */

  var widgets = window.questionWidgets || [];
  var readOnly = widgets.filter(function (w) { return w.readOnly; });

  var saver = null;
  var timeUp = false;
  var countdown = document.getElementById("countdown");
  var timerToggle = document.getElementById("countdown-toggle");
  if (countdown && timerToggle) initTimerToggle(timerToggle, countdown);
  var examNav = document.getElementById("exam-nav");
  if (examNav) initNavigator(examNav);

  if (form && !form.hasAttribute("data-locked")) {
    saver = new Autosave(form);
    var onChange = function () { saver.schedule(); };
    if (saver.restoreDraft()) {
      setStatus(msg("restored", "Restored your unsaved answer from this browser; saving…"),
        "saving");
      saver.schedule(0);
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "action") return;
      onChange();
    });
    form.addEventListener("input", function (event) {
      if (event.target.type === "text") { saver.schedule(1500); }
    });
    // The flag sits in the exam bar (outside the form, tied to it by its form attribute).
    var flag = document.getElementById("flagged");
    if (flag && flag.form === form && !form.contains(flag)) flag.addEventListener("change", onChange);
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
  if (countdown) initCountdown(countdown);
  if (document.body.classList.contains("exam-room")) {
    initLeaveWarning();
    focusCurrentStep();
  }
  readOnly.forEach(function (w) {
    var selector = ".review-list " + w.selector + ", .case-earlier " + w.selector;
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (root) {
      w.init(root, function () {});
    });
  });
})();
