/**
 * The in-memory implementation of {@link State}, with chunks and assembled files on disk under `dataDir`.
 * With `persist: true`, the records are written to `dataDir/state.json` (versioned) and reloaded at start.
 *
 * @internal
 */
import { FileSystem, Path } from "@effect/platform"
import { Ids } from "@xmedia/core"
import { Clock, Effect, Layer, Schema } from "effect"
import type {
  FailedOutcome,
  MediaRecord,
  PostRecord,
  ProcessingMode,
  ProcessingTarget,
  StateService
} from "./State.js"
import { State } from "./State.js"

const TWITTER_EPOCH = 1288834974657n
/** The format version of `state.json`. @internal */
export const STATE_FORMAT_VERSION = 1

/** Options of the state layer. @internal */
export interface StoreOptions {
  /** Directory for chunks/files/state; a temporary one (removed at shutdown) when undefined. */
  readonly dataDir?: string | undefined
  /** Seconds a media id stays valid after INIT and after FINALIZE. */
  readonly expiresAfterSecs: number
  /** Processing mode applied when no category/media override exists. */
  readonly defaultProcessing: ProcessingMode
  readonly processingByCategory?: Partial<Record<Ids.MediaCategory, ProcessingMode>> | undefined
}

const PersistedState = Schema.Struct({
  version: Schema.Literal(STATE_FORMAT_VERSION),
  media: Schema.Array(Schema.Unknown),
  posts: Schema.Array(Schema.Unknown)
})

