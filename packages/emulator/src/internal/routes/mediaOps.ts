/**
 * The media upload state machine shared by the v2 dedicated endpoints, the v2 command form and v1.1:
 * INIT, APPEND, FINALIZE, STATUS, one-shot upload. Failures are surface-neutral {@link MediaProblem}s; each
 * surface maps them to its own error bodies.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import { Ids } from "@xmedia/core"
import { Clock, Data, Effect, Option, Schema, Stream } from "effect"
import * as crypto from "node:crypto"
import { RequestInfo, setMediaId } from "../context.js"
import { type FaultSubject, Faults, injectedFailure, subjectOf } from "../faults.js"
import * as Processing from "../processing.js"
import { family, probe, type ProbeResult, sniff } from "../probe.js"
import type { MediaRecord, ProcessingOutcome, ProcessingRecord } from "../state/State.js"
import { State } from "../state/State.js"
import { canUse } from "../state/store.js"
import type { DiskFile } from "./body.js"

/** A surface-neutral failure of a media operation. @internal */
export class MediaProblem extends Data.TaggedError("MediaProblem")<{
  readonly kind: "Missing" | "Invalid" | "UnknownMedia" | "Expired" | "Unrecognized" | "NotAllowed"
  readonly param: string
  readonly value?: string | undefined
  readonly message: string
}> {}

const missing = (param: string) => new MediaProblem({ kind: "Missing", param, message: `${param} parameter is missing.` })
const invalid = (param: string, value: string, message: string) =>
  new MediaProblem({ kind: "Invalid", param, value, message })

/** Looks up a media item the caller may use; fails UnknownMedia / Expired. @internal */
export const usableMedia = (id: string, userId: string | undefined, param = "media_id") =>
  Effect.gen(function*() {
    const state = yield* State
    yield* setMediaId(id)
    const faults = yield* Effect.serviceOption(Faults)
    if (Option.isSome(faults)) {
      const expire = yield* faults.value.mediaFault("expireMedia", { mediaId: id, userId })
      if (Option.isSome(expire)) yield* state.expireNow(id)
    }
    const m = yield* state.getMedia(id)
    if (m === undefined || !canUse(m, userId)) {
      return yield* new MediaProblem({ kind: "UnknownMedia", param, value: id, message: `Media id ${id} was not found.` })
    }
    const now = yield* Clock.currentTimeMillis
    if (now >= m.expiresAt) {
      return yield* new MediaProblem({ kind: "Expired", param, value: id, message: `Media id ${id} has expired.` })
    }
    return m
  })

/** The fault subject of media `id`: the current request's operation, route, method and surface when in a request. */
const mediaSubject = (id: string, userId: string | undefined) =>
  Effect.gen(function*() {
    const info = yield* Effect.serviceOption(RequestInfo)
    if (Option.isNone(info)) return { mediaId: id, userId }
    const i = yield* info.value.get
    return { ...subjectOf(i), userId: userId ?? i.userId, mediaId: id } satisfies FaultSubject & {
      readonly mediaId: string
    }
  })

/** The category X assumes when none is given: by MIME type. @internal */
export const defaultCategory = (mediaType: string): Ids.MediaCategory => {
  switch (family(mediaType)) {
    case "gif":
      return "tweet_gif"
    case "video":
      return "tweet_video"
    case "subtitles":
      return "subtitles"
    default:
      return "tweet_image"
  }
}

const isCategory = Schema.is(Ids.MediaCategory)

/** Parses a media_category (snake_case; also the PascalCase/upper-case spellings v1.1 accepted). @internal */
export const parseCategory = (raw: string): Ids.MediaCategory | undefined => {
  const snake = raw.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()
  return isCategory(snake) ? snake : undefined
}

/**
 * Input of {@link init}: values already decoded by the route with core's request Schemas (media type present,
 * `total_bytes` 0..16 GiB, owners each a user id and at most 100). @internal
 */
export interface InitInput {
  readonly userId: string
  readonly mediaType: string
  readonly totalBytes: number
  /** Snake_case, or the PascalCase / upper-case spellings v1.1 accepted. */
  readonly category: string | undefined
  readonly additionalOwners: ReadonlyArray<string>
  readonly shared: boolean
  readonly source: MediaRecord["source"]
}

/** The fields of a decoded INIT request, whichever schema decoded it (v2 JSON, v2 command form, v1.1). @internal */
export interface DecodedInit {
  readonly media_type: string
  readonly total_bytes: number
  readonly media_category?: string | undefined
  readonly additional_owners?: ReadonlyArray<string> | undefined
  readonly shared?: boolean | undefined
}

