/**
 * OAuth 1.0a user-context signing (HMAC-SHA1, RFC 5849), as X's v1.1 endpoints require and its v2 endpoints accept.
 *
 * The pure pieces (percent-encoding, the signature base string, the signature, the `Authorization` header) are
 * exported so a server (the emulator) can verify with exactly the same rules a client signs with. `signRequest`
 * turns credentials into an authorizer for `HttpClientRequest`s: it draws the nonce from Effect's `Random` and the
 * timestamp from Effect's `Clock`, so tests are deterministic.
 *
 * What goes into the base string: the method, the URL without query (scheme and host lower-cased, default port
 * dropped), every query parameter, the `oauth_*` protocol parameters, and the body parameters **only** for an
 * `application/x-www-form-urlencoded` body. Multipart and JSON bodies are never part of the signature (X: "POST or
 * query string parameters are not used when calculating an OAuth signature basestring" for multipart uploads).
 *
 * @example
 * ```ts
 * import { OAuth1 } from "@xmedia/core"
 * import { Redacted } from "effect"
 *
 * const credentials: OAuth1.Credentials = {
 *   consumerKey: Redacted.make("ck"), consumerSecret: Redacted.make("cs"),
 *   accessToken: Redacted.make("at"), accessTokenSecret: Redacted.make("ats")
 * }
 * const authorize = OAuth1.signRequest(credentials) // (HttpClientRequest) => Effect<HttpClientRequest>
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { hmac } from "@noble/hashes/hmac"
import { sha1 } from "@noble/hashes/legacy"
import { Clock, Effect, Encoding, Option, Random, Redacted } from "effect"
import type * as Auth from "./Auth.js"
import * as Errors from "./internal/errors.js"

/**
 * OAuth 1.0a user-context credentials: the app's consumer key and secret and the user's access token and secret.
 * Every field is `Redacted`, so none of them can leak through logs or error messages.
 *
 * @since 0.1.0
 */
export interface Credentials {
  readonly consumerKey: Redacted.Redacted<string>
  readonly consumerSecret: Redacted.Redacted<string>
  readonly accessToken: Redacted.Redacted<string>
  readonly accessTokenSecret: Redacted.Redacted<string>
}

/**
 * A name/value parameter pair (the order of pairs does not matter for signing; duplicates are allowed).
 *
 * @since 0.1.0
 */
export type Param = readonly [name: string, value: string]

const textEncoder = new TextEncoder()
const HEX = "0123456789ABCDEF"

const isUnreserved = (byte: number): boolean =>
  (byte >= 0x30 && byte <= 0x39) || // 0-9
  (byte >= 0x41 && byte <= 0x5a) || // A-Z
  (byte >= 0x61 && byte <= 0x7a) || // a-z
  byte === 0x2d || // -
  byte === 0x2e || // .
  byte === 0x5f || // _
  byte === 0x7e // ~

/**
 * Percent-encodes a string per RFC 5849 §3.6: UTF-8 bytes, every byte except the unreserved characters
 * `A-Z a-z 0-9 - . _ ~` becomes `%XX` with upper-case hex. (Unlike `encodeURIComponent`, it also encodes
 * `! ' ( ) *`, and it never throws.)
 *
 * @example
 * ```ts
 * OAuth1.percentEncode("Ladies + Gentlemen") // "Ladies%20%2B%20Gentlemen"
 * ```
 *
 * @since 0.1.0
 */
export const percentEncode = (value: string): string => {
  const bytes = textEncoder.encode(value)
  let out = ""
  for (const byte of bytes) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : "%" + HEX[byte >> 4] + HEX[byte & 0x0f]
  }
  return out
}

/**
 * The base string URI of RFC 5849 §3.4.1.2: scheme and host in lower case, the port only when it is not the
 * scheme's default, the path, and no query or fragment.
 *
 * @example
 * ```ts
 * OAuth1.baseStringUri(new URL("HTTP://Example.COM:80/r%20v/X?id=123")) // "http://example.com/r%20v/X"
 * ```
 *
 * @since 0.1.0
 */
export const baseStringUri = (url: URL): string => {
  // WHATWG URL already lower-cases scheme and host and drops the scheme's default port.
  const host = url.port === "" ? url.hostname : `${url.hostname}:${url.port}`
  return `${url.protocol}//${host}${url.pathname === "" ? "/" : url.pathname}`
}

/**
 * The query parameters of a URL, decoded as `application/x-www-form-urlencoded` (RFC 5849 §3.4.1.3.1).
 *
 * @since 0.1.0
 */
export const queryParams = (url: URL): ReadonlyArray<Param> => Array.from(url.searchParams.entries())

/**
 * Parses an `application/x-www-form-urlencoded` body into parameter pairs (`+` is a space).
 *
 * @since 0.1.0
 */
export const formParams = (body: string): ReadonlyArray<Param> => Array.from(new URLSearchParams(body).entries())

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Normalizes parameters per RFC 5849 §3.4.1.3.2: encode names and values, sort by encoded name then encoded value
 * (byte order), join as `name=value` with `&`. Pass every parameter except `oauth_signature` and `realm`.
 *
 * @since 0.1.0
 */
