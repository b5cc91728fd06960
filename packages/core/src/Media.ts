/**
 * One high-level interface for the media workflow: upload, set alt text, attach and detach subtitles, post.
 * Every call runs on X's v2 endpoints (default) or on the v1.1 upload host, chosen with one option, and answers in
 * the same shape either way.
 *
 * **Choosing the API generation.** The protocol is resolved per call, first match wins:
 * 1. the call's own `protocol` option (`Media.setAltText(id, text, { protocol: "v1.1" })`);
 * 2. the `Media.Protocol` reference of the fiber's context, set for a whole scope with
 *    `Media.withProtocol("v1.1")(program)` or `Effect.provide(program, Media.layer({ protocol: "v1.1" }))`;
 * 3. `"v2"` (the reference's default: nothing has to be provided).
 *
 * `Media.Protocol` is a `Context.Reference`, so it never shows up in the requirements of an effect.
 *
 * | operation         | v2 (default)                | v1.1 (`protocol: "v1.1"`, OAuth 1.0a only)                |
 * | ----------------- | --------------------------- | --------------------------------------------------------- |
 * | `upload`          | `/2/media/upload/...`       | `media/upload.json` INIT / APPEND / FINALIZE / STATUS     |
 * | `setAltText`      | `POST /2/media/metadata`    | `POST media/metadata/create.json`                         |
 * | `attachSubtitles` | `POST /2/media/subtitles`   | `POST media/subtitles/create.json`                        |
 * | `detachSubtitles` | `DELETE /2/media/subtitles` | `POST media/subtitles/delete.json`                        |
 * | `post`            | `POST /2/tweets`            | `POST /2/tweets` (v1.1 `statuses/update` is not in core)  |
 *
 * Posting is always v2: X's `POST /2/tweets` accepts OAuth 1.0a user context too, so a v1.1 scope can post with
 * the same credentials. On v1.1 an OAuth 2.0 client is refused with `XError.InvalidInput` before any network call.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Media } from "@xmedia/core"
 *
 * const program = Effect.gen(function*() {
 *   const video = yield* Media.upload("clip.mp4")
 *   const srt = yield* Media.upload("clip.en.srt")
 *   yield* Media.attachSubtitles({
 *     video: video.mediaId,
 *     videoCategory: video.mediaCategory,
 *     subtitles: { mediaId: srt.mediaId, language: "en-US", name: "English" }
 *   })
 *   return yield* Media.post({ text: "with subtitles", mediaIds: [video.mediaId] })
 * })
 * // the same program on v1.1:
 * const onV1 = Media.withProtocol("v1.1")(program)
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import * as Ids from "./Ids.js"
import * as Endpoint from "./internal/endpoint.js"
import * as MediaMetadata from "./MediaMetadata.js"
import * as MediaSubtitles from "./MediaSubtitles.js"
import * as MediaV1 from "./MediaV1.js"
import * as Posts from "./Posts.js"
import type * as Retry from "./Retry.js"
import * as SubtitleFile from "./SubtitleFile.js"
import * as Uploader from "./Uploader.js"
import type { XClient } from "./XClient.js"
import * as XError from "./XError.js"

// ---------------------------------------------------------------------------------------------------------------
// Protocol selection
// ---------------------------------------------------------------------------------------------------------------

/**
 * X's API generation: `"v2"` (default) or `"v1.1"` (the upload host, OAuth 1.0a only). Same type as
 * `Uploader.Protocol`.
 *
 * @since 0.1.0
 */
export type ProtocolVersion = Uploader.Protocol

/**
 * The protocol of the current scope, a `Context.Reference` defaulting to `"v2"` (so it is never a requirement).
 * Set it with `withProtocol`, `layer`, or `Effect.provideService(Media.Protocol, "v1.1")`; a call's own `protocol`
 * option wins over it.
 *
 * @example
 * ```ts
 * const current = yield* Media.Protocol // "v2" unless a scope set it
 * ```
 *
 * @since 0.1.0
 */
export class Protocol extends Context.Reference<Protocol>()("@xmedia/core/Media/Protocol", {
  defaultValue: (): ProtocolVersion => "v2"
}) {}

