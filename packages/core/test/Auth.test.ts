import { Headers } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Fiber, Inspectable, Layer, Logger, Redacted, TestClock } from "effect"
import { Auth, MediaLookup, MediaMetadata, MediaSubtitles, MediaUpload, Posts, Retry, Users, XClient, type XError } from "../src/index.js"
import { fakeClient, type Recorded, type Reply, secrets, userAuth } from "./utils/FakeHttp.js"
import { makeRecordingTracer } from "./utils/RecordingTracer.js"

const tokenReply: Reply = {
  status: 200,
  body: { token_type: "bearer", expires_in: 7200, access_token: secrets.newAccessToken, refresh_token: secrets.newRefreshToken, scope: "media.write" }
}
const me: Reply = { status: 200, body: { data: { id: "1", name: "n", username: "u" } } }
const isToken = (r: Recorded) => r.url.pathname === "/2/oauth2/token"

describe("Auth: OAuth 2.0 refresh", () => {
  it.effect("refreshes before expiry (60 s skew), with Basic auth and form params", () => {
    const fake = fakeClient((r) => isToken(r) ? tokenReply : me, { auth: userAuth({ expiresAt: new Date(30_000) }) })
    return Effect.gen(function*() {
      yield* Users.me()
      assert.strictEqual(fake.requests.length, 2)
      const [token, call] = fake.requests
      assert.strictEqual(token.method, "POST")
      const form = new URLSearchParams(token.text)
      assert.strictEqual(form.get("grant_type"), "refresh_token")
      assert.strictEqual(form.get("refresh_token"), secrets.refreshToken)
      assert.strictEqual(form.get("client_id"), "client-id-1")
      assert.strictEqual(token.headers["authorization"], `Basic ${btoa(`client-id-1:${secrets.clientSecret}`)}`)
      assert.strictEqual(call.headers["authorization"], `Bearer ${secrets.newAccessToken}`)
      // the new token is good for 2 hours: no second refresh
      yield* Users.me()
      assert.strictEqual(fake.requests.length, 3)
      // 2 h later minus the skew: refreshed again with the rotated refresh token
      yield* TestClock.adjust("7141 seconds")
      yield* Users.me()
      assert.strictEqual(fake.requests.length, 5)
      assert.strictEqual(new URLSearchParams(fake.requests[3].text).get("refresh_token"), secrets.newRefreshToken)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("the Basic credentials are form-encoded first (RFC 6749 2.3.1), so a secret with + or % reaches X as itself", () => {
    const auth = Auth.oauth2User({
      accessToken: Redacted.make(secrets.accessToken),
      refreshToken: Redacted.make(secrets.refreshToken),
      clientId: "client id",
      clientSecret: Redacted.make("s3cr+t%41"),
      expiresAt: new Date(30_000)
    })
    const fake = fakeClient((r) => isToken(r) ? tokenReply : me, { auth })
    return Effect.gen(function*() {
      yield* Users.me()
      const basic = atob(fake.requests[0].headers["authorization"]!.slice("Basic ".length))
      assert.strictEqual(basic, "client+id:s3cr%2Bt%2541")
      const [id, secret] = basic.split(":").map((part) => new URLSearchParams(`v=${part}`).get("v"))
      assert.deepStrictEqual([id, secret], ["client id", "s3cr+t%41"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an interrupted caller does not lose the rotated refresh token: the refresh ends, is kept, onRefresh is told", () => {
    const refreshes: Array<Auth.RefreshedTokens> = []
    const auth = Auth.oauth2User({
      accessToken: Redacted.make(secrets.accessToken),
      refreshToken: Redacted.make(secrets.refreshToken),
      clientId: "client-id-1",
      expiresAt: new Date(30_000),
      onRefresh: (tokens) => Effect.sync(() => void refreshes.push(tokens))
    })
    const fake = fakeClient((r) => isToken(r) ? { delay: "2 seconds", reply: tokenReply } : me, { auth })
    return Effect.gen(function*() {
      const caller = yield* Effect.fork(Users.me())
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(caller) // X has the request: its refresh token is as good as used
      yield* TestClock.adjust("1 second")
      yield* Users.me()
      assert.deepStrictEqual(fake.requests.map((r) => r.url.pathname), ["/2/oauth2/token", "/2/users/me"])
      assert.strictEqual(fake.requests[1].headers["authorization"], `Bearer ${secrets.newAccessToken}`)
      assert.strictEqual(refreshes.length, 1)
      assert.strictEqual(Redacted.value(refreshes[0]!.refreshToken!), secrets.newRefreshToken)
      assert.strictEqual(refreshes[0]!.expiresAt?.getTime(), 2_000 + 7_200_000)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an onRefresh that fails does not fail the call: the new tokens are in use already", () => {
    const auth = Auth.oauth2User({
      accessToken: Redacted.make(secrets.accessToken),
      refreshToken: Redacted.make(secrets.refreshToken),
      clientId: "client-id-1",
      expiresAt: new Date(30_000),
      onRefresh: () => Effect.die("the token store is down")
    })
    const fake = fakeClient((r) => isToken(r) ? tokenReply : me, { auth })
    return Effect.gen(function*() {
      const res = yield* Users.me()
      assert.strictEqual(res.data.id, "1")
      assert.strictEqual(fake.requests[1].headers["authorization"], `Bearer ${secrets.newAccessToken}`)
    }).pipe(Effect.provide(Layer.merge(fake.layer, Logger.remove(Logger.defaultLogger))))
  })

  it.effect("concurrent callers share one refresh, a failed one too: one token request, every caller fails", () => {
    const refused: Reply = { status: 400, body: { error: "invalid_request", error_description: "Value passed for the token was invalid." } }
    const fake = fakeClient((r) => isToken(r) ? { delay: "1 second", reply: refused } : me, {
      auth: userAuth({ expiresAt: new Date(30_000) }),
      retry: { default: Retry.none }
    })
    return Effect.gen(function*() {
      const callers = yield* Effect.fork(Effect.all(Array.from({ length: 4 }, () => Effect.flip(Users.me())), { concurrency: 4 }))
      yield* TestClock.adjust("1 second")
      const errors = yield* Fiber.join(callers)
      assert.deepStrictEqual(errors.map((e) => e._tag), Array(4).fill("TokenRefreshFailed"))
      assert.strictEqual(fake.requests.filter(isToken).length, 1)
      assert.include(errors[0]!.message, "Re-authorize the user")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a token endpoint that cannot answer is transient: Transport or ServerError, retried by Retry.standard", () => {
    let tokenCalls = 0
    const fake = fakeClient((r) => {
      if (!isToken(r)) return me
      tokenCalls++
      return tokenCalls === 1 ? { fail: "ECONNRESET" } : tokenCalls === 2 ? { status: 503, raw: "" } : tokenReply
    }, { auth: userAuth({ expiresAt: new Date(30_000) }), retry: { default: Retry.standardWith({ transient: { jitter: false } }) } })
    return Effect.gen(function*() {
      const caller = yield* Effect.fork(Users.me())
      yield* TestClock.adjust("500 millis") // after the connection reset
      yield* TestClock.adjust("1 second") // after the 503
      const res = yield* Fiber.join(caller)
      assert.strictEqual(res.data.id, "1")
      assert.strictEqual(tokenCalls, 3)
      const failing = fakeClient((r) => isToken(r) ? { status: 503, raw: "" } : me, {
        auth: userAuth({ expiresAt: new Date(30_000) }),
        retry: { default: Retry.none }
      })
      const e = yield* Effect.flip(Users.me().pipe(Effect.provide(failing.layer)))
      assert.strictEqual(e._tag, "ServerError")
      if (e._tag === "ServerError") assert.strictEqual(e.endpoint, "Auth.refresh")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("Posts.create: a failed refresh before the post is sent is not PostMayExist, and is retried", () => {
    let tokenCalls = 0
    const created: Reply = { status: 201, body: { data: { id: "1445880548472328192", text: "hi" } } }
    const fake = fakeClient((r) => {
      if (!isToken(r)) return created
      tokenCalls++
      return tokenCalls === 1 ? { status: 503, raw: "" } : tokenReply
    }, { auth: userAuth({ expiresAt: new Date(30_000) }) })
    return Effect.gen(function*() {
      const poster = yield* Effect.fork(Posts.create({ text: "hi" }))
      yield* TestClock.adjust("2 seconds")
      const res = yield* Fiber.join(poster)
      assert.strictEqual(res.data.id, "1445880548472328192")
      assert.deepStrictEqual(fake.requests.map((r) => r.url.pathname), ["/2/oauth2/token", "/2/oauth2/token", "/2/tweets"])
      const failing = fakeClient((r) => isToken(r) ? { fail: "ECONNRESET" } : created, {
        auth: userAuth({ expiresAt: new Date(30_000) }),
        retry: { default: Retry.none }
      })
      const e = yield* Effect.flip(Posts.create({ text: "hi" }, { retry: Retry.none }).pipe(Effect.provide(failing.layer)))
      assert.strictEqual(e._tag, "Transport")
      if (e._tag === "Transport") assert.strictEqual(e.endpoint, "Auth.refresh")
      assert.isFalse(failing.requests.some((r) => r.url.pathname === "/2/tweets"))
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a token endpoint that never answers fails at the request timeout, not never", () => {
    const fake = fakeClient((r) => isToken(r) ? { hang: true } : me, {
      auth: userAuth({ expiresAt: new Date(30_000) }),
      requestTimeout: "10 seconds",
      retry: { default: Retry.none }
    })
    return Effect.gen(function*() {
      const caller = yield* Effect.fork(Effect.flip(Users.me()))
      yield* TestClock.adjust("10 seconds")
      const e = yield* Fiber.join(caller)
      assert.strictEqual(e._tag, "Transport")
      if (e._tag === "Transport") {
        assert.strictEqual(e.reason, "Timeout")
        assert.strictEqual(e.endpoint, "Auth.refresh")
      }
      assert.strictEqual(fake.interrupted.count, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("no refresh while the token is valid", () => {
    const fake = fakeClient((r) => isToken(r) ? tokenReply : me, { auth: userAuth({ expiresAt: new Date(3_600_000) }) })
    return Effect.gen(function*() {
      yield* Users.me()
      assert.strictEqual(fake.requests.length, 1)
      assert.strictEqual(fake.requests[0].headers["authorization"], `Bearer ${secrets.accessToken}`)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("refreshes once on a 401, then retries the call once", () => {
    const fake = fakeClient((r) => {
      if (isToken(r)) return tokenReply
      return r.headers["authorization"] === `Bearer ${secrets.newAccessToken}` ? me : { status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401 } }
    })
    return Effect.gen(function*() {
      const res = yield* Users.me()
      assert.strictEqual(res.data.id, "1")
      assert.deepStrictEqual(fake.requests.map((r) => r.url.pathname), ["/2/users/me", "/2/oauth2/token", "/2/users/me"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a second 401 after refreshing is Unauthorized (no loop)", () => {
    const fake = fakeClient((r) => isToken(r) ? tokenReply : { status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401 } })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(Users.me())
      assert.strictEqual(e._tag, "Unauthorized")
      assert.strictEqual(fake.requests.length, 3)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("concurrent callers with an expiring token share one refresh", () => {
    const fake = fakeClient((r) => isToken(r) ? tokenReply : me, { auth: userAuth({ expiresAt: new Date(0) }) })
    return Effect.gen(function*() {
      yield* Effect.all([Users.me(), Users.me(), Users.me(), Users.me()], { concurrency: "unbounded" })
      assert.strictEqual(fake.requests.filter(isToken).length, 1)
      assert.strictEqual(fake.requests.length, 5)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a refused refresh is TokenRefreshFailed with X's error code, not the token", () => {
    const fake = fakeClient((r) =>
      isToken(r) ? { status: 400, body: { error: "invalid_request", error_description: "Value passed for the token was invalid." } } : me, {
      auth: userAuth({ expiresAt: new Date(0) })
    })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(Users.me())
      assert.strictEqual(e._tag, "TokenRefreshFailed")
      assert.include(e.message, "invalid_request")
      assert.notInclude(e.message, secrets.refreshToken)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("Auth: app-only", () => {
  const appOnly = { auth: Auth.appOnly({ bearerToken: Redacted.make(secrets.bearer) }) }

  it.effect("every media write fails fast with AppOnlyNotAllowed and no request", () => {
    const fake = fakeClient(() => me, appOnly)
    return Effect.gen(function*() {
      const calls: Array<Effect.Effect<unknown, XError.XError, XClient.XClient>> = [
        MediaUpload.initialize({ media_type: "image/png", total_bytes: 10 }),
        MediaUpload.append({ id: "1", segment_index: 0, media: new Uint8Array(1) }),
        MediaUpload.finalize("1"),
        MediaUpload.status("1"),
        MediaUpload.upload({ media: new Uint8Array(1), media_category: "tweet_image" }),
        MediaMetadata.create({ id: "1", metadata: { alt_text: { text: "x" } } }),
        MediaSubtitles.create({ id: "1", media_category: "TweetVideo", subtitles: { id: "2", language_code: "EN", display_name: "English" } }),
        MediaSubtitles.remove({ id: "1", media_category: "TweetVideo", language_code: "EN" }),
        Posts.create({ text: "x" }),
        Posts.remove("1"),
        Users.me()
      ]
      for (const call of calls) {
        const e = yield* Effect.flip(call)
        assert.strictEqual(e._tag, "AppOnlyNotAllowed")
      }
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("lookups work with the bearer token, and their type says AppOnlyNotAllowed cannot come out", () => {
    const fake = fakeClient(() => ({ status: 200, body: { data: { media_key: "3_1" } } }), appOnly)
    return Effect.gen(function*() {
      yield* MediaLookup.byKey("3_1")
      assert.strictEqual(fake.requests[0].headers["authorization"], `Bearer ${secrets.bearer}`)
      // compile-time: the error types of reads and of Posts.create leave out what they cannot raise
      // @ts-expect-error AppOnlyNotAllowed is not in MediaLookup.byKey's error type
      void Effect.catchTag(MediaLookup.byKey("3_1"), "AppOnlyNotAllowed", () => Effect.void)
      // @ts-expect-error UnexpectedResponse is not in Posts.create's error type (an undecodable 2xx is PostMayExist)
      void Effect.catchTag(Posts.create({ text: "x" }), "UnexpectedResponse", () => Effect.void)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("Secrets never leak", () => {
  it.effect("not in errors, String(error), JSON, span attributes or logs", () => {
    const { spans, tracer } = makeRecordingTracer()
    const logs: Array<string> = []
    const logger = Logger.make(({ cause, message }) => {
      logs.push(Inspectable.format(message), Cause.pretty(cause))
    })
    const fake = fakeClient(
      (r) =>
        isToken(r)
          ? { status: 401, body: { error: "unauthorized_client", error_description: "Missing valid authorization header" } }
          : { status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" } },
      { retry: { default: Retry.none } }
    )
    return Effect.gen(function*() {
      const exits: Array<Exit.Exit<unknown, XError.XError>> = [
        yield* Effect.exit(Users.me()),
        yield* Effect.exit(MediaUpload.finalize("1")),
        yield* Effect.exit(Posts.create({ text: "hello" }))
      ]
      for (const exit of exits) {
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) yield* Effect.logError("call failed", exit.cause)
      }
      const texts = exits.flatMap((exit) =>
        Exit.isFailure(exit)
          ? [Cause.pretty(exit.cause), String(Cause.squash(exit.cause)), JSON.stringify(Cause.squash(exit.cause)), Inspectable.format(exit.cause)]
          : []
      )
      const spanText = spans.map((s) => JSON.stringify([s.name, [...s.attributes.entries()], s.events], (_, v) => typeof v === "bigint" ? String(v) : v))
      assert.isTrue(spans.some((s) => s.name === "Users.me"))
      const all = [...texts, ...spanText, ...logs].join("\n")
      assert.isAbove(all.length, 100)
      for (const secret of [secrets.accessToken, secrets.refreshToken, secrets.clientSecret, btoa(`client-id-1:${secrets.clientSecret}`)]) {
        assert.notInclude(all, secret)
      }
      // the client's own request did carry the token
      assert.include(fake.requests[0].headers["authorization"], secrets.accessToken)
    }).pipe(
      Effect.provide(fake.layer),
      Effect.withTracer(tracer),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  })

  it.effect("app-only and OAuth 1.0a secrets: not in errors, spans, logs or the printed credentials", () => {
    const bearer = "app-only-bearer-secret-1"
    const oauth1 = {
      consumerKey: "consumer-key-public-1",
      consumerSecret: "consumer-secret-xyz-1",
      accessToken: "1000000000000000001-access-token-secret-1",
      accessTokenSecret: "access-token-secret-xyz-1"
    }
    const appOnly = Auth.appOnly({ bearerToken: Redacted.make(bearer) })
    const user1 = Auth.oauth1User({
      consumerKey: Redacted.make(oauth1.consumerKey),
      consumerSecret: Redacted.make(oauth1.consumerSecret),
      accessToken: Redacted.make(oauth1.accessToken),
      accessTokenSecret: Redacted.make(oauth1.accessTokenSecret)
    })
    const { spans, tracer } = makeRecordingTracer()
    const logs: Array<string> = []
    const logger = Logger.make(({ cause, message }) => {
      logs.push(Inspectable.format(message), Cause.pretty(cause))
    })
    const unauthorized = () => ({ status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" } })
    const calls = Effect.gen(function*() {
      const exits: Array<Exit.Exit<unknown, XError.XError>> = [
        yield* Effect.exit(MediaLookup.byKey("3_1880028106020515840")),
        yield* Effect.exit(MediaUpload.finalize("1880028106020515840")),
        yield* Effect.exit(Users.me())
      ]
      for (const exit of exits) {
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) yield* Effect.logError("call failed", exit.cause)
      }
      return exits.flatMap((exit) =>
        Exit.isFailure(exit)
          ? [Cause.pretty(exit.cause), String(Cause.squash(exit.cause)), JSON.stringify(Cause.squash(exit.cause)), Inspectable.format(exit.cause)]
          : []
      )
    })
    const appFake = fakeClient(unauthorized, { auth: appOnly, retry: { default: Retry.none } })
    const oauth1Fake = fakeClient(unauthorized, { auth: user1, retry: { default: Retry.none } })
    return Effect.gen(function*() {
      const texts = [
        ...(yield* Effect.provide(calls, appFake.layer)),
        ...(yield* Effect.provide(calls, oauth1Fake.layer))
      ]
      const printed = [appOnly, user1].flatMap((c) => [Inspectable.format(c), JSON.stringify(c), String(c)])
      const spanText = spans.map((s) => JSON.stringify([s.name, [...s.attributes.entries()], s.events], (_, v) => typeof v === "bigint" ? String(v) : v))
      assert.isTrue(spans.some((s) => s.name === "MediaLookup.byKey"))
      const all = [...texts, ...printed, ...spanText, ...logs].join("\n")
      assert.isAbove(all.length, 100)
      for (const secret of [bearer, oauth1.consumerSecret, oauth1.accessToken, oauth1.accessTokenSecret]) {
        assert.notInclude(all, secret)
      }
      // the requests did carry them: the bearer token as is, the OAuth 1.0a token in the signed header
      assert.include(appFake.requests[0].headers["authorization"], bearer)
      assert.include(oauth1Fake.requests[0].headers["authorization"], oauth1.accessToken)
      // an app-only token is refused locally for user-context calls (no request for them)
      assert.strictEqual(appFake.requests.length, 1)
    }).pipe(Effect.withTracer(tracer), Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
  })

  it.effect("the Authorization header stays redacted in http.client spans even if the caller empties the list", () => {
    const { spans, tracer } = makeRecordingTracer()
    const fake = fakeClient(() => me)
    return Effect.gen(function*() {
      yield* Users.me()
      const http = spans.filter((s) => [...s.attributes.keys()].some((k) => k.startsWith("http.request.header.")))
      assert.isAbove(http.length, 0)
      const text = JSON.stringify(http.map((s) => [...s.attributes.entries()]))
      assert.notInclude(text, secrets.accessToken)
    }).pipe(
      Effect.provide(fake.layer),
      Effect.withTracer(tracer),
      Effect.locally(Headers.currentRedactedNames, [])
    )
  })

  it.effect("spans carry method, route, media id and status", () => {
    const { spans, tracer } = makeRecordingTracer()
    const fake = fakeClient(() => ({ status: 200, body: { data: { id: "1880028106020515840" } } }))
    return Effect.gen(function*() {
      yield* MediaUpload.finalize("1880028106020515840")
      const span = spans.find((s) => s.name === "MediaUpload.finalize")!
      assert.strictEqual(span.attributes.get("http.request.method"), "POST")
      assert.strictEqual(span.attributes.get("http.route"), "/2/media/upload/{id}/finalize")
      assert.strictEqual(span.attributes.get("xmedia.media_id"), "1880028106020515840")
      assert.strictEqual(span.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(span.attributes.get("xmedia.retry_policy"), "standard")
      yield* Effect.exit(MediaLookup.byKey("3_1880028106020515840")) // the fake's body is not a media object
      const lookup = spans.find((s) => s.name === "MediaLookup.byKey")!
      assert.strictEqual(lookup.attributes.get("http.route"), "/2/media/{media_key}")
      assert.strictEqual(lookup.attributes.get("xmedia.media_key"), "3_1880028106020515840")
    }).pipe(Effect.provide(fake.layer), Effect.withTracer(tracer))
  })

  it.effect("XClient.layerConfig picks OAuth 1.0a when the consumer key and token secret are set", () => {
    const fake = fakeClient(() => me)
    const layer = XClient.layerConfig().pipe(Layer.provide(fake.httpLayer))
    return Effect.gen(function*() {
      yield* Users.me()
      const auth = fake.requests[0].headers["authorization"]
      assert.match(auth, /^OAuth /)
      assert.include(auth, "oauth_signature_method=\"HMAC-SHA1\"")
      assert.notInclude(auth, "consumer-secret-xyz")
      assert.notInclude(auth, "token-secret-xyz")
    }).pipe(
      Effect.provide(layer),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["X_ACCESS_TOKEN", "token-1"],
            ["X_ACCESS_TOKEN_SECRET", "token-secret-xyz"],
            ["X_CONSUMER_KEY", "consumer-key-1"],
            ["X_CONSUMER_SECRET", "consumer-secret-xyz"]
          ])
        )
      )
    )
  })

  it.effect("XClient.layerConfig without any token is a ConfigError that names the variables", () =>
    Effect.gen(function*() {
      const fake = fakeClient(() => me)
      const exit = yield* Effect.exit(Users.me().pipe(Effect.provide(XClient.layerConfig().pipe(Layer.provide(fake.httpLayer)))))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(Cause.pretty(exit.cause), "X_BEARER_TOKEN")
    }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))

  it.effect("XClient.layerConfig passes onRefresh to OAuth 2.0 credentials read from Config", () => {
    const rotated: Array<string> = []
    const fake = fakeClient((r) => isToken(r) ? tokenReply : me)
    const layer = XClient.layerConfig({
      onRefresh: (tokens) => Effect.sync(() => void rotated.push(Redacted.value(tokens.refreshToken!)))
    }).pipe(Layer.provide(fake.httpLayer))
    return Effect.gen(function*() {
      yield* Users.me()
      assert.deepStrictEqual(rotated, [secrets.newRefreshToken])
    }).pipe(
      Effect.provide(layer),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["X_ACCESS_TOKEN", secrets.accessToken],
            ["X_REFRESH_TOKEN", secrets.refreshToken],
            ["X_CLIENT_ID", "client-id-1"],
            ["X_TOKEN_EXPIRES_AT", "1970-01-01T00:00:30Z"]
          ])
        )
      )
    )
  })

  it.effect("XClient.layerConfig reads Redacted secrets from Config", () => {
    const fake = fakeClient(() => me)
    const layer = XClient.layerConfig().pipe(Layer.provide(fake.httpLayer))
    return Effect.gen(function*() {
      yield* Users.me()
      assert.strictEqual(fake.requests[0].url.origin, "http://emulator.test")
      assert.strictEqual(fake.requests[0].headers["authorization"], `Bearer ${secrets.accessToken}`)
      // the options themselves hold the token as Redacted (printing them shows no secret)
      const options = yield* XClient.config
      assert.strictEqual(options.auth._tag, "OAuth2User")
      if (options.auth._tag === "OAuth2User") {
        assert.isTrue(Redacted.isRedacted(options.auth.accessToken))
        assert.strictEqual(Redacted.value(options.auth.accessToken), secrets.accessToken)
      }
      assert.notInclude(Inspectable.format(options), secrets.accessToken)
    }).pipe(
      Effect.provide(layer),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(new Map([["X_ACCESS_TOKEN", secrets.accessToken], ["X_BASE_URL", "http://emulator.test"]]))
      )
    )
  })
})
