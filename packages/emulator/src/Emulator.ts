/**
 * A faithful local X media API, served on 127.0.0.1.
 *
 * `Emulator.layer(options)` starts the HTTP server (port 0 = a random free port) and provides the `Emulator`
 * service: its `url`, `port`, and access to its state (media, posts, journal, processing modes, reset).
 * With no options it serves the default dev identity (see `Identities`): OAuth 2.0 user token `xmedia-dev-token`.
 * `POST /2/oauth2/token` refreshes OAuth 2.0 user tokens as X does (refresh tokens are used up and rotated); a test
 * gets a fresh (access, refresh) pair with `issueTokens` and expires an access token with `expireAccessToken`.
 *
 * @example
 * ```ts
 * import { Emulator } from "@xmedia/emulator"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const emulator = yield* Emulator.Emulator
 *   console.log(emulator.url) // http://127.0.0.1:54321
 * }).pipe(Effect.provide(Emulator.layer({ processing: Emulator.immediate })))
 * ```
 *
 * @since 0.1.0
 */
import { HttpServer } from "@effect/platform"
import { NodeContext, NodeHttpServer } from "@effect/platform-node"
import type { Ids } from "@xmedia/core"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as http from "node:http"
import * as Identities from "./Identities.js"
import { Settings, type ServerSettings, VERSION } from "./internal/config.js"
import * as AdminRoutes from "./internal/admin/routes.js"
import { FaultRule as FaultRuleSchema, type FaultRuleInput, Faults, layer as faultsLayer } from "./internal/faults.js"
import { Journal, type JournalEntry, layer as journalLayer } from "./internal/journal.js"
import { layer as oauth1Layer, OAuth1Verifier } from "./internal/oauth1Verify.js"
import { layer as oauth2TokensLayer, OAuth2Tokens } from "./internal/oauth2Tokens.js"
import * as Validator from "./internal/openapi/validator.js"
import { layer as rateLimitsLayer, RateLimits } from "./internal/rateLimits.js"
import type { Route } from "./internal/routes/router.js"
import { routes as v1MediaRoutes } from "./internal/routes/v1/media.js"
import { routes as v1StatusRoutes } from "./internal/routes/v1/statuses.js"
import { routes as v2MediaRoutes } from "./internal/routes/v2/media.js"
import { routes as v2MediaExtraRoutes } from "./internal/routes/v2/mediaExtras.js"
import { routes as oauth2Routes } from "./internal/routes/v2/oauth2.js"
import { routes as v2PostRoutes } from "./internal/routes/v2/posts.js"
import { routes as webPageRoutes } from "./internal/web/page.js"
import { makeApp } from "./internal/server.js"
import type { MediaRecord, PostRecord, ProcessingMode as InternalMode } from "./internal/state/State.js"
import { State } from "./internal/state/State.js"
import { layer as storeLayer } from "./internal/state/store.js"

/**
 * How async (video/GIF) processing advances: at once, over `seconds` (via `Clock`, so `TestClock` drives it), or
 * after `polls` STATUS calls.
 *
 * @since 0.1.0
 */
export type ProcessingMode = InternalMode

/** Processing finishes at FINALIZE. @since 0.1.0 */
export const immediate: ProcessingMode = { _tag: "immediate" }
/** Processing takes `seconds` (pending, then in_progress with rising progress). @since 0.1.0 */
export const seconds = (n: number): ProcessingMode => ({ _tag: "seconds", seconds: n })
/** Processing finishes on the `n`-th STATUS poll. @since 0.1.0 */
export const afterPolls = (n: number): ProcessingMode => ({ _tag: "polls", polls: n })

/**
 * A fault rule as `Emulator.layer({ faults })`, the config file and `POST /_emulator/faults` take it:
 * `{ id?, match?: { operation?, route?, method?, api?, userId?, mediaId? }, probability?, count?, after?, ttlMs?, fault }`.
 *
 * @since 0.1.0
 */
export type FaultRule = FaultRuleInput

/**
 * Options of {@link layer}. Everything is optional.
 *
 * @since 0.1.0
 */
export interface Options {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number | undefined
  /** Users, apps and tokens; default {@link Identities.dev}. */
  readonly identities?: Identities.Identities | undefined
  /** Default processing mode of async media (default: after 2 polls). */
  readonly processing?: ProcessingMode | undefined
  /** Per-category processing modes. */
  readonly processingByCategory?: Partial<Record<Ids.MediaCategory, ProcessingMode>> | undefined
  /** Multiplier of rate-limit windows (default 1 = X's numbers). */
  readonly rateLimitScale?: number | undefined
  /** Per-operation rate-limit overrides, e.g. `{ "posts.create": { user: { limit: 2, windowSeconds: 900 } } }`. */
  readonly rateLimitOverrides?: Readonly<
    Record<string, { readonly user?: { readonly limit: number; readonly windowSeconds: number }; readonly app?: { readonly limit: number; readonly windowSeconds: number } }>
  > | undefined
  /** Turn responses that break X's OpenAPI schema into 500s (default false). */
  readonly strict?: boolean | undefined
  /** Persist state here across restarts; a temporary directory (removed at shutdown) when omitted. */
  readonly dataDir?: string | undefined
  /**
   * Largest APPEND chunk (default 5,000,000 bytes: X's documented "5 MB", read as core reads it; one third-party
   * report saw X answer a 5 MiB v2 chunk with HTTP 431).
   */
  readonly maxChunkBytes?: number | undefined
  /** Seed of the fault-injection PRNG (default 1). */
  readonly faultsSeed?: number | undefined
  /**
   * Fault rules present from the start, in the admin API's JSON shape (e.g.
   * `[{ match: { operation: "media.append" }, count: 1, fault: { kind: "status", status: 503 } }]`); a reset restores
   * them. An invalid rule makes the layer die with the decode error.
   */
  readonly faults?: ReadonlyArray<FaultRule> | undefined
  /** Seconds a media id stays valid (default 86400). */
  readonly expiresAfterSecs?: number | undefined
}

