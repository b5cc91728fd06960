/**
 * The X client service: base URLs, credentials, retry policies and the `HttpClient` every endpoint function uses.
 *
 * Core never picks an HTTP implementation: provide `HttpClient.HttpClient` at the edge (`FetchHttpClient.layer`,
 * `NodeHttpClient.layer`, `NodeHttpClient.layerUndici`, or `NodeTransport.layer()` from `@xmedia/node`): multipart
 * bodies are framed by core into one `Uint8Array`, so no client's `FormData` support is needed.
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { XClient } from "@xmedia/core"
 *
 * const XLive = XClient.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { HttpClient } from "@effect/platform"
import { Config, ConfigError, Context, Duration, Effect, Either, Layer, Option, Ref } from "effect"
import * as Auth from "./Auth.js"
import { makeAuthorizer } from "./internal/auth.js"
import * as Deadline from "./internal/deadline.js"
import type * as RateLimit from "./RateLimit.js"
import type * as Retry from "./Retry.js"

/**
 * Per-client retry overrides. `byEndpoint` keys are endpoint function names such as `"MediaUpload.append"` or
 * `"Posts.create"`.
 *
 * @since 0.1.0
 */
export interface RetryOptions {
  readonly default?: Retry.Policy | undefined
  readonly byEndpoint?: Readonly<Record<string, Retry.Policy>> | undefined
}

/**
 * Options of `XClient.layer`.
 *
 * @since 0.1.0
 */
