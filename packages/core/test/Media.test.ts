/**
 * `Media`, the high-level interface: every operation hits the v2 route by default and the v1.1 route with
 * `protocol: "v1.1"` (per call, `withProtocol`, or `Media.layer`), with the bodies X wants, answers in one shape,
 * and refuses v1.1 without OAuth 1.0a before any network call.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Auth, Ids, Media } from "../src/index.js"
import { fakeClient, type Recorded, type Reply } from "./utils/FakeHttp.js"
import { makeRecordingTracer } from "./utils/RecordingTracer.js"

const VIDEO = Ids.MediaId.make("1880028106020515840")
const SRT = Ids.MediaId.make("1880028106020515841")
const IMAGE = Ids.MediaId.make("1880028106020515842")
const POST = Ids.PostId.make("1880028106020515999")
const png = new Uint8Array(readFileSync(fileURLToPath(new URL("./fixtures/sample.png", import.meta.url))))

const oauth1 = Auth.oauth1User({
  consumerKey: Redacted.make("ck"),
  consumerSecret: Redacted.make("cs"),
  accessToken: Redacted.make("at"),
  accessTokenSecret: Redacted.make("ats")
})

/** A fake X answering the v2 API on api.x.com and the v1.1 upload host on upload.fake.test. */
const answer = (r: Recorded): Reply => {
  const path = r.url.pathname
  if (r.url.host === "upload.fake.test") {
    if (path === "/1.1/media/upload.json") {
      const text = r.text ?? ""
      if (text.includes("command=INIT")) return { status: 202, body: { media_id_string: IMAGE, expires_after_secs: 86400 } }
      if (text.includes("command=FINALIZE")) {
        return { status: 200, body: { media_id_string: IMAGE, size: png.length, image: { image_type: "image/png", w: 64, h: 48 } } }
      }
      if (text.includes("APPEND")) return { status: 204 }
      return { status: 400, body: { errors: [{ code: 38, message: "command parameter is missing." }] } }
    }
    if (
      path === "/1.1/media/metadata/create.json" || path === "/1.1/media/subtitles/create.json" ||
      path === "/1.1/media/subtitles/delete.json"
    ) return { status: 200 }
    return { status: 404, body: { errors: [{ code: 34, message: "Sorry, that page does not exist." }] } }
  }
  if (path === "/2/media/upload/initialize") return { status: 200, body: { data: { id: IMAGE, expires_after_secs: 86400 } } }
  if (path === `/2/media/upload/${IMAGE}/append`) return { status: 200, body: {} }
  if (path === `/2/media/upload/${IMAGE}/finalize`) {
    return { status: 200, body: { data: { id: IMAGE, media_key: `3_${IMAGE}`, size: png.length } } }
  }
  if (path === "/2/media/metadata") {
    return { status: 200, body: { data: { id: IMAGE, associated_metadata: { alt_text: { text: "A red square" } } } } }
  }
  if (path === "/2/media/subtitles" && r.method === "POST") {
    return {
      status: 200,
      body: {
        data: {
          id: VIDEO,
          media_category: "TweetVideo",
          associated_subtitles: [{ id: SRT, language_code: "EN", display_name: "English" }]
        }
      }
    }
  }
  if (path === "/2/media/subtitles" && r.method === "DELETE") return { status: 200, body: { data: { deleted: true } } }
  if (path === "/2/tweets") return { status: 201, body: { data: { id: POST, text: "hello" } } }
  return { status: 404, body: { title: "Not Found Error", detail: path, type: "about:blank" } }
}

const v1Client = () => fakeClient(answer, { auth: oauth1, uploadBaseUrl: "https://upload.fake.test" })
const v2Client = () => fakeClient(answer, { uploadBaseUrl: "https://upload.fake.test" })

const routes = (requests: ReadonlyArray<Recorded>) => requests.map((r) => `${r.method} ${r.url.host}${r.url.pathname}`)
const body = (r: Recorded | undefined): unknown => JSON.parse(r?.text ?? "null")

