/**
 * `MediaOps` on `@xmedia/core`: the flows' operations as calls to X (or to the emulator: point `XClient`'s
 * `baseUrl` at it).
 *
 * Rate limits are shared: every flow using this layer shares one budget per endpoint, learned from the
 * `x-rate-limit-*` headers that `XClient` records. When an endpoint's window is spent (remaining 0) or it answered
 * 429, calls to **that endpoint only** wait until its reset; other endpoints go on. Transient failures are
 * retried by core (`Retry.transient`); post creation is never retried blindly (see `Flow.CreatePost`).
 *
 * @since 0.1.0
 */
import {
  MediaMetadata,
  MediaSubtitles,
  MediaUpload,
  Posts,
  RateLimit,
  Retry,
  Users,
  XClient,
  XError
} from "@xmedia/core"
import { Clock, Duration, Effect, Layer, Option, Ref } from "effect"
import * as FlowEvent from "./FlowEvent.js"
import { MediaOps, type MediaOpsService, OpError, type Processing } from "./MediaOps.js"

/**
 * Options of the live layer.
 *
 * @since 0.1.0
 */
export interface Options {
  /** how many 429s in a row one call waits out before failing (default 5) */
  readonly rateLimitAttempts?: number
  /** wait this long after a 429 without a reset header (default 60 s) */
  readonly rateLimitFallback?: Duration.DurationInput
  /** how many of the user's recent posts to search for an existing post (5-100, default 100) */
  readonly recentPosts?: number
}

const toOpError = (operation: string, error: XError.XError): OpError => {
  const base = { operation, detail: error.message, source: error._tag }
  if (XError.isTransient(error)) return new OpError({ ...base, reason: "Transient" })
  switch (error._tag) {
    case "RateLimited":
      return new OpError({ ...base, reason: "RateLimited", retryAt: error.resetAt })
    case "PostMayExist":
      return new OpError({ ...base, reason: "PostMayExist" })
    case "MediaExpired":
      return new OpError({ ...base, reason: "Expired" })
    case "ProcessingFailed":
      return new OpError({ ...base, reason: "ProcessingFailed" })
    case "ProcessingTimeout":
      return new OpError({ ...base, reason: "ProcessingTimeout" })
    case "Unauthorized":
    case "TokenRefreshFailed":
      return new OpError({ ...base, reason: "Unauthorized" })
    default:
      return new OpError({ ...base, reason: "Rejected" })
  }
}

const processingOf = (media: MediaUpload.Media): Processing | undefined => {
  const info = media.processing_info
  if (info === undefined) return undefined
  return {
    state: info.state,
    ...(info.check_after_secs === undefined ? {} : { checkAfterSecs: info.check_after_secs }),
    ...(info.progress_percent === undefined ? {} : { progressPercent: info.progress_percent }),
    ...(info.error === undefined ? {} : {
      error: {
        code: info.error.code ?? 0,
        name: info.error.name ?? "Unknown",
        message: info.error.message ?? "no message"
      }
    })
  }
}

