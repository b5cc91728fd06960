/**
 * v1.1 upload-host routes: `/1.1/media/upload.json` (INIT, APPEND with `media` or `media_data`, FINALIZE, STATUS,
 * simple upload), `/1.1/media/metadata/create.json`, `/1.1/media/subtitles/create.json` and `/delete.json`.
 * OAuth 1.0a user context only; numeric `media_id` plus `media_id_string`; no `data` envelope; v1.1 error bodies.
 *
 * @internal
 */
import { FileSystem, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Clock, Effect } from "effect"
import type { AuthRequirement } from "../../auth.js"
import { Settings } from "../../config.js"
import { update } from "../../context.js"
import type { MediaRecord } from "../../state/State.js"
import { State } from "../../state/State.js"
import * as Body from "../body.js"
import * as Ops from "../mediaOps.js"
import * as Respond from "../respond.js"
import type { HandlerContext, Route } from "../router.js"

/** v1.1 auth: OAuth 1.0a user context (no scopes; bearer tokens refused). @internal */
export const v1Auth: AuthRequirement = { _tag: "user", scopes: [], oauth2: false }

/** A JSON text where `media_id` is a bare 64-bit number (JavaScript numbers cannot hold 19 digits). @internal */
export const v1Json = (status: number, body: Record<string, unknown>) => {
  const text = JSON.stringify(body).replace(/"media_id":"([0-9]+)"/, "\"media_id\":$1")
  return HttpServerResponse.text(text, { status, contentType: "application/json; charset=utf-8" })
}

/** Maps body and media failures to v1.1 error bodies. @internal */
export const mapV1Errors = <A, R>(
  effect: Effect.Effect<A, Body.BodyError | Ops.MediaProblem | Respond.HttpFailure, R>
): Effect.Effect<A, Respond.HttpFailure, R> =>
  Effect.mapError(effect, (e) => {
    if (e._tag === "HttpFailure") return e
    if (e._tag === "BodyError") {
      switch (e.reason) {
        case "TooLarge":
          return new Respond.HttpFailure({
            status: 413,
            body: { errors: [{ code: 44, message: `media parameter is invalid: the request exceeds ${e.limit} bytes.` }] },
            contentType: "application/json; charset=utf-8",
            headers: { connection: "close" }
          })
        case "Io":
          return Respond.v1Error(500, 131, "Internal error.")
        default:
          return Respond.v1Error(400, 44, `The request body is invalid (${e.detail ?? e.reason}).`)
      }
    }
    switch (e.kind) {
      case "Missing":
        return Respond.v1Error(400, 38, `${e.param} parameter is missing.`)
      case "UnknownMedia":
      case "Expired":
        return Respond.v1Error(400, 324, "The validation of media ids failed.")
      case "Unrecognized":
        return new Respond.HttpFailure({
          status: 400,
          body: { request: "/1.1/media/upload.json", error: `${e.message.replace(/\.$/, "")}.` },
          contentType: "application/json; charset=utf-8"
        })
      default:
        return Respond.v1Error(400, 44, `${e.param} parameter is invalid. ${e.message}`)
    }
  })

/** The v1.1 shape of an upload record. @internal */
export const v1Upload = (m: MediaRecord, now: number, withKey: boolean) => {
  const d = Ops.uploadData(m, now)
  const { id, media_key, ...rest } = d
  return { media_id: id, media_id_string: id, ...(withKey ? { media_key } : {}), ...rest }
}

const tmpDir = Ops.tmpDir

const ownersFrom = (raw: string | undefined) =>
  raw === undefined || raw === "" ? [] : raw.split(",").map((s) => s.trim()).filter((s) => s !== "")

