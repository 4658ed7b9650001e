// The runtime page (on the content origin): the SCORM API the package looks for
// (window.API for 1.2, window.API_1484_11 for 2004, from scorm-again), loaded with the
// attempt's stored elements, then the SCO in the frame below. Every commit is sent to
// the LMS with a sequence number; when the page goes away without LMSFinish/Terminate
// the last state goes by navigator.sendBeacon (browsers block synchronous requests on
// unload). The token in the URLs is the only credential: no cookies, no CSRF header.
(function () {
  "use strict";
  var root = document.getElementById("scorm-runtime");
  var version = root.dataset.version;
  var commitUrl = root.dataset.commitUrl;
  var initializeUrl = root.dataset.initializeUrl;
  var seq = 0;
  var finished = false;
  var api = null;
  var frame = document.getElementById("sco");
  var initialized = false;

  function initialize() {
    if (initialized) { return; }
    initialized = true;
    fetch(initializeUrl, { method: "POST", credentials: "omit", keepalive: true })
      .then(function (response) { return response.json(); })
      .then(function (answer) { root.dataset.initialized = answer.result ? "ok" : "refused"; })
      .catch(function () { root.dataset.initialized = "failed"; });
  }

  // scorm-again caps cmi.suspend_data at 64,000 characters (the spec: 4,096 in 1.2);
  // real packages write more, and the LMS keeps whatever they write.
  function uncapSuspendData(cmi) {
    var value = "";
    Object.defineProperty(cmi, "suspend_data", {
      configurable: true, enumerable: true,
      get: function () { return value; },
      set: function (v) { value = String(v); }
    });
  }

  function url(extra) {
    seq += 1;
    return commitUrl + "?seq=" + seq + (extra || "");
  }

  function state(terminate) {
    return JSON.stringify(api.renderCommitCMI(terminate));
  }

  function send(terminate) {
    var body = state(terminate);
    var target = url(terminate ? "&terminate=1" : "");
    // keepalive: the request survives the page going away right after it.
    return fetch(target, { method: "POST", body: body, keepalive: body.length < 60000,
                           headers: { "Content-Type": "application/json" }, credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (answer) { root.dataset.lastCommit = answer.result ? "ok" : "refused"; return answer; })
      .catch(function () { root.dataset.lastCommit = "failed"; });
  }

  function beacon() {
    if (!api || finished) { return; }
    var body = new Blob([state(true)], { type: "text/plain" });
    navigator.sendBeacon(url("&unload=1"), body);
  }

  // SCORM 2004 navigation: what the SCO may ask for (adl.nav.request_valid), and the
  // request it set before Terminate, passed to the player page once the commit is in.
  var requested = "";
  function offerNavigation(valid) {
    try {
      api.adl.nav.request_valid.continue = valid.continue || "false";
      api.adl.nav.request_valid.previous = valid.previous || "false";
    } catch (e) { /* an older scorm-again: the SCO is told "unknown" */ }
    api.on("SetValue.adl.nav.request", function (element, value) { requested = String(value || ""); });
  }

  function navRequest() {
    if (requested) { return requested; }
    try { return String(api.adl.nav.request || ""); } catch (e) { return ""; }
  }

  function passOn(request) {
    if (!request || request === "_none_" || window.parent === window) { return; }
    window.parent.postMessage({ type: "scorm-navigate", request: request }, root.dataset.siteOrigin);
  }

  fetch(root.dataset.stateUrl, { credentials: "omit" })
    .then(function (response) { return response.json(); })
    .then(function (answer) {
      var settings = { lmsCommitUrl: false, autocommit: false, dataCommitFormat: "flattened", logLevel: 5,
                       renderCommonCommitFields: false, selfReportSessionTime: false };
      if (version === "2004") {
        api = new window.Scorm2004API(settings);
        window.API_1484_11 = api;
      } else {
        api = new window.Scorm12API(settings);
        window.API = api;
      }
      uncapSuspendData(api.cmi);
      if (version === "2004") { offerNavigation(answer.navigation || {}); }
      api.loadFromFlattenedJSON(answer.data || {}, "");
      var initializeEvent = version === "2004" ? "Initialize" : "LMSInitialize";
      var commitEvent = version === "2004" ? "Commit" : "LMSCommit";
      var finishEvent = version === "2004" ? "Terminate" : "LMSFinish";
      // The attempt starts when the SCO does (opening the player stores nothing).
      api.on(initializeEvent, initialize);
      // A package graded as "viewed" may never call the API at all: opening it counts.
      if (root.dataset.startOnLoad === "1") { frame.addEventListener("load", initialize, { once: true }); }
      api.on(commitEvent, function () { if (!finished) { send(false); } });
      api.on(finishEvent, function () {
        finished = true;
        var stored = send(true);
        if (version === "2004") { stored.then(function () { passOn(navRequest()); }); }
      });
      frame.src = root.dataset.launchUrl;
      root.dataset.ready = "1";
    });

  window.addEventListener("pagehide", beacon);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && api && !finished) { send(false); }
  });
})();
