// GOV.UK error-summary pattern: when a form comes back with problems, move focus to the summary
// at the top so keyboard and screen-reader users hear it first; its links move to each field.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.hash.slice(1));
    if (!field) return;
    event.preventDefault();
    // Show the field's label too (it sits above the field), then put the cursor in the field.
    const label = document.querySelector(`label[for="${field.id}"]`) || field;
    label.scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
});
