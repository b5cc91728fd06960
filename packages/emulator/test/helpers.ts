/**
 * Test helpers: raw HTTP calls against a running emulator (node:http client), so tests see exactly the status,
 * headers and body X's clients would.
 */
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Emulator } from "../src/index.js"

/** The dev OAuth 2.0 user token. */
export const DEV_TOKEN = "xmedia-dev-token"
/** The dev user id. */
export const DEV_USER = "1000000000000000001"

const here = path.dirname(fileURLToPath(import.meta.url))
/** Reads a fixture from the core package's fixtures. */
export const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(here, "../../core/test/fixtures", name)))

/** A response as the tests see it. */
export interface Res {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly json: unknown
}

/** Options of {@link call}. */
export interface CallOptions {
  readonly token?: string | null
  readonly json?: unknown
  readonly rawBody?: { readonly body: string | Uint8Array; readonly contentType?: string }
  readonly form?: ReadonlyArray<readonly [string, string | { readonly bytes: Uint8Array; readonly filename?: string; readonly type?: string }]>
  readonly urlEncoded?: Record<string, string>
  readonly headers?: Record<string, string>
}

/** Makes one HTTP request to the emulator. */
export const call = (method: "GET" | "POST" | "DELETE", url: string, options: CallOptions = {}) =>
  Effect.gen(function*() {
    const emulator = yield* Emulator.Emulator
    const client = yield* HttpClient.HttpClient
    let req = HttpClientRequest.make(method)(`${emulator.url}${url}`)
    const token = options.token === undefined ? DEV_TOKEN : options.token
    if (token !== null) req = HttpClientRequest.bearerToken(req, token)
    if (options.headers !== undefined) req = HttpClientRequest.setHeaders(req, options.headers)
    if (options.json !== undefined) req = HttpClientRequest.bodyUnsafeJson(req, options.json)
    if (options.rawBody !== undefined) {
      const b = options.rawBody.body
      req = HttpClientRequest.setBody(
        req,
        typeof b === "string"
          ? HttpBody.text(b, options.rawBody.contentType ?? "text/plain")
          : HttpBody.uint8Array(b, options.rawBody.contentType ?? "application/octet-stream")
      )
    }
    if (options.urlEncoded !== undefined) req = HttpClientRequest.bodyUrlParams(req, options.urlEncoded)
    if (options.form !== undefined) {
      const fd = new FormData()
      for (const [k, v] of options.form) {
        if (typeof v === "string") fd.append(k, v)
        else {
          const blob = new Blob([new Uint8Array(v.bytes)], v.type === undefined ? {} : { type: v.type })
          if (v.filename === undefined) fd.append(k, blob)
          else fd.append(k, blob, v.filename)
        }
      }
      req = HttpClientRequest.bodyFormData(req, fd)
    }
    const res = yield* client.execute(req)
    const text = yield* res.text
    const json = yield* Effect.try((): unknown => (text === "" ? undefined : JSON.parse(text))).pipe(
      Effect.orElseSucceed(() => undefined)
    )
    return { status: res.status, headers: res.headers, text, json } satisfies Res
  }).pipe(Effect.scoped)

/** Property access on unknown JSON for assertions. */
export const at = (value: unknown, ...keys: ReadonlyArray<string | number>): unknown =>
  keys.reduce<unknown>(
    (o, k) => (o !== null && typeof o === "object" ? (o as Record<string | number, unknown>)[k] : undefined),
    value
  )

/** A v2 INITIALIZE (JSON) for `bytes` of `mediaType`, answering the new media id. */
export const initialize = (bytes: Uint8Array, mediaType: string, category?: string) =>
  Effect.map(
    call("POST", "/2/media/upload/initialize", {
      json: { media_type: mediaType, total_bytes: bytes.length, ...(category === undefined ? {} : { media_category: category }) }
    }),
    (res) => String(at(res.json, "data", "id"))
  )

/** Chunked upload through the v2 dedicated endpoints; returns the media id. */
export const uploadChunked = (bytes: Uint8Array, mediaType: string, category: string, chunkSize = 1024 * 1024, token?: string) =>
  Effect.gen(function*() {
    const opts = token === undefined ? {} : { token }
    const init = yield* call("POST", "/2/media/upload/initialize", {
      ...opts,
      json: { media_type: mediaType, total_bytes: bytes.length, media_category: category }
    })
    if (init.status !== 200) return yield* Effect.dieMessage(`initialize: ${init.status} ${init.text}`)
    const id = String(at(init.json, "data", "id"))
    for (let i = 0, seg = 0; i < bytes.length || (i === 0 && bytes.length === 0); i += chunkSize, seg++) {
      const res = yield* call("POST", `/2/media/upload/${id}/append`, {
        ...opts,
        form: [["segment_index", String(seg)], ["media", { bytes: bytes.subarray(i, i + chunkSize) }]]
      })
      if (res.status !== 200) return yield* Effect.dieMessage(`append: ${res.status} ${res.text}`)
      if (bytes.length === 0) break
    }
    const fin = yield* call("POST", `/2/media/upload/${id}/finalize`, opts)
    return { id, finalize: fin }
  })

const pct = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** The dev OAuth 1.0a credentials. */
export const DEV_OAUTH1 = {
  consumerKey: "xmedia-dev-consumer-key",
  consumerSecret: "xmedia-dev-consumer-secret",
  token: "1000000000000000001-xmedia-dev-access-token",
  tokenSecret: "xmedia-dev-access-token-secret"
}

/** An OAuth 1.0a HMAC-SHA1 `Authorization` header for `method url` (+ url-encoded body params), as clients build it. */
export const oauth1Header = (
  method: string,
  url: string,
  bodyParams: Record<string, string> = {},
  creds = DEV_OAUTH1,
  overrides: { readonly timestamp?: number; readonly nonce?: string } = {}
) => {
  const u = new URL(url)
  const oauth: Record<string, string> = {
    oauth_consumer_key: creds.consumerKey,
    oauth_nonce: overrides.nonce ?? crypto.randomBytes(16).toString("hex"),
    oauth_signature_method: "HMAC-SHA1",
    oauth_timestamp: String(overrides.timestamp ?? Math.floor(Date.now() / 1000)),
    oauth_token: creds.token,
    oauth_version: "1.0"
  }
  const params: Array<[string, string]> = [
    ...Object.entries(oauth),
    ...Array.from(u.searchParams.entries()),
    ...Object.entries(bodyParams)
  ].map(([k, v]) => [pct(k), pct(v)] as [string, string])
  params.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
  const base = [method.toUpperCase(), pct(`${u.protocol}//${u.host}${u.pathname}`), pct(params.map(([k, v]) => `${k}=${v}`).join("&"))].join("&")
  const signature = crypto.createHmac("sha1", `${pct(creds.consumerSecret)}&${pct(creds.tokenSecret)}`).update(base).digest("base64")
  return "OAuth " + Object.entries({ ...oauth, oauth_signature: signature }).map(([k, v]) => `${pct(k)}="${pct(v)}"`).join(", ")
}
