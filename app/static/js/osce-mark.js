// The OSCE marking page: every tap raises the sequence number and is kept in localStorage
// first, then sent; a send that fails (no connection) is retried on the next tap, when the
// connection returns and when the page is opened again. The server applies a save only when
// its seq is above the stored one, so a resent save lands once.
(function () {
  "use strict";
  var root = document.getElementById("osce-mark");
  if (!root) return;
  var key = root.dataset.storageKey;
  var csrf = document.getElementById("osce-csrf").value;
  var status = document.getElementById("osce-status");
  var state = load() || { seq: Number(root.dataset.serverSeq) || 0, marks: {}, critical: [], global_rating: null, sent: Number(root.dataset.serverSeq) || 0 };
  if (root.dataset.submitted === "true") { lock("Submitted."); return; }
  if (state.seq < Number(root.dataset.serverSeq)) { state.seq = state.sent = Number(root.dataset.serverSeq); }
  render();

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function keep() {
    try { localStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* full or blocked */ }
  }
  function body() {
    return JSON.stringify({ seq: state.seq, marks: state.marks, critical: state.critical, global_rating: state.global_rating });
  }
  function render() {
    root.querySelectorAll("[data-item]").forEach(function (b) { b.setAttribute("aria-pressed", state.marks[b.dataset.item] ? "true" : "false"); });
    root.querySelectorAll("[data-critical]").forEach(function (b) { b.setAttribute("aria-pressed", state.critical.indexOf(b.dataset.critical) >= 0 ? "true" : "false"); });
    root.querySelectorAll("[data-rating]").forEach(function (b) { b.setAttribute("aria-pressed", Number(b.dataset.rating) === state.global_rating ? "true" : "false"); });
  }
  function lock(text) {
    root.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    status.textContent = text;
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }
  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: body() });
  }
  function send() {
    if (state.sent >= state.seq) return;
    var seq = state.seq;
    post(root.dataset.saveUrl).then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      return res.json();
    }).then(function () {
      state.sent = Math.max(state.sent, seq); keep();
      status.textContent = state.sent >= state.seq ? "Saved." : "Saving…";
    }).catch(function () { status.textContent = "Offline: marks kept on this device."; });
  }
  function changed() { state.seq += 1; keep(); render(); send(); }

  root.addEventListener("click", function (event) {
    var b = event.target.closest("button");
    if (!b || b.disabled) return;
    if (b.dataset.item) { state.marks[b.dataset.item] = !state.marks[b.dataset.item]; changed(); }
    else if (b.dataset.critical) {
      var i = state.critical.indexOf(b.dataset.critical);
      if (i >= 0) state.critical.splice(i, 1); else state.critical.push(b.dataset.critical);
      changed();
    } else if (b.dataset.rating) { state.global_rating = Number(b.dataset.rating); changed(); }
    else if (b.id === "osce-submit") {
      if (state.seq === 0) { state.seq = 1; }
      post(root.dataset.submitUrl).then(function (res) { return res.json().then(function (d) { return [res.ok, d]; }); })
        .then(function (r) {
          if (!r[0]) { status.textContent = (r[1].error && r[1].error.message) || "Not submitted."; return; }
          lock(r[1].final ? "Submitted. Final result: " + (r[1].result ? "passed" : "failed") + "." : "Submitted. Waiting for the second examiner.");
        }).catch(function () { status.textContent = "Offline: submit again when connected."; });
    }
  });
  window.addEventListener("online", send);
  send();
})();
