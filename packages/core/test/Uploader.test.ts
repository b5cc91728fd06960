import { assert, describe, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Stream, TestClock } from "effect"
import { appendFileSync, readFileSync, truncateSync, utimesSync, writeFileSync } from "node:fs"
import * as Ids from "../src/Ids.js"
import * as Retry from "../src/Retry.js"
import * as Uploader from "../src/Uploader.js"
import {
  eventually,
  fixturePath,
  makeFakeX,
  MEDIA_ID,
  noBackoff,
  provideFake,
  recorder,
  tempFile
} from "./UploaderFakeX.js"
import { fakeClient, type Recorded as Sent, type Reply } from "./utils/FakeHttp.js"

const path = fixturePath
const mp4 = new Uint8Array(readFileSync(path("sample.mp4")))
const png = new Uint8Array(readFileSync(path("sample.png")))

const provide = provideFake

describe("Uploader.uploadFile", () => {
  it.effect("uploads a real MP4 from disk in segments, polls processing with TestClock, reassembles exactly", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        finalize: { state: "pending", check_after_secs: 1 },
        statuses: [
          { state: "in_progress", check_after_secs: 2, progress_percent: 50 },
          { state: "succeeded", progress_percent: 100 }
        ]
      })
      const { events, onProgress } = recorder()
      const fiber = yield* Effect.fork(
        Uploader.uploadFile(path("sample.mp4"), { chunkSize: 5000, concurrency: 2, onProgress }).pipe(provide(fake))
      )
      const processingEvents = () => events.filter((e) => e._tag === "Processing").length
      yield* eventually(() => processingEvents() === 1)
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(fake.requests.filter((r) => r.method === "GET").length, 0, "no STATUS before check_after_secs")
      yield* TestClock.adjust("1 millis")
      yield* eventually(() => processingEvents() === 2)
      assert.strictEqual(fake.requests.filter((r) => r.method === "GET").length, 1)
      yield* TestClock.adjust("2 seconds")
      const media = yield* Fiber.join(fiber)

      assert.strictEqual(media.mediaId, MEDIA_ID)
      assert.strictEqual(media.mediaKey, `7_${MEDIA_ID}`)
      assert.strictEqual(media.mediaType, "video/mp4")
      assert.strictEqual(media.mediaCategory, "tweet_video")
      assert.strictEqual(media.size, 24006)
      assert.strictEqual(media.media.processing_info?.state, "succeeded")
      assert.deepStrictEqual(fake.assembled(), mp4)
      assert.strictEqual(fake.segments.size, 5)
      assert.deepStrictEqual(
        fake.requests.map((r) => r.path.replace(MEDIA_ID, "ID")).filter((p) => !p.endsWith("/append")),
        ["/2/media/upload/initialize", "/2/media/upload/ID/finalize", "/2/media/upload", "/2/media/upload"]
      )
      assert.deepStrictEqual(events.map((e) => e._tag), [
        "Initialized",
        "SegmentSent",
        "SegmentSent",
        "SegmentSent",
        "SegmentSent",
        "SegmentSent",
        "Finalized",
        "Processing",
        "Processing",
        "Completed"
      ])
      const sent = events.filter((e): e is Uploader.SegmentSent => e._tag === "SegmentSent")
      assert.deepStrictEqual(sent.map((e) => e.bytesSent).at(-1), 24006)
      assert.deepStrictEqual(sent.map((e) => e.segmentsSent), [1, 2, 3, 4, 5])
      const processing = events.filter((e): e is Uploader.Processing => e._tag === "Processing")
      assert.deepStrictEqual(processing.map((e) => [e.state, e.percent, e.nextCheckMs]), [
        ["pending", undefined, 1000],
        ["in_progress", 50, 2000]
      ])
    }))

  it.effect("bytes and streams upload with the XClient alone: no FileSystem in the requirements or at run time", () =>
    Effect.gen(function*() {
      const fake = makeFakeX()
      const fromBytes = yield* Uploader.uploadFile(mp4, { chunkSize: 10000 }).pipe(Effect.provide(fake.layer))
      assert.strictEqual(fromBytes.size, mp4.length)
      assert.deepStrictEqual(fake.assembled(), mp4)
      const streamed = makeFakeX()
      const source = Uploader.fromStream(Stream.make(mp4.subarray(0, 7000), mp4.subarray(7000)), { size: mp4.length })
      const fromStream = yield* Uploader.uploadFile(source, { chunkSize: 10000 }).pipe(Effect.provide(streamed.layer))
      assert.strictEqual(fromStream.size, mp4.length)
      assert.deepStrictEqual(streamed.assembled(), mp4)
    }))

  it.effect("an image with no processing_info completes right after FINALIZE (no STATUS call)", () =>
    Effect.gen(function*() {
      const fake = makeFakeX()
      const media = yield* Uploader.uploadFile(png).pipe(provide(fake))
      assert.strictEqual(media.mediaCategory, "tweet_image")
      assert.deepStrictEqual(fake.assembled(), png)
      assert.strictEqual(fake.segments.size, 1)
      assert.isFalse(fake.requests.some((r) => r.method === "GET"))
    }))

  it.effect("retries a failing segment on its own, with Retrying events, without re-sending the others", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ appendFailures: new Map([[2, 2]]) })
      const { events, onProgress } = recorder()
      const fiber = yield* Effect.fork(
        Uploader.uploadFile(mp4, { chunkSize: 5000, retry: noBackoff, onProgress }).pipe(provide(fake))
      )
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual([0, 1, 2, 3, 4].map(fake.appendsOf), [1, 1, 3, 1, 1])
      const retries = events.filter((e): e is Uploader.Retrying => e._tag === "Retrying")
      assert.deepStrictEqual(retries.map((e) => [e.operation, e.segmentIndex, e.attempt, e.delayMs]), [
        ["append", 2, 1, 1000],
        ["append", 2, 2, 2000]
      ])
      assert.include(retries[0]!.reason, "server error")
      assert.deepStrictEqual(fake.assembled(), mp4)
    }))

  it.effect("announces only the retries it makes: none for the attempt that gives up, none for a failure it does not retry", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ appendFailures: new Map([[1, 10]]) })
      const { events, onProgress } = recorder()
      const fiber = yield* Effect.fork(Effect.flip(
        Uploader.uploadFile(mp4, { chunkSize: 10000, retry: Retry.transient({ times: 2, base: "1 second", jitter: false }), onProgress })
          .pipe(provide(fake))
      ))
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(fake.appendsOf(1), 3)
      const retries = events.filter((e): e is Uploader.Retrying => e._tag === "Retrying")
      assert.deepStrictEqual(retries.map((e) => [e.attempt, e.delayMs]), [[1, 1000], [2, 2000]])
      const expired = makeFakeX({ finalize: { state: "pending", check_after_secs: 1 }, statusNotFound: true })
      const recorded = recorder()
      const gone = yield* Effect.fork(Effect.flip(Uploader.uploadFile(mp4, { onProgress: recorded.onProgress }).pipe(provide(expired))))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(gone))._tag, "MediaExpired")
      assert.isFalse(recorded.events.some((e) => e._tag === "Retrying"))
    }))

  it.effect("waits for the rate-limit reset on a 429 before re-sending that segment", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ appendRateLimited: new Map([[1, 1]]) })
      const { events, onProgress } = recorder()
      const fiber = yield* Effect.fork(Uploader.uploadFile(mp4, { chunkSize: 10000, onProgress }).pipe(provide(fake)))
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual(fake.appendsOf(1), 1)
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual([0, 1, 2].map(fake.appendsOf), [1, 2, 1])
      const retry = events.find((e): e is Uploader.Retrying => e._tag === "Retrying")!
      assert.deepStrictEqual([retry.segmentIndex, retry.delayMs], [1, 30_000])
      assert.include(retry.reason, "rate limited")
      assert.deepStrictEqual(fake.assembled(), mp4)
    }))

  it.effect("keeps at most `concurrency` APPENDs in flight", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ appendDelay: "100 millis" })
      const fiber = yield* Effect.fork(Uploader.uploadFile(mp4, { chunkSize: 2000, concurrency: 3 }).pipe(provide(fake)))
      for (let i = 0; i < 6; i++) yield* TestClock.adjust("100 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(fake.segments.size, 13)
      assert.strictEqual(fake.maxInFlight(), 3)
      assert.deepStrictEqual(fake.assembled(), mp4)
    }))

  it.effect("falls back to a growing poll interval when check_after_secs is missing", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        finalize: { state: "pending" },
        statuses: [{ state: "in_progress" }, { state: "in_progress" }, { state: "succeeded" }]
      })
      const statusCalls = () => fake.requests.filter((r) => r.method === "GET").length
      const fiber = yield* Effect.fork(Uploader.uploadFile(mp4, { pollInterval: "4 seconds" }).pipe(provide(fake)))
      yield* TestClock.adjust("3999 millis")
      assert.strictEqual(statusCalls(), 0)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(statusCalls(), 1)
      yield* TestClock.adjust("5999 millis") // 4 s x 1.5
      assert.strictEqual(statusCalls(), 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(statusCalls(), 2)
      yield* TestClock.adjust("9 seconds") // 4 s x 1.5 x 1.5
      const media = yield* Fiber.join(fiber)
      assert.strictEqual(statusCalls(), 3)
      assert.strictEqual(media.media.processing_info?.state, "succeeded")
    }))

  it.effect("fails with ProcessingFailed on `failed`, carrying X's code, name and message", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        finalize: { state: "pending", check_after_secs: 1 },
        statuses: [{
          state: "failed",
          error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" }
        }]
      })
      const fiber = yield* Effect.fork(Effect.flip(Uploader.uploadFile(mp4).pipe(provide(fake))))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ProcessingFailed")
      if (error._tag !== "ProcessingFailed") return
      assert.deepStrictEqual([error.mediaId, error.code, error.errorName, error.detail], [
        MEDIA_ID,
        1,
        "InvalidMedia",
        "Unsupported video format"
      ])
    }))

  it.effect("stops polling on in_progress with an error (no endless loop)", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        finalize: { state: "pending", check_after_secs: 1 },
        statuses: [{
          state: "in_progress",
          check_after_secs: 1,
          error: { code: 3, name: "UnsupportedMedia", message: "Duration exceeds max" }
        }]
      })
      const fiber = yield* Effect.fork(Effect.flip(Uploader.uploadFile(mp4).pipe(provide(fake))))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ProcessingFailed")
      assert.strictEqual(fake.requests.filter((r) => r.method === "GET").length, 1)
    }))

  it.effect("fails with ProcessingTimeout at the overall deadline", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        finalize: { state: "pending", check_after_secs: 10 },
        statuses: [{ state: "in_progress", check_after_secs: 10, progress_percent: 40 }]
      })
      const fiber = yield* Effect.fork(
        Effect.flip(Uploader.uploadFile(mp4, { processingTimeout: "25 seconds" }).pipe(provide(fake)))
      )
      yield* TestClock.adjust("20 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ProcessingTimeout")
      if (error._tag !== "ProcessingTimeout") return
      assert.strictEqual(error.waitedMs, 25_000)
      assert.strictEqual(error.lastState, "in_progress")
      assert.include(error.message, "25 s")
      assert.include(error.message, "processingTimeout")
      // polls at 10 s, 20 s, and the last at the deadline (25 s)
      assert.strictEqual(fake.requests.filter((r) => r.method === "GET").length, 3)
    }))

  it.effect("ends at the deadline even while STATUS waits for a rate-limit reset", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        finalize: { state: "pending", check_after_secs: 10 },
        statusRateLimitedFor: 600 // each STATUS 429 asks for a 10-minute wait, within Retry.standard's 15 minutes
      })
      const fiber = yield* Effect.fork(
        Effect.flip(Uploader.uploadFile(mp4, { processingTimeout: "60 seconds" }).pipe(provide(fake)))
      )
      yield* TestClock.adjust("59 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ProcessingTimeout")
      if (error._tag !== "ProcessingTimeout") return
      assert.strictEqual(error.waitedMs, 60_000)
      assert.strictEqual(error.lastState, "pending")
      // one check at 10 s, then its rate-limit wait, cut at the deadline
      assert.strictEqual(fake.requests.filter((r) => r.method === "GET").length, 1)
    }))

  it.effect("a check made at the deadline still gets 30 s to answer, then ProcessingTimeout", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ finalize: { state: "pending", check_after_secs: 20 }, statusRateLimitedFor: 600 })
      const fiber = yield* Effect.fork(
        Effect.flip(Uploader.uploadFile(mp4, { processingTimeout: "20 seconds" }).pipe(provide(fake)))
      )
      yield* TestClock.adjust("49 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ProcessingTimeout")
      if (error._tag !== "ProcessingTimeout") return
      assert.strictEqual(error.waitedMs, 50_000)
    }))

  it.effect("takes the client's byEndpoint policy for its APPENDs when no per-upload retry is given", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        appendFailures: new Map([[1, 2]]),
        retry: {
          default: Retry.none,
          byEndpoint: { "MediaUpload.append": Retry.transient({ base: "3 seconds", jitter: false }) }
        }
      })
      const { events, onProgress } = recorder()
      const fiber = yield* Effect.fork(Uploader.uploadFile(mp4, { chunkSize: 10000, onProgress }).pipe(provide(fake)))
      yield* TestClock.adjust("3 seconds")
      yield* TestClock.adjust("6 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual([0, 1, 2].map(fake.appendsOf), [1, 3, 1])
      const retries = events.filter((e): e is Uploader.Retrying => e._tag === "Retrying")
      assert.deepStrictEqual(retries.map((e) => e.delayMs), [3000, 6000])
    }))

  it.effect("takes the client's default policy when neither the upload nor byEndpoint names one", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ appendFailures: new Map([[1, 1]]), retry: { default: Retry.none } })
      const error = yield* Effect.flip(Uploader.uploadFile(mp4, { chunkSize: 10000 }).pipe(provide(fake)))
      assert.strictEqual(error._tag, "ServerError")
      assert.strictEqual(fake.appendsOf(1), 1)
    }))

  it.effect("fails with MediaExpired when STATUS no longer knows the id", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ finalize: { state: "pending", check_after_secs: 1 }, statusNotFound: true })
      const fiber = yield* Effect.fork(Effect.flip(Uploader.uploadFile(mp4).pipe(provide(fake))))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "MediaExpired")
      assert.include(error.message, "Upload the file again")
    }))

  it.effect("fails with MediaExpired when expires_after_secs elapses while waiting", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({
        finalizeExpiresAfterSecs: 30,
        finalize: { state: "pending", check_after_secs: 60 },
        statuses: [{ state: "in_progress", check_after_secs: 60 }]
      })
      const fiber = yield* Effect.fork(Effect.flip(Uploader.uploadFile(mp4).pipe(provide(fake))))
      yield* TestClock.adjust("60 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "MediaExpired")
      assert.strictEqual(fake.requests.filter((r) => r.method === "GET").length, 0)
    }))

  it.effect("refuses to resume an id that already expired, with no network call", () =>
    Effect.gen(function*() {
      const fake = makeFakeX()
      const error = yield* Effect.flip(
        Uploader.uploadFile(mp4, {
          resume: { mediaId: Ids.MediaId.make(MEDIA_ID), chunkSize: 4 * 1024 * 1024, acknowledgedSegments: [], expiresAt: 0 }
        }).pipe(provide(fake))
      )
      assert.strictEqual(error._tag, "MediaExpired")
      assert.strictEqual(fake.requests.length, 0)
    }))
})

