/**
 * The port between flows and X: exactly the operations the flow steps need, as a service.
 *
 * Steps never call `@xmedia/core` directly; they call `MediaOps`. Two implementations exist:
 * `MediaOpsLive.layer` (on `@xmedia/core`, talks to X or the emulator) and `MediaOps.layerMemory` (an in-memory fake
 * with fault injection, used by the engine and DSL tests and by dry runs).
 *
 * Every failure is an `OpError`: a small, serialisable value (it is journaled by the workflow engine) that keeps
 * the original error's tag and message and says whether the operation may be retried.
 *
 * @since 0.1.0
 */
import { Ids, MediaUpload } from "@xmedia/core"
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"

/**
 * Why an operation failed.
 *
 * - `Transient`: 5xx or a connection problem; retrying is safe for every operation except post creation.
 * - `RateLimited`: HTTP 429; `retryAt` (epoch ms) says when the endpoint's window resets.
 * - `Expired`: the media id is no longer valid; upload the file again.
 * - `Rejected`: X refused the request (4xx); retrying the same request will fail again.
 * - `PostMayExist`: post creation failed in a way that may have reached X; look for the post before retrying.
 * - `ProcessingFailed` / `ProcessingTimeout`: X could not process the media, or did not finish in time.
 * - `Unauthorized`: credentials were rejected.
 *
 * @since 0.1.0
 */
export const OpErrorReason = Schema.Literal(
  "Transient",
  "RateLimited",
  "Expired",
  "Rejected",
  "PostMayExist",
  "ProcessingFailed",
  "ProcessingTimeout",
  "Unauthorized"
)
/** @since 0.1.0 */
export type OpErrorReason = typeof OpErrorReason.Type

/**
 * A failed call to X, as journaled by the flow engine.
 *
 * @since 0.1.0
 */
export class OpError extends Schema.TaggedError<OpError>()("OpError", {
  operation: Schema.String,
  reason: OpErrorReason,
  detail: Schema.String,
  /** the tag of the underlying `XError`, when there is one */
  source: Schema.optional(Schema.String),
  /** epoch ms when a rate-limited endpoint may be called again */
  retryAt: Schema.optional(Schema.Number)
}) {
  /** @since 0.1.0 */
  override get message(): string {
    return `${this.operation}: ${this.detail}`
  }
}

/**
 * `true` when an `OpError` may be retried without any risk of doing something twice.
 *
 * @since 0.1.0
 */
export const isRetryable = (error: OpError): boolean => error.reason === "Transient" || error.reason === "RateLimited"

/**
 * The snake_case media categories the flows upload with.
 *
 * @since 0.1.0
 */
export const UploadCategory = Schema.Literal(
  "tweet_video",
  "amplify_video",
  "tweet_image",
  "tweet_gif",
  "subtitles"
)
/** @since 0.1.0 */
export type UploadCategory = typeof UploadCategory.Type

/**
 * An initialized upload session.
 *
 * @since 0.1.0
 */
export const UploadSession = Schema.Struct({
  mediaId: Schema.String,
  mediaKey: Schema.String,
  /** epoch ms after which the media id is no longer valid */
  expiresAt: Schema.Number
})
/** @since 0.1.0 */
export type UploadSession = typeof UploadSession.Type

/**
 * The processing state of an uploaded media item (`undefined` state = nothing to wait for).
 *
 * @since 0.1.0
 */
export const Processing = Schema.Struct({
  state: MediaUpload.ProcessingState,
  checkAfterSecs: Schema.optional(Schema.Number),
  progressPercent: Schema.optional(Schema.Number),
  error: Schema.optional(Schema.Struct({ code: Schema.Number, name: Schema.String, message: Schema.String }))
})
/** @since 0.1.0 */
export type Processing = typeof Processing.Type

/**
 * The operations flow steps perform on X.
 *
 * @since 0.1.0
 */
export interface MediaOpsService {
  readonly initialize: (req: {
    readonly mediaType: string
    readonly totalBytes: number
    readonly category: UploadCategory
  }) => Effect.Effect<UploadSession, OpError>
  readonly append: (req: {
    readonly mediaId: string
    readonly segmentIndex: number
    readonly media: Uint8Array
  }) => Effect.Effect<void, OpError>
  readonly finalize: (mediaId: string) => Effect.Effect<{ readonly processing: Processing | undefined }, OpError>
  readonly status: (mediaId: string) => Effect.Effect<{ readonly processing: Processing | undefined }, OpError>
  readonly associateSubtitles: (req: {
    readonly videoId: string
    readonly videoCategory: Ids.SubtitleVideoCategory
    readonly subtitlesId: string
    readonly languageCode: string
    readonly displayName: string
  }) => Effect.Effect<void, OpError>
  readonly removeSubtitles: (req: {
    readonly videoId: string
    readonly videoCategory: Ids.SubtitleVideoCategory
    readonly languageCode: string
  }) => Effect.Effect<void, OpError>
  readonly setAltText: (req: { readonly mediaId: string; readonly altText: string }) => Effect.Effect<void, OpError>
  readonly createPost: (req: {
    readonly text: string
    readonly mediaIds: ReadonlyArray<string>
  }) => Effect.Effect<{ readonly postId: string }, OpError>
  readonly deletePost: (postId: string) => Effect.Effect<void, OpError>
  /** the newest of the authenticated user's recent posts whose attachments carry `mediaKey` */
  readonly findPostWithMedia: (mediaKey: string) => Effect.Effect<Option.Option<{ readonly postId: string }>, OpError>
}

