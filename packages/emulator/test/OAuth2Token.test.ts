/**
 * `POST /2/oauth2/token` (refresh_token grant) over real HTTP: X's request and answer shapes, rotation (each refresh
 * token usable once), client authentication (confidential: HTTP Basic; public: client_id), expiry of access tokens on
 * the emulator's clock (TestClock here), and how issued tokens authenticate API calls.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { Emulator, Identities } from "../src/index.js"
import { at, call } from "./helpers.js"

const PUBLIC_APP = "3000000000000000300"
const SCOPES = ["tweet.read", "users.read", "offline.access"]

const TestLayer = Layer.mergeAll(
  Emulator.layer({
    strict: true,
    identities: Identities.fromFile({
      apps: [{ id: PUBLIC_APP, name: "native", consumerKey: "ck", consumerSecret: "cs", clientId: "public-client" }],
      oauth2Tokens: [
        // expired from the start, with a refresh token: what a client holds after two idle hours
        { token: "stale-token", refreshToken: "seed-refresh", userId: Identities.DEV_USER_ID, appId: Identities.DEV_APP_ID, scopes: SCOPES, expiresAt: 0 },
        { token: "public-token", refreshToken: "public-refresh", userId: Identities.DEV_USER_ID, appId: PUBLIC_APP, scopes: SCOPES }
      ]
    })
  }),
  NodeHttpClient.layer
)

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`
const DEV_BASIC = basic(Identities.DEV_OAUTH2_CLIENT.clientId, Identities.DEV_OAUTH2_CLIENT.clientSecret)

/** A token request as X's clients send it: a form body, HTTP Basic for a confidential client. */
const token = (form: Record<string, string>, authorization: string | null = DEV_BASIC) =>
  call("POST", "/2/oauth2/token", {
    token: null,
    urlEncoded: form,
    ...(authorization === null ? {} : { headers: { authorization } })
  })

const refresh = (refreshToken: string, authorization: string | null = DEV_BASIC, clientId: string = Identities.DEV_OAUTH2_CLIENT.clientId) =>
  token({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId }, authorization)

const usedUp = { error: "invalid_request", error_description: "Value passed for the token was invalid." }

