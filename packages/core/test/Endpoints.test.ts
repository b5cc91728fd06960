import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  Ids,
  Media,
  MediaAnalytics,
  MediaLookup,
  MediaMetadata,
  MediaSubtitles,
  MediaUpload,
  Posts,
  Users
} from "../src/index.js"
import { example, fakeClient, secrets } from "./utils/FakeHttp.js"

const mediaId = Ids.MediaId.make("1880028106020515840")

describe("MediaUpload", () => {
  it.effect("initialize sends JSON and decodes X's example", () => {
    const fake = fakeClient(() => ({ status: 200, body: example("v2-media-upload-initialize.response.json") }))
    return Effect.gen(function*() {
      const request = example("v2-media-upload-initialize.request.json") as MediaUpload.InitializeRequest
      const res = yield* MediaUpload.initialize(request)
      assert.strictEqual(res.data.id, "1880028106020515840")
      assert.strictEqual(res.data.media_key, "13_1880028106020515840")
      assert.strictEqual(res.data.expires_after_secs, 1295999)
      const [r] = fake.requests
      assert.strictEqual(r.method, "POST")
      assert.strictEqual(r.url.toString(), "https://api.x.com/2/media/upload/initialize")
      assert.deepStrictEqual(JSON.parse(r.text!), request)
      assert.strictEqual(r.headers["authorization"], `Bearer ${secrets.accessToken}`)
      assert.strictEqual(r.headers["accept"], "application/json")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("append sends multipart segment_index + media part", () => {
    const fake = fakeClient(() => ({ status: 200, body: { data: { expires_at: 1700000000 } } }))
    return Effect.gen(function*() {
      const res = yield* MediaUpload.append({ id: mediaId, segment_index: 3, media: new Uint8Array([1, 2, 3]) })
      assert.strictEqual(res.data?.expires_at, 1700000000)
      const [r] = fake.requests
      assert.strictEqual(r.url.pathname, "/2/media/upload/1880028106020515840/append")
      assert.strictEqual(r.form?.get("segment_index"), "3")
      const media = r.form?.get("media")
      assert.ok(media instanceof Blob)
      assert.strictEqual((media as File).name, "media")
      assert.strictEqual((media as Blob).type, "application/octet-stream")
      assert.deepStrictEqual(new Uint8Array(yield* Effect.promise(() => (media as Blob).arrayBuffer())), new Uint8Array([1, 2, 3]))
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("append base64 sends JSON; an empty 204 decodes", () => {
    const fake = fakeClient(() => ({ status: 204 }))
    return Effect.gen(function*() {
      const res = yield* MediaUpload.append({ id: mediaId, segment_index: 0, media: new Uint8Array([255, 0]), encoding: "base64" })
      assert.deepStrictEqual(res, {})
      assert.deepStrictEqual(JSON.parse(fake.requests[0].text!), { segment_index: 0, media: "/wA=" })
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("finalize decodes X's example with processing_info", () => {
    const fake = fakeClient(() => ({ status: 200, body: example("v2-media-upload-finalize.response.json") }))
    return Effect.gen(function*() {
      const res = yield* MediaUpload.finalize(mediaId)
      assert.strictEqual(res.data.processing_info?.state, "pending")
      assert.strictEqual(res.data.processing_info?.check_after_secs, 1)
      assert.strictEqual(fake.requests[0].url.pathname, "/2/media/upload/1880028106020515840/finalize")
      assert.strictEqual(fake.requests[0].method, "POST")
      // a JSON object, never an empty body (X has refused that: "Request body must be a JSON object.")
      assert.strictEqual(fake.requests[0].text, "{}")
      assert.match(fake.requests[0].headers["content-type"] ?? "", /^application\/json/)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("finalize accepts a 201 image response", () => {
    const fake = fakeClient(() => ({
      status: 201,
      body: {
        data: {
          id: "1920164881153900544",
          media_key: "3_1920164881153900544",
          size: 174575,
          expires_after_secs: 86400,
          image: { image_type: "image/jpeg", w: 682, h: 1024 }
        }
      }
    }))
    return Effect.gen(function*() {
      const res = yield* MediaUpload.finalize("1920164881153900544")
      assert.strictEqual(res.data.image?.w, 682)
      assert.isUndefined(res.data.processing_info)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("processing_info: an unknown or missing state reads as pending, null numbers as absent", () => {
    const bodies: ReadonlyArray<unknown> = [
      { data: { id: mediaId, processing_info: { state: "queued", check_after_secs: 3 } } },
      { data: { id: mediaId, processing_info: { check_after_secs: 3 } } },
      { data: { id: mediaId, processing_info: { state: "in_progress", progress_percent: null, check_after_secs: null } } }
    ]
    let i = 0
    const fake = fakeClient(() => ({ status: 200, body: bodies[i++] }))
    return Effect.gen(function*() {
      const queued = yield* MediaUpload.status(mediaId)
      assert.strictEqual(queued.data.processing_info?.state, "pending")
      assert.strictEqual(queued.data.processing_info?.check_after_secs, 3)
      const missing = yield* MediaUpload.status(mediaId)
      assert.strictEqual(missing.data.processing_info?.state, "pending")
      const nulls = yield* MediaUpload.status(mediaId)
      assert.strictEqual(nulls.data.processing_info?.state, "in_progress")
      assert.isUndefined(nulls.data.processing_info?.progress_percent)
      assert.isUndefined(nulls.data.processing_info?.check_after_secs)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("status tolerates the documented 'uploading' state without check_after_secs", () => {
    const fake = fakeClient(() => ({ status: 200, body: example("v2-media-upload-status.response.as-documented.json") }))
    return Effect.gen(function*() {
      const res = yield* MediaUpload.status(mediaId)
      assert.strictEqual(res.data.processing_info?.state, "uploading")
      assert.isUndefined(res.data.processing_info?.check_after_secs)
      const url = fake.requests[0].url
      assert.strictEqual(url.pathname, "/2/media/upload")
      assert.strictEqual(url.searchParams.get("command"), "STATUS")
      assert.strictEqual(url.searchParams.get("media_id"), mediaId)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("status: failed processing is ProcessingFailed with X's code, name and message", () => {
    const fake = fakeClient(() => ({
      status: 200,
      body: {
        data: {
          id: mediaId,
          processing_info: { state: "failed", error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" } }
        }
      }
    }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MediaUpload.status(mediaId))
      assert.strictEqual(error._tag, "ProcessingFailed")
      if (error._tag !== "ProcessingFailed") return
      assert.strictEqual(error.code, 1)
      assert.strictEqual(error.errorName, "InvalidMedia")
      assert.strictEqual(error.detail, "Unsupported video format")
      assert.include(error.message, "Unsupported video format")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("status: an error while in_progress is ProcessingFailed too", () => {
    const fake = fakeClient(() => ({
      status: 200,
      body: {
        data: {
          id: mediaId,
          processing_info: { state: "in_progress", error: { code: 3, name: "UnsupportedMedia", message: "too long" } }
        }
      }
    }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MediaUpload.status(mediaId))
      assert.strictEqual(error._tag, "ProcessingFailed")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("one-shot upload sends multipart with category and comma-separated owners", () => {
    const fake = fakeClient(() => ({
      status: 200,
      body: { data: { id: "1", media_key: "3_1", size: 3, image: { w: 64, h: 48, image_type: "image/png" } } }
    }))
    return Effect.gen(function*() {
      const res = yield* MediaUpload.upload({
        media: new Uint8Array([1, 2, 3]),
        media_category: "tweet_image",
        additional_owners: ["12", "34"]
      })
      assert.strictEqual(res.data.media_key, "3_1")
      const form = fake.requests[0].form!
      assert.strictEqual(form.get("media_category"), "tweet_image")
      assert.strictEqual(form.get("additional_owners"), "12,34")
      assert.ok(form.get("media") instanceof Blob)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaMetadata", () => {
  it.effect("create decodes X's rendered response (which breaks the geo oneOf) and sends the body", () => {
    const fake = fakeClient(() => ({ status: 200, body: example("v2-media-metadata.response.rendered.json") }))
    return Effect.gen(function*() {
      const res = yield* MediaMetadata.create({
        id: "1146654567674912769",
        metadata: {
          alt_text: { text: "A dancing cat" },
          geo_restrictions: { whitelisted_country_codes: ["us"], blacklisted_country_codes: [] },
          sticker_info: { stickers: [{ id: "12345", aspect_ratio: 1.78 }] }
        }
      })
      assert.strictEqual(res.data.associated_metadata?.alt_text?.text, "A dancing cat")
      assert.strictEqual(res.data.associated_metadata?.sticker_info?.stickers?.[0]?.transform_tx, 10.5)
      const sent = JSON.parse(fake.requests[0].text!)
      assert.strictEqual(sent.id, "1146654567674912769")
      assert.deepStrictEqual(sent.metadata.geo_restrictions.blacklisted_country_codes, [])
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaSubtitles", () => {
  it.effect("create sends X's rendered request and decodes the response", () => {
    const fake = fakeClient(() => ({ status: 200, body: example("v2-media-subtitles-create.response.rendered.json") }))
    return Effect.gen(function*() {
      const req = example("v2-media-subtitles-create.request.rendered.json") as MediaSubtitles.CreateRequest
      const res = yield* MediaSubtitles.create(req)
      assert.strictEqual(res.data.associated_subtitles?.[0]?.language_code, "EN")
      assert.deepStrictEqual(JSON.parse(fake.requests[0].text!), req)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("create accepts the 2.167 single-object associated_subtitles", () => {
    const fake = fakeClient(() => ({
      status: 200,
      body: { data: { id: "1", media_category: "TweetVideo", associated_subtitles: { id: "2", language_code: "FR", display_name: "Français" } } }
    }))
    return Effect.gen(function*() {
      const res = yield* MediaSubtitles.create({
        id: "1",
        media_category: "TweetVideo",
        subtitles: { id: "2", language_code: "FR", display_name: "Français" }
      })
      assert.strictEqual(res.data.associated_subtitles?.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("remove is a DELETE with a JSON body", () => {
    const fake = fakeClient(() => ({ status: 200, body: example("v2-media-subtitles-delete.response.rendered.json") }))
    return Effect.gen(function*() {
      const req = example("v2-media-subtitles-delete.request.rendered.json") as MediaSubtitles.DeleteRequest
      const res = yield* MediaSubtitles.remove(req)
      assert.isTrue(res.data.deleted)
      assert.strictEqual(fake.requests[0].method, "DELETE")
      assert.strictEqual(fake.requests[0].url.pathname, "/2/media/subtitles")
      assert.deepStrictEqual(JSON.parse(fake.requests[0].text!), req)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("MediaAnalytics and MediaLookup", () => {
  it.effect("analytics sends the query and decodes metrics", () => {
    const fake = fakeClient(() => ({
      status: 200,
      body: {
        data: [{
          media_key: "13_1880028106020515840",
          timestamped_metrics: [{ timestamp: "2025-03-17T06:30:00Z", metrics: { video_views: 3, watch_time_ms: "n/a", playback25: null } }],
          video_views: 3
        }]
      }
    }))
    return Effect.gen(function*() {
      const res = yield* MediaAnalytics.get({
        media_keys: ["13_1880028106020515840"],
        start_time: "2025-03-17T00:00:00Z",
        end_time: "2025-03-18T00:00:00Z",
        granularity: "hourly",
        fields: ["video_views", "watch_time_ms"]
      })
      assert.strictEqual(res.data?.[0]?.timestamped_metrics?.[0]?.metrics?.video_views, 3)
      assert.strictEqual(res.data?.[0]?.video_views, 3) // 2.167's top-level counters are kept
      const q = fake.requests[0].url.searchParams
      assert.strictEqual(q.get("media_keys"), "13_1880028106020515840")
      assert.strictEqual(q.get("granularity"), "hourly")
      assert.strictEqual(q.get("media_analytics.fields"), "video_views,watch_time_ms")
      // left out: sent as `daily` (required by spec 2.166 and earlier; 2.167's default)
      yield* MediaAnalytics.get({
        media_keys: ["13_1880028106020515840"],
        start_time: "2025-03-17T00:00:00Z",
        end_time: "2025-03-18T00:00:00Z"
      })
      assert.strictEqual(fake.requests[1].url.searchParams.get("granularity"), "daily")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("byKey and byKeys (partial errors in a 200)", () => {
    const fake = fakeClient((r) =>
      r.url.pathname === "/2/media"
        ? {
          status: 200,
          body: {
            data: [{ media_key: "3_1", type: "photo" }],
            errors: [{ title: "Not Found Error", detail: "Could not find media", type: "https://api.x.com/2/problems/resource-not-found", resource_id: "3_2" }]
          }
        }
        : { status: 200, body: { data: { media_key: "3_1", type: "photo", width: 64 } } }
    )
    return Effect.gen(function*() {
      const one = yield* MediaLookup.byKey("3_1", { fields: ["width", "type"] })
      assert.strictEqual(one.data.width, 64)
      assert.strictEqual(fake.requests[0].url.searchParams.get("media.fields"), "width,type")
      const many = yield* MediaLookup.byKeys(["3_1", "3_2"])
      assert.strictEqual(many.data?.length, 1)
      assert.strictEqual(many.errors?.[0]?.resource_id, "3_2")
      assert.strictEqual(fake.requests[1].url.searchParams.get("media_keys"), "3_1,3_2")
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("Posts and Users", () => {
  it.effect("create sends X's example body and decodes both response variants", () => {
    let n = 0
    const fake = fakeClient(() => ({
      status: 201,
      body: example(n++ === 0 ? "v2-tweets-create.response.as-documented.json" : "v2-tweets-create.response.json")
    }))
    return Effect.gen(function*() {
      const req = example("v2-tweets-create.request.with-media.json") as Posts.CreateRequest
      const a = yield* Posts.create(req)
      assert.deepStrictEqual(a.data.edit_history_tweet_ids, ["1880028106020515840"])
      const b = yield* Posts.create({ text: "Hello from the X API!" })
      assert.strictEqual(b.data.id, "1445880548472328192")
      assert.deepStrictEqual(JSON.parse(fake.requests[0].text!), req)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("remove, get (with media expansion), byUser, me", () => {
    const fake = fakeClient((r) => {
      if (r.method === "DELETE") return { status: 200, body: example("v2-tweets-delete.response.json") }
      if (r.url.pathname === "/2/users/me") return { status: 200, body: { data: { id: "2244994945", name: "X Dev", username: "XDevelopers" } } }
      if (r.url.pathname.endsWith("/tweets")) {
        return {
          status: 200,
          body: {
            data: [{ id: "10", text: "a" }, { id: "11", text: "b", attachments: { media_keys: ["7_99"] } }],
            includes: { media: [{ media_key: "7_99", type: "video" }] },
            meta: { result_count: 2, newest_id: "11", oldest_id: "10" }
          }
        }
      }
      return { status: 200, body: { data: { id: "11", text: "b", attachments: { media_keys: ["7_99"] } }, includes: { media: [{ media_key: "7_99", type: "video" }] } } }
    })
    return Effect.gen(function*() {
      assert.isTrue((yield* Posts.remove("1445880548472328192")).data.deleted)
      assert.strictEqual(fake.requests[0].url.pathname, "/2/tweets/1445880548472328192")
      const got = yield* Posts.get("11")
      assert.deepStrictEqual<ReadonlyArray<string> | undefined>(got.data.attachments?.media_keys, ["7_99"])
      assert.strictEqual(fake.requests[1].url.searchParams.get("expansions"), "attachments.media_keys")
      const mine = yield* Users.me()
      assert.strictEqual(mine.data.username, "XDevelopers")
      const posts = yield* Posts.byUser(mine.data.id, { max_results: 5 })
      assert.strictEqual(Posts.findByMediaKey(posts.data, "7_99")?.id, "11")
      // after PostMayExist, which carries media ids: the key's part after "_" is the id
      assert.strictEqual(Posts.findByMediaId(posts.data, "99")?.id, "11")
      assert.isUndefined(Posts.findByMediaId(posts.data, "9"))
      assert.isUndefined(Posts.findByMediaKey(posts.data, "99"))
      const q = fake.requests[3].url
      assert.strictEqual(q.pathname, "/2/users/2244994945/tweets")
      assert.strictEqual(q.searchParams.get("max_results"), "5")
      assert.strictEqual(q.searchParams.get("expansions"), "attachments.media_keys")
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("answers that leave out what X's 2.167 schema makes optional", () => {
  it.effect("subtitles create without data.id or a track list, a media object without media_key: decoded, not failed", () => {
    const fake = fakeClient((r) =>
      r.url.pathname === "/2/media/subtitles"
        ? { status: 200, body: { data: { media_category: "TweetVideo" } } }
        : { status: 200, body: { data: { type: "photo", url: "https://pbs.twimg.com/media/x.jpg" } } }
    )
    return Effect.gen(function*() {
      const created = yield* MediaSubtitles.create({
        id: mediaId,
        media_category: "TweetVideo",
        subtitles: { id: "1880028106020515841", language_code: "EN", display_name: "English" }
      })
      assert.isUndefined(created.data.id)
      const attached = yield* Media.attachSubtitles({
        video: mediaId,
        videoCategory: "tweet_video",
        subtitles: { mediaId: "1880028106020515841", language: "en", name: "English" }
      })
      // X said nothing about the tracks: not "no tracks"
      assert.isUndefined(attached.tracks)
      const media = yield* MediaLookup.byKey("3_1880028106020515840")
      assert.strictEqual(media.data.type, "photo")
      assert.isUndefined(media.data.media_key)
    }).pipe(Effect.provide(fake.layer))
  })
})
