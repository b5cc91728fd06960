/**
 * Rate limits over real HTTP: X's 50 per 15 minutes per user on DELETE /2/tweets/:id, headers on every response,
 * X's 429 body, and a new window after the reset (the emulator runs on the test's TestClock).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { Emulator, Identities } from "../src/index.js"
import { call } from "./helpers.js"

const OTHER = "2000000000000000002"
const identities = Identities.fromFile({
  users: [{ id: OTHER, username: "other" }],
  oauth2Tokens: [{ token: "other-token", userId: OTHER, scopes: ["media.write", "tweet.read", "tweet.write", "users.read"] }]
})

const TestLayer = Layer.mergeAll(Emulator.layer({ processing: Emulator.immediate, identities }), NodeHttpClient.layer)

layer(TestLayer)("rate limits over HTTP", (it) => {
  it.effect("DELETE /2/tweets/:id allows 50 per user per 15 minutes, then X's 429, then a fresh window", () =>
    Effect.gen(function*() {
      const remaining: Array<number> = []
      for (let i = 0; i < 50; i++) {
        const res = yield* call("DELETE", "/2/tweets/1234567890123456789")
        assert.notStrictEqual(res.status, 429)
        assert.strictEqual(res.headers["x-rate-limit-limit"], "50")
        remaining.push(Number(res.headers["x-rate-limit-remaining"]))
      }
      assert.deepStrictEqual(remaining, Array.from({ length: 50 }, (_, i) => 49 - i))
      const refused = yield* call("DELETE", "/2/tweets/1234567890123456789")
      assert.strictEqual(refused.status, 429)
      assert.strictEqual(refused.headers["content-type"], "application/problem+json")
      assert.deepStrictEqual(refused.json, { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 })
      assert.strictEqual(refused.headers["x-rate-limit-remaining"], "0")
      const reset = Number(refused.headers["x-rate-limit-reset"])
      assert.isAbove(reset, 0)

      // Another user is not affected; neither is another endpoint.
      const other = yield* call("DELETE", "/2/tweets/1234567890123456789", { token: "other-token" })
      assert.notStrictEqual(other.status, 429)
      assert.strictEqual(other.headers["x-rate-limit-remaining"], "49")
      const me = yield* call("GET", "/2/users/me")
      assert.strictEqual(me.status, 200)

      yield* TestClock.adjust("15 minutes")
      const fresh = yield* call("DELETE", "/2/tweets/1234567890123456789")
      assert.notStrictEqual(fresh.status, 429)
      assert.strictEqual(fresh.headers["x-rate-limit-remaining"], "49")
      assert.isAtLeast(Number(fresh.headers["x-rate-limit-reset"]), reset)
    }))

  it.effect("POST /2/tweets sends the 24-hour app headers next to the user window", () =>
    Effect.gen(function*() {
      const res = yield* call("POST", "/2/tweets", { json: { text: "counting" } })
      assert.strictEqual(res.status, 201)
      assert.strictEqual(res.headers["x-rate-limit-limit"], "100")
      assert.strictEqual(res.headers["x-app-limit-24hour-limit"], "10000")
      assert.strictEqual(res.headers["x-app-limit-24hour-remaining"], "9999")
    }))
})
