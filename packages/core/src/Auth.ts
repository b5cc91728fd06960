/**
 * Credentials for X: an OAuth 2.0 user token (with optional automatic refresh), OAuth 1.0a user credentials, or an
 * app-only bearer token.
 *
 * Every secret is a `Redacted`, so it never shows up in logs, spans, errors or snapshots.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Auth } from "@xmedia/core"
 *
 * const credentials = Auth.oauth2User({
 *   accessToken: Redacted.make(process.env.X_ACCESS_TOKEN!),
 *   refreshToken: Redacted.make(process.env.X_REFRESH_TOKEN!),
 *   clientId: "my-client-id"
 * })
 * ```
 *
 * @since 0.1.0
 */
import type { HttpClientRequest } from "@effect/platform"
import type { Effect, Redacted } from "effect"
import type * as OAuth1 from "./OAuth1.js"
import type * as XError from "./XError.js"

/**
 * OAuth 2.0 user context (authorization code + PKCE). With `refreshToken` and `clientId` the client refreshes the
 * access token via `POST /2/oauth2/token` about 60 s before `expiresAt`, and once after a 401. With
 * `clientSecret` (confidential clients) the refresh uses HTTP Basic auth. X rotates the refresh token on every
 * refresh: `onRefresh` receives the new tokens, so an app that keeps them between runs can store them.
 *
 * @example
 * ```ts
 * const auth = Auth.oauth2User({
 *   accessToken, refreshToken, clientId: "my-client-id", expiresAt,
 *   onRefresh: (tokens) => saveTokens(tokens) // an Effect<void>: store tokens.refreshToken
 * })
 * ```
 *
 * @since 0.1.0
 */
export interface OAuth2User {
  readonly _tag: "OAuth2User"
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken?: Redacted.Redacted<string> | undefined
  readonly clientId?: string | undefined
  readonly clientSecret?: Redacted.Redacted<string> | undefined
  readonly expiresAt?: Date | undefined
  /** Told about every successful refresh, once its tokens are in use (its own failures are not the call's). */
  readonly onRefresh?: ((tokens: RefreshedTokens) => Effect.Effect<void>) | undefined
}

/**
 * App-only bearer token: accepted by X only for reads such as `GET /2/media/{media_key}`. Every media write fails
 * fast with `XError.AppOnlyNotAllowed` and no network call.
 *
 * @since 0.1.0
 */
export interface AppOnly {
  readonly _tag: "AppOnly"
  readonly bearerToken: Redacted.Redacted<string>
}

/**
 * OAuth 1.0a user context (consumer key/secret + access token/secret, all `Redacted`): every request, v2 and v1.1,
 * is signed with HMAC-SHA1 (see `OAuth1`). The only kind X's v1.1 media endpoints (`MediaV1`) accept.
 *
 * @since 0.1.0
 */
export interface OAuth1User extends OAuth1.Credentials {
  readonly _tag: "OAuth1User"
}

/**
 * The credentials a client can hold.
 *
 * @since 0.1.0
 */
export type Credentials = OAuth2User | AppOnly | OAuth1User

/**
 * OAuth 2.0 user credentials.
 *
 * @since 0.1.0
 */
export const oauth2User = (options: Omit<OAuth2User, "_tag">): OAuth2User => ({ _tag: "OAuth2User", ...options })

/**
 * App-only bearer credentials.
 *
 * @since 0.1.0
 */
export const appOnly = (options: Omit<AppOnly, "_tag">): AppOnly => ({ _tag: "AppOnly", ...options })

/**
 * OAuth 1.0a user credentials.
 *
 * @example
 * ```ts
 * const credentials = Auth.oauth1User({
 *   consumerKey: Redacted.make("..."), consumerSecret: Redacted.make("..."),
 *   accessToken: Redacted.make("..."), accessTokenSecret: Redacted.make("...")
 * })
 * ```
 *
 * @since 0.1.0
 */
export const oauth1User = (options: Omit<OAuth1User, "_tag">): OAuth1User => ({ _tag: "OAuth1User", ...options })

/**
 * What the pipeline needs to know about the call it authorizes.
 *
 * @since 0.1.0
 */
export interface AuthorizeContext {
  /** Endpoint name, e.g. `"MediaUpload.append"`. */
  readonly endpoint: string
  /** `true` when the endpoint needs a user (every media write, posts, `users/me`). */
  readonly userContext: boolean
  /**
   * Body parameters that take part in a signature (only `application/x-www-form-urlencoded` bodies; OAuth 1.0a).
   */
  readonly formParams?: ReadonlyArray<readonly [string, string]> | undefined
}

/**
 * Adds credentials to requests. `authorize` returns the signed request and a generation number; after a 401 the
 * pipeline calls `refresh(generation)` once, which answers whether a fresh credential is now available (refreshed by
 * this call or by a concurrent one).
 *
 * @since 0.1.0
 */
export interface Authorizer {
  readonly kind: Credentials["_tag"]
  readonly authorize: (
    request: HttpClientRequest.HttpClientRequest,
    context: AuthorizeContext
  ) => Effect.Effect<
    { readonly request: HttpClientRequest.HttpClientRequest; readonly generation: number },
    XError.AppOnlyNotAllowed | RefreshError
  >
  readonly refresh: (generation: number) => Effect.Effect<boolean, RefreshError>
}

/**
 * Why an OAuth 2.0 token refresh failed: `TokenRefreshFailed` when X refused the refresh token (re-authorize the
 * user), `Transport` or `ServerError` when the token endpoint could not answer (transient: retried like any call),
 * `InvalidInput` when its URL is not valid (the client's `baseUrl`).
 *
 * @since 0.1.0
 */
export type RefreshError = XError.TokenRefreshFailed | XError.Transport | XError.ServerError | XError.InvalidInput

/**
 * The tokens a refresh produced, for `OAuth2User.onRefresh`. X rotates refresh tokens: the old one is used up, so an
 * app that keeps tokens between runs must store the new `refreshToken`.
 *
 * @since 0.1.0
 */
export interface RefreshedTokens {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string> | undefined
  readonly expiresAt: Date | undefined
}
