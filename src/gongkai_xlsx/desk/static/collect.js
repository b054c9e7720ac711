/* 收集报表: drops and picked files are uploaded one batch after another (each batch is saved
   and queued at once on the server; a check that runs does not refuse them), and the status
   table is fetched again whenever a check has finished. */
(function () {
  "use strict";
  var desk = window.gkDesk;
  var form, input, answers, progress, status;
  var batches = [], uploading = false, version, polling = null;

  function answer(text, css) { desk.line(answers, text, css); }

  function upload() {
    if (uploading || !batches.length) { return; }
    uploading = true;
    var files = batches.shift(), data = new FormData(), i;
    for (i = 0; i < files.length; i += 1) { data.append("files", files[i], files[i].name); }
    desk.text(progress, "正在上传 " + files.length + " 个文件……");
    desk.request("POST", form.getAttribute("action"), data, function (code, result) {
      uploading = false;
      if (code === 200 && result) {
        if (result.saved.length) { answer("已收到 " + result.saved.length + " 个文件：" + result.saved.join("、")); }
        for (i = 0; i < result.refused.length; i += 1) { answer(result.refused[i], "gk-refused"); }
      } else {
        answer((result && result.message) || (code === 413 ? "一次上传的文件太多或太大，请分几次上传。" :
          "上传没有成功（服务器没有回答）。请确认工作台仍在运行后再试。"), "gk-refused");
      }
      poll();
      upload();
    }, function (event) {
      if (event.lengthComputable) {
        desk.text(progress, "正在上传 " + files.length + " 个文件：" + Math.round(100 * event.loaded / event.total) + "%");
      }
    });
  }

  /* A drop of any size is sent in batches the server takes (files and bytes per request),
     so that nothing is refused for its number; a file too large to be a return is said here. */
  function add(files) {
    if (!files || !files.length) { return; }
    var maxFiles = +form.getAttribute("data-max-files"), maxBytes = +form.getAttribute("data-max-bytes");
    var maxFile = +form.getAttribute("data-max-file-bytes");
    var batch = [], bytes = 0, i, file;
    for (i = 0; i < files.length; i += 1) {
      file = files[i];
      if (file.size > maxFile) {
        answer(file.name + "：文件超过 " + Math.round(maxFile / 1048576) + " MB，不像是报表，没有上传。", "gk-refused");
        continue;
      }
      if (batch.length && (batch.length >= maxFiles || bytes + file.size > maxBytes)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(file);
      bytes += file.size;
    }
    if (batch.length) { batches.push(batch); }
    upload();
  }

  function showJobs(jobs, failed) {
    var running = jobs.running, waiting = jobs.waiting.length, text = "";
    if (running) {
      text = "正在" + running.title;
      if (running.total) { text += "：" + running.done + "/" + running.total + " 份"; }
      if (waiting) { text += "；另有 " + waiting + " 项排队"; }
    } else if (waiting) {
      text = "排队中：" + waiting + " 项";
    } else if (uploading) {
      return;
    } else if (failed) {
      text = failed;
    }
    desk.text(progress, text);
    if (running && running.total) {
      var bar = document.createElement("progress");
      bar.max = running.total;
      bar.value = running.done;
      progress.appendChild(bar);
    }
    progress.className = failed && !running && !waiting ? "gk-progress gk-error" : "gk-progress";
  }

  function poll() {
    if (polling) { window.clearTimeout(polling); polling = null; }
    desk.request("GET", status.getAttribute("data-url") + "?v=" + encodeURIComponent(version), null, function (code, data) {
      var busy = false;
      if (code === 403 || code === 0) {
        /* the desk was stopped or restarted: say so, and stop asking */
        desk.text(progress, (data && data.message) || "工作台已停止。请重新运行 gongkai-xlsx ui（或双击桌面上的图标）。");
        progress.className = "gk-progress gk-error";
        return;
      }
      if (code === 200 && data) {
        busy = !!(data.jobs.running || data.jobs.waiting.length);
        showJobs(data.jobs, data.failed);
        if (typeof data.html === "string") {
          status.innerHTML = data.html;  /* the server's escaped fragment */
          version = String(data.version);
          status.setAttribute("data-version", version);
        }
      }
      polling = window.setTimeout(poll, busy || uploading ? 700 : 4000);
    });
  }

  function init() {
    form = document.getElementById("gk-upload");
    if (!form || !window.FormData) { return; }
    input = document.getElementById("gk-files");
    answers = document.getElementById("gk-answers");
    progress = document.getElementById("gk-progress");
    status = document.getElementById("gk-status");
    version = status.getAttribute("data-version");
    input.addEventListener("change", function () { add(input.files); input.value = ""; });
    form.addEventListener("submit", function (event) { event.preventDefault(); add(input.files); });
    form.addEventListener("dragover", function (event) { event.preventDefault(); form.className = "gk-drop gk-over"; });
    form.addEventListener("dragleave", function () { form.className = "gk-drop"; });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.className = "gk-drop";
      add(event.dataTransfer && event.dataTransfer.files);
    });
    /* a file dropped beside the area must not make the browser open it and leave the desk */
    document.addEventListener("dragover", function (event) { event.preventDefault(); });
    document.addEventListener("drop", function (event) { event.preventDefault(); });
    poll();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
