/**
 * The chunked uploader: one call takes a file from disk (or bytes, or a stream of known size with `fromStream`) to
 * a media id X has finished processing.
 *
 * 1. **Preflight** (no network): the type is sniffed from the bytes, the category chosen and its size limit
 *    checked (`Preflight.inspect`).
 * 2. **INITIALIZE**, or resume an existing upload id.
 * 3. **APPEND** every segment not yet acknowledged, reading each segment's byte range from disk only when it is
 *    sent (memory is bounded by `concurrency x chunkSize`), with bounded concurrency; each segment is retried on
 *    its own.
 * 4. **FINALIZE**, then **wait for processing**: poll STATUS sleeping `check_after_secs` (or a capped backoff when
 *    X leaves it out), fail on `failed` or on `in_progress` with an `error`, fail with `XError.ProcessingTimeout`
 *    past the deadline and with `XError.MediaExpired` when the media expired.
 *
 * Progress events (`Uploader.Progress`) go to an `onProgress` callback, or come as a `Stream` from
 * `uploadFileStream`.
 *
 * The same flow runs on X's v2 endpoints (default) or on the v1.1 `media/upload.json` endpoints with
 * `protocol: "v1.1"` (OAuth 1.0a only), through `MediaV1.protocol`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { NodeContext, NodeHttpClient } from "@effect/platform-node"
 * import { Uploader, XClient } from "@xmedia/core"
 *
 * const program = Uploader.uploadFile("clip.mp4", {
 *   concurrency: 4,
 *   onProgress: (p) => p._tag === "SegmentSent" ? Effect.log(`${p.bytesSent}/${p.totalBytes}`) : Effect.void
 * })
 * // Effect<Uploader.UploadedMedia, Uploader.UploadError, XClient.XClient | FileSystem.FileSystem>
 * ```
 *
 * @since 0.1.0
 */
import { FileSystem, HttpBody, HttpClientRequest } from "@effect/platform"
import {
  Clock,
  Duration,
  Effect,
  Either,
  Mailbox,
  Option,
  Queue,
  Random,
  Schedule,
  ScheduleDecision,
  Schema,
  type Scope,
  Stream
} from "effect"
import * as Ids from "./Ids.js"
import * as BufferPool from "./internal/bufferPool.js"
import * as Chunks from "./internal/chunks.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Multipart from "./internal/multipart.js"
import { HEAD_BYTES } from "./internal/sniffing.js"
import * as Readers from "./internal/uploaderSource.js"
import * as V1Upload from "./internal/v1Upload.js"
import * as MediaUpload from "./MediaUpload.js"
import * as MediaV1 from "./MediaV1.js"
import * as Preflight from "./Preflight.js"
import * as Retry from "./Retry.js"
import * as XClient from "./XClient.js"
import * as XError from "./XError.js"

// ---------------------------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------------------------

/**
 * The upload id exists (created by INITIALIZE, or taken from `resume`). Persist `mediaId`, `chunkSize` and the
 * indexes of the `SegmentSent` events that follow to resume after a crash.
 *
 * @since 0.1.0
 */
export class Initialized extends Schema.TaggedClass<Initialized>()("Initialized", {
  mediaId: Ids.MediaId,
  mediaKey: Schema.optional(Ids.MediaKey),
  mediaType: Ids.MediaType,
  mediaCategory: Ids.MediaCategory,
  totalBytes: Schema.Number,
  chunkSize: Schema.Number,
  totalSegments: Schema.Number,
  /** Segments acknowledged before this run (from `resume`), not sent again. */
  resumedSegments: Schema.Number,
  /** Epoch milliseconds after which X forgets the upload, when known. */
  expiresAt: Schema.optional(Schema.Number)
}) {}

/**
 * One segment was acknowledged by X. Counters include segments acknowledged before a resume.
 *
 * @since 0.1.0
 */
export class SegmentSent extends Schema.TaggedClass<SegmentSent>()("SegmentSent", {
  mediaId: Ids.MediaId,
  segmentIndex: Schema.Number,
  bytesSent: Schema.Number,
  totalBytes: Schema.Number,
  segmentsSent: Schema.Number,
  totalSegments: Schema.Number
}) {}

/**
 * FINALIZE succeeded. `processing` is `true` when X still has to process the media (video, GIF).
 *
 * @since 0.1.0
 */
export class Finalized extends Schema.TaggedClass<Finalized>()("Finalized", {
  mediaId: Ids.MediaId,
  processing: Schema.Boolean
}) {}

/**
 * A processing state seen in FINALIZE or STATUS, with X's `progress_percent` when given and the wait before the
 * next poll.
 *
 * @since 0.1.0
 */
export class Processing extends Schema.TaggedClass<Processing>()("Processing", {
  mediaId: Ids.MediaId,
  state: MediaUpload.ProcessingState,
  percent: Schema.optional(Schema.Number),
  nextCheckMs: Schema.optional(Schema.Number)
}) {}

/**
 * A call failed and will be tried again after `delayMs`. `operation` is `initialize`, `append`, `finalize` or
 * `status`; `segmentIndex` is set for `append`; `attempt` counts retries of this call from 1.
 *
 * @since 0.1.0
 */
export class Retrying extends Schema.TaggedClass<Retrying>()("Retrying", {
  mediaId: Schema.optional(Ids.MediaId),
  operation: Schema.Literal("initialize", "append", "finalize", "status"),
  segmentIndex: Schema.optional(Schema.Number),
  reason: Schema.String,
  attempt: Schema.Number,
  delayMs: Schema.Number
}) {}

/**
 * The upload is done: the media is processed and ready to attach, except with `awaitProcessing: false`, where X may
 * still be processing it (the result's `media.processing_info` says how far; poll `MediaUpload.status`).
 *
 * @since 0.1.0
 */
