/**
 * Two ways X's media processing departs from its documented flow, reproduced by fault rules and checked over real
 * HTTP on 127.0.0.1 (raw answers in strict mode, and @xmedia/core's `Uploader.uploadFile` against them):
 *
 * - `omitCheckAfterSecs`: `processing_info` without `check_after_secs` (X's quickstart STATUS example has none;
 *   peers.md (c)6: tweepy's KeyError, twitter-api-v2's early return). Core then waits `pollInterval`, x1.5 per
 *   missing value.
 * - `processingFailure` with `state: "in_progress"`: the error reported while still `in_progress`, stuck at 99 %
 *   (peers.md (c)5: node-twitter-api-v2#483). Core fails with `XError.ProcessingFailed` instead of polling forever.
 *
 * The emulator runs on the test's `TestClock` (`layer` shares it), so core's waits are driven with
 * `TestClock.adjust`; nothing sleeps for real.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Auth, Uploader, XClient } from "@xmedia/core"
import { Chunk, Clock, Effect, Either, Fiber, Layer, Queue, Redacted, TestClock } from "effect"
import { Emulator, Identities } from "../src/index.js"
import { at, call, DEV_TOKEN, fixture, oauth1Header, uploadChunked } from "./helpers.js"

const clientLayer = Layer.unwrapEffect(Effect.map(Emulator.Emulator, (emulator) =>
  XClient.layer({
    baseUrl: emulator.url,
    uploadBaseUrl: emulator.url,
    auth: Auth.oauth2User({ accessToken: Redacted.make(DEV_TOKEN) })
  }).pipe(Layer.provide(NodeHttpClient.layer))))

const addFault = (rule: Emulator.FaultRule) =>
  Effect.map(call("POST", "/_emulator/faults", { token: null, json: { rules: [rule] } }), (res) => {
    assert.strictEqual(res.status, 201, res.text)
    return res
  })

const status = (id: string) =>
  Effect.map(call("GET", `/2/media/upload?command=STATUS&media_id=${id}`), (res) => {
    assert.strictEqual(res.status, 200, res.text)
    return at(res.json, "data", "processing_info")
  })

/** v1.1 STATUS, signed with the dev OAuth 1.0a user (timestamps near the TestClock's epoch 0). */
let nonce = 0
const v1Status = (id: string) => {
  const path = `/1.1/media/upload.json?command=STATUS&media_id=${id}`
  const authorization = oauth1Header("GET", "https://upload.twitter.com/1.1/media/upload.json", { command: "STATUS", media_id: id }, undefined, {
    timestamp: 1,
    nonce: `variants-${++nonce}`
  })
  return Effect.map(call("GET", path, { token: null, headers: { authorization } }), (res) => {
    assert.strictEqual(res.status, 200, res.text)
    return at(res.json, "processing_info")
  })
}

/** INITs a `tweet_video` upload of the sample MP4, returns its id (so a rule can name it before FINALIZE). */
const initVideo = Effect.map(
  call("POST", "/2/media/upload/initialize", {
    json: { media_type: "video/mp4", total_bytes: fixture("sample.mp4").length, media_category: "tweet_video" }
  }),
  (res) => String(at(res.json, "data", "id"))
)

/** APPENDs the sample MP4 to `id` in one segment and FINALIZEs it; answers FINALIZE's `processing_info`. */
const appendAndFinalize = (id: string) =>
  Effect.gen(function*() {
    const append = yield* call("POST", `/2/media/upload/${id}/append`, {
      form: [["segment_index", "0"], ["media", { bytes: fixture("sample.mp4"), filename: "v.mp4" }]]
    })
    assert.strictEqual(append.status, 200, append.text)
    const fin = yield* call("POST", `/2/media/upload/${id}/finalize`)
    assert.strictEqual(fin.status, 200, fin.text)
    return at(fin.json, "data", "processing_info")
  })

/** How many STATUS calls (v2) the emulator answered. */
const statusCalls = Effect.map(
  Effect.flatMap(Emulator.Emulator, (e) => e.requests),
  (entries) => entries.filter((e) => e.operation === "media.status").length
)

/** Waits (yielding, never sleeping) until some fiber sleeps on the TestClock until epoch ms `wakeAt`. */
const sleepingUntil = (wakeAt: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 20_000; i++) {
      if (Chunk.toReadonlyArray(yield* TestClock.sleeps()).includes(wakeAt)) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`nothing sleeps until ${wakeAt}; sleeps: ${Chunk.toReadonlyArray(yield* TestClock.sleeps())}`)
  })

/** The `Processing` events of an upload, in a queue the test takes them from. */
const processingEvents = Effect.map(Queue.unbounded<Uploader.Processing>(), (queue) => ({
  queue,
  onProgress: (event: Uploader.Progress) => (event._tag === "Processing" ? Queue.offer(queue, event).pipe(Effect.asVoid) : Effect.void)
}))

/**
 * Takes the next `Processing` event, checks core announced a wait of `waitMs`, then lets exactly that time pass on the
 * TestClock: 1 ms short of it no STATUS has been made (`statusesBefore`), at it the next STATUS goes out.
 */
