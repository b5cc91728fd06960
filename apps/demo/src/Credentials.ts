/**
 * Where the CLI talks to, and as whom, decided from the environment and the flags `--base-url`, `--real-x` and
 * `--token-file`.
 *
 * - OAuth 2.0 user context: `X_ACCESS_TOKEN`, optionally `X_REFRESH_TOKEN`, `X_CLIENT_ID`, `X_CLIENT_SECRET`.
 *   With a token file (`--token-file FILE` or `X_TOKEN_FILE`) the tokens X rotates at each refresh are written there
 *   (see {@link saveTokenFile}) and, when the file exists, read at start in preference to `X_ACCESS_TOKEN` and
 *   `X_REFRESH_TOKEN`: X uses a refresh token up when it answers a refresh, so after the first refresh the file holds
 *   the only refresh token that still works, and the environment's is spent.
 * - OAuth 1.0a user context: `X_CONSUMER_KEY`, `X_CONSUMER_SECRET`, `X_ACCESS_TOKEN`, `X_ACCESS_TOKEN_SECRET`
 *   (chosen when `X_CONSUMER_KEY` is set; all four are then required).
 * - Credentials present: real X (`https://api.x.com`), or `--base-url` when given.
 * - `--base-url` without credentials: that emulator, as the emulator's default dev identity.
 * - Neither: the embedded emulator, started in-process on 127.0.0.1 (the CLI says so).
 * - `--real-x` without credentials: bad input (exit 2) naming the variables to set.
 *
 * Secrets stay `Redacted` from the environment to the client.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import type { Auth } from "@xmedia/core"
import { Config, Effect, Option, Redacted, Schema } from "effect"
import * as crypto from "node:crypto"
import { BadInput } from "./Failure.js"

/**
 * The credentials found in the environment (secrets redacted).
 *
 * @since 0.1.0
 */
export type Found =
  | {
    readonly _tag: "OAuth2"
    readonly accessToken: Redacted.Redacted
    readonly refreshToken: Option.Option<Redacted.Redacted>
    readonly clientId: Option.Option<string>
    readonly clientSecret: Option.Option<Redacted.Redacted>
    /** When the access token expires, if known (from the token file). */
    readonly expiresAt: Option.Option<Date>
    /** Where rotated tokens are kept between runs (`--token-file` / `X_TOKEN_FILE`). */
    readonly tokenFile: Option.Option<string>
    /** Where the access and refresh tokens came from. */
    readonly source: "environment" | "token-file"
  }
  | {
    readonly _tag: "OAuth1"
    readonly consumerKey: Redacted.Redacted
    readonly consumerSecret: Redacted.Redacted
    readonly accessToken: Redacted.Redacted
    readonly accessTokenSecret: Redacted.Redacted
  }
  | { readonly _tag: "DevIdentity" }

/**
 * Where to send requests.
 *
 * @since 0.1.0
 */
export type Target =
  | {
    /** Start the emulator in-process and use its dev identity. */
    readonly _tag: "Embedded"
  }
  | {
    /** An explicit server: real X or an emulator given by `--base-url`. */
    readonly _tag: "Remote"
    readonly baseUrl: string
    readonly credentials: Found
    /** `x` when talking to api.x.com, `base-url` when `--base-url` chose the server. */
    readonly via: "x" | "base-url"
  }

/**
 * X's API host.
 *
 * @since 0.1.0
 */
export const X_BASE_URL = "https://api.x.com"

/**
 * The emulator's default dev identity OAuth 2.0 token (works on any xmedia emulator with no configuration).
 *
 * @since 0.1.0
 */
export const DEV_TOKEN = "xmedia-dev-token"

const optionalRedacted = (name: string) => Config.option(Config.redacted(name))
const optionalString = (name: string) => Config.option(Config.string(name))

const nonEmpty = <A>(o: Option.Option<A>, value: (a: A) => string): Option.Option<A> =>
  Option.filter(o, (a) => value(a).trim() !== "")

/**
 * Reads credentials from the environment (through `Config`, so tests can use a `ConfigProvider`).
 * Returns `None` when nothing is set; fails with `BadInput` when a set is incomplete.
 *
 * @since 0.1.0
 */
