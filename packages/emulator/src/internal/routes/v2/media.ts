/**
 * v2 media upload routes: `/2/media/upload/initialize`, `/{id}/append`, `/{id}/finalize`, STATUS
 * (`GET /2/media/upload`), one-shot `POST /2/media/upload`, and the deprecated command form of the latter
 * (`command=INIT|APPEND|FINALIZE` as query or form fields).
 *
 * @internal
 */
import { FileSystem, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { MediaUpload } from "@xmedia/core"
import { Clock, Effect, Schema } from "effect"
import type { AuthRequirement } from "../../auth.js"
import { Settings } from "../../config.js"
import { update } from "../../context.js"
import * as Body from "../body.js"
import * as FormFields from "../formFields.js"
import * as Ops from "../mediaOps.js"
import * as Respond from "../respond.js"
import type { HandlerContext, Route } from "../router.js"
import { mapErrors } from "./problems.js"
import { decodeV2, isId, isRecord } from "./shared.js"

const mediaWrite: AuthRequirement = { _tag: "user", scopes: ["media.write"] }

const userOf = (ctx: HandlerContext) => ctx.auth.userId ?? ""

const tmpDir = Ops.tmpDir

/** The `:id` path parameter of the dedicated APPEND / FINALIZE routes, refused unless it is a snowflake id. */
const uploadIdParam = (ctx: HandlerContext) => {
  const id = ctx.params["id"] ?? ""
  return isId(id)
    ? Effect.succeed(id)
    : Effect.fail(Respond.invalidRequest(`The \`id\` path parameter is invalid: ${id}`, { id: [id] }))
}

const requireObjectBody = (body: unknown) =>
  isRecord(body)
    ? Effect.succeed(body)
    : Effect.fail(Respond.invalidRequest("Request body must be a JSON object."))

/**
 * The JSON body of an APPEND: X's `AppendMediaUploadRequest` (base64 `media` and `segment_index`, both required,
 * `additionalProperties: false`) with core's `segment_index` rule (an integer 0-999, what core's client sends).
 */
const AppendJsonBody = Schema.Struct({
  media: Schema.String,
  segment_index: MediaUpload.AppendRequest.fields.segment_index
})

/** A user-id list: core's rule (each a user id, at most 100). */
const Owners = MediaUpload.UploadRequest.fields.additional_owners.from

/** `additional_owners` as X's 2.167 one-shot spec types it (one comma-separated string), decoded to core's list. */
const OwnersText = FormFields.listText(Owners)

/**
 * The JSON body of the one-shot upload: X's `MediaUploadRequest` (`media` base64 and `media_category` required,
 * `additional_owners` a comma-separated string) with core's owners rule; an array of ids is taken too (core's
 * shape). `media_category` stays text and is checked by the upload itself, which also takes X's PascalCase spellings
 * and `amplify_video` (core's `Ids.MediaCategory` is the snake_case list core sends). `media_type` and `shared` are
 * tolerated (the emulator never refused them; X's spec does not list them).
 */
const UploadJsonBody = Schema.Struct({
  media: Schema.String,
  media_category: Schema.String,
  additional_owners: Schema.optional(Schema.Union(OwnersText, Owners)),
  media_type: Schema.optional(Schema.String),
  shared: Schema.optional(Schema.Boolean)
})

/** The text fields of a multipart one-shot upload (files are parts, not fields): same rules as {@link UploadJsonBody}. */
const UploadFields = Schema.Struct({
  media_category: Schema.String,
  additional_owners: Schema.optional(OwnersText),
  media_type: Schema.optional(Schema.String)
})

/** JSON for `{data: ...}`. @internal */
const data = (status: number, value: unknown) => Respond.json(status, { data: value })

const initialize: Route = {
  method: "POST",
  path: "/2/media/upload/initialize",
  operation: "media.initialize",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const settings = yield* Settings
      const raw = yield* Body.readJson(settings.maxJsonBytes)
      if (raw === undefined) return yield* Respond.invalidRequest("Request body is required.")
      yield* requireObjectBody(raw)
      const req = yield* decodeV2(MediaUpload.InitializeRequest, raw)
      const m = yield* Ops.initFrom(userOf(ctx), req, "chunked")
      const now = yield* Clock.currentTimeMillis
      return data(200, { id: m.id, media_key: m.mediaKey, expires_after_secs: Ops.expiresAfterSecs(m, now) })
    }))
}