const readParams = (ctx: HandlerContext) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const settings = yield* Settings
    const ct = Body.contentTypeOf(request)
    const fields: Record<string, string> = Object.fromEntries(ctx.query)
    if (ct === "multipart/form-data") {
      yield* Body.checkDeclaredLength(request, Math.ceil(settings.maxChunkBytes * 4 / 3) + 64 * 1024)
      const body = yield* Body.readMultipart(yield* tmpDir, settings.maxChunkBytes)
      return { fields: { ...fields, ...body.fields }, files: body.files }
    }
    if (ct === "application/x-www-form-urlencoded") {
      const form = yield* Body.readForm(Math.ceil(settings.maxChunkBytes * 4 / 3) + 64 * 1024)
      return { fields: { ...fields, ...form }, files: {} as Record<string, Body.DiskFile> }
    }
    return { fields, files: {} as Record<string, Body.DiskFile> }
  })

/** The chunk of an APPEND / simple upload: `media` (raw) or `media_data` (base64), never both. */
const mediaFile = (params: { fields: Record<string, string>; files: Record<string, Body.DiskFile> }) =>
  Effect.gen(function*() {
    const settings = yield* Settings
    const raw = params.files["media"]
    const b64 = params.fields["media_data"]
    if (raw !== undefined && b64 !== undefined) {
      return yield* Respond.v1Error(400, 44, "media and media_data cannot be used together.")
    }
    if (raw !== undefined) return raw
    if (params.fields["media"] !== undefined) {
      return yield* Body.bytesToFile(yield* tmpDir, new TextEncoder().encode(params.fields["media"]))
    }
    if (b64 === undefined) return yield* new Ops.MediaProblem({ kind: "Missing", param: "media", message: "media parameter is missing." })
    const bytes = Body.decodeBase64(b64)
    if (bytes === undefined) return yield* Respond.v1Error(400, 44, "media_data parameter is invalid.")
    if (bytes.length > settings.maxChunkBytes) return yield* new Body.BodyError({ reason: "TooLarge", limit: settings.maxChunkBytes })
    return yield* Body.bytesToFile(yield* tmpDir, bytes)
  })

const operationOf = (command: string | undefined) =>
  command === "INIT"
    ? "v1.media.init"
    : command === "APPEND"
    ? "v1.media.append"
    : command === "FINALIZE"
    ? "v1.media.finalize"
    : command === "STATUS"
    ? "v1.media.status"
    : "v1.media.upload"

const upload: Route = {
  method: "POST",
  path: "/1.1/media/upload.json",
  operation: "v1.media.upload",
  operationFor: (q) => operationOf(q.get("command") ?? undefined),
  api: "v1.1",
  auth: v1Auth,
  handler: (ctx) =>
    mapV1Errors(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const params = yield* readParams(ctx)
      const f = params.fields
      const command = f["command"]
      yield* update((i) => ({ ...i, operation: operationOf(command), mediaId: f["media_id"] ?? i.mediaId }))
      const cleanup = Effect.forEach(Object.values(params.files), (x) => fs.remove(x.path).pipe(Effect.ignore), { discard: true })
      return yield* Effect.gen(function*() {
        const userId = ctx.auth.userId ?? ""
        const now = yield* Clock.currentTimeMillis
        switch (command) {
          case "INIT": {
            const m = yield* Ops.init({
              userId,
              mediaType: f["media_type"],
              totalBytes: f["total_bytes"],
              category: f["media_category"],
              additionalOwners: ownersFrom(f["additional_owners"]),
              shared: f["shared"] === "true",
              source: "v1-chunked",
              strictMediaType: false
            })
            return v1Json(202, {
              media_id: m.id,
              media_id_string: m.id,
              ...(f["media_category"] !== undefined ? { media_key: m.mediaKey } : {}),
              expires_after_secs: Ops.expiresAfterSecs(m, now)
            })
          }
          case "APPEND": {
            const id = f["media_id"]
            if (id === undefined || id === "") return yield* new Ops.MediaProblem({ kind: "Missing", param: "media_id", message: "" })
            yield* Ops.usableMedia(id, userId)
            const index = yield* Ops.parseSegmentIndex(f["segment_index"])
            const file = yield* mediaFile(params)
            yield* update((i) => ({ ...i, bodySha256: file.sha256 }))
            yield* Ops.append(id, userId, index, file)
            return HttpServerResponse.empty({ status: 204 })
          }
          case "FINALIZE": {
            const id = f["media_id"]
            if (id === undefined || id === "") return yield* new Ops.MediaProblem({ kind: "Missing", param: "media_id", message: "" })
            const m = yield* Ops.finalize(id, userId)
            return v1Json(200, v1Upload(m, yield* Clock.currentTimeMillis, false))
          }
          case undefined: {
            const file = yield* mediaFile(params)
            const m = yield* Ops.oneShot({
              userId,
              file,
              mediaType: undefined,
              category: f["media_category"],
              additionalOwners: ownersFrom(f["additional_owners"]),
              shared: f["shared"] === "true",
              source: "v1-simple",
              strictMediaType: false
            })
            return v1Json(200, v1Upload(m, yield* Clock.currentTimeMillis, f["media_category"] !== undefined))
          }
          default:
            return yield* Respond.v1Error(400, 44, `command parameter is invalid: ${command}.`)
        }
      }).pipe(Effect.ensuring(cleanup))
    }))
}

