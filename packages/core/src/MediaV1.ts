/**
 * X's v1.1 media endpoints on the upload host (`https://upload.twitter.com/1.1/...`, configurable with
 * `XClient.layer({ uploadBaseUrl })`): chunked `media/upload.json` (INIT, APPEND, FINALIZE, STATUS), the simple
 * upload, `media/metadata/create.json`, `media/subtitles/create.json` and `media/subtitles/delete.json`.
 *
 * v1.1 accepts OAuth 1.0a user context only (`Auth.oauth1User`). Ids are read from `media_id_string`: the numeric
 * `media_id` X also sends cannot be held by a JavaScript number and is never used. Success statuses are the ones X
 * sends: 202 (INIT), 204 (APPEND), 200 or 201 (FINALIZE), 200 with or without a body (metadata, subtitles).
 * Error bodies (`{"errors":[{"code":..,"message":..}]}`, `{"request":..,"error":..}`) become the same XError
 * classes as v2, with X's v1.1 codes mapped (32, 89, 135, 215 -> `Unauthorized`; 88 -> `RateLimited`;
 * 38, 323, 324 -> `InvalidRequest`; 325 -> `NotFound`; 130, 131 -> `ServerError`; ...).
 *
 * `MediaV1.protocol` runs the chunked primitives on v1.1 but speaks the v2 shapes of `MediaUpload`, so the
 * chunked uploader can switch API generation with one option.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MediaV1 } from "@xmedia/core"
 *
 * const program = Effect.gen(function*() {
 *   const init = yield* MediaV1.initialize({ total_bytes: bytes.length, media_type: "image/png", media_category: "tweet_image" })
 *   yield* MediaV1.append({ media_id: init.media_id_string, segment_index: 0, media: bytes })
 *   const done = yield* MediaV1.finalize(init.media_id_string)
 *   yield* MediaV1.createMetadata({ media_id: done.media_id_string, alt_text: { text: "A red square" } })
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
import * as V1Errors from "./internal/v1Errors.js"
import * as V1Upload from "./internal/v1Upload.js"
import * as MediaSubtitles from "./MediaSubtitles.js"
import type * as MediaUpload from "./MediaUpload.js"
import * as MediaUploadSchemas from "./MediaUpload.js"
import * as Retry from "./Retry.js"
import { XClient } from "./XClient.js"
import * as XError from "./XError.js"

// ---------------------------------------------------------------------------------------------------------------
// Response schemas
// ---------------------------------------------------------------------------------------------------------------

/**
 * `processing_info` and its parts, `image` and `video`: v1.1 sends the same objects as v2 (FINALIZE, STATUS), so these
 * are `MediaUpload`'s schemas (`uploading` tolerated, `check_after_secs` optional, `error{code,name,message}`).
 *
 * @since 0.1.0
 */
export const { ImageInfo, ProcessingError, ProcessingInfo, ProcessingState, VideoInfo } = MediaUploadSchemas
/** @since 0.1.0 */
export type ProcessingState = MediaUpload.ProcessingState
/** @since 0.1.0 */
export type ProcessingError = MediaUpload.ProcessingError
/** @since 0.1.0 */
export type ProcessingInfo = MediaUpload.ProcessingInfo

/**
 * The media object v1.1 returns from INIT, FINALIZE, STATUS and the simple upload (no `data` envelope). Only
 * `media_id_string` is read; the numeric `media_id` is ignored on purpose (it loses precision in JavaScript, as X's
 * own tutorial example shows: `931270813906374700` vs `"931270813906374657"`).
 *
 * @since 0.1.0
 */
export const MediaResponse = Schema.Struct({
  media_id_string: Ids.MediaId,
  media_key: Schema.optional(Ids.MediaKey),
  size: Schema.optional(Schema.Number),
  expires_after_secs: Schema.optional(Schema.Number),
  image: Schema.optional(ImageInfo),
  video: Schema.optional(VideoInfo),
  processing_info: Schema.optional(ProcessingInfo)
})
/** @since 0.1.0 */
export type MediaResponse = typeof MediaResponse.Type

/**
 * Response of `command=INIT` (HTTP 202): the id and how long the session lives.
 *
 * @since 0.1.0
 */
export const InitializeResponse = MediaResponse
/** @since 0.1.0 */
export type InitializeResponse = MediaResponse

/**
 * Response of `command=FINALIZE`: with `processing_info` when the media is processed asynchronously.
 *
 * @since 0.1.0
 */
