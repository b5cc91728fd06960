import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option, Redacted, TestClock } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Auth, Ids, MediaUpload, MediaV1, OAuth1, Retry } from "../src/index.js"
import * as V1Upload from "../src/internal/v1Upload.js"
import { example, fakeClient, type Recorded, type Reply } from "./utils/FakeHttp.js"

const oauth1 = {
  consumerKey: Redacted.make("v1-consumer-key"),
  consumerSecret: Redacted.make("V1-CONSUMER-SECRET-xyz"),
  accessToken: Redacted.make("1000000000000000001-v1token"),
  accessTokenSecret: Redacted.make("V1-TOKEN-SECRET-uvw")
}
const UPLOAD = "https://upload.twitter.com/1.1/media/upload.json"

const v1Client = (handler: (request: Recorded, index: number) => Reply) =>
  fakeClient(handler, { auth: Auth.oauth1User(oauth1) })

const fixtureText = (name: string) =>
  readFileSync(fileURLToPath(new URL(`./fixtures/x-examples/${name}`, import.meta.url)), "utf8")

/** Recomputes the OAuth 1.0a signature X would compute for a recorded request and compares. */
const assertSigned = (recorded: Recorded, bodyParams: ReadonlyArray<OAuth1.Param> = []) => {
  const header = Option.getOrThrow(OAuth1.parseAuthorizationHeader(recorded.headers["authorization"]!))
  const get = (name: string) => header.find(([k]) => k === name)![1]
  assert.strictEqual(get("oauth_consumer_key"), "v1-consumer-key")
  assert.strictEqual(get("oauth_token"), "1000000000000000001-v1token")
  const expected = OAuth1.protocolParameters(oauth1, { method: recorded.method, url: recorded.url, bodyParams }, {
    nonce: get("oauth_nonce"),
    timestamp: Number(get("oauth_timestamp"))
  })
  assert.strictEqual(get("oauth_signature"), expected.find(([k]) => k === "oauth_signature")![1])
}

const formOf = (recorded: Recorded) => OAuth1.formParams(recorded.text ?? "")