describe("Uploader: a FINALIZE that may have gone through", () => {
  /** X as the test tells it: FINALIZE answers from `finalizes` in turn, STATUS with `status`. */
  const xWith = (finalizes: ReadonlyArray<Reply>, status: Reply) => {
    let finalizeCalls = 0
    return fakeClient((r: Sent) => {
      const path = r.url.pathname
      if (path.endsWith("/initialize")) return { status: 200, body: { data: { id: MEDIA_ID, expires_after_secs: 86400 } } }
      if (path.endsWith("/append")) return { status: 204, raw: "" }
      if (path.endsWith("/finalize")) return finalizes[Math.min(finalizeCalls++, finalizes.length - 1)]!
      return status
    })
  }
  const refused: Reply = {
    status: 400,
    body: {
      errors: [{ message: "Media was already finalized." }],
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      type: "https://api.x.com/2/problems/invalid-request"
    }
  }
  const kinds = (requests: ReadonlyArray<Sent>) =>
    requests.map((r) => r.url.pathname.split("/").at(-1) === "upload" ? "status" : r.url.pathname.split("/").at(-1))

  it.effect("reset after sending, then the retry refused: STATUS shows it was finalized, and the upload completes", () =>
    Effect.gen(function*() {
      const fake = xWith([{ fail: "ECONNRESET" }, refused], {
        status: 200,
        body: { data: { id: MEDIA_ID, media_key: `7_${MEDIA_ID}`, processing_info: { state: "succeeded", progress_percent: 100 } } }
      })
      const fiber = yield* Effect.fork(Uploader.uploadFile(mp4, { retry: noBackoff }).pipe(Effect.provide(fake.layer)))
      yield* TestClock.adjust("1 second")
      const media = yield* Fiber.join(fiber)
      assert.strictEqual(media.mediaId, MEDIA_ID)
      assert.strictEqual(media.mediaKey, `7_${MEDIA_ID}`)
      assert.deepStrictEqual(kinds(fake.requests).slice(-3), ["finalize", "finalize", "status"])
    }))

  it.effect("the refusal stands when STATUS shows the media still uploading or no FINALIZE could have gone through; a processing failure is told", () =>
    Effect.gen(function*() {
      const uploading = xWith([{ status: 503, raw: "" }, refused], {
        status: 200,
        body: { data: { id: MEDIA_ID, processing_info: { state: "uploading" } } }
      })
      const fiber = yield* Effect.fork(
        Effect.flip(Uploader.uploadFile(mp4, { retry: noBackoff }).pipe(Effect.provide(uploading.layer)))
      )
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "InvalidRequest")
      assert.deepStrictEqual(kinds(uploading.requests).slice(-3), ["finalize", "finalize", "status"])
      // STATUS says processing failed: that is the answer, not the refusal
      const failed = xWith([{ fail: "ECONNRESET" }, refused], {
        status: 200,
        body: {
          data: {
            id: MEDIA_ID,
            processing_info: { state: "failed", error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" } }
          }
        }
      })
      const failing = yield* Effect.fork(
        Effect.flip(Uploader.uploadFile(mp4, { retry: noBackoff }).pipe(Effect.provide(failed.layer)))
      )
      yield* TestClock.adjust("1 second")
      const processing = yield* Fiber.join(failing)
      assert.strictEqual(processing._tag, "ProcessingFailed")
      // a resumed upload may continue one whose FINALIZE got through: a refusal is settled by STATUS too
      const resumed = xWith([refused], {
        status: 200,
        body: { data: { id: MEDIA_ID, processing_info: { state: "succeeded", progress_percent: 100 } } }
      })
      const done = yield* Uploader.uploadFile(mp4, {
        retry: noBackoff,
        resume: { mediaId: MEDIA_ID, chunkSize: 4 * 1024 * 1024, acknowledgedSegments: [0] }
      }).pipe(Effect.provide(resumed.layer))
      assert.strictEqual(done.mediaId, MEDIA_ID)
      assert.deepStrictEqual(kinds(resumed.requests), ["finalize", "status"])
      // a STATUS that shows nothing of a finalized media (no state, size, image or video) proves nothing
      const bare = xWith([refused], { status: 200, body: { data: { id: MEDIA_ID, media_key: `7_${MEDIA_ID}` } } })
      const stands = yield* Effect.flip(Uploader.uploadFile(mp4, {
        retry: noBackoff,
        resume: { mediaId: MEDIA_ID, chunkSize: 4 * 1024 * 1024, acknowledgedSegments: [0] }
      }).pipe(Effect.provide(bare.layer)))
      assert.strictEqual(stands._tag, "InvalidRequest")
      // refused at once: nothing was ambiguous, so no STATUS
      const plain = xWith([refused], { status: 500, raw: "" })
      const plainError = yield* Effect.flip(Uploader.uploadFile(mp4, { retry: noBackoff }).pipe(Effect.provide(plain.layer)))
      assert.strictEqual(plainError._tag, "InvalidRequest")
      assert.strictEqual(kinds(plain.requests).at(-1), "finalize")
    }))
})