const makeStore = (options: StoreOptions) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const persistent = options.dataDir !== undefined
    const dataDir = options.dataDir !== undefined
      ? path.resolve(options.dataDir)
      : yield* fs.makeTempDirectoryScoped({ prefix: "xmedia-emulator-" })
    yield* fs.makeDirectory(path.join(dataDir, "media"), { recursive: true })

    const media = new Map<string, MediaRecord>()
    const byKey = new Map<string, string>()
    const posts = new Map<string, PostRecord>()
    const modeByCategory = new Map<Ids.MediaCategory, ProcessingMode>(
      Object.entries(options.processingByCategory ?? {}) as Array<[Ids.MediaCategory, ProcessingMode]>
    )
    const modeByMedia = new Map<string, ProcessingMode>()
    const forced = new Map<string, FailedOutcome>()
    /** Per-media locks, each kept while someone holds or waits for it. */
    const locks = new Map<string, { readonly semaphore: Effect.Semaphore; users: number }>()
    let defaultMode = options.defaultProcessing
    let lastMs = 0n
    let seq = 0n

    const stateFile = path.join(dataDir, "state.json")
    if (persistent && (yield* fs.exists(stateFile))) {
      const text = yield* fs.readFileString(stateFile)
      const parsed = yield* Schema.decodeUnknown(Schema.parseJson(PersistedState))(text).pipe(
        Effect.mapError((e) => new Error(`${stateFile} is not a state file of format ${STATE_FORMAT_VERSION}: ${e.message}`)),
        Effect.orDie
      )
      for (const m of parsed.media as ReadonlyArray<MediaRecord>) {
        media.set(m.id, m)
        byKey.set(m.mediaKey, m.id)
      }
      for (const p of parsed.posts as ReadonlyArray<PostRecord>) posts.set(p.id, p)
    }

    const mediaDir = (id: string) => path.join(dataDir, "media", id)

    const nextId = Effect.map(Clock.currentTimeMillis, (now) => {
      let ms = BigInt(Math.max(now, 1_700_000_000_000)) - TWITTER_EPOCH
      if (ms <= lastMs) ms = lastMs
      if (ms === lastMs) {
        seq += 1n
        if (seq > 4095n) {
          ms += 1n
          seq = 0n
        }
      } else {
        seq = 0n
      }
      lastMs = ms
      return ((ms << 22n) | (1n << 12n) | seq).toString()
    })

    const service: StateService = {
      dataDir,
      nextId,
      createMedia: (input) =>
        Effect.gen(function*() {
          const id = yield* nextId
          const now = yield* Clock.currentTimeMillis
          const record: MediaRecord = {
            ...input,
            id,
            mediaKey: `${Ids.mediaKeyPrefix(input.category)}_${id}`,
            createdAt: now,
            expiresAt: now + options.expiresAfterSecs * 1000,
            segments: {},
            bytesReceived: 0,
            finalized: false,
            subtitles: []
          }
          yield* fs.makeDirectory(mediaDir(id), { recursive: true }).pipe(Effect.orDie)
          media.set(id, record)
          byKey.set(record.mediaKey, id)
          return record
        }),
      getMedia: (id) => Effect.sync(() => media.get(id)),
      getMediaByKey: (key) => Effect.sync(() => {
        const id = byKey.get(key)
        return id === undefined ? undefined : media.get(id)
      }),
      listMedia: Effect.sync(() => Array.from(media.values())),
      updateMedia: (id, f) =>
        Effect.sync(() => {
          const m = media.get(id)
          if (m === undefined) return undefined
          const next = f(m)
          media.set(id, next)
          return next
        }),
      segmentPath: (id, index) => path.join(mediaDir(id), `segment-${index}`),
      filePath: (id) => path.join(mediaDir(id), "file"),
      withMediaLock: (id) => (self) =>
        Effect.acquireUseRelease(
          // one synchronous step: two fibers cannot both create a lock for the same id
          Effect.sync(() => {
            let entry = locks.get(id)
            if (entry === undefined) {
              entry = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
              locks.set(id, entry)
            }
            entry.users += 1
            return entry
          }),
          (entry) => entry.semaphore.withPermits(1)(self),
          (entry) =>
            Effect.sync(() => {
              entry.users -= 1
              if (entry.users === 0 && locks.get(id) === entry) locks.delete(id)
            })
        ),
      createPost: (input) =>
        Effect.gen(function*() {
          const id = yield* nextId
          const now = yield* Clock.currentTimeMillis
          const post: PostRecord = { ...input, id, createdAt: now, deleted: false }
          posts.set(id, post)
          return post
        }),
      getPost: (id) => Effect.sync(() => posts.get(id)),
      listPosts: Effect.sync(() => Array.from(posts.values())),
      deletePost: (id) =>
        Effect.sync(() => {
          const p = posts.get(id)
          if (p === undefined || p.deleted) return undefined
          const next = { ...p, deleted: true }
          posts.set(id, next)
          return next
        }),
      processingModeFor: (mediaId, category) =>
        Effect.sync(() => modeByMedia.get(mediaId) ?? modeByCategory.get(category) ?? defaultMode),
      setProcessingMode: (target: ProcessingTarget, mode) =>
        Effect.sync(() => {
          switch (target._tag) {
            case "default":
              defaultMode = mode
              break
            case "category":
              modeByCategory.set(target.category, mode)
              break
            case "media":
              modeByMedia.set(target.mediaId, mode)
          }
        }),
      forceProcessingFailure: (mediaId, failure) => Effect.sync(() => void forced.set(mediaId, failure)),
      forcedFailure: (mediaId) => Effect.sync(() => forced.get(mediaId)),
      expireNow: (mediaId) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => {
            const m = media.get(mediaId)
            if (m === undefined) return false
            media.set(mediaId, { ...m, expiresAt: now - 1 })
            return true
          })),
      reset: Effect.gen(function*() {
        const ids = Array.from(media.keys())
        media.clear()
        byKey.clear()
        posts.clear()
        modeByMedia.clear()
        modeByCategory.clear()
        for (const [k, v] of Object.entries(options.processingByCategory ?? {})) {
          modeByCategory.set(k as Ids.MediaCategory, v as ProcessingMode)
        }
        defaultMode = options.defaultProcessing
        forced.clear()
        yield* Effect.forEach(ids, (id) => fs.remove(mediaDir(id), { recursive: true }).pipe(Effect.ignore), {
          discard: true
        })
        if (persistent) yield* fs.remove(stateFile).pipe(Effect.ignore)
      }),
      persist: persistent
        ? Effect.gen(function*() {
          const body = JSON.stringify({
            version: STATE_FORMAT_VERSION,
            media: Array.from(media.values()),
            posts: Array.from(posts.values())
          })
          const tmp = `${stateFile}.tmp`
          yield* fs.writeFileString(tmp, body)
          yield* fs.rename(tmp, stateFile)
        }).pipe(Effect.orDie)
        : Effect.void
    }
    yield* Effect.addFinalizer(() => service.persist)
    return service
  })

/** A layer providing {@link State}; needs `FileSystem`, `Path` and a `Scope` (temp dir removal). @internal */
export const layer = (options: StoreOptions): Layer.Layer<State, never, FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(State, makeStore(options).pipe(Effect.orDie))

/** True when `m` may be used by `userId` (owner or additional owner). @internal */
export const canUse = (m: MediaRecord, userId: string | undefined): boolean =>
  userId !== undefined && (m.ownerId === userId || m.additionalOwners.includes(userId))
