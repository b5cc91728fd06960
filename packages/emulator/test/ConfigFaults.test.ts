import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { Emulator, Identities } from "../src/index.js"
import { call } from "./helpers.js"

const faults: ReadonlyArray<Emulator.FaultRule> = [
  { id: "boot-503", match: { operation: "users.me" }, count: 1, fault: { kind: "status", status: 503 } }
]
const TestLayer = Layer.mergeAll(Emulator.layer({ faults, faultsSeed: 7 }), NodeHttpClient.layer)

layer(TestLayer)("Emulator.layer({ faults, faultsSeed })", (it) => {
  it.effect("rules given at start fire, are listed with the seed, and come back after a reset", () =>
    Effect.gen(function*() {
      const first = yield* call("GET", "/2/users/me")
      assert.strictEqual(first.status, 503)
      assert.strictEqual((yield* call("GET", "/2/users/me")).status, 200)
      const emulator = yield* Emulator.Emulator
      const listed = yield* call("GET", "/_emulator/faults", { token: null })
      assert.strictEqual((listed.json as { seed: number }).seed, 7)
      assert.deepStrictEqual((listed.json as { rules: ReadonlyArray<{ id: string; fired: number }> }).rules.map((r) => [r.id, r.fired]), [["boot-503", 1]])
      yield* emulator.reset
      assert.strictEqual((yield* call("GET", "/2/users/me")).status, 503)
      assert.strictEqual((yield* call("GET", "/2/users/me")).status, 200)
    }))
})

describe("config file: faults, faultsSeed, rateLimitOverrides", () => {
  it.effect("parseConfig decodes them next to the identities", () =>
    Effect.gen(function*() {
      const config = yield* Identities.parseConfig(JSON.stringify({
        users: [{ id: "2000000000000000002", username: "other" }],
        faults: [{ match: { operation: "media.append" }, probability: 0.5, fault: { kind: "latency", ms: 100 } }],
        faultsSeed: 3,
        rateLimitOverrides: { "media.append": { user: { limit: 5, windowSeconds: 60 } } }
      }))
      assert.deepStrictEqual(config.identities.users.map((u) => u.id), [Identities.DEV_USER_ID, "2000000000000000002"])
      assert.deepStrictEqual(config.faults, [{ match: { operation: "media.append" }, probability: 0.5, fault: { kind: "latency", ms: 100 } }])
      assert.strictEqual(config.faultsSeed, 3)
      assert.deepStrictEqual(config.rateLimitOverrides, { "media.append": { user: { limit: 5, windowSeconds: 60 } } })
      const none = yield* Identities.parseConfig("{}")
      assert.deepStrictEqual([none.faults, none.faultsSeed, none.rateLimitOverrides], [[], undefined, undefined])
    }))

  it.effect("an unknown fault kind or a bad window is refused", () =>
    Effect.gen(function*() {
      const badFault = yield* Effect.either(Identities.parseConfig(JSON.stringify({ faults: [{ fault: { kind: "nope" } }] })))
      assert.isTrue(Either.isLeft(badFault))
      const badWindow = yield* Effect.either(
        Identities.parseConfig(JSON.stringify({ rateLimitOverrides: { "posts.create": { user: { limit: -1, windowSeconds: 1 } } } }))
      )
      assert.isTrue(Either.isLeft(badWindow))
    }))

  it.scoped("a config's overrides and rules reach the running server", () =>
    Effect.gen(function*() {
      const config = yield* Identities.parseConfig(JSON.stringify({
        faults: [{ match: { operation: "media.initialize" }, after: 1, count: 1, fault: { kind: "status", status: 500 } }],
        rateLimitOverrides: { "posts.create": { user: { limit: 1, windowSeconds: 900 } } }
      }))
      const ctx = yield* Layer.build(Layer.mergeAll(
        Emulator.layer({ identities: config.identities, faults: config.faults, rateLimitOverrides: config.rateLimitOverrides }),
        NodeHttpClient.layer
      ))
      const run = <A, E>(e: Effect.Effect<A, E, Emulator.Emulator | HttpClient.HttpClient>) => Effect.provide(e, ctx)
      const init = { json: { media_type: "image/png", total_bytes: 10 } }
      assert.strictEqual((yield* run(call("POST", "/2/media/upload/initialize", init))).status, 200)
      assert.strictEqual((yield* run(call("POST", "/2/media/upload/initialize", init))).status, 500)
      assert.strictEqual((yield* run(call("POST", "/2/tweets", { json: { text: "a" } }))).status, 201)
      assert.strictEqual((yield* run(call("POST", "/2/tweets", { json: { text: "b" } }))).status, 429)
    }))
})
