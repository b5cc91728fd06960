import type { ViteUserConfig } from "vitest/config"

/** Shared per-package Vitest settings (merged by each package's vitest.config.ts). */
export const shared: ViteUserConfig = {
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    fakeTimers: { toFake: undefined },
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
}
