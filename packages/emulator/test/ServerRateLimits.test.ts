import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { Emulator } from "../src/index.js"
import { call } from "./helpers.js"

const TestLayer = Layer.mergeAll(
  Emulator.layer({ rateLimitOverrides: { "posts.create": { user: { limit: 2, windowSeconds: 900 } } } }),
  NodeHttpClient.layer
)

layer(TestLayer)("server: rate limits", (it) => {
  it.effect("the per-user window refuses the 3rd post with X's 429 and reopens at x-rate-limit-reset", () =>
    Effect.gen(function*() {
      const a = yield* call("POST", "/2/tweets", { json: { text: "1" } })
      assert.strictEqual(a.status, 201)
      assert.strictEqual(a.headers["x-rate-limit-limit"], "2")
      assert.strictEqual(a.headers["x-rate-limit-remaining"], "1")
      yield* call("POST", "/2/tweets", { json: { text: "2" } })
      const refused = yield* call("POST", "/2/tweets", { json: { text: "3" } })
      assert.strictEqual(refused.status, 429)
      assert.deepStrictEqual(refused.json, { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 })
      assert.strictEqual(refused.headers["x-rate-limit-remaining"], "0")
      assert.strictEqual(refused.headers["x-rate-limit-reset"], "900")
      const emulator = yield* Emulator.Emulator
      assert.strictEqual((yield* emulator.posts).length, 2)
      yield* TestClock.adjust("900 seconds")
      const again = yield* call("POST", "/2/tweets", { json: { text: "4" } })
      assert.strictEqual(again.status, 201)
    }))
})