describe("Uploader resume", () => {
  it.effect("continues from acknowledged segments without re-sending them or re-initializing", () =>
    Effect.gen(function*() {
      const fake = makeFakeX()
      const { events, onProgress } = recorder()
      yield* Uploader.uploadFile(path("sample.mp4"), {
        onProgress,
        // as read back from storage: plain strings, checked by the uploader
        resume: { mediaId: MEDIA_ID, mediaKey: `7_${MEDIA_ID}`, chunkSize: 5000, acknowledgedSegments: [0, 1, 3] }
      }).pipe(provide(fake))
      assert.deepStrictEqual(
        fake.requests.filter((r) => r.segmentIndex !== undefined).map((r) => r.segmentIndex).sort(),
        [2, 4]
      )
      assert.isFalse(fake.requests.some((r) => r.path.endsWith("/initialize")))
      assert.isTrue(fake.requests.some((r) => r.path.endsWith("/finalize")))
      assert.deepStrictEqual(fake.segments.get(2), mp4.slice(10000, 15000))
      assert.deepStrictEqual(fake.segments.get(4), mp4.slice(20000, 24006))
      const init = events[0] as Uploader.Initialized
      assert.deepStrictEqual([init._tag, init.resumedSegments, init.totalSegments], ["Initialized", 3, 5])
      const sent = events.filter((e): e is Uploader.SegmentSent => e._tag === "SegmentSent")
      assert.deepStrictEqual(sent.map((e) => e.segmentsSent), [4, 5])
      assert.strictEqual(sent.at(-1)!.bytesSent, 24006)
    }))

  it.effect("refuses resume data that does not fit the file, before any network call", () =>
    Effect.gen(function*() {
      const fake = makeFakeX()
      const error = yield* Effect.flip(
        Uploader.uploadFile(mp4, {
          resume: { mediaId: Ids.MediaId.make(MEDIA_ID), chunkSize: 5000, acknowledgedSegments: [7] }
        }).pipe(provide(fake))
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, "segments 0 to 4")
      const key = yield* Effect.flip(
        Uploader.uploadFile(mp4, {
          resume: { mediaId: MEDIA_ID, mediaKey: "video-1", chunkSize: 5000, acknowledgedSegments: [] }
        }).pipe(provide(fake))
      )
      assert.strictEqual(key._tag === "InvalidInput" && key.field, "resume.mediaKey")
      assert.strictEqual(fake.requests.length, 0)
    }))

  it.effect("refuses a destination, premium or subtitlesAs that is not one of its values (options built from flags or JSON)", () =>
    Effect.gen(function*() {
      const fake = makeFakeX()
      const destination = yield* Effect.flip(
        Uploader.uploadFile(mp4, { destination: "story" as never }).pipe(provide(fake))
      )
      assert.strictEqual(destination._tag === "InvalidInput" && destination.field, "destination")
      assert.include(destination.message, `"post" or "dm", not "story"`)
      const premium = yield* Effect.flip(Uploader.uploadFile(mp4, { premium: "yes" as never }).pipe(provide(fake)))
      assert.strictEqual(premium._tag === "InvalidInput" && premium.field, "premium")
      const subtitlesAs = yield* Effect.flip(Uploader.uploadFile(mp4, { subtitlesAs: "vtt" as never }).pipe(provide(fake)))
      assert.strictEqual(subtitlesAs._tag === "InvalidInput" && subtitlesAs.field, "subtitlesAs")
      assert.strictEqual(fake.requests.length, 0)
    }))

  it.scoped("a file that shrinks during the upload fails with InvalidInput naming it; nothing is finalized", () =>
    Effect.gen(function*() {
      const file = yield* tempFile("clip.mp4", mp4)
      const gate = yield* Deferred.make<void>()
      const fake = makeFakeX({ initializeGate: Deferred.await(gate) })
      const upload = yield* Effect.fork(
        Uploader.uploadFile(file, { chunkSize: 5000, concurrency: 1 }).pipe(provide(fake))
      )
      // preflight saw 24006 bytes and INITIALIZE announced them; now the file loses all but 10000
      yield* eventually(() => fake.requests.length === 1)
      truncateSync(file, 10000)
      yield* Deferred.succeed(gate, undefined)
      const error = yield* Effect.flip(Fiber.join(upload))
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, `"${file}" changed or became unreadable while it was being uploaded`)
      assert.include(error.message, "it ended before byte 15000")
      assert.deepStrictEqual(fake.requests.filter((r) => r.path.endsWith("/append")).map((r) => r.segmentIndex), [0, 1])
      assert.isFalse(fake.requests.some((r) => r.path.endsWith("/finalize")))
    }))

  it.scoped("a file written to in place (same size) or grown during the upload fails before FINALIZE, not sent mixed", () =>
    Effect.gen(function*() {
      for (const change of ["overwrite", "grow"] as const) {
        const file = yield* tempFile("clip.mp4", mp4)
        utimesSync(file, new Date(1_700_000_000_000), new Date(1_700_000_000_000)) // a modification time in the past
        const gate = yield* Deferred.make<void>()
        const fake = makeFakeX({ initializeGate: Deferred.await(gate) })
        const upload = yield* Effect.fork(
          Uploader.uploadFile(file, { chunkSize: 5000, concurrency: 1 }).pipe(provide(fake))
        )
        yield* eventually(() => fake.requests.length === 1)
        if (change === "overwrite") writeFileSync(file, new Uint8Array(mp4.length).fill(7)) // a re-encode in place
        else appendFileSync(file, new Uint8Array(1000))
        yield* Deferred.succeed(gate, undefined)
        const error = yield* Effect.flip(Fiber.join(upload))
        assert.strictEqual(error._tag, "InvalidInput", change)
        assert.include(error.message, `"${file}" changed or became unreadable while it was being uploaded`)
        assert.include(error.message, change === "overwrite" ? "it was written to" : "its size went from 24006 to 25006")
        assert.isFalse(fake.requests.some((r) => r.path.endsWith("/finalize")), change)
      }
    }))
})

