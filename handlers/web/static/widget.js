/* Neighbourhood concierge search widget: one script tag, no dependencies, no third-party requests.

   <script src="https://HOST/widget.js" async></script>          the widget in the page itself
   <script src="https://HOST/widget.js" data-iframe async></script> the widget in an iframe of HOST/widget,
                                                                  whose height follows its content
   Options: data-lang (nl, en, de, fr; else the page's lang), data-lat/data-lon (the area to search
   around), data-campaign (a newsletter's tag, counted per day, never per reader), data-target (a CSS
   selector where to put it). It renders the same answer fields as the bot: distance, open now or the next
   opening, chain label, the story card's known facts ("Pay: cash, card"), why it matched and the
   owner's story in its own language. */
(function () {
  "use strict";
  var I18N = /*I18N*/ {};
  var HEIGHT = "concierge-widget:height";
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
  var lat = script.getAttribute("data-lat"), lon = script.getAttribute("data-lon");
  var campaign = script.getAttribute("data-campaign");
  var inFrame = script.hasAttribute("data-frame-page");
  var count = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function place(node) {
    var target = script.getAttribute("data-target");
    var host = target && document.querySelector(target);
    if (host) host.appendChild(node); else script.parentNode.insertBefore(node, script.nextSibling);
  }

  function distance(metres) {
    if (metres < 950) return Math.round(metres >= 100 ? Math.round(metres / 10) * 10 : metres) + " m";
    return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(metres / 1000) + " km";
  }

  /* "2026-12-16T19:00:00+01:00" in the shop's own local time (as written, whatever the reader's time
     zone), e.g. "Wed 19:00"; today's short form ("Wed 19:00", "19:00") is shown as it is. */
  function opening(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) return value || "";
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]));
    var options = { weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "UTC" };
    var now = new Date();
    var today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    if (day.getTime() - today > 6 * 86400000) { options.day = "numeric"; options.month = "short"; }
    return new Intl.DateTimeFormat(lang, options).format(day);
  }

  function longDate(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
    if (!m) return value || "";
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", timeZone: "UTC" }).format(day);
  }

  function tagged(url) {
    return campaign ? url + "&campaign=" + encodeURIComponent(campaign) : url;
  }

  function reportHeight() {
    if (!inFrame || window.parent === window) return;
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({ type: HEIGHT, height: height }, "*");
  }

  function frame() {
    /* The host side of data-iframe: an iframe of our page, resized to the heights it posts. */
    var params = new URLSearchParams({ lang: lang });
    if (lat && lon) { params.set("lat", lat); params.set("lon", lon); }
    if (campaign) params.set("campaign", campaign);
    var node = el("iframe", { src: origin + "/widget?" + params.toString(), title: t.label,
      loading: "lazy", style: "width:100%;max-width:36rem;border:0;height:12rem;display:block" });
    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== node.contentWindow) return;
      var data = event.data || {};
      if (data.type === HEIGHT && typeof data.height === "number" && data.height > 0 && data.height < 20000) {
        node.style.height = data.height + "px";
      }
    });
    place(node);
  }

  function mount() {
    if (!document.querySelector('link[data-concierge-widget]')) {
      var css = el("link", { rel: "stylesheet", href: origin + "/widget.css", "data-concierge-widget": "" });
      document.head.appendChild(css);
    }
    count += 1;
    var id = "cw-q-" + count + "-" + Math.random().toString(36).slice(2, 7);
    var root = el("section", { "class": "cw", lang: lang, "aria-label": t.label });
    var form = el("form", { role: "search", "aria-label": t.label });
    var label = el("label", { "for": id }, t.label);
    var input = el("input", { id: id, name: "q", type: "search", maxlength: "300", autocomplete: "off",
      placeholder: t.placeholder, required: "" });
    var button = el("button", { type: "submit" }, t.search);
    var status = el("p", { "class": "cw-msg", role: "status", "aria-live": "polite" });
    var list = el("ol", { "class": "cw-results", "aria-label": t.results });
    form.appendChild(label); form.appendChild(input); form.appendChild(button);
    root.appendChild(form); root.appendChild(status); root.appendChild(list);
    place(root);
    if (campaign && !inFrame) {  /* the iframe page counts its own visit when served */
      var visit = new URLSearchParams({ campaign: campaign, kind: "widget" });
      fetch(origin + "/api/v1/visit?" + visit.toString(), { method: "POST", credentials: "omit", keepalive: true })
        .catch(function () {});
    }
    var busy = false;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var question = input.value.trim();
      if (!question) { input.focus(); return; }
      if (busy) return;
      busy = true;
      var params = new URLSearchParams({ q: question, lang: lang, limit: "3" });
      if (lat && lon) { params.set("lat", lat); params.set("lon", lon); }
      list.textContent = "";
      status.textContent = t.searching;
      root.setAttribute("aria-busy", "true");
      fetch(origin + "/api/v1/search?" + params.toString(), { credentials: "omit" })
        .then(function (response) { return response.json(); })
        .then(function (answer) { show(answer, list, status); })
        .catch(function () { status.textContent = t.failed; })
        .then(function () {
          busy = false;
          root.removeAttribute("aria-busy");
          var active = document.activeElement;
          if (!active || active === document.body || !root.contains(active)) input.focus();
          reportHeight();
        });
    });
  }

  function show(answer, list, status) {
    if (answer.error) { status.textContent = t.failed; return; }
    var results = answer.results || [];
    status.textContent = results.length ? (answer.message || t.found.replace("{n}", results.length)) : (answer.message || t.none);
    results.forEach(function (result) {
      var item = el("li");
      var href = tagged(origin + "/b/" + encodeURIComponent(result.id) + "?lang=" + lang);
      var name = el("a", { "class": "cw-name", href: href, target: "_top" }, result.name);
      item.appendChild(name);
      if (result.chain === true || result.independent === false) {
        item.appendChild(document.createTextNode(" "));
        item.appendChild(el("span", { "class": "cw-chain" }, t.chain));
      }
      var meta = el("div", { "class": "cw-meta" });
      var bits = [];
      if (typeof result.distance_m === "number") bits.push(distance(result.distance_m));
      meta.textContent = bits.join(" · ");
      var hours = null;
      if (result.closed_until) {
        hours = el("span", { "class": "cw-closed" }, t.closed_until.replace("{date}", longDate(result.closed_until)));
      } else if (result.open_now === true) {
        hours = el("span", { "class": "cw-open" }, t.open);
      } else if (result.open_now === false) {
        var text = t.closed + (result.opens_at ? " · " + t.opens.replace("{when}", opening(result.opens_at)) : "");
        hours = el("span", { "class": "cw-closed" }, text);
      }
      if (hours) {
        if (bits.length) meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(hours);
      }
      item.appendChild(meta);
      Object.keys(t.fields || {}).forEach(function (key) {
        var said = [].concat(result[key] || []).map(function (v) { return t.fields[key].values[v] || v; });
        if (said.length) item.appendChild(el("div", { "class": "cw-field" }, t.fields[key].label + ": " + said.join(", ")));
      });
      if (result.why) item.appendChild(el("p", { "class": "cw-why" }, result.why));
      if (result.story) {
        var story = el("p", { "class": "cw-story" }, result.story);
        if (result.story_lang) story.setAttribute("lang", result.story_lang);
        item.appendChild(story);
      }
      list.appendChild(item);
    });
  }

  function start() {
    if (script.hasAttribute("data-iframe")) frame(); else mount();
    if (inFrame) {
      reportHeight();
      if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.documentElement);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