/**
 * What {@link Service.issueTokens} issues for: every field optional.
 *
 * @since 0.1.0
 */
export interface IssueTokensOptions {
  /** The user the tokens act for (default {@link Identities.DEV_USER_ID}); must be one of the emulator's users. */
  readonly userId?: string | undefined
  /** The app whose OAuth 2.0 client may refresh them (default: the first app with a `clientId`). */
  readonly appId?: string | undefined
  /**
   * Scopes (default the dev token's: `media.write tweet.read tweet.write users.read offline.access`). As X, a refresh
   * token is issued only with `offline.access`.
   */
  readonly scopes?: ReadonlyArray<string> | undefined
  /** Seconds the access token is valid (default 7200, X's `expires_in`; `0`: expired at once, to exercise a refresh). */
  readonly expiresInSecs?: number | undefined
}

/**
 * A token pair the emulator issued (plain strings: emulator tokens are no secrets worth redacting in a test).
 *
 * @since 0.1.0
 */
export interface IssuedTokens {
  readonly accessToken: string
  /** Present when the scopes include `offline.access`. */
  readonly refreshToken: string | undefined
  readonly expiresInSecs: number
  /** The scopes, space-separated as X's `scope`. */
  readonly scope: string
}

/**
 * The running emulator.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  readonly url: string
  readonly port: number
  /** Directory of chunks, assembled files and (with `dataDir`) `state.json`. */
  readonly dataDir: string
  /** The emulator's version, as sent in `x-emulator: xmedia/<version>`. */
  readonly version: string
  /** One media record (owner, category, bytes received, sha256, processing history, subtitles, metadata). */
  readonly media: (id: string) => Effect.Effect<MediaRecord | undefined>
  readonly listMedia: Effect.Effect<ReadonlyArray<MediaRecord>>
  readonly posts: Effect.Effect<ReadonlyArray<PostRecord>>
  /** The request journal (never bytes or secrets). */
  readonly requests: Effect.Effect<ReadonlyArray<JournalEntry>>
  /** Sets the processing mode: default, per category, or per media id. */
  readonly setProcessing: (
    mode: ProcessingMode,
    target?: { readonly category: Ids.MediaCategory } | { readonly mediaId: string }
  ) => Effect.Effect<void>
  /**
   * Issues a new OAuth 2.0 (access, refresh) pair, as `POST /2/oauth2/token` would: the refresh token is usable once at
   * `POST /2/oauth2/token`. Dies when `userId` or `appId` names no configured user or app.
   */
  readonly issueTokens: (options?: IssueTokensOptions) => Effect.Effect<IssuedTokens>
  /** Makes an OAuth 2.0 access token (issued or configured) expire now: X's 401 from then on. `false` when unknown. */
  readonly expireAccessToken: (accessToken: string) => Effect.Effect<boolean>
  /**
   * Clears state, the journal, fault rules, rate windows, remembered OAuth nonces and issued OAuth 2.0 tokens in one
   * call (configured tokens come back as configured, their refresh tokens usable again).
   */
  readonly reset: Effect.Effect<void>
}

/**
 * Context tag of the running emulator.
 *
 * @since 0.1.0
 */
export class Emulator extends Context.Tag("@xmedia/emulator/Emulator")<Emulator, Service>() {}

/** All routes the emulator serves. */
const allRoutes: ReadonlyArray<Route> = [
  ...v2MediaRoutes,
  ...v2MediaExtraRoutes,
  ...v2PostRoutes,
  ...v1MediaRoutes,
  ...v1StatusRoutes,
  ...webPageRoutes
]

const keyringOf = (identities: Identities.Identities) => ({
  consumerSecret: (key: string) => Option.fromNullable(identities.apps.find((a) => a.consumerKey === key)?.consumerSecret),
  token: (token: string) =>
    Option.fromNullable(identities.oauth1Tokens.find((t) => t.accessToken === token)).pipe(
      Option.map((t) => ({
        secret: t.accessTokenSecret,
        userId: t.userId,
        consumerKey: identities.apps.find((a) => a.id === t.appId)?.consumerKey
      }))
    )
})

