// microcue cue panel: one WebSocket to the local server; no external requests.
(function () {
  "use strict";
  var MAX_OLD = 5;
  var token = new URLSearchParams(location.search).get("token") || "";
  var cues = [];            // newest last: {id, ...}
  var states = {};          // participant -> state message
  var ARROWS = { rising: "\u2197", steady: "\u2192", falling: "\u2198" };
  var TREND_WORDS = { rising: "face warmer", steady: "face steady", falling: "face cooler" };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function clock(t) {
    if (typeof t !== "number" || !isFinite(t)) return "";
    var s = Math.max(0, Math.round(t));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function renderStates() {
    var box = $("states");
    var pids = Object.keys(states);
    if (!pids.length) return;
    box.textContent = "";
    pids.forEach(function (pid) {
      var s = states[pid];
      var cls = s.engaged === true ? "engaged" : s.engaged === false ? "drifting" : "waiting";
      var card = el("div", "state " + cls);
      card.dataset.pid = pid;
      card.appendChild(el("div", "who", s.name || (s.role && s.role !== "unknown" ? s.role + " \u00b7 " + pid : pid)));
      card.appendChild(el("div", "label", s.label || (s.engaged ? "Engaged" : s.engaged === false ? "Drifting" : "Warming up")));
      var trend = el("div", "trend");
      if (s.engaged !== null && s.engaged !== undefined) {
        trend.appendChild(el("span", "arrow", ARROWS[s.valence_trend] || ARROWS.steady));
        trend.appendChild(el("span", "", TREND_WORDS[s.valence_trend] || TREND_WORDS.steady));
      }
      card.appendChild(trend);
      box.appendChild(card);
    });
  }

  function countBadge(c) { return c.count > 1 ? el("span", "count", "x" + c.count) : null; }

  function renderCues(freshId) {
    var now = $("now"), old = $("earlier");
    if (!cues.length) {
      now.className = "empty"; now.textContent = "";
      now.appendChild(el("div", "obs", "No cues yet. They appear here, one at a time."));
      old.textContent = "";
      return;
    }
    var c = cues[cues.length - 1];
    now.className = (freshId === c.id ? "fresh" : "") + (c.provisional ? " provisional" : "");
    now.textContent = "";
    var meta = el("div", "meta", (c.name || c.participant) + " \u00b7 " + clock(c.time_s));
    if (c.provisional) meta.appendChild(el("span", "forming", "forming\u2026"));
    now.appendChild(meta);
    var obs = el("div", "obs", c.observation);
    var b = countBadge(c); if (b) obs.appendChild(b);
    now.appendChild(obs);
    now.appendChild(el("div", "say", c.suggestion || ""));
    old.textContent = "";
    cues.slice(0, -1).slice(-MAX_OLD).reverse().forEach(function (o) {
      var row = el("div", "old" + (o.provisional ? " provisional" : ""));
      row.appendChild(el("span", "t", clock(o.time_s)));
      var txt = el("span", "", o.observation);
      var ob = countBadge(o); if (ob) txt.appendChild(ob);
      row.appendChild(txt);
      old.appendChild(row);
    });
  }

  function onMessage(m) {
    if (m.type === "hello") {
      $("self").hidden = !m.self_view;
    } else if (m.type === "state") {
      states[m.participant] = m; renderStates();
    } else if (m.type === "cue") {
      var i = cues.findIndex(function (c) { return c.id === m.id; });
      if (i >= 0) { cues[i] = Object.assign({}, cues[i], m); renderCues(null); }
      else { cues.push(m); if (cues.length > 50) cues.shift(); renderCues(m.id); }
    } else if (m.type === "withdraw") {
      var j = cues.findIndex(function (c) { return c.id === m.id; });
      if (j >= 0) { cues.splice(j, 1); renderCues(null); }
    } else if (m.type === "self") {
      $("self").hidden = false;
      var t = typeof m.tension === "number" ? m.tension : null;
      $("tension").textContent = m.label || (t === null ? "\u2014" : t.toFixed(2));
      $("tension-bar").style.width = t === null ? "0" : Math.min(100, Math.round(t / 0.6 * 100)) + "%";
      $("pace").textContent = m.pace ? Math.round(m.pace) + " words/min"
        : m.pace_live ? "listening\u2026" : "needs the transcript";
    } else if (m.type === "status") {
      $("status").textContent = m.text || "";
    }
  }

  var wait = 500;
  function connect() {
    var ws = new WebSocket("ws://" + location.host + "/ws?token=" + encodeURIComponent(token));
    ws.onopen = function () { wait = 500; $("dot").className = "dot on"; $("conn").textContent = "live"; };
    ws.onmessage = function (ev) { try { onMessage(JSON.parse(ev.data)); } catch (e) { /* ignore a bad message */ } };
    ws.onclose = function (ev) {
      $("dot").className = "dot off";
      if (ev.code === 1008) { $("conn").textContent = "refused: open the link microcue live printed"; return; }
      $("conn").textContent = "session ended or reconnecting\u2026";
      setTimeout(connect, wait); wait = Math.min(wait * 2, 5000);
    };
  }
  window.microcuePanel = { cues: cues, states: states };
  connect();
})();
