// The register and edit forms: when the country changes, ask the portal for the upstream it
// suggests there and show it as the list's first choice (and in the help), so that what is
// saved is what is shown. Without this script the "Suggest an upstream" button does it.
(function () {
  // After "Test this URL" the page comes back at its top: bring its findings into view.
  var trial = document.getElementById("url-trial-result");
  if (trial) trial.focus();
})();
(function () {
  var form = document.querySelector("form.mirror-form");
  if (!form || !window.fetch) return;
  var country = form.querySelector("select[name=country]");
  var upstream = form.querySelector("select[name=upstream]");
  var shown = form.querySelector("input[name=upstream_shown]");
  var help = document.getElementById("id_upstream_helptext");
  var button = form.querySelector("[data-suggest-button]");
  if (!country || !upstream || !shown) return;
  if (button) button.hidden = true;
  country.addEventListener("change", function () {
    var url = form.dataset.suggestUrl + "?country=" + encodeURIComponent(country.value);
    fetch(url, { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer); })
      .then(function (s) {
        var first = upstream.querySelector("option[value='']");
        if (first) first.textContent = s.label;
        if (help) help.textContent = s.help;
        shown.value = s.id === null ? "" : String(s.id);
      })
      .catch(function () { if (button) button.hidden = false; });
  });
})();
