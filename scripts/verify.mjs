#!/usr/bin/env node
// The whole check: type check (tsc -b, with Effect's language-service diagnostics) and every test.
// Ends with one plain line `N passed, N failed` (the type check counts as one check).
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"

const run = (cmd, args) => spawnSync(cmd, args, { stdio: "inherit", shell: false }).status ?? 1
const bin = (name) => `node_modules/.bin/${name}`

let passed = 0
let failed = 0

console.log("> type check: tsc -b")
if (run(bin("tsc"), ["-b", "tsconfig.json"]) === 0) passed++
else { failed++; console.log("type check failed") }

rmSync(".ci/last-test-counts.json", { force: true })
console.log("> tests: vitest run")
const testStatus = run(bin("vitest"), ["run", ...process.argv.slice(2)])
if (existsSync(".ci/last-test-counts.json")) {
  const counts = JSON.parse(readFileSync(".ci/last-test-counts.json", "utf8"))
  passed += counts.passed
  failed += counts.failed
  if (testStatus !== 0 && counts.failed === 0) failed++ // vitest failed outside any test (e.g. an unhandled error)
} else {
  failed++
  console.log("vitest did not report its counts")
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
