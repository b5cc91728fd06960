/**
 * v1.1 upload-host routes: `/1.1/media/upload.json` (INIT, APPEND with `media` or `media_data`, FINALIZE, STATUS,
 * simple upload), `/1.1/media/metadata/create.json`, `/1.1/media/subtitles/create.json` and `/delete.json`.
 * OAuth 1.0a user context only; numeric `media_id` plus `media_id_string`; no `data` envelope; v1.1 error bodies.
 *
 * @internal
 */
import { FileSystem, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { MediaV1 } from "@xmedia/core"
import { Clock, Effect, ParseResult, Schema } from "effect"
import type { AuthRequirement } from "../../auth.js"
import { Settings } from "../../config.js"
import { update } from "../../context.js"
import type { MediaRecord } from "../../state/State.js"
import { State } from "../../state/State.js"
import * as Body from "../body.js"
import * as FormFields from "../formFields.js"
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

/**
 * Decodes a v1.1 JSON body or form fields with a request Schema (core's `MediaV1` schemas, or form-field schemas
 * built from them in `formFields.ts`, loosened where X is looser). Unknown keys are ignored (v1.1 never refused
 * them). A failure becomes X's v1.1 body: code 38 `<param> parameter is missing.` for a missing key, else code 44
 * `<param> parameter is invalid.` with the reason (X's v1.1 codes, research §8.2), where `<param>` is the top-level
 * parameter.
 */
const decodeV1 = <A, I>(schema: Schema.Schema<A, I>, body: unknown) =>
  Schema.decodeUnknown(schema, { onExcessProperty: "ignore", errors: "first" })(body).pipe(
    Effect.mapError((e) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(e)[0]
      const param = String(issue?.path[0] ?? "request")
      return issue?._tag === "Missing"
        ? Respond.v1Error(400, 38, `${param} parameter is missing.`)
        : Respond.v1Error(400, 44, `${param} parameter is invalid: ${issue?.path.map(String).join(".")}: ${issue?.message ?? ""}`)
    })
  )

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
  bodyFields: {
    operationFor: (fields) => operationOf(fields.get("command") ?? undefined),
    formLimit: (settings) => Math.ceil(settings.maxChunkBytes * 4 / 3) + 64 * 1024
  },
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
            // Core's MediaV1.InitializeRequest read from text fields (see FormFields.V1Init for X's looser points).
            const req = yield* decodeV1(FormFields.V1Init, FormFields.present(f))
            const m = yield* Ops.initFrom(userId, req, "v1-chunked")
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
            const { segment_index: index } = yield* decodeV1(FormFields.SegmentIndexFields, FormFields.present(f))
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
            const fields = yield* decodeV1(FormFields.V1UploadFields, FormFields.present(f))
            const file = yield* mediaFile(params)
            const m = yield* Ops.oneShot({
              userId,
              file,
              mediaType: undefined,
              category: fields.media_category,
              additionalOwners: fields.additional_owners ?? [],
              shared: fields.shared ?? false,
              source: "v1-simple"
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

const idOf = (u: unknown) => (typeof u === "number" ? String(u) : u)

/** `media_id` may arrive as a JSON number (v1.1 clients send 64-bit ids bare; long ones are quoted on read). */
const withStringIds = (body: Record<string, unknown>): Record<string, unknown> => {
  const info = body.subtitle_info
  const subs = info !== null && typeof info === "object" ? (info as Record<string, unknown>).subtitles : undefined
  return {
    ...body,
    ...(body.media_id === undefined ? {} : { media_id: idOf(body.media_id) }),
    ...(Array.isArray(subs)
      ? {
        subtitle_info: {
          ...(info as Record<string, unknown>),
          subtitles: subs.map((t: unknown) =>
            t !== null && typeof t === "object" && "media_id" in t ? { ...t, media_id: idOf(t.media_id) } : t
          )
        }
      }
      : {})
  }
}

/**
 * Language codes in either case: X's v1.1 page writes "BCP47 code (e.g. 'en', 'sp')" next to an "EN" example (research
 * §11.15); core's `Ids.LanguageCode` (upper case only) is a client-side choice, stricter than X.
 */
const AnyCaseLanguageCode = Schema.String.pipe(
  Schema.pattern(/^[a-zA-Z]{2}$/, { message: () => "language_code must be a two-letter code" })
)

/**
 * `media_category` as text: X's examples write `TweetVideo`, and the emulator also takes `tweet_video` (the Feb-2025
 * v2 spelling); the category is checked against the video below. Core's `Ids.SubtitleVideoCategory` takes only the
 * PascalCase spelling its client sends.
 */
const VideoCategoryText = Schema.String

/** `subtitles/create.json`: core's `MediaV1.SubtitlesCreateRequest`, loosened as above. */
const SubtitlesCreateBody = Schema.Struct({
  ...MediaV1.SubtitlesCreateRequest.fields,
  media_category: VideoCategoryText,
  subtitle_info: Schema.Struct({
    subtitles: Schema.NonEmptyArray(Schema.Struct({ ...MediaV1.SubtitleTrack.fields, language_code: AnyCaseLanguageCode }))
  })
})

/** `subtitles/delete.json`: core's `MediaV1.SubtitlesDeleteRequest`, loosened as above. */
const SubtitlesDeleteBody = Schema.Struct({
  ...MediaV1.SubtitlesDeleteRequest.fields,
  media_category: VideoCategoryText,
  subtitle_info: Schema.Struct({ subtitles: Schema.NonEmptyArray(Schema.Struct({ language_code: AnyCaseLanguageCode })) })
})

const metadata: Route = {
  method: "POST",
  path: "/1.1/media/metadata/create.json",
  operation: "v1.media.metadata.create",
  api: "v1.1",
  auth: v1Auth,
  handler: (ctx) =>
    mapV1Errors(Effect.gen(function*() {
      const state = yield* State
      const raw = yield* jsonBody
      const id = idOf(raw.media_id)
      if (typeof id === "string") yield* update((i) => ({ ...i, mediaId: id }))
      // Core's schema is X's contract: media_id, alt_text.text of at most 1000 characters (X's current page).
      const body = yield* decodeV1(MediaV1.MetadataCreateRequest, withStringIds(raw))
      const text = body.alt_text.text
      yield* Ops.usableMedia(body.media_id, ctx.auth.userId)
      yield* state.updateMedia(body.media_id, (m) => ({ ...m, metadata: { ...(m.metadata ?? {}), alt_text: { text } } }))
      yield* state.persist
      return HttpServerResponse.empty({ status: 200 })
    }))
}

const videoOf = (ctx: HandlerContext, id: string, category: string) =>
  Effect.gen(function*() {
    yield* update((i) => ({ ...i, mediaId: id }))
    const video = yield* Ops.usableMedia(id, ctx.auth.userId).pipe(
      Effect.catchTag("MediaProblem", () => Effect.fail(Respond.v1Error(404, 325, "A media id was not found.")))
    )
    const wanted = Ops.parseCategory(category)
    if (wanted === undefined || (wanted !== "tweet_video" && wanted !== "amplify_video") || wanted !== video.category) {
      return yield* Respond.v1Error(400, 44, "media_category parameter is invalid.")
    }
    return video
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
      const body = yield* decodeV1(SubtitlesCreateBody, withStringIds(yield* jsonBody))
      const video = yield* videoOf(ctx, body.media_id, body.media_category)
      const now = yield* Clock.currentTimeMillis
      const tracks: Array<{ id: string; language_code: string; display_name: string }> = []
      for (const s of body.subtitle_info.subtitles) {
        const file = yield* state.getMedia(s.media_id)
        if (file === undefined || file.ownerId !== ctx.auth.userId || file.category !== "subtitles" || !Ops.isReady(file, now)) {
          return yield* Respond.v1Error(400, 44, "subtitle_info parameter is invalid: the subtitle media id is not an uploaded subtitles file.")
        }
        tracks.push({ id: s.media_id, language_code: s.language_code.toUpperCase(), display_name: s.display_name })
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
      const body = yield* decodeV1(SubtitlesDeleteBody, withStringIds(yield* jsonBody))
      const video = yield* videoOf(ctx, body.media_id, body.media_category)
      const codes = body.subtitle_info.subtitles.map((s) => s.language_code.toUpperCase())
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