/**
 * The `MediaOps` service tag.
 *
 * @since 0.1.0
 */
export class MediaOps extends Context.Tag("@xmedia/workflows/MediaOps")<MediaOps, MediaOpsService>() {}

// -----------------------------------------------------------------------------
// in-memory implementation
// -----------------------------------------------------------------------------

/**
 * A scripted fault for the in-memory fake: the `nth` call (1-based, counted per operation) of `operation` fails
 * with `error`; `applied: true` makes the call take effect before failing (a post X accepted whose response was lost).
 *
 * @since 0.1.0
 */
export interface Fault {
  readonly operation: keyof MediaOpsService
  readonly nth: number
  readonly error: OpError
  readonly applied?: boolean
}

/**
 * What the in-memory fake holds: media, posts and a call log (used by tests to assert what reached "X").
 *
 * @since 0.1.0
 */
export interface MemoryState {
  readonly media: ReadonlyMap<string, {
    readonly category: UploadCategory
    readonly mediaKey: string
    readonly totalBytes: number
    readonly segments: ReadonlyMap<number, number>
    readonly finalized: boolean
    readonly processing: Processing | undefined
    readonly polls: number
    readonly expiresAt: number
    readonly subtitles: ReadonlyMap<string, string>
    readonly altText: string | undefined
  }>
  readonly posts: ReadonlyMap<string, { readonly text: string; readonly mediaIds: ReadonlyArray<string> }>
  readonly calls: ReadonlyArray<string>
}

/**
 * Options of the in-memory fake.
 *
 * @since 0.1.0
 */
export interface MemoryOptions {
  /** seconds a media id stays valid (default 86400) */
  readonly expiresAfterSecs?: number
  /** STATUS polls a video needs before it succeeds (default 2) */
  readonly processingPolls?: number
  /** media ids (by upload order, 1-based, video or GIF only) whose processing fails */
  readonly failProcessingOf?: ReadonlyArray<number>
  readonly faults?: ReadonlyArray<Fault>
}

/**
 * The handle of the in-memory fake: read its state in tests.
 *
 * @since 0.1.0
 */
export class MemoryHandle extends Context.Tag("@xmedia/workflows/MediaOps/MemoryHandle")<MemoryHandle, {
  readonly state: Effect.Effect<MemoryState>
}>() {}

type MutableMedia = {
  category: UploadCategory
  mediaKey: string
  totalBytes: number
  segments: Map<number, number>
  finalized: boolean
  processing: Processing | undefined
  polls: number
  expiresAt: number
  subtitles: Map<string, string>
  altText: string | undefined
  ordinal: number
}

/**
 * An in-memory `MediaOps` with X's rules that matter to flows (expiry, processing, posts need processed media),
 * plus scripted faults. Provides `MediaOps` and `MemoryHandle`.
 *
 * @since 0.1.0
 */
