// Rule form -> the alerting API's JSON, and the dry run's result table.
(function () {
  "use strict";
  function checked(form, name) {
    return Array.from(form.querySelectorAll('input[name="' + name + '"]:checked')).map(function (e) { return e.value; });
  }
  function text(form, name) { var el = form.elements[name]; return el ? el.value.trim() : ""; }
  function num(form, name, parse) { var v = text(form, name); return v === "" ? null : parse(v); }
  function listOrNull(items) { return items.length ? items : null; }

  function ruleBody(form) {
    var types = checked(form, "object_types").concat(
      text(form, "other_object_types").split(",").map(function (s) { return s.trim().toLowerCase(); }).filter(Boolean));
    var body = {
      name: text(form, "name"),
      description: text(form, "description") || null,
      severity: text(form, "severity"),
      enabled: form.elements.enabled.checked,
      risk_threshold: num(form, "risk_threshold", function (v) { return parseInt(v, 10); }),
      min_confidence: num(form, "min_confidence", parseFloat),
      cooldown_seconds: num(form, "cooldown_seconds", function (v) { return parseInt(v, 10); }),
      object_types: listOrNull(types),
      camera_ids: listOrNull(checked(form, "camera_ids")),
      zone_ids: listOrNull(checked(form, "zone_ids")),
    };
    if (body.cooldown_seconds === null) delete body.cooldown_seconds;
    var template = text(form, "dedup_key_template");
    if (template) body.dedup_key_template = template;
    var days = checked(form, "days"), start = text(form, "start_time"), end = text(form, "end_time");
    body.schedule = (days.length || start || end) ? {
      days: days, start_time: start || null, end_time: end || null,
      timezone: text(form, "timezone") || "UTC",
    } : null;
    // The form edits pose classes only: keep the rule's other conditions (action, threat, pose
    // confidence) exactly as stored.
    var conditions = JSON.parse(form.dataset.conditions || "{}");
    var poses = checked(form, "pose_classes");
    if (poses.length) conditions.pose = Object.assign({}, conditions.pose, { classes: poses });
    else delete conditions.pose;
    body.conditions = Object.keys(conditions).length ? conditions : null;
    return body;
  }

  document.querySelectorAll("form[data-rule-form]").forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var id = form.dataset.ruleId;
      try {
        var rule = await window.vigil.api(id ? "PATCH" : "POST",
          "/api/alerts/rules" + (id ? "/" + id : ""), ruleBody(form));
        window.vigil.toast(id ? "Rule saved." : "Rule created.");
        window.location.assign("/rules/" + rule.id);
      } catch (e) {
        window.vigil.toast(e.message, true);
      }
    });
  });

  function cell(row, value) { var td = document.createElement("td"); td.textContent = value; row.appendChild(td); return td; }

  var dry = document.getElementById("dry-run-form");
  if (dry) {
    dry.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var out = document.getElementById("dry-run-result");
      out.textContent = "Running…";
      try {
        var limit = parseInt(dry.elements.limit.value, 10) || 100;
        var res = await window.vigil.api("POST", "/api/alerts/rules/" + dry.dataset.ruleId + "/test", { limit: limit });
        out.textContent = "";
        var summary = document.createElement("p");
        summary.className = "stat-line";
        summary.id = "match-rate";
        summary.innerHTML = "";
        var strong = document.createElement("strong");
        strong.textContent = "Match rate " + (res.match_rate * 100).toFixed(1) + " %";
        summary.appendChild(strong);
        summary.appendChild(document.createTextNode(" — matched " + res.events_matched + " of " + res.events_tested + " events"));
        out.appendChild(summary);
        if (!res.results.length) return;
        var wrap = document.createElement("div"); wrap.className = "table-wrap";
        var table = document.createElement("table");
        table.innerHTML = "<thead><tr><th>Event</th><th>Camera</th><th>Matched</th><th>Conditions or reason</th></tr></thead>";
        var tbody = document.createElement("tbody");
        res.results.slice(0, 100).forEach(function (r) {
          var tr = document.createElement("tr");
          var a = document.createElement("a"); a.href = "/events/" + r.event_id; a.textContent = "#" + r.event_id;
          cell(tr, "").appendChild(a);
          cell(tr, r.camera_id);
          cell(tr, r.matched ? "yes" : "no").className = r.matched ? "st-ok" : "st-cancelled";
          cell(tr, r.matched ? r.matched_conditions.join(", ") : (r.reason || "")).className = "small";
          tbody.appendChild(tr);
        });
        table.appendChild(tbody); wrap.appendChild(table); out.appendChild(wrap);
      } catch (e) {
        out.textContent = "";
        window.vigil.toast(e.message, true);
      }
    });
  }
})();