/** `init` from a decoded INIT request. @internal */
export const initFrom = (userId: string, req: DecodedInit, source: MediaRecord["source"]) =>
  init({
    userId,
    mediaType: req.media_type,
    totalBytes: req.total_bytes,
    category: req.media_category,
    additionalOwners: req.additional_owners ?? [],
    shared: req.shared ?? false,
    source
  })

/** INIT: checks what depends on the media (category, its size cap) and creates an upload session. @internal */
export const init = (input: InitInput) =>
  Effect.gen(function*() {
    const state = yield* State
    if (input.mediaType === "") return yield* missing("media_type")
    const total = input.totalBytes
    let category: Ids.MediaCategory
    if (input.category === undefined || input.category === "") {
      category = defaultCategory(input.mediaType)
    } else {
      const parsed = parseCategory(input.category)
      if (parsed === undefined) {
        return yield* invalid("media_category", input.category, `media_category ${input.category} is not supported.`)
      }
      category = parsed
    }
    const cap = Processing.maxBytes(category)
    if (total > cap) {
      return yield* invalid(
        "total_bytes",
        String(total),
        `File size exceeds ${cap} bytes, the maximum for media_category ${category}.`
      )
    }
    const record = yield* state.createMedia({
      ownerId: input.userId,
      additionalOwners: input.additionalOwners,
      category,
      mediaType: input.mediaType,
      totalBytes: total,
      shared: input.shared,
      source: input.source
    })
    yield* setMediaId(record.id)
    return record
  })

/** Seconds left before `m` expires. @internal */
export const expiresAfterSecs = (m: MediaRecord, now: number) => Math.max(0, Math.floor((m.expiresAt - now) / 1000))

/** APPEND: moves the chunk file into place as segment `index` (overwriting a previous one). @internal */
export const append = (id: string, userId: string | undefined, index: number, chunk: DiskFile) =>
  Effect.gen(function*() {
    const state = yield* State
    const fs = yield* FileSystem.FileSystem
    const m = yield* usableMedia(id, userId)
    if (m.finalized) return yield* invalid("media_id", id, `Media id ${id} has already been finalized.`)
    yield* fs.rename(chunk.path, state.segmentPath(id, index)).pipe(Effect.orDie)
    const updated = yield* state.updateMedia(id, (r) => {
      const segments = { ...r.segments, [String(index)]: chunk.size }
      return { ...r, segments, bytesReceived: Object.values(segments).reduce((a, b) => a + b, 0) }
    })
    return updated ?? m
  })

/** The `data` object of FINALIZE / STATUS / one-shot responses. @internal */
export const uploadData = (m: MediaRecord, now: number) => {
  const processing = m.processing === undefined ? undefined : Processing.view(m.processing, now)
  const isImage = m.probe?.kind === "image" || (m.probe?.kind === "gif" && m.processing === undefined)
  return {
    id: m.id,
    media_key: m.mediaKey,
    ...(m.finalized ? { size: m.size ?? m.totalBytes } : {}),
    expires_after_secs: expiresAfterSecs(m, now),
    ...(m.finalized
      ? processing === undefined ? {} : { processing_info: processing }
      : { processing_info: { state: "uploading" as const } }),
    ...(m.finalized && isImage
      ? { image: { image_type: m.probe?.detectedType ?? m.mediaType, w: m.probe?.width ?? 0, h: m.probe?.height ?? 0 } }
      : {}),
    ...(m.finalized && (m.probe?.kind === "video" || (m.processing !== undefined && m.probe?.kind !== "gif"))
      ? { video: { video_type: m.mediaType } }
      : {})
  }
}

/** The stored segment indexes of `m`, in order. */
const segmentIndexes = (m: MediaRecord) => Object.keys(m.segments).map(Number).sort((a, b) => a - b)

/**
 * Streams the segments of `m`, in index order, into a temporary file next to the assembled file, then renames it over
 * the assembled file, so a reader (or a crash) never sees a half-written file. Answers the sha256 of the bytes. The
 * segments stay: {@link removeSegments} deletes them once the record no longer needs them.
 */
