import { HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as RateLimits from "../src/internal/rateLimits.js"

const append = (userId: string, appId = "app-1"): RateLimits.Subject => ({
  operation: "media.append",
  method: "POST",
  route: "/2/media/upload/:id/append",
  api: "v2",
  authKind: "oauth2-user",
  userId,
  appId
})

describe("rateLimits", () => {
  it("carries X's §7.1 numbers", () =>
    Effect.runSync(Effect.gen(function*() {
      const limiter = yield* RateLimits.make()
      const of = (operation: string, method: string, route: string) => limiter.limitsFor({ operation, method, route })
      assert.deepStrictEqual(of("media.initialize", "POST", "/2/media/upload/initialize").user, { limit: 1875, windowSeconds: 900 })
      assert.deepStrictEqual(of("media.initialize", "POST", "/2/media/upload/initialize").app, { limit: 180_000, windowSeconds: 86_400 })
      assert.deepStrictEqual(of("media.status", "GET", "/2/media/upload").user, { limit: 1000, windowSeconds: 900 })
      assert.deepStrictEqual(of("media.upload", "POST", "/2/media/upload").user, { limit: 500, windowSeconds: 900 })
      assert.deepStrictEqual(of("media.subtitles.delete", "DELETE", "/2/media/subtitles").user, { limit: 100, windowSeconds: 900 })
      assert.deepStrictEqual(of("posts.create", "POST", "/2/tweets").app, { limit: 10_000, windowSeconds: 86_400 })
      assert.deepStrictEqual(of("posts.delete", "DELETE", "/2/tweets/:id").user, { limit: 50, windowSeconds: 900 })
      assert.isUndefined(of("posts.delete", "DELETE", "/2/tweets/:id").app)
      // Found by method + route when the operation name is not in the table.
      assert.deepStrictEqual(of("something", "POST", "/2/media/metadata").user, { limit: 500, windowSeconds: 900 })
      assert.strictEqual(of("media.analytics", "GET", "/2/media/analytics").source, RateLimits.unlistedLimits.source)
    })))

  it.effect("counts a user's fixed window, sends coherent headers and refuses with X's 429 until the reset", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const limiter = yield* RateLimits.make({ overrides: { "media.append": { user: { limit: 3, windowSeconds: 900 } } } })
      const remaining: Array<string | undefined> = []
      for (let i = 0; i < 3; i++) {
        const d = yield* limiter.check(append("u1"))
        assert.isTrue(d.allowed)
        remaining.push(d.headers["x-rate-limit-remaining"])
        assert.strictEqual(d.headers["x-rate-limit-limit"], "3")
        assert.strictEqual(d.headers["x-rate-limit-reset"], String(1_700_000_000 + 900))
        yield* TestClock.adjust("1 second")
      }
      assert.deepStrictEqual(remaining, ["2", "1", "0"])
      const refused = yield* limiter.check(append("u1"))
      assert.isFalse(refused.allowed)
      assert.strictEqual(refused.exhausted, "user")
      assert.strictEqual(refused.headers["x-rate-limit-remaining"], "0")
      assert.strictEqual(refused.resetAtMs, 1_700_000_900_000)
      // The 24-hour app bucket was counted three times (not for the refused call).
      assert.strictEqual(refused.headers["x-app-limit-24hour-limit"], "180000")
      assert.strictEqual(refused.headers["x-app-limit-24hour-remaining"], "179997")

      // Another user has their own bucket.
      assert.isTrue((yield* limiter.check(append("u2"))).allowed)

      // Just before the reset: still refused; at the reset: a new window.
      yield* TestClock.setTime(1_700_000_899_999)
      assert.isFalse((yield* limiter.check(append("u1"))).allowed)
      yield* TestClock.setTime(1_700_000_900_000)
      const fresh = yield* limiter.check(append("u1"))
      assert.isTrue(fresh.allowed)
      assert.strictEqual(fresh.headers["x-rate-limit-remaining"], "2")
      assert.strictEqual(fresh.headers["x-rate-limit-reset"], String(1_700_000_900 + 900))
    }))

  it.effect("keeps a bucket per endpoint", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimits.make({ overrides: { "media.append": { user: { limit: 1, windowSeconds: 900 } } } })
      assert.isTrue((yield* limiter.check(append("u1"))).allowed)
      assert.isFalse((yield* limiter.check(append("u1"))).allowed)
      const finalize = yield* limiter.check({ ...append("u1"), operation: "media.finalize", route: "/2/media/upload/:id/finalize" })
      assert.isTrue(finalize.allowed)
      assert.strictEqual(finalize.headers["x-rate-limit-limit"], "1875")
      assert.strictEqual(finalize.headers["x-rate-limit-remaining"], "1874")
    }))

  it.effect("refuses when the app's 24-hour total is spent, whoever the user is", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimits.make({ overrides: { "posts.create": { user: { limit: 100, windowSeconds: 900 }, app: { limit: 2, windowSeconds: 86_400 } } } })
      const post = (userId: string): RateLimits.Subject => ({ operation: "posts.create", method: "POST", route: "/2/tweets", api: "v2", authKind: "oauth1-user", userId, appId: "app-1" })
      assert.isTrue((yield* limiter.check(post("a"))).allowed)
      assert.isTrue((yield* limiter.check(post("b"))).allowed)
      const refused = yield* limiter.check(post("c"))
      assert.isFalse(refused.allowed)
      assert.strictEqual(refused.exhausted, "app-24h")
      assert.strictEqual(refused.headers["x-app-limit-24hour-remaining"], "0")
      // The user's own 15-minute bucket was not charged by the refused call.
      assert.strictEqual(refused.headers["x-rate-limit-remaining"], "100")
      // Another app is unaffected.
      assert.isTrue((yield* limiter.check({ ...post("c"), appId: "app-2" })).allowed)
    }))

  it.effect("applies the per-app window to app-only bearer calls and none to unauthenticated ones", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimits.make()
      const lookup: RateLimits.Subject = { operation: "media.lookup", method: "GET", route: "/2/media/:media_key", api: "v2", authKind: "app-only", appId: "app-1" }
      const d = yield* limiter.check(lookup)
      assert.strictEqual(d.headers["x-rate-limit-limit"], "900")
      assert.strictEqual(d.headers["x-rate-limit-remaining"], "899")
      assert.isUndefined(d.headers["x-app-limit-24hour-limit"])
      const none = yield* limiter.check({ ...lookup, authKind: "none", appId: undefined })
      assert.deepStrictEqual(none, { allowed: true, headers: {} })
    }))

  it.effect("scales windows so tests reach the reset in milliseconds", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000)
      const limiter = yield* RateLimits.make({ windowScale: 0.001, overrides: { "media.append": { user: { limit: 1, windowSeconds: 900 } } } })
      assert.isTrue((yield* limiter.check(append("u1"))).allowed)
      const refused = yield* limiter.check(append("u1"))
      assert.isFalse(refused.allowed)
      assert.strictEqual(refused.resetAtMs, 1_000_900)
      yield* TestClock.adjust("900 millis")
      assert.isTrue((yield* limiter.check(append("u1"))).allowed)
    }))

  it.effect("forgets every window on reset, and can be disabled", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimits.make({ overrides: { "media.append": { user: { limit: 1, windowSeconds: 900 } } } })
      yield* limiter.check(append("u1"))
      assert.isFalse((yield* limiter.check(append("u1"))).allowed)
      yield* limiter.reset
      assert.isTrue((yield* limiter.check(append("u1"))).allowed)
      const off = yield* RateLimits.make({ disabled: true, overrides: { "media.append": { user: { limit: 1, windowSeconds: 900 } } } })
      yield* off.check(append("u1"))
      const still = yield* off.check(append("u1"))
      assert.isTrue(still.allowed)
      assert.strictEqual(still.headers["x-rate-limit-limit"], "1")
    }))

  it.effect("builds X's 429 bodies for v2 and v1.1", () =>
    Effect.gen(function*() {
      const decision: RateLimits.Decision = { allowed: false, headers: { "x-rate-limit-remaining": "0" }, resetAtMs: 1 }
      const v2 = RateLimits.tooManyRequestsResponse("v2", decision)
      assert.strictEqual(v2.status, 429)
      assert.strictEqual(v2.headers["content-type"], "application/problem+json")
      assert.strictEqual(v2.headers["x-rate-limit-remaining"], "0")
      const v2Body = v2.body._tag === "Uint8Array" ? new TextDecoder().decode(v2.body.body) : ""
      assert.deepStrictEqual(JSON.parse(v2Body), { title: "Too Many Requests", detail: "Too Many Requests", type: "about:blank", status: 429 })
      const v1 = RateLimits.tooManyRequestsResponse("v1.1", decision)
      const v1Body = v1.body._tag === "Uint8Array" ? new TextDecoder().decode(v1.body.body) : ""
      assert.deepStrictEqual(JSON.parse(v1Body), { errors: [{ code: 88, message: "Rate limit exceeded" }] })
      const ok = RateLimits.withHeaders({ allowed: true, headers: { "x-rate-limit-limit": "5" } })(HttpServerResponse.empty({ status: 204 }))
      assert.strictEqual(ok.headers["x-rate-limit-limit"], "5")
    }))
})
