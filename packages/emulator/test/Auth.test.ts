import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Emulator, Identities } from "../src/index.js"
import { at, call, oauth1Header } from "./helpers.js"

const TestLayer = Layer.mergeAll(
  Emulator.layer({
    strict: true,
    identities: Identities.fromFile({
      oauth2Tokens: [{ token: "no-media", userId: Identities.DEV_USER_ID, scopes: ["tweet.read", "users.read"] }]
    })
  }),
  NodeHttpClient.layer
)

// The server runs on a TestClock at epoch 0 in these tests: sign with timestamps near 0.
const T0 = 1

layer(TestLayer)("auth", (it) => {
  it.effect("OAuth 2.0 user token without media.write gets X's 403", () =>
    Effect.gen(function*() {
      const res = yield* call("POST", "/2/media/upload/initialize", { token: "no-media", json: { media_type: "image/png", total_bytes: 1 } })
      assert.strictEqual(res.status, 403)
      assert.deepStrictEqual(res.json, { title: "Forbidden", type: "about:blank", status: 403, detail: "Forbidden" })
    }))

  it.effect("unknown bearer token is a 401; app-only bearer is refused on writes but allowed on lookups", () =>
    Effect.gen(function*() {
      const bad = yield* call("GET", "/2/users/me", { token: "nope" })
      assert.strictEqual(bad.status, 401)
      const app = yield* call("POST", "/2/media/upload/initialize", { token: Identities.DEV_APP_BEARER_TOKEN, json: {} })
      assert.strictEqual(app.status, 403)
      assert.strictEqual(at(app.json, "title"), "Unsupported Authentication")
      const lookup = yield* call("GET", "/2/media?media_keys=3_1", { token: Identities.DEV_APP_BEARER_TOKEN })
      assert.strictEqual(lookup.status, 200)
    }))

  it.effect("OAuth 1.0a signed over X's public host verifies; a replayed nonce and a bad signature are 401", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const header = oauth1Header("GET", "https://api.x.com/2/users/me", {}, undefined, { timestamp: T0, nonce: "n1" })
      const ok = yield* call("GET", "/2/users/me", { token: null, headers: { authorization: header } })
      assert.strictEqual(ok.status, 200, ok.text)
      assert.strictEqual(at(ok.json, "data", "username"), "xmedia_dev")
      const replay = yield* call("GET", "/2/users/me", { token: null, headers: { authorization: header } })
      assert.strictEqual(replay.status, 401)
      const own = oauth1Header("GET", `${emulator.url}/2/users/me`, {}, undefined, { timestamp: T0, nonce: "n2" })
      const viaOwnUrl = yield* call("GET", "/2/users/me", { token: null, headers: { authorization: own } })
      assert.strictEqual(viaOwnUrl.status, 200)
      const forged = oauth1Header("GET", "https://api.x.com/2/users/me", {}, {
        consumerKey: "xmedia-dev-consumer-key",
        consumerSecret: "wrong",
        token: "1000000000000000001-xmedia-dev-access-token",
        tokenSecret: "xmedia-dev-access-token-secret"
      }, { timestamp: T0, nonce: "n3" })
      const bad = yield* call("GET", "/2/users/me", { token: null, headers: { authorization: forged } })
      assert.strictEqual(bad.status, 401)
      assert.deepStrictEqual(bad.json, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" })
    }))
})
