/**
 * v2 media metadata, subtitles, analytics and lookups: `POST /2/media/metadata`, `POST|DELETE /2/media/subtitles`,
 * `GET /2/media/analytics`, `GET /2/media/{media_key}`, `GET /2/media?media_keys=`.
 *
 * @internal
 */
import { MediaAnalytics, MediaLookup, MediaMetadata, MediaSubtitles } from "@xmedia/core"
import { Schema } from "effect"
import { Clock, Effect } from "effect"
import type { AuthRequirement } from "../../auth.js"
import type { MediaRecord, SubtitleTrack } from "../../state/State.js"
import { State } from "../../state/State.js"
import { canUse } from "../../state/store.js"
import * as Ops from "../mediaOps.js"
import * as Respond from "../respond.js"
import type { HandlerContext, Route } from "../router.js"
import { mapErrors } from "./problems.js"
import { data, decodeV2, isRecord, jsonObject, list, mediaTypeName, notFoundError } from "./shared.js"

const mediaWrite: AuthRequirement = { _tag: "user", scopes: ["media.write"] }

const metadataRoute: Route = {
  method: "POST",
  path: "/2/media/metadata",
  operation: "media.metadata.create",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const state = yield* State
      // Core's request schema is X's contract here: X's 2.166 constraints (alt text <= 1000, exactly one non-empty geo
      // list with both keys, 1-25 stickers, found_media_origin lengths, ...); 2.167 only loosened the types of some
      // sub-objects to bare `object`, which core's schema still accepts in the documented shapes.
      const body = yield* decodeV2(MediaMetadata.CreateRequest, yield* jsonObject)
      const metadata: Record<string, unknown> = body.metadata === undefined ? {} : { ...body.metadata }
      yield* Ops.usableMedia(body.id, ctx.auth.userId, "id")
      const updated = yield* state.updateMedia(body.id, (m) => ({ ...m, metadata: { ...(m.metadata ?? {}), ...metadata } }))
      yield* state.persist
      return data(200, { id: body.id, associated_metadata: updated?.metadata ?? metadata })
    }))
}

const pascalOf = (m: MediaRecord) =>
  m.category === "tweet_video" ? "TweetVideo" : m.category === "amplify_video" ? "AmplifyVideo" : undefined

const videoFor = (ctx: HandlerContext, id: string, category: "TweetVideo" | "AmplifyVideo") =>
  Effect.gen(function*() {
    const video = yield* Ops.usableMedia(id, ctx.auth.userId, "id")
    if (pascalOf(video) !== category) {
      return yield* Respond.invalidRequest(`Media ${id} is not a ${category} (it was uploaded as ${video.category}).`, { media_category: [category] })
    }
    return video
  })

/**
 * A subtitle language code in either case. X's 2.167 spec has `^[A-Z]{2}$` on create and no pattern on delete; its
 * v1.1 page says "BCP47 code (e.g. 'en', 'sp')" and the Feb-2025 spec had `^[a-z]{2}$` (research §11.15), so the
 * emulator accepts two letters in either case and stores them upper case. Core's `Ids.LanguageCode` is upper case
 * only: a client-side choice (it sends what every spec version accepts), stricter than X, so not used here.
 */
const AnyCaseLanguageCode = Schema.String.pipe(
  Schema.pattern(/^[a-zA-Z]{2}$/, { message: () => "does not match pattern ^[A-Z]{2}$" })
)

/** `POST /2/media/subtitles`: core's `MediaSubtitles.CreateRequest` with the language code in either case. */
const SubtitlesCreateBody = Schema.Struct({
  ...MediaSubtitles.CreateRequest.fields,
  subtitles: Schema.Struct({ ...MediaSubtitles.Subtitle.fields, language_code: AnyCaseLanguageCode })
})

/** `DELETE /2/media/subtitles`: core's `MediaSubtitles.DeleteRequest` with the language code in either case. */
const SubtitlesDeleteBody = Schema.Struct({ ...MediaSubtitles.DeleteRequest.fields, language_code: AnyCaseLanguageCode })

