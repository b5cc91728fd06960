/**
 * v2 media metadata, subtitles, analytics and lookups: `POST /2/media/metadata`, `POST|DELETE /2/media/subtitles`,
 * `GET /2/media/analytics`, `GET /2/media/{media_key}`, `GET /2/media?media_keys=`.
 *
 * @internal
 */
import { MediaAnalytics, MediaLookup } from "@xmedia/core"
import { Clock, Effect } from "effect"
import type { AuthRequirement } from "../../auth.js"
import type { MediaRecord, SubtitleTrack } from "../../state/State.js"
import { State } from "../../state/State.js"
import * as Ops from "../mediaOps.js"
import * as Respond from "../respond.js"
import type { HandlerContext, Route } from "../router.js"
import { mapErrors } from "./problems.js"
import { data, isId, jsonObject, list, mediaTypeName, notFoundError } from "./shared.js"

const mediaWrite: AuthRequirement = { _tag: "user", scopes: ["media.write"] }

const METADATA_KEYS = new Set([
  "allow_download_status",
  "alt_text",
  "audience_policy",
  "content_expiration",
  "domain_restrictions",
  "found_media_origin",
  "geo_restrictions",
  "management_info",
  "preview_image",
  "sensitive_media_warning",
  "shared_info",
  "sticker_info",
  "upload_source"
])

const isObject = (u: unknown): u is Record<string, unknown> => u !== null && typeof u === "object" && !Array.isArray(u)

const checkMetadata = (metadata: Record<string, unknown>) =>
  Effect.gen(function*() {
    for (const [k, v] of Object.entries(metadata)) {
      if (!METADATA_KEYS.has(k)) {
        return yield* Respond.invalidRequest(`$.metadata.${k}: is not defined in the schema and the schema does not allow additional properties`, { [`metadata.${k}`]: [""] })
      }
      if (!isObject(v)) return yield* Respond.invalidRequest(`$.metadata.${k}: expected type: JSONObject`, { [`metadata.${k}`]: [""] })
    }
    const alt = metadata.alt_text
    if (isObject(alt)) {
      if (typeof alt.text !== "string") return yield* Respond.invalidRequest("$.metadata.alt_text.text: is missing but it is required", { "metadata.alt_text.text": [""] })
      if (alt.text.length > 1000) {
        return yield* Respond.invalidRequest("$.metadata.alt_text.text: expected maxLength: 1000", { "metadata.alt_text.text": [String(alt.text.length)] })
      }
    }
    const geo = metadata.geo_restrictions
    if (isObject(geo)) {
      const w = Array.isArray(geo.whitelisted_country_codes) ? geo.whitelisted_country_codes : []
      const b = Array.isArray(geo.blacklisted_country_codes) ? geo.blacklisted_country_codes : []
      if ((w.length > 0) === (b.length > 0)) {
        return yield* Respond.invalidRequest(
          "$.metadata.geo_restrictions: exactly one of whitelisted_country_codes and blacklisted_country_codes must be non-empty",
          { "metadata.geo_restrictions": [""] }
        )
      }
      const badCode = [...w, ...b].find((c) => typeof c !== "string" || !/^[a-zA-Z]{2}$/.test(c))
      if (badCode !== undefined) return yield* Respond.invalidRequest(`$.metadata.geo_restrictions: invalid country code ${String(badCode)}`, { "metadata.geo_restrictions": [String(badCode)] })
    }
    const stickers = metadata.sticker_info
    if (isObject(stickers) && (!Array.isArray(stickers.stickers) || stickers.stickers.length < 1 || stickers.stickers.length > 25)) {
      return yield* Respond.invalidRequest("$.metadata.sticker_info.stickers: Stickers list must not be empty and should not exceed 25", { "metadata.sticker_info.stickers": [""] })
    }
  })

const metadataRoute: Route = {
  method: "POST",
  path: "/2/media/metadata",
  operation: "media.metadata.create",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const state = yield* State
      const body = yield* jsonObject
      const extra = Object.keys(body).find((k) => k !== "id" && k !== "metadata")
      if (extra !== undefined) return yield* Respond.invalidRequest(`$.${extra}: is not defined in the schema and the schema does not allow additional properties`, { [extra]: [""] })
      if (!isId(body.id)) return yield* Respond.invalidRequest("$.id: is missing but it is required", { id: [String(body.id ?? "")] })
      const metadata = body.metadata === undefined ? {} : body.metadata
      if (!isObject(metadata)) return yield* Respond.invalidRequest("$.metadata: expected type: JSONObject", { metadata: [""] })
      yield* checkMetadata(metadata)
      yield* Ops.usableMedia(body.id, ctx.auth.userId, "id")
      const updated = yield* state.updateMedia(body.id, (m) => ({ ...m, metadata: { ...(m.metadata ?? {}), ...metadata } }))
      yield* state.persist
      return data(200, { id: body.id, associated_metadata: updated?.metadata ?? metadata })
    }))
}

const pascalOf = (m: MediaRecord) =>
  m.category === "tweet_video" ? "TweetVideo" : m.category === "amplify_video" ? "AmplifyVideo" : undefined

