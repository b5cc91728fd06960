/**
 * OAuth 1.0a (HMAC-SHA1) verification, as X does it for user-context requests.
 *
 * - The signature base string follows RFC 5849 §3.4.1: method, base string URI, normalized parameters (the
 *   `oauth_*` header parameters except `oauth_signature` and `realm`, the query parameters and, for
 *   `application/x-www-form-urlencoded` bodies only, the body parameters). Multipart and JSON bodies are excluded,
 *   as X's v1.1 upload docs say.
 * - The base string URI may be the request's own URL or the same path on one of X's public hosts (http or https), so
 *   a client written for production and redirected at the transport level still verifies.
 * - The timestamp must lie within a window of the server clock (`Clock`, so tests use `TestClock`); a nonce may be
 *   used once per consumer key and token while its timestamp is inside the window.
 *
 * Failures map to X's 401 bodies: v1.1 `{"errors":[{"code":32,"message":"Could not authenticate you."}]}` (code 135
 * for a timestamp out of bounds, 215 for a header that is not OAuth at all) and the v2 problem
 * `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`.
 *
 * @internal
 */
import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"

/** X's public hosts a production client signs against. @internal */
export const publicHosts: ReadonlyArray<string> = ["api.x.com", "api.twitter.com", "upload.x.com", "upload.twitter.com"]

/** Default timestamp window, in seconds either side of the server clock. @internal */
export const defaultWindowSeconds = 300

/** Why a request failed OAuth 1.0a verification. @internal */
export const FailureReason = Schema.Literal(
  "NotOAuth",
  "MissingParameter",
  "UnsupportedSignatureMethod",
  "UnsupportedVersion",
  "UnknownConsumer",
  "UnknownToken",
  "TokenNotForConsumer",
  "BadSignature",
  "TimestampOutOfWindow",
  "NonceReplayed"
)
/** @internal */
export type FailureReason = typeof FailureReason.Type

/**
 * A request that failed OAuth 1.0a verification. `detail` says what was wrong (for the journal and logs); it never
 * contains a secret or a signature.
 *
 * @internal
 */
export class OAuth1Failure extends Schema.TaggedError<OAuth1Failure>()("OAuth1Failure", {
  reason: FailureReason,
  detail: Schema.String
}) {
  override get message(): string {
    return `OAuth 1.0a verification failed (${this.reason}): ${this.detail}`
  }
}

/** What a verified request proves. @internal */
export interface Verified {
  readonly consumerKey: string
  readonly token: string
  readonly userId: string
  /** The base string URI that matched (the request's own URL or a public-host URL). */
  readonly baseUri: string
}

/** A registered access token. @internal */
export interface TokenRecord {
  readonly secret: string
  readonly userId: string
  /** When set, the token only verifies with this consumer key. */
  readonly consumerKey?: string | undefined
}

/** Where the verifier looks up secrets (the emulator's identities). @internal */
export interface Keyring {
  readonly consumerSecret: (consumerKey: string) => Option.Option<string>
  readonly token: (token: string) => Option.Option<TokenRecord>
}

/** The parts of an HTTP request the verifier needs. @internal */
export interface SignedRequest {
  /** HTTP method, any case. */
  readonly method: string
  /** The absolute URL the request arrived at, e.g. `http://127.0.0.1:4010/1.1/statuses/update.json?x=1`. */
  readonly url: string
  /** The `Authorization` header value. */
  readonly authorization: string
  /**
   * Decoded `application/x-www-form-urlencoded` body parameters; leave empty for multipart and JSON bodies (they are
   * not part of the signature).
   */
  readonly formParams?: ReadonlyArray<readonly [string, string]> | undefined
}

/**
 * Percent-encodes per RFC 5849 §3.6 (RFC 3986 unreserved characters stay, everything else is `%XX` upper-case).
 *
 * @example percentEncode("Ladies + Gentlemen") // "Ladies%20%2B%20Gentlemen"
 * @internal
 */
export const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