const pollAfter = (queue: Queue.Queue<Uploader.Processing>, waitMs: number, statusesBefore: number) =>
  Effect.gen(function*() {
    const event = yield* Queue.take(queue)
    assert.strictEqual(event.nextCheckMs, waitMs)
    yield* sleepingUntil((yield* Clock.currentTimeMillis) + waitMs)
    yield* TestClock.adjust(waitMs - 1)
    assert.strictEqual(yield* statusCalls, statusesBefore)
    yield* TestClock.adjust(1)
    return event
  })

layer(Layer.mergeAll(Emulator.layer({ processing: Emulator.afterPolls(2), strict: true }), NodeHttpClient.layer))(
  "processing variants set over the admin API",
  (it) => {
    it.effect("omitCheckAfterSecs for one media id: FINALIZE and STATUS (v2 and v1.1) carry no check_after_secs; other media do", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const id = yield* initVideo
        yield* addFault({ id: "no-check", match: { mediaId: id }, fault: { kind: "omitCheckAfterSecs" } })
        assert.deepStrictEqual(yield* appendAndFinalize(id), { state: "pending" })
        assert.deepStrictEqual(yield* status(id), { state: "in_progress", progress_percent: 50 })
        assert.deepStrictEqual(yield* v1Status(id), { state: "succeeded", progress_percent: 100 })
        assert.deepStrictEqual(yield* status(id), { state: "succeeded", progress_percent: 100 })
        const view = yield* emulator.media(id)
        assert.strictEqual(view?.processing?.omitCheckAfterSecs, true)
        const admin = yield* call("GET", `/_emulator/media/${id}`, { token: null })
        assert.strictEqual(at(admin.json, "processing", "omitCheckAfterSecs"), true)

        // another media id is not matched: X's documented shape
        const other = yield* uploadChunked(fixture("sample.mp4"), "video/mp4", "tweet_video")
        assert.deepStrictEqual(at(other.finalize.json, "data", "processing_info"), { state: "pending", check_after_secs: 1 })
        assert.deepStrictEqual(yield* status(other.id), { state: "in_progress", check_after_secs: 1, progress_percent: 50 })
        assert.isUndefined((yield* emulator.media(other.id))?.processing?.omitCheckAfterSecs)
        // the rule fired once: for the one FINALIZE of its media
        const listed = yield* call("GET", "/_emulator/faults", { token: null })
        assert.deepStrictEqual(at(listed.json, "rules", 0, "fired"), 1)
      }))

    it.effect("processingFailure with state in_progress: in_progress + error at 99 % (and stays there) instead of failed", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        const id = yield* initVideo
        yield* addFault({
          match: { mediaId: id },
          fault: { kind: "processingFailure", state: "in_progress", code: 3, name: "UnsupportedMedia", message: "Injected while in progress" }
        })
        const error = { code: 3, name: "UnsupportedMedia", message: "Injected while in progress" }
        assert.deepStrictEqual(yield* appendAndFinalize(id), { state: "pending", check_after_secs: 1 })
        assert.deepStrictEqual(yield* status(id), { state: "in_progress", check_after_secs: 1, progress_percent: 50 })
        const stuck = { state: "in_progress", check_after_secs: 1, progress_percent: 99, error }
        assert.deepStrictEqual(yield* status(id), stuck)
        assert.deepStrictEqual(yield* status(id), stuck)
        assert.deepStrictEqual(yield* v1Status(id), stuck)
        const view = yield* call("GET", `/_emulator/media/${id}`, { token: null })
        assert.deepStrictEqual(at(view.json, "processing", "outcome"), { state: "failed", error, reportedAs: "in_progress" })
        // never postable
        const post = yield* call("POST", "/2/tweets", { json: { text: "stuck", media: { media_ids: [id] } } })
        assert.strictEqual(post.status, 400)
        assert.strictEqual(at(post.json, "errors", 0, "message"), "Your media IDs are invalid.")
      }))

    it.effect("both faults on one media id give the body node-twitter-api-v2#483 observed: in_progress, 99 %, error, no check_after_secs", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        yield* emulator.setProcessing(Emulator.immediate)
        const id = yield* initVideo
        yield* addFault({ match: { mediaId: id }, fault: { kind: "processingFailure", state: "in_progress" } })
        yield* addFault({ match: { mediaId: id }, fault: { kind: "omitCheckAfterSecs" } })
        const observed = {
          state: "in_progress",
          progress_percent: 99,
          error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" }
        }
        assert.deepStrictEqual(yield* appendAndFinalize(id), observed)
        assert.deepStrictEqual(yield* status(id), observed)
      }))

    it.effect("core's uploadFile stops on the in-progress error: XError.ProcessingFailed with X's code, name and message", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.reset
        yield* addFault({
          match: { operation: "media.finalize" },
          count: 1,
          fault: { kind: "processingFailure", state: "in_progress", code: 1, name: "InvalidMedia", message: "Stuck while in progress" }
        })
        const { onProgress, queue } = yield* processingEvents
        const fiber = yield* Effect.fork(Effect.either(Uploader.uploadFile(fixture("sample.mp4"), { onProgress, pollInterval: "7 seconds" })))
        // FINALIZE: pending, check_after_secs 1 -> 1 s; STATUS 1: in_progress 50 %, check_after_secs 1 -> 1 s
        assert.strictEqual((yield* pollAfter(queue, 1000, 0)).state, "pending")
        assert.strictEqual((yield* pollAfter(queue, 1000, 1)).percent, 50)
        // STATUS 2: in_progress + error -> failure, no further polling
        const result = yield* Fiber.join(fiber)
        assert.isTrue(Either.isLeft(result))
        if (Either.isLeft(result)) {
          const error = result.left
          assert.strictEqual(error._tag, "ProcessingFailed")
          if (error._tag === "ProcessingFailed") {
            assert.deepStrictEqual([error.code, error.errorName, error.detail], [1, "InvalidMedia", "Stuck while in progress"])
            assert.match(error.mediaId, /^[0-9]{19}$/)
            // what the emulator last reported was in_progress + error, not failed
            const record = yield* emulator.media(error.mediaId)
            assert.strictEqual(record?.processing?.polls, 2)
            const last = record?.processing?.history.at(-1)
            assert.deepStrictEqual([last?.state, last?.progress_percent], ["in_progress", 99])
          }
        }
        assert.strictEqual(yield* statusCalls, 2)
        assert.isTrue(yield* Queue.isEmpty(queue))
      }).pipe(Effect.provide(clientLayer)))
  }
)