/**
 * Runs an effect with `Media.Protocol` set: every `Media` call inside it (without its own `protocol` option) uses
 * that generation.
 *
 * @example
 * ```ts
 * Media.withProtocol("v1.1")(Media.setAltText(id, "A cat"))
 * Media.setAltText(id, "A cat").pipe(Media.withProtocol("v1.1"))
 * ```
 *
 * @since 0.1.0
 */
export const withProtocol =
  (protocol: ProtocolVersion) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(self, Protocol, protocol)

/**
 * A layer setting `Media.Protocol` for everything it is provided to (e.g. once at the edge of an application).
 *
 * @example
 * ```ts
 * program.pipe(Effect.provide(Media.layer({ protocol: "v1.1" })))
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options: { readonly protocol: ProtocolVersion }): Layer.Layer<never> =>
  Layer.succeed(Protocol, options.protocol)

/**
 * Options every `Media` call takes: the protocol for this call (over the scope's `Media.Protocol`) and a retry
 * policy passed to the endpoint underneath.
 *
 * @since 0.1.0
 */
export interface CallOptions {
  readonly protocol?: ProtocolVersion | undefined
  readonly retry?: Retry.Policy | undefined
}

/** The protocol a call runs on: its option, else the scope's reference; anything else is `InvalidInput`. */
const resolveProtocol = (endpoint: string, option: ProtocolVersion | undefined) =>
  Effect.flatMap(Protocol, (scoped) => {
    const protocol: unknown = option ?? scoped
    return protocol === "v2" || protocol === "v1.1"
      ? Effect.succeed(protocol as ProtocolVersion)
      : Effect.fail(
        new XError.InvalidInput({
          endpoint,
          field: "protocol",
          message: `protocol must be "v2" or "v1.1", got ${JSON.stringify(protocol)}`
        })
      )
  })

const retryOf = (options: CallOptions | undefined) => options?.retry === undefined ? {} : { retry: options.retry }

// ---------------------------------------------------------------------------------------------------------------
// Upload
// ---------------------------------------------------------------------------------------------------------------

/**
 * Options of `Media.upload`: every `Uploader.Options` (category, chunk size, concurrency, progress, resume, ...);
 * `protocol` falls back to the scope's `Media.Protocol`.
 *
 * @since 0.1.0
 */
export type UploadOptions = Uploader.Options

/**
 * Uploads a file path or bytes with the chunked uploader (`Uploader.uploadFile`) and waits for X's processing, on
 * the call's or the scope's protocol. Answers `Uploader.UploadedMedia` (same shape on both generations).
 *
 * @example
 * ```ts
 * const media = yield* Media.upload("photo.png", { onProgress: (p) => Effect.log(p._tag) })
 * ```
 *
 * @since 0.1.0
 */
export const upload: <S extends Uploader.Source<unknown, unknown>>(
  source: S,
  options?: UploadOptions
) => Effect.Effect<
  Uploader.UploadedMedia,
  Uploader.UploadError | Uploader.SourceError<S>,
  XClient | Uploader.SourceContext<S>
> = Effect.fn("Media.upload")(function*<S extends Uploader.Source<unknown, unknown>>(
  source: S,
  options?: UploadOptions
) {
  const protocol = yield* resolveProtocol("Media.upload", options?.protocol)
  yield* Effect.annotateCurrentSpan({ "xmedia.protocol": protocol })
  return yield* Uploader.uploadFile(source, { ...options, protocol })
})

// ---------------------------------------------------------------------------------------------------------------
// Alt text
// ---------------------------------------------------------------------------------------------------------------

/**
 * What `setAltText` answers. `associatedMetadata` is the metadata X echoed (v2); v1.1 answers a 2xx with no
 * body, so it is `undefined` there.
 *
 * @since 0.1.0
 */
export interface AltTextSet {
  readonly mediaId: Ids.MediaId
  /** The alt text sent. */
  readonly text: string
  readonly protocol: ProtocolVersion
  /** X's `associated_metadata` (v2 only; `undefined` on v1.1, which sends no body). */
  readonly associatedMetadata: MediaMetadata.AssociatedMetadata | undefined
}

