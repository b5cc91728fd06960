/**
 * The admin API under `/_emulator/` (described in `packages/emulator/spec/emulator-admin.openapi.json`):
 *
 * - `GET /_emulator/health`
 * - `GET /_emulator/media`, `GET /_emulator/media/:id` (owner, category, type, bytes received, sha256, processing
 *   history, subtitle tracks, metadata; never bytes)
 * - `GET /_emulator/posts`
 * - `GET /_emulator/requests` (the journal; filters `operation`, `method`, `status`, `since` = seq, `limit`)
 * - `GET|POST|DELETE /_emulator/faults`, `DELETE /_emulator/faults/:id`
 * - `POST /_emulator/processing`
 * - `POST /_emulator/reset`: state, faults, rate windows, nonces, issued OAuth 2.0 tokens and the journal in one call.
 *
 * The routes close over the module services they manage and take the state from the handler context.
 *
 * @internal
 */
import { HttpServerRequest } from "@effect/platform"
import { Clock, Effect, Schema } from "effect"
import type { FaultEngine } from "../faults.js"
import type { JournalService } from "../journal.js"
import type { Verifier } from "../oauth1Verify.js"
import type { OAuth2TokensService } from "../oauth2Tokens.js"
import type { RateLimiter } from "../rateLimits.js"
import { HttpFailure, json } from "../routes/respond.js"
import type { Route } from "../routes/router.js"
import type { MediaRecord, PostRecord, ProcessingTarget } from "../state/State.js"
import { State } from "../state/State.js"
import { document } from "./openapi.js"
import * as AdminSchema from "./schema.js"

/** What the admin routes manage besides the state. @internal */
export interface AdminServices {
  readonly version: string
  readonly faults: FaultEngine
  readonly rateLimits: RateLimiter
  readonly journal: JournalService
  readonly oauth1?: Verifier | undefined
  /** The OAuth 2.0 token store: a reset forgets issued tokens and restores the configured ones. */
  readonly oauth2?: OAuth2TokensService | undefined
}

const ok = (body: unknown, status = 200) => json(status, body)

/** An admin error as problem+json. @internal */
export const adminProblem = (status: number, title: string, detail: string) =>
  new HttpFailure({
    status,
    body: { title, detail, status, type: "about:blank" },
    contentType: "application/problem+json"
  })

/** Reads and decodes a JSON body, failing with a 400 that names the problem. */
const jsonBody = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* Effect.mapError(request.text, () => adminProblem(400, "Bad Request", "the request body could not be read"))
    const parsed = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => adminProblem(400, "Bad Request", "the request body is not valid JSON")
    })
    return yield* Schema.decodeUnknown(schema, { onExcessProperty: "error" })(parsed).pipe(
      Effect.mapError((e) => adminProblem(400, "Bad Request", e.message))
    )
  })

/**
 * The admin view of a media record.
 *
 * @internal
 */
export const mediaView = (m: MediaRecord, now: number): AdminSchema.MediaView => ({
  id: m.id,
  mediaKey: m.mediaKey,
  ownerId: m.ownerId,
  additionalOwners: m.additionalOwners,
  category: m.category,
  mediaType: m.mediaType,
  source: m.source,
  shared: m.shared,
  totalBytes: m.totalBytes,
  bytesReceived: m.bytesReceived,
  segments: m.segments,
  createdAt: m.createdAt,
  expiresAt: m.expiresAt,
  expired: now >= m.expiresAt,
  finalized: m.finalized,
  ...(m.finalizedAt === undefined ? {} : { finalizedAt: m.finalizedAt }),
  ...(m.sha256 === undefined ? {} : { sha256: m.sha256 }),
  ...(m.size === undefined ? {} : { size: m.size }),
  ...(m.probe === undefined ? {} : { probe: m.probe }),
  ...(m.processing === undefined ? {} : {
    processing: {
      mode: m.processing.mode,
      outcome: m.processing.outcome,
      startedAt: m.processing.startedAt,
      polls: m.processing.polls,
      ...(m.processing.omitCheckAfterSecs === true ? { omitCheckAfterSecs: true } : {}),
      history: m.processing.history
    }
  }),
  ...(m.metadata === undefined ? {} : { metadata: m.metadata }),
  subtitles: m.subtitles
})

/**
 * The admin view of a post.
 *
 * @internal
 */
export const postView = (p: PostRecord): AdminSchema.PostView => ({
  id: p.id,
  authorId: p.authorId,
  text: p.text,
  mediaIds: p.mediaIds,
  mediaKeys: p.mediaKeys,
  createdAt: p.createdAt,
  deleted: p.deleted
})

/**
 * Clears the state, the fault rules, the rate windows, the OAuth 1.0a nonces, the issued OAuth 2.0 tokens and the
 * journal: what `POST /_emulator/reset` and `Emulator.reset` both do.
 *
 * @internal
 */
export const resetAll = (services: AdminServices): Effect.Effect<void, never, State> =>
  Effect.gen(function*() {
    const state = yield* State
    yield* state.reset
    yield* services.faults.reset
    yield* services.rateLimits.reset
    if (services.oauth1 !== undefined) yield* services.oauth1.reset
    if (services.oauth2 !== undefined) yield* services.oauth2.reset
    yield* services.journal.clear
  })

const none = { _tag: "none" } as const

const intParam = (query: URLSearchParams, name: string): Effect.Effect<number | undefined, HttpFailure> => {
  const raw = query.get(name)
  if (raw !== null && !/^\d+$/.test(raw)) {
    return Effect.fail(adminProblem(400, "Bad Request", `query parameter ${name} must be a non-negative integer`))
  }
  return Effect.sync(() => (raw === null ? undefined : Number(raw)))
}

