/**
 * The v2 media upload endpoints: `POST /2/media/upload/initialize`, `POST /2/media/upload/{id}/append`,
 * `POST /2/media/upload/{id}/finalize`, `GET /2/media/upload` (STATUS) and the one-shot `POST /2/media/upload`.
 *
 * Schemas are X's wire shapes (snake_case). Response schemas are tolerant where X is inconsistent: the
 * undocumented `uploading` state, a missing `check_after_secs`, no `meta`, extra fields ignored.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MediaUpload } from "@xmedia/core"
 *
 * const program = Effect.gen(function*() {
 *   const init = yield* MediaUpload.initialize({ media_type: "image/png", total_bytes: bytes.length, media_category: "tweet_image" })
 *   yield* MediaUpload.append({ id: init.data.id, segment_index: 0, media: bytes })
 *   return yield* MediaUpload.finalize(init.data.id)
 * })
 * ```
 *
 * @since 0.1.0
 */
import { HttpBody, HttpClientRequest } from "@effect/platform"
import { Effect, Encoding, Schema } from "effect"
import * as Ids from "./Ids.js"
import { AppendBytes } from "./internal/chunks.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Multipart from "./internal/multipart.js"
import * as Preflight from "./Preflight.js"
import * as Retry from "./Retry.js"
import * as XError from "./XError.js"

const KnownProcessingState = Schema.Literal("pending", "in_progress", "succeeded", "failed", "uploading")
const knownProcessingStates: ReadonlySet<string> = new Set(KnownProcessingState.literals)

/**
 * `processing_info.state`. X describes the states only in prose, and its own STATUS example sends `uploading`,
 * which is not among them; so any other string X may send is read as `pending` (the wait goes on until `succeeded`,
 * `failed` or the deadline) rather than failing an upload whose bytes X already has. `uploading` is kept as it is and
 * also treated like `pending`.
 *
 * @since 0.1.0
 */
export const ProcessingState = Schema.transform(Schema.String, KnownProcessingState, {
  strict: true,
  decode: (state) => knownProcessingStates.has(state) ? state as typeof KnownProcessingState.Type : "pending",
  encode: (state) => state
})
/** @since 0.1.0 */
export type ProcessingState = typeof ProcessingState.Type

/**
 * `processing_info.error` (documented for v1.1, sent on `failed`): e.g. `{code: 1, name: "InvalidMedia",
 * message: "Unsupported video format"}`.
 *
 * @since 0.1.0
 */