/**
 * Sets the alt text (at most 1000 characters) of an uploaded image or GIF: `POST /2/media/metadata` on v2,
 * `POST media/metadata/create.json` on v1.1. Input errors are `XError.InvalidInput` before any network call.
 *
 * @example
 * ```ts
 * yield* Media.setAltText(media.mediaId, "A cat on a piano")
 * ```
 *
 * @since 0.1.0
 */
export const setAltText: (
  mediaId: Ids.MediaId | string,
  text: string,
  options?: CallOptions
) => Effect.Effect<AltTextSet, XError.RequestError, XClient> = Effect.fn("Media.setAltText")(
  function*(mediaId: Ids.MediaId | string, text: string, options?: CallOptions) {
    const name = "Media.setAltText"
    const protocol = yield* resolveProtocol(name, options?.protocol)
    const id = yield* Endpoint.validate(name, Ids.MediaId, mediaId, "media_id")
    yield* Effect.annotateCurrentSpan({ "xmedia.protocol": protocol, "xmedia.media_id": id })
    const callerTerms = inCallerTerms(name, { "alt_text.text": "text", "metadata.alt_text.text": "text" })
    if (protocol === "v1.1") {
      yield* MediaV1.createMetadata({ media_id: id, alt_text: { text } }, retryOf(options)).pipe(callerTerms)
      return { mediaId: id, text, protocol, associatedMetadata: undefined }
    }
    const response = yield* MediaMetadata.create({ id, metadata: { alt_text: { text } } }, retryOf(options)).pipe(
      callerTerms
    )
    return { mediaId: response.data.id, text, protocol, associatedMetadata: response.data.associated_metadata }
  }
)

// ---------------------------------------------------------------------------------------------------------------
// Subtitles
// ---------------------------------------------------------------------------------------------------------------

/**
 * The category of the video: the upload spelling (`tweet_video`, `amplify_video`, as in
 * `Uploader.UploadedMedia.mediaCategory`) or the subtitles endpoints' spelling (`TweetVideo`, `AmplifyVideo`).
 *
 * @since 0.1.0
 */
export type VideoCategory = Ids.SubtitleVideoCategory | Ids.MediaCategory

/**
 * Input of `attachSubtitles`: the video, its category, and the uploaded subtitle file (category `subtitles`) with
 * its language (`en`, `en-US`, `EN` ... normalised with `SubtitleFile.normalizeLanguage`) and display name.
 *
 * @since 0.1.0
 */
export interface AttachSubtitles {
  readonly video: Ids.MediaId | string
  readonly videoCategory: VideoCategory
  readonly subtitles: {
    readonly mediaId: Ids.MediaId | string
    readonly language: string
    readonly name: string
  }
}

/**
 * What `attachSubtitles` answers. `tracks` is every track X says the video now has (v2); v1.1 answers a 2xx with
 * no body, so it is `undefined` there, as it is when X's v2 answer lists none (2.167 makes the list optional).
 *
 * @since 0.1.0
 */
export interface SubtitlesAttached {
  readonly video: Ids.MediaId
  readonly videoCategory: Ids.SubtitleVideoCategory
  /** The normalised language code sent (e.g. `EN`). */
  readonly language: Ids.LanguageCode
  readonly protocol: ProtocolVersion
  /** X's `associated_subtitles` (v2; `undefined` on v1.1, which sends no body, and when X's answer leaves it out). */
  readonly tracks: ReadonlyArray<MediaSubtitles.AssociatedSubtitle> | undefined
}

/**
 * Input of `detachSubtitles`: the video, its category, and the language of the track to remove.
 *
 * @since 0.1.0
 */
export interface DetachSubtitles {
  readonly video: Ids.MediaId | string
  readonly videoCategory: VideoCategory
  readonly language: string
}

/**
 * What `detachSubtitles` answers. `deleted` is X's answer on v2; v1.1 answers a 2xx with no body, so it is
 * `undefined` there (the call succeeded, X said nothing more).
 *
 * @since 0.1.0
 */
export interface SubtitlesDetached {
  readonly video: Ids.MediaId
  readonly videoCategory: Ids.SubtitleVideoCategory
  readonly language: Ids.LanguageCode
  readonly protocol: ProtocolVersion
  /** X's `deleted` (v2 only; `undefined` on v1.1). */
  readonly deleted: boolean | undefined
}

