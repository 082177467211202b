/* Hotspot answers: click (or tap) the image to mark a point (point_x/point_y); choosing a
 * region by its label clears the point. Loaded before quiz.js, which sets the widget up on
 * every [data-hotspot] (read-only on locked answers and in reviews: the marker only). */
(function () {
  "use strict";

  function placeMarker(marker, x, y) {
    marker.hidden = false;
    marker.style.left = (x * 100) + "%";
    marker.style.top = (y * 100) + "%";
  }

  function initHotspot(root, onChange) {
    var img = root.querySelector(".hotspot-image");
    var marker = root.querySelector(".hotspot-marker");
    var px = root.querySelector("input[name=point_x]");
    var py = root.querySelector("input[name=point_y]");
    var note = root.querySelector(".hotspot-status");
    if (!img || !marker) return;
    if (marker.hasAttribute("data-x")) {
      placeMarker(marker, Number(marker.getAttribute("data-x")), Number(marker.getAttribute("data-y")));
    }
    var radios = root.querySelectorAll("input[name=region]");
    if (radios.length && radios[0].disabled) return;
    img.classList.add("is-clickable");
    img.addEventListener("click", function (event) {
      var rect = img.getBoundingClientRect();
      var x = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      var y = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
      px.value = x.toFixed(4);
      py.value = y.toFixed(4);
      Array.prototype.forEach.call(radios, function (r) { r.checked = false; });
      placeMarker(marker, x, y);
      if (note) note.textContent = "A point is marked on the image.";
      onChange();
    });
    Array.prototype.forEach.call(radios, function (r) {
      r.addEventListener("change", function () {
        px.value = "";
        py.value = "";
        marker.hidden = true;
        if (note) note.textContent = "";
      });
    });
  }

  window.questionWidgets = window.questionWidgets || [];
  window.questionWidgets.push({ selector: "[data-hotspot]", init: initHotspot, readOnly: true });
})();
