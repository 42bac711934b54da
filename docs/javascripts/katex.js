// Renders $...$, $$...$$, \(...\) and \[...\] with the self-served KaTeX, in
// Markdown pages (arithmatex output) and in notebook cells alike. Material's
// document$ fires on the first load and after every instant navigation.
// Every formula must parse in strict mode: the test suite parses each one with
// throwOnError (coursebuild/katex.py); here a broken one is left visible rather than
// breaking the page.
document$.subscribe(() => {
  const root = document.querySelector(".md-main");  // content and the table of contents
  if (!root || typeof renderMathInElement === "undefined") return;
  renderMathInElement(root, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option"],
    throwOnError: false,
  });
  makeScrollersFocusable(root);
  root.dataset.math = "done";  // for the browser tests: the page is typeset
});

// A box that scrolls sideways (a wide equation or table on a phone) can be scrolled
// with the keyboard only if it can take focus (WCAG 2.1.1). Only boxes that actually
// overflow get a tab stop; the check runs again when the window is resized.
function makeScrollersFocusable(root) {
  const selector = ".katex-display, .md-typeset__scrollwrap, .jp-RenderedHTMLCommon table";
  for (const box of root.querySelectorAll(selector)) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("role")) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", box.classList.contains("katex-display") ? "Equation" : "Table");
      }
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
    }
  }
}
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    const root = document.querySelector(".md-main");
    if (root) makeScrollersFocusable(root);
  }, 200);
});