export const normalizeParameters = (params: ReadonlyArray<Param>): string =>
  params
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]))
    .map(([name, value]) => `${name}=${value}`)
    .join("&")

/**
 * The input of a signature: the HTTP method, the full request URL (its query parameters are signed) and the
 * body parameters of an `application/x-www-form-urlencoded` body (leave empty for JSON, multipart or no body).
 *
 * @since 0.1.0
 */
export interface SigningInput {
  readonly method: string
  readonly url: string | URL
  readonly bodyParams?: ReadonlyArray<Param> | undefined
}

/**
 * The signature base string of RFC 5849 §3.4.1: `METHOD&enc(base uri)&enc(normalized parameters)`, where the
 * parameters are the URL's query, the body parameters and `protocolParams` (the `oauth_*` values; any
 * `oauth_signature` and `realm` in them are left out).
 *
 * @since 0.1.0
 */
export const signatureBaseString = (input: SigningInput, protocolParams: ReadonlyArray<Param>): string => {
  const url = typeof input.url === "string" ? new URL(input.url) : input.url
  const params: Array<Param> = [
    ...queryParams(url),
    ...(input.bodyParams ?? []),
    ...protocolParams.filter(([name]) => name !== "oauth_signature" && name !== "realm")
  ]
  return `${input.method.toUpperCase()}&${percentEncode(baseStringUri(url))}&${percentEncode(normalizeParameters(params))}`
}

/**
 * The HMAC-SHA1 signature (base64) of a base string, keyed by `enc(consumerSecret)&enc(tokenSecret)`
 * (RFC 5849 §3.4.2). Pure and synchronous (no WebCrypto, no `node:crypto`).
 *
 * @since 0.1.0
 */
export const hmacSha1Signature = (baseString: string, consumerSecret: string, tokenSecret: string): string => {
  const key = textEncoder.encode(`${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`)
  return Encoding.encodeBase64(hmac(sha1, key, textEncoder.encode(baseString)))
}

/**
 * The per-request values of a signature: a nonce (unique per timestamp) and a timestamp in Unix seconds.
 *
 * @since 0.1.0
 */
export interface NonceAndTimestamp {
  readonly nonce: string
  readonly timestamp: number
}

/**
 * Computes the complete `oauth_*` protocol parameters of a request, `oauth_signature` included (pure: the nonce
 * and timestamp are given). Returned in the order X's docs show them (alphabetical).
 *
 * @example
 * ```ts
 * const params = OAuth1.protocolParameters(credentials, { method: "GET", url: "https://upload.twitter.com/1.1/media/upload.json?command=STATUS&media_id=1" }, { nonce: "abc", timestamp: 1318622958 })
 * ```
 *
 * @since 0.1.0
 */
export const protocolParameters = (
  credentials: Credentials,
  input: SigningInput,
  values: NonceAndTimestamp
): ReadonlyArray<Param> => {
  const unsigned: ReadonlyArray<Param> = [
    ["oauth_consumer_key", Redacted.value(credentials.consumerKey)],
    ["oauth_nonce", values.nonce],
    ["oauth_signature_method", "HMAC-SHA1"],
    ["oauth_timestamp", String(values.timestamp)],
    ["oauth_token", Redacted.value(credentials.accessToken)],
    ["oauth_version", "1.0"]
  ]
  const signature = hmacSha1Signature(
    signatureBaseString(input, unsigned),
    Redacted.value(credentials.consumerSecret),
    Redacted.value(credentials.accessTokenSecret)
  )
  return [...unsigned.slice(0, 2), ["oauth_signature", signature], ...unsigned.slice(2)]
}

/**
 * Formats protocol parameters as an `Authorization` header value (RFC 5849 §3.5.1):
 * `OAuth oauth_consumer_key="...", oauth_nonce="...", ...` with every name and value percent-encoded.
 *
 * @since 0.1.0
 */
export const authorizationHeader = (params: ReadonlyArray<Param>): string =>
  "OAuth " + params.map(([name, value]) => `${percentEncode(name)}="${percentEncode(value)}"`).join(", ")

/**
 * Parses an `Authorization: OAuth ...` header value into its (decoded) parameters; `None` when the value is not an
 * OAuth header or is malformed. `realm` is kept in the result; leave it out when building a base string.
 *
 * @since 0.1.0
 */
export const parseAuthorizationHeader = (header: string): Option.Option<ReadonlyArray<Param>> => {
  const match = /^\s*OAuth\s+(.*)$/is.exec(header)
  if (match === null) return Option.none()
  const params: Array<Param> = []
  const pair = /\s*([^=\s,]+)\s*=\s*"([^"]*)"\s*(?:,|$)/y
  const rest = match[1]!
  let index = 0
  while (index < rest.length) {
    pair.lastIndex = index
    const found = pair.exec(rest)
    if (found === null) return Option.none()
    try {
      params.push([decodeURIComponent(found[1]!), decodeURIComponent(found[2]!)])
    } catch {
      return Option.none()
    }
    index = pair.lastIndex
  }
  return params.length === 0 ? Option.none() : Option.some(params)
}

const NONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/**
 * A fresh 32-character alphanumeric nonce drawn from Effect's `Random` (seed it in tests for a fixed nonce).
 *
 * @since 0.1.0
 */
export const makeNonce: Effect.Effect<string> = Effect.gen(function*() {
  let nonce = ""
  for (let i = 0; i < 32; i++) {
    nonce += NONCE_ALPHABET[yield* Random.nextIntBetween(0, NONCE_ALPHABET.length)]
  }
  return nonce
})

/**
 * Builds the `Authorization` header value for a request, with a nonce from `Random` and the timestamp (Unix
 * seconds) from `Clock`.
 *
 * @since 0.1.0
 */
export const authorize = (credentials: Credentials, input: SigningInput): Effect.Effect<string> =>
  Effect.gen(function*() {
    const nonce = yield* makeNonce
    const millis = yield* Clock.currentTimeMillis
    return authorizationHeader(protocolParameters(credentials, input, { nonce, timestamp: Math.floor(millis / 1000) }))
  })

const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
const textDecoder = new TextDecoder()

/**
 * The body parameters a request contributes to its signature: the decoded fields of an
 * `application/x-www-form-urlencoded` body, nothing for any other body (JSON, multipart, binary, none).
 * A streamed form body cannot be read without consuming it, so it is a defect (build form bodies with
 * `HttpClientRequest.bodyUrlParams`).
 *
 * @since 0.1.0
 */
export const requestBodyParams = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<ReadonlyArray<Param>> => {
  const body = request.body
  const contentType = body._tag === "Empty" ? undefined : body.contentType
  if (contentType === undefined || !contentType.toLowerCase().startsWith(FORM_CONTENT_TYPE)) return Effect.succeed([])
  switch (body._tag) {
    case "Uint8Array":
      return Effect.succeed(formParams(textDecoder.decode(body.body)))
    case "Raw":
      return typeof body.body === "string"
        ? Effect.succeed(formParams(body.body))
        : body.body instanceof Uint8Array
        ? Effect.succeed(formParams(textDecoder.decode(body.body)))
        : Effect.dieMessage("OAuth1: cannot sign a form-urlencoded body that is neither text nor bytes")
    default:
      return Effect.dieMessage(
        "OAuth1: cannot sign a streamed form-urlencoded body; build it with HttpClientRequest.bodyUrlParams"
      )
  }
}

/**
 * The full URL a request will be sent to (its `url` plus its `urlParams`), as a `URL`. The request URL must be
 * absolute by the time it is signed; a relative one is a defect of the pipeline (sign after the base URL is set).
 *
 * @since 0.1.0
 */
export const requestUrl = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<URL> =>
  Effect.suspend(() => {
    if (!URL.canParse(request.url)) {
      return Effect.dieMessage(`OAuth1: the request URL "${request.url}" is not absolute; sign after the base URL is set`)
    }
    const url = new URL(request.url)
    for (const [name, value] of request.urlParams) url.searchParams.append(name, value)
    return Effect.succeed(url)
  })

/**
 * The OAuth 1.0a authorizer: signs a request (method, full URL with query, form body parameters) and sets its
 * `Authorization` header. This is the OAuth 1.0a branch of `Auth`.
 *
 * @example
 * ```ts
 * const signed = yield* OAuth1.signRequest(credentials)(HttpClientRequest.get("https://upload.twitter.com/1.1/media/upload.json?command=STATUS&media_id=1"))
 * ```
 *
 * @since 0.1.0
 */
export const signRequest = (credentials: Credentials) =>
(request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientRequest.HttpClientRequest> =>
  Effect.gen(function*() {
    const url = yield* requestUrl(request)
    const bodyParams = yield* requestBodyParams(request)
    const header = yield* authorize(credentials, { method: request.method, url, bodyParams })
    return HttpClientRequest.setHeader(request, "Authorization", header)
  })

/**
 * The OAuth 1.0a branch of `Auth`: an `Auth.Authorizer` that signs every request (v2 and v1.1). OAuth 1.0a tokens
 * do not expire, so there is nothing to refresh after a 401. `XClient.layer({ auth: Auth.oauth1User(...) })` uses it.
 *
 * @since 0.1.0
 */
export const makeAuthorizer = (credentials: Credentials): Auth.Authorizer => {
  const sign = signRequest(credentials)
  return {
    kind: "OAuth1User",
    // a URL that does not parse is the client's baseUrl: a typed InvalidInput, as without OAuth 1.0a
    authorize: (request, context) =>
      URL.canParse(request.url)
        ? Effect.map(sign(request), (signed) => ({ request: signed, generation: 0 }))
        : Effect.fail(Errors.invalidBaseUrl(context.endpoint, `: "${request.url}"`)),
    refresh: () => Effect.succeed(false)
  }
}
