/**
 * `POST /2/media/subtitles` and `DELETE /2/media/subtitles`: attach a subtitle track (an uploaded `subtitles`
 * media item) to a video, or remove it. The video category is spelled in PascalCase here (`TweetVideo`,
 * `AmplifyVideo`), unlike the upload endpoints; `Ids.subtitleVideoCategory` converts.
 *
 * @example
 * ```ts
 * MediaSubtitles.create({
 *   id: videoId,
 *   media_category: "TweetVideo",
 *   subtitles: { id: srtId, language_code: "EN", display_name: "English" }
 * })
 * ```
 *
 * @since 0.1.0
 */
import { HttpClientRequest } from "@effect/platform"
import { Effect, Schema } from "effect"
import * as Ids from "./Ids.js"
import * as Endpoint from "./internal/endpoint.js"
import type * as Retry from "./Retry.js"
import * as XError from "./XError.js"

/**
 * One subtitle track: the subtitle file's media id, a two-letter upper-case language code, and a display name.
 *
 * @since 0.1.0
 */
export const Subtitle = Schema.Struct({
  id: Ids.MediaId,
  language_code: Ids.LanguageCode,
  display_name: Schema.String.pipe(
    Schema.minLength(1, { message: () => "display_name must not be empty (e.g. \"English\")" })
  )
})
/** @since 0.1.0 */
export type Subtitle = typeof Subtitle.Type

/**
 * A track as X echoes it (no constraints).
 *
 * @since 0.1.0
 */
export const AssociatedSubtitle = Schema.Struct({
  id: Schema.optional(Schema.String),
  language_code: Schema.optional(Schema.String),
  display_name: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type AssociatedSubtitle = typeof AssociatedSubtitle.Type

/**
 * `associated_subtitles`: an array (spec 2.166) or a single object (2.167); always decoded to an array.
 *
 * @since 0.1.0
 */
export const AssociatedSubtitles = Schema.transform(
  Schema.Union(Schema.Array(AssociatedSubtitle), AssociatedSubtitle),
  Schema.Array(Schema.typeSchema(AssociatedSubtitle)),
  {
    strict: true,
    decode: (u) => Array.isArray(u) ? u as ReadonlyArray<AssociatedSubtitle> : [u as AssociatedSubtitle],
    encode: (a) => a
  }
)

/**
 * Body of `POST /2/media/subtitles`.
 *
 * @since 0.1.0
 */
export const CreateRequest = Schema.Struct({
  id: Ids.MediaId,
  media_category: Ids.SubtitleVideoCategory,
  subtitles: Subtitle
})
/** @since 0.1.0 */
export type CreateRequest = typeof CreateRequest.Type

/**
 * Response of `POST /2/media/subtitles`: the video and all its tracks. Every field is optional, as in X's 2.167
 * schema: a write X accepted never fails over what its answer leaves out.
 *
 * @since 0.1.0
 */
export const CreateResponse = Schema.Struct({
  data: Schema.Struct({
    id: Schema.optional(Ids.MediaId),
    media_category: Schema.optional(Schema.String),
    associated_subtitles: Schema.optional(AssociatedSubtitles)
  }),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type CreateResponse = typeof CreateResponse.Type

/**
 * Body of `DELETE /2/media/subtitles` (sent as JSON).
 *
 * @since 0.1.0
 */
export const DeleteRequest = Schema.Struct({
  id: Ids.MediaId,
  media_category: Ids.SubtitleVideoCategory,
  language_code: Ids.LanguageCode
})
/** @since 0.1.0 */
export type DeleteRequest = typeof DeleteRequest.Type

/**
 * Response of `DELETE /2/media/subtitles`.
 *
 * @since 0.1.0
 */
export const DeleteResponse = Schema.Struct({
  data: Schema.Struct({ deleted: Schema.Boolean }),
  errors: Schema.optional(Schema.Array(XError.Problem))
})
/** @since 0.1.0 */
export type DeleteResponse = typeof DeleteResponse.Type

/**
 * `POST /2/media/subtitles`: associates one subtitle track with a video. Validated locally first; retried on
 * transient failures and rate limits.
 *
 * @since 0.1.0
 */
export const create: (
  request: typeof CreateRequest.Encoded,
  options?: { readonly retry?: Retry.Policy | undefined }
) => Effect.Effect<CreateResponse, XError.RequestError, Endpoint.XClientTag> = Effect.fn("MediaSubtitles.create")(
  function*(request: typeof CreateRequest.Encoded, options?: { readonly retry?: Retry.Policy | undefined }) {
    const valid = yield* Endpoint.validate("MediaSubtitles.create", CreateRequest, request)
    return yield* Endpoint.execute({
      name: "MediaSubtitles.create",
      method: "POST",
      route: "/2/media/subtitles",
      userContext: true,
      mediaId: valid.id,
      success: CreateResponse,
      request: HttpClientRequest.post("/2/media/subtitles").pipe(HttpClientRequest.bodyUnsafeJson(valid)),
      retry: options?.retry
    })
  }
)

/**
 * `DELETE /2/media/subtitles` with a JSON body: removes the track of one language. Retried on transient failures
 * and rate limits.
 *
 * @since 0.1.0
 */
export const remove: (
  request: typeof DeleteRequest.Encoded,
  options?: { readonly retry?: Retry.Policy | undefined }
) => Effect.Effect<DeleteResponse, XError.RequestError, Endpoint.XClientTag> = Effect.fn("MediaSubtitles.remove")(
  function*(request: typeof DeleteRequest.Encoded, options?: { readonly retry?: Retry.Policy | undefined }) {
    const valid = yield* Endpoint.validate("MediaSubtitles.remove", DeleteRequest, request)
    return yield* Endpoint.execute({
      name: "MediaSubtitles.remove",
      method: "DELETE",
      route: "/2/media/subtitles",
      userContext: true,
      mediaId: valid.id,
      success: DeleteResponse,
      request: HttpClientRequest.del("/2/media/subtitles").pipe(HttpClientRequest.bodyUnsafeJson(valid)),
      retry: options?.retry
    })
  }
)
