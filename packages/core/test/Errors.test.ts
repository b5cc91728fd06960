import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { MediaLookup, MediaUpload, Posts, Retry, XError } from "../src/index.js"
import { example, fakeClient, type Reply, userAuth } from "./utils/FakeHttp.js"

const failWith = (reply: Reply) => {
  const fake = fakeClient(() => reply, { retry: { default: Retry.none }, auth: userAuth({ refresh: false }) })
  return Effect.flip(MediaUpload.finalize("1880028106020515840")).pipe(Effect.provide(fake.layer))
}

describe("error mapping", () => {
  it.effect("invalid-request (api.twitter.com host) with errors[].message/parameters", () =>
    Effect.gen(function*() {
      const e = yield* failWith({
        status: 400,
        body: {
          errors: [{ parameters: { "media.media_ids": ["1843365521481187328"] }, message: "Your media IDs are invalid." }],
          title: "Invalid Request",
          detail: "One or more parameters to your request was invalid.",
          type: "https://api.twitter.com/2/problems/invalid-request"
        }
      })
      assert.strictEqual(e._tag, "InvalidRequest")
      if (e._tag !== "InvalidRequest") return
      assert.strictEqual(e.endpoint, "MediaUpload.finalize")
      assert.strictEqual(e.status, 400)
      assert.strictEqual(e.errors[0].message, "Your media IDs are invalid.")
      assert.deepStrictEqual(e.errors[0].parameters, { "media.media_ids": ["1843365521481187328"] })
      assert.include(e.message, "Your media IDs are invalid.")
    }))

  it.effect("invalid-request on the api.x.com host (X's documented example)", () =>
    Effect.gen(function*() {
      const e = yield* failWith({ status: 400, body: example("v2-error.invalid-request.json") })
      assert.strictEqual(e._tag, "InvalidRequest")
      assert.include(e.message, "The 'query' parameter is required.")
    }))

  it.effect("invalid-request in 2.167's flat shape: its parameter and value become the item", () =>
    Effect.gen(function*() {
      const e = yield* failWith({
        status: 400,
        body: {
          type: "https://api.x.com/2/problems/invalid-request",
          title: "Invalid Request",
          detail: "The `media_category` value is not one of the allowed values.",
          parameter: "media_category",
          value: "tweet_photo",
          status: 400
        }
      })
      assert.strictEqual(e._tag, "InvalidRequest")
      if (e._tag !== "InvalidRequest") return
      assert.deepStrictEqual(e.errors, [
        { message: "The `media_category` value is not one of the allowed values.", parameters: { media_category: ["tweet_photo"] } }
      ])
      assert.include(e.message, "[media_category]")
    }))

  it.effect("client-forbidden carries reason and enrollment", () =>
    Effect.gen(function*() {
      const e = yield* failWith({ status: 403, body: example("v2-error.client-forbidden.json") })
      assert.strictEqual(e._tag, "ClientForbidden")
      if (e._tag !== "ClientForbidden") return
      assert.strictEqual(e.reason, "client-not-enrolled")
      assert.strictEqual(e.requiredEnrollment, "Standard Basic")
    }))

  it.effect("resource-not-found, not-authorized-for-resource, unsupported-authentication", () =>
    Effect.gen(function*() {
      const nf = yield* failWith({ status: 404, body: { title: "Not Found Error", detail: "no media", type: "https://api.x.com/2/problems/resource-not-found" } })
      assert.strictEqual(nf._tag, "NotFound")
      const na = yield* failWith({ status: 403, body: { title: "Forbidden", detail: "You are not allowed to delete this Tweet", type: "https://api.x.com/2/problems/not-authorized-for-resource" } })
      assert.strictEqual(na._tag, "NotAuthorizedForResource")
      const ua = yield* failWith({ status: 403, body: { title: "Unsupported Authentication", detail: "app-only", type: "https://api.twitter.com/2/problems/unsupported-authentication" } })
      assert.strictEqual(ua._tag, "UnsupportedAuthentication")
    }))

  it.effect("usage-capped 429 is UsageCapped (not RateLimited)", () =>
    Effect.gen(function*() {
      const e = yield* failWith({
        status: 429,
        body: { title: "UsageCapExceeded", detail: "Usage cap exceeded: Monthly product cap", type: "https://api.twitter.com/2/problems/usage-capped", period: "Monthly", scope: "Product" }
      })
      assert.strictEqual(e._tag, "UsageCapped")
      if (e._tag !== "UsageCapped") return
      assert.strictEqual(e.period, "Monthly")
      assert.strictEqual(e.scope, "Product")
    }))

  it.effect("about:blank 429 and the documented v1.1 429 are RateLimited with reset and 24h headers", () =>
    Effect.gen(function*() {
      const headers = {
        "x-rate-limit-limit": "1875",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": "1700000900",
        "x-user-limit-24hour-limit": "100",
        "x-user-limit-24hour-remaining": "5",
        "x-user-limit-24hour-reset": "1700050000"
      }
      const a = yield* failWith({ status: 429, headers, body: { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 } })
      assert.strictEqual(a._tag, "RateLimited")
      if (a._tag !== "RateLimited") return
      assert.strictEqual(a.resetAt, 1700000900_000)
      assert.strictEqual(a.limit, 1875)
      assert.strictEqual(a.remaining, 0)
      assert.deepStrictEqual(a.userDay, { limit: 100, remaining: 5, resetAt: 1700050000_000 })
      const b = yield* failWith({ status: 429, body: example("error.rate-limit-429.as-documented.json") })
      assert.strictEqual(b._tag, "RateLimited")
    }))

  it.effect("a spent 24-hour user window sets resetAt to the 24-hour reset", () =>
    Effect.gen(function*() {
      const e = yield* failWith({
        status: 429,
        headers: { "x-rate-limit-reset": "1700000900", "x-rate-limit-remaining": "10", "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "1700050000" },
        body: { title: "Too Many Requests", type: "about:blank" }
      })
      assert.strictEqual(e._tag === "RateLimited" && e.resetAt, 1700050000_000)
    }))

  it.effect("401 about:blank is Unauthorized, 403 about:blank is Forbidden", () =>
    Effect.gen(function*() {
      const u = yield* failWith({ status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" } })
      assert.strictEqual(u._tag, "Unauthorized")
      const f = yield* failWith({ status: 403, body: { title: "Forbidden", type: "about:blank", status: 403, detail: "Forbidden" } })
      assert.strictEqual(f._tag, "Forbidden")
    }))

  it.effect("v1.1 bodies on a v2 URL: {errors:[{code,message}]}, {code,message}, {request,error}, mapped as on v1.1", () =>
    Effect.gen(function*() {
      const a = yield* failWith({ status: 400, body: { errors: [{ code: 324, message: "The validation of media ids failed." }] } })
      assert.strictEqual(a._tag, "InvalidRequest")
      if (a._tag !== "InvalidRequest") return
      assert.deepStrictEqual(a.errors, [{ message: "The validation of media ids failed. (code 324)" }])
      const b = yield* failWith({ status: 400, body: { code: 38, message: "media parameter is missing." } })
      assert.strictEqual(b._tag, "InvalidRequest")
      assert.include(b.message, "media parameter is missing. (code 38)")
      const c = yield* failWith({ status: 400, body: { request: "/1.1/media/upload.json", error: "not recognized." } })
      assert.strictEqual(c._tag, "InvalidRequest")
      assert.include(c.message, "not recognized.")
      const d = yield* failWith({ status: 403, body: { errors: [{ code: 89, message: "Invalid or expired token." }] } })
      assert.strictEqual(d._tag === "Unauthorized" && d.code, 89)
      const e = yield* failWith({ status: 409, body: { errors: [{ code: 999, message: "Something X has not documented." }] } })
      assert.strictEqual(e._tag === "ApiError" && e.code, 999)
    }))

  it.effect("non-JSON bodies: 400 text, 502 HTML", () =>
    Effect.gen(function*() {
      const a = yield* failWith({ status: 400, raw: "media type unrecognized", headers: { "content-type": "text/plain" } })
      assert.strictEqual(a._tag, "InvalidRequest")
      assert.include(a.message, "media type unrecognized")
      const b = yield* failWith({ status: 502, raw: "<html>Bad Gateway</html>", headers: { "content-type": "text/html" } })
      assert.strictEqual(b._tag, "ServerError")
      assert.strictEqual(b._tag === "ServerError" && b.body, "<html>Bad Gateway</html>")
      const c = yield* failWith({ status: 500, body: { title: "Internal Error", type: "https://api.x.com/2/problems/internal-error" } })
      assert.strictEqual(c._tag, "ServerError")
    }))

  it.effect("an unclassified status is ApiError whose message says what to do for that status", () =>
    Effect.gen(function*() {
      const tooLarge = yield* failWith({ status: 431, raw: "Request Header Fields Too Large", headers: { "content-type": "text/plain" } })
      assert.strictEqual(tooLarge._tag, "ApiError")
      assert.include(tooLarge.message, "a smaller chunkSize")
      const gone = yield* failWith({ status: 410, body: { title: "Gone", detail: "This endpoint has been retired." } })
      assert.strictEqual(gone._tag, "ApiError")
      assert.include(gone.message, "retired this endpoint")
      assert.include(gone.message, "This endpoint has been retired.")
    }))

  it.effect("Unauthorized says what to check for OAuth 1.0a codes: 135 the clock, 32 the keys", () =>
    Effect.gen(function*() {
      const clock = yield* failWith({ status: 401, body: { errors: [{ code: 135, message: "Timestamp out of bounds." }] } })
      assert.strictEqual(clock._tag === "Unauthorized" && clock.code, 135)
      assert.include(clock.message, "clock")
      const keys = yield* failWith({ status: 401, body: { errors: [{ code: 32, message: "Could not authenticate you." }] } })
      assert.include(keys.message, "consumer key and secret")
    }))

  it.effect("a 2xx that does not match the schema is UnexpectedResponse with status and body", () =>
    Effect.gen(function*() {
      const a = yield* failWith({ status: 200, body: { data: { id: 42 } } })
      assert.strictEqual(a._tag, "UnexpectedResponse")
      if (a._tag !== "UnexpectedResponse") return
      assert.strictEqual(a.status, 200)
      assert.include(a.body, "\"id\":42")
      assert.include(a.issue, "id")
      const b = yield* failWith({ status: 200, raw: "not json" })
      assert.strictEqual(b._tag === "UnexpectedResponse" && b.issue, "the body is not JSON")
    }))

  it.effect("transport: reset is sent, refused is not", () =>
    Effect.gen(function*() {
      const a = yield* failWith({ fail: "ECONNRESET" })
      assert.strictEqual(a._tag, "Transport")
      assert.isTrue(a._tag === "Transport" && a.sent && a.reason === "ConnectionReset")
      const b = yield* failWith({ fail: "ECONNREFUSED" })
      assert.isTrue(b._tag === "Transport" && !b.sent && b.reason === "ConnectionRefused")
      const c = yield* failWith({ fail: "ENOTFOUND" })
      assert.isTrue(c._tag === "Transport" && !c.sent && c.reason === "Network")
    }))

  it.effect("a base URL that is not a URL is InvalidInput at once, not a transport failure to retry", () => {
    const fake = fakeClient(() => ({ status: 201, body: {} }), { baseUrl: "api.x.com without a scheme", retry: { default: Retry.standard } })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(Posts.create({ text: "hello" }))
      assert.strictEqual(e._tag, "InvalidInput")
      if (e._tag === "InvalidInput") {
        assert.strictEqual(e.field, "baseUrl")
        assert.include(e.message, "check the client's baseUrl")
      }
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })

  it("problem slugs are matched on either host", () => {
    assert.strictEqual(XError.problemSlug("https://api.twitter.com/2/problems/usage-capped"), "usage-capped")
    assert.strictEqual(XError.problemSlug("https://api.x.com/2/problems/invalid-request"), "invalid-request")
    assert.strictEqual(XError.problemSlug("about:blank"), "about:blank")
    assert.strictEqual(
      XError.problemSlug("https://developer.x.com/en/support/x-api/error-troubleshooting#client-forbidden"),
      "client-forbidden"
    )
  })

  it.effect("a usage cap in the troubleshooting-page form is UsageCapped, not a rate limit to wait out", () =>
    Effect.gen(function*() {
      const e = yield* failWith({
        status: 429,
        body: {
          title: "UsageCapExceeded",
          detail: "Usage cap exceeded: Monthly product cap",
          type: "https://developer.x.com/en/support/x-api/error-troubleshooting#usage-capped",
          period: "Monthly",
          scope: "Product"
        }
      })
      assert.strictEqual(e._tag, "UsageCapped")
    }))

  it.effect("errors round-trip through the XError schema (journal-safe)", () =>
    Effect.gen(function*() {
      const e = new XError.RateLimited({ endpoint: "Posts.create", status: 429, resetAt: 1 })
      const encoded = yield* Schema.encode(XError.XError)(e)
      const decoded = yield* Schema.decode(XError.XError)(encoded)
      assert.strictEqual(decoded._tag, "RateLimited")
      assert.include(decoded.message, "rate limited")
    }))

  it.effect("partial errors inside a 200 (X's documented example) are kept, not raised", () => {
    const fake = fakeClient(() => ({ status: 200, body: example("v2-error.partial-errors.json") }))
    return Effect.gen(function*() {
      const res = yield* Posts.byUser("2244994945")
      assert.strictEqual(res.data?.[0]?.id, "123")
      assert.strictEqual(res.errors?.[0]?.type, "https://api.x.com/2/problems/resource-not-found")
      assert.strictEqual(res.errors?.[0]?.resource_id, "456")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a 200 that holds only X's problem list (a lookup of a missing id) is NotFound, not UnexpectedResponse", () => {
    const missing = example("v2-error.partial-errors.json") as { errors: ReadonlyArray<unknown> }
    const fake = fakeClient((r) =>
      r.url.pathname.startsWith("/2/media/")
        ? {
          status: 200,
          body: {
            errors: [{
              title: "Not Authorized Error",
              detail: "Sorry, you are not authorized to see the media with media_key: [3_9].",
              type: "https://api.twitter.com/2/problems/not-authorized-for-resource"
            }]
          }
        }
        : { status: 200, body: { errors: missing.errors } }
    )
    return Effect.gen(function*() {
      const post = yield* Effect.flip(Posts.get("456"))
      assert.strictEqual(post._tag, "NotFound")
      if (post._tag !== "NotFound") return
      assert.strictEqual(post.status, 200)
      assert.strictEqual(post.endpoint, "Posts.get")
      assert.include(post.message, "Could not find tweet with id: [456].")
      const media = yield* Effect.flip(MediaLookup.byKey("3_9"))
      assert.strictEqual(media._tag, "NotAuthorizedForResource")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("UnexpectedResponse names the first place that did not match, briefly", () =>
    Effect.gen(function*() {
      const e = yield* failWith({ status: 200, body: { data: { id: 42 } } })
      assert.strictEqual(e._tag, "UnexpectedResponse")
      if (e._tag !== "UnexpectedResponse") return
      assert.match(e.issue, /^at data\.id: /)
      assert.isBelow(e.issue.length, 301)
    }))

  it.effect("Posts.create partial body decoding is unaffected by extra fields", () => {
    const fake = fakeClient(() => ({ status: 201, body: { data: { id: "1", text: "t", extra: true } } }))
    return Effect.map(Posts.create({ text: "t" }), (r) => assert.strictEqual(r.data.id, "1")).pipe(Effect.provide(fake.layer))
  })
})
