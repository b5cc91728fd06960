import * as fs from "node:fs"
import type { Reporter, TestModule } from "vitest/node"

/**
 * Vitest reporter that writes the run's counts to `.ci/last-test-counts.json`, so `scripts/verify.mjs`
 * can print the one plain summary line `N passed, N failed` after the type check and the tests.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else skipped++
      }
      if (mod.state() === "failed" && mod.children.size === 0) failed++ // a file that failed to load
    }
    fs.mkdirSync(".ci", { recursive: true })
    fs.writeFileSync(".ci/last-test-counts.json", JSON.stringify({ passed, failed, skipped }))
  }
}