const assemble = (m: MediaRecord) =>
  Effect.gen(function*() {
    const state = yield* State
    const fs = yield* FileSystem.FileSystem
    const hash = crypto.createHash("sha256")
    const target = state.filePath(m.id)
    const partial = `${target}.partial`
    yield* Stream.fromIterable(segmentIndexes(m)).pipe(
      Stream.flatMap((i) => fs.stream(state.segmentPath(m.id, i), { chunkSize: FileSystem.KiB(256) })),
      Stream.tap((chunk) => Effect.sync(() => hash.update(chunk))),
      Stream.run(fs.sink(partial)),
      Effect.zipRight(fs.rename(partial, target)),
      Effect.onError(() => fs.remove(partial).pipe(Effect.ignore))
    )
    return hash.digest("hex")
  }).pipe(Effect.orDie)

/** Deletes the segment files of `m` (missing ones are ignored). */
const removeSegments = (m: MediaRecord) =>
  Effect.gen(function*() {
    const state = yield* State
    const fs = yield* FileSystem.FileSystem
    yield* Effect.forEach(segmentIndexes(m), (i) => fs.remove(state.segmentPath(m.id, i)).pipe(Effect.ignore), {
      discard: true
    })
  })

const decideOutcome = (m: MediaRecord, probed: ProbeResult): ProcessingOutcome => {
  const expected = family(m.mediaType)
  const kind = probed.info.kind
  const wantGif = m.category === "tweet_gif" || m.category === "dm_gif"
  if (wantGif) {
    return kind === "gif"
      ? { state: "succeeded" }
      : { state: "failed", error: { code: 1, name: "InvalidMedia", message: "Unsupported image format" } }
  }
  if (expected === "video" && kind !== "video") {
    return { state: "failed", error: { code: 1, name: "InvalidMedia", message: "Unsupported video format" } }
  }
  const duration = probed.info.durationMs
  const max = Processing.maxDurationMs(m.category)
  if (duration !== undefined && max !== undefined && duration > max) {
    return {
      state: "failed",
      error: {
        code: 3,
        name: "UnsupportedMedia",
        message: `Duration ${Processing.formatDuration(duration)} exceeds max duration of ${Processing.formatDuration(max)}`
      }
    }
  }
  if (duration !== undefined && duration < Processing.MIN_DURATION_MS) {
    return {
      state: "failed",
      error: {
        code: 3,
        name: "UnsupportedMedia",
        message: `Duration ${Processing.formatDuration(duration)} is below min duration of ${
          Processing.formatDuration(Processing.MIN_DURATION_MS)
        }`
      }
    }
  }
  return { state: "succeeded" }
}

/** The data directory's `tmp/` folder, where request bodies are streamed before they are stored. @internal */
export const tmpDir = Effect.gen(function*() {
  const state = yield* State
  const path = yield* Path.Path
  const fs = yield* FileSystem.FileSystem
  const dir = path.join(state.dataDir, "tmp")
  yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.orDie)
  return dir
})

/**
 * FINALIZE: checks the byte total, assembles, probes, starts processing. Idempotent once finalized. One FINALIZE of a
 * media id runs at a time: a FINALIZE that arrives while another is being served waits for it, then answers as a
 * repeated FINALIZE does (the finalized media, or the refusal a repeat gets when the first one failed). The work is not
 * interrupted when the client goes away: once started, it runs to the end (as X's would), whoever waits for it.
 * @internal
 */
export const finalize = (id: string, userId: string | undefined) =>
  Effect.flatMap(State, (state) => state.withMediaLock(id)(Effect.uninterruptible(finalizeUnlocked(id, userId))))

