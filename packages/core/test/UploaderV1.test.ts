/**
 * The chunked uploader on X's v1.1 endpoints (`protocol: "v1.1"`): a fake upload host answering
 * `media/upload.json` INIT / APPEND / FINALIZE / STATUS as X does (202, 204, 200, `media_id_string`), checked for
 * the commands sent, the bytes reassembled, per-segment retry, the processing wait, resume, and the v2 default.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted, TestClock } from "effect"
import { readFileSync } from "node:fs"
import * as Auth from "../src/Auth.js"
import * as Ids from "../src/Ids.js"
import * as Retry from "../src/Retry.js"
import * as SubtitleFile from "../src/SubtitleFile.js"
import * as Uploader from "../src/Uploader.js"
import * as XClient from "../src/XClient.js"
import {
  assemble,
  eventually,
  fixturePath,
  json,
  makeFakeX,
  MEDIA_ID,
  noBackoff,
  parseAppend,
  recorder,
  type Script
} from "./UploaderFakeX.js"

const path = fixturePath
const mp4 = new Uint8Array(readFileSync(path("sample.mp4")))

const oauth1 = Auth.oauth1User({
  consumerKey: Redacted.make("ck"),
  consumerSecret: Redacted.make("cs"),
  accessToken: Redacted.make("at"),
  accessTokenSecret: Redacted.make("ats")
})

interface V1Request {
  readonly method: string
  readonly host: string
  readonly path: string
  readonly command: string | undefined
  readonly mediaId: string | undefined
  readonly segmentIndex?: number
  readonly authorization: string | undefined
  /** INIT's `media_type`. */
  readonly mediaType?: string | undefined
}

type V1Script = Pick<Script, "finalize" | "statuses" | "appendFailures">