export const FinalizeResponse = MediaResponse
/** @since 0.1.0 */
export type FinalizeResponse = MediaResponse

/**
 * Response of `GET media/upload.json?command=STATUS`.
 *
 * @since 0.1.0
 */
export const StatusResponse = MediaResponse
/** @since 0.1.0 */
export type StatusResponse = MediaResponse

/**
 * Response of the simple upload (`media` or `media_data`, no `command`).
 *
 * @since 0.1.0
 */
export const UploadResponse = MediaResponse
/** @since 0.1.0 */
export type UploadResponse = MediaResponse

/**
 * Writes a v1.1 media object as X sends it: the numeric `media_id` first, written digit for digit from
 * `media_id_string` (so no precision is lost), then the other fields. For servers (the emulator).
 *
 * @example
 * ```ts
 * MediaV1.toWireJson({ media_id_string: id, expires_after_secs: 86400 })
 * // '{"media_id":1880028106020515840,"media_id_string":"1880028106020515840","expires_after_secs":86400}'
 * ```
 *
 * @since 0.1.0
 */
export const toWireJson = (media: typeof MediaResponse.Encoded): string => {
  const rest = JSON.stringify(media)
  if (!/^[0-9]{1,19}$/.test(media.media_id_string)) return rest
  return `{"media_id":${media.media_id_string},${rest.slice(1)}`
}

// ---------------------------------------------------------------------------------------------------------------
// Request schemas
// ---------------------------------------------------------------------------------------------------------------

const AdditionalOwners = Schema.Array(Ids.UserId).pipe(
  Schema.maxItems(100, { message: () => "additional_owners takes at most 100 user ids" })
)

/**
 * Parameters of `command=INIT` (sent as an `application/x-www-form-urlencoded` body, which is signed).
 * `additional_owners` is sent comma-separated, as v1.1 wants.
 *
 * @since 0.1.0
 */
export const InitializeRequest = Schema.Struct({
  total_bytes: Schema.Int.pipe(
    Schema.between(1, 17179869184, {
      message: () => "total_bytes must be a whole number of bytes between 1 and 17179869184 (16 GiB)"
    })
  ),
  media_type: Ids.MediaType,
  media_category: Schema.optional(Ids.MediaCategory),
  additional_owners: Schema.optional(AdditionalOwners),
  shared: Schema.optional(Schema.Boolean)
})
/** @since 0.1.0 */
export type InitializeRequest = typeof InitializeRequest.Type

/**
 * Parameters of `command=APPEND` (always `multipart/form-data`): the id from INIT, the segment index (0-999) and
 * the chunk (at most 5 MB). `encoding: "base64"` sends the chunk as the `media_data` field instead of the raw
 * `media` part.
 *
 * @since 0.1.0
 */
export const AppendRequest = Schema.Struct({
  media_id: Ids.MediaId,
  segment_index: Schema.Int.pipe(
    Schema.between(0, 999, { message: () => "segment_index must be an integer from 0 to 999" })
  ),
  media: AppendBytes,
  encoding: Schema.optional(Schema.Literal("multipart", "base64"))
})
/** @since 0.1.0 */
export type AppendRequest = typeof AppendRequest.Type

/**
 * Parameters of the simple upload: the bytes, an optional category (X then also returns a `media_key`) and
 * additional owners. `encoding: "base64"` sends `media_data` instead of `media`.
 *
 * @since 0.1.0
 */
export const UploadRequest = Schema.Struct({
  media: Schema.Uint8ArrayFromSelf.pipe(
    Schema.filter((bytes) => bytes.byteLength > 0, { message: () => "media must not be empty" })
  ),
  media_category: Schema.optional(Ids.MediaCategory),
  additional_owners: Schema.optional(AdditionalOwners),
  encoding: Schema.optional(Schema.Literal("multipart", "base64"))
})
/** @since 0.1.0 */
export type UploadRequest = typeof UploadRequest.Type

const codePoints = (text: string) => Array.from(text).length

/**
 * Body of `POST media/metadata/create.json`: `{"media_id":"...","alt_text":{"text":"..."}}`. The alt text is at
 * most 1000 characters (X's current page; older copies said 420).
 *
 * @since 0.1.0
 */
export const MetadataCreateRequest = Schema.Struct({
  media_id: Ids.MediaId,
  alt_text: Schema.Struct({
    text: Schema.String.pipe(
      Schema.filter((text) => codePoints(text) <= 1000, {
        message: (issue) =>
          `alt_text.text is ${codePoints(String(issue.actual))} characters; X allows at most 1000. Shorten it.`
      })
    )
  })
})
/** @since 0.1.0 */
export type MetadataCreateRequest = typeof MetadataCreateRequest.Type