export class Completed extends Schema.TaggedClass<Completed>()("Completed", {
  mediaId: Ids.MediaId,
  mediaKey: Schema.optional(Ids.MediaKey),
  totalBytes: Schema.Number
}) {}

/**
 * Every progress event, as a Schema (so events can be logged, journaled or sent as JSON).
 *
 * @since 0.1.0
 */
export const Progress = Schema.Union(Initialized, SegmentSent, Finalized, Processing, Retrying, Completed)
/** @since 0.1.0 */
export type Progress = typeof Progress.Type

// ---------------------------------------------------------------------------------------------------------------
// Options and result
// ---------------------------------------------------------------------------------------------------------------

/**
 * Continue an upload: its media id, the chunk size it was started with, and the segment indexes X already
 * acknowledged (from `SegmentSent` events). Those segments are not sent again; INITIALIZE is skipped.
 *
 * @since 0.1.0
 */
export interface Resume {
  /** Checked before any network call (a resume read back from storage is a plain string). */
  readonly mediaId: Ids.MediaId | string
  readonly chunkSize: number
  readonly acknowledgedSegments: ReadonlyArray<number>
  readonly mediaKey?: Ids.MediaKey | string | undefined
  /** Epoch milliseconds after which the id is no longer valid (from `Initialized.expiresAt`). */
  readonly expiresAt?: number | undefined
}

/**
 * Options of `uploadFile`.
 *
 * - `mediaCategory`, `destination`, `premium`, `subtitlesAs`: see `Preflight.Options` (category chosen from the
 *   content when left out; `subtitlesAs` defaults to `"srt"` on v1.1, which takes SRT only, else `"as-is"`).
 * - `additionalOwners`, `shared`: passed to INITIALIZE.
 * - `chunkSize`: bytes per segment (default 4 MiB, at most 5 MB: 5,000,000 bytes; raised when the file would need
 *   more than 1000 segments).
 * - `concurrency`: APPENDs in flight (default 4).
 * - `retry`: policy for each call (each segment on its own). Without it, each kind of call takes the client's
 *   policy for it (`XClient.layer({ retry: { byEndpoint: { "MediaUpload.append": ... } } })`, then the client's
 *   `default`), else `Retry.standard`.
 * - `awaitProcessing`: wait for X's processing after FINALIZE (default `true`).
 * - `processingTimeout`: overall deadline of that wait (default 10 minutes; at least 1 s, `Duration.infinity` for
 *   none) -> `XError.ProcessingTimeout`.
 * - `pollInterval`: the wait used when X sends no `check_after_secs` (default 5 s, growing x1.5 per missing value
 *   up to `maxPollInterval`, default 60 s; both at least 1 s, and `maxPollInterval` not below `pollInterval`). A
 *   duration that does not decode is `XError.InvalidInput`.
 * - `onProgress`: receives every `Progress` event.
 * - `resume`: continue an earlier upload (on the same `protocol` it was started with).
 * - `protocol`: X's API generation, `"v2"` (default: `/2/media/upload/...`) or `"v1.1"` (`media/upload.json`
 *   INIT / APPEND / FINALIZE / STATUS on the upload host; needs `Auth.oauth1User` credentials). Everything else
 *   (streaming, concurrency, per-segment retry, progress, processing wait, resume) is the same on both.
 *
 * @since 0.1.0
 */
export interface Options extends Preflight.Options {
  readonly additionalOwners?: ReadonlyArray<Ids.UserId> | undefined
  readonly shared?: boolean | undefined
  readonly chunkSize?: number | undefined
  readonly concurrency?: number | undefined
  readonly retry?: Retry.Policy | undefined
  readonly awaitProcessing?: boolean | undefined
  readonly processingTimeout?: Duration.DurationInput | undefined
  readonly pollInterval?: Duration.DurationInput | undefined
  readonly maxPollInterval?: Duration.DurationInput | undefined
  readonly onProgress?: ((event: Progress) => Effect.Effect<void>) | undefined
  readonly resume?: Resume | undefined
  readonly protocol?: Protocol | undefined
}

/**
 * The API generation the uploader speaks: `"v2"` (default) or `"v1.1"` (OAuth 1.0a only).
 *
 * @since 0.1.0
 */
export type Protocol = "v2" | "v1.1"

/**
 * What `uploadFile` returns: the ids to attach, what was uploaded, and X's last media object (with
 * `processing_info`, `image`, `video` as X sent them).
 *
 * @since 0.1.0
 */
export interface UploadedMedia {
  readonly mediaId: Ids.MediaId
  readonly mediaKey: Ids.MediaKey | undefined
  readonly mediaType: Ids.MediaType
  readonly mediaCategory: Ids.MediaCategory
  readonly size: number
  /** Epoch milliseconds after which X forgets the media, when X said so. */
  readonly expiresAt: number | undefined
  readonly media: MediaUpload.Media
}

/**
 * Every failure of `uploadFile`.
 *
 * @since 0.1.0
 */
export type UploadError =
  | XError.RequestError
  | XError.ProcessingFailed
  | XError.ProcessingTimeout
  | XError.MediaExpired

/**
 * A stream of bytes whose total `size` is known up front (X's INITIALIZE needs `total_bytes`). Build it with
 * `fromStream`. `name` is only used in error messages.
 *
 * @since 0.1.0
 */
export interface StreamSource<E = never, R = never> {
  readonly _tag: "StreamSource"
  readonly stream: Stream.Stream<Uint8Array, E, R>
  readonly size: number
  readonly name?: string | undefined
}

