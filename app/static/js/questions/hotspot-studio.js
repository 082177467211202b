// Hotspot questions in the studio editor: a polygon drawing helper. Clicking on the chosen
// image adds a point to the polygon field of the region selected in "Draw into region".
// Without this file the points are typed as x,y fractions of the image.
(function () {
  "use strict";
  var form = document.querySelector("form.studio-editor");
  if (!form) return;
  var drawing = form.querySelector(".hotspot-drawing");
  var imageSelect = form.querySelector('select[name="image"]');
  if (!drawing || !imageSelect) return;
  var img = document.getElementById("draw-image");
  var overlay = document.getElementById("draw-overlay");
  var target = document.getElementById("draw-target");
  var clear = document.getElementById("draw-clear");
  var mediaBase = "/media/";

  function pointInputs() {
    return Array.prototype.slice.call(form.querySelectorAll('input[name^="regions-"][name$="-points"]'));
  }
  function parse(text) {
    return (text || "").trim().split(/\s+/).filter(Boolean).map(function (p) {
      var xy = p.split(",");
      return [parseFloat(xy[0]), parseFloat(xy[1])];
    }).filter(function (p) { return !isNaN(p[0]) && !isNaN(p[1]); });
  }
  function redraw() {
    while (overlay.firstChild) overlay.removeChild(overlay.firstChild);
    pointInputs().forEach(function (input, i) {
      var pts = parse(input.value);
      if (pts.length < 2) return;
      var poly = document.createElementNS("http://www.w3.org/2000/svg", "polygon");
      poly.setAttribute("points", pts.map(function (p) { return p[0] + "," + p[1]; }).join(" "));
      poly.setAttribute("class", String(i) === target.value ? "region active" : "region");
      overlay.appendChild(poly);
    });
  }
  function fillTargets() {
    var current = target.value;
    while (target.firstChild) target.removeChild(target.firstChild);
    pointInputs().forEach(function (input, i) {
      var opt = document.createElement("option");
      opt.value = String(i);
      opt.textContent = "Region " + (i + 1);
      target.appendChild(opt);
      input.addEventListener("input", redraw);
    });
    if (current) target.value = current;
  }
  function showImage() {
    var name = imageSelect.value || "";
    var sha = name.split(".")[0];
    if (!/^[0-9a-f]{64}$/.test(sha)) { drawing.hidden = true; return; }
    img.src = mediaBase + sha;
    drawing.hidden = false;
  }
  img.addEventListener("click", function (event) {
    var rect = img.getBoundingClientRect();
    var x = Math.round(((event.clientX - rect.left) / rect.width) * 1000) / 1000;
    var y = Math.round(((event.clientY - rect.top) / rect.height) * 1000) / 1000;
    var input = pointInputs()[parseInt(target.value, 10)];
    if (!input) return;
    input.value = (input.value.trim() + " " + x + "," + y).trim();
    redraw();
  });
  clear.addEventListener("click", function () {
    var input = pointInputs()[parseInt(target.value, 10)];
    if (input) { input.value = ""; redraw(); }
  });
  target.addEventListener("change", redraw);
  imageSelect.addEventListener("change", showImage);
  fillTargets();
  showImage();
  redraw();
})();