/**
 * One subtitle track of `subtitle_info.subtitles` on create: the id of an uploaded `subtitles` media, its
 * two-letter language code (upper case, e.g. `EN`) and the name shown to viewers.
 *
 * @since 0.1.0
 */
export const SubtitleTrack = Schema.Struct({
  media_id: Ids.MediaId,
  language_code: Ids.LanguageCode,
  display_name: MediaSubtitles.Subtitle.fields.display_name
})
/** @since 0.1.0 */
export type SubtitleTrack = typeof SubtitleTrack.Type

/**
 * Body of `POST media/subtitles/create.json`, in the shape X's own clients send (X's published example is not
 * valid JSON): `{"media_id":"<video id>","media_category":"TweetVideo","subtitle_info":{"subtitles":[{"media_id":
 * "<subtitle id>","language_code":"EN","display_name":"English"}]}}`.
 *
 * @since 0.1.0
 */
export const SubtitlesCreateRequest = Schema.Struct({
  media_id: Ids.MediaId,
  media_category: Ids.SubtitleVideoCategory,
  subtitle_info: Schema.Struct({ subtitles: Schema.NonEmptyArray(SubtitleTrack) })
})
/** @since 0.1.0 */
export type SubtitlesCreateRequest = typeof SubtitlesCreateRequest.Type

/**
 * Body of `POST media/subtitles/delete.json`: `{"media_id":"<video id>","media_category":"TweetVideo",
 * "subtitle_info":{"subtitles":[{"language_code":"EN"}]}}`.
 *
 * @since 0.1.0
 */
export const SubtitlesDeleteRequest = Schema.Struct({
  media_id: Ids.MediaId,
  media_category: Ids.SubtitleVideoCategory,
  subtitle_info: Schema.Struct({
    subtitles: Schema.NonEmptyArray(Schema.Struct({ language_code: Ids.LanguageCode }))
  })
})
/** @since 0.1.0 */
export type SubtitlesDeleteRequest = typeof SubtitlesDeleteRequest.Type

/**
 * A v1.1 error body: `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`.
 *
 * @since 0.1.0
 */
export const ErrorBody = V1Errors.V1ErrorsBody
/** @since 0.1.0 */
export type ErrorBody = typeof ErrorBody.Type

// ---------------------------------------------------------------------------------------------------------------
// Endpoint functions
// ---------------------------------------------------------------------------------------------------------------

/**
 * Per-call options of every endpoint function.
 *
 * @since 0.1.0
 */
export interface CallOptions {
  readonly retry?: Retry.Policy | undefined
}

const { Empty, mapV1Error, requireOAuth1, UPLOAD_PATH } = V1Upload

const formRequest = (method: "GET" | "POST", fields: ReadonlyArray<readonly [string, string]>) =>
  method === "GET"
    ? HttpClientRequest.get(UPLOAD_PATH).pipe(HttpClientRequest.setUrlParams(fields))
    : HttpClientRequest.post(UPLOAD_PATH).pipe(HttpClientRequest.bodyUrlParams(fields))

/** A v1.1 multipart body: the fields, then the raw `media` part or the base64 `media_data` field (one buffer). */
const multipart = (
  fields: ReadonlyArray<readonly [string, string]>,
  media: Uint8Array,
  encoding: "multipart" | "base64" | undefined
): Effect.Effect<HttpBody.HttpBody> =>
  Effect.map(Multipart.randomBoundary, (boundary) => {
    const { body, contentType } = encoding === "base64"
      ? Multipart.encode(boundary, [...fields, ["media_data", Encoding.encodeBase64(media)]])
      : Multipart.encode(boundary, fields, { ...Multipart.mediaPart, bytes: media })
    return HttpBody.uint8Array(body, contentType)
  })

const checkProcessing = (media: MediaResponse): Effect.Effect<MediaResponse, XError.ProcessingFailed> => {
  const info = media.processing_info
  return info !== undefined && (info.state === "failed" || info.error !== undefined)
    ? Effect.fail(
      new XError.ProcessingFailed({
        mediaId: media.media_id_string,
        code: info.error?.code,
        errorName: info.error?.name,
        detail: info.error?.message
      })
    )
    : Effect.succeed(media)
}

/**
 * `POST media/upload.json` `command=INIT` (form-urlencoded, HTTP 202): starts a chunked upload. Retried on transient
 * failures and rate limits (an unused session just expires).
 *
 * @since 0.1.0
 */