/**
 * A source for `uploadFile` from a stream of bytes (pieces of any sizes) and its exact total size. The stream is
 * read once, in order, re-chunked into segments of the planned chunk size; at most `concurrency` segments are held
 * in memory, each until X acknowledges it (so a failing segment is retried without reading the stream again).
 * The type is sniffed from the first segment, or from the first 4100 bytes when the segment is smaller (gathered
 * from as many pieces as it takes, then sent as usual). A stream that yields fewer or more bytes than `size` fails
 * with `XError.InvalidInput` (field `size`) before FINALIZE; the stream's own error fails the upload as is.
 * `resume` cannot be used with a stream.
 *
 * @example
 * ```ts
 * const source = Uploader.fromStream(response.stream, { size: Number(contentLength), name: "clip.mp4" })
 * const media = yield* Uploader.uploadFile(source, { concurrency: 4 })
 * // Effect<UploadedMedia, UploadError | ResponseError, XClient>
 * ```
 *
 * @since 0.1.0
 */
export const fromStream = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>,
  options: { readonly size: number; readonly name?: string | undefined }
): StreamSource<E, R> => ({ _tag: "StreamSource", stream, size: options.size, name: options.name })

/**
 * A file path (read with `FileSystem`, never whole into memory), bytes already in memory, or a stream of known
 * size (`fromStream`).
 *
 * @since 0.1.0
 */
export type Source<E = never, R = never> = string | Uint8Array | StreamSource<E, R>

/**
 * What uploading `S` needs besides the `XClient`: `FileSystem` for a path, the stream's own requirements for a
 * stream, nothing for bytes (so bytes upload on any platform, with no file system layer).
 *
 * @since 0.1.0
 */
export type SourceContext<S> = S extends string ? FileSystem.FileSystem
  : S extends StreamSource<infer _E, infer R> ? R
  : never

/**
 * How reading `S` can fail besides `UploadError`: a stream's own error; nothing for a path or bytes.
 *
 * @since 0.1.0
 */
export type SourceError<S> = S extends StreamSource<infer E, infer _R> ? E : never

const isStreamSource = <E, R>(source: Source<E, R>): source is StreamSource<E, R> =>
  typeof source === "object" && !(source instanceof Uint8Array) && source._tag === "StreamSource"

// ---------------------------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------------------------

const ENDPOINT = "Uploader.uploadFile"
const MAX_CONCURRENCY = 32

const invalid = (field: string, message: string) => new XError.InvalidInput({ endpoint: ENDPOINT, field, message })

type Operation = Retrying["operation"]

/** A failure after which the request may still have been applied by X: sent, then no answer, or a 5xx. */
const mayHaveApplied = (e: XError.XError): boolean =>
  (e._tag === "Transport" && e.sent) || e._tag === "ServerError"

/** X answered and refused the request itself (a 4xx that is not about credentials or rate limits). */
const isRefusal = (e: XError.XError): boolean =>
  e._tag === "InvalidRequest" || e._tag === "ApiError" || e._tag === "NotFound" || e._tag === "Forbidden"

/**
 * A STATUS answer that shows the media was finalized: a processing state past `uploading`, or what only a
 * finalized media carries (its size, its image or video facts). An answer with none of them proves nothing.
 */
const showsFinalized = (media: MediaUpload.FinalizeResponse["data"]): boolean => {
  const state = media.processing_info?.state
  return state !== undefined
    ? state !== "uploading"
    : media.size !== undefined || media.image !== undefined || media.video !== undefined
}

/** `NotFound` for our own upload id (or X's "Not found" invalid-request) means the id expired or never existed. */
const expiredIfUnknown = (mediaId: Ids.MediaId, endpoint: string) =>
<A, E extends { readonly _tag: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | XError.MediaExpired, R> =>
  Effect.catchIf(
    effect,
    (e): e is E =>
      e._tag === "NotFound" ||
      (e._tag === "InvalidRequest" &&
        (e as unknown as XError.InvalidRequest).errors.some((item) => /not found|expired/i.test(item.message))),
    () => Effect.fail(new XError.MediaExpired({ mediaId, endpoint }))
  )

const validateOptions = (options: Options): Either.Either<void, XError.InvalidInput> => {
  const { concurrency, protocol } = options
  if (protocol !== undefined && protocol !== "v2" && protocol !== "v1.1") {
    return Either.left(invalid("protocol", `protocol must be "v2" or "v1.1", got ${JSON.stringify(protocol)}`))
  }
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)) {
    return Either.left(
      invalid("concurrency", `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${concurrency}`)
    )
  }
  // the processing wait's durations: decodable, and polls no closer than 1 s apart (STATUS has a rate limit); an
  // infinite processingTimeout waits as long as X processes
  const durations = [
    ["processingTimeout", options.processingTimeout, 1_000, true],
    ["pollInterval", options.pollInterval, MIN_POLL_MS, false],
    ["maxPollInterval", options.maxPollInterval, MIN_POLL_MS, false]
  ] as const
  for (const [field, input, minimumMs, infiniteAllowed] of durations) {
    if (input === undefined) continue
    const decoded = Duration.decodeUnknown(input)
    if (Option.isNone(decoded) || (!infiniteAllowed && !Duration.isFinite(decoded.value))) {
      return Either.left(
        invalid(field, `${field} must be a finite duration such as "30 seconds" or 30000 (ms), got ${String(input)}`)
      )
    }
    if (Duration.toMillis(decoded.value) < minimumMs) {
      return Either.left(invalid(field, `${field} must be at least ${minimumMs / 1000} s, got ${String(input)}`))
    }
  }
  if (options.pollInterval !== undefined && options.maxPollInterval !== undefined) {
    const poll = Duration.toMillis(Duration.decode(options.pollInterval))
    const max = Duration.toMillis(Duration.decode(options.maxPollInterval))
    if (max < poll) {
      return Either.left(
        invalid("maxPollInterval", `maxPollInterval (${max} ms) must not be below pollInterval (${poll} ms)`)
      )
    }
  }
  return Either.right(undefined)
}