const subtitlesCreate: Route = {
  method: "POST",
  path: "/2/media/subtitles",
  operation: "media.subtitles.create",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const state = yield* State
      // Unknown keys are ignored: X's spec does not close this object (no additionalProperties: false).
      const body = yield* decodeV2(SubtitlesCreateBody, yield* jsonObject, { excess: "ignore" })
      const video = yield* videoFor(ctx, body.id, body.media_category)
      const sub = body.subtitles
      const file = yield* Ops.usableMedia(sub.id, ctx.auth.userId, "subtitles.id")
      const now = yield* Clock.currentTimeMillis
      if (file.category !== "subtitles" || !Ops.isReady(file, now)) {
        return yield* Respond.invalidRequest(`Media ${sub.id} is not an uploaded subtitles file.`, { "subtitles.id": [sub.id] })
      }
      const track: SubtitleTrack = { id: sub.id, language_code: sub.language_code.toUpperCase(), display_name: sub.display_name }
      const updated = yield* state.updateMedia(video.id, (m) => ({
        ...m,
        subtitles: [...m.subtitles.filter((t) => t.language_code !== track.language_code), track]
      }))
      yield* state.persist
      return data(200, { id: video.id, media_category: body.media_category, associated_subtitles: updated?.subtitles ?? [track] })
    }))
}

const subtitlesDelete: Route = {
  method: "DELETE",
  path: "/2/media/subtitles",
  operation: "media.subtitles.delete",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const state = yield* State
      const body = yield* decodeV2(SubtitlesDeleteBody, yield* jsonObject, { excess: "ignore" })
      const video = yield* videoFor(ctx, body.id, body.media_category)
      const code = body.language_code.toUpperCase()
      const had = video.subtitles.some((t) => t.language_code === code)
      if (!had) return yield* Respond.invalidRequest(`Media ${video.id} has no ${code} subtitles.`, { language_code: [code] })
      yield* state.updateMedia(video.id, (m) => ({ ...m, subtitles: m.subtitles.filter((t) => t.language_code !== code) }))
      yield* state.persist
      return data(200, { deleted: true })
    }))
}

/** A media key as X's lookup routes check it (`<category number>_<media id>`). */
const MEDIA_KEY = /^([0-9]+)_([0-9]+)$/

/** The `media.fields` values X accepts: core's schema is the one list. */
const MEDIA_FIELDS: ReadonlySet<string> = new Set(MediaLookup.MediaField.literals)

const mediaView = (m: MediaRecord, fields: ReadonlyArray<string>) => {
  const alt = m.metadata?.alt_text
  return {
    media_key: m.mediaKey,
    type: mediaTypeName(m),
    ...(fields.includes("width") && m.probe?.width !== undefined ? { width: m.probe.width } : {}),
    ...(fields.includes("height") && m.probe?.height !== undefined ? { height: m.probe.height } : {}),
    ...(fields.includes("duration_ms") && m.probe?.durationMs !== undefined ? { duration_ms: m.probe.durationMs } : {}),
    ...(fields.includes("alt_text") && isRecord(alt) && typeof alt.text === "string" ? { alt_text: alt.text } : {})
  }
}

const lookupFields = (query: URLSearchParams) =>
  Effect.gen(function*() {
    const fields = list(query.get("media.fields"))
    const bad = fields.find((f) => !MEDIA_FIELDS.has(f))
    if (bad !== undefined) {
      return yield* Respond.invalidRequest(`The \`media.fields\` query parameter value [${bad}] is not one of [${Array.from(MEDIA_FIELDS).join(",")}]`, { "media.fields": [bad] })
    }
    return fields
  })

/** The `media_keys` query list (1 to 100 keys), shared by the multi-key lookup and analytics. */
const mediaKeysParam = (query: URLSearchParams) => {
  const keys = list(query.get("media_keys"))
  return keys.length < 1 || keys.length > 100
    ? Effect.fail(Respond.invalidRequest("The `media_keys` query parameter must list 1 to 100 media keys", { media_keys: keys }))
    : Effect.succeed(keys)
}

/** A multi-key answer: `data` with what was found, `errors` with what was not (each only when non-empty). */
const partialResponse = (found: ReadonlyArray<unknown>, errors: ReadonlyArray<unknown>) =>
  Respond.json(200, { ...(found.length > 0 ? { data: found } : {}), ...(errors.length > 0 ? { errors } : {}) })

const visible = (m: MediaRecord | undefined, ctx: HandlerContext): m is MediaRecord =>
  m !== undefined && m.finalized && (ctx.auth.kind === "app-only" || canUse(m, ctx.auth.userId))

