// Zone editor: click points on the frame to draw a polygon, drag points to move them, or type
// them (keyboard users). Saved through /api/cameras/{id}/zones like any other client.
(function () {
  "use strict";
  var svg = document.getElementById("frame");
  if (!svg) return;
  var NS = "http://www.w3.org/2000/svg";
  var W = +svg.dataset.w, H = +svg.dataset.h, camera = svg.dataset.camera;
  var zones = JSON.parse(document.getElementById("zone-data").textContent);
  var draft = document.getElementById("draft");
  var form = document.getElementById("zone-form");
  var pointsBox = document.getElementById("zone-points");
  var status = document.getElementById("draw-status");
  var points = [];   // normalised [x, y]
  var drawing = false, dragIndex = -1;

  function round(v) { return Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000; }

  function toPoint(ev) {
    var r = svg.getBoundingClientRect();
    return [round((ev.clientX - r.left) / r.width), round((ev.clientY - r.top) / r.height)];
  }

  function render() {
    while (draft.firstChild) draft.removeChild(draft.firstChild);
    var colour = form.elements.color.value;
    if (points.length) {
      var poly = document.createElementNS(NS, points.length > 2 ? "polygon" : "polyline");
      poly.setAttribute("points", points.map(function (p) { return p[0] * W + "," + p[1] * H; }).join(" "));
      poly.setAttribute("fill", points.length > 2 ? colour : "none");
      poly.setAttribute("fill-opacity", "0.3");
      poly.setAttribute("stroke", colour);
      poly.setAttribute("stroke-width", "4");
      draft.appendChild(poly);
    }
    points.forEach(function (p, i) {
      var c = document.createElementNS(NS, "circle");
      c.setAttribute("cx", p[0] * W); c.setAttribute("cy", p[1] * H); c.setAttribute("r", 12);
      c.setAttribute("fill", "#fff"); c.setAttribute("stroke", colour); c.setAttribute("stroke-width", 4);
      c.dataset.index = i; c.style.cursor = "move";
      draft.appendChild(c);
    });
    pointsBox.value = points.map(function (p) { return p[0] + ", " + p[1]; }).join("\n");
    status.textContent = drawing ? points.length + " point(s): click to add, Save when done" :
      (points.length ? points.length + " point(s)" : "");
  }

  svg.addEventListener("pointerdown", function (ev) {
    if (ev.target.dataset && ev.target.dataset.index !== undefined) {
      dragIndex = +ev.target.dataset.index;
      svg.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      return;
    }
    if (!drawing) return;
    points.push(toPoint(ev));
    render();
  });
  svg.addEventListener("pointermove", function (ev) {
    if (dragIndex < 0) return;
    points[dragIndex] = toPoint(ev);
    render();
  });
  svg.addEventListener("pointerup", function () { dragIndex = -1; });

  pointsBox.addEventListener("change", function () {
    var parsed = pointsBox.value.split("\n").map(function (line) {
      return line.split(",").map(function (s) { return round(parseFloat(s)); });
    }).filter(function (p) { return p.length === 2 && !isNaN(p[0]) && !isNaN(p[1]); });
    points = parsed;
    render();
  });

  function startDrawing(reset) {
    drawing = true;
    if (reset) points = [];
    svg.classList.add("drawing");
    render();
  }

  document.getElementById("draw-start").addEventListener("click", function () { startDrawing(!form.elements.zone_id.value); });
  document.getElementById("draw-undo").addEventListener("click", function () { points.pop(); render(); });
  document.getElementById("draw-clear").addEventListener("click", function () { points = []; render(); });
  document.getElementById("zone-new").addEventListener("click", function () {
    form.reset(); form.elements.zone_id.value = ""; points = []; drawing = false;
    document.getElementById("zone-form-title").textContent = "New zone";
    render();
  });
  form.elements.color.addEventListener("input", render);

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-edit-zone]");
    if (!btn) return;
    var zone = zones.find(function (z) { return z.id === btn.dataset.editZone; });
    if (!zone) return;
    form.elements.zone_id.value = zone.id;
    form.elements.name.value = zone.name;
    form.elements.zone_type.value = zone.zone_type;
    form.elements.color.value = zone.color.toLowerCase();
    form.elements.priority.value = zone.priority;
    document.getElementById("zone-form-title").textContent = "Edit zone " + zone.name;
    points = zone.coordinates.map(function (p) { return [p[0], p[1]]; });
    startDrawing(false);
    form.elements.name.focus();
  });

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    if (points.length < 3) { window.vigil.toast("Draw at least 3 points first.", true); return; }
    var body = window.vigil.formJson(form);
    body.shape = "polygon";
    body.coordinates = points;
    var id = form.elements.zone_id.value;
    var url = "/api/cameras/" + encodeURIComponent(camera) + "/zones" + (id ? "/" + encodeURIComponent(id) : "");
    try {
      await window.vigil.api(id ? "PATCH" : "POST", url, body);
      window.vigil.toast("Zone saved.");
      window.location.reload();
    } catch (e) {
      window.vigil.toast(e.message, true);
    }
  });
  render();
})();
