/**
 * The emulator's state: media records (with chunks on disk), posts, subtitle tracks, metadata.
 *
 * This file is the interface the routes and the admin API code against; `./store.ts` implements it.
 *
 * @internal
 */
import type { Ids } from "@xmedia/core"
import { Context, type Effect } from "effect"

/** How processing of an async media item advances. @internal */
export type ProcessingMode =
  | { readonly _tag: "immediate" }
  | { readonly _tag: "seconds"; readonly seconds: number }
  | { readonly _tag: "polls"; readonly polls: number }

/** `processing_info.error` as X sends it. @internal */
export interface ProcessingError {
  readonly code: number
  readonly name: string
  readonly message: string
}

/**
 * A processing failure. `reportedAs: "in_progress"` makes STATUS / FINALIZE report the `error` with
 * `state: "in_progress"` (as X has: node-twitter-api-v2#483) instead of `failed`; absent means `failed`.
 *
 * @internal
 */
export interface FailedOutcome {
  readonly state: "failed"
  readonly error: ProcessingError
  readonly reportedAs?: "in_progress" | undefined
}

/** What processing will end in, decided at FINALIZE from the bytes (or by a `processingFailure` fault). @internal */
export type ProcessingOutcome =
  | { readonly state: "succeeded" }
  | FailedOutcome

/** One processing state change, for the admin API. @internal */
export interface ProcessingEvent {
  readonly state: "pending" | "in_progress" | "succeeded" | "failed"
  readonly at: number
  readonly progress_percent?: number | undefined
}

/** Async processing bookkeeping of a finalized media item. @internal */
export interface ProcessingRecord {
  readonly mode: ProcessingMode
  readonly outcome: ProcessingOutcome
  /** Epoch ms of FINALIZE. */
  readonly startedAt: number
  /** STATUS polls seen since FINALIZE. */
  readonly polls: number
  /** Leave `check_after_secs` out of every `processing_info` of this media (the `omitCheckAfterSecs` fault). */
  readonly omitCheckAfterSecs?: boolean | undefined
  readonly history: ReadonlyArray<ProcessingEvent>
}

/** What probing found in the bytes. @internal */
export interface ProbeInfo {
  readonly kind: "image" | "gif" | "video" | "subtitles" | "unknown"
  readonly width?: number | undefined
  readonly height?: number | undefined
  readonly durationMs?: number | undefined
  /** The MIME type the bytes actually are, when recognised. */
  readonly detectedType?: string | undefined
}

/** A subtitle track associated with a video. @internal */
export interface SubtitleTrack {
  readonly id: string
  readonly language_code: string
  readonly display_name: string
}

/** One uploaded (or uploading) media item. @internal */
export interface MediaRecord {
  readonly id: string
  readonly mediaKey: string
  readonly ownerId: string
  readonly additionalOwners: ReadonlyArray<string>
  readonly category: Ids.MediaCategory
  readonly mediaType: string
  readonly totalBytes: number
  readonly shared: boolean
  /** How the item was created. */
  readonly source: "chunked" | "oneshot" | "v1-chunked" | "v1-simple" | "command"
  readonly createdAt: number
  /** Epoch ms after which the id is refused. */
  readonly expiresAt: number
  /** Received segments: index -> byte length. */
  readonly segments: Readonly<Record<string, number>>
  readonly bytesReceived: number
  readonly finalized: boolean
  readonly finalizedAt?: number | undefined
  /** sha256 (hex) of the assembled file, after FINALIZE. */
  readonly sha256?: string | undefined
  readonly size?: number | undefined
  readonly probe?: ProbeInfo | undefined
  /** Present for async (video/GIF) media. */
  readonly processing?: ProcessingRecord | undefined
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
  readonly subtitles: ReadonlyArray<SubtitleTrack>
}

/** A stored post. @internal */
export interface PostRecord {
  readonly id: string
  readonly authorId: string
  readonly text: string
  readonly mediaIds: ReadonlyArray<string>
  readonly mediaKeys: ReadonlyArray<string>
  readonly createdAt: number
  readonly deleted: boolean
}

/** Where processing modes are configured: a category default, or one media id. @internal */
export type ProcessingTarget =
  | { readonly _tag: "default" }
  | { readonly _tag: "category"; readonly category: Ids.MediaCategory }
  | { readonly _tag: "media"; readonly mediaId: string }

/** Input of {@link StateService.createMedia}: the fields of a {@link MediaRecord} its creator decides. @internal */
export type NewMedia = Pick<
  MediaRecord,
  "ownerId" | "additionalOwners" | "category" | "mediaType" | "totalBytes" | "shared" | "source"
>

/**
 * The state service. Every method but {@link StateService.withMediaLock} is atomic with respect to others
 * (single-threaded JS, no awaits inside). @internal
 */
export interface StateService {
  /** The directory chunks and assembled files live in. */
  readonly dataDir: string
  /** Allocates a 19-digit snowflake id. */
  readonly nextId: Effect.Effect<string>
  readonly createMedia: (input: NewMedia) => Effect.Effect<MediaRecord>
  readonly getMedia: (id: string) => Effect.Effect<MediaRecord | undefined>
  readonly getMediaByKey: (key: string) => Effect.Effect<MediaRecord | undefined>
  readonly listMedia: Effect.Effect<ReadonlyArray<MediaRecord>>
  /** Replaces a media record with `f(record)`; returns the new record, or undefined when the id is unknown. */
  readonly updateMedia: (id: string, f: (m: MediaRecord) => MediaRecord) => Effect.Effect<MediaRecord | undefined>
  /** Path of the file that holds segment `index` of `id`. */
  readonly segmentPath: (id: string, index: number) => string
  /** Path of the assembled file of `id`. */
  readonly filePath: (id: string) => string
  /**
   * Runs `self` holding media `id`'s lock: one at a time per media id, later callers wait until the holder is done.
   * Unlike the other methods this one waits; FINALIZE uses it so two FINALIZEs of one media never assemble at once.
   */
  readonly withMediaLock: (id: string) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  readonly createPost: (post: Omit<PostRecord, "id" | "createdAt" | "deleted">) => Effect.Effect<PostRecord>
  readonly getPost: (id: string) => Effect.Effect<PostRecord | undefined>
  readonly listPosts: Effect.Effect<ReadonlyArray<PostRecord>>
  readonly deletePost: (id: string) => Effect.Effect<PostRecord | undefined>
  /** The processing mode that applies to a media item (per-media override, then category, then default). */
  readonly processingModeFor: (mediaId: string, category: Ids.MediaCategory) => Effect.Effect<ProcessingMode>
  readonly setProcessingMode: (target: ProcessingTarget, mode: ProcessingMode) => Effect.Effect<void>
  /** Forces the processing of a media item to end in `failure` (fault injection / admin). */
  readonly forceProcessingFailure: (mediaId: string, failure: FailedOutcome) => Effect.Effect<void>
  /** A forced failure registered for a media id, if any. */
  readonly forcedFailure: (mediaId: string) => Effect.Effect<FailedOutcome | undefined>
  /** Makes a media item expire now (fault injection / admin). */
  readonly expireNow: (mediaId: string) => Effect.Effect<boolean>
  /** Clears all media (and their files), posts and processing overrides. */
  readonly reset: Effect.Effect<void>
  /** Writes the state to `dataDir` when persistence is on (no-op otherwise). */
  readonly persist: Effect.Effect<void>
}

/** Context tag of the state service. @internal */
export class State extends Context.Tag("@xmedia/emulator/State")<State, StateService>() {}