/** The shortest wait between two STATUS polls. */
const MIN_POLL_MS = 1_000

/**
 * Uploads a file (path, which needs `FileSystem`), bytes (which need nothing more) or a stream (`fromStream`; its
 * error and requirements join the result's) with the chunked flow (v2 by default, v1.1 with `protocol: "v1.1"`) and
 * waits until X has processed it. Preflight runs first, so a missing file, a directory, an empty or unsupported
 * file, an unknown or unfitting category, a file over the limit, or v1.1 without OAuth 1.0a credentials fails with
 * `XError.InvalidInput` before any network call.
 *
 * @example
 * ```ts
 * const media = yield* Uploader.uploadFile("clip.mp4", { mediaCategory: "amplify_video", concurrency: 4 })
 * yield* Posts.create({ text: "hello", media: { media_ids: [media.mediaId] } })
 * ```
 *
 * @since 0.1.0
 */
export const uploadFile = <S extends Source<unknown, unknown>>(
  source: S,
  options?: Options
): Effect.Effect<UploadedMedia, UploadError | SourceError<S>, XClient.XClient | SourceContext<S>> =>
  // `FileSystem` is only asked for when the source is a path (in `Preflight.inspect` and the file slots), and a
  // stream's error and requirements are only those of its stream: the implementation's wider type, narrowed here
  upload(source, options) as Effect.Effect<
    UploadedMedia,
    UploadError | SourceError<S>,
    XClient.XClient | SourceContext<S>
  >

