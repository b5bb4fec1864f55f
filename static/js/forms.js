// Forms work without this: it only moves keyboard focus to the error summary, or else to
// the first field with an error, so screen reader and keyboard users land on the problem.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  var first = document.querySelector(".field-error input, .field-error select, .field-error textarea");
  if (summary) {
    summary.focus();
  } else if (first) {
    first.focus();
  }
});
