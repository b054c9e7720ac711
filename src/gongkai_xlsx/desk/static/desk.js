/* The desk's shared script (a file: the Content-Security-Policy allows no inline script).
   Plain ES5, for whatever Chromium a Chinese office browser carries. Every text from the
   server goes into the page as a text node; only the server's own rendered (escaped)
   fragments go in as HTML. */
(function () {
  "use strict";
  var desk = window.gkDesk = {};

  desk.csrf = function () {
    var meta = document.querySelector('meta[name="gk-csrf"]');
    return meta ? meta.getAttribute("content") : "";
  };

  /* A request from the page's own script: JSON back, the CSRF token in a header. */
  desk.request = function (method, url, body, done, progress) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader("X-Requested-With", "gongkai-desk");
    if (method !== "GET") { xhr.setRequestHeader("X-CSRF-Token", desk.csrf()); }
    if (progress && xhr.upload) { xhr.upload.onprogress = progress; }
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      done(xhr.status, data);
    };
    xhr.onerror = function () { done(0, null); };
    xhr.send(body || null);
  };

  desk.text = function (element, text) {
    while (element.firstChild) { element.removeChild(element.firstChild); }
    element.appendChild(document.createTextNode(text));
  };

  desk.line = function (list, text, css) {
    var li = document.createElement("li");
    li.appendChild(document.createTextNode(text));
    if (css) { li.className = css; }
    list.appendChild(li);
  };
}());