const upload = Effect.fn("Uploader.uploadFile")(function*<E, R>(source: Source<E, R>, options: Options = {}) {
  const optionsOk = validateOptions(options)
  if (Either.isLeft(optionsOk)) return yield* optionsOk.left
  const emit = options.onProgress ?? (() => Effect.void)
  const v1 = options.protocol === "v1.1"
  const api: MediaV1.UploadProtocol = v1 ? MediaV1.protocol : MediaUpload
  /** Endpoint names in errors and retry settings: `MediaV1.*` on v1.1, `MediaUpload.*` on v2. */
  const label = (call: Operation) => `${v1 ? "MediaV1" : "MediaUpload"}.${call}`
  const client = yield* XClient.XClient
  // the policy of each kind of call, by the endpoints' own precedence: `options.retry` > the client's `byEndpoint`
  // (e.g. "MediaUpload.append") > the client's default > `Retry.standard`
  const policyOf = (operation: Operation): Retry.Policy =>
    Endpoint.resolvePolicy(client, { name: label(operation), retry: options.retry })
  if (v1) yield* V1Upload.requireOAuth1(ENDPOINT)

  const boundary = Multipart.boundary(yield* Random.nextInt, yield* Random.nextInt)
  /** The widest fields of an APPEND (a 19-digit media id on v1.1, a 3-digit index): room for any segment's framing. */
  const widest = v1 ? V1Upload.appendFields("9".repeat(19), 999) : [["segment_index", "999"] as const]

  // 1. Preflight: no network before this succeeds. A stream's first segment is read now (into the buffer it
  //    will be sent from) to sniff the type; when it is shorter than the sniffing head (4100 bytes, or the whole
  //    stream if shorter), the head is first gathered from as many pieces as it takes, without consuming them, so
  //    every byte is still sent once and in order.
  // X's v1.1 subtitles take SRT only: a WebVTT file is converted unless the caller says otherwise
  const preflightOptions: Options = { ...options, subtitlesAs: options.subtitlesAs ?? (v1 ? "srt" : "as-is") }
  let inspection: Preflight.Inspection
  let streaming: { readonly reader: Readers.StreamReader<E, R>; readonly first: Uint8Array } | undefined
  if (isStreamSource(source)) {
    if (options.resume !== undefined) {
      return yield* invalid(
        "resume",
        "resume is not supported with a stream source: a stream cannot be read again from the middle; upload " +
          "from a file path or bytes to resume"
      )
    }
    if (!Number.isSafeInteger(source.size) || source.size <= 0) {
      return yield* invalid("size", `size must be the positive whole number of bytes of the stream, got ${source.size}`)
    }
    const streamPlan = Chunks.plan(source.size, options.chunkSize)
    if (Either.isLeft(streamPlan)) return yield* invalid("chunkSize", streamPlan.left)
    const reader = yield* Readers.streamReader(source.stream, source.size, ENDPOINT)
    const first = new Uint8Array(
      Multipart.overhead(boundary, widest) + Math.min(streamPlan.right.chunkSize, source.size)
    )
    const firstLength = Chunks.segment(streamPlan.right, 0).length
    const headLength = Math.min(source.size, HEAD_BYTES)
    const peeked = firstLength < headLength ? yield* reader.peek(headLength) : undefined
    yield* reader.fill(first.subarray(0, firstLength))
    if (streamPlan.right.segmentCount === 1) yield* reader.end
    const head = peeked !== undefined && peeked.length > firstLength ? peeked : first.subarray(0, firstLength)
    inspection = yield* Preflight.inspectHead(head, source.size, { ...preflightOptions, name: source.name })
    streaming = { reader, first }
  } else {
    inspection = yield* Preflight.inspect(source, preflightOptions)
  }
  // An SRT file that needed repair goes out as the canonical SRT preflight wrote, from memory, whatever the source
  // (a stream's bytes were all read to check them): never as its own bytes.
  const canonical = inspection.subtitles?.canonical
  if (canonical !== undefined) streaming = undefined
  const size = inspection.size
  const planned = Chunks.plan(size, options.resume?.chunkSize ?? options.chunkSize)
  if (Either.isLeft(planned)) return yield* invalid("chunkSize", planned.left)
  const plan = planned.right
  if (options.resume !== undefined && plan.chunkSize !== options.resume.chunkSize) {
    return yield* invalid(
      "resume.chunkSize",
      `resume.chunkSize ${options.resume.chunkSize} cannot be used for ${size} bytes (it needs at least ` +
        `${plan.chunkSize} per segment): resume with the chunk size the upload was started with`
    )
  }
  const resumeId = options.resume === undefined
    ? undefined
    : Option.getOrUndefined(Schema.decodeUnknownOption(Ids.MediaId)(options.resume.mediaId))
  if (options.resume !== undefined && resumeId === undefined) {
    return yield* invalid(
      "resume.mediaId",
      `"${String(options.resume?.mediaId)}" is not a media id: resume with the id from the Initialized event (1-19 digits)`
    )
  }
  const resumeKey = options.resume?.mediaKey === undefined
    ? undefined
    : Option.getOrUndefined(Schema.decodeUnknownOption(Ids.MediaKey)(options.resume.mediaKey))
  if (options.resume?.mediaKey !== undefined && resumeKey === undefined) {
    return yield* invalid(
      "resume.mediaKey",
      `"${String(options.resume?.mediaKey)}" is not a media key: resume with the key from the Initialized event ` +
        "(e.g. 7_1880028106020515840), or leave it out"
    )
  }
  const acknowledged = new Set<number>()
  for (const index of options.resume?.acknowledgedSegments ?? []) {
    if (!Number.isInteger(index) || index < 0 || index >= plan.segmentCount) {
      return yield* invalid(
        "resume.acknowledgedSegments",
        `segment ${index} does not exist: this file has segments 0 to ${plan.segmentCount - 1} at chunk size ${plan.chunkSize}`
      )
    }
    acknowledged.add(index)
  }

  const retrying = <A, E extends XError.XError, R>(
    operation: Operation,
    mediaId: Ids.MediaId | undefined,
    segmentIndex: number | undefined,
    effect: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E, R> =>
    // The retry driver is built only after a first failure (most calls succeed at once, and every segment is a
    // call); the schedule then sees that failure first, exactly as `Effect.retry` would have shown it.
    Effect.catchAll(effect, (first) => {
      let replayed = false
      const again = Effect.suspend(() => replayed ? effect : (replayed = true, Effect.fail(first)))
      return Effect.retry(
        again,
        Schedule.delays(policyOf(operation).schedule).pipe(
          Schedule.intersect(Schedule.identity<XError.XError>()),
          Schedule.intersect(Schedule.count),
          // only a step that goes on is a retry (the last step, which gives up, is not announced)
          Schedule.onDecision(([[delay, error], count], decision) =>
            ScheduleDecision.isContinue(decision)
              ? emit(
                new Retrying({
                  mediaId,
                  operation,
                  segmentIndex,
                  reason: error.message,
                  attempt: count + 1,
                  delayMs: Duration.toMillis(delay)
                })
              )
              : Effect.void
          )
        )
      )
    })

  const missing: Array<number> = []
  for (let i = 0; i < plan.segmentCount; i++) if (!acknowledged.has(i)) missing.push(i)
  const concurrency = options.concurrency ?? 4
  const workerCount = Math.min(concurrency, missing.length)
  // v2 frames `segment_index` only; v1.1 frames `command`, `media_id` and `segment_index` (X's order), so only v2
  // framing is known before INITIALIZE answers (v1.1 frames after it, with `framedId` set).
  let framedId = ""
  const fieldsOf = (index: number): ReadonlyArray<readonly [string, string]> =>
    v1 ? V1Upload.appendFields(framedId, index) : [["segment_index", String(index)]]

  // The APPEND workers of a path or bytes source: each owns a slot (a request-body buffer from the client's pool,
  // and a file handle of its own) and takes the next missing segment until none is left: memory is (workers x
  // chunk size), and there is no fiber or buffer per segment. A worker with nothing left closes its file handle
  // at once, while the others still send, so no handle is closed between the last APPEND and the result.
  const bytesOrPath = canonical ?? (streaming === undefined ? source as string | Uint8Array : undefined)
  const capacity = Multipart.overhead(boundary, widest) + Math.min(plan.chunkSize, size)
  const pool = BufferPool.of(client)
  const makeSlot = bytesOrPath === undefined
    ? undefined
    : typeof bytesOrPath === "string"
    ? Readers.fileSlot(yield* FileSystem.FileSystem, bytesOrPath, inspection, () => pool.take(capacity))
    : Readers.bytesSlot(bytesOrPath, () => pool.take(capacity))
  /** Frames segment `index` in the slot's buffer and reads its bytes into place. */
  const prepare = (slot: Readers.Slot, index: number): Effect.Effect<Framed, XError.InvalidInput> =>
    Effect.suspend(() => {
      const segment = Chunks.segment(plan, index)
      const framing = Multipart.framing(boundary, fieldsOf(index), Multipart.mediaPart)
      const { body, content } = Multipart.frameInto(slot.buffer, framing, segment.length)
      return Effect.as(slot.read(segment, content), { index, body, contentType: framing.contentType })
    })
  let next = 0
  // A fresh v2 upload opens its slots and reads each worker's first segment while INITIALIZE is in flight (the
  // upload's first bytes leave as soon as X answers); nothing is sent before it answers.
  const early: Effect.Effect<ReadonlyArray<Head>, XError.InvalidInput, Scope.Scope> =
    makeSlot !== undefined && !v1 && options.resume === undefined
      ? Effect.all(
        // a fresh upload misses every segment, and there are no more workers than segments
        Array.from({ length: workerCount }, () =>
          Effect.flatMap(makeSlot, (slot) => Effect.map(prepare(slot, missing[next++]!), (first) => ({ slot, first })))),
        { concurrency: "unbounded" }
      )
      : Effect.succeed([])

  // 2. INITIALIZE or resume. From here on requests follow one another: the timeout watcher keeps running between
  //    them until the upload ends.
  yield* Endpoint.holdTimeouts
  const now = yield* Clock.currentTimeMillis
  let mediaId: Ids.MediaId
  let mediaKey: Ids.MediaKey | undefined
  let expiresAt: number | undefined
  let heads: ReadonlyArray<Head> = []
  if (options.resume !== undefined && resumeId !== undefined) {
    mediaId = resumeId
    mediaKey = resumeKey
    expiresAt = options.resume.expiresAt
    if (expiresAt !== undefined && now >= expiresAt) {
      return yield* new XError.MediaExpired({ mediaId, endpoint: ENDPOINT })
    }
  } else {
    const initialize = retrying(
      "initialize",
      undefined,
      undefined,
      api.initialize(
        {
          media_type: inspection.mediaType,
          total_bytes: size,
          media_category: inspection.mediaCategory,
          ...(options.additionalOwners !== undefined ? { additional_owners: options.additionalOwners } : {}),
          ...(options.shared !== undefined ? { shared: options.shared } : {})
        },
        { retry: Retry.none }
      )
    )
    const [init, prepared] = yield* Effect.all([initialize, early], { concurrency: 2 })
    heads = prepared
    mediaId = init.data.id
    mediaKey = init.data.media_key
    expiresAt = init.data.expires_after_secs !== undefined ? now + init.data.expires_after_secs * 1000 : undefined
  }
  framedId = mediaId
  // Plain local state (this upload's fibers only): read and written on every segment, so no Ref round trips.
  let expiresAtMs = expiresAt
  const checkExpiry = (endpoint: string): Effect.Effect<void, XError.MediaExpired> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      expiresAtMs !== undefined && now >= expiresAtMs
        ? Effect.fail(new XError.MediaExpired({ mediaId, endpoint }))
        : Effect.void)

  const resumedBytes = [...acknowledged].reduce((sum, i) => sum + Chunks.segment(plan, i).length, 0)
  yield* emit(
    new Initialized({
      mediaId,
      mediaKey,
      mediaType: inspection.mediaType,
      mediaCategory: inspection.mediaCategory,
      totalBytes: size,
      chunkSize: plan.chunkSize,
      totalSegments: plan.segmentCount,
      resumedSegments: acknowledged.size,
      expiresAt
    })
  )

  // 3. APPEND the missing segments, each retried on its own.
  let bytesSent = resumedBytes
  let segmentsSent = acknowledged.size
  const ordered = yield* Effect.makeSemaphore(1)
  /** Sends one framed segment; answers v2's `data.expires_at` (v1.1 answers 204 with no body). */
  const sendFramed = (
    index: number,
    body: Uint8Array,
    contentType: string
  ): Effect.Effect<number | undefined, XError.RequestError, XClient.XClient> =>
    v1
      ? Effect.as(V1Upload.appendFramed(mediaId, index, body, contentType, Retry.none), undefined)
      : Effect.map(appendBody(mediaId, index, body, contentType), (response) => response.data?.expires_at)
  /** Sends one framed segment (retried alone, from the same bytes); returns X's `expires_at` when given. */
  const post = (index: number, body: Uint8Array, contentType: string) =>
    retrying("append", mediaId, index, sendFramed(index, body, contentType))
  /** Records an acknowledged segment and emits `SegmentSent` (counted and emitted under one permit, in order). */
  const acknowledge = (index: number, expiresAtSecs: number | undefined): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (expiresAtSecs !== undefined) expiresAtMs = expiresAtSecs * 1000
      // the counters only feed `SegmentSent`: without a listener there is nothing to count
      if (options.onProgress === undefined) return Effect.void
      return ordered.withPermits(1)(Effect.suspend(() => {
        bytesSent += Chunks.segment(plan, index).length
        segmentsSent += 1
        return emit(
          new SegmentSent({
            mediaId,
            segmentIndex: index,
            bytesSent,
            totalBytes: size,
            segmentsSent,
            totalSegments: plan.segmentCount
          }, true) // built from checked values: skip the constructor's validation on every segment
        )
      }))
    })
  /** Sends a framed segment and records it. */
  const deliver = (framed: Framed) =>
    post(framed.index, framed.body, framed.contentType).pipe(
      expiredIfUnknown(mediaId, label("append")),
      Effect.flatMap((expiresAtSecs) => acknowledge(framed.index, expiresAtSecs))
    )
  const appendExpiry = checkExpiry(label("append"))
  if (streaming !== undefined) {
    yield* appendStream(streaming.reader, streaming.first, {
      segmentCount: plan.segmentCount,
      lengthOf: (index) => Chunks.segment(plan, index).length,
      framingOf: (index) => Multipart.framing(boundary, fieldsOf(index), Multipart.mediaPart),
      workers: workerCount,
      send: (index, body, contentType) => Effect.zipRight(appendExpiry, deliver({ index, body, contentType }))
    })
  } else if (makeSlot !== undefined) {
    /** One worker: its slot (made now, or with its first segment already read), then the next missing segments. */
    const worker = (head: Head | undefined) =>
      Effect.gen(function*() {
        const slot = head?.slot ?? (yield* makeSlot)
        if (head !== undefined) yield* Effect.zipRight(appendExpiry, deliver(head.first))
        while (next < missing.length) {
          yield* Effect.zipRight(appendExpiry, Effect.flatMap(prepare(slot, missing[next++]!), deliver))
        }
        // not after a failure or an interruption: a request may still hold the buffer
        pool.give(slot.buffer)
        yield* slot.release
      })
    yield* Effect.all(
      Array.from({ length: workerCount }, (_, i) => worker(heads[i])),
      { concurrency: "unbounded", discard: true }
    )
  }

  // 4. FINALIZE and wait for processing. A FINALIZE that may have reached X (a reset or timeout after sending, a
  //    5xx) is retried; if the retry is then refused (X may not take a second FINALIZE), STATUS says whether the
  //    first one went through: a media id past `uploading` was finalized, and the upload goes on from its state.
  yield* checkExpiry(label("finalize"))
  // a resumed upload cannot know whether the run it continues got its FINALIZE through
  let finalizeMayHaveApplied = options.resume !== undefined
  const finalizeOnce = Effect.tapError(
    api.finalize(mediaId, { retry: Retry.none }),
    (e) => Effect.sync(() => (finalizeMayHaveApplied ||= mayHaveApplied(e)))
  )
  const finalized = yield* retrying("finalize", mediaId, undefined, finalizeOnce).pipe(
    Effect.catchIf(
      (e) => finalizeMayHaveApplied && isRefusal(e),
      (refused) =>
        api.status(mediaId, { retry: Retry.none }).pipe(
          // STATUS's own answer wins when it says processing failed; any other failure leaves the refusal standing
          Effect.catchIf((e) => e._tag !== "ProcessingFailed", () => Effect.fail(refused)),
          Effect.flatMap((answer) => showsFinalized(answer.data) ? Effect.succeed(answer) : Effect.fail(refused))
        )
    ),
    expiredIfUnknown(mediaId, label("finalize"))
  )
  const finalizedAt = yield* Clock.currentTimeMillis
  if (finalized.data.expires_after_secs !== undefined) {
    expiresAtMs = finalizedAt + finalized.data.expires_after_secs * 1000
  }
  const needsProcessing = finalized.data.processing_info !== undefined &&
    finalized.data.processing_info.state !== "succeeded"
  yield* emit(new Finalized({ mediaId, processing: needsProcessing }))

  let media = finalized.data
  if (needsProcessing && options.awaitProcessing !== false) {
    media = yield* awaitProcessing(mediaId, finalized.data, {
      deadline: Duration.toMillis(Duration.decode(options.processingTimeout ?? "10 minutes")),
      fallback: Duration.toMillis(Duration.decode(options.pollInterval ?? "5 seconds")),
      maxFallback: Duration.toMillis(Duration.decode(options.maxPollInterval ?? "60 seconds")),
      emit,
      checkExpiry: checkExpiry(label("status")),
      status: retrying("status", mediaId, undefined, api.status(mediaId, { retry: Retry.none })).pipe(
        expiredIfUnknown(mediaId, label("status"))
      )
    })
  }
  const finalKey = media.media_key ?? mediaKey
  yield* emit(new Completed({ mediaId, mediaKey: finalKey, totalBytes: size }))
  return {
    mediaId,
    mediaKey: finalKey,
    mediaType: inspection.mediaType,
    mediaCategory: inspection.mediaCategory,
    size,
    expiresAt: expiresAtMs,
    media
  } satisfies UploadedMedia
}, Effect.scoped)