export const ProcessingError = Schema.Struct({
  code: Schema.optional(Schema.Number),
  name: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type ProcessingError = typeof ProcessingError.Type

/**
 * `processing_info`: present when the media needs asynchronous processing (video, GIF with a category). Tolerant of
 * what X's sources disagree on: a missing `state` is `pending`, and `null` numbers or `error` are read as absent.
 *
 * @since 0.1.0
 */
export const ProcessingInfo = Schema.Struct({
  state: Schema.optionalWith(ProcessingState, { nullable: true, default: () => "pending" as const }),
  check_after_secs: Schema.optionalWith(Schema.Number, { nullable: true }),
  progress_percent: Schema.optionalWith(Schema.Number, { nullable: true }),
  error: Schema.optionalWith(ProcessingError, { nullable: true })
})
/** @since 0.1.0 */
export type ProcessingInfo = typeof ProcessingInfo.Type

/**
 * `image` of a finalized image.
 *
 * @since 0.1.0
 */
export const ImageInfo = Schema.Struct({
  w: Schema.optional(Schema.Number),
  h: Schema.optional(Schema.Number),
  image_type: Schema.optional(Schema.String)
})

/**
 * `video` of a finalized video.
 *
 * @since 0.1.0
 */
export const VideoInfo = Schema.Struct({
  video_type: Schema.optional(Schema.String)
})

/**
 * The media object of FINALIZE, STATUS and one-shot responses.
 *
 * @since 0.1.0
 */
export const Media = Schema.Struct({
  id: Ids.MediaId,
  media_key: Schema.optional(Ids.MediaKey),
  size: Schema.optional(Schema.Number),
  expires_after_secs: Schema.optional(Schema.Number),
  processing_info: Schema.optional(ProcessingInfo),
  image: Schema.optional(ImageInfo),
  video: Schema.optional(VideoInfo)
})
/** @since 0.1.0 */
export type Media = typeof Media.Type

const PartialErrors = Schema.optional(Schema.Array(XError.Problem))

/**
 * Body of `POST /2/media/upload/initialize`.
 *
 * @since 0.1.0
 */
export const InitializeRequest = Schema.Struct({
  media_type: Ids.MediaType,
  total_bytes: Schema.Int.pipe(
    Schema.between(0, 17179869184, {
      message: () => "total_bytes must be an integer between 0 and 17179869184 (16 GiB)"
    })
  ),
  media_category: Schema.optional(Ids.MediaCategory),
  additional_owners: Schema.optional(
    Schema.Array(Ids.UserId).pipe(
      Schema.maxItems(100, { message: () => "additional_owners takes at most 100 user ids" })
    )
  ),
  shared: Schema.optional(Schema.Boolean)
})
/** @since 0.1.0 */
export type InitializeRequest = typeof InitializeRequest.Type

/**
 * Response of `POST /2/media/upload/initialize`.
 *
 * @since 0.1.0
 */
export const InitializeResponse = Schema.Struct({
  data: Schema.Struct({
    id: Ids.MediaId,
    media_key: Schema.optional(Ids.MediaKey),
    expires_after_secs: Schema.optional(Schema.Number)
  }),
  errors: PartialErrors
})
/** @since 0.1.0 */
export type InitializeResponse = typeof InitializeResponse.Type

/**
 * Input of `append`: the upload id, the segment index (0-999) and the chunk bytes. `encoding` picks the body:
 * `multipart` (default: raw bytes in a `media` part) or `base64` (JSON body).
 *
 * @since 0.1.0
 */
export const AppendRequest = Schema.Struct({
  id: Ids.MediaId,
  segment_index: Schema.Int.pipe(
    Schema.between(0, 999, { message: () => "segment_index must be an integer from 0 to 999" })
  ),
  media: AppendBytes,
  encoding: Schema.optional(Schema.Literal("multipart", "base64"))
})
/** @since 0.1.0 */
export type AppendRequest = typeof AppendRequest.Type

/**
 * Response of `POST /2/media/upload/{id}/append`: `{data: {expires_at}}` (epoch seconds). An empty 2xx body (the
 * older command form answered 204) decodes to `{}`.
 *
 * @since 0.1.0
 */
export const AppendResponse = Schema.Struct({
  data: Schema.optional(Schema.Struct({ expires_at: Schema.optional(Schema.Number) })),
  errors: PartialErrors
})
/** @since 0.1.0 */
export type AppendResponse = typeof AppendResponse.Type

/**
 * Response of `POST /2/media/upload/{id}/finalize`.
 *
 * @since 0.1.0
 */
export const FinalizeResponse = Schema.Struct({ data: Media, errors: PartialErrors })
/** @since 0.1.0 */
export type FinalizeResponse = typeof FinalizeResponse.Type

/**
 * Response of `GET /2/media/upload?command=STATUS&media_id=...`.
 *
 * @since 0.1.0
 */
export const StatusResponse = FinalizeResponse
/** @since 0.1.0 */
export type StatusResponse = FinalizeResponse

/**
 * Input of the one-shot `upload`: raw bytes, the category (required by X) and optional additional owners (sent as
 * a comma-separated string, as X's 2.167 spec wants).
 *
 * @since 0.1.0
 */
export const UploadRequest = Schema.Struct({
  media: Schema.Uint8ArrayFromSelf,
  media_category: Ids.OneShotMediaCategory,
  additional_owners: Schema.optional(
    Schema.Array(Ids.UserId).pipe(
      Schema.maxItems(100, { message: () => "additional_owners takes at most 100 user ids" })
    )
  ),
  encoding: Schema.optional(Schema.Literal("multipart", "base64"))
})
/** @since 0.1.0 */
export type UploadRequest = typeof UploadRequest.Type

/**
 * Response of the one-shot `POST /2/media/upload`.
 *
 * @since 0.1.0
 */
export const UploadResponse = FinalizeResponse
/** @since 0.1.0 */
export type UploadResponse = FinalizeResponse

/**
 * Per-call options of every endpoint function.
 *
 * @since 0.1.0
 */
export interface CallOptions {
  readonly retry?: Retry.Policy | undefined
}

/**
 * Turns a `failed` processing state (or an `error` reported while `in_progress`) into `XError.ProcessingFailed`;
 * passes any other media through.
 *
 * @since 0.1.0
 */
export const checkProcessing = (media: Media): Effect.Effect<Media, XError.ProcessingFailed> => {
  const info = media.processing_info
  if (info !== undefined && (info.state === "failed" || info.error !== undefined)) {
    return Effect.fail(
      new XError.ProcessingFailed({
        mediaId: media.id,
        code: info.error?.code,
        errorName: info.error?.name,
        detail: info.error?.message
      })
    )
  }
  return Effect.succeed(media)
}

const write = { userContext: true } as const

/** The body of a call that carries media: JSON with base64 `media`, or multipart with a `media` part (one buffer). */
const mediaBody = (
  fields: ReadonlyArray<readonly [string, string]>,
  media: Uint8Array,
  encoding: "multipart" | "base64" | undefined
): Effect.Effect<HttpBody.HttpBody> => {
  if (encoding === "base64") {
    const record: Record<string, unknown> = {}
    for (const [k, v] of fields) record[k] = k === "segment_index" ? Number(v) : v
    record.media = Encoding.encodeBase64(media)
    return Effect.succeed(HttpBody.unsafeJson(record))
  }
  return Effect.map(Multipart.randomBoundary, (boundary) => {
    const { body, contentType } = Multipart.encode(boundary, fields, { ...Multipart.mediaPart, bytes: media })
    return HttpBody.uint8Array(body, contentType)
  })
}

/**
 * `POST /2/media/upload/initialize`: starts a chunked upload session. Retried on transient failures and rate
 * limits (an unused session just expires).
 *
 * @since 0.1.0
 */
export const initialize: (
  request: typeof InitializeRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<InitializeResponse, XError.RequestError, Endpoint.XClientTag> = Effect.fn("MediaUpload.initialize")(
  function*(request: typeof InitializeRequest.Encoded, options?: CallOptions) {
    const valid = yield* Endpoint.validate("MediaUpload.initialize", InitializeRequest, request)
    return yield* Endpoint.execute({
      name: "MediaUpload.initialize",
      method: "POST",
      route: "/2/media/upload/initialize",
      ...write,
      success: InitializeResponse,
      request: HttpClientRequest.post("/2/media/upload/initialize").pipe(
        HttpClientRequest.bodyUnsafeJson(valid)
      ),
      retry: options?.retry
    })
  }
)

/**
 * `POST /2/media/upload/{id}/append`: uploads one segment. Multipart (`segment_index` + `media` part,
 * `application/octet-stream`) by default, or JSON with base64 `media`. Re-sending a segment index overwrites it,
 * so it is retried.
 *
 * @since 0.1.0
 */
export const append: (
  request: typeof AppendRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<AppendResponse, XError.RequestError, Endpoint.XClientTag> = Effect.fn("MediaUpload.append")(
  function*(request: typeof AppendRequest.Encoded, options?: CallOptions) {
    const valid = yield* Endpoint.validate("MediaUpload.append", AppendRequest, request)
    yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid.id, "xmedia.segment_index": valid.segment_index })
    return yield* Endpoint.execute({
      name: "MediaUpload.append",
      method: "POST",
      route: "/2/media/upload/{id}/append",
      ...write,
      mediaId: valid.id,
      success: AppendResponse,
      request: HttpClientRequest.post(`/2/media/upload/${valid.id}/append`).pipe(
        HttpClientRequest.setBody(
          yield* mediaBody([["segment_index", String(valid.segment_index)]], valid.media, valid.encoding)
        )
      ),
      retry: options?.retry
    })
  }
)

/**
 * `POST /2/media/upload/{id}/finalize`: completes the upload. When the response carries `processing_info`, poll
 * `status` until `succeeded`. Fails with `XError.ProcessingFailed` when X already reports `failed`.
 *
 * @since 0.1.0
 */
export const finalize: (
  id: Ids.MediaId | string,
  options?: CallOptions
) => Effect.Effect<FinalizeResponse, XError.RequestError | XError.ProcessingFailed, Endpoint.XClientTag> = Effect.fn(
  "MediaUpload.finalize"
)(function*(id: Ids.MediaId | string, options?: CallOptions) {
  const valid = yield* Endpoint.validate("MediaUpload.finalize", Ids.MediaId, id, "id")
  yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid })
  const response = yield* Endpoint.execute({
    name: "MediaUpload.finalize",
    method: "POST",
    route: "/2/media/upload/{id}/finalize",
    ...write,
    mediaId: valid,
    success: FinalizeResponse,
    // `{}`, not an empty body: X has refused a FINALIZE without a JSON object ("Request body must be a JSON object.")
    request: HttpClientRequest.post(`/2/media/upload/${valid}/finalize`).pipe(HttpClientRequest.bodyUnsafeJson({})),
    retry: options?.retry
  })
  yield* checkProcessing(response.data)
  return response
})