const status: Route = {
  method: "GET",
  path: "/1.1/media/upload.json",
  operation: "v1.media.status",
  api: "v1.1",
  auth: v1Auth,
  handler: (ctx) =>
    mapV1Errors(Effect.gen(function*() {
      if (ctx.query.get("command") !== "STATUS") return yield* Respond.v1Error(400, 44, "command parameter is invalid.")
      const id = ctx.query.get("media_id")
      if (id === null || id === "") return yield* new Ops.MediaProblem({ kind: "Missing", param: "media_id", message: "" })
      const m = yield* Ops.status(id, ctx.auth.userId)
      return v1Json(200, v1Upload(m, yield* Clock.currentTimeMillis, false))
    }))
}

const jsonBody = Effect.gen(function*() {
  const settings = yield* Settings
  const raw = yield* Body.readJson(settings.maxJsonBytes, { allowTextPlain: true, bigIntsAsStrings: true }).pipe(
    Effect.catchTag("BodyError", (e) =>
      Effect.fail(
        e.reason === "WrongContentType"
          ? Respond.v1Error(400, 44, "Content-Type must be application/json.")
          : Respond.v1Error(400, 44, "The request body is not valid JSON.")
      ))
  )
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return yield* Respond.v1Error(400, 38, "media_id parameter is missing.")
  return raw as Record<string, unknown>
})

const isId = (u: unknown): u is string => typeof u === "string" && /^[0-9]{1,19}$/.test(u)
const idOf = (u: unknown) => (typeof u === "number" ? String(u) : u)

const metadata: Route = {
  method: "POST",
  path: "/1.1/media/metadata/create.json",
  operation: "v1.media.metadata.create",
  api: "v1.1",
  auth: v1Auth,
  handler: (ctx) =>
    mapV1Errors(Effect.gen(function*() {
      const state = yield* State
      const body = yield* jsonBody
      const id = idOf(body.media_id)
      if (!isId(id)) return yield* Respond.v1Error(400, 38, "media_id parameter is missing.")
      const alt = body.alt_text
      if (alt === null || typeof alt !== "object" || typeof (alt as Record<string, unknown>).text !== "string") {
        return yield* Respond.v1Error(400, 38, "alt_text parameter is missing.")
      }
      const text = (alt as { text: string }).text
      if (text.length > 1000) return yield* Respond.v1Error(400, 44, "alt_text parameter is invalid: it must be <= 1000 characters.")
      yield* update((i) => ({ ...i, mediaId: id }))
      yield* Ops.usableMedia(id, ctx.auth.userId)
      yield* state.updateMedia(id, (m) => ({ ...m, metadata: { ...(m.metadata ?? {}), alt_text: { text } } }))
      yield* state.persist
      return HttpServerResponse.empty({ status: 200 })
    }))
}