/** Reads an APPEND body (multipart or JSON base64) to a chunk file; returns its segment index and file. @internal */
export const readAppendBody = (fieldsFromQuery: URLSearchParams | undefined) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const settings = yield* Settings
    const dir = yield* tmpDir
    const ct = Body.contentTypeOf(request)
    // Multipart overhead allowance: boundaries and part headers of the two fields.
    yield* Body.checkDeclaredLength(request, settings.maxChunkBytes + 64 * 1024)
    if (ct === "application/json") {
      const raw = yield* Body.readJson(Math.ceil(settings.maxChunkBytes * 4 / 3) + 64 * 1024)
      const obj = yield* requireObjectBody(raw)
      // X's observed answer for a missing chunk (research §8.1, [I-nta569]); the rest is the schema's.
      if (obj.media === undefined) return yield* new Ops.MediaProblem({ kind: "Missing", param: "media", message: "media parameter is missing." })
      const body = yield* decodeV2(AppendJsonBody, obj)
      const bytes = Body.decodeBase64(body.media)
      if (bytes === undefined) return yield* Respond.invalidRequest("media must be base64-encoded.", { media: [""] })
      if (bytes.length > settings.maxChunkBytes) return yield* new Body.BodyError({ reason: "TooLarge", limit: settings.maxChunkBytes })
      const index = body.segment_index
      const file = yield* Body.bytesToFile(dir, bytes)
      return { index, file, fields: {} as Record<string, string> }
    }
    if (ct !== "multipart/form-data") return yield* new Body.BodyError({ reason: "WrongContentType" })
    const body = yield* Body.readMultipart(dir, settings.maxChunkBytes)
    const fs = yield* FileSystem.FileSystem
    const cleanup = Effect.forEach(Object.values(body.files), (f) => fs.remove(f.path).pipe(Effect.ignore), { discard: true })
    return yield* Effect.gen(function*() {
      let file = body.files["media"]
      if (file === undefined && body.fields["media"] !== undefined) {
        file = yield* Body.bytesToFile(dir, new TextEncoder().encode(body.fields["media"]))
      }
      if (file === undefined && body.fields["media_data"] !== undefined) {
        const bytes = Body.decodeBase64(body.fields["media_data"])
        if (bytes === undefined) return yield* Respond.invalidRequest("media_data must be base64-encoded.", { media_data: [""] })
        file = yield* Body.bytesToFile(dir, bytes)
      }
      if (file === undefined) return yield* new Ops.MediaProblem({ kind: "Missing", param: "media", message: "media parameter is missing." })
      const raw = body.fields["segment_index"] ?? fieldsFromQuery?.get("segment_index") ?? undefined
      const { segment_index: index } = yield* decodeV2(
        FormFields.SegmentIndexFields,
        FormFields.present(raw === undefined ? {} : { segment_index: raw })
      )
      return { index, file, fields: body.fields }
    }).pipe(Effect.tapError(() => cleanup))
  })

const appendRoute: Route = {
  method: "POST",
  path: "/2/media/upload/:id/append",
  operation: "media.append",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const id = yield* uploadIdParam(ctx)
      // Unknown / foreign / expired ids are refused before the body is read.
      yield* Ops.usableMedia(id, ctx.auth.userId, "id")
      const { file, index } = yield* readAppendBody(undefined)
      yield* update((i) => ({ ...i, bodySha256: file.sha256 }))
      const m = yield* Ops.append(id, ctx.auth.userId, index, file)
      return data(200, { expires_at: Math.floor(m.expiresAt / 1000) })
    }), "multipart/form-data or application/json")
}

/**
 * FINALIZE's body: none (the spec gives it none), or `{}`. A request that says `application/json` and sends nothing
 * is refused as X refuses it (trypostit/trypost#202: "Request body must be a JSON object."; X's own TypeScript SDK
 * sends exactly that).
 */
const readNoOrEmptyJsonBody = Effect.gen(function*() {
  const settings = yield* Settings
  const request = yield* HttpServerRequest.HttpServerRequest
  const raw = yield* Body.readText(settings.maxJsonBytes)
  if (raw.trim() === "") {
    if (Body.contentTypeOf(request) === "application/json") {
      return yield* Respond.invalidRequest("Request body must be a JSON object.")
    }
    return
  }
  const parsed = yield* Effect.try({ try: (): unknown => JSON.parse(raw), catch: () => new Body.BodyError({ reason: "NotJson" }) })
  if (isRecord(parsed) && Object.keys(parsed).length === 0) return
  return yield* Respond.invalidRequest("The finalize endpoint takes no request body.")
})

