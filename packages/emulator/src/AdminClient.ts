/**
 * A typed Effect client for the emulator's admin API under `/_emulator/` (described by
 * `packages/emulator/spec/emulator-admin.openapi.json`): health, media records, posts, the request journal, fault
 * injection, processing control and reset. Built on `@effect/platform`'s `HttpClient`, so it runs with any client
 * layer (e.g. `NodeHttpClient.layerUndici` or `FetchHttpClient.layer`).
 *
 * @example
 * import { AdminClient } from "@xmedia/emulator"
 *
 * const program = Effect.gen(function*() {
 *   const admin = yield* AdminClient.AdminClient
 *   yield* admin.addFaults([{ match: { operation: "posts.create" }, count: 1, fault: { kind: "resetAfterCommit" } }])
 *   const posts = yield* admin.posts
 * }).pipe(Effect.provide(AdminClient.layer("http://127.0.0.1:4010")))
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Context, Effect, Layer, Schema } from "effect"
import * as AdminSchema from "./internal/admin/schema.js"
import * as FaultsInternal from "./internal/faults.js"

/**
 * `GET /_emulator/health`.
 *
 * @since 0.1.0
 */
export const Health = AdminSchema.Health
/** @since 0.1.0 */
export type Health = AdminSchema.Health

/**
 * A media item as the admin API shows it (owner, category, type, bytes received, sha256, processing history, subtitle
 * tracks, metadata; never bytes).
 *
 * @since 0.1.0
 */
export const MediaView = AdminSchema.MediaView
/** @since 0.1.0 */
export type MediaView = AdminSchema.MediaView

/**
 * A stored post.
 *
 * @since 0.1.0
 */
export const PostView = AdminSchema.PostView
/** @since 0.1.0 */
export type PostView = AdminSchema.PostView

/**
 * One entry of the request journal.
 *
 * @since 0.1.0
 */
export const JournalEntry = AdminSchema.JournalEntry
/** @since 0.1.0 */
export type JournalEntry = AdminSchema.JournalEntry

/**
 * A fault rule (what `addFaults` takes): `match` (operation, route, method, api, userId, mediaId), `probability`,
 * `count`, `after`, `ttlMs`, and the `fault` to inject.
 *
 * @since 0.1.0
 */
export const FaultRule = FaultsInternal.FaultRule
/** The JSON form of a fault rule. @since 0.1.0 */
export type FaultRule = FaultsInternal.FaultRuleInput

/**
 * The fault rules with their counters and the PRNG seed.
 *
 * @since 0.1.0
 */
export const FaultList = AdminSchema.FaultList
/** @since 0.1.0 */
export type FaultList = AdminSchema.FaultList

/**
 * How processing advances: `{ _tag: "immediate" }`, `{ _tag: "seconds", seconds }` or `{ _tag: "polls", polls }`.
 *
 * @since 0.1.0
 */
export const ProcessingMode = AdminSchema.ProcessingMode
/** @since 0.1.0 */
export type ProcessingMode = AdminSchema.ProcessingMode

/**
 * The admin call failed: transport error, unexpected status (with the admin problem's detail) or a body that does not
 * match the admin schema.
 *
 * @since 0.1.0
 */
export class AdminError extends Schema.TaggedError<AdminError>()("AdminError", {
  operation: Schema.String,
  status: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message(): string {
    return `emulator admin ${this.operation} failed${this.status === undefined ? "" : ` (HTTP ${this.status})`}: ${this.detail}`
  }
}

/**
 * Filters of {@link Service.requests}.
 *
 * @since 0.1.0
 */
export interface RequestFilter {
  readonly operation?: string | undefined
  readonly method?: string | undefined
  readonly status?: number | undefined
  /** Only entries with `seq` greater than this. */
  readonly since?: number | undefined
  readonly limit?: number | undefined
  readonly includeAdmin?: boolean | undefined
}

/**
 * The admin client.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly health: Effect.Effect<Health, AdminError>
  /** One media item by id or media key. */
  readonly media: (idOrKey: string) => Effect.Effect<MediaView, AdminError>
  readonly listMedia: Effect.Effect<ReadonlyArray<MediaView>, AdminError>
  readonly posts: Effect.Effect<ReadonlyArray<PostView>, AdminError>
  readonly requests: (filter?: RequestFilter) => Effect.Effect<ReadonlyArray<JournalEntry>, AdminError>
  readonly faults: Effect.Effect<FaultList, AdminError>
  /** Appends fault rules in order (an existing id is replaced); `seed` restarts the PRNG. */
  readonly addFaults: (
    rules: ReadonlyArray<FaultRule>,
    options?: { readonly seed?: number | undefined }
  ) => Effect.Effect<FaultList, AdminError>
  readonly removeFault: (id: string) => Effect.Effect<void, AdminError>
  readonly clearFaults: Effect.Effect<void, AdminError>
  /** Sets the processing mode by default, for a category, or for one media id. */
  readonly setProcessing: (
    input: {
      readonly mode: ProcessingMode
      readonly category?: typeof AdminSchema.SetProcessing.Encoded["category"]
      readonly mediaId?: string | undefined
    }
  ) => Effect.Effect<void, AdminError>
  /** Clears state, faults, rate windows, nonces and the journal. */
  readonly reset: Effect.Effect<void, AdminError>
}