export const initialize: (
  request: typeof InitializeRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<InitializeResponse, XError.V1RequestError, XClient> = Effect.fn("MediaV1.initialize")(
  function*(request: typeof InitializeRequest.Encoded, options?: CallOptions) {
    const name = "MediaV1.initialize"
    const valid = yield* Endpoint.validate(name, InitializeRequest, request)
    yield* requireOAuth1(name)
    const fields: Array<readonly [string, string]> = [
      ["command", "INIT"],
      ["total_bytes", String(valid.total_bytes)],
      ["media_type", valid.media_type]
    ]
    if (valid.media_category !== undefined) fields.push(["media_category", valid.media_category])
    if (valid.additional_owners !== undefined && valid.additional_owners.length > 0) {
      fields.push(["additional_owners", valid.additional_owners.join(",")])
    }
    if (valid.shared !== undefined) fields.push(["shared", String(valid.shared)])
    return yield* Endpoint.executeV1({
      name,
      method: "POST",
      route: "/1.1/media/upload.json?command=INIT",
      userContext: true,
      host: "upload",
      success: InitializeResponse,
      request: formRequest("POST", fields),
      formParams: fields,
      mapError: mapV1Error(name),
      retry: options?.retry
    })
  }
)

/**
 * `POST media/upload.json` `command=APPEND` (multipart, HTTP 204 with no body): uploads one segment. Re-sending a
 * segment index overwrites it, so it is retried.
 *
 * @since 0.1.0
 */
export const append: (
  request: typeof AppendRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<void, XError.V1RequestError, XClient> = Effect.fn("MediaV1.append")(
  function*(request: typeof AppendRequest.Encoded, options?: CallOptions) {
    const name = "MediaV1.append"
    const valid = yield* Endpoint.validate(name, AppendRequest, request)
    yield* requireOAuth1(name)
    yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid.media_id, "xmedia.segment_index": valid.segment_index })
    yield* V1Upload.appendFramed(
      valid.media_id,
      valid.segment_index,
      yield* multipart(V1Upload.appendFields(valid.media_id, valid.segment_index), valid.media, valid.encoding),
      "multipart/form-data",
      options?.retry
    )
  }
)

/**
 * `POST media/upload.json` `command=FINALIZE` (form-urlencoded, HTTP 200 or 201): completes the upload. With
 * `processing_info` in the answer, poll `status` until `succeeded`. A `failed` state is `XError.ProcessingFailed`.
 *
 * @since 0.1.0
 */
export const finalize: (
  mediaId: Ids.MediaId | string,
  options?: CallOptions
) => Effect.Effect<FinalizeResponse, XError.V1RequestError | XError.ProcessingFailed, XClient> = Effect.fn(
  "MediaV1.finalize"
)(function*(mediaId: Ids.MediaId | string, options?: CallOptions) {
  const name = "MediaV1.finalize"
  const valid = yield* Endpoint.validate(name, Ids.MediaId, mediaId, "media_id")
  yield* requireOAuth1(name)
  yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid })
  const fields: ReadonlyArray<readonly [string, string]> = [["command", "FINALIZE"], ["media_id", valid]]
  const response = yield* Endpoint.executeV1({
    name,
    method: "POST",
    route: "/1.1/media/upload.json?command=FINALIZE",
    userContext: true,
    host: "upload",
    mediaId: valid,
    success: FinalizeResponse,
    request: formRequest("POST", fields),
    formParams: fields,
    mapError: mapV1Error(name),
    retry: options?.retry
  })
  return yield* checkProcessing(response)
})

/**
 * `GET media/upload.json?command=STATUS&media_id=...`: the processing state (`check_after_secs` says when to ask
 * again). `failed` is `XError.ProcessingFailed` with X's code, name and message.
 *
 * @since 0.1.0
 */
export const status: (
  mediaId: Ids.MediaId | string,
  options?: CallOptions
) => Effect.Effect<StatusResponse, XError.V1RequestError | XError.ProcessingFailed, XClient> = Effect.fn(
  "MediaV1.status"
)(function*(mediaId: Ids.MediaId | string, options?: CallOptions) {
  const name = "MediaV1.status"
  const valid = yield* Endpoint.validate(name, Ids.MediaId, mediaId, "media_id")
  yield* requireOAuth1(name)
  yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid })
  const response = yield* Endpoint.executeV1({
    name,
    method: "GET",
    route: "/1.1/media/upload.json?command=STATUS",
    userContext: true,
    host: "upload",
    mediaId: valid,
    success: StatusResponse,
    request: formRequest("GET", [["command", "STATUS"], ["media_id", valid]]),
    mapError: mapV1Error(name),
    retry: options?.retry
  })
  return yield* checkProcessing(response)
})

