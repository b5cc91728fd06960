/**
 * Who the emulator knows: users, apps and their credentials.
 *
 * A default dev identity works with no configuration (like LocalStack's `test`/`test`):
 *
 * | what | value |
 * | --- | --- |
 * | user id / username | `1000000000000000001` / `xmedia_dev` |
 * | OAuth 2.0 user token | `xmedia-dev-token` (scopes `media.write tweet.read tweet.write users.read offline.access`; never expires) |
 * | OAuth 2.0 refresh token | `xmedia-dev-refresh-token` (usable once, as X's; a reset makes it usable again) |
 * | OAuth 2.0 client id / secret | `xmedia-dev-client-id` / `xmedia-dev-client-secret` (a confidential client) |
 * | OAuth 1.0a consumer key / secret | `xmedia-dev-consumer-key` / `xmedia-dev-consumer-secret` |
 * | OAuth 1.0a access token / secret | `1000000000000000001-xmedia-dev-access-token` / `xmedia-dev-access-token-secret` |
 * | app id / app-only bearer token | `1000000000000000100` / `xmedia-dev-app-token` |
 *
 * More users, apps and tokens come from a JSON file (`--config FILE`) decoded with {@link IdentitiesFile}; they
 * are added to the dev identity unless `"includeDev": false`. The same file may set `faults`, `faultsSeed` and
 * `rateLimitOverrides` ({@link parseConfig} returns them with the identities).
 *
 * @example
 * ```json
 * { "users": [{ "id": "2000000000000000002", "username": "other" }],
 *   "oauth2Tokens": [{ "token": "other-token", "userId": "2000000000000000002",
 *                      "scopes": ["media.write", "tweet.read", "tweet.write", "users.read"] }] }
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import * as FaultsInternal from "./internal/faults.js"

const Snowflake = Schema.String.pipe(Schema.pattern(/^[0-9]{1,19}$/))

/**
 * A user account.
 *
 * @since 0.1.0
 */
