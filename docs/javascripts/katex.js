// Renders $...$, $$...$$, \(...\) and \[...\] with the self-served KaTeX, in
// Markdown pages (arithmatex output) and in notebook cells alike. Material's
// document$ fires on the first load and after every instant navigation.
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
});
