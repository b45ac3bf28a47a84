// The Import page: drop files anywhere on the drop zone to choose them, and say what was chosen.
(function () {
  "use strict";
  var zone = document.getElementById("drop-zone");
  var input = document.getElementById("id_files");
  var summary = document.getElementById("drop-summary");
  if (!zone || !input) {
    return;
  }
  function describe() {
    var count = input.files ? input.files.length : 0;
    var bytes = 0;
    for (var i = 0; i < count; i += 1) {
      bytes += input.files[i].size;
    }
    summary.textContent = count
      ? count + (count === 1 ? " file" : " files") + " chosen (" + (bytes / 1048576).toFixed(1) + " MB)"
      : "";
  }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("kc-drop--over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () {
      zone.classList.remove("kc-drop--over");
    });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      describe();
    }
  });
  input.addEventListener("change", describe);
})();
