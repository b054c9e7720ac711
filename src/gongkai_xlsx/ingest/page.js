/* report.html: the list of returns, built from the page's own JSON (#gk-data).
 *
 * Plain ES5 in one function, no module, no network: the page is opened from disk by
 * double-click, in any browser a Chinese office PC has. Only one page of rows is in the
 * DOM at a time, and a return's findings are built when its row is expanded, so a batch
 * of thousands of returns opens at once. Every text goes in as a text node (never as
 * HTML); control and bidi characters were escaped when the page was written.
 *
 * data.returns[i] = [file, agency or null, status, errors, warnings, findings];
 * findings[j] = [severity, place, message].
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gk-data").textContent);
  var rows = data.returns;
  var PAGE = data.page_size;
  var STEP = data.findings_step;
  var tbody = document.getElementById("gk-rows");
  var boxes = document.getElementById("gk-statuses").getElementsByTagName("input");
  var query = document.getElementById("gk-query");
  var pageSelect = document.getElementById("gk-page");
  var shownLine = document.getElementById("gk-shown");
  var keys = [];
  var open = {}; // index of an expanded return -> how many of its findings are shown
  var visible = [];
  var page = 0;
  var lastFilter = null;
  var i;

  for (i = 0; i < rows.length; i++) {
    keys.push((rows[i][0] + "\n" + (rows[i][1] || "")).toLowerCase());
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.appendChild(document.createTextNode(text));
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function wantedStatuses() {
    var wanted = {};
    for (var k = 0; k < boxes.length; k++) {
      if (boxes[k].checked) wanted[boxes[k].value] = true;
    }
    return wanted;
  }

  function filter() {
    var wanted = wantedStatuses();
    var text = query.value.replace(/^\s+|\s+$/g, "").toLowerCase();
    var state = JSON.stringify([wanted, text]);
    // "change" comes again when the search box loses focus (a click on 展开 right after
    // typing): rebuilding the rows then would swallow that click
    if (state === lastFilter) return;
    lastFilter = state;
    visible = [];
    for (var k = 0; k < rows.length; k++) {
      if (wanted[rows[k][2]] && (!text || keys[k].indexOf(text) >= 0)) visible.push(k);
    }
    page = 0;
    render();
  }

  function returnRow(index) {
    var r = rows[index];
    var tr = el("tr", "gk-return gk-s-" + r[2]);
    tr.setAttribute("data-index", String(index));
    tr.appendChild(el("td", "gk-number", String(index + 1)));
    tr.appendChild(el("td", "gk-agency gk-name", r[1] === null ? "—" : r[1]));
    tr.appendChild(el("td", "gk-file gk-name", r[0]));
    var status = el("td", "gk-status");
    status.appendChild(el("span", "gk-badge", data.labels[r[2]]));
    tr.appendChild(status);
    tr.appendChild(el("td", "gk-errors gk-count", String(r[3])));
    tr.appendChild(el("td", "gk-warnings gk-count", String(r[4])));
    var cell = el("td", "gk-toggle-cell");
    if (r[5].length) {
      var button = el("button", "gk-toggle", open[index] ? "收起" : "展开 " + r[5].length + " 项");
      button.type = "button";
      button.setAttribute("data-index", String(index));
      button.setAttribute("aria-expanded", open[index] ? "true" : "false");
      cell.appendChild(button);
    } else {
      cell.appendChild(el("span", "gk-none", "无"));
    }
    tr.appendChild(cell);
    return tr;
  }

  function detailRow(index) {
    var findings = rows[index][5];
    var count = Math.min(open[index], findings.length);
    var tr = el("tr", "gk-detail");
    tr.setAttribute("data-index", String(index));
    var td = el("td");
    td.colSpan = 7;
    var table = el("table", "gk-findings");
    var head = el("tr");
    head.appendChild(el("th", "", "级别"));
    head.appendChild(el("th", "", "位置"));
    head.appendChild(el("th", "", "说明"));
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    for (var k = 0; k < count; k++) {
      var f = findings[k];
      var row = el("tr", "gk-finding gk-" + f[0]);
      row.appendChild(el("td", "gk-level", data.levels[f[0]]));
      row.appendChild(el("td", "gk-place gk-name", f[1] || "—"));
      row.appendChild(el("td", "gk-message", f[2]));
      body.appendChild(row);
    }
    table.appendChild(body);
    td.appendChild(table);
    if (count < findings.length) {
      var rest = findings.length - count;
      var more = el("button", "gk-more", "再显示 " + Math.min(STEP, rest) + " 项（还有 " + rest + " 项）");
      more.type = "button";
      more.setAttribute("data-index", String(index));
      td.appendChild(more);
    }
    tr.appendChild(td);
    return tr;
  }

  function pages() {
    return Math.max(1, Math.ceil(visible.length / PAGE));
  }

  function render() {
    var start = page * PAGE;
    var end = Math.min(start + PAGE, visible.length);
    var fragment = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      fragment.appendChild(returnRow(visible[k]));
      if (open[visible[k]]) fragment.appendChild(detailRow(visible[k]));
    }
    if (!visible.length) {
      var empty = el("tr", "gk-empty");
      var td = el("td", "", "没有符合筛选条件的报表。");
      td.colSpan = 7;
      empty.appendChild(td);
      fragment.appendChild(empty);
    }
    clear(tbody);
    tbody.appendChild(fragment);
    shownLine.textContent = visible.length
      ? "符合条件的报表 " + visible.length + " 份（共 " + rows.length + " 份），本页显示第 " +
        (start + 1) + "–" + end + " 份。"
      : "符合条件的报表 0 份（共 " + rows.length + " 份）。";
    clear(pageSelect);
    for (var p = 0; p < pages(); p++) {
      var option = el("option", "", "第 " + (p + 1) + " 页");
      option.value = String(p);
      if (p === page) option.selected = true;
      pageSelect.appendChild(option);
    }
    document.getElementById("gk-pages").textContent = "共 " + pages() + " 页";
    document.getElementById("gk-prev").disabled = page === 0;
    document.getElementById("gk-next").disabled = page >= pages() - 1;
  }

  function rowOf(index) {
    var trs = tbody.children;
    for (var k = 0; k < trs.length; k++) {
      if (trs[k].className.indexOf("gk-return") === 0 &&
          trs[k].getAttribute("data-index") === String(index)) return trs[k];
    }
    return null;
  }

  function redraw(index) {
    var tr = rowOf(index);
    if (!tr) return;
    var next = tr.nextSibling;
    if (next && next.className === "gk-detail") tbody.removeChild(next);
    var fresh = returnRow(index);
    tbody.replaceChild(fresh, tr);
    if (open[index]) tbody.insertBefore(detailRow(index), fresh.nextSibling);
  }

  function setPage(p) {
    page = Math.max(0, Math.min(p, pages() - 1));
    render();
  }

  function expandPage(expand) {
    var start = page * PAGE;
    var end = Math.min(start + PAGE, visible.length);
    for (var k = start; k < end; k++) {
      var index = visible[k];
      if (!rows[index][5].length) continue;
      if (expand && !open[index]) open[index] = STEP;
      if (!expand) delete open[index];
    }
    render();
  }

  tbody.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.getAttribute) return;
    var index = target.getAttribute("data-index");
    if (index === null) return;
    index = Number(index);
    if (target.className === "gk-toggle") {
      if (open[index]) delete open[index];
      else open[index] = STEP;
      redraw(index);
    } else if (target.className === "gk-more") {
      open[index] += STEP;
      redraw(index);
    }
  });
  for (i = 0; i < boxes.length; i++) boxes[i].addEventListener("change", filter);
  query.addEventListener("input", filter);
  query.addEventListener("change", filter);
  pageSelect.addEventListener("change", function () {
    setPage(Number(pageSelect.value));
  });
  document.getElementById("gk-prev").addEventListener("click", function () {
    setPage(page - 1);
  });
  document.getElementById("gk-next").addEventListener("click", function () {
    setPage(page + 1);
  });
  document.getElementById("gk-expand").addEventListener("click", function () {
    expandPage(true);
  });
  document.getElementById("gk-collapse").addEventListener("click", function () {
    expandPage(false);
  });
  document.getElementById("gk-all").addEventListener("click", function () {
    for (var k = 0; k < boxes.length; k++) boxes[k].checked = true;
    query.value = "";
    filter();
  });
  document.body.className += " gk-ready";
  filter();
})();