describe("Media.setAltText", () => {
  it.effect("v2 by default: POST /2/media/metadata with {id, metadata.alt_text}", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const result = yield* Media.setAltText(IMAGE, "A red square")
      assert.deepStrictEqual(routes(fake.requests), ["POST api.x.com/2/media/metadata"])
      assert.deepStrictEqual(body(fake.requests[0]), { id: IMAGE, metadata: { alt_text: { text: "A red square" } } })
      assert.strictEqual(result.protocol, "v2")
      assert.strictEqual(result.mediaId, IMAGE)
      assert.strictEqual(result.associatedMetadata?.alt_text?.text, "A red square")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("protocol v1.1 per call: POST media/metadata/create.json, OAuth 1.0a signed, no body in the answer", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const result = yield* Media.setAltText(IMAGE, "A red square", { protocol: "v1.1" })
      assert.deepStrictEqual(routes(fake.requests), ["POST upload.fake.test/1.1/media/metadata/create.json"])
      assert.deepStrictEqual(body(fake.requests[0]), { media_id: IMAGE, alt_text: { text: "A red square" } })
      assert.match(fake.requests[0]!.headers["authorization"] ?? "", /^OAuth /)
      assert.deepStrictEqual(result, { mediaId: IMAGE, text: "A red square", protocol: "v1.1", associatedMetadata: undefined })
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("scope: withProtocol and Media.layer switch to v1.1; a call's own protocol wins over the scope", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      yield* Media.setAltText(IMAGE, "one").pipe(Media.withProtocol("v1.1"))
      yield* Media.setAltText(IMAGE, "two").pipe(Effect.provide(Media.layer({ protocol: "v1.1" })))
      yield* Media.setAltText(IMAGE, "three", { protocol: "v2" }).pipe(Media.withProtocol("v1.1"))
      const scoped = yield* Media.Protocol.pipe(Media.withProtocol("v1.1"))
      assert.strictEqual(scoped, "v1.1")
      assert.strictEqual(yield* Media.Protocol, "v2")
      assert.deepStrictEqual(routes(fake.requests), [
        "POST upload.fake.test/1.1/media/metadata/create.json",
        "POST upload.fake.test/1.1/media/metadata/create.json",
        "POST api.x.com/2/media/metadata"
      ])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an invalid media id or protocol is InvalidInput before any request", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const badId = yield* Effect.flip(Media.setAltText("not-an-id", "x"))
      assert.strictEqual(badId._tag, "InvalidInput")
      assert.strictEqual(badId._tag === "InvalidInput" ? badId.field : "", "media_id")
      const badProtocol = yield* Effect.flip(
        Media.setAltText(IMAGE, "x", { protocol: "v3" as unknown as Media.ProtocolVersion })
      )
      assert.strictEqual(badProtocol._tag === "InvalidInput" ? badProtocol.field : "", "protocol")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("Media.attachSubtitles / detachSubtitles", () => {
  const attach = { video: VIDEO, videoCategory: "tweet_video", subtitles: { mediaId: SRT, language: "en-US", name: "English" } } as const

  it.effect("v2: POST /2/media/subtitles, language normalised, category mapped, tracks returned", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const result = yield* Media.attachSubtitles(attach)
      assert.deepStrictEqual(routes(fake.requests), ["POST api.x.com/2/media/subtitles"])
      assert.deepStrictEqual(body(fake.requests[0]), {
        id: VIDEO,
        media_category: "TweetVideo",
        subtitles: { id: SRT, language_code: "EN", display_name: "English" }
      })
      assert.strictEqual(result.video, VIDEO)
      assert.strictEqual(result.videoCategory, "TweetVideo")
      assert.strictEqual(result.language, "EN")
      assert.strictEqual(result.protocol, "v2")
      assert.deepStrictEqual(result.tracks, [{ id: SRT, language_code: "EN", display_name: "English" }])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("v1.1: POST media/subtitles/create.json with subtitle_info; tracks undefined (X sends no body)", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const result = yield* Media.attachSubtitles({ ...attach, videoCategory: "AmplifyVideo" }, { protocol: "v1.1" })
      assert.deepStrictEqual(routes(fake.requests), ["POST upload.fake.test/1.1/media/subtitles/create.json"])
      assert.deepStrictEqual(body(fake.requests[0]), {
        media_id: VIDEO,
        media_category: "AmplifyVideo",
        subtitle_info: { subtitles: [{ media_id: SRT, language_code: "EN", display_name: "English" }] }
      })
      assert.deepStrictEqual(result, {
        video: VIDEO,
        videoCategory: "AmplifyVideo",
        language: Ids.LanguageCode.make("EN"),
        protocol: "v1.1",
        tracks: undefined
      })
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("detach v2: DELETE /2/media/subtitles with a JSON body; deleted from X", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const result = yield* Media.detachSubtitles({ video: VIDEO, videoCategory: "amplify_video", language: "fr_CA" })
      assert.deepStrictEqual(routes(fake.requests), ["DELETE api.x.com/2/media/subtitles"])
      assert.deepStrictEqual(body(fake.requests[0]), { id: VIDEO, media_category: "AmplifyVideo", language_code: "FR" })
      assert.deepStrictEqual(result, {
        video: VIDEO,
        videoCategory: "AmplifyVideo",
        language: Ids.LanguageCode.make("FR"),
        protocol: "v2",
        deleted: true
      })
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("detach v1.1 (scope): POST media/subtitles/delete.json; deleted undefined", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const result = yield* Media.detachSubtitles({ video: VIDEO, videoCategory: "TweetVideo", language: "en" }).pipe(
        Media.withProtocol("v1.1")
      )
      assert.deepStrictEqual(routes(fake.requests), ["POST upload.fake.test/1.1/media/subtitles/delete.json"])
      assert.deepStrictEqual(body(fake.requests[0]), {
        media_id: VIDEO,
        media_category: "TweetVideo",
        subtitle_info: { subtitles: [{ language_code: "EN" }] }
      })
      assert.strictEqual(result.protocol, "v1.1")
      assert.isUndefined(result.deleted)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a bad language or a non-video category is InvalidInput before any request", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const lang = yield* Effect.flip(
        Media.attachSubtitles({ ...attach, subtitles: { ...attach.subtitles, language: "eng" } })
      )
      assert.strictEqual(lang._tag === "InvalidInput" ? lang.field : "", "language")
      assert.include(lang.message, "EN")
      const category = yield* Effect.flip(
        Media.detachSubtitles({ video: VIDEO, videoCategory: "tweet_image", language: "en" }, { protocol: "v1.1" })
      )
      assert.strictEqual(category._tag === "InvalidInput" ? category.field : "", "videoCategory")
      const dm = yield* Effect.flip(Media.attachSubtitles({ ...attach, videoCategory: "dm_video" }))
      assert.include(dm.message, "a DM video cannot carry subtitles")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an error from the endpoint underneath names the caller's function and argument, on either protocol", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      for (const protocol of ["v2", "v1.1"] as const) {
        const alt = yield* Effect.flip(Media.setAltText(IMAGE, "a".repeat(1001), { protocol }))
        assert.deepStrictEqual(
          alt._tag === "InvalidInput" ? [alt.endpoint, alt.field] : [],
          ["Media.setAltText", "text"],
          protocol
        )
        const name = yield* Effect.flip(
          Media.attachSubtitles({ ...attach, subtitles: { ...attach.subtitles, name: "" } }, { protocol })
        )
        assert.deepStrictEqual(
          name._tag === "InvalidInput" ? [name.endpoint, name.field] : [],
          ["Media.attachSubtitles", "subtitles.name"],
          protocol
        )
      }
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("Media.post", () => {
  it.effect("always POST /2/tweets, also in a v1.1 scope (signed with OAuth 1.0a)", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const result = yield* Media.post({ text: "hello", mediaIds: [IMAGE], taggedUserIds: ["2244994945"] }).pipe(
        Media.withProtocol("v1.1")
      )
      assert.deepStrictEqual(routes(fake.requests), ["POST api.x.com/2/tweets"])
      assert.deepStrictEqual(body(fake.requests[0]), {
        text: "hello",
        media: { media_ids: [IMAGE], tagged_user_ids: ["2244994945"] }
      })
      assert.match(fake.requests[0]!.headers["authorization"] ?? "", /^OAuth /)
      assert.deepStrictEqual(result, { postId: POST, text: "hello", mediaIds: [IMAGE] })
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("tagged users without media is InvalidInput before any request", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const error = yield* Effect.flip(Media.post({ text: "hi", taggedUserIds: ["2244994945"] }))
      assert.strictEqual(error._tag === "InvalidInput" ? error.field : "", "taggedUserIds")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("Media.upload", () => {
  it.effect("v2 by default: initialize / append / finalize under /2/media/upload (bytes need no FileSystem)", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const media = yield* Media.upload(png)
      assert.deepStrictEqual(routes(fake.requests), [
        "POST api.x.com/2/media/upload/initialize",
        `POST api.x.com/2/media/upload/${IMAGE}/append`,
        `POST api.x.com/2/media/upload/${IMAGE}/finalize`
      ])
      assert.strictEqual(media.mediaId, IMAGE)
      assert.strictEqual(media.mediaCategory, "tweet_image")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("v1.1 from the scope: INIT / APPEND / FINALIZE on media/upload.json, same result shape", () => {
    const fake = v1Client()
    return Effect.gen(function*() {
      const media = yield* Media.upload(png)
      assert.deepStrictEqual(routes(fake.requests), [
        "POST upload.fake.test/1.1/media/upload.json",
        "POST upload.fake.test/1.1/media/upload.json",
        "POST upload.fake.test/1.1/media/upload.json"
      ])
      assert.include(fake.requests[0]!.text ?? "", "command=INIT")
      assert.include(fake.requests[2]!.text ?? "", "command=FINALIZE")
      assert.strictEqual(media.mediaId, IMAGE)
      assert.strictEqual(media.mediaCategory, "tweet_image")
      assert.strictEqual(media.media.image?.w, 64)
    }).pipe(Effect.provide(Layer.mergeAll(fake.layer, NodeContext.layer, Media.layer({ protocol: "v1.1" }))))
  })
})

describe("v1.1 with OAuth 2.0 credentials", () => {
  it.effect("every media operation fails with InvalidInput (field auth) and sends nothing", () => {
    const fake = v2Client()
    return Effect.gen(function*() {
      const failures = [
        yield* Effect.flip(Media.upload(png)),
        yield* Effect.flip(Media.setAltText(IMAGE, "x")),
        yield* Effect.flip(
          Media.attachSubtitles({
            video: VIDEO,
            videoCategory: "tweet_video",
            subtitles: { mediaId: SRT, language: "en", name: "English" }
          })
        ),
        yield* Effect.flip(Media.detachSubtitles({ video: VIDEO, videoCategory: "tweet_video", language: "en" }))
      ]
      for (const failure of failures) {
        assert.strictEqual(failure._tag, "InvalidInput")
        assert.strictEqual(failure._tag === "InvalidInput" ? failure.field : "", "auth")
        assert.include(failure.message, "OAuth 1.0a")
      }
      assert.strictEqual(fake.requests.length, 0)
      // the same client on v2 works
      yield* Media.setAltText(IMAGE, "x", { protocol: "v2" })
      assert.deepStrictEqual(routes(fake.requests), ["POST api.x.com/2/media/metadata"])
    }).pipe(Effect.provide(Layer.mergeAll(fake.layer, NodeContext.layer)), Media.withProtocol("v1.1"))
  })
})

describe("spans", () => {
  it.effect("each call is a Media.<name> span with xmedia.protocol, around the endpoint span underneath", () => {
    const fake = v1Client()
    const { spans, tracer } = makeRecordingTracer()
    return Effect.gen(function*() {
      yield* Media.setAltText(IMAGE, "x", { protocol: "v1.1" })
      yield* Media.attachSubtitles({
        video: VIDEO,
        videoCategory: "tweet_video",
        subtitles: { mediaId: SRT, language: "en", name: "English" }
      })
      yield* Media.detachSubtitles({ video: VIDEO, videoCategory: "tweet_video", language: "en" })
      yield* Media.post({ text: "hello" })
      const names = spans.map((s) => s.name)
      for (const [outer, inner] of [
        ["Media.setAltText", "MediaV1.createMetadata"],
        ["Media.attachSubtitles", "MediaSubtitles.create"],
        ["Media.detachSubtitles", "MediaSubtitles.remove"],
        ["Media.post", "Posts.create"]
      ] as const) {
        assert.include(names, outer)
        assert.include(names, inner)
        assert.isBelow(names.indexOf(outer), names.indexOf(inner))
      }
      assert.strictEqual(spans.find((s) => s.name === "Media.setAltText")?.attributes.get("xmedia.protocol"), "v1.1")
      assert.strictEqual(spans.find((s) => s.name === "Media.attachSubtitles")?.attributes.get("xmedia.protocol"), "v2")
      assert.strictEqual(spans.find((s) => s.name === "Media.detachSubtitles")?.attributes.get("xmedia.protocol"), "v2")
      assert.strictEqual(spans.find((s) => s.name === "Media.post")?.attributes.get("xmedia.protocol"), "v2")
    }).pipe(Effect.provide(fake.layer), Effect.withTracer(tracer))
  })
})