const percentDecode = (value: string): string => {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/**
 * Parses an `Authorization: OAuth k="v", ...` header into its (decoded) parameters; `None` when the header is not an
 * OAuth header.
 *
 * @internal
 */
export const parseAuthorizationHeader = (header: string): Option.Option<ReadonlyArray<readonly [string, string]>> => {
  const match = /^\s*OAuth\s+(.*)$/is.exec(header)
  if (match === null) return Option.none()
  const params: Array<readonly [string, string]> = []
  const re = /([A-Za-z0-9_\-.~%]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g
  for (const m of match[1]!.matchAll(re)) {
    params.push([percentDecode(m[1]!), percentDecode(m[2] ?? m[3] ?? "")])
  }
  return Option.some(params)
}

/**
 * Decodes an `application/x-www-form-urlencoded` body (`+` is a space) into parameter pairs.
 *
 * @internal
 */
export const parseFormBody = (body: string): ReadonlyArray<readonly [string, string]> =>
  Array.from(new URLSearchParams(body).entries())

/**
 * The base string URI of RFC 5849 §3.4.1.2: lower-case scheme and host, default port dropped, no query or fragment.
 *
 * @internal
 */
export const baseStringUri = (url: URL): string => {
  const scheme = url.protocol.toLowerCase()
  const host = url.hostname.toLowerCase()
  const port = url.port === "" || (scheme === "http:" && url.port === "80") || (scheme === "https:" && url.port === "443")
    ? ""
    : `:${url.port}`
  return `${scheme}//${host}${port}${url.pathname}`
}

/**
 * Builds the signature base string of RFC 5849 §3.4.1 from a method, a base string URI and the decoded parameters
 * (which must not include `oauth_signature` or `realm`).
 *
 * @internal
 */
export const signatureBaseString = (
  method: string,
  baseUri: string,
  params: ReadonlyArray<readonly [string, string]>
): string => {
  const encoded = params.map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
  encoded.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
  const normalized = encoded.map(([k, v]) => `${k}=${v}`).join("&")
  return `${method.toUpperCase()}&${percentEncode(baseUri)}&${percentEncode(normalized)}`
}

/**
 * The parameters that enter the base string (RFC 5849 §3.4.1.3): the OAuth header parameters except
 * `oauth_signature` and `realm`, the query parameters and the form body parameters.
 *
 * @internal
 */
export const signatureParams = (
  header: Iterable<readonly [string, string]>,
  url: URL,
  formParams: ReadonlyArray<readonly [string, string]>
): ReadonlyArray<readonly [string, string]> => {
  const params: Array<readonly [string, string]> = []
  for (const [k, v] of header) if (k !== "oauth_signature" && k !== "realm") params.push([k, v])
  for (const pair of url.searchParams.entries()) params.push(pair)
  for (const pair of formParams) params.push(pair)
  return params
}

/**
 * HMAC-SHA1 signature (base64) of a base string with `consumerSecret&tokenSecret` as the key.
 *
 * @internal
 */
export const hmacSha1 = (baseString: string, consumerSecret: string, tokenSecret: string): string =>
  createHmac("sha1", `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(baseString).digest(
    "base64"
  )

/**
 * The base string URIs a request may have been signed against: its own URL first, then the same path on each public
 * host over https and http.
 *
 * @internal
 */
export const candidateBaseUris = (url: URL, hosts: ReadonlyArray<string> = publicHosts): ReadonlyArray<string> => {
  const own = baseStringUri(url)
  const out = [own]
  for (const host of hosts) {
    for (const scheme of ["https", "http"]) {
      const candidate = `${scheme}://${host}${url.pathname}`
      if (!out.includes(candidate)) out.push(candidate)
    }
  }
  return out
}

