// Vigil dashboard behaviour: local times, JSON calls to /api, live refreshes. No framework.
(function () {
  "use strict";
  var fmt = {
    datetime: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" }),
    time: new Intl.DateTimeFormat(undefined, { timeStyle: "medium" }),
    date: new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }),
  };

  function localTimes(root) {
    (root || document).querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.textContent = (fmt[el.dataset.style] || fmt.datetime).format(d);
      el.title = el.getAttribute("datetime");
    });
    (root || document).querySelectorAll("[data-tz]").forEach(function (el) {
      el.textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
    });
    (root || document).querySelectorAll("input[data-default-tz]").forEach(function (el) {
      if (!el.value) el.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
    });
  }

  function toast(message, bad) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.className = "toast" + (bad ? " bad" : "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.textContent = ""; }, bad ? 8000 : 3000);
  }

  // Every change goes through /api (authenticated and audited like any client). The header marks
  // the call as same-origin script, which the session-cookie check requires for writes.
  async function api(method, url, body) {
    var res = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-Requested-With": "vigil-dashboard" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    var data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      var detail = data && data.detail !== undefined ? data.detail : res.statusText;
      if (typeof detail !== "string") detail = JSON.stringify(detail);
      var err = new Error(res.status + ": " + detail);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function refresh(selector) {
    if (!selector) return;
    document.querySelectorAll(selector).forEach(function (el) {
      if (window.htmx) window.htmx.trigger(el, "refresh");
    });
  }

  function setPath(obj, path, value) {
    var keys = path.split(".");
    var last = keys.pop();
    keys.forEach(function (k) { obj = obj[k] = obj[k] || {}; });
    obj[last] = value;
  }

  function getPath(obj, path) {
    return path.split(".").reduce(function (o, k) { return o ? o[k] : undefined; }, obj);
  }

  // Form -> JSON: data-type="int|float|bool|list|csv|json"; "a.b" names nest; blanks are left
  // out unless data-null-empty (then sent as null, to clear a field on update).
  function formJson(form) {
    var out = {};
    form.querySelectorAll("[name]").forEach(function (el) {
      if (el.disabled || el.dataset.skip !== undefined) return;
      var type = el.dataset.type || "str";
      var name = el.name;
      if (type === "list") {
        var current = getPath(out, name) || [];
        if (el.checked) current.push(el.value);
        setPath(out, name, current);
        return;
      }
      if (el.type === "checkbox") { setPath(out, name, el.checked); return; }
      var raw = el.value.trim();
      if (raw === "") { if (el.dataset.nullEmpty !== undefined) setPath(out, name, null); return; }
      var value = raw;
      if (type === "int") value = parseInt(raw, 10);
      else if (type === "float") value = parseFloat(raw);
      else if (type === "csv") value = raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      else if (type === "json") value = JSON.parse(raw);
      setPath(out, name, value);
    });
    prune(out);
    return out;
  }

  function prune(obj) {
    Object.keys(obj).forEach(function (k) {
      var v = obj[k];
      if (Array.isArray(v)) { if (!v.length && !obj.__keepEmpty) delete obj[k]; }
      else if (v && typeof v === "object") { prune(v); if (!Object.keys(v).length) delete obj[k]; }
    });
  }

  async function runAction(el, body) {
    var spec = (el.dataset.api || "").split(" ");
    if (el.dataset.confirm && !window.confirm(el.dataset.confirm)) return null;
    el.setAttribute("aria-busy", "true");
    if (el.tagName === "BUTTON") el.disabled = true;
    try {
      var result = await api(spec[0], spec[1], body);
      toast(el.dataset.done || "Done.");
      refresh(el.dataset.refresh);
      if (el.dataset.reload !== undefined) window.location.reload();
      if (el.dataset.redirect) window.location.assign(el.dataset.redirect.replace("{id}", result && result.id));
      document.dispatchEvent(new CustomEvent("vigil:done", { detail: { el: el, result: result } }));
      return result;
    } catch (e) {
      toast(e.message, true);
      return null;
    } finally {
      el.removeAttribute("aria-busy");
      if (el.tagName === "BUTTON") el.disabled = false;
    }
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button[data-api]");
    if (!btn || btn.form && btn.form.dataset.apiForm !== undefined && btn.type === "submit") return;
    ev.preventDefault();
    var body = btn.dataset.body ? JSON.parse(btn.dataset.body) : undefined;
    runAction(btn, body);
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.api === undefined) return;
    ev.preventDefault();
    var body;
    try { body = formJson(form); } catch (e) { toast("Invalid input: " + e.message, true); return; }
    runAction(form, body).then(function (result) {
      if (result !== null && form.dataset.reset !== undefined) form.reset();
    });
  });

  // Live updates: an element with data-sse refreshes itself on every server-sent event, and on
  // "resync" (the server lost its database connection a while: updates may have been missed).
  function connectStreams(root) {
    (root || document).querySelectorAll("[data-sse]").forEach(function (el) {
      if (el._vigilStream || !window.EventSource) return;
      var pending = null;
      var source = new EventSource(el.dataset.sse, { withCredentials: true });
      el._vigilStream = source;
      var onEvent = function () {
        clearTimeout(pending);
        pending = setTimeout(function () { window.htmx.trigger(el, "refresh"); }, 250);
      };
      source.onmessage = onEvent;
      // EventSource reconnects by itself after a broken stream (server restart): anything
      // streamed meanwhile was missed, so refresh once it is open again.
      var broken = false;
      source.onerror = function () { broken = true; };
      source.onopen = function () { if (broken) { broken = false; onEvent(); } };
      var names = el.dataset.sseEvents || "alert.created alert.updated resync";
      names.split(" ").forEach(function (name) {
        source.addEventListener(name, onEvent);
      });
    });
  }

  window.vigil = { api: api, toast: toast, refresh: refresh, formJson: formJson };

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    connectStreams(document);
    document.body.addEventListener("htmx:load", function (ev) { localTimes(ev.target); });
    document.body.addEventListener("htmx:configRequest", function (ev) {
      ev.detail.headers["X-Requested-With"] = "vigil-dashboard";
    });
    document.body.addEventListener("htmx:responseError", function (ev) {
      toast("Refresh failed: " + ev.detail.xhr.status, true);
    });
  });
})();