const toSubtitleCategory = (
  endpoint: string,
  category: VideoCategory
): Effect.Effect<Ids.SubtitleVideoCategory, XError.InvalidInput> => {
  if (category === "TweetVideo" || category === "AmplifyVideo") return Effect.succeed(category)
  const mapped = typeof category === "string" && Ids.MediaCategory.literals.includes(category)
    ? Ids.subtitleVideoCategory(category)
    : undefined
  const accepted = "videoCategory must be tweet_video, amplify_video, TweetVideo or AmplifyVideo"
  return mapped !== undefined ? Effect.succeed(mapped) : Effect.fail(
    new XError.InvalidInput({
      endpoint,
      field: "videoCategory",
      message: category === "dm_video"
        ? `X's subtitles endpoints take posted videos only, so a DM video cannot carry subtitles: ${accepted}`
        : `subtitles attach to videos only: ${accepted}, got ${JSON.stringify(category)}`
    })
  )
}

/**
 * Names the caller's function and argument in an `InvalidInput` the endpoint underneath raised (its check of
 * `metadata.alt_text.text` is a check of `setAltText`'s `text`), so `field` is a name from the caller's own call.
 */
const inCallerTerms = (endpoint: string, fields: Readonly<Record<string, string>>) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | XError.InvalidInput, R> =>
  Effect.mapError(self, (e) =>
    e instanceof XError.InvalidInput
      ? new XError.InvalidInput({ endpoint, field: fields[e.field] ?? e.field, message: e.message })
      : e)

const normalizeLanguage = (endpoint: string, language: string) =>
  SubtitleFile.normalizeLanguage(language).pipe(inCallerTerms(endpoint, { language_code: "language" }))

/**
 * Attaches an uploaded subtitle file to a video: `POST /2/media/subtitles` on v2, `POST
 * media/subtitles/create.json` on v1.1. The language is normalised (`en-US` -> `EN`) and the category mapped
 * (`tweet_video` -> `TweetVideo`) first; bad input is `XError.InvalidInput` before any network call.
 *
 * @example
 * ```ts
 * const attached = yield* Media.attachSubtitles({
 *   video: video.mediaId,
 *   videoCategory: "tweet_video",
 *   subtitles: { mediaId: srt.mediaId, language: "en", name: "English" }
 * })
 * ```
 *
 * @since 0.1.0
 */
export const attachSubtitles: (
  request: AttachSubtitles,
  options?: CallOptions
) => Effect.Effect<SubtitlesAttached, XError.RequestError, XClient> = Effect.fn("Media.attachSubtitles")(
  function*(request: AttachSubtitles, options?: CallOptions) {
    const name = "Media.attachSubtitles"
    const protocol = yield* resolveProtocol(name, options?.protocol)
    const video = yield* Endpoint.validate(name, Ids.MediaId, request.video, "video")
    const subtitleId = yield* Endpoint.validate(name, Ids.MediaId, request.subtitles.mediaId, "subtitles.mediaId")
    const videoCategory = yield* toSubtitleCategory(name, request.videoCategory)
    const language = yield* normalizeLanguage(name, request.subtitles.language)
    yield* Effect.annotateCurrentSpan({ "xmedia.protocol": protocol, "xmedia.media_id": video })
    const base = { video, videoCategory, language, protocol }
    const callerTerms = inCallerTerms(name, {
      "subtitles.display_name": "subtitles.name",
      "subtitle_info.subtitles.0.display_name": "subtitles.name"
    })
    if (protocol === "v1.1") {
      yield* MediaV1.createSubtitles({
        media_id: video,
        media_category: videoCategory,
        subtitle_info: {
          subtitles: [{ media_id: subtitleId, language_code: language, display_name: request.subtitles.name }]
        }
      }, retryOf(options)).pipe(callerTerms)
      return { ...base, tracks: undefined }
    }
    const response = yield* MediaSubtitles.create({
      id: video,
      media_category: videoCategory,
      subtitles: { id: subtitleId, language_code: language, display_name: request.subtitles.name }
    }, retryOf(options)).pipe(callerTerms)
    return { ...base, tracks: response.data.associated_subtitles }
  }
)