export const layerMemory = (options: MemoryOptions = {}): Layer.Layer<MediaOps | MemoryHandle> =>
  Layer.effectContext(Effect.gen(function*() {
    const media = new Map<string, MutableMedia>()
    const posts = new Map<string, { text: string; mediaIds: ReadonlyArray<string> }>()
    const calls: Array<string> = []
    const counters = new Map<string, number>()
    const nextId = yield* Ref.make(1_000_000_000_000_000_000n)
    let ordinal = 0
    const expiresAfterMs = (options.expiresAfterSecs ?? 86_400) * 1000
    const pollsNeeded = options.processingPolls ?? 2

    const newId = Ref.modify(nextId, (n) => [String(n + 1n), n + 1n] as const)
    const op = <A>(
      name: keyof MediaOpsService,
      body: Effect.Effect<A, OpError>
    ): Effect.Effect<A, OpError> =>
      Effect.suspend(() => {
        const n = (counters.get(name) ?? 0) + 1
        counters.set(name, n)
        calls.push(name)
        const fault = options.faults?.find((f) => f.operation === name && f.nth === n)
        if (fault === undefined) return body
        return fault.applied === true ? Effect.zipRight(body, Effect.fail(fault.error)) : Effect.fail(fault.error)
      })
    const rejected = (operation: string, detail: string) => new OpError({ operation, reason: "Rejected", detail })
    const find = (operation: string, id: string) =>
      Effect.gen(function*() {
        const item = media.get(id)
        if (item === undefined) return yield* rejected(operation, `media ${id} does not exist`)
        const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
        if (now >= item.expiresAt) {
          return yield* new OpError({ operation, reason: "Expired", detail: `media ${id} expired` })
        }
        return item
      })

    const service: MediaOpsService = {
      initialize: (req) =>
        op(
          "initialize",
          Effect.gen(function*() {
            const id = yield* newId
            const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
            ordinal++
            const item: MutableMedia = {
              category: req.category,
              mediaKey: `${Ids.mediaKeyPrefix(req.category)}_${id}`,
              totalBytes: req.totalBytes,
              segments: new Map(),
              finalized: false,
              processing: undefined,
              polls: 0,
              expiresAt: now + expiresAfterMs,
              subtitles: new Map(),
              altText: undefined,
              ordinal
            }
            media.set(id, item)
            return { mediaId: id, mediaKey: item.mediaKey, expiresAt: item.expiresAt }
          })
        ),
      append: (req) =>
        op(
          "append",
          Effect.gen(function*() {
            const item = yield* find("append", req.mediaId)
            if (item.finalized) return yield* rejected("append", `media ${req.mediaId} is already finalized`)
            item.segments.set(req.segmentIndex, req.media.length)
          })
        ),
      finalize: (id) =>
        op(
          "finalize",
          Effect.gen(function*() {
            const item = yield* find("finalize", id)
            let received = 0
            for (const size of item.segments.values()) received += size
            if (received !== item.totalBytes) {
              return yield* rejected("finalize", `received ${received} bytes, expected ${item.totalBytes}`)
            }
            item.finalized = true
            const async = item.category === "tweet_video" || item.category === "amplify_video" ||
              item.category === "tweet_gif"
            item.processing = async ? { state: "pending", checkAfterSecs: 1 } : undefined
            return { processing: item.processing }
          })
        ),
      status: (id) =>
        op(
          "status",
          Effect.gen(function*() {
            const item = yield* find("status", id)
            if (item.processing === undefined) return { processing: undefined }
            if (item.processing.state === "succeeded" || item.processing.state === "failed") {
              return { processing: item.processing }
            }
            item.polls++
            if (item.polls >= pollsNeeded) {
              item.processing = options.failProcessingOf?.includes(item.ordinal) === true
                ? {
                  state: "failed",
                  error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" }
                }
                : { state: "succeeded", progressPercent: 100 }
            } else {
              item.processing = {
                state: "in_progress",
                checkAfterSecs: 1,
                progressPercent: Math.round((100 * item.polls) / pollsNeeded)
              }
            }
            return { processing: item.processing }
          })
        ),
      associateSubtitles: (req) =>
        op(
          "associateSubtitles",
          Effect.gen(function*() {
            const video = yield* find("associateSubtitles", req.videoId)
            const subs = yield* find("associateSubtitles", req.subtitlesId)
            if (subs.category !== "subtitles") {
              return yield* rejected("associateSubtitles", `media ${req.subtitlesId} is not a subtitles upload`)
            }
            video.subtitles.set(req.languageCode, req.subtitlesId)
          })
        ),
      removeSubtitles: (req) =>
        op(
          "removeSubtitles",
          Effect.gen(function*() {
            const video = yield* find("removeSubtitles", req.videoId)
            video.subtitles.delete(req.languageCode)
          })
        ),
      setAltText: (req) =>
        op(
          "setAltText",
          Effect.gen(function*() {
            const item = yield* find("setAltText", req.mediaId)
            item.altText = req.altText
          })
        ),
      createPost: (req) =>
        op(
          "createPost",
          Effect.gen(function*() {
            for (const id of req.mediaIds) {
              const item = yield* find("createPost", id)
              if (!item.finalized || (item.processing !== undefined && item.processing.state !== "succeeded")) {
                return yield* rejected("createPost", "Your media IDs are invalid.")
              }
            }
            const postId = yield* newId
            posts.set(postId, { text: req.text, mediaIds: req.mediaIds })
            return { postId }
          })
        ),
      deletePost: (postId) =>
        op(
          "deletePost",
          Effect.suspend(() => {
            if (!posts.delete(postId)) return Effect.fail(rejected("deletePost", `post ${postId} does not exist`))
            return Effect.void
          })
        ),
      findPostWithMedia: (mediaKey) =>
        op(
          "findPostWithMedia",
          Effect.sync(() => {
            const entries = [...posts.entries()].reverse()
            for (const [postId, post] of entries) {
              if (post.mediaIds.some((id) => media.get(id)?.mediaKey === mediaKey)) {
                return Option.some({ postId })
              }
            }
            return Option.none()
          })
        )
    }
    const state: Effect.Effect<MemoryState> = Effect.sync(() => ({
      media: new Map(media),
      posts: new Map(posts),
      calls: [...calls]
    }))
    return Context.make(MediaOps, service).pipe(Context.add(MemoryHandle, { state }))
  }))