/**
 * Build the live `MediaOps` from an `XClient`.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<MediaOpsService, never, XClient.XClient> =>
  Effect.gen(function*() {
    const client = yield* XClient.XClient
    const paused = yield* Ref.make<ReadonlyMap<string, number>>(new Map())
    const transient = Retry.transient()
    const attempts = options.rateLimitAttempts ?? 5
    const fallback = Duration.toMillis(Duration.decode(options.rateLimitFallback ?? "60 seconds"))

    /** wait while the endpoint's window is spent or paused by a 429 */
    const gate = (endpoint: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const pausedUntil = (yield* Ref.get(paused)).get(endpoint) ?? 0
        const info = Option.getOrUndefined(yield* XClient.lastRateLimit(endpoint).pipe(
          Effect.provideService(XClient.XClient, client)
        ))
        const spent = info === undefined ? 0 : (info.remaining === 0 || info.appDay?.remaining === 0 ||
            info.userDay?.remaining === 0)
          ? (RateLimit.resetInstant(info) ?? 0)
          : 0
        const until = Math.max(pausedUntil, spent)
        if (until > now) {
          yield* FlowEvent.waiting("rate-limit", until - now, endpoint)
          yield* Effect.sleep(Duration.millis(until - now))
        }
      })

    /** one call to X behind the endpoint's gate; a 429 pauses the endpoint for everyone, then the call goes again */
    const call = <A>(
      endpoint: string,
      effect: Effect.Effect<A, XError.XError, XClient.XClient>
    ): Effect.Effect<A, OpError> => {
      const loop = (attempt: number): Effect.Effect<A, OpError> =>
        Effect.zipRight(gate(endpoint), effect).pipe(
          Effect.provideService(XClient.XClient, client),
          Effect.catchAll((error) => {
            if (error._tag !== "RateLimited" || attempt >= attempts) return Effect.fail(toOpError(endpoint, error))
            return Effect.gen(function*() {
              const now = yield* Clock.currentTimeMillis
              const resetAt = error.resetAt !== undefined && error.resetAt > now ? error.resetAt : now + fallback
              yield* Ref.update(paused, (map) => new Map(map).set(endpoint, Math.max(map.get(endpoint) ?? 0, resetAt)))
              return yield* loop(attempt + 1)
            })
          })
        )
      return loop(1)
    }

    const me = yield* Effect.cached(
      call("Users.me", Users.me({ retry: transient })).pipe(Effect.map((r) => r.data.id))
    )

    const service: MediaOpsService = {
      initialize: (req) =>
        call(
          "MediaUpload.initialize",
          MediaUpload.initialize({
            media_type: req.mediaType as MediaUpload.InitializeRequest["media_type"],
            total_bytes: req.totalBytes,
            media_category: req.category
          }, { retry: transient })
        ).pipe(
          Effect.flatMap((r) =>
            Effect.map(Clock.currentTimeMillis, (now) => ({
              mediaId: r.data.id,
              mediaKey: r.data.media_key ?? "",
              expiresAt: now + (r.data.expires_after_secs ?? 86_400) * 1000
            }))
          )
        ),
      append: (req) =>
        call(
          "MediaUpload.append",
          MediaUpload.append({ id: req.mediaId, segment_index: req.segmentIndex, media: req.media }, {
            retry: transient
          })
        ).pipe(Effect.asVoid),
      finalize: (id) =>
        call("MediaUpload.finalize", MediaUpload.finalize(id, { retry: transient })).pipe(
          Effect.map((r) => ({ processing: processingOf(r.data) }))
        ),
      status: (id) =>
        call("MediaUpload.status", MediaUpload.status(id, { retry: transient })).pipe(
          Effect.map((r) => ({ processing: processingOf(r.data) }))
        ),
      associateSubtitles: (req) =>
        call(
          "MediaSubtitles.create",
          MediaSubtitles.create({
            id: req.videoId,
            media_category: req.videoCategory,
            subtitles: { id: req.subtitlesId, language_code: req.languageCode, display_name: req.displayName }
          }, { retry: transient })
        ).pipe(Effect.asVoid),
      removeSubtitles: (req) =>
        call(
          "MediaSubtitles.remove",
          MediaSubtitles.remove({
            id: req.videoId,
            media_category: req.videoCategory,
            language_code: req.languageCode
          }, { retry: transient })
        ).pipe(Effect.asVoid),
      setAltText: (req) =>
        call(
          "MediaMetadata.create",
          MediaMetadata.create({ id: req.mediaId, metadata: { alt_text: { text: req.altText } } }, {
            retry: transient
          })
        ).pipe(Effect.asVoid),
      createPost: (req) =>
        // never retried blindly: ambiguous failures become PostMayExist and the step looks for the post first
        call(
          "Posts.create",
          Posts.create({ text: req.text, media: { media_ids: req.mediaIds } }, { retry: Retry.none })
        ).pipe(Effect.map((r) => ({ postId: r.data.id }))),
      deletePost: (postId) => call("Posts.remove", Posts.remove(postId, { retry: transient })).pipe(Effect.asVoid),
      findPostWithMedia: (mediaKey) =>
        Effect.gen(function*() {
          const userId = yield* me
          const response = yield* call(
            "Posts.byUser",
            Posts.byUser(userId, { max_results: options.recentPosts ?? 100 }, { retry: transient })
          )
          const post = (response.data ?? []).find((p) => p.attachments?.media_keys?.includes(mediaKey as never))
          return post === undefined ? Option.none() : Option.some({ postId: post.id })
        })
    }
    return service
  })

/**
 * The live `MediaOps` layer (needs an `XClient`).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<MediaOps, never, XClient.XClient> = Layer.effect(MediaOps, make())

/**
 * The live `MediaOps` layer with options.
 *
 * @since 0.1.0
 */
export const layerWith = (options: Options): Layer.Layer<MediaOps, never, XClient.XClient> =>
  Layer.effect(MediaOps, make(options))