const safeEqual = (a: string, b: string): boolean => {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

/** A store of recently seen nonces, expiring on the server clock. @internal */
export interface NonceStore {
  /** Records the key; `false` when it was already seen and has not expired. */
  readonly remember: (key: string, ttlMs: number) => Effect.Effect<boolean>
  /** How many nonces are currently remembered (for tests and the admin view). */
  readonly size: Effect.Effect<number>
  /** Forgets every nonce (admin reset). */
  readonly clear: Effect.Effect<void>
}

/**
 * Makes an in-memory {@link NonceStore}. Expired entries are swept on each call (amortised O(1): entries are kept in
 * expiry order because the clock never goes backwards within a store).
 *
 * @internal
 */
export const makeNonceStore: Effect.Effect<NonceStore> = Effect.sync(() => {
  const seen = new Map<string, number>()
  const sweep = (now: number) => {
    for (const [key, expiresAt] of seen) {
      if (expiresAt > now) break
      seen.delete(key)
    }
  }
  return {
    remember: (key, ttlMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        sweep(now)
        const existing = seen.get(key)
        if (existing !== undefined && existing > now) return false
        seen.delete(key)
        seen.set(key, now + ttlMs)
        return true
      }),
    size: Effect.sync(() => seen.size),
    clear: Effect.sync(() => seen.clear())
  }
})

/** Options of {@link make}. @internal */
export interface VerifierOptions {
  readonly keyring: Keyring
  /** Seconds either side of the server clock a timestamp may be (default {@link defaultWindowSeconds}). */
  readonly windowSeconds?: number | undefined
  /** Public hosts accepted in the base string URI (default {@link publicHosts}). */
  readonly publicHosts?: ReadonlyArray<string> | undefined
}

/** Verifies OAuth 1.0a requests. @internal */
export interface Verifier {
  readonly verify: (request: SignedRequest) => Effect.Effect<Verified, OAuth1Failure>
  /** Forgets remembered nonces (admin reset). */
  readonly reset: Effect.Effect<void>
}

/** Context tag for the emulator's {@link Verifier}. @internal */
export class OAuth1Verifier extends Context.Tag("@xmedia/emulator/OAuth1Verifier")<OAuth1Verifier, Verifier>() {}

const parseUrl = (url: string): Option.Option<URL> => (URL.canParse(url) ? Option.some(new URL(url)) : Option.none())

const fail = (reason: FailureReason, detail: string) => Effect.fail(new OAuth1Failure({ reason, detail }))

/**
 * Makes a {@link Verifier} over a keyring, with its own nonce store.
 *
 * @example
 * const verifier = yield* OAuth1Verify.make({ keyring })
 * const who = yield* verifier.verify({ method: "POST", url, authorization, formParams })
 * @internal
 */