/** A segment framed in a slot's buffer: the request body and its content type. */
interface Framed {
  readonly index: number
  readonly body: Uint8Array
  readonly contentType: string
}

/** A worker's slot, made while INITIALIZE was in flight, with its first segment already read. */
interface Head {
  readonly slot: Readers.Slot
  readonly first: Framed
}

interface StreamAppend<E, R> {
  readonly segmentCount: number
  readonly lengthOf: (index: number) => number
  readonly framingOf: (index: number) => Multipart.Framing
  readonly workers: number
  readonly send: (index: number, body: Uint8Array, contentType: string) => Effect.Effect<void, UploadError, R>
}

/**
 * APPENDs a stream: one fiber reads the stream in order into request-body buffers, `workers` fibers send them.
 * There are at most `workers` buffers (`first`, already holding segment 0 at its start, is one); a buffer goes back
 * to the reader only once X acknowledged its segment, so each segment is retried from its own bytes. The last
 * segment is queued only once the stream is known to end exactly at `size`, so a wrong size never completes the
 * upload.
 */
const appendStream = <E, R, R2>(
  reader: Readers.StreamReader<E, R>,
  first: Uint8Array,
  options: StreamAppend<E, R2>
): Effect.Effect<void, E | UploadError, R | R2> =>
  Effect.gen(function*() {
    type Ready = { readonly index: number; readonly buffer: Uint8Array; readonly body: Uint8Array; readonly contentType: string }
    const ready = yield* Queue.unbounded<Ready | undefined>()
    const free = yield* Queue.unbounded<Uint8Array>()
    let created = 1
    const nextBuffer = Effect.flatMap(Queue.poll(free), (polled) => {
      if (Option.isSome(polled)) return Effect.succeed(polled.value)
      if (created < options.workers) {
        created++
        return Effect.sync(() => new Uint8Array(first.length))
      }
      return Queue.take(free)
    })
    const reading = Effect.gen(function*() {
      for (let index = 0; index < options.segmentCount; index++) {
        const framing = options.framingOf(index)
        const length = options.lengthOf(index)
        let buffer: Uint8Array
        let body: Uint8Array
        if (index === 0) {
          buffer = first
          body = Multipart.frameInPlace(first, framing, length).body
        } else {
          buffer = yield* nextBuffer
          const framed = Multipart.frameInto(buffer, framing, length)
          yield* reader.fill(framed.content)
          body = framed.body
          if (index === options.segmentCount - 1) yield* reader.end
        }
        yield* Queue.offer(ready, { index, buffer, body, contentType: framing.contentType })
      }
      for (let i = 0; i < options.workers; i++) yield* Queue.offer(ready, undefined)
    })
    const worker = Effect.gen(function*() {
      while (true) {
        const item = yield* Queue.take(ready)
        if (item === undefined) return
        yield* options.send(item.index, item.body, item.contentType)
        yield* Queue.offer(free, item.buffer)
      }
    })
    yield* Effect.all([reading, Effect.all(Array.from({ length: options.workers }, () => worker), {
      concurrency: "unbounded",
      discard: true
    })], { concurrency: "unbounded", discard: true })
  })