/**
 * Builds the admin routes.
 *
 * @example
 * const routes = [...AdminRoutes.make({ version, faults, rateLimits, journal, oauth1, oauth2 }), ...xRoutes]
 * @internal
 */
export const make = (services: AdminServices): ReadonlyArray<Route> => {
  const faultList = Effect.gen(function*() {
    return { seed: yield* services.faults.seed, rules: yield* services.faults.list }
  })
  return [
    {
      method: "GET",
      path: "/_emulator/health",
      operation: "admin.health",
      api: "admin",
      auth: none,
      handler: () =>
        Effect.gen(function*() {
          const state = yield* State
          return ok({
            status: "ok",
            version: services.version,
            now: yield* Clock.currentTimeMillis,
            media: (yield* state.listMedia).length,
            posts: (yield* state.listPosts).length,
            faults: (yield* services.faults.list).length
          } satisfies AdminSchema.Health)
        })
    },
    {
      method: "GET",
      path: "/_emulator/openapi.json",
      operation: "admin.openapi",
      api: "admin",
      auth: none,
      handler: () => Effect.succeed(ok(document(services.version)))
    },
    {
      method: "GET",
      path: "/_emulator/media",
      operation: "admin.media.list",
      api: "admin",
      auth: none,
      handler: () =>
        Effect.gen(function*() {
          const state = yield* State
          const now = yield* Clock.currentTimeMillis
          return ok({ media: (yield* state.listMedia).map((m) => mediaView(m, now)) })
        })
    },
    {
      method: "GET",
      path: "/_emulator/media/:id",
      operation: "admin.media.get",
      api: "admin",
      auth: none,
      handler: ({ params }) =>
        Effect.gen(function*() {
          const state = yield* State
          const id = params.id ?? ""
          const record = (yield* state.getMedia(id)) ?? (yield* state.getMediaByKey(id))
          if (record === undefined) return yield* adminProblem(404, "Not Found", `no media with id or key ${id}`)
          return ok(mediaView(record, yield* Clock.currentTimeMillis))
        })
    },
    {
      method: "GET",
      path: "/_emulator/posts",
      operation: "admin.posts.list",
      api: "admin",
      auth: none,
      handler: () =>
        Effect.gen(function*() {
          const state = yield* State
          return ok({ posts: (yield* state.listPosts).map(postView) })
        })
    },
    {
      method: "GET",
      path: "/_emulator/requests",
      operation: "admin.requests.list",
      api: "admin",
      auth: none,
      handler: ({ query }) =>
        Effect.gen(function*() {
          const since = yield* intParam(query, "since")
          const limit = yield* intParam(query, "limit")
          const status = yield* intParam(query, "status")
          const operation = query.get("operation")
          const method = query.get("method")?.toUpperCase()
          const includeAdmin = query.get("includeAdmin") === "true"
          let entries = (yield* services.journal.list).filter((e) =>
            (includeAdmin || e.api !== "admin") &&
            (since === undefined || e.seq > since) &&
            (status === undefined || e.status === status) &&
            (operation === null || e.operation === operation) &&
            (method === undefined || e.method === method)
          )
          if (limit !== undefined) entries = entries.slice(Math.max(0, entries.length - limit))
          return ok({ requests: entries })
        })
    },
    {
      method: "GET",
      path: "/_emulator/faults",
      operation: "admin.faults.list",
      api: "admin",
      auth: none,
      handler: () => Effect.map(faultList, (list) => ok(list))
    },
    {
      method: "POST",
      path: "/_emulator/faults",
      operation: "admin.faults.add",
      api: "admin",
      auth: none,
      handler: () =>
        Effect.gen(function*() {
          const input = yield* jsonBody(AdminSchema.AddFaults)
          if (input.seed !== undefined) yield* services.faults.setSeed(input.seed)
          yield* services.faults.add(input.rules)
          return ok(yield* faultList, 201)
        })
    },
    {
      method: "DELETE",
      path: "/_emulator/faults",
      operation: "admin.faults.clear",
      api: "admin",
      auth: none,
      handler: () => Effect.as(services.faults.clear, ok({ ok: true }))
    },
    {
      method: "DELETE",
      path: "/_emulator/faults/:id",
      operation: "admin.faults.remove",
      api: "admin",
      auth: none,
      handler: ({ params }) =>
        Effect.gen(function*() {
          const removed = yield* services.faults.remove(params.id ?? "")
          if (!removed) return yield* adminProblem(404, "Not Found", `no fault rule with id ${params.id}`)
          return ok({ ok: true })
        })
    },
    {
      method: "POST",
      path: "/_emulator/processing",
      operation: "admin.processing.set",
      api: "admin",
      auth: none,
      handler: () =>
        Effect.gen(function*() {
          const input = yield* jsonBody(AdminSchema.SetProcessing)
          if (input.category !== undefined && input.mediaId !== undefined) {
            return yield* adminProblem(400, "Bad Request", "give either category or mediaId, not both")
          }
          const target: ProcessingTarget = input.mediaId !== undefined
            ? { _tag: "media", mediaId: input.mediaId }
            : input.category !== undefined
            ? { _tag: "category", category: input.category }
            : { _tag: "default" }
          const state = yield* State
          yield* state.setProcessingMode(target, input.mode)
          return ok({ ok: true })
        })
    },
    {
      method: "POST",
      path: "/_emulator/reset",
      operation: "admin.reset",
      api: "admin",
      auth: none,
      handler: () =>
        Effect.as(resetAll(services), ok({ ok: true }))
    }
  ]
}
