// Progressive enhancement: a "Copy link" button beside each read-only field that holds a link
// (<button data-copy="FIELD-ID" hidden>). Without JavaScript the button stays hidden and the link can
// be selected by hand. A static file, so the Content-Security-Policy needs no inline script.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copy);
    var status = document.getElementById("copy-status");
    function selected() { field.focus(); field.select(); status.textContent = "Link selected: press Ctrl+C or ⌘C to copy it."; }
    if (!navigator.clipboard) { selected(); return; }
    navigator.clipboard.writeText(field.value).then(function () {
      status.textContent = "Link copied.";
      button.textContent = "Copied";
    }, selected);
  });
});