export const fromEnvironment: Effect.Effect<Option.Option<Found>, BadInput> = Effect.gen(function*() {
  const r = (name: string) =>
    optionalRedacted(name).pipe(Effect.map((o) => nonEmpty(o, (x) => Redacted.value(x))), Effect.orElseSucceed(Option.none))
  const s = (name: string) =>
    optionalString(name).pipe(Effect.map((o) => nonEmpty(o, (x) => x)), Effect.orElseSucceed(Option.none))
  const consumerKey = yield* r("X_CONSUMER_KEY")
  const consumerSecret = yield* r("X_CONSUMER_SECRET")
  const accessToken = yield* r("X_ACCESS_TOKEN")
  const accessTokenSecret = yield* r("X_ACCESS_TOKEN_SECRET")
  if (Option.isSome(consumerKey) || Option.isSome(consumerSecret) || Option.isSome(accessTokenSecret)) {
    const missing = [
      ["X_CONSUMER_KEY", consumerKey],
      ["X_CONSUMER_SECRET", consumerSecret],
      ["X_ACCESS_TOKEN", accessToken],
      ["X_ACCESS_TOKEN_SECRET", accessTokenSecret]
    ].filter(([, v]) => Option.isNone(v as Option.Option<unknown>)).map(([k]) => k as string)
    if (missing.length > 0) {
      return yield* new BadInput({
        message: `OAuth 1.0a needs all four values: set ${missing.join(", ")} (or unset the others to use OAuth 2.0)`
      })
    }
    return Option.some<Found>({
      _tag: "OAuth1",
      consumerKey: Option.getOrThrow(consumerKey),
      consumerSecret: Option.getOrThrow(consumerSecret),
      accessToken: Option.getOrThrow(accessToken),
      accessTokenSecret: Option.getOrThrow(accessTokenSecret)
    })
  }
  if (Option.isNone(accessToken)) return Option.none()
  return Option.some<Found>({
    _tag: "OAuth2",
    accessToken: accessToken.value,
    refreshToken: yield* r("X_REFRESH_TOKEN"),
    clientId: yield* s("X_CLIENT_ID"),
    clientSecret: yield* r("X_CLIENT_SECRET"),
    expiresAt: Option.none(),
    tokenFile: yield* s("X_TOKEN_FILE"),
    source: "environment"
  })
})

/**
 * Decides the target from the environment and the flags `--base-url`, `--real-x` and `--token-file` (which wins over
 * `X_TOKEN_FILE`; only OAuth 2.0 credentials use a token file). The token file is not read here: see
 * {@link loadTokenFile}.
 *
 * @since 0.1.0
 */
export const resolve = (flags: {
  readonly baseUrl: Option.Option<string>
  readonly realX: boolean
  readonly tokenFile?: Option.Option<string> | undefined
}): Effect.Effect<Target, BadInput> =>
  Effect.gen(function*() {
    const flagFile = Option.filter(flags.tokenFile ?? Option.none(), (f) => f.trim() !== "")
    const found = Option.map(
      yield* fromEnvironment,
      (f): Found => f._tag === "OAuth2" && Option.isSome(flagFile) ? { ...f, tokenFile: flagFile } : f
    )
    if (Option.isSome(flags.baseUrl)) {
      const url = flags.baseUrl.value
      if (!/^https?:\/\/[^/\s]+/.test(url)) {
        return yield* new BadInput({
          message: `--base-url "${url}" is not an http(s) URL: give e.g. http://127.0.0.1:4000`
        })
      }
      const isX = /^https:\/\/api\.(x|twitter)\.com\/?$/.test(url)
      if (isX && Option.isNone(found)) {
        return yield* new BadInput({ message: missingCredentials })
      }
      return {
        _tag: "Remote",
        baseUrl: url.replace(/\/+$/, ""),
        credentials: Option.getOrElse(found, (): Found => ({ _tag: "DevIdentity" })),
        via: "base-url"
      } satisfies Target
    }
    if (Option.isSome(found)) {
      return { _tag: "Remote", baseUrl: X_BASE_URL, credentials: found.value, via: "x" } satisfies Target
    }
    if (flags.realX) return yield* new BadInput({ message: missingCredentials })
    return { _tag: "Embedded" } satisfies Target
  })

const missingCredentials =
  "real X needs credentials: set X_ACCESS_TOKEN (OAuth 2.0 user token; optional X_REFRESH_TOKEN, X_CLIENT_ID, X_CLIENT_SECRET) or X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET (OAuth 1.0a)"

/**
 * One line describing the target, for the first line of output (never a secret).
 *
 * @since 0.1.0
 */
export const describe = (target: Target, embeddedUrl?: string): string => {
  if (target._tag === "Embedded") {
    return `No X credentials and no --base-url: using the embedded emulator${
      embeddedUrl ? ` at ${embeddedUrl}` : ""
    } (dev identity @xmedia_dev)`
  }
  const c = target.credentials
  const who = c._tag === "DevIdentity"
    ? "the emulator's dev identity"
    : c._tag === "OAuth2"
    ? c.source === "token-file"
      ? `OAuth 2.0 user token from the token file ${Option.getOrElse(c.tokenFile, () => "")}`
      : `OAuth 2.0 user token from X_ACCESS_TOKEN${
        Option.isSome(c.tokenFile) ? ` (rotated tokens kept in ${c.tokenFile.value})` : ""
      }`
    : "OAuth 1.0a user credentials from X_CONSUMER_KEY/X_ACCESS_TOKEN"
  return target.via === "x" ? `Using real X at ${target.baseUrl} as ${who}` : `Using ${target.baseUrl} as ${who}`
}

