/**
 * Where the CLI talks to, and as whom, decided from the environment and two flags.
 *
 * - OAuth 2.0 user context: `X_ACCESS_TOKEN`, optionally `X_REFRESH_TOKEN`, `X_CLIENT_ID`, `X_CLIENT_SECRET`.
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
import { Config, Effect, Option, Redacted } from "effect"
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
    clientSecret: yield* r("X_CLIENT_SECRET")
  })
})

/**
 * Decides the target from the environment and the flags `--base-url` and `--real-x`.
 *
 * @since 0.1.0
 */
export const resolve = (flags: {
  readonly baseUrl: Option.Option<string>
  readonly realX: boolean
}): Effect.Effect<Target, BadInput> =>
  Effect.gen(function*() {
    const found = yield* fromEnvironment
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
  const who = target.credentials._tag === "DevIdentity"
    ? "the emulator's dev identity"
    : target.credentials._tag === "OAuth2"
    ? "OAuth 2.0 user token from X_ACCESS_TOKEN"
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