const finalizeRoute: Route = {
  method: "POST",
  path: "/2/media/upload/:id/finalize",
  operation: "media.finalize",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const id = yield* uploadIdParam(ctx)
      yield* readNoOrEmptyJsonBody
      const m = yield* Ops.finalize(id, ctx.auth.userId)
      const now = yield* Clock.currentTimeMillis
      return data(200, Ops.uploadData(m, now))
    }))
}

const statusRoute: Route = {
  method: "GET",
  path: "/2/media/upload",
  operation: "media.status",
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const command = ctx.query.get("command")
      if (command !== null && command !== "STATUS") {
        return yield* Respond.invalidRequest(`The \`command\` query parameter value [${command}] is not one of [STATUS]`, { command: [command] })
      }
      const id = ctx.query.get("media_id")
      if (id === null || id === "") return yield* Respond.invalidRequest("The `media_id` query parameter can not be empty", { media_id: [""] })
      if (!/^[0-9]{1,19}$/.test(id)) return yield* Respond.invalidRequest(`The \`media_id\` query parameter value [${id}] is not valid`, { media_id: [id] })
      const m = yield* Ops.status(id, ctx.auth.userId)
      const now = yield* Clock.currentTimeMillis
      return data(200, Ops.uploadData(m, now))
    }))
}

const commandOf = (query: URLSearchParams) => {
  const c = query.get("command")
  return c === "INIT" ? "media.initialize" : c === "APPEND" ? "media.append" : c === "FINALIZE" ? "media.finalize" : "media.upload"
}

/** One-shot upload (`media` + `media_category`), or the deprecated command form. @internal */
const uploadRoute: Route = {
  method: "POST",
  path: "/2/media/upload",
  operation: "media.upload",
  operationFor: commandOf,
  bodyFields: { operationFor: commandOf, formLimit: (settings) => settings.maxJsonBytes },
  api: "v2",
  auth: mediaWrite,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const settings = yield* Settings
      const ct = Body.contentTypeOf(request)
      const queryCommand = ctx.query.get("command")
      // Command form with everything in the query (X's Python sample) or as form fields (X's quickstart).
      if (queryCommand === "APPEND") return yield* commandAppend(ctx, ctx.query)
      if (ct === "multipart/form-data" && queryCommand === null) {
        const dir = yield* tmpDir
        yield* Body.checkDeclaredLength(request, settings.maxChunkBytes * 4)
        const body = yield* Body.readMultipart(dir, settings.maxChunkBytes * 3)
        const command = body.fields["command"]
        if (command !== undefined) {
          yield* update((i) => ({ ...i, operation: commandOf(new URLSearchParams({ command })) }))
          return yield* commandWithFields(ctx, command, body)
        }
        return yield* oneShot(ctx, body)
      }
      if (ct === "application/json" && queryCommand === null) {
        const raw = yield* Body.readJson(Math.ceil(settings.maxChunkBytes * 4))
        const body = yield* decodeV2(UploadJsonBody, yield* requireObjectBody(raw))
        const bytes = Body.decodeBase64(body.media)
        if (bytes === undefined) return yield* Respond.invalidRequest("media must be base64-encoded.", { media: [""] })
        const file = yield* Body.bytesToFile(yield* tmpDir, bytes)
        return yield* oneShotFile(ctx, {
          file,
          category: body.media_category,
          mediaType: body.media_type,
          owners: body.additional_owners ?? []
        })
      }
      if (queryCommand !== null) {
        const fields: Record<string, string> = Object.fromEntries(ctx.query)
        if (ct === "application/x-www-form-urlencoded") Object.assign(fields, yield* Body.readForm(settings.maxJsonBytes))
        return yield* commandWithFields(ctx, queryCommand, { fields, files: {} })
      }
      if (ct === "application/x-www-form-urlencoded") {
        const fields = yield* Body.readForm(settings.maxJsonBytes)
        if (fields["command"] !== undefined) {
          yield* update((i) => ({ ...i, operation: commandOf(new URLSearchParams({ command: fields["command"]! })) }))
          return yield* commandWithFields(ctx, fields["command"], { fields, files: {} })
        }
      }
      return yield* Respond.invalidRequest("Requests to this endpoint must have content-type of multipart/form-data or application/json.")
    }), "multipart/form-data or application/json")
}

