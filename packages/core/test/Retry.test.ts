import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Fiber, Schedule, TestClock } from "effect"
import { MediaUpload, Posts, Retry, XClient, XError } from "../src/index.js"
import { fakeClient, type Reply } from "./utils/FakeHttp.js"

/** Lets pending promise callbacks (response bodies) run; no timer is involved. */
const settle = Effect.promise(() =>
  new Promise<void>((resolve) => setImmediate(() => setImmediate(() => setImmediate(() => resolve()))))
).pipe(Effect.repeatN(3))

const ok = { status: 200, body: { data: { id: "1880028106020515840" } } } as const
const sequence = (...replies: Array<Reply>) => (_: unknown, i: number): Reply => replies[Math.min(i, replies.length - 1)]
const fast = Retry.transient({ base: "1 second", jitter: false })

describe("Retry", () => {
  it.effect("transient: 503, 503, 200 with exponential backoff (1 s, 2 s), nothing early", () => {
    const fake = fakeClient(sequence({ status: 503, raw: "" }, { status: 503, raw: "" }, ok), { retry: { default: fast } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaUpload.finalize("1880028106020515840"))
      yield* settle
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("999 millis")
      yield* settle
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.strictEqual(fake.requests.length, 2)
      yield* TestClock.adjust("1999 millis")
      yield* settle
      assert.strictEqual(fake.requests.length, 2)
      yield* TestClock.adjust("1 millis")
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.data.id, "1880028106020515840")
      assert.strictEqual(fake.requests.length, 3)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("transient gives up after `times` retries with the last error", () => {
    const fake = fakeClient(() => ({ status: 500, raw: "" }), {
      retry: { default: Retry.transient({ times: 2, base: "1 second", jitter: false }) }
    })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(MediaUpload.finalize("1880028106020515840")))
      yield* settle
      yield* TestClock.adjust("10 seconds")
      const e = yield* Fiber.join(fiber)
      assert.strictEqual(e._tag, "ServerError")
      assert.strictEqual(fake.requests.length, 3)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("transient backoff is capped", () => {
    const fake = fakeClient(sequence({ fail: "ECONNRESET" }, { fail: "ECONNRESET" }, { fail: "ECONNRESET" }, ok), {
      retry: { default: Retry.transient({ base: "10 seconds", factor: 10, cap: "15 seconds", jitter: false }) }
    })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaUpload.finalize("1880028106020515840"))
      yield* settle
      yield* TestClock.adjust("10 seconds")
      yield* settle
      assert.strictEqual(fake.requests.length, 2)
      yield* TestClock.adjust("15 seconds") // 100 s capped to 15 s
      yield* settle
      assert.strictEqual(fake.requests.length, 3)
      yield* TestClock.adjust("15 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(fake.requests.length, 4)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("rateLimit: sleeps until x-rate-limit-reset, then continues", () => {
    const fake = fakeClient(
      sequence({ status: 429, headers: { "x-rate-limit-reset": "30", "x-rate-limit-remaining": "0" }, body: { title: "Too Many Requests", type: "about:blank", status: 429 } }, ok),
      { retry: { default: Retry.rateLimit() } }
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaUpload.status("1880028106020515840"))
      yield* settle
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("29999 millis")
      yield* settle
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("1 millis")
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.data.id, "1880028106020515840")
      assert.strictEqual(fake.requests.length, 2)
      const last = yield* XClient.lastRateLimit("MediaUpload.status")
      assert.strictEqual(last._tag, "Some")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("rateLimit: a reset already past still waits 1 s, so a skewed clock cannot cause instant retries", () => {
    const fake = fakeClient(
      sequence({ status: 429, headers: { "x-rate-limit-reset": "0" }, body: { title: "Too Many Requests", type: "about:blank" } }, ok),
      { retry: { default: Retry.rateLimit() } }
    )
    return Effect.gen(function*() {
      yield* TestClock.adjust("1 hour") // now is an hour past the reset X sent
      const fiber = yield* Effect.fork(MediaUpload.status("1880028106020515840"))
      yield* settle
      yield* TestClock.adjust("999 millis")
      yield* settle
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("rateLimit: a reset further than maxWait fails at once with RateLimited", () => {
    const fake = fakeClient(() => ({ status: 429, headers: { "x-rate-limit-reset": "86400" }, body: { title: "Too Many Requests", type: "about:blank" } }), {
      retry: { default: Retry.rateLimit({ maxWait: "15 minutes" }) }
    })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MediaUpload.status("1880028106020515840"))
      assert.strictEqual(e._tag, "RateLimited")
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("standard: a rate limit then a 503 then success; usage-capped is never retried", () => {
    const fake = fakeClient(
      sequence(
        { status: 429, headers: { "x-rate-limit-reset": "60" }, body: { title: "Too Many Requests", type: "about:blank" } },
        { status: 503, raw: "" },
        ok
      )
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaUpload.finalize("1880028106020515840"))
      yield* settle
      yield* TestClock.adjust("59 seconds")
      yield* settle
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("1 seconds")
      yield* settle
      assert.strictEqual(fake.requests.length, 2)
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      assert.strictEqual(fake.requests.length, 3)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("standard counts each kind on its own: three 503s do not use up the rate-limit waits", () => {
    const fake = fakeClient(
      sequence(
        { status: 503, raw: "" },
        { status: 503, raw: "" },
        { status: 503, raw: "" },
        { status: 429, headers: { "x-rate-limit-reset": "600" }, body: { title: "Too Many Requests", type: "about:blank" } },
        ok
      ),
      { retry: { default: Retry.standardWith({ transient: { times: 3, base: "1 second", jitter: false }, rateLimit: { times: 1 } }) } }
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaUpload.finalize("1880028106020515840"))
      yield* settle
      yield* TestClock.adjust("7 seconds") // 1 s + 2 s + 4 s of backoff
      yield* settle
      assert.strictEqual(fake.requests.length, 4)
      yield* TestClock.adjust("10 minutes") // the 429's reset, 600 s after the epoch
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.data.id, "1880028106020515840")
      assert.strictEqual(fake.requests.length, 5)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("standard counts each kind on its own: rate-limit waits do not use up the transient retries", () => {
    const limited = { status: 429, headers: { "x-rate-limit-reset": "60" }, body: { title: "Too Many Requests", type: "about:blank" } } as const
    const fake = fakeClient(
      sequence(limited, limited, { status: 500, raw: "" }, { status: 500, raw: "" }, { status: 500, raw: "" }, ok),
      { retry: { default: Retry.standardWith({ transient: { times: 3, base: "1 second", jitter: false }, rateLimit: { times: 2 } }) } }
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaUpload.finalize("1880028106020515840"))
      yield* settle
      // the first 429 waits for its reset (60 s); the second, whose reset has just passed, the minimum 1 s
      yield* TestClock.adjust("61 seconds")
      yield* settle
      assert.strictEqual(fake.requests.length, 3)
      yield* TestClock.adjust("7 seconds")
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.data.id, "1880028106020515840")
      assert.strictEqual(fake.requests.length, 6)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("transient jitter: each delay within 80-120 % of its backoff step, and the delays vary", () =>
    Effect.gen(function*() {
      const failure = new XError.ServerError({ endpoint: "MediaUpload.finalize", status: 503 })
      const schedule = Schedule.delays(Retry.transient({ base: "10 seconds" }).schedule)
      const runs = yield* Effect.forEach(Array.from({ length: 20 }), () => Schedule.run(schedule, 0, [failure, failure, failure]))
      for (const run of runs) {
        const delays = Chunk.toReadonlyArray(run).map(Duration.toMillis)
        assert.strictEqual(delays.length, 3)
        delays.forEach((ms, i) => {
          const step = 10_000 * 2 ** i // then capped at 30 s (the default cap)
          assert.isAtLeast(ms, Math.min(step * 0.8, 30_000))
          assert.isAtMost(ms, Math.min(step * 1.2, 30_000))
        })
      }
      // without jitter every first delay would be exactly 10 s
      assert.isAbove(new Set(runs.map((run) => Duration.toMillis(Chunk.unsafeHead(run)))).size, 1)
    }))

  it.effect("one-shot upload: a client default does not make it retry a 503 (a retry could create a second media id)", () => {
    const fake = fakeClient(sequence({ status: 503, raw: "" }, ok), { retry: { default: Retry.standard } })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MediaUpload.upload({ media: new Uint8Array([1, 2, 3]), media_category: "tweet_image" }))
      assert.strictEqual(e._tag, "ServerError")
      assert.include(e.message, "may have created a media id all the same")
      assert.notInclude(e.message, "Retry.transient")
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("one-shot upload: the client's byEndpoint policy for it does apply", () => {
    const fake = fakeClient(sequence({ status: 503, raw: "" }, ok), {
      retry: { byEndpoint: { "MediaUpload.upload": Retry.transient({ base: "1 second", jitter: false }) } }
    })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaUpload.upload({ media: new Uint8Array([1, 2, 3]), media_category: "tweet_image" }))
      yield* settle
      yield* TestClock.adjust("1 second")
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.data.id, "1880028106020515840")
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("usage-capped is not retried by the standard policy", () => {
    const fake = fakeClient(() => ({ status: 429, body: { title: "UsageCapExceeded", type: "https://api.x.com/2/problems/usage-capped" } }))
    return Effect.gen(function*() {
      const e = yield* Effect.flip(MediaUpload.finalize("1880028106020515840"))
      assert.strictEqual(e._tag, "UsageCapped")
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("precedence: per call > byEndpoint > client default", () => {
    const fake = fakeClient(() => ({ status: 503, raw: "" }), {
      retry: { default: fast, byEndpoint: { "MediaUpload.finalize": Retry.transient({ times: 1, base: "1 second", jitter: false }) } }
    })
    return Effect.gen(function*() {
      const none = yield* Effect.flip(MediaUpload.finalize("1", { retry: Retry.none }))
      assert.strictEqual(none._tag, "ServerError")
      assert.strictEqual(fake.requests.length, 1)
      const fiber = yield* Effect.fork(Effect.exit(MediaUpload.finalize("1")))
      yield* settle
      yield* TestClock.adjust("1 minute")
      assert.isTrue(Exit.isFailure(yield* Fiber.join(fiber)))
      assert.strictEqual(fake.requests.length, 3) // byEndpoint: one retry
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a hung request times out as Transport(Timeout, sent)", () => {
    const fake = fakeClient(() => ({ hang: true }), { requestTimeout: "10 seconds", retry: { default: Retry.none } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(MediaUpload.status("1")))
      yield* settle
      yield* TestClock.adjust("10 seconds")
      const e = yield* Fiber.join(fiber)
      assert.isTrue(e._tag === "Transport" && e.reason === "Timeout" && e.sent)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("Posts.create is never retried blindly", () => {
  it.effect("503 -> PostMayExist after exactly one request, even with Retry.standard per call", () => {
    const fake = fakeClient(() => ({ status: 503, raw: "" }), { retry: { default: Retry.standard } })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(Posts.create({ text: "hi", media: { media_ids: ["1880028106020515840"] } }, { retry: Retry.standard }))
      assert.strictEqual(e._tag, "PostMayExist")
      if (e._tag !== "PostMayExist") return
      assert.deepStrictEqual(e.mediaIds, ["1880028106020515840"])
      assert.strictEqual(e.text, "hi")
      assert.include(e.message, "Posts.byUser")
      assert.include(e.message, "carrying media 1880028106020515840 (Posts.findByMediaId)")
      const textOnly = yield* Effect.flip(Posts.create({ text: "hi" }))
      assert.strictEqual(textOnly._tag, "PostMayExist")
      assert.include(textOnly.message, "for one with this text")
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a 201 holding only a problem list (even a rate limit) is PostMayExist, never retried into a second post", () => {
    const fake = fakeClient(() => ({
      status: 201,
      body: { errors: [{ title: "Too Many Requests", type: "https://api.x.com/2/problems/rate-limit-exceeded" }] }
    }))
    return Effect.gen(function*() {
      const e = yield* Effect.flip(Posts.create({ text: "hi" }))
      assert.strictEqual(e._tag, "PostMayExist")
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a 201 whose body does not decode -> PostMayExist (the post was most likely created), one request", () => {
    const fake = fakeClient(() => ({ status: 201, body: { data: { text: "no id here" } } }), { retry: { default: Retry.standard } })
    return Effect.gen(function*() {
      const e = yield* Effect.flip(Posts.create({ text: "hi" }))
      assert.strictEqual(e._tag, "PostMayExist")
      if (e._tag === "PostMayExist") assert.include(e.reason, "HTTP 201")
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("connection reset after sending -> PostMayExist; refused before sending -> retried", () => {
    const reset = fakeClient(() => ({ fail: "ECONNRESET" }))
    const refused = fakeClient(sequence({ fail: "ECONNREFUSED" }, { status: 201, body: { data: { id: "5", text: "hi" } } }))
    return Effect.gen(function*() {
      const e = yield* Effect.flip(Posts.create({ text: "hi" }).pipe(Effect.provide(reset.layer)))
      assert.strictEqual(e._tag, "PostMayExist")
      assert.strictEqual(reset.requests.length, 1)
      const fiber = yield* Effect.fork(Posts.create({ text: "hi" }).pipe(Effect.provide(refused.layer)))
      yield* settle
      yield* TestClock.adjust("1 minute")
      const res = yield* Fiber.join(fiber)
      assert.strictEqual(res.data.id, "5")
      assert.strictEqual(refused.requests.length, 2)
    })
  })

  it.effect("429 is retried after the reset (certainly not created)", () => {
    const fake = fakeClient(sequence(
      { status: 429, headers: { "x-rate-limit-reset": "900" }, body: { title: "Too Many Requests", type: "about:blank" } },
      { status: 201, body: { data: { id: "5", text: "hi" } } }
    ))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Posts.create({ text: "hi" }))
      yield* settle
      yield* TestClock.adjust("899 seconds")
      yield* settle
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("1 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).data.id, "5")
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.provide(fake.layer))
  })
})