/**
 * The API base URL a remote target uses (`undefined` for the embedded emulator, whose URL changes every run).
 *
 * @since 0.1.0
 */
export const baseUrlOf = (target: Target): string | undefined =>
  target._tag === "Remote" ? target.baseUrl : undefined

/**
 * The JSON a token file holds: the tokens of the last refresh (`expires_at` is an ISO 8601 instant).
 *
 * @example
 * ```json
 * { "token_type": "bearer", "access_token": "...", "refresh_token": "...", "expires_at": "2026-11-23T10:00:00.000Z" }
 * ```
 *
 * @since 0.1.0
 */
export const TokenFile = Schema.Struct({
  token_type: Schema.optional(Schema.Literal("bearer")),
  access_token: Schema.NonEmptyTrimmedString,
  refresh_token: Schema.optional(Schema.NonEmptyTrimmedString),
  expires_at: Schema.optional(Schema.Date)
})
/** @since 0.1.0 */
export type TokenFile = typeof TokenFile.Type

const unusableTokenFile = (file: string, why: string) =>
  new BadInput({
    message: `the token file ${file} ${why}: delete it to start again from X_ACCESS_TOKEN and X_REFRESH_TOKEN`
  })

/**
 * Reads the target's token file, when it uses OAuth 2.0 with one and the file exists: its tokens replace
 * `X_ACCESS_TOKEN` and `X_REFRESH_TOKEN` (the environment's refresh token is used up once a refresh has been saved
 * there). No file yet: the environment's tokens. A file that cannot be read or is not a token file is bad input
 * naming the file (never its contents, which are secrets).
 *
 * @since 0.1.0
 */
export const loadTokenFile: (target: Target) => Effect.Effect<Target, BadInput, FileSystem.FileSystem> = Effect.fn(
  "Credentials.loadTokenFile"
)(
  function*(target: Target) {
    if (target._tag !== "Remote" || target.credentials._tag !== "OAuth2") return target
    const found = target.credentials
    if (Option.isNone(found.tokenFile)) return target
    const file = found.tokenFile.value
    const fs = yield* FileSystem.FileSystem
    const exists = yield* fs.exists(file).pipe(Effect.mapError(() => unusableTokenFile(file, "cannot be read")))
    if (!exists) return target
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((e) => unusableTokenFile(file, `cannot be read (${e._tag === "SystemError" ? e.reason : e._tag})`))
    )
    // no decode detail in the message: it could quote the file, and the file holds secrets
    const stored = yield* Schema.decodeUnknown(Schema.parseJson(TokenFile))(text).pipe(
      Effect.mapError(() => unusableTokenFile(file, "is not a token file (JSON with access_token and refresh_token)"))
    )
    return {
      ...target,
      credentials: {
        ...found,
        accessToken: Redacted.make(stored.access_token),
        refreshToken: stored.refresh_token === undefined
          ? found.refreshToken
          : Option.some(Redacted.make(stored.refresh_token)),
        expiresAt: Option.fromNullable(stored.expires_at),
        source: "token-file"
      }
    } satisfies Target
  }
)

/**
 * Writes rotated tokens to `file` atomically and privately: a new file in the same directory (created if needed,
 * mode 0700), opened exclusively with mode 0600, then renamed over `file`, so a reader sees the old tokens or the new
 * ones, never half a file, and no other user can read them at any point.
 *
 * @since 0.1.0
 */
export const saveTokenFile = Effect.fn("Credentials.saveTokenFile")(
  function*(file: string, tokens: Auth.RefreshedTokens) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.dirname(path.resolve(file))
    yield* fs.makeDirectory(dir, { recursive: true, mode: 0o700 })
    const body: typeof TokenFile.Encoded = {
      token_type: "bearer",
      access_token: Redacted.value(tokens.accessToken),
      ...(tokens.refreshToken === undefined ? {} : { refresh_token: Redacted.value(tokens.refreshToken) }),
      ...(tokens.expiresAt === undefined ? {} : { expires_at: tokens.expiresAt.toISOString() })
    }
    const temp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString("hex")}.tmp`)
    yield* fs.writeFileString(temp, `${JSON.stringify(body, null, 2)}\n`, { flag: "wx", mode: 0o600 })
    yield* fs.rename(temp, path.resolve(file)).pipe(
      Effect.tapError(() => fs.remove(temp).pipe(Effect.ignore))
    )
  }
)
