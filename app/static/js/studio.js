// Studio editor: live Markdown preview (rendered by the server exactly as a trainee sees it).
// A question type's own editor helpers are in js/questions/<type>-studio.js, loaded by the
// pages that edit that type. Everything works without these files: the row buttons
// ("Add option", "Move up", "Remove") are ordinary submit buttons.
(function () {
  "use strict";
  var form = document.querySelector("form.studio-editor");
  if (!form) return;
  var url = form.getAttribute("data-preview-url");
  var tokenInput = form.querySelector('input[name="csrf_token"]');
  var token = tokenInput ? tokenInput.value : "";

  // ---- live preview
  document.querySelectorAll("[data-preview-for]").forEach(function (box) {
    var source = document.getElementById(box.getAttribute("data-preview-for"));
    var body = box.querySelector(".md-preview-body");
    if (!source || !body) return;
    box.hidden = false;
    var timer = null;
    function refresh() {
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ text: source.value })
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          // The HTML comes from app.text.render_markdown (nh3-sanitised on the server).
          if (data && typeof data.html === "string") body.innerHTML = data.html;
        })
        .catch(function () {});
    }
    source.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    refresh();
  });
})();