const videoFor = (ctx: HandlerContext, id: unknown, category: unknown) =>
  Effect.gen(function*() {
    if (!isId(id)) return yield* Respond.invalidRequest("$.id: is missing but it is required", { id: [String(id ?? "")] })
    if (category !== "TweetVideo" && category !== "AmplifyVideo") {
      return yield* Respond.invalidRequest(`$.media_category: ${String(category)} is not a valid enum value`, { media_category: [String(category ?? "")] })
    }
    const video = yield* Ops.usableMedia(id, ctx.auth.userId, "id")
    if (pascalOf(video) !== category) {
      return yield* Respond.invalidRequest(`Media ${id} is not a ${category} (it was uploaded as ${video.category}).`, { media_category: [category] })
    }
    return video
  })

const subtitlesCreate: Route = {
  method: "POST",
  path: "/2/media/subtitles",
  operation: "media.subtitles.create",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const state = yield* State
      const body = yield* jsonObject
      const video = yield* videoFor(ctx, body.id, body.media_category)
      const sub = body.subtitles
      if (!isObject(sub)) return yield* Respond.invalidRequest("$.subtitles: is missing but it is required", { subtitles: [""] })
      if (!isId(sub.id)) return yield* Respond.invalidRequest("$.subtitles.id: is missing but it is required", { "subtitles.id": [String(sub.id ?? "")] })
      if (typeof sub.language_code !== "string" || !/^[a-zA-Z]{2}$/.test(sub.language_code)) {
        return yield* Respond.invalidRequest("$.subtitles.language_code: does not match pattern ^[A-Z]{2}$", { "subtitles.language_code": [String(sub.language_code ?? "")] })
      }
      if (typeof sub.display_name !== "string" || sub.display_name === "") {
        return yield* Respond.invalidRequest("$.subtitles.display_name: is missing but it is required", { "subtitles.display_name": [""] })
      }
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
      const body = yield* jsonObject
      const video = yield* videoFor(ctx, body.id, body.media_category)
      if (typeof body.language_code !== "string" || !/^[a-zA-Z]{2}$/.test(body.language_code)) {
        return yield* Respond.invalidRequest("$.language_code: is missing but it is required", { language_code: [String(body.language_code ?? "")] })
      }
      const code = body.language_code.toUpperCase()
      const had = video.subtitles.some((t) => t.language_code === code)
      if (!had) return yield* Respond.invalidRequest(`Media ${video.id} has no ${code} subtitles.`, { language_code: [code] })
      yield* state.updateMedia(video.id, (m) => ({ ...m, subtitles: m.subtitles.filter((t) => t.language_code !== code) }))
      yield* state.persist
      return data(200, { deleted: true })
    }))
}

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
    ...(fields.includes("alt_text") && isObject(alt) && typeof alt.text === "string" ? { alt_text: alt.text } : {})
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

const visible = (m: MediaRecord | undefined, ctx: HandlerContext): m is MediaRecord =>
  m !== undefined && m.finalized && (ctx.auth.kind === "app-only" || m.ownerId === ctx.auth.userId || m.additionalOwners.includes(ctx.auth.userId ?? ""))

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
      if (!/^([0-9]+)_([0-9]+)$/.test(key)) return yield* Respond.invalidRequest(`The \`media_key\` query parameter value [${key}] does not match ^([0-9]+)_([0-9]+)$`, { media_key: [key] })
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
      const keys = list(ctx.query.get("media_keys"))
      if (keys.length < 1 || keys.length > 100) {
        return yield* Respond.invalidRequest("The `media_keys` query parameter must list 1 to 100 media keys", { media_keys: keys })
      }
      const bad = keys.find((k) => !/^([0-9]+)_([0-9]+)$/.test(k))
      if (bad !== undefined) return yield* Respond.invalidRequest(`The \`media_keys\` query parameter value [${bad}] does not match ^([0-9]+)_([0-9]+)$`, { media_keys: [bad] })
      const fields = yield* lookupFields(ctx.query)
      const found: Array<unknown> = []
      const errors: Array<unknown> = []
      for (const key of keys) {
        const m = yield* state.getMediaByKey(key)
        if (visible(m, ctx)) found.push(mediaView(m, fields))
        else errors.push(notFoundError("media", "media_keys", key))
      }
      return Respond.json(200, { ...(found.length > 0 ? { data: found } : {}), ...(errors.length > 0 ? { errors } : {}) })
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
      const keys = list(ctx.query.get("media_keys"))
      if (keys.length < 1 || keys.length > 100) {
        return yield* Respond.invalidRequest("The `media_keys` query parameter must list 1 to 100 media keys", { media_keys: keys })
      }
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
        if (m === undefined || !visible(m, ctx)) {
          errors.push(notFoundError("media", "media_keys", key))
          continue
        }
        out.push({
          media_key: key,
          timestamped_metrics: buckets.map((t) => ({ timestamp: new Date(t).toISOString().replace(".000Z", "Z"), metrics: zero }))
        })
      }
      return Respond.json(200, { ...(out.length > 0 ? { data: out } : {}), ...(errors.length > 0 ? { errors } : {}) })
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