describe("Uploader bad input (no network call)", () => {
  const cases: ReadonlyArray<readonly [string, string | Uint8Array, Uploader.Options, string]> = [
    ["a missing file", path("missing.mp4"), {}, "no file at"],
    ["a directory", path("x-examples"), {}, "is a directory"],
    ["an empty file", path("empty.bin"), {}, "is empty"],
    ["an unknown category", path("sample.mp4"), { mediaCategory: "video" as Ids.MediaCategory }, "is not a media category"],
    ["a category that does not fit", path("video-named-as.png"), { mediaCategory: "tweet_image" }, "cannot be uploaded as"],
    ["a bad concurrency", path("sample.mp4"), { concurrency: 0 }, "concurrency must be"],
    ["a chunk size over 5 MB", path("sample.mp4"), { chunkSize: 5_000_001 }, "chunkSize must be"],
    ["a poll interval that is not a duration", path("sample.mp4"), { pollInterval: "5 sec" as "5 seconds" }, "pollInterval must be a finite duration"],
    ["a zero poll interval", path("sample.mp4"), { pollInterval: 0 }, "pollInterval must be at least 1 s"],
    ["a max poll interval below the poll interval", path("sample.mp4"), { pollInterval: "10 seconds", maxPollInterval: "5 seconds" }, "must not be below pollInterval"],
    ["a processing timeout that is not a duration", path("sample.mp4"), { processingTimeout: "soon" as "1 minute" }, "processingTimeout must be a finite duration"],
    ["an infinite poll interval", path("sample.mp4"), { pollInterval: Infinity }, "pollInterval must be a finite duration"],
    ["a broken subtitle file", path("broken.srt"), {}, "line 6"]
  ]
  for (const [name, source, options, expected] of cases) {
    it.effect(`refuses ${name}`, () =>
      Effect.gen(function*() {
        const fake = makeFakeX()
        const error = yield* Effect.flip(Uploader.uploadFile(source, options).pipe(provide(fake)))
        assert.strictEqual(error._tag, "InvalidInput")
        assert.include(error.message, expected)
        assert.strictEqual(fake.requests.length, 0)
      }))
  }
})

describe("Uploader.uploadFileStream", () => {
  it.effect("streams the progress events and ends with Completed", () =>
    Effect.gen(function*() {
      const fake = makeFakeX({ finalize: { state: "pending", check_after_secs: 1 } })
      const seen = recorder()
      const fiber = yield* Effect.fork(
        Uploader.uploadFileStream(path("sample.mp4"), { chunkSize: 10000, onProgress: seen.onProgress }).pipe(
          Stream.runCollect,
          provide(fake)
        )
      )
      yield* eventually(() => seen.events.some((e) => e._tag === "Processing"))
      yield* TestClock.adjust("1 second")
      const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      assert.deepStrictEqual(events.map((e) => e._tag), [
        "Initialized",
        "SegmentSent",
        "SegmentSent",
        "SegmentSent",
        "Finalized",
        "Processing",
        "Completed"
      ])
    }))

  it.effect("fails the stream with the upload's error", () =>
    Effect.gen(function*() {
      const fake = makeFakeX()
      const error = yield* Effect.flip(
        Uploader.uploadFileStream(path("empty.bin")).pipe(Stream.runCollect, provide(fake))
      )
      assert.strictEqual(error._tag, "InvalidInput")
    }))
})