const settingsOf = (options: Options): ServerSettings => ({
  identities: options.identities ?? Identities.dev,
  maxChunkBytes: options.maxChunkBytes ?? 5_000_000,
  maxJsonBytes: 1024 * 1024,
  expiresAfterSecs: options.expiresAfterSecs ?? 86400,
  strict: options.strict ?? false,
  rateLimitScale: options.rateLimitScale ?? 1,
  faultsSeed: options.faultsSeed ?? 1
})

/**
 * Stops `server`: it takes no new connection, every open one is ended now (a request held by a `hang` fault or still
 * being served included: its client sees the connection close), and the effect completes once the server is closed.
 */
const closeServer = (server: http.Server): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  })

/**
 * Starts the emulator on 127.0.0.1 and provides {@link Emulator}. The server stops when the layer's scope closes:
 * every open connection is closed (a request held by a `hang` fault included) and a temporary data directory removed.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator> => {
  const settings = settingsOf(options)
  const base = Layer.mergeAll(
    storeLayer({
      dataDir: options.dataDir,
      expiresAfterSecs: settings.expiresAfterSecs,
      defaultProcessing: options.processing ?? afterPolls(2),
      processingByCategory: options.processingByCategory
    }),
    journalLayer(),
    Layer.succeed(Settings, settings),
    Layer.unwrapEffect(
      Effect.map(
        Schema.decodeUnknown(Schema.Array(FaultRuleSchema))(options.faults ?? []),
        (rules) => faultsLayer({ seed: settings.faultsSeed, rules })
      )
    ),
    rateLimitsLayer({ windowScale: settings.rateLimitScale, overrides: options.rateLimitOverrides }),
    oauth1Layer({ keyring: keyringOf(settings.identities) }),
    oauth2TokensLayer(settings.identities)
  ).pipe(Layer.provideMerge(NodeContext.layer))

  const serverLayer = Layer.merge(
    Layer.scoped(
      HttpServer.HttpServer,
      Effect.gen(function*() {
        const server = http.createServer({ keepAliveTimeout: 5_000 })
        const served = yield* NodeHttpServer.make(() => server, { port: options.port ?? 0, host: "127.0.0.1" })
        // added after make's release (server.close, which waits for every connection to end), so it runs first
        yield* Effect.addFinalizer(() => closeServer(server))
        return served
      })
    ),
    NodeHttpServer.layerContext
  )

  const serve = Layer.unwrapEffect(Effect.gen(function*() {
    const faults = yield* Faults
    const rateLimits = yield* RateLimits
    const journal = yield* Journal
    const oauth1 = yield* OAuth1Verifier
    const oauth2 = yield* OAuth2Tokens
    const admin = AdminRoutes.make({ version: VERSION, faults, rateLimits, journal, oauth1, oauth2 })
    const validator = settings.strict ? yield* Validator.make : undefined
    return HttpServer.serve(makeApp([...admin, ...oauth2Routes(oauth2), ...allRoutes], validator))
  }))

  const service = Layer.effect(
    Emulator,
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const state = yield* State
      const journal = yield* Journal
      const faults = yield* Faults
      const rateLimits = yield* RateLimits
      const oauth1 = yield* OAuth1Verifier
      const oauth2 = yield* OAuth2Tokens
      const { apps, users } = settings.identities
      const address = server.address
      const port = address._tag === "TcpAddress" ? address.port : 0
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        dataDir: state.dataDir,
        version: VERSION,
        media: state.getMedia,
        listMedia: state.listMedia,
        posts: state.listPosts,
        requests: journal.list,
        setProcessing: (mode, target) =>
          state.setProcessingMode(
            target === undefined
              ? { _tag: "default" }
              : "category" in target
              ? { _tag: "category", category: target.category }
              : { _tag: "media", mediaId: target.mediaId },
            mode
          ),
        issueTokens: (issue = {}) =>
          Effect.gen(function*() {
            const userId = issue.userId ?? Identities.DEV_USER_ID
            if (!users.some((u) => u.id === userId)) return yield* Effect.dieMessage(`issueTokens: no user ${userId}`)
            const app = issue.appId === undefined
              ? apps.find((a) => a.clientId !== undefined)
              : apps.find((a) => a.id === issue.appId)
            if (issue.appId !== undefined && app === undefined) {
              return yield* Effect.dieMessage(`issueTokens: no app ${issue.appId}`)
            }
            const scopes = issue.scopes ?? Identities.dev.oauth2Tokens[0]!.scopes
            const issued = yield* oauth2.issue({ userId, appId: app?.id, scopes }, issue.expiresInSecs)
            return {
              accessToken: issued.access_token,
              refreshToken: issued.refresh_token,
              expiresInSecs: issued.expires_in,
              scope: issued.scope
            } satisfies IssuedTokens
          }),
        expireAccessToken: oauth2.expire,
        reset: AdminRoutes.resetAll({ version: VERSION, faults, rateLimits, journal, oauth1, oauth2 }).pipe(
          Effect.provideService(State, state)
        )
      } satisfies Service
    })
  )

  return Layer.merge(serve, service).pipe(Layer.provide(serverLayer), Layer.provide(base), Layer.orDie)
}
