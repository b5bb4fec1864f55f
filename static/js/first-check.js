// While a mirror's first check runs, reload its page every few seconds (for a minute at most)
// so that its owner sees the result arrive.
(function () {
  var waiting = document.querySelector("[data-first-check=waiting]");
  if (!waiting) return;
  var key = "first-check-reloads:" + location.pathname;
  var count = Number(sessionStorage.getItem(key) || 0);
  if (count >= 12) return;
  setTimeout(function () {
    sessionStorage.setItem(key, String(count + 1));
    location.reload();
  }, 5000);
})();