/** FINALIZE's work, run under the media's lock. */
const finalizeUnlocked = (id: string, userId: string | undefined) =>
  Effect.gen(function*() {
    const state = yield* State
    const m = yield* usableMedia(id, userId)
    if (m.finalized) return m
    if (m.bytesReceived !== m.totalBytes) {
      return yield* invalid(
        "media_id",
        id,
        `File size mismatch: received ${m.bytesReceived} bytes, total_bytes was ${m.totalBytes}.`
      )
    }
    const sha256 = yield* assemble(m)
    const probed = yield* probe(state.filePath(id), m.mediaType)
    const now = yield* Clock.currentTimeMillis
    const expiresAt = now + (m.expiresAt - m.createdAt)
    /** Records the finalized file (synchronous media: no processing; video/GIF: the processing just started). */
    const markFinalized = (extra: Pick<MediaRecord, "processing">) =>
      Effect.gen(function*() {
        const updated = yield* state.updateMedia(id, (r) => ({
          ...r,
          finalized: true,
          finalizedAt: now,
          sha256,
          size: r.totalBytes,
          probe: probed.info,
          expiresAt,
          ...(extra.processing === undefined ? {} : { processing: extra.processing })
        }))
        yield* state.persist
        yield* removeSegments(m)
        return updated ?? m
      })
    if (!Processing.isAsyncCategory(m.category)) {
      const expected = family(m.mediaType)
      const ok = probed.error === undefined &&
        (expected === "subtitles" ? probed.info.kind === "subtitles" : probed.info.kind === expected ||
          (expected === "image" && probed.info.kind === "gif") || (expected === "gif" && probed.info.kind === "gif"))
      if (!ok) {
        yield* state.updateMedia(id, (r) => ({ ...r, segments: {}, bytesReceived: 0, probe: probed.info }))
        yield* removeSegments(m)
        return yield* new MediaProblem({
          kind: "Unrecognized",
          param: "media",
          value: id,
          message: probed.error ?? "media type unrecognized"
        })
      }
      return yield* markFinalized({ processing: undefined })
    }
    const faults = yield* Effect.serviceOption(Faults)
    let omitCheckAfterSecs = false
    if (Option.isSome(faults)) {
      const injected = yield* faults.value.mediaFault("processingFailure", { mediaId: id, userId })
      if (Option.isSome(injected) && injected.value.action.kind === "processingFailure") {
        yield* state.forceProcessingFailure(id, injectedFailure(injected.value.action))
      }
      // decided here (not in the fault middleware): only media whose processing starts now consume the rule, once
      omitCheckAfterSecs = Option.isSome(yield* faults.value.mediaFault("omitCheckAfterSecs", yield* mediaSubject(id, userId)))
    }
    const forced = yield* state.forcedFailure(id)
    const outcome: ProcessingOutcome = forced ?? decideOutcome(m, probed)
    const mode = yield* state.processingModeFor(id, m.category)
    const base: ProcessingRecord = {
      mode,
      outcome,
      startedAt: now,
      polls: 0,
      history: [],
      ...(omitCheckAfterSecs ? { omitCheckAfterSecs } : {})
    }
    const processing = Processing.observe(base, Processing.view(base, now), now)
    return yield* markFinalized({ processing })
  })

/** STATUS: counts the poll, advances processing, returns the record. @internal */
export const status = (id: string, userId: string | undefined) =>
  Effect.gen(function*() {
    const state = yield* State
    const m = yield* usableMedia(id, userId)
    const now = yield* Clock.currentTimeMillis
    if (m.processing === undefined) return m
    const forced = yield* state.forcedFailure(id)
    const updated = yield* state.updateMedia(id, (r) => {
      if (r.processing === undefined) return r
      const outcome = forced !== undefined && r.processing.outcome.state !== "failed" ? forced : r.processing.outcome
      const polled = { ...r.processing, outcome, polls: r.processing.polls + 1 }
      return { ...r, processing: Processing.observe(polled, Processing.view(polled, now), now) }
    })
    return updated ?? m
  })

/** True when the media finished processing successfully (or needed none). @internal */
export const isReady = (m: MediaRecord, now: number): boolean =>
  m.finalized && now < m.expiresAt &&
  (m.processing === undefined || Processing.view(m.processing, now).state === "succeeded")

/** True when a post may carry the media: ready, and a tweet photo, GIF or video (v2 `POST /2/tweets` and v1.1). @internal */
export const isPostable = (m: MediaRecord, now: number): boolean =>
  isReady(m, now) && ["tweet_image", "tweet_gif", "tweet_video", "amplify_video"].includes(m.category)

/** One-shot upload: INIT + one APPEND + FINALIZE of a file already on disk. @internal */
export const oneShot = (input: Omit<InitInput, "totalBytes" | "mediaType"> & {
  readonly file: DiskFile
  readonly mediaType: string | undefined
}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const subtitles = input.category !== undefined && parseCategory(input.category) === "subtitles"
    const mediaType = input.mediaType ??
      (yield* sniffFile(input.file.path)) ?? (subtitles ? "text/srt" : "application/octet-stream")
    const m = yield* init({ ...input, mediaType, totalBytes: input.file.size })
    yield* append(m.id, input.userId, 0, input.file)
    yield* fs.remove(input.file.path).pipe(Effect.ignore)
    return yield* finalize(m.id, input.userId)
  })

const sniffFile = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const head = yield* Effect.scoped(Effect.gen(function*() {
      const f = yield* fs.open(path, { flag: "r" })
      const buf = new Uint8Array(512)
      const n = yield* f.read(buf)
      return buf.subarray(0, Number(n))
    })).pipe(Effect.orDie)
    return sniff(head)
  })