export interface Options {
  /** v2 API base URL (default `https://api.x.com`). Point it at the emulator in tests. */
  readonly baseUrl?: string | undefined
  /** v1.1 upload host (default `https://upload.twitter.com`). */
  readonly uploadBaseUrl?: string | undefined
  readonly auth: Auth.Credentials
  readonly retry?: RetryOptions | undefined
  /** Told about the rate-limit headers of every response. */
  readonly onRateLimit?: RateLimit.Listener | undefined
  /** Per-attempt timeout (default 5 minutes); a timeout is `XError.Transport` with reason `Timeout`. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Reshape the underlying `HttpClient` (e.g. add tracing propagation or a proxy). */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/**
 * The service held by the `XClient` tag.
 *
 * @since 0.1.0
 */
export interface Service {
  readonly httpClient: HttpClient.HttpClient
  readonly baseUrl: string
  readonly uploadBaseUrl: string
  readonly authorizer: Auth.Authorizer
  readonly retry: RetryOptions
  readonly requestTimeout: Duration.DurationInput
  /**
   * `true` when the HTTP transport enforces `requestTimeout` itself (it offered `TransportDeadlines`): the request
   * pipeline then runs no timeout of its own.
   */
  readonly requestTimeoutByTransport: boolean
  readonly onRateLimit: RateLimit.Listener | undefined
  /** The last rate-limit info seen, per endpoint name. */
  readonly rateLimits: Ref.Ref<ReadonlyMap<string, RateLimit.Info>>
}

/**
 * The `XClient` service tag.
 *
 * @since 0.1.0
 */
export class XClient extends Context.Tag("@xmedia/core/XClient")<XClient, Service>() {}

const trimSlash = (url: string) => url.replace(/\/+$/, "")

/**
 * What an HTTP transport may offer beside its `HttpClient`: the same client with a deadline on every request,
 * enforced by the transport (e.g. a timer per request that destroys it with a `TimeoutError`, which maps to
 * `XError.Transport { reason: "Timeout" }`). When it is there, `XClient.make` sends through
 * `withTimeout(requestTimeout)` and the request pipeline runs no timeout of its own (no fiber per attempt, no
 * watcher). `NodeTransport.layer` from `@xmedia/node` provides it (by this key; neither package imports the other).
 *
 * @since 0.1.0
 */
export interface TransportDeadlinesService {
  /** The client whose every request must end (last byte of the response body read) within `timeoutMs`. */
  readonly withTimeout: (timeoutMs: number) => HttpClient.HttpClient
}

/**
 * The `TransportDeadlines` service tag (optional).
 *
 * @since 0.1.0
 */
export class TransportDeadlines
  extends Context.Tag("@xmedia/core/TransportDeadlines")<TransportDeadlines, TransportDeadlinesService>()
{}

/**
 * Builds the service from options, using the `HttpClient` in context.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const requestTimeout = options.requestTimeout ?? "5 minutes"
    // a timeout that is not a positive duration fails every call with InvalidInput (the pipeline checks it)
    const timeoutMs = Deadline.millisOf(requestTimeout)
    const deadlines = Number.isFinite(timeoutMs) && timeoutMs > 0
      ? Option.getOrUndefined(yield* Effect.serviceOption(TransportDeadlines))
      : undefined
    const base = deadlines !== undefined ? deadlines.withTimeout(timeoutMs) : yield* HttpClient.HttpClient
    const httpClient = options.transformClient ? options.transformClient(base) : base
    const baseUrl = trimSlash(options.baseUrl ?? "https://api.x.com")
    const authorizer = yield* makeAuthorizer(options.auth, { httpClient, baseUrl, requestTimeout })
    const rateLimits = yield* Ref.make<ReadonlyMap<string, RateLimit.Info>>(new Map())
    return {
      httpClient,
      baseUrl,
      uploadBaseUrl: trimSlash(options.uploadBaseUrl ?? "https://upload.twitter.com"),
      authorizer,
      retry: options.retry ?? {},
      requestTimeout,
      requestTimeoutByTransport: deadlines !== undefined,
      onRateLimit: options.onRateLimit,
      rateLimits
    }
  })

/**
 * A layer from options.
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<XClient, never, HttpClient.HttpClient> =>
  Layer.effect(XClient, make(options))

/**
 * Reads credentials and URLs from `Config` (environment variables by default):
 *
 * - OAuth 1.0a when `X_CONSUMER_KEY`, `X_CONSUMER_SECRET`, `X_ACCESS_TOKEN` and `X_ACCESS_TOKEN_SECRET` are all set
 *   (setting `X_CONSUMER_KEY`, `X_CONSUMER_SECRET` or `X_ACCESS_TOKEN_SECRET` without the other three is a
 *   `ConfigError` naming the missing ones, never a silent fall back to OAuth 2.0);
 * - else `X_ACCESS_TOKEN` (OAuth 2.0 user token, redacted), optional `X_REFRESH_TOKEN`, `X_CLIENT_ID`,
 *   `X_CLIENT_SECRET`, `X_TOKEN_EXPIRES_AT` (ISO date);
 * - else `X_BEARER_TOKEN` (app-only, reads only);
 * - optional `X_BASE_URL`, `X_UPLOAD_BASE_URL`.
 *
 * @since 0.1.0
 */
export const config: Config.Config<Options> = Config.all({
  accessToken: Config.option(Config.redacted("X_ACCESS_TOKEN")),
  refreshToken: Config.option(Config.redacted("X_REFRESH_TOKEN")),
  clientId: Config.option(Config.string("X_CLIENT_ID")),
  clientSecret: Config.option(Config.redacted("X_CLIENT_SECRET")),
  expiresAt: Config.option(Config.date("X_TOKEN_EXPIRES_AT")),
  bearerToken: Config.option(Config.redacted("X_BEARER_TOKEN")),
  consumerKey: Config.option(Config.redacted("X_CONSUMER_KEY")),
  consumerSecret: Config.option(Config.redacted("X_CONSUMER_SECRET")),
  accessTokenSecret: Config.option(Config.redacted("X_ACCESS_TOKEN_SECRET")),
  baseUrl: Config.option(Config.string("X_BASE_URL")),
  uploadBaseUrl: Config.option(Config.string("X_UPLOAD_BASE_URL"))
}).pipe(
  Config.mapOrFail((c) => {
    const common = {
      baseUrl: Option.getOrUndefined(c.baseUrl),
      uploadBaseUrl: Option.getOrUndefined(c.uploadBaseUrl)
    }
    const oauth1: ReadonlyArray<readonly [string, Option.Option<unknown>]> = [
      ["X_CONSUMER_KEY", c.consumerKey],
      ["X_CONSUMER_SECRET", c.consumerSecret],
      ["X_ACCESS_TOKEN", c.accessToken],
      ["X_ACCESS_TOKEN_SECRET", c.accessTokenSecret]
    ]
    const missing = oauth1.filter(([, value]) => Option.isNone(value)).map(([name]) => name)
    // X_ACCESS_TOKEN alone is OAuth 2.0; any of the three OAuth 1.0a-only variables asks for OAuth 1.0a.
    const wantsOAuth1 = Option.isSome(c.consumerKey) || Option.isSome(c.consumerSecret) ||
      Option.isSome(c.accessTokenSecret)
    if (wantsOAuth1 && missing.length > 0) {
      return Either.left(
        ConfigError.MissingData(
          [missing[0]!],
          `OAuth 1.0a needs X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET; ` +
            `missing: ${missing.join(", ")}. Set them all, or unset the OAuth 1.0a ones to use OAuth 2.0`
        )
      )
    }
    if (
      Option.isSome(c.accessToken) && Option.isSome(c.accessTokenSecret) && Option.isSome(c.consumerKey) &&
      Option.isSome(c.consumerSecret)
    ) {
      return Either.right<Options>({
        ...common,
        auth: Auth.oauth1User({
          consumerKey: c.consumerKey.value,
          consumerSecret: c.consumerSecret.value,
          accessToken: c.accessToken.value,
          accessTokenSecret: c.accessTokenSecret.value
        })
      })
    }
    if (Option.isSome(c.accessToken)) {
      return Either.right<Options>({
        ...common,
        auth: Auth.oauth2User({
          accessToken: c.accessToken.value,
          refreshToken: Option.getOrUndefined(c.refreshToken),
          clientId: Option.getOrUndefined(c.clientId),
          clientSecret: Option.getOrUndefined(c.clientSecret),
          expiresAt: Option.getOrUndefined(c.expiresAt)
        })
      })
    }
    if (Option.isSome(c.bearerToken)) {
      return Either.right<Options>({ ...common, auth: Auth.appOnly({ bearerToken: c.bearerToken.value }) })
    }
    return Either.left(
      ConfigError.MissingData(
        ["X_ACCESS_TOKEN"],
        "Set X_ACCESS_TOKEN (OAuth 2.0 user token) or X_BEARER_TOKEN (app-only, reads only)"
      )
    )
  })
)

/**
 * A layer whose options come from `Config` (see `XClient.config`); `extra` adds options Config cannot express
 * (retry policies, listeners, and `onRefresh` for OAuth 2.0 credentials, which receives the rotated tokens).
 *
 * @example
 * ```ts
 * XClient.layerConfig({ onRefresh: (tokens) => saveTokens(tokens) }) // store tokens.refreshToken for the next run
 * ```
 *
 * @since 0.1.0
 */
export const layerConfig = (
  extra?: Omit<Options, "auth" | "baseUrl" | "uploadBaseUrl"> & {
    readonly onRefresh?: Auth.OAuth2User["onRefresh"]
  },
  source: Config.Config<Options> = config
): Layer.Layer<XClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    XClient,
    Effect.flatMap(source, (options) => {
      const { onRefresh, ...rest } = extra ?? {}
      const auth = options.auth._tag === "OAuth2User" && onRefresh !== undefined
        ? { ...options.auth, onRefresh }
        : options.auth
      return make({ ...rest, ...options, auth })
    })
  )

/**
 * The last rate-limit info seen for an endpoint (by function name, e.g. `"MediaUpload.append"`).
 *
 * @since 0.1.0
 */
export const lastRateLimit = (endpoint: string): Effect.Effect<Option.Option<RateLimit.Info>, never, XClient> =>
  Effect.flatMap(XClient, (client) =>
    Effect.map(Ref.get(client.rateLimits), (map) => Option.fromNullable(map.get(endpoint))))