/**
 * `GET /2/media/upload?command=STATUS&media_id=...`: the processing state. Fails with `XError.ProcessingFailed`
 * on `failed` (or an `error` while `in_progress`), with X's code, name and message.
 *
 * @since 0.1.0
 */
export const status: (
  id: Ids.MediaId | string,
  options?: CallOptions
) => Effect.Effect<StatusResponse, XError.RequestError | XError.ProcessingFailed, Endpoint.XClientTag> = Effect.fn(
  "MediaUpload.status"
)(function*(id: Ids.MediaId | string, options?: CallOptions) {
  const valid = yield* Endpoint.validate("MediaUpload.status", Ids.MediaId, id, "id")
  yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid })
  const response = yield* Endpoint.execute({
    name: "MediaUpload.status",
    method: "GET",
    route: "/2/media/upload",
    ...write,
    mediaId: valid,
    success: StatusResponse,
    request: HttpClientRequest.get("/2/media/upload").pipe(
      HttpClientRequest.setUrlParams({ command: "STATUS", media_id: valid })
    ),
    retry: options?.retry
  })
  yield* checkProcessing(response.data)
  return response
})

/**
 * One-shot `POST /2/media/upload` (images, subtitles, and small media per X's 2.167 spec). Multipart by default,
 * JSON base64 with `encoding: "base64"`. Not retried on transient failures by default (a retry could create a
 * second media id), only on rate limits; a client's default policy does not change that (only a per-call policy or
 * the client's `byEndpoint["MediaUpload.upload"]` does).
 *
 * @since 0.1.0
 */