const lookupOne: Route = {
  method: "GET",
  path: "/2/media/:media_key",
  operation: "media.lookup",
  api: "v2",
  auth: { _tag: "user", scopes: ["tweet.read"], allowApp: true },
  handler: (ctx) =>
    Effect.gen(function*() {
      const state = yield* State
      const key = ctx.params["media_key"] ?? ""
      if (!MEDIA_KEY.test(key)) return yield* Respond.invalidRequest(`The \`media_key\` query parameter value [${key}] does not match ^([0-9]+)_([0-9]+)$`, { media_key: [key] })
      const fields = yield* lookupFields(ctx.query)
      const m = yield* state.getMediaByKey(key)
      if (!visible(m, ctx)) return Respond.json(200, { errors: [notFoundError("media", "media_key", key)] })
      return data(200, mediaView(m, fields))
    })
}

const lookupMany: Route = {
  method: "GET",
  path: "/2/media",
  operation: "media.lookup",
  api: "v2",
  auth: { _tag: "user", scopes: ["tweet.read"], allowApp: true },
  handler: (ctx) =>
    Effect.gen(function*() {
      const state = yield* State
      const keys = yield* mediaKeysParam(ctx.query)
      const bad = keys.find((k) => !MEDIA_KEY.test(k))
      if (bad !== undefined) return yield* Respond.invalidRequest(`The \`media_keys\` query parameter value [${bad}] does not match ^([0-9]+)_([0-9]+)$`, { media_keys: [bad] })
      const fields = yield* lookupFields(ctx.query)
      const found: Array<unknown> = []
      const errors: Array<unknown> = []
      for (const key of keys) {
        const m = yield* state.getMediaByKey(key)
        if (visible(m, ctx)) found.push(mediaView(m, fields))
        else errors.push(notFoundError("media", "media_keys", key))
      }
      return partialResponse(found, errors)
    })
}

/** The counters of a metrics bucket: core's `media_analytics.fields` list without the structural fields. */
const ANALYTICS_FIELDS = MediaAnalytics.Field.literals.filter((f) =>
  f !== "media_key" && f !== "timestamp" && f !== "timestamped_metrics"
)

const analytics: Route = {
  method: "GET",
  path: "/2/media/analytics",
  operation: "media.analytics",
  api: "v2",
  auth: { _tag: "user", scopes: ["tweet.read"] },
  handler: (ctx) =>
    Effect.gen(function*() {
      const state = yield* State
      const keys = yield* mediaKeysParam(ctx.query)
      const start = Date.parse(ctx.query.get("start_time") ?? "")
      const end = Date.parse(ctx.query.get("end_time") ?? "")
      if (Number.isNaN(start)) return yield* Respond.invalidRequest("The `start_time` query parameter is required (YYYY-MM-DDTHH:mm:ssZ)", { start_time: [ctx.query.get("start_time") ?? ""] })
      if (Number.isNaN(end) || end < start) return yield* Respond.invalidRequest("The `end_time` query parameter is required and must not be before start_time", { end_time: [ctx.query.get("end_time") ?? ""] })
      const granularity = ctx.query.get("granularity") ?? "daily"
      if (!["hourly", "daily", "total"].includes(granularity)) {
        return yield* Respond.invalidRequest(`The \`granularity\` query parameter value [${granularity}] is not one of [hourly,daily,total]`, { granularity: [granularity] })
      }
      const step = granularity === "hourly" ? 3600_000 : 86400_000
      const buckets: Array<number> = []
      if (granularity === "total") buckets.push(start)
      else for (let t = Math.floor(start / step) * step; t < end && buckets.length < 2000; t += step) buckets.push(t)
      const zero = Object.fromEntries(ANALYTICS_FIELDS.map((f) => [f, 0]))
      const out: Array<unknown> = []
      const errors: Array<unknown> = []
      for (const key of keys) {
        const m = yield* state.getMediaByKey(key)
        if (!visible(m, ctx)) {
          errors.push(notFoundError("media", "media_keys", key))
          continue
        }
        out.push({
          media_key: key,
          timestamped_metrics: buckets.map((t) => ({ timestamp: new Date(t).toISOString().replace(".000Z", "Z"), metrics: zero }))
        })
      }
      return partialResponse(out, errors)
    })
}

/** The v2 metadata, subtitles, analytics and lookup routes (order matters: fixed paths before `:media_key`). @internal */
export const routes: ReadonlyArray<Route> = [
  metadataRoute,
  subtitlesCreate,
  subtitlesDelete,
  analytics,
  lookupMany,
  lookupOne
]