/**
 * Removes the subtitle track of one language from a video: `DELETE /2/media/subtitles` on v2, `POST
 * media/subtitles/delete.json` on v1.1. Language and category are normalised as in `attachSubtitles`.
 *
 * @example
 * ```ts
 * yield* Media.detachSubtitles({ video: video.mediaId, videoCategory: "tweet_video", language: "en" })
 * ```
 *
 * @since 0.1.0
 */
export const detachSubtitles: (
  request: DetachSubtitles,
  options?: CallOptions
) => Effect.Effect<SubtitlesDetached, XError.RequestError, XClient> = Effect.fn("Media.detachSubtitles")(
  function*(request: DetachSubtitles, options?: CallOptions) {
    const name = "Media.detachSubtitles"
    const protocol = yield* resolveProtocol(name, options?.protocol)
    const video = yield* Endpoint.validate(name, Ids.MediaId, request.video, "video")
    const videoCategory = yield* toSubtitleCategory(name, request.videoCategory)
    const language = yield* normalizeLanguage(name, request.language)
    yield* Effect.annotateCurrentSpan({ "xmedia.protocol": protocol, "xmedia.media_id": video })
    const base = { video, videoCategory, language, protocol }
    if (protocol === "v1.1") {
      yield* MediaV1.deleteSubtitles({
        media_id: video,
        media_category: videoCategory,
        subtitle_info: { subtitles: [{ language_code: language }] }
      }, retryOf(options))
      return { ...base, deleted: undefined }
    }
    const response = yield* MediaSubtitles.remove(
      { id: video, media_category: videoCategory, language_code: language },
      retryOf(options)
    )
    return { ...base, deleted: response.data.deleted }
  }
)

// ---------------------------------------------------------------------------------------------------------------
// Post
// ---------------------------------------------------------------------------------------------------------------

/**
 * Input of `post`: text and/or 1-4 media ids, and up to 10 users tagged in the media.
 *
 * @since 0.1.0
 */
export interface PostRequest {
  readonly text?: string | undefined
  readonly mediaIds?: ReadonlyArray<Ids.MediaId | string> | undefined
  readonly taggedUserIds?: ReadonlyArray<Ids.UserId | string> | undefined
}

/**
 * What `post` answers: the new post's id and text, and the media ids it carries.
 *
 * @since 0.1.0
 */
export interface Posted {
  readonly postId: Ids.PostId
  readonly text: string
  readonly mediaIds: ReadonlyArray<string>
}

/**
 * Creates a post with the uploaded media through `Posts.create` (`POST /2/tweets`). **Always v2**, whatever the
 * protocol: X's v1.1 `statuses/update` is not in core, and `POST /2/tweets` accepts OAuth 1.0a user context too,
 * so a v1.1 scope posts with the same credentials. Never retried blindly: an ambiguous failure is
 * `XError.PostMayExist` (see `Posts.create`).
 *
 * @example
 * ```ts
 * const posted = yield* Media.post({ text: "Look", mediaIds: [media.mediaId] })
 * ```
 *
 * @since 0.1.0
 */
export const post: (
  request: PostRequest,
  options?: { readonly retry?: Retry.Policy | undefined }
) => Effect.Effect<Posted, XError.PostCreateError, XClient> = Effect.fn("Media.post")(
  function*(request: PostRequest, options?: { readonly retry?: Retry.Policy | undefined }) {
    const mediaIds = request.mediaIds ?? []
    const tagged = request.taggedUserIds ?? []
    // posts exist on v2 only (signed with whichever credentials the client has)
    yield* Effect.annotateCurrentSpan({ "xmedia.protocol": "v2" })
    yield* Endpoint.require(
      tagged.length === 0 || mediaIds.length > 0,
      "Media.post",
      "taggedUserIds",
      "taggedUserIds tags users in the media: give mediaIds too"
    )
    const response = yield* Posts.create({
      ...(request.text === undefined ? {} : { text: request.text }),
      ...(mediaIds.length === 0 ? {} : {
        media: { media_ids: mediaIds, ...(tagged.length === 0 ? {} : { tagged_user_ids: tagged }) }
      })
    }, options?.retry === undefined ? undefined : { retry: options.retry })
    return { postId: response.data.id, text: response.data.text, mediaIds }
  }
)