/**
 * Context tag of the admin client.
 *
 * @since 0.1.0
 */
export class AdminClient extends Context.Tag("@xmedia/emulator/AdminClient")<AdminClient, Service>() {}

const ProblemBody = Schema.Struct({ detail: Schema.String })

/**
 * Makes an admin client for an emulator at `baseUrl` (e.g. `http://127.0.0.1:4010`).
 *
 * @since 0.1.0
 */
export const make = Effect.fn("AdminClient.make")(function*(baseUrl: string) {
  const client = (yield* HttpClient.HttpClient).pipe(
    HttpClient.mapRequest(HttpClientRequest.prependUrl(baseUrl.replace(/\/+$/, "")))
  )

  const call = <A, I>(
    operation: string,
    request: HttpClientRequest.HttpClientRequest,
    expected: number,
    schema: Schema.Schema<A, I>
  ): Effect.Effect<A, AdminError> =>
    client.execute(request).pipe(
      Effect.mapError((e) => new AdminError({ operation, detail: e.message })),
      Effect.flatMap((response) =>
        response.status === expected
          ? HttpClientResponse.schemaBodyJson(schema)(response).pipe(
            Effect.mapError((e) => new AdminError({ operation, status: response.status, detail: e.message }))
          )
          : HttpClientResponse.schemaBodyJson(ProblemBody)(response).pipe(
            Effect.map((p) => p.detail),
            Effect.orElseSucceed(() => "unexpected response"),
            Effect.flatMap((detail) => Effect.fail(new AdminError({ operation, status: response.status, detail })))
          )
      ),
      Effect.scoped,
      Effect.withSpan(`AdminClient.${operation}`)
    )

  const jsonRequest = <A, I>(operation: string, url: string, schema: Schema.Schema<A, I>, body: A) =>
    HttpClientRequest.schemaBodyJson(schema)(HttpClientRequest.post(url), body).pipe(
      Effect.mapError((e) => new AdminError({ operation, detail: `request body could not be encoded: ${e.reason._tag}` }))
    )

  const service: Service = {
    health: call("health", HttpClientRequest.get("/_emulator/health"), 200, AdminSchema.Health),
    media: (idOrKey) =>
      call("media", HttpClientRequest.get(`/_emulator/media/${encodeURIComponent(idOrKey)}`), 200, AdminSchema.MediaView),
    listMedia: Effect.map(
      call("listMedia", HttpClientRequest.get("/_emulator/media"), 200, AdminSchema.MediaList),
      (r) => r.media
    ),
    posts: Effect.map(call("posts", HttpClientRequest.get("/_emulator/posts"), 200, AdminSchema.PostList), (r) => r.posts),
    requests: (filter = {}) => {
      const params: Record<string, string> = {}
      for (const [k, v] of Object.entries(filter)) if (v !== undefined) params[k] = String(v)
      return Effect.map(
        call(
          "requests",
          HttpClientRequest.get("/_emulator/requests").pipe(HttpClientRequest.setUrlParams(params)),
          200,
          AdminSchema.RequestList
        ),
        (r) => r.requests
      )
    },
    faults: call("faults", HttpClientRequest.get("/_emulator/faults"), 200, AdminSchema.FaultList),
    addFaults: (rules, options = {}) =>
      Effect.gen(function*() {
        const decoded = yield* Schema.decodeUnknown(Schema.Array(FaultsInternal.FaultRule))(rules).pipe(
          Effect.mapError((e) => new AdminError({ operation: "addFaults", detail: e.message }))
        )
        const request = yield* jsonRequest("addFaults", "/_emulator/faults", AdminSchema.AddFaults, {
          rules: decoded,
          ...(options.seed === undefined ? {} : { seed: options.seed })
        })
        return yield* call("addFaults", request, 201, AdminSchema.FaultList)
      }),
    removeFault: (id) =>
      Effect.asVoid(
        call("removeFault", HttpClientRequest.del(`/_emulator/faults/${encodeURIComponent(id)}`), 200, AdminSchema.Ack)
      ),
    clearFaults: Effect.asVoid(call("clearFaults", HttpClientRequest.del("/_emulator/faults"), 200, AdminSchema.Ack)),
    setProcessing: (input) =>
      Effect.gen(function*() {
        const decoded = yield* Schema.decodeUnknown(AdminSchema.SetProcessing)(input).pipe(
          Effect.mapError((e) => new AdminError({ operation: "setProcessing", detail: e.message }))
        )
        const request = yield* jsonRequest("setProcessing", "/_emulator/processing", AdminSchema.SetProcessing, decoded)
        yield* call("setProcessing", request, 200, AdminSchema.Ack)
      }),
    reset: Effect.asVoid(call("reset", HttpClientRequest.post("/_emulator/reset"), 200, AdminSchema.Ack))
  }
  return service
})

/**
 * A Layer providing {@link AdminClient} for the emulator at `baseUrl`.
 *
 * @since 0.1.0
 */
export const layer = (baseUrl: string): Layer.Layer<AdminClient, never, HttpClient.HttpClient> =>
  Layer.effect(AdminClient, make(baseUrl))