/** A fake v1.1 upload host (`https://upload.fake.test/1.1/media/upload.json`). */
const makeFakeV1 = (script: V1Script = {}) => {
  const requests: Array<V1Request> = []
  const segments = new Map<number, Uint8Array>()
  const appendCounts = new Map<number, number>()
  const failuresLeft = new Map(script.appendFailures ?? [])
  let statusCalls = 0
  const media = { media_id: 1880028106020515840, media_id_string: MEDIA_ID, media_key: `7_${MEDIA_ID}` }

  const client = HttpClient.make((request, url) =>
    Effect.sync(() => {
      const base = { method: request.method, host: url.host, path: url.pathname, authorization: request.headers["authorization"] }
      if (url.pathname !== "/1.1/media/upload.json") {
        requests.push({ ...base, command: undefined, mediaId: undefined })
        return json(request, 404, { errors: [{ code: 34, message: "Sorry, that page does not exist." }] })
      }
      const body = request.body
      const contentType = body._tag === "Uint8Array" ? body.contentType : ""
      if (body._tag === "Uint8Array" && contentType.startsWith("multipart/form-data")) {
        const text = new TextDecoder("latin1").decode(body.body.subarray(0, 1024))
        const field = (name: string) => new RegExp(`name="${name}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(text)?.[1]
        const { media: bytes, segmentIndex } = parseAppend(contentType, body.body)
        requests.push({ ...base, command: field("command"), mediaId: field("media_id"), segmentIndex })
        appendCounts.set(segmentIndex, (appendCounts.get(segmentIndex) ?? 0) + 1)
        const left = failuresLeft.get(segmentIndex) ?? 0
        if (left > 0) {
          failuresLeft.set(segmentIndex, left - 1)
          return json(request, 503, { errors: [{ code: 131, message: "Internal error" }] })
        }
        segments.set(segmentIndex, bytes)
        return HttpClientResponse.fromWeb(request, new Response(null, { status: 204 }))
      }
      const params = request.method === "GET"
        ? url.searchParams
        : new URLSearchParams(body._tag === "Uint8Array" ? new TextDecoder().decode(body.body) : "")
      const command = params.get("command") ?? undefined
      requests.push({
        ...base,
        command,
        mediaId: params.get("media_id") ?? undefined,
        mediaType: params.get("media_type") ?? undefined
      })
      if (request.method === "POST" && command === "INIT") {
        return json(request, 202, { ...media, expires_after_secs: 86399 })
      }
      if (request.method === "POST" && command === "FINALIZE") {
        let size = 0
        for (const s of segments.values()) size += s.length
        return json(request, 201, {
          ...media,
          size,
          expires_after_secs: 86400,
          ...(script.finalize ? { processing_info: script.finalize } : {})
        })
      }
      if (request.method === "GET" && command === "STATUS") {
        const statuses = script.statuses ?? [{ state: "succeeded", progress_percent: 100 }]
        const info = statuses[Math.min(statusCalls, statuses.length - 1)]
        statusCalls++
        return json(request, 200, { ...media, processing_info: info })
      }
      return json(request, 400, { errors: [{ code: 38, message: "command parameter is missing." }] })
    })
  )

  const layerWith = (auth: Auth.Credentials) =>
    Layer.merge(
      XClient.layer({ baseUrl: "https://api.fake.test", uploadBaseUrl: "https://upload.fake.test", auth }).pipe(
        Layer.provide(Layer.succeed(HttpClient.HttpClient, client))
      ),
      NodeContext.layer
    )

  return {
    requests,
    segments,
    appendsOf: (index: number) => appendCounts.get(index) ?? 0,
    layer: layerWith(oauth1),
    layerWith,
    assembled: () => assemble(segments)
  }
}

describe("Uploader.uploadFile with protocol: \"v1.1\"", () => {
  it.effect("sends INIT / APPEND / FINALIZE / STATUS to /1.1/media/upload.json and reassembles the file", () =>
    Effect.gen(function*() {
      const fake = makeFakeV1({
        finalize: { state: "pending", check_after_secs: 1 },
        statuses: [
          { state: "in_progress", check_after_secs: 2, progress_percent: 50 },
          { state: "succeeded", progress_percent: 100 }
        ]
      })
      const { events, onProgress } = recorder()
      const fiber = yield* Effect.fork(
        Uploader.uploadFile(path("sample.mp4"), { protocol: "v1.1", chunkSize: 5000, concurrency: 2, onProgress }).pipe(
          Effect.provide(fake.layer)
        )
      )
      const processing = () => events.filter((e) => e._tag === "Processing").length
      yield* eventually(() => processing() === 1)
      yield* TestClock.adjust("999 millis")
      assert.isFalse(fake.requests.some((r) => r.command === "STATUS"), "no STATUS before check_after_secs")
      yield* TestClock.adjust("1 millis")
      yield* eventually(() => processing() === 2)
      yield* TestClock.adjust("2 seconds")
      const media = yield* Fiber.join(fiber)

      assert.strictEqual(media.mediaId, MEDIA_ID)
      assert.strictEqual(media.mediaKey, `7_${MEDIA_ID}`)
      assert.strictEqual(media.mediaCategory, "tweet_video")
      assert.strictEqual(media.media.processing_info?.state, "succeeded")
      assert.deepStrictEqual(fake.assembled(), mp4)
      // every call went to the v1.1 upload host, signed with OAuth 1.0a
      for (const r of fake.requests) {
        assert.deepStrictEqual([r.host, r.path], ["upload.fake.test", "/1.1/media/upload.json"])
        assert.match(r.authorization ?? "", /^OAuth .*oauth_signature=/)
      }
      const appends = fake.requests.filter((r) => r.command === "APPEND")
      assert.deepStrictEqual(appends.map((r) => r.segmentIndex).sort(), [0, 1, 2, 3, 4])
      assert.isTrue(appends.every((r) => r.method === "POST" && r.mediaId === MEDIA_ID))
      assert.deepStrictEqual(
        fake.requests.filter((r) => r.command !== "APPEND").map((r) => [r.method, r.command, r.mediaId]),
        [
          ["POST", "INIT", undefined],
          ["POST", "FINALIZE", MEDIA_ID],
          ["GET", "STATUS", MEDIA_ID],
          ["GET", "STATUS", MEDIA_ID]
        ]
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
      const init = events[0] as Uploader.Initialized
      assert.strictEqual(init.expiresAt, 86_399_000)
    }))

  it.effect("retries a failing v1.1 segment on its own, with Retrying events", () =>
    Effect.gen(function*() {
      const fake = makeFakeV1({ appendFailures: new Map([[3, 2]]) })
      const { events, onProgress } = recorder()
      const fiber = yield* Effect.fork(
        Uploader.uploadFile(mp4, {
          protocol: "v1.1",
          chunkSize: 5000,
          retry: noBackoff,
          onProgress
        }).pipe(Effect.provide(fake.layer))
      )
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual([0, 1, 2, 3, 4].map(fake.appendsOf), [1, 1, 1, 3, 1])
      const retries = events.filter((e): e is Uploader.Retrying => e._tag === "Retrying")
      assert.deepStrictEqual(retries.map((e) => [e.operation, e.segmentIndex, e.attempt, e.delayMs]), [
        ["append", 3, 1, 1000],
        ["append", 3, 2, 2000]
      ])
      assert.strictEqual(fake.requests.filter((r) => r.command === "INIT").length, 1)
      assert.strictEqual(fake.requests.filter((r) => r.command === "FINALIZE").length, 1)
      assert.deepStrictEqual(fake.assembled(), mp4)
    }))

  it.effect("resumes a v1.1 upload: no INIT, only the missing segments", () =>
    Effect.gen(function*() {
      const fake = makeFakeV1()
      yield* Uploader.uploadFile(path("sample.mp4"), {
        protocol: "v1.1",
        resume: { mediaId: Ids.MediaId.make(MEDIA_ID), chunkSize: 5000, acknowledgedSegments: [0, 2, 4] }
      }).pipe(Effect.provide(fake.layer))
      assert.deepStrictEqual(fake.requests.map((r) => r.command).filter((c) => c !== "APPEND"), ["FINALIZE"])
      assert.deepStrictEqual(fake.requests.filter((r) => r.command === "APPEND").map((r) => r.segmentIndex).sort(), [1, 3])
      assert.deepStrictEqual(fake.segments.get(3), mp4.slice(15000, 20000))
    }))

  it.effect("a WebVTT file goes to v1.1 as SRT (X's v1.1 subtitles take SRT only), unless subtitlesAs says as-is", () =>
    Effect.gen(function*() {
      const vtt = new Uint8Array(readFileSync(path("sample.fr.vtt")))
      const srt = yield* SubtitleFile.toSrt(new TextDecoder().decode(vtt))
      const fake = makeFakeV1()
      const media = yield* Uploader.uploadFile(vtt, { protocol: "v1.1" }).pipe(Effect.provide(fake.layer))
      assert.strictEqual(media.mediaType, "text/srt")
      assert.strictEqual(fake.requests.find((r) => r.command === "INIT")?.mediaType, "text/srt")
      assert.strictEqual(new TextDecoder().decode(fake.assembled()), srt)
      const asIs = makeFakeV1()
      yield* Uploader.uploadFile(vtt, { protocol: "v1.1", subtitlesAs: "as-is" }).pipe(Effect.provide(asIs.layer))
      assert.strictEqual(asIs.requests.find((r) => r.command === "INIT")?.mediaType, "text/vtt")
      assert.deepStrictEqual(asIs.assembled(), vtt)
    }))

  it.effect("refuses v1.1 with OAuth 2.0 credentials before any network call", () =>
    Effect.gen(function*() {
      const fake = makeFakeV1()
      const error = yield* Effect.flip(
        Uploader.uploadFile(mp4, { protocol: "v1.1" }).pipe(
          Effect.provide(fake.layerWith(Auth.oauth2User({ accessToken: Redacted.make("t") })))
        )
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, "OAuth 1.0a")
      assert.strictEqual(fake.requests.length, 0)
    }))

  it.effect("refuses an unknown protocol before any network call", () =>
    Effect.gen(function*() {
      const fake = makeFakeV1()
      const error = yield* Effect.flip(
        Uploader.uploadFile(mp4, { protocol: "v3" as Uploader.Protocol }).pipe(Effect.provide(fake.layer))
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, "protocol must be")
      assert.strictEqual(fake.requests.length, 0)
    }))
})

describe("Uploader protocol default", () => {
  it.effect("without `protocol` (or with \"v2\") the uploader uses the v2 routes", () =>
    Effect.gen(function*() {
      for (const options of [{}, { protocol: "v2" as const }]) {
        const fake = makeFakeX()
        yield* Uploader.uploadFile(mp4, { chunkSize: 10000, ...options }).pipe(
          Effect.provide(Layer.merge(fake.layer, NodeContext.layer))
        )
        assert.deepStrictEqual(
          fake.requests.map((r) => r.path.replace(MEDIA_ID, "ID")),
          [
            "/2/media/upload/initialize",
            ...[0, 1, 2].map(() => "/2/media/upload/ID/append"),
            "/2/media/upload/ID/finalize"
          ]
        )
        assert.deepStrictEqual(fake.assembled(), mp4)
      }
      // and a v1.1 fake host sees nothing from a default upload
      const v1 = makeFakeV1()
      const error = yield* Effect.flip(Uploader.uploadFile(mp4, { retry: Retry.none }).pipe(Effect.provide(v1.layer)))
      assert.strictEqual(error._tag, "NotFound")
      assert.deepStrictEqual(v1.requests.map((r) => [r.host, r.path]), [["api.fake.test", "/2/media/upload/initialize"]])
    }))
})