const videoOf = (ctx: HandlerContext, body: Record<string, unknown>) =>
  Effect.gen(function*() {
    const id = idOf(body.media_id)
    if (!isId(id)) return yield* Respond.v1Error(400, 38, "media_id parameter is missing.")
    yield* update((i) => ({ ...i, mediaId: id }))
    const video = yield* Ops.usableMedia(id, ctx.auth.userId).pipe(
      Effect.catchTag("MediaProblem", () => Effect.fail(Respond.v1Error(404, 325, "A media id was not found.")))
    )
    const wanted = typeof body.media_category === "string" ? Ops.parseCategory(body.media_category) : undefined
    if (wanted === undefined || (wanted !== "tweet_video" && wanted !== "amplify_video") || wanted !== video.category) {
      return yield* Respond.v1Error(400, 44, "media_category parameter is invalid.")
    }
    const info = body.subtitle_info
    const subs = info !== null && typeof info === "object" ? (info as Record<string, unknown>).subtitles : undefined
    if (!Array.isArray(subs) || subs.length === 0) return yield* Respond.v1Error(400, 38, "subtitle_info parameter is missing.")
    return { video, subs: subs as ReadonlyArray<Record<string, unknown>> }
  })

const subtitlesCreate: Route = {
  method: "POST",
  path: "/1.1/media/subtitles/create.json",
  operation: "v1.media.subtitles.create",
  api: "v1.1",
  auth: v1Auth,
  handler: (ctx) =>
    mapV1Errors(Effect.gen(function*() {
      const state = yield* State
      const body = yield* jsonBody
      const { subs, video } = yield* videoOf(ctx, body)
      const now = yield* Clock.currentTimeMillis
      const tracks: Array<{ id: string; language_code: string; display_name: string }> = []
      for (const s of subs) {
        const sid = idOf(s.media_id)
        if (!isId(sid) || typeof s.language_code !== "string" || !/^[a-zA-Z]{2}$/.test(s.language_code) || typeof s.display_name !== "string") {
          return yield* Respond.v1Error(400, 44, "subtitle_info parameter is invalid.")
        }
        const file = yield* state.getMedia(sid)
        if (file === undefined || file.ownerId !== ctx.auth.userId || file.category !== "subtitles" || !Ops.isReady(file, now)) {
          return yield* Respond.v1Error(400, 44, "subtitle_info parameter is invalid: the subtitle media id is not an uploaded subtitles file.")
        }
        tracks.push({ id: sid, language_code: s.language_code.toUpperCase(), display_name: s.display_name })
      }
      yield* state.updateMedia(video.id, (m) => ({
        ...m,
        subtitles: [...m.subtitles.filter((t) => !tracks.some((n) => n.language_code === t.language_code)), ...tracks]
      }))
      yield* state.persist
      return HttpServerResponse.empty({ status: 200 })
    }))
}

const subtitlesDelete: Route = {
  method: "POST",
  path: "/1.1/media/subtitles/delete.json",
  operation: "v1.media.subtitles.delete",
  api: "v1.1",
  auth: v1Auth,
  handler: (ctx) =>
    mapV1Errors(Effect.gen(function*() {
      const state = yield* State
      const body = yield* jsonBody
      const { subs, video } = yield* videoOf(ctx, body)
      const codes = subs.map((s) => (typeof s.language_code === "string" ? s.language_code.toUpperCase() : ""))
      if (codes.some((c) => !video.subtitles.some((t) => t.language_code === c))) {
        return yield* Respond.v1Error(404, 325, "A media id was not found.")
      }
      yield* state.updateMedia(video.id, (m) => ({ ...m, subtitles: m.subtitles.filter((t) => !codes.includes(t.language_code)) }))
      yield* state.persist
      return HttpServerResponse.empty({ status: 200 })
    }))
}

/** The v1.1 media routes. @internal */
export const routes: ReadonlyArray<Route> = [upload, status, metadata, subtitlesCreate, subtitlesDelete]