layer(
  Layer.mergeAll(
    Emulator.layer({
      processing: Emulator.afterPolls(3),
      strict: true,
      faults: [{ id: "no-check-after-secs", fault: { kind: "omitCheckAfterSecs" } }]
    }),
    NodeHttpClient.layer
  )
)("omitCheckAfterSecs for all media, from Emulator.layer({ faults })", (it) => {
  it.effect("core's uploadFile waits pollInterval, x1.5 per missing check_after_secs, and completes", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const { onProgress, queue } = yield* processingEvents
      const fiber = yield* Effect.fork(Uploader.uploadFile(fixture("sample.mp4"), { onProgress, pollInterval: "2 seconds" }))
      // FINALIZE: pending (no check_after_secs) -> 2 s; STATUS 1, 2: in_progress 33 %, 66 % -> 3 s, 4.5 s
      assert.strictEqual((yield* pollAfter(queue, 2000, 0)).state, "pending")
      assert.strictEqual((yield* pollAfter(queue, 3000, 1)).percent, 33)
      assert.strictEqual((yield* pollAfter(queue, 4500, 2)).percent, 66)
      const media = yield* Fiber.join(fiber)
      assert.deepStrictEqual(media.media.processing_info, { state: "succeeded", progress_percent: 100 })
      assert.strictEqual(yield* statusCalls, 3)
      assert.strictEqual((yield* emulator.media(media.mediaId))?.processing?.omitCheckAfterSecs, true)
    }).pipe(Effect.provide(clientLayer)))

  it.effect("every async media is affected (a GIF too); images have no processing_info at all", () =>
    Effect.gen(function*() {
      const gif = yield* uploadChunked(fixture("sample.gif"), "image/gif", "tweet_gif")
      assert.deepStrictEqual(at(gif.finalize.json, "data", "processing_info"), { state: "pending" })
      assert.deepStrictEqual(yield* status(gif.id), { state: "in_progress", progress_percent: 33 })
      const png = yield* uploadChunked(fixture("sample.png"), "image/png", "tweet_image")
      assert.isUndefined(at(png.finalize.json, "data", "processing_info"))
      // a reset restores the configured rule: still omitted afterwards
      const emulator = yield* Emulator.Emulator
      yield* emulator.reset
      const again = yield* uploadChunked(fixture("sample.mp4"), "video/mp4", "tweet_video")
      assert.deepStrictEqual(at(again.finalize.json, "data", "processing_info"), { state: "pending" })
    }))
})

describe("processing variants in the config file", () => {
  it.effect("parseConfig decodes omitCheckAfterSecs and processingFailure's state; a bad state is refused", () =>
    Effect.gen(function*() {
      const rules = [
        { fault: { kind: "omitCheckAfterSecs" } },
        { match: { operation: "media.finalize" }, fault: { kind: "processingFailure", state: "in_progress", code: 1 } }
      ]
      const config = yield* Identities.parseConfig(JSON.stringify({ faults: rules }))
      assert.deepStrictEqual(config.faults, [
        { match: {}, fault: { kind: "omitCheckAfterSecs" } },
        { match: { operation: "media.finalize" }, fault: { kind: "processingFailure", state: "in_progress", code: 1 } }
      ])
      const bad = yield* Effect.either(
        Identities.parseConfig(JSON.stringify({ faults: [{ fault: { kind: "processingFailure", state: "pending" } }] }))
      )
      assert.isTrue(Either.isLeft(bad))
    }))
})