layer(TestLayer)("POST /2/oauth2/token", (it) => {
  it.effect("rotates: a refresh answers X's shape, uses the refresh token up, and the new pair works", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const stale = yield* call("GET", "/2/users/me", { token: "stale-token" })
      assert.strictEqual(stale.status, 401)
      assert.deepStrictEqual(stale.json, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" })

      const first = yield* refresh("seed-refresh")
      assert.strictEqual(first.status, 200, first.text)
      assert.strictEqual(first.headers["cache-control"], "no-store")
      assert.match(first.headers["content-type"] ?? "", /^application\/json/)
      const body = first.json as Record<string, unknown>
      assert.deepStrictEqual(Object.keys(body).sort(), ["access_token", "expires_in", "refresh_token", "scope", "token_type"])
      assert.strictEqual(body.token_type, "bearer")
      assert.strictEqual(body.expires_in, 7200)
      assert.strictEqual(body.scope, "tweet.read users.read offline.access")
      const access = String(body.access_token)
      const next = String(body.refresh_token)
      assert.notStrictEqual(next, "seed-refresh")

      const me = yield* call("GET", "/2/users/me", { token: access })
      assert.strictEqual(me.status, 200, me.text)
      assert.strictEqual(at(me.json, "data", "id"), Identities.DEV_USER_ID)

      // the used refresh token is refused, every time; the new one works once
      for (let i = 0; i < 2; i++) {
        const again = yield* refresh("seed-refresh")
        assert.strictEqual(again.status, 400)
        assert.deepStrictEqual(again.json, usedUp)
      }
      const second = yield* refresh(next)
      assert.strictEqual(second.status, 200, second.text)
      assert.deepStrictEqual((yield* refresh(next)).json, usedUp)
      assert.deepStrictEqual((yield* refresh("never-issued")).json, usedUp)

      // the journal names the operation and the user, never a token
      const entries = (yield* emulator.requests).filter((e) => e.operation === "oauth2.token")
      assert.deepStrictEqual(entries.map((e) => e.status), [200, 400, 400, 200, 400, 400])
      assert.strictEqual(entries[0]!.userId, Identities.DEV_USER_ID)
      assert.notInclude(JSON.stringify(yield* emulator.requests), next)
    }))

  it.effect("an issued access token expires after expires_in on the emulator's clock; the one a refresh replaced keeps working until then", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const pair = yield* emulator.issueTokens()
      assert.strictEqual(pair.expiresInSecs, 7200)
      assert.isDefined(pair.refreshToken)
      yield* TestClock.adjust("1 hour")
      const refreshed = yield* refresh(pair.refreshToken!)
      assert.strictEqual(refreshed.status, 200)
      // not revoked by the refresh: valid until its own expiry
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: pair.accessToken })).status, 200)
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: pair.accessToken })).status, 401)
      const newer = String(at(refreshed.json, "access_token"))
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: newer })).status, 200)
      assert.isTrue(yield* emulator.expireAccessToken(newer))
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: newer })).status, 401)
      assert.isFalse(yield* emulator.expireAccessToken("never-issued"))
      // v1.1 answers an expired OAuth 2.0 token as an unknown credential
      const v1 = yield* call("GET", "/1.1/media/upload.json?command=STATUS&media_id=1", { token: newer })
      assert.strictEqual(v1.status, 401)
      assert.deepStrictEqual(v1.json, { errors: [{ code: 32, message: "Could not authenticate you." }] })
    }))

  it.effect("issueTokens: expired at once with expiresInSecs 0; no refresh token without offline.access", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const expired = yield* emulator.issueTokens({ expiresInSecs: 0 })
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: expired.accessToken })).status, 401)
      const online = yield* emulator.issueTokens({ scopes: ["tweet.read", "users.read"] })
      assert.isUndefined(online.refreshToken)
      assert.strictEqual(online.scope, "tweet.read users.read")
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: online.accessToken })).status, 200)
      // a token without media.write is refused on uploads as any other (scopes are kept across a refresh too)
      const init = yield* call("POST", "/2/media/upload/initialize", { token: online.accessToken, json: { media_type: "image/png", total_bytes: 1 } })
      assert.strictEqual(init.status, 403)
    }))

  it.effect("client authentication: a confidential client needs HTTP Basic; a public client sends client_id", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const unauthorized = { error: "unauthorized_client", error_description: "Missing valid authorization header" }
      const noBasic = yield* refresh("seed-refresh", null)
      assert.strictEqual(noBasic.status, 401)
      assert.deepStrictEqual(noBasic.json, unauthorized)
      const wrongSecret = yield* refresh("seed-refresh", basic(Identities.DEV_OAUTH2_CLIENT.clientId, "nope"))
      assert.strictEqual(wrongSecret.status, 401)
      assert.deepStrictEqual(wrongSecret.json, unauthorized)
      // refused client authentication uses nothing up
      const ok = yield* token({ grant_type: "refresh_token", refresh_token: "seed-refresh" })
      assert.strictEqual(ok.status, 200, "client_id may come from the Basic header alone")

      const pub = yield* refresh("public-refresh", null, "public-client")
      assert.strictEqual(pub.status, 200, pub.text)
      // a refresh token belongs to its app: another client cannot use it
      const pair = yield* emulator.issueTokens({ appId: PUBLIC_APP })
      const foreign = yield* refresh(pair.refreshToken!)
      assert.strictEqual(foreign.status, 400)
      assert.deepStrictEqual(foreign.json, usedUp)
      assert.strictEqual((yield* refresh(pair.refreshToken!, null, "public-client")).status, 200, "not used up by the foreign try")
    }))

  it.effect("bad requests: missing parameters, unknown client, other grant types", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Record<string, string>, string | null, number, unknown]> = [
        [{ refresh_token: "x", client_id: "public-client" }, null, 400, { error: "invalid_request", error_description: "Missing required parameter [grant_type]." }],
        [{ grant_type: "refresh_token", refresh_token: "x" }, null, 400, { error: "invalid_request", error_description: "Missing required parameter [client_id]." }],
        [{ grant_type: "refresh_token", client_id: "public-client" }, null, 400, { error: "invalid_request", error_description: "Missing required parameter [refresh_token]." }],
        [{ grant_type: "refresh_token", refresh_token: "x", client_id: "who" }, null, 400, { error: "invalid_request", error_description: "Value passed for the client_id was invalid." }],
        [{ grant_type: "authorization_code", code: "c", client_id: "public-client" }, null, 400, { error: "invalid_request", error_description: "Value passed for the authorization code was invalid." }],
        [{ grant_type: "client_credentials", client_id: "public-client" }, null, 400, { error: "unsupported_grant_type", error_description: "Value passed for the grant_type was invalid." }],
        [{ grant_type: "refresh_token", refresh_token: "x", client_id: "public-client" }, basic("other", "s"), 401, { error: "unauthorized_client", error_description: "Missing valid authorization header" }]
      ]
      for (const [form, authorization, status, body] of cases) {
        const res = yield* token(form, authorization)
        assert.strictEqual(res.status, status, JSON.stringify(form))
        assert.deepStrictEqual(res.json, body, JSON.stringify(form))
      }
      // a JSON body is not X's format: no parameters are read from it
      const json = yield* call("POST", "/2/oauth2/token", { token: null, json: { grant_type: "refresh_token" } })
      assert.strictEqual(json.status, 400)
      assert.deepStrictEqual(json.json, { error: "invalid_request", error_description: "Missing required parameter [grant_type]." })
    }))

  it.effect("a reset forgets issued tokens and makes configured refresh tokens usable again", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const first = yield* refresh(Identities.DEV_OAUTH2_REFRESH_TOKEN)
      assert.strictEqual(first.status, 200, "the dev identity's refresh token works with the dev client")
      const issued = String(at(first.json, "access_token"))
      assert.strictEqual((yield* refresh(Identities.DEV_OAUTH2_REFRESH_TOKEN)).status, 400)
      yield* emulator.reset
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: issued })).status, 401)
      assert.strictEqual((yield* refresh(Identities.DEV_OAUTH2_REFRESH_TOKEN)).status, 200)
      // the dev access token is not revoked by refreshing its refresh token, and never expires
      assert.strictEqual((yield* call("GET", "/2/users/me", { token: Identities.DEV_OAUTH2_TOKEN })).status, 200)
    }))
})

describe("identities file", () => {
  it.effect("a refresh token without offline.access is refused by the config decoder", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.flip(Identities.parseJson(JSON.stringify({
        oauth2Tokens: [{ token: "t", refreshToken: "r", userId: Identities.DEV_USER_ID, scopes: ["tweet.read"] }]
      })))
      assert.include(bad.message, "a refresh token needs the offline.access scope")
      const good = yield* Identities.parseJson(JSON.stringify({
        oauth2Tokens: [{ token: "t", refreshToken: "r", userId: Identities.DEV_USER_ID, scopes: ["offline.access"], expiresAt: 0 }]
      }))
      assert.strictEqual(good.oauth2Tokens.at(-1)?.expiresAt, 0)
    }))
})