/**
 * The simple upload: `POST media/upload.json` (multipart) with `media` (raw) or `media_data` (base64). Images
 * only (X: GIF and video need the chunked upload). Only rate limits are retried by default: a blind retry could
 * create a second media id.
 *
 * @since 0.1.0
 */
export const upload: (
  request: typeof UploadRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<UploadResponse, XError.V1RequestError | XError.ProcessingFailed, XClient> = Effect.fn(
  "MediaV1.upload"
)(function*(request: typeof UploadRequest.Encoded, options?: CallOptions) {
  const name = "MediaV1.upload"
  const valid = yield* Endpoint.validate(name, UploadRequest, request)
  yield* requireOAuth1(name)
  const fields: Array<readonly [string, string]> = []
  if (valid.media_category !== undefined) fields.push(["media_category", valid.media_category])
  if (valid.additional_owners !== undefined && valid.additional_owners.length > 0) {
    fields.push(["additional_owners", valid.additional_owners.join(",")])
  }
  const response = yield* Endpoint.executeV1({
    name,
    method: "POST",
    route: "/1.1/media/upload.json",
    userContext: true,
    host: "upload",
    success: UploadResponse,
    defaultRetry: Retry.rateLimit(),
    clientDefaultApplies: false,
    request: HttpClientRequest.post(UPLOAD_PATH).pipe(
      HttpClientRequest.setBody(yield* multipart(fields, valid.media, valid.encoding))
    ),
    mapError: mapV1Error(name),
    retry: options?.retry
  })
  return yield* checkProcessing(response)
})

const jsonCall = <I>(options: {
  readonly name: string
  readonly route: string
  readonly mediaId: string
  readonly body: I
  readonly retry: Retry.Policy | undefined
}): Effect.Effect<void, XError.V1RequestError, XClient> =>
  Effect.asVoid(Endpoint.executeV1({
    name: options.name,
    method: "POST",
    route: options.route,
    userContext: true,
    host: "upload",
    mediaId: options.mediaId,
    success: Empty,
    request: HttpClientRequest.post(options.route).pipe(
      HttpClientRequest.setBody(HttpBody.unsafeJson(options.body, "application/json; charset=UTF-8"))
    ),
    mapError: mapV1Error(options.name),
    retry: options.retry
  }))

/**
 * `POST media/metadata/create.json` (JSON): sets the alt text of an uploaded image or GIF. Success is a 2xx with
 * no body. Setting the same alt text again is harmless, so it is retried.
 *
 * @since 0.1.0
 */
export const createMetadata: (
  request: typeof MetadataCreateRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<void, XError.V1RequestError, XClient> = Effect.fn("MediaV1.createMetadata")(
  function*(request: typeof MetadataCreateRequest.Encoded, options?: CallOptions) {
    const name = "MediaV1.createMetadata"
    const valid = yield* Endpoint.validate(name, MetadataCreateRequest, request)
    yield* requireOAuth1(name)
    yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid.media_id })
    yield* jsonCall({
      name,
      route: "/1.1/media/metadata/create.json",
      mediaId: valid.media_id,
      body: valid,
      retry: options?.retry
    })
  }
)

/**
 * `POST media/subtitles/create.json` (JSON): attaches uploaded subtitle files (category `subtitles`) to a video.
 * Success is a 2xx with no body.
 *
 * @since 0.1.0
 */
export const createSubtitles: (
  request: typeof SubtitlesCreateRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<void, XError.V1RequestError, XClient> = Effect.fn("MediaV1.createSubtitles")(
  function*(request: typeof SubtitlesCreateRequest.Encoded, options?: CallOptions) {
    const name = "MediaV1.createSubtitles"
    const valid = yield* Endpoint.validate(name, SubtitlesCreateRequest, request)
    yield* requireOAuth1(name)
    yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid.media_id })
    yield* jsonCall({
      name,
      route: "/1.1/media/subtitles/create.json",
      mediaId: valid.media_id,
      body: valid,
      retry: options?.retry
    })
  }
)

/**
 * `POST media/subtitles/delete.json` (JSON): detaches subtitle tracks from a video by language code. Success is a
 * 2xx with no body.
 *
 * @since 0.1.0
 */