describe("MediaV1.initialize", () => {
  it.effect("sends a signed form-urlencoded INIT and reads media_id_string from X's 202", () => {
    const fake = v1Client(() => ({ status: 202, body: example("v1-media-upload-init.response.chunked-guide.json") }))
    return Effect.gen(function*() {
      const init = yield* MediaV1.initialize({
        total_bytes: 4430752,
        media_type: "video/mp4",
        media_category: "tweet_video",
        additional_owners: ["1000000000000000002", "1000000000000000003"]
      })
      assert.strictEqual(init.media_id_string, "601413451156586496")
      assert.strictEqual(init.expires_after_secs, 3599)
      const [req] = fake.requests
      assert.strictEqual(req!.method, "POST")
      assert.strictEqual(`${req!.url.origin}${req!.url.pathname}`, UPLOAD)
      assert.match(req!.headers["content-type"]!, /^application\/x-www-form-urlencoded/)
      assert.deepStrictEqual(formOf(req!), [
        ["command", "INIT"],
        ["total_bytes", "4430752"],
        ["media_type", "video/mp4"],
        ["media_category", "tweet_video"],
        ["additional_owners", "1000000000000000002,1000000000000000003"]
      ])
      assertSigned(req!, formOf(req!)) // url-encoded body parameters are part of the signature
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("accepts X's INIT reference example (with its stray size and image)", () => {
    const fake = v1Client(() => ({ status: 202, body: example("v1-media-upload-init.response.json") }))
    return Effect.gen(function*() {
      const init = yield* MediaV1.initialize({ total_bytes: 11065, media_type: "image/jpeg" })
      assert.strictEqual(init.media_id_string, "710511363345354753")
      assert.deepStrictEqual(init.image, { image_type: "image/jpeg", w: 800, h: 320 })
      // compile-time: v1.1's error type leaves out what only OAuth 2.0 or v2 produce
      // @ts-expect-error TokenRefreshFailed is not in MediaV1's error type (v1.1 takes OAuth 1.0a only)
      void Effect.catchTag(MediaV1.status("1"), "TokenRefreshFailed", () => Effect.void)
      // @ts-expect-error UsageCapped is a v2 problem, not among v1.1's error codes
      void Effect.catchTag(MediaV1.initialize({ total_bytes: 1, media_type: "image/png" }), "UsageCapped", () => Effect.void)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("never reads the numeric media_id (it loses precision)", () => {
    const fake = v1Client(() => ({ status: 200, raw: fixtureText("v1-media-upload.response.tutorial.json") }))
    return Effect.gen(function*() {
      const media = yield* MediaV1.upload({ media: new Uint8Array([1, 2, 3]), media_category: "tweet_image" })
      // the JSON number 931270813906374700 is not the id; the string is
      assert.strictEqual(media.media_id_string, "931270813906374657")
      assert.strictEqual(media.media_key, "3_931270813906374657")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a 19-digit id beyond 2^53 survives exactly", () => {
    const fake = v1Client(() => ({
      status: 202,
      raw: `{"media_id":9223372036854775807,"media_id_string":"9223372036854775807","expires_after_secs":86400}`
    }))
    return Effect.gen(function*() {
      const init = yield* MediaV1.initialize({ total_bytes: 10, media_type: "image/png" })
      assert.strictEqual(init.media_id_string, "9223372036854775807")
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaV1.append", () => {
  it.effect("sends multipart command/media_id/segment_index/media, signs without the multipart fields, takes 204", () => {
    const fake = v1Client(() => ({ status: 204 }))
    return Effect.gen(function*() {
      const bytes = new Uint8Array([0, 1, 2, 250, 251, 252])
      const result = yield* MediaV1.append({ media_id: "601413451156586496", segment_index: 3, media: bytes })
      assert.isUndefined(result)
      const [req] = fake.requests
      const form = req!.form!
      assert.strictEqual(form.get("command"), "APPEND")
      assert.strictEqual(form.get("media_id"), "601413451156586496")
      assert.strictEqual(form.get("segment_index"), "3")
      const media = form.get("media") as Blob
      assert.deepStrictEqual(new Uint8Array(yield* Effect.promise(() => media.arrayBuffer())), bytes)
      assertSigned(req!) // only oauth_* and query parameters
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("sends media_data (base64) with encoding: base64", () => {
    const fake = v1Client(() => ({ status: 204 }))
    return Effect.gen(function*() {
      yield* MediaV1.append({ media_id: "1", segment_index: 0, media: new Uint8Array([104, 105]), encoding: "base64" })
      const form = fake.requests[0]!.form!
      assert.strictEqual(form.get("media_data"), "aGk=")
      assert.isNull(form.get("media"))
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("refuses a segment index out of 0..999, an oversize chunk and an empty one without a request", () => {
    const fake = v1Client(() => ({ status: 204 }))
    return Effect.gen(function*() {
      const index = yield* Effect.flip(MediaV1.append({ media_id: "1", segment_index: 1000, media: new Uint8Array(1) }))
      assert.strictEqual(index._tag, "InvalidInput")
      assert.include(index.message, "0 to 999")
      const big = yield* Effect.flip(
        MediaV1.append({ media_id: "1", segment_index: 0, media: new Uint8Array(5_000_001) })
      )
      assert.strictEqual(big._tag, "InvalidInput")
      assert.include(big.message, "5 MB")
      const empty = yield* Effect.flip(MediaV1.append({ media_id: "1", segment_index: 0, media: new Uint8Array(0) }))
      assert.strictEqual(empty._tag === "InvalidInput" && empty.field, "media")
      assert.include(empty.message, "at least one byte")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaV1.finalize and status", () => {
  it.effect("FINALIZE sync (200) and async (201 with processing_info) per X's examples", () => {
    const replies = [
      { status: 200, body: example("v1-media-upload-finalize.response.sync.json") },
      { status: 201, body: example("v1-media-upload-finalize.response.async.json") },
      { status: 200, body: example("v1-media-upload-finalize.response.chunked-guide.json") }
    ]
    const fake = v1Client((_, i) => replies[i]!)
    return Effect.gen(function*() {
      const sync = yield* MediaV1.finalize("710511363345354753")
      assert.isUndefined(sync.processing_info)
      assert.deepStrictEqual(sync.video, { video_type: "video/mp4" })
      const async = yield* MediaV1.finalize("710511363345354753")
      assert.deepStrictEqual(async.processing_info, { state: "pending", check_after_secs: 5 })
      const guide = yield* MediaV1.finalize("601413451156586496")
      assert.strictEqual(guide.size, 4430752)
      const req = fake.requests[0]!
      assert.deepStrictEqual(formOf(req), [["command", "FINALIZE"], ["media_id", "710511363345354753"]])
      assertSigned(req, formOf(req))
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("STATUS is a signed GET with the query; in_progress and succeeded decode", () => {
    const replies = [
      { status: 200, body: example("v1-media-upload-status.response.in_progress.json") },
      { status: 200, body: example("v1-media-upload-status.response.succeeded.json") }
    ]
    const fake = v1Client((_, i) => replies[i]!)
    return Effect.gen(function*() {
      const running = yield* MediaV1.status("710511363345354753")
      assert.deepStrictEqual(running.processing_info, { state: "in_progress", check_after_secs: 10, progress_percent: 8 })
      const done = yield* MediaV1.status("710511363345354753")
      assert.strictEqual(done.processing_info?.state, "succeeded")
      const req = fake.requests[0]!
      assert.strictEqual(req.method, "GET")
      assert.strictEqual(req.url.searchParams.get("command"), "STATUS")
      assert.strictEqual(req.url.searchParams.get("media_id"), "710511363345354753")
      assertSigned(req)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a failed STATUS is ProcessingFailed with X's code, name and message", () => {
    const fake = v1Client(() => ({ status: 200, body: example("v1-media-upload-status.response.failed.json") }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MediaV1.status("710511363345354753"))
      assert.strictEqual(error._tag, "ProcessingFailed")
      if (error._tag !== "ProcessingFailed") return
      assert.strictEqual(error.mediaId, "710511363345354753")
      assert.strictEqual(error.code, 1)
      assert.strictEqual(error.errorName, "InvalidMedia")
      assert.strictEqual(error.detail, "Unsupported video format")
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaV1.upload (simple)", () => {
  it.effect("multipart with media, media_category and additional_owners; X's example response", () => {
    const fake = v1Client(() => ({ status: 200, body: example("v1-media-upload.response.json") }))
    return Effect.gen(function*() {
      const media = yield* MediaV1.upload({
        media: new Uint8Array([137, 80, 78, 71]),
        media_category: "tweet_image",
        additional_owners: ["1000000000000000002"]
      })
      assert.strictEqual(media.media_id_string, "710511363345354753")
      assert.strictEqual(media.size, 11065)
      const req = fake.requests[0]!
      assert.isNull(req.form!.get("command"))
      assert.strictEqual(req.form!.get("media_category"), "tweet_image")
      assert.strictEqual(req.form!.get("additional_owners"), "1000000000000000002")
      assert.instanceOf(req.form!.get("media"), Blob)
      assertSigned(req)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("decodes the Ads media-library example", () => {
    const fake = v1Client(() => ({ status: 200, body: example("v1-media-upload.response.ads-media-library.json") }))
    return Effect.gen(function*() {
      const media = yield* MediaV1.upload({ media: new Uint8Array([1]), encoding: "base64" })
      assert.strictEqual(media.media_id_string, "966947208837742592")
      assert.strictEqual(fake.requests[0]!.form!.get("media_data"), "AQ==")
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaV1 metadata and subtitles", () => {
  it.effect("metadata/create.json sends X's example body as JSON and takes a 200 without body", () => {
    const fake = v1Client(() => ({ status: 200 }))
    return Effect.gen(function*() {
      yield* MediaV1.createMetadata({ media_id: "692797692624265216", alt_text: { text: "dancing cat" } })
      const req = fake.requests[0]!
      assert.strictEqual(`${req.url.origin}${req.url.pathname}`, "https://upload.twitter.com/1.1/media/metadata/create.json")
      assert.strictEqual(req.headers["content-type"], "application/json; charset=UTF-8")
      assert.deepStrictEqual(JSON.parse(req.text!), example("v1-media-metadata-create.request.json"))
      assertSigned(req) // JSON bodies are not signed
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("alt text over 1000 characters is refused locally", () => {
    const fake = v1Client(() => ({ status: 200 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(
        MediaV1.createMetadata({ media_id: "692797692624265216", alt_text: { text: "é".repeat(1001) } })
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, "1000")
      // 1000 astral characters (2000 UTF-16 units) are fine: X counts characters
      yield* MediaV1.createMetadata({ media_id: "692797692624265216", alt_text: { text: "😀".repeat(1000) } })
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it("X's published subtitles examples are not valid JSON (the corrected shape is what is sent)", () => {
    assert.throws(() => JSON.parse(fixtureText("v1-media-subtitles-create.request.as-documented.txt")))
    assert.throws(() => JSON.parse(fixtureText("v1-media-subtitles-delete.request.as-documented.txt")))
  })

  it.effect("subtitles/create.json sends an array of {media_id, language_code, display_name}", () => {
    const fake = v1Client(() => ({ status: 200 }))
    return Effect.gen(function*() {
      const body = example("v1-media-subtitles-create.request.corrected.json") as typeof MediaV1.SubtitlesCreateRequest.Encoded
      yield* MediaV1.createSubtitles(body)
      const req = fake.requests[0]!
      assert.strictEqual(req.url.pathname, "/1.1/media/subtitles/create.json")
      assert.deepStrictEqual(JSON.parse(req.text!), example("v1-media-subtitles-create.request.corrected.json"))
      assertSigned(req)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("subtitles/delete.json sends an array of {language_code}; 204 and 201 are success too", () => {
    const replies = [{ status: 204 }, { status: 201 }]
    const fake = v1Client((_, i) => replies[i]!)
    return Effect.gen(function*() {
      const body = example("v1-media-subtitles-delete.request.corrected.json") as typeof MediaV1.SubtitlesDeleteRequest.Encoded
      yield* MediaV1.deleteSubtitles(body)
      yield* MediaV1.deleteSubtitles(body)
      assert.strictEqual(fake.requests[0]!.url.pathname, "/1.1/media/subtitles/delete.json")
      assert.deepStrictEqual(JSON.parse(fake.requests[0]!.text!), example("v1-media-subtitles-delete.request.corrected.json"))
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("bad subtitle input is refused locally: lower-case language, empty list, PascalCase category", () => {
    const fake = v1Client(() => ({ status: 200 }))
    return Effect.gen(function*() {
      const lower = yield* Effect.flip(MediaV1.createSubtitles({
        media_id: "1",
        media_category: "TweetVideo",
        subtitle_info: { subtitles: [{ media_id: "2", language_code: "en", display_name: "English" }] }
      }))
      assert.strictEqual(lower._tag, "InvalidInput")
      assert.include(lower.message, "upper-case")
      const empty = yield* Effect.flip(MediaV1.deleteSubtitles({
        media_id: "1",
        media_category: "TweetVideo",
        subtitle_info: { subtitles: [] as unknown as [{ language_code: string }] }
      }))
      assert.strictEqual(empty._tag, "InvalidInput")
      const category = yield* Effect.flip(MediaV1.deleteSubtitles({
        media_id: "1",
        media_category: "tweet_video" as "TweetVideo",
        subtitle_info: { subtitles: [{ language_code: "EN" }] }
      }))
      assert.strictEqual(category._tag, "InvalidInput")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaV1 errors (v1.1 bodies mapped onto XError)", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly reply: Reply
    readonly tag: string
    readonly code?: number
    readonly includes: string
  }> = [
    {
      name: "88 rate limit (X's documented 429 body)",
      reply: { status: 429, body: example("error.rate-limit-429.as-documented.json"), headers: { "x-rate-limit-reset": "1700000900", "x-rate-limit-remaining": "0" } },
      tag: "RateLimited",
      includes: "rate limited"
    },
    { name: "32 could not authenticate", reply: { status: 401, body: { errors: [{ code: 32, message: "Could not authenticate you." }] } }, tag: "Unauthorized", code: 32, includes: "Could not authenticate you." },
    { name: "135 timestamp out of bounds", reply: { status: 401, body: { errors: [{ code: 135, message: "Timestamp out of bounds." }] } }, tag: "Unauthorized", code: 135, includes: "Timestamp" },
    { name: "215 bad authentication data (400)", reply: { status: 400, body: { errors: [{ code: 215, message: "Bad Authentication data." }] } }, tag: "Unauthorized", code: 215, includes: "Bad Authentication" },
    { name: "89 invalid or expired token", reply: { status: 401, body: { errors: [{ code: 89, message: "Invalid or expired token." }] } }, tag: "Unauthorized", code: 89, includes: "expired token" },
    { name: "38 parameter missing (observed as 400)", reply: { status: 400, body: { errors: [{ code: 38, message: "media parameter is missing." }] } }, tag: "InvalidRequest", includes: "media parameter is missing." },
    { name: "323 GIF with other images", reply: { status: 400, body: { errors: [{ code: 323, message: "Animated GIFs are not allowed when uploading multiple images." }] } }, tag: "InvalidRequest", includes: "Animated GIFs" },
    { name: "324 media id validation", reply: { status: 400, body: { errors: [{ code: 324, message: "The validation of media ids failed." }] } }, tag: "InvalidRequest", includes: "validation of media ids" },
    { name: "325 media id not found", reply: { status: 400, body: { errors: [{ code: 325, message: "A media id was not found." }] } }, tag: "NotFound", includes: "media id was not found" },
    { name: "220 credentials not allowed", reply: { status: 403, body: { errors: [{ code: 220, message: "Your credentials do not allow access to this resource." }] } }, tag: "Forbidden", code: 220, includes: "do not allow" },
    { name: "131 internal error", reply: { status: 500, body: { errors: [{ code: 131, message: "Internal error." }] } }, tag: "ServerError", includes: "Internal error." },
    { name: "old {request, error} body", reply: { status: 400, body: { request: "/1.1/media/upload.json", error: "not recognized." } }, tag: "InvalidRequest", includes: "not recognized." },
    { name: "404 with no body", reply: { status: 404 }, tag: "NotFound", includes: "HTTP 404" },
    { name: "503 with an HTML body", reply: { status: 503, raw: "<html>Over capacity</html>" }, tag: "ServerError", includes: "Over capacity" },
    { name: "an unknown code on an odd status", reply: { status: 418, body: { errors: [{ code: 999, message: "Teapot." }] } }, tag: "ApiError", code: 999, includes: "Teapot." }
  ]
  for (const c of cases) {
    it.effect(c.name, () => {
      const fake = v1Client(() => c.reply)
      return Effect.gen(function*() {
        const error = yield* Effect.flip(MediaV1.status("710511363345354753", { retry: Retry.none }))
        assert.strictEqual(error._tag, c.tag)
        assert.include(error.message, c.includes)
        if (c.code !== undefined) assert.strictEqual((error as { readonly code?: number }).code, c.code)
        if (error._tag === "RateLimited") {
          assert.strictEqual(error.resetAt, 1700000900_000)
          assert.include(error.detail, "Rate limit exceeded (code 88)")
        }
        assert.notInclude(error.message, "V1-CONSUMER-SECRET")
        assert.notInclude(error.message, "V1-TOKEN-SECRET")
        assert.strictEqual(fake.requests.length, 1)
      }).pipe(Effect.provide(fake.layer))
    })
  }

  it.effect("a 503 is retried with backoff (TestClock) and then succeeds", () => {
    const fake = v1Client((_, i) =>
      i === 0
        ? { status: 503, body: { errors: [{ code: 130, message: "Over capacity" }] } }
        : { status: 202, body: example("v1-media-upload-init.response.chunked-guide.json") }
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaV1.initialize({ total_bytes: 10, media_type: "video/mp4" }))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("1 minute")
      const init = yield* Fiber.join(fiber)
      assert.strictEqual(init.media_id_string, "601413451156586496")
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a 429 waits until x-rate-limit-reset, then continues", () => {
    const fake = v1Client((_, i) =>
      i === 0
        ? { status: 429, body: example("error.rate-limit-429.as-documented.json"), headers: { "x-rate-limit-reset": "60" } }
        : { status: 200, body: example("v1-media-upload-status.response.succeeded.json") }
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(MediaV1.status("710511363345354753"))
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(fake.requests.length, 1)
      yield* TestClock.adjust("1 second")
      const done = yield* Fiber.join(fiber)
      assert.strictEqual(done.processing_info?.state, "succeeded")
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaV1 credentials", () => {
  it.effect("an OAuth 2.0 token is refused locally: v1.1 takes OAuth 1.0a only", () => {
    const fake = fakeClient(() => ({ status: 202 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MediaV1.initialize({ total_bytes: 10, media_type: "video/mp4" }))
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, "OAuth 1.0a")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an app-only token is refused locally with AppOnlyNotAllowed", () => {
    const fake = fakeClient(() => ({ status: 200 }), { auth: Auth.appOnly({ bearerToken: Redacted.make("BEARER") }) })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MediaV1.status("1"))
      assert.strictEqual(error._tag, "AppOnlyNotAllowed")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("uploadBaseUrl points v1.1 calls at another host (the emulator)", () => {
    const fake = fakeClient(() => ({ status: 204 }), {
      auth: Auth.oauth1User(oauth1),
      uploadBaseUrl: "http://127.0.0.1:4010/"
    })
    return Effect.gen(function*() {
      yield* MediaV1.append({ media_id: "1", segment_index: 0, media: new Uint8Array([1]) })
      const req = fake.requests[0]!
      assert.strictEqual(req.url.href, "http://127.0.0.1:4010/1.1/media/upload.json")
      assertSigned(req)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaV1.protocol (one uploader, two protocols)", () => {
  it("MediaUpload and MediaV1.protocol have the same primitive shape", () => {
    const v2: MediaV1.UploadProtocol = MediaUpload
    const v1: MediaV1.UploadProtocol = MediaV1.protocol
    assert.notStrictEqual(v1, v2)
  })

  it.effect("runs INIT/APPEND/FINALIZE/STATUS on v1.1 and answers in v2 shapes", () => {
    const replies: ReadonlyArray<Reply> = [
      { status: 202, body: example("v1-media-upload-init.response.chunked-guide.json") },
      { status: 204 },
      { status: 201, body: example("v1-media-upload-finalize.response.async.json") },
      { status: 200, body: example("v1-media-upload-status.response.succeeded.json") }
    ]
    const fake = v1Client((_, i) => replies[i]!)
    return Effect.gen(function*() {
      const api = MediaV1.protocol
      const init = yield* api.initialize({ media_type: "video/mp4", total_bytes: 3, media_category: "tweet_video" })
      assert.deepStrictEqual<unknown>(init, { data: { id: "601413451156586496", expires_after_secs: 3599 } })
      const appended = yield* api.append({ id: init.data.id, segment_index: 0, media: new Uint8Array([1, 2, 3]) })
      assert.deepStrictEqual(appended, {})
      const fin = yield* api.finalize(init.data.id)
      assert.deepStrictEqual(fin.data.processing_info, { state: "pending", check_after_secs: 5 })
      assert.strictEqual(fin.data.id, "710511363345354753")
      const st = yield* api.status(init.data.id)
      assert.strictEqual(st.data.processing_info?.state, "succeeded")
      assert.deepStrictEqual(
        fake.requests.map((r) => r.form?.get("command") ?? formOf(r).find(([k]) => k === "command")?.[1] ?? r.url.searchParams.get("command")),
        ["INIT", "APPEND", "FINALIZE", "STATUS"]
      )
      assert.isTrue(fake.requests.every((r) => r.url.host === "upload.twitter.com"))
    }).pipe(Effect.provide(fake.layer))
  })

  it("toWireJson writes the numeric media_id digit for digit", () => {
    const json = MediaV1.toWireJson({ media_id_string: "9223372036854775807", expires_after_secs: 86400 })
    assert.strictEqual(json, `{"media_id":9223372036854775807,"media_id_string":"9223372036854775807","expires_after_secs":86400}`)
    const decoded = Either.getOrThrow(
      (() => {
        try {
          return Either.right(JSON.parse(json) as { media_id_string: string })
        } catch (e) {
          return Either.left(e)
        }
      })()
    )
    assert.strictEqual(decoded.media_id_string, "9223372036854775807")
  })
})

describe("v1.1 APPEND with a pre-framed body (for the streaming uploader)", () => {
  it.effect("appendFramed posts the framed bytes to the upload host, signed without body parameters", () => {
    const fake = v1Client(() => ({ status: 204 }))
    return Effect.gen(function*() {
      const boundary = "xmedia-test-boundary"
      const fields = V1Upload.appendFields("601413451156586496", 2)
      assert.deepStrictEqual(fields, [["command", "APPEND"], ["media_id", "601413451156586496"], ["segment_index", "2"]])
      const text = fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("") +
        `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="media"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n--${boundary}--\r\n`
      const body = new TextEncoder().encode(text)
      const result = yield* V1Upload.appendFramed(
        Ids.MediaId.make("601413451156586496"),
        2,
        body,
        `multipart/form-data; boundary=${boundary}`
      )
      assert.deepStrictEqual(result, {})
      const req = fake.requests[0]!
      assert.strictEqual(req.url.href, UPLOAD)
      assert.strictEqual(req.text, text)
      assert.strictEqual(req.headers["content-type"], `multipart/form-data; boundary=${boundary}`)
      assertSigned(req)
    }).pipe(Effect.provide(fake.layer))
  })
})
