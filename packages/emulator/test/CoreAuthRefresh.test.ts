/**
 * @xmedia/core's OAuth 2.0 refresh (`Auth.oauth2User` with a refresh token) against the emulator's
 * `POST /2/oauth2/token` over real HTTP on 127.0.0.1: a 401 on an expired access token makes the client refresh once,
 * `onRefresh` receives the rotated pair, X's rotation holds (the old refresh token is refused afterwards), and
 * concurrent calls share one refresh, after a 401 as well as before expiry.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Auth, MediaUpload, Users, XClient } from "@xmedia/core"
import { Clock, Effect, Layer, Redacted, Ref } from "effect"
import { Emulator, Identities } from "../src/index.js"
import { at, call } from "./helpers.js"

const TestLayer = Layer.mergeAll(Emulator.layer({ strict: true }), NodeHttpClient.layer)

/** A core client on the emulator holding `pair`, recording every `onRefresh`. */
const clientFor = (
  pair: { readonly accessToken: string; readonly refreshToken: string | undefined },
  refreshes: Ref.Ref<ReadonlyArray<Auth.RefreshedTokens>>,
  expiresAt?: Date
) =>
  Layer.unwrapEffect(Effect.map(Emulator.Emulator, (emulator) =>
    XClient.layer({
      baseUrl: emulator.url,
      uploadBaseUrl: emulator.url,
      auth: Auth.oauth2User({
        accessToken: Redacted.make(pair.accessToken),
        refreshToken: pair.refreshToken === undefined ? undefined : Redacted.make(pair.refreshToken),
        clientId: Identities.DEV_OAUTH2_CLIENT.clientId,
        clientSecret: Redacted.make(Identities.DEV_OAUTH2_CLIENT.clientSecret),
        expiresAt,
        onRefresh: (tokens) => Ref.update(refreshes, (all) => [...all, tokens])
      })
    })))

/** The non-admin requests the emulator saw, as `METHOD route status`. */
const seen = Effect.map(
  Effect.flatMap(Emulator.Emulator, (e) => e.requests),
  (entries) => entries.filter((e) => e.api !== "admin").map((e) => `${e.method} ${e.route} ${e.status}`)
)

/** A raw refresh with the dev client (HTTP Basic), as X's clients send it. */
const rawRefresh = (refreshToken: string) =>
  call("POST", "/2/oauth2/token", {
    token: null,
    urlEncoded: { grant_type: "refresh_token", refresh_token: refreshToken, client_id: Identities.DEV_OAUTH2_CLIENT.clientId },
    headers: {
      authorization: `Basic ${Buffer.from(`${Identities.DEV_OAUTH2_CLIENT.clientId}:${Identities.DEV_OAUTH2_CLIENT.clientSecret}`).toString("base64")}`
    }
  })

layer(TestLayer)("@xmedia/core's OAuth 2.0 refresh against the emulator", (it) => {
  it.effect("an expired access token: 401, one refresh, the call retried; onRefresh gets the new pair; the old refresh token is used up", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const pair = yield* emulator.issueTokens({ expiresInSecs: 0 })
      const refreshes = yield* Ref.make<ReadonlyArray<Auth.RefreshedTokens>>([])
      yield* Effect.gen(function*() {
        const me = yield* Users.me()
        assert.strictEqual(me.data.id, Identities.DEV_USER_ID)
        assert.deepStrictEqual(yield* seen, ["GET /2/users/me 401", "POST /2/oauth2/token 200", "GET /2/users/me 200"])
        const [tokens] = yield* Ref.get(refreshes)
        assert.isDefined(tokens)
        const access = Redacted.value(tokens!.accessToken)
        const rotated = Redacted.value(tokens!.refreshToken!)
        assert.notStrictEqual(access, pair.accessToken)
        assert.notStrictEqual(rotated, pair.refreshToken)
        assert.strictEqual(tokens!.expiresAt?.getTime(), (yield* Clock.currentTimeMillis) + 7_200_000)
        // the new access token is what the emulator now accepts, and the client keeps using it: no second refresh
        assert.strictEqual((yield* call("GET", "/2/users/me", { token: access })).status, 200)
        const init = yield* MediaUpload.initialize({ media_type: "image/png", total_bytes: 10, media_category: "tweet_image" })
        assert.match(init.data.id, /^[0-9]{19}$/)
        assert.strictEqual((yield* seen).filter((l) => l.includes("/2/oauth2/token")).length, 1)
        assert.strictEqual((yield* Ref.get(refreshes)).length, 1)
        // X's rotation: the refresh token the client started with is used up
        const old = yield* rawRefresh(pair.refreshToken!)
        assert.strictEqual(old.status, 400)
        assert.deepStrictEqual(old.json, { error: "invalid_request", error_description: "Value passed for the token was invalid." })
        // ... and the rotated one is the one that works
        const next = yield* rawRefresh(rotated)
        assert.strictEqual(next.status, 200)
        assert.isString(at(next.json, "refresh_token"))
      }).pipe(Effect.provide(clientFor(pair, refreshes)))
    }))

  it.effect("a client still holding a used-up refresh token fails with TokenRefreshFailed naming X's error", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const pair = yield* emulator.issueTokens({ expiresInSecs: 0 })
      assert.strictEqual((yield* rawRefresh(pair.refreshToken!)).status, 200) // another process refreshed first
      const refreshes = yield* Ref.make<ReadonlyArray<Auth.RefreshedTokens>>([])
      const error = yield* Effect.flip(Users.me().pipe(Effect.provide(clientFor(pair, refreshes))))
      assert.strictEqual(error._tag, "TokenRefreshFailed")
      if (error._tag === "TokenRefreshFailed") {
        assert.strictEqual(error.status, 400)
        assert.strictEqual(error.detail, "invalid_request: Value passed for the token was invalid.")
      }
      assert.deepStrictEqual(yield* Ref.get(refreshes), [])
    }))

  it.effect("two concurrent calls after a 401 share one refresh", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const pair = yield* emulator.issueTokens({ expiresInSecs: 0 })
      const refreshes = yield* Ref.make<ReadonlyArray<Auth.RefreshedTokens>>([])
      const results = yield* Effect.all([Users.me(), Users.me()], { concurrency: 2 }).pipe(
        Effect.provide(clientFor(pair, refreshes))
      )
      assert.deepStrictEqual(results.map((r) => r.data.id), [Identities.DEV_USER_ID, Identities.DEV_USER_ID])
      const lines = yield* seen
      assert.deepStrictEqual(lines.filter((l) => l.startsWith("POST /2/oauth2/token")), ["POST /2/oauth2/token 200"])
      assert.strictEqual(lines.filter((l) => l === "GET /2/users/me 200").length, 2)
      assert.strictEqual((yield* Ref.get(refreshes)).length, 1)
    }))

  it.effect("concurrent calls with a known expiry share one refresh made before any call (no 401)", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const pair = yield* emulator.issueTokens({ expiresInSecs: 0 })
      const refreshes = yield* Ref.make<ReadonlyArray<Auth.RefreshedTokens>>([])
      const expiresAt = new Date(yield* Clock.currentTimeMillis)
      yield* Effect.all(Array.from({ length: 4 }, () => Users.me()), { concurrency: 4 }).pipe(
        Effect.provide(clientFor(pair, refreshes, expiresAt))
      )
      assert.deepStrictEqual(yield* seen, ["POST /2/oauth2/token 200", ...Array(4).fill("GET /2/users/me 200")])
      assert.strictEqual((yield* Ref.get(refreshes)).length, 1)
    }))
})