export const deleteSubtitles: (
  request: typeof SubtitlesDeleteRequest.Encoded,
  options?: CallOptions
) => Effect.Effect<void, XError.V1RequestError, XClient> = Effect.fn("MediaV1.deleteSubtitles")(
  function*(request: typeof SubtitlesDeleteRequest.Encoded, options?: CallOptions) {
    const name = "MediaV1.deleteSubtitles"
    const valid = yield* Endpoint.validate(name, SubtitlesDeleteRequest, request)
    yield* requireOAuth1(name)
    yield* Effect.annotateCurrentSpan({ "xmedia.media_id": valid.media_id })
    yield* jsonCall({
      name,
      route: "/1.1/media/subtitles/delete.json",
      mediaId: valid.media_id,
      body: valid,
      retry: options?.retry
    })
  }
)

// ---------------------------------------------------------------------------------------------------------------
// One uploader, two protocols
// ---------------------------------------------------------------------------------------------------------------

/**
 * The chunked-upload primitives an uploader needs, in the v2 shapes of `MediaUpload`. `MediaUpload` itself
 * (`initialize`, `append`, `finalize`, `status`) satisfies it for v2; `MediaV1.protocol` satisfies it for v1.1.
 *
 * @since 0.1.0
 */
export interface UploadProtocol {
  readonly initialize: (
    request: typeof MediaUpload.InitializeRequest.Encoded,
    options?: CallOptions
  ) => Effect.Effect<MediaUpload.InitializeResponse, XError.RequestError, XClient>
  readonly append: (
    request: typeof MediaUpload.AppendRequest.Encoded,
    options?: CallOptions
  ) => Effect.Effect<MediaUpload.AppendResponse, XError.RequestError, XClient>
  readonly finalize: (
    id: Ids.MediaId | string,
    options?: CallOptions
  ) => Effect.Effect<MediaUpload.FinalizeResponse, XError.RequestError | XError.ProcessingFailed, XClient>
  readonly status: (
    id: Ids.MediaId | string,
    options?: CallOptions
  ) => Effect.Effect<MediaUpload.StatusResponse, XError.RequestError | XError.ProcessingFailed, XClient>
}

/**
 * A v1.1 media object in the v2 shape (`{id, media_key, size, expires_after_secs, processing_info, image, video}`).
 *
 * @since 0.1.0
 */
export const toV2Media = (media: MediaResponse): MediaUpload.Media => ({
  id: media.media_id_string,
  ...(media.media_key === undefined ? {} : { media_key: media.media_key }),
  ...(media.size === undefined ? {} : { size: media.size }),
  ...(media.expires_after_secs === undefined ? {} : { expires_after_secs: media.expires_after_secs }),
  ...(media.processing_info === undefined ? {} : { processing_info: media.processing_info }),
  ...(media.image === undefined ? {} : { image: media.image }),
  ...(media.video === undefined ? {} : { video: media.video })
})

/**
 * The chunked primitives on v1.1 (INIT / APPEND / FINALIZE / STATUS on the upload host, OAuth 1.0a), taking and
 * returning the v2 shapes, so an uploader written against `MediaUpload` runs on v1.1 unchanged:
 * `const api: MediaV1.UploadProtocol = protocol === "v1.1" ? MediaV1.protocol : MediaUpload`.
 *
 * @since 0.1.0
 */
export const protocol: UploadProtocol = {
  initialize: (request, options) =>
    Effect.map(
      initialize({
        total_bytes: request.total_bytes,
        media_type: request.media_type,
        ...(request.media_category === undefined ? {} : { media_category: request.media_category }),
        ...(request.additional_owners === undefined ? {} : { additional_owners: request.additional_owners }),
        ...(request.shared === undefined ? {} : { shared: request.shared })
      }, options),
      (media) => ({
        data: {
          id: media.media_id_string,
          ...(media.media_key === undefined ? {} : { media_key: media.media_key }),
          ...(media.expires_after_secs === undefined ? {} : { expires_after_secs: media.expires_after_secs })
        }
      })
    ),
  append: (request, options) =>
    Effect.as(
      append({
        media_id: request.id,
        segment_index: request.segment_index,
        media: request.media,
        ...(request.encoding === undefined ? {} : { encoding: request.encoding })
      }, options),
      {}
    ),
  finalize: (id, options) => Effect.map(finalize(id, options), (media) => ({ data: toV2Media(media) })),
  status: (id, options) => Effect.map(status(id, options), (media) => ({ data: toV2Media(media) }))
}