export const User = Schema.Struct({
  id: Snowflake,
  username: Schema.String,
  name: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type User = typeof User.Type

/**
 * A developer app: its OAuth 1.0a consumer credentials, an optional app-only bearer token, and its optional OAuth 2.0
 * client credentials for `POST /2/oauth2/token` (`clientId`; with `clientSecret` it is a confidential client, which
 * must authenticate with HTTP Basic, as X requires).
 *
 * @since 0.1.0
 */
export const App = Schema.Struct({
  id: Snowflake,
  name: Schema.String,
  consumerKey: Schema.String,
  consumerSecret: Schema.String,
  bearerToken: Schema.optional(Schema.String),
  clientId: Schema.optional(Schema.String),
  clientSecret: Schema.optional(Schema.String)
})
/** @since 0.1.0 */
export type App = typeof App.Type

/**
 * An OAuth 2.0 user access token with its scopes; optionally the refresh token issued with it (usable once at
 * `POST /2/oauth2/token`; needs the `offline.access` scope, as X issues refresh tokens only with it) and its expiry
 * (`expiresAt`, epoch ms on the emulator's clock; absent: it never expires; `0`: it is expired from the start).
 *
 * @example
 * ```json
 * { "token": "expired-token", "refreshToken": "first-refresh-token", "userId": "1000000000000000001",
 *   "appId": "1000000000000000100", "expiresAt": 0,
 *   "scopes": ["media.write", "tweet.read", "tweet.write", "users.read", "offline.access"] }
 * ```
 *
 * @since 0.1.0
 */
export const OAuth2Token = Schema.Struct({
  token: Schema.String,
  userId: Snowflake,
  appId: Schema.optional(Snowflake),
  scopes: Schema.Array(Schema.String),
  refreshToken: Schema.optional(Schema.String),
  expiresAt: Schema.optional(Schema.Number)
}).pipe(
  Schema.filter((t) =>
    t.refreshToken === undefined || t.scopes.includes("offline.access") ||
    `token ${t.token}: a refresh token needs the offline.access scope`
  )
)
/** @since 0.1.0 */
export type OAuth2Token = typeof OAuth2Token.Type

/**
 * An OAuth 1.0a user access token (belongs to one app's consumer key).
 *
 * @since 0.1.0
 */
export const OAuth1Token = Schema.Struct({
  accessToken: Schema.String,
  accessTokenSecret: Schema.String,
  userId: Snowflake,
  appId: Schema.optional(Snowflake)
})
/** @since 0.1.0 */
export type OAuth1Token = typeof OAuth1Token.Type

const Window = Schema.Struct({
  limit: Schema.Int.pipe(Schema.nonNegative()),
  windowSeconds: Schema.Number.pipe(Schema.positive())
})

/**
 * A per-operation rate-limit override in the config file: a window per user and/or per app.
 *
 * @since 0.1.0
 */
export const RateLimitOverride = Schema.Struct({
  user: Schema.optionalWith(Window, { exact: true }),
  app: Schema.optionalWith(Window, { exact: true })
})

/**
 * The JSON shape of `--config FILE` (every list optional): identities, and optionally fault rules, the fault seed and
 * rate-limit overrides.
 *
 * @since 0.1.0
 */
export const IdentitiesFile = Schema.Struct({
  includeDev: Schema.optional(Schema.Boolean),
  users: Schema.optional(Schema.Array(User)),
  apps: Schema.optional(Schema.Array(App)),
  oauth2Tokens: Schema.optional(Schema.Array(OAuth2Token)),
  oauth1Tokens: Schema.optional(Schema.Array(OAuth1Token)),
  /** Fault rules present from the start (same shape as `POST /_emulator/faults`); restored by a reset. */
  faults: Schema.optional(Schema.Array(FaultsInternal.FaultRule)),
  /** Seed of the fault-injection PRNG (default 1). */
  faultsSeed: Schema.optional(Schema.Int),
  /** Per-operation rate-limit windows, e.g. `{"posts.create": {"user": {"limit": 2, "windowSeconds": 900}}}`. */
  rateLimitOverrides: Schema.optional(Schema.Record({ key: Schema.String, value: RateLimitOverride }))
})
/** @since 0.1.0 */
export type IdentitiesFile = typeof IdentitiesFile.Type

/**
 * The resolved set of identities the emulator serves.
 *
 * @since 0.1.0
 */
export interface Identities {
  readonly users: ReadonlyArray<User>
  readonly apps: ReadonlyArray<App>
  readonly oauth2Tokens: ReadonlyArray<OAuth2Token>
  readonly oauth1Tokens: ReadonlyArray<OAuth1Token>
}

/** The dev user's id. @since 0.1.0 */
export const DEV_USER_ID = "1000000000000000001"
/** The dev app's id. @since 0.1.0 */
export const DEV_APP_ID = "1000000000000000100"
/** The dev OAuth 2.0 user token. @since 0.1.0 */
export const DEV_OAUTH2_TOKEN = "xmedia-dev-token"
/** The dev OAuth 2.0 refresh token (issued with {@link DEV_OAUTH2_TOKEN}; usable once until a reset). @since 0.1.0 */
export const DEV_OAUTH2_REFRESH_TOKEN = "xmedia-dev-refresh-token"
/** The dev app's OAuth 2.0 client credentials (a confidential client: HTTP Basic at the token endpoint). @since 0.1.0 */
export const DEV_OAUTH2_CLIENT = {
  clientId: "xmedia-dev-client-id",
  clientSecret: "xmedia-dev-client-secret"
} as const
/** The dev app-only bearer token (refused on writes, as X refuses it). @since 0.1.0 */
export const DEV_APP_BEARER_TOKEN = "xmedia-dev-app-token"
/** The dev OAuth 1.0a credentials. @since 0.1.0 */
export const DEV_OAUTH1 = {
  consumerKey: "xmedia-dev-consumer-key",
  consumerSecret: "xmedia-dev-consumer-secret",
  accessToken: "1000000000000000001-xmedia-dev-access-token",
  accessTokenSecret: "xmedia-dev-access-token-secret"
} as const

/**
 * The default dev identity (see the module doc).
 *
 * @since 0.1.0
 */
export const dev: Identities = {
  users: [{ id: DEV_USER_ID, username: "xmedia_dev", name: "xmedia dev" }],
  apps: [{
    id: DEV_APP_ID,
    name: "xmedia-dev-app",
    consumerKey: DEV_OAUTH1.consumerKey,
    consumerSecret: DEV_OAUTH1.consumerSecret,
    bearerToken: DEV_APP_BEARER_TOKEN,
    clientId: DEV_OAUTH2_CLIENT.clientId,
    clientSecret: DEV_OAUTH2_CLIENT.clientSecret
  }],
  oauth2Tokens: [{
    token: DEV_OAUTH2_TOKEN,
    userId: DEV_USER_ID,
    appId: DEV_APP_ID,
    scopes: ["media.write", "tweet.read", "tweet.write", "users.read", "offline.access"],
    refreshToken: DEV_OAUTH2_REFRESH_TOKEN
  }],
  oauth1Tokens: [{
    accessToken: DEV_OAUTH1.accessToken,
    accessTokenSecret: DEV_OAUTH1.accessTokenSecret,
    userId: DEV_USER_ID,
    appId: DEV_APP_ID
  }]
}

/**
 * Merges a decoded config file with the dev identity (unless `includeDev: false`).
 *
 * @since 0.1.0
 */
export const fromFile = (file: IdentitiesFile): Identities => {
  const base: Identities = file.includeDev === false
    ? { users: [], apps: [], oauth2Tokens: [], oauth1Tokens: [] }
    : dev
  return {
    users: [...base.users, ...(file.users ?? [])],
    apps: [...base.apps, ...(file.apps ?? [])],
    oauth2Tokens: [...base.oauth2Tokens, ...(file.oauth2Tokens ?? [])],
    oauth1Tokens: [...base.oauth1Tokens, ...(file.oauth1Tokens ?? [])]
  }
}

/**
 * Everything a config file sets: identities (merged with the dev identity) plus the server options it may carry.
 *
 * @since 0.1.0
 */
export interface Config {
  readonly identities: Identities
  readonly faults: ReadonlyArray<FaultsInternal.FaultRuleInput>
  readonly faultsSeed: number | undefined
  readonly rateLimitOverrides: Readonly<Record<string, typeof RateLimitOverride.Type>> | undefined
}

/**
 * Decodes a config file's JSON text into a {@link Config} (identities, fault rules, fault seed, rate-limit overrides).
 *
 * @example
 * ```ts
 * const config = yield* Identities.parseConfig(text)
 * const layer = Emulator.layer({ identities: config.identities, faults: config.faults, faultsSeed: config.faultsSeed })
 * ```
 *
 * @since 0.1.0
 */
export const parseConfig = (text: string) =>
  Schema.decodeUnknown(Schema.parseJson(IdentitiesFile))(text).pipe(
    Effect.map((file): Config => ({
      identities: fromFile(file),
      faults: (file.faults ?? []).map((rule) => Schema.encodeSync(FaultsInternal.FaultRule)(rule)),
      faultsSeed: file.faultsSeed,
      rateLimitOverrides: file.rateLimitOverrides
    }))
  )

/**
 * Decodes a config file's JSON text into {@link Identities}.
 *
 * @since 0.1.0
 */
export const parseJson = (text: string) =>
  Schema.decodeUnknown(Schema.parseJson(IdentitiesFile))(text).pipe(Effect.map(fromFile))