/**
 * APPEND with a body already framed as multipart (the same request `MediaUpload.append` sends, through the same
 * pipeline: auth, rate-limit headers, error mapping), without building a `FormData`.
 */
const appendBody = (mediaId: Ids.MediaId, index: number, body: Uint8Array, contentType: string) =>
  Effect.withSpan(
    Endpoint.execute({
      name: "MediaUpload.append",
      method: "POST",
      route: "/2/media/upload/{id}/append",
      userContext: true,
      mediaId,
      success: MediaUpload.AppendResponse,
      request: HttpClientRequest.post(`/2/media/upload/${mediaId}/append`).pipe(
        HttpClientRequest.setBody(HttpBody.uint8Array(body, contentType))
      ),
      retry: Retry.none
    }),
    "MediaUpload.append",
    // no stack trace capture: one span per segment, and a captured stack costs more than the span
    { attributes: { "xmedia.media_id": mediaId, "xmedia.segment_index": index }, captureStackTrace: false }
  )

interface WaitOptions<R> {
  readonly deadline: number
  readonly fallback: number
  readonly maxFallback: number
  readonly emit: (event: Progress) => Effect.Effect<void>
  readonly checkExpiry: Effect.Effect<void, XError.MediaExpired>
  readonly status: Effect.Effect<
    MediaUpload.StatusResponse,
    XError.RequestError | XError.ProcessingFailed | XError.MediaExpired,
    R
  >
}