export const make = (options: VerifierOptions): Effect.Effect<Verifier> =>
  Effect.map(makeNonceStore, (nonces) => {
    const windowSeconds = options.windowSeconds ?? defaultWindowSeconds
    const hosts = options.publicHosts ?? publicHosts
    const verify = (request: SignedRequest): Effect.Effect<Verified, OAuth1Failure> =>
      Effect.gen(function*() {
        const parsed = parseAuthorizationHeader(request.authorization)
        if (Option.isNone(parsed)) return yield* fail("NotOAuth", "the Authorization header is not an OAuth header")
        const header = new Map<string, string>()
        for (const [k, v] of parsed.value) if (k !== "realm") header.set(k, v)
        for (const required of ["oauth_consumer_key", "oauth_signature", "oauth_signature_method", "oauth_timestamp", "oauth_nonce"]) {
          if (!header.has(required)) return yield* fail("MissingParameter", `${required} is missing`)
        }
        const method = header.get("oauth_signature_method")!
        if (method !== "HMAC-SHA1") {
          return yield* fail("UnsupportedSignatureMethod", `signature method ${method} is not supported (use HMAC-SHA1)`)
        }
        const version = header.get("oauth_version")
        if (version !== undefined && version !== "1.0") {
          return yield* fail("UnsupportedVersion", `oauth_version ${version} is not 1.0`)
        }
        const consumerKey = header.get("oauth_consumer_key")!
        const consumerSecret = options.keyring.consumerSecret(consumerKey)
        if (Option.isNone(consumerSecret)) return yield* fail("UnknownConsumer", "unknown consumer key")
        const tokenValue = header.get("oauth_token")
        if (tokenValue === undefined) return yield* fail("MissingParameter", "oauth_token is missing (user context only)")
        const token = options.keyring.token(tokenValue)
        if (Option.isNone(token)) return yield* fail("UnknownToken", "unknown access token")
        if (token.value.consumerKey !== undefined && token.value.consumerKey !== consumerKey) {
          return yield* fail("TokenNotForConsumer", "the access token was not issued to this consumer key")
        }

        const timestampText = header.get("oauth_timestamp")!
        const timestamp = /^\d{1,12}$/.test(timestampText) ? Number(timestampText) : Number.NaN
        const now = yield* Clock.currentTimeMillis
        if (!Number.isFinite(timestamp) || Math.abs(now / 1000 - timestamp) > windowSeconds) {
          return yield* fail(
            "TimestampOutOfWindow",
            `oauth_timestamp ${timestampText} is more than ${windowSeconds}s from the server time ${Math.floor(now / 1000)}`
          )
        }

        const parsedUrl = parseUrl(request.url)
        if (Option.isNone(parsedUrl)) return yield* fail("BadSignature", "the request URL could not be parsed")
        const url = parsedUrl.value
        const params = signatureParams(header, url, request.formParams ?? [])
        const signature = header.get("oauth_signature")!
        const matched = candidateBaseUris(url, hosts).find((uri) =>
          safeEqual(hmacSha1(signatureBaseString(request.method, uri, params), consumerSecret.value, token.value.secret), signature)
        )
        if (matched === undefined) {
          return yield* fail(
            "BadSignature",
            `the signature matches neither ${baseStringUri(url)} nor ${hosts.join(", ")} for ${request.method.toUpperCase()} ${url.pathname}`
          )
        }

        const fresh = yield* nonces.remember(
          `${consumerKey}\u0000${tokenValue}\u0000${header.get("oauth_nonce")!}`,
          windowSeconds * 2 * 1000
        )
        if (!fresh) return yield* fail("NonceReplayed", "this oauth_nonce was already used")
        return { consumerKey, token: tokenValue, userId: token.value.userId, baseUri: matched }
      })
    return { verify, reset: nonces.clear }
  })

/**
 * A Layer providing {@link OAuth1Verifier}.
 *
 * @internal
 */
export const layer = (options: VerifierOptions): Layer.Layer<OAuth1Verifier> =>
  Layer.effect(OAuth1Verifier, make(options))

/** A v1.1 error body with its HTTP status. @internal */
export interface V1ErrorResponse {
  readonly status: number
  readonly body: { readonly errors: ReadonlyArray<{ readonly code: number; readonly message: string }> }
}

/**
 * X's v1.1 response for a failure: 401 code 32 "Could not authenticate you.", 401 code 135 for a timestamp out of
 * bounds, 400 code 215 "Bad Authentication data." when the header is not OAuth.
 *
 * @internal
 */
export const toV1Response = (failure: OAuth1Failure): V1ErrorResponse => {
  switch (failure.reason) {
    case "NotOAuth":
      return { status: 400, body: { errors: [{ code: 215, message: "Bad Authentication data." }] } }
    case "TimestampOutOfWindow":
      return { status: 401, body: { errors: [{ code: 135, message: "Timestamp out of bounds." }] } }
    default:
      return { status: 401, body: { errors: [{ code: 32, message: "Could not authenticate you." }] } }
  }
}

/** X's v2 problem body for an unauthenticated request (observed, see research §2). @internal */
export const v2Unauthorized = {
  title: "Unauthorized",
  type: "about:blank",
  status: 401,
  detail: "Unauthorized"
} as const

/**
 * X's v2 response for a failure: always 401 with the `about:blank` Unauthorized problem.
 *
 * @internal
 */
export const toV2Response = (_failure: OAuth1Failure): { readonly status: 401; readonly body: typeof v2Unauthorized } => ({
  status: 401,
  body: v2Unauthorized
})
