// 保密审查台: a little plain JavaScript (no build, no framework). Everything works without it;
// this only adds drag and drop for uploads and a few conveniences.
"use strict";
(function () {
  // Drag and drop onto the upload area: the dropped file goes into the plain file input.
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file-input");
  var chosen = document.getElementById("chosen");
  if (zone && input) {
    var show = function () {
      if (chosen) chosen.textContent = input.files.length ? "已选择：" + input.files[0].name : "";
    };
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      input.files = e.dataTransfer.files;
      show();
      var form = document.getElementById("upload-form");
      if (form) form.requestSubmit();
    });
  }
  // Choosing a dismissal reason selects 排除 for that finding (or its group).
  document.querySelectorAll(".choice select, .groupctl select, .choice input[name$='.t'], .groupctl input[name$='.t']").forEach(function (el) {
    el.addEventListener("change", function () {
      if (!el.value) return;
      var box = el.closest(".choice, .groupctl");
      var radio = box && box.querySelector("input[type=radio][value=dismiss]");
      if (radio) radio.checked = true;
    });
  });
  // While someone works on a page (typing, choosing), tell the desk at most every two
  // minutes, so a long review does not time out under their hands; an unattended page sends
  // nothing and its session ends. If the session has ended, say so before they submit.
  if (document.querySelector("form[action='/logout']")) {
    var last = Date.now();
    var ping = function () {
      if (Date.now() - last < 120000) return;
      last = Date.now();
      fetch("/session/alive", { credentials: "same-origin", redirect: "manual" }).then(function (r) {
        if (r.status !== 204 && !document.getElementById("session-ended")) {
          var note = document.createElement("p");
          note.id = "session-ended";
          note.className = "error";
          note.textContent = "会话已结束（空闲超时或已在别处退出）：请在新窗口中重新登录后再提交，本页填写的内容不会保存。";
          var main = document.querySelector("main");
          if (main) main.insertBefore(note, main.firstChild);
        }
      }).catch(function () {});
    };
    ["input", "change", "keydown", "click"].forEach(function (type) {
      document.addEventListener(type, ping, { passive: true });
    });
  }
  // A button pressed once: no double submission while the server signs and writes.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