/** The least time a STATUS check (with its retries) gets, even at the processing deadline. */
const statusGraceMs = 30_000

/**
 * Polls STATUS until `succeeded`. Sleeps `check_after_secs` (capped by the time left); when X leaves it out, sleeps
 * `fallback`, x1.5 per consecutive missing value, capped at `maxFallback`. `failed` (or `in_progress` + `error`)
 * fails with `ProcessingFailed` (done by `MediaUpload.status` / `checkProcessing`). Each check, retries included,
 * must end by the deadline (or within `statusGraceMs` of starting, if later), else `ProcessingTimeout`.
 */
const awaitProcessing = <R>(
  mediaId: Ids.MediaId,
  first: MediaUpload.Media,
  options: WaitOptions<R>
): Effect.Effect<
  MediaUpload.Media,
  XError.RequestError | XError.ProcessingFailed | XError.ProcessingTimeout | XError.MediaExpired,
  R
> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const deadlineAt = started + options.deadline
    let media = first
    let missingStreak = 0
    while (true) {
      const info = media.processing_info
      if (info === undefined || info.state === "succeeded") return media
      const now = yield* Clock.currentTimeMillis
      const left = deadlineAt - now
      let wait: number
      if (info.check_after_secs !== undefined && info.check_after_secs > 0) {
        missingStreak = 0
        wait = info.check_after_secs * 1000
      } else {
        wait = Math.min(options.fallback * Math.pow(1.5, missingStreak), options.maxFallback)
        missingStreak++
      }
      yield* options.emit(
        new Processing({ mediaId, state: info.state, percent: info.progress_percent, nextCheckMs: Math.min(wait, Math.max(left, 0)) })
      )
      if (left <= 0) {
        return yield* new XError.ProcessingTimeout({ mediaId, waitedMs: now - started, lastState: info.state })
      }
      yield* Effect.sleep(Duration.millis(Math.min(wait, left)))
      yield* options.checkExpiry
      // the check, with its retries (a rate-limit wait can be minutes), ends by the deadline, but gets at least
      // `statusGraceMs` (so one made at the deadline can still answer)
      const checkedAt = yield* Clock.currentTimeMillis
      const checked = yield* Effect.timeoutOption(
        options.status,
        Duration.millis(Math.max(deadlineAt - checkedAt, statusGraceMs))
      )
      if (Option.isNone(checked)) {
        const end = yield* Clock.currentTimeMillis
        return yield* new XError.ProcessingTimeout({ mediaId, waitedMs: end - started, lastState: info.state })
      }
      media = checked.value.data
    }
  })

/**
 * `uploadFile` as a `Stream` of its progress events, ending with `Completed` (the stream fails with the upload's
 * error). Any `onProgress` in the options is still called.
 *
 * @example
 * ```ts
 * yield* Uploader.uploadFileStream("clip.mp4").pipe(
 *   Stream.runForEach((event) => Effect.log(event._tag))
 * )
 * ```
 *
 * @since 0.1.0
 */
export const uploadFileStream = <S extends Source<unknown, unknown>>(
  source: S,
  options: Options = {}
): Stream.Stream<Progress, UploadError | SourceError<S>, XClient.XClient | SourceContext<S>> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<Progress, UploadError | SourceError<S>>()
      const user = options.onProgress
      yield* uploadFile(source, {
        ...options,
        onProgress: (event) => Effect.zipRight(user ? user(event) : Effect.void, mailbox.offer(event))
      }).pipe(Mailbox.into(mailbox), Effect.forkScoped)
      return Mailbox.toStream(mailbox)
    })
  )
