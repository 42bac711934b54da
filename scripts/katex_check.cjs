// Parse formulas with the pinned KaTeX, strict and throwing: reads [{tex, display}] as JSON on
// stdin, writes [{index, error}] for those that fail. Used by coursebuild/katex.py.
const katex = require("katex");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const failures = [];
  JSON.parse(input).forEach(({ tex, display }, index) => {
    try {
      katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
    } catch (err) {
      failures.push({ index, error: String(err.message || err) });
    }
  });
  process.stdout.write(JSON.stringify(failures));
});