const oneShot = (ctx: HandlerContext, body: Body.MultipartBody) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const cleanup = Effect.forEach(Object.values(body.files), (f) => fs.remove(f.path).pipe(Effect.ignore), { discard: true })
    return yield* Effect.gen(function*() {
      let file = body.files["media"]
      if (file === undefined && body.fields["media"] !== undefined) {
        file = yield* Body.bytesToFile(yield* tmpDir, new TextEncoder().encode(body.fields["media"]))
      }
      if (file === undefined) return yield* Respond.invalidRequest("$.media: is missing but it is required", { media: [""] })
      const fields = yield* decodeV2(UploadFields, body.fields, { excess: "ignore" })
      return yield* oneShotFile(ctx, {
        file,
        category: fields.media_category,
        mediaType: fields.media_type,
        owners: fields.additional_owners ?? []
      })
    }).pipe(Effect.tapError(() => cleanup))
  })

const oneShotFile = (
  ctx: HandlerContext,
  input: { file: Body.DiskFile; category: string | undefined; mediaType: string | undefined; owners: ReadonlyArray<string> }
) =>
  Effect.gen(function*() {
    if (input.category === undefined || input.category === "") {
      return yield* Respond.invalidRequest("$.media_category: is missing but it is required", { media_category: [""] })
    }
    const m = yield* Ops.oneShot({
      userId: userOf(ctx),
      file: input.file,
      mediaType: input.mediaType,
      category: input.category,
      additionalOwners: input.owners,
      shared: false,
      source: "oneshot"
    })
    const now = yield* Clock.currentTimeMillis
    return data(200, Ops.uploadData(m, now))
  })

const commandAppend = (ctx: HandlerContext, query: URLSearchParams) =>
  Effect.gen(function*() {
    const id = query.get("media_id") ?? ""
    if (id === "") return yield* new Ops.MediaProblem({ kind: "Missing", param: "media_id", message: "media_id parameter is missing." })
    yield* Ops.usableMedia(id, ctx.auth.userId)
    const { file, index } = yield* readAppendBody(query)
    yield* update((i) => ({ ...i, bodySha256: file.sha256 }))
    yield* Ops.append(id, ctx.auth.userId, index, file)
    return emptyResponse(204)
  })

const emptyResponse = (status: number) => HttpServerResponse.empty({ status })

const commandWithFields = (ctx: HandlerContext, command: string, body: Body.MultipartBody) =>
  Effect.gen(function*() {
    const f = body.fields
    const now = yield* Clock.currentTimeMillis
    switch (command) {
      case "INIT": {
        // Core's MediaUpload.InitializeRequest, read from text fields (`command` and the like are ignored).
        const req = yield* decodeV2(FormFields.V2CommandInit, FormFields.present(f), { excess: "ignore" })
        const m = yield* Ops.initFrom(userOf(ctx), req, "command")
        return data(202, { id: m.id, media_key: m.mediaKey, expires_after_secs: Ops.expiresAfterSecs(m, now) })
      }
      case "APPEND": {
        const id = f["media_id"] ?? ""
        if (id === "") return yield* new Ops.MediaProblem({ kind: "Missing", param: "media_id", message: "media_id parameter is missing." })
        const file = body.files["media"]
        if (file === undefined) return yield* new Ops.MediaProblem({ kind: "Missing", param: "media", message: "media parameter is missing." })
        const { segment_index: index } = yield* decodeV2(FormFields.SegmentIndexFields, FormFields.present(f), { excess: "ignore" })
        yield* update((i) => ({ ...i, bodySha256: file.sha256 }))
        yield* Ops.append(id, ctx.auth.userId, index, file)
        return emptyResponse(204)
      }
      case "FINALIZE": {
        const id = f["media_id"] ?? ""
        if (id === "") return yield* new Ops.MediaProblem({ kind: "Missing", param: "media_id", message: "media_id parameter is missing." })
        const m = yield* Ops.finalize(id, ctx.auth.userId)
        return data(201, Ops.uploadData(m, yield* Clock.currentTimeMillis))
      }
      default:
        return yield* Respond.invalidRequest(`The \`command\` value [${command}] is not one of [INIT, APPEND, FINALIZE]`, { command: [command] })
    }
  })

/** The v2 media upload routes. @internal */
export const routes: ReadonlyArray<Route> = [initialize, appendRoute, finalizeRoute, statusRoute, uploadRoute]