export const upload: (
  request: typeof UploadRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<UploadResponse, XError.RequestError | XError.ProcessingFailed, Endpoint.XClientTag> = Effect.fn(
  "MediaUpload.upload"
)(function*(request: typeof UploadRequest.Encoded, options?: CallOptions) {
  const valid = yield* Endpoint.validate("MediaUpload.upload", UploadRequest, request)
  const size = valid.media.byteLength
  const maxBytes = Preflight.limits[valid.media_category].premiumMaxBytes
  yield* Endpoint.require(
    size > 0 && size <= maxBytes,
    "MediaUpload.upload",
    "media",
    size === 0
      ? "media is empty: pass the file's bytes"
      : `media is ${size} bytes; X takes at most ${maxBytes} bytes as ${valid.media_category}: ` +
        "use a smaller file, or the right media_category"
  )
  const fields: Array<readonly [string, string]> = [["media_category", valid.media_category]]
  if (valid.additional_owners !== undefined && valid.additional_owners.length > 0) {
    fields.push(["additional_owners", valid.additional_owners.join(",")])
  }
  const response = yield* Endpoint.execute({
    name: "MediaUpload.upload",
    method: "POST",
    route: "/2/media/upload",
    ...write,
    success: UploadResponse,
    defaultRetry: Retry.rateLimit(),
    clientDefaultApplies: false,
    request: HttpClientRequest.post("/2/media/upload").pipe(
      HttpClientRequest.setBody(yield* mediaBody(fields, valid.media, valid.encoding))
    ),
    retry: options?.retry
  })
  yield* checkProcessing(response.data)
  return response
})
