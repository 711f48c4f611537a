/* Neighbourhood concierge search widget: one script tag, no dependencies, no third-party requests. */
(function () {
  "use strict";
  var I18N = /*I18N*/ {};
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, document.baseURI).origin;
  var langs = ["nl", "en", "de", "fr"];
  function pickLang(value) {
    var code = (value || "").toLowerCase().split("-")[0];
    return langs.indexOf(code) >= 0 ? code : null;
  }
  var lang = pickLang(script.getAttribute("data-lang")) || pickLang(document.documentElement.lang) || "nl";
  var t = I18N[lang] || I18N.nl || {};
  var count = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function distance(metres) {
    if (metres < 950) return Math.round(metres >= 100 ? Math.round(metres / 10) * 10 : metres) + " m";
    return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(metres / 1000) + " km";
  }

  function mount() {
    if (!document.querySelector('link[data-concierge-widget]')) {
      var css = el("link", { rel: "stylesheet", href: origin + "/widget.css", "data-concierge-widget": "" });
      document.head.appendChild(css);
    }
    count += 1;
    var id = "cw-q-" + count + "-" + Math.random().toString(36).slice(2, 7);
    var root = el("div", { "class": "cw", lang: lang });
    var form = el("form", { role: "search" });
    var label = el("label", { "for": id }, t.label);
    var input = el("input", { id: id, name: "q", type: "search", maxlength: "300", autocomplete: "off",
      placeholder: t.placeholder, required: "" });
    var button = el("button", { type: "submit" }, t.search);
    var status = el("p", { "class": "cw-msg", role: "status", "aria-live": "polite" });
    var list = el("ol", { "class": "cw-results", "aria-label": t.results });
    form.appendChild(label); form.appendChild(input); form.appendChild(button);
    root.appendChild(form); root.appendChild(status); root.appendChild(list);
    var lat = script.getAttribute("data-lat"), lon = script.getAttribute("data-lon");
    var target = script.getAttribute("data-target");
    var host = target && document.querySelector(target);
    if (host) host.appendChild(root); else script.parentNode.insertBefore(root, script.nextSibling);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var question = input.value.trim();
      if (!question) { input.focus(); return; }
      var params = new URLSearchParams({ q: question, lang: lang, limit: "3" });
      if (lat && lon) { params.set("lat", lat); params.set("lon", lon); }
      list.textContent = "";
      status.textContent = t.searching;
      button.disabled = true;
      fetch(origin + "/api/v1/search?" + params.toString(), { credentials: "omit" })
        .then(function (response) { return response.json(); })
        .then(function (answer) { show(answer, list, status); })
        .catch(function () { status.textContent = t.failed; })
        .then(function () { button.disabled = false; });
    });
  }

  function show(answer, list, status) {
    if (answer.error) { status.textContent = t.failed; return; }
    var results = answer.results || [];
    status.textContent = results.length ? (answer.message || t.found.replace("{n}", results.length)) : (answer.message || t.none);
    results.forEach(function (result) {
      var item = el("li");
      var name = el("a", { "class": "cw-name", href: origin + "/b/" + encodeURIComponent(result.id) + "?lang=" + lang }, result.name);
      var meta = el("div", { "class": "cw-meta" });
      var bits = [];
      if (typeof result.distance_m === "number") bits.push(distance(result.distance_m));
      meta.textContent = bits.join(" · ");
      if (result.open_now === true || result.open_now === false) {
        var open = el("span", { "class": result.open_now ? "cw-open" : "cw-closed" },
          (bits.length ? " · " : "") + (result.open_now ? t.open : t.closed));
        meta.appendChild(open);
      }
      item.appendChild(name); item.appendChild(meta);
      if (result.story) item.appendChild(el("p", { "class": "cw-story" }, result.story));
      list.appendChild(item);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount); else mount();
})();
