/**
 * A fake `HttpClient` for core tests: records every request and answers with a handler.
 */
import { HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { type Duration, Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Auth, XClient } from "../../src/index.js"

/** One recorded request. */
export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  /** Text of a JSON / url-encoded body. */
  readonly text: string | undefined
  /** A multipart body. */
  readonly form: FormData | undefined
  readonly request: HttpClientRequest.HttpClientRequest
}

/** What a handler answers. */
export type Reply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string>; readonly raw?: string }
  | { readonly fail: "ECONNRESET" | "ECONNREFUSED" | "ETIMEDOUT" | "ENOTFOUND" }
  /** Never answers; when interrupted, runs `teardown` (if any) before counting the interruption. */
  | { readonly hang: true; readonly teardown?: Effect.Effect<void> }
  /** Answers `status` with headers, then never ends the body. */
  | { readonly stalledBody: number }
  /** Answers `reply` after `delay` (on the test's Clock). */
  | { readonly delay: Duration.DurationInput; readonly reply: Reply }

/** Reads an X example body from test/fixtures/x-examples. */
export const example = (name: string): unknown =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/x-examples/${name}`, import.meta.url)), "utf8"))

/**
 * Reads a `multipart/form-data` body back into a `FormData`, as a server would: text parts as strings, parts with a
 * filename as `File`s. Throws on a body that is not well framed (a test then fails loudly).
 */
export const parseMultipart = (contentType: string, body: Uint8Array): FormData => {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1]
  if (boundary === undefined) throw new Error(`no boundary in ${contentType}`)
  // latin1 maps each byte to one char, so string offsets are byte offsets
  const text = new TextDecoder("latin1").decode(body)
  const form = new FormData()
  const delimiter = `--${boundary}`
  let at = text.indexOf(delimiter)
  if (at !== 0) throw new Error("the body does not start with the boundary")
  while (true) {
    at += delimiter.length
    if (text.startsWith("--\r\n", at)) return form
    if (!text.startsWith("\r\n", at)) throw new Error(`bad framing after a boundary at byte ${at}`)
    const headersEnd = text.indexOf("\r\n\r\n", at)
    const next = text.indexOf(`\r\n${delimiter}`, headersEnd)
    if (headersEnd < 0 || next < 0) throw new Error("unterminated part")
    const headers = text.slice(at + 2, headersEnd)
    const name = /name="([^"]*)"/.exec(headers)?.[1]
    if (name === undefined) throw new Error(`a part without a name: ${headers}`)
    const filename = /filename="([^"]*)"/.exec(headers)?.[1]
    const type = /Content-Type: (.+)/i.exec(headers)?.[1] ?? ""
    const content = body.slice(headersEnd + 4, next)
    if (filename === undefined) form.append(name, new TextDecoder().decode(content))
    else form.append(name, new Blob([content], { type }), filename)
    at = next + 2
  }
}

const bodyOf = (request: HttpClientRequest.HttpClientRequest) => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return {
        text: new TextDecoder().decode(body.body),
        form: body.contentType.startsWith("multipart/form-data") ? parseMultipart(body.contentType, body.body) : undefined
      }
    case "FormData":
      return { text: undefined, form: body.formData }
    default:
      return { text: undefined, form: undefined }
  }
}

/** A fake X: `requests` grows as calls are made. */
export const makeFake = (handler: (request: Recorded, index: number) => Reply) => {
  const requests: Array<Recorded> = []
  /** How many requests were interrupted (a timeout, or the caller going away) while in flight. */
  const interrupted = { count: 0 }
  const client = HttpClient.make((request, url) =>
    Effect.suspend(() => {
      const recorded: Recorded = {
        method: request.method,
        url,
        headers: request.headers,
        ...bodyOf(request),
        request
      }
      requests.push(recorded)
      return respond(request, handler(recorded, requests.length - 1))
    })
  )
  const respond = (
    request: HttpClientRequest.HttpClientRequest,
    reply: Reply
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
    if ("delay" in reply) return Effect.delay(respond(request, reply.reply), reply.delay)
    if ("hang" in reply) {
      return Effect.onInterrupt(
        Effect.never,
        () => Effect.zipRight(reply.teardown ?? Effect.void, Effect.sync(() => interrupted.count++))
      )
    }
    if ("stalledBody" in reply) {
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => controller.enqueue(new TextEncoder().encode("{\"data\":"))
      })
      return Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { status: reply.stalledBody })))
    }
    if ("fail" in reply) {
      return Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "Transport",
          cause: Object.assign(new Error(`fake ${reply.fail}`), { code: reply.fail })
        })
      )
    }
    const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body))
    return Effect.succeed(
      HttpClientResponse.fromWeb(
        request,
        new Response(reply.status === 204 ? null : text, {
          status: reply.status,
          headers: { "content-type": "application/json", ...reply.headers }
        })
      )
    )
  }
  return { requests, interrupted, client, httpLayer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** Secrets used by tests (must never leak). */
export const secrets = {
  accessToken: "ACCESS-TOKEN-SECRET-abc123",
  refreshToken: "REFRESH-TOKEN-SECRET-def456",
  clientSecret: "CLIENT-SECRET-ghi789",
  bearer: "BEARER-APP-SECRET-jkl012",
  newAccessToken: "NEW-ACCESS-TOKEN-SECRET-mno345",
  newRefreshToken: "NEW-REFRESH-TOKEN-SECRET-pqr678"
}

/** OAuth 2.0 user credentials with the test secrets. */
export const userAuth = (extra?: { readonly expiresAt?: Date; readonly refresh?: boolean }) =>
  Auth.oauth2User({
    accessToken: Redacted.make(secrets.accessToken),
    ...(extra?.refresh === false ? {} : {
      refreshToken: Redacted.make(secrets.refreshToken),
      clientId: "client-id-1",
      clientSecret: Redacted.make(secrets.clientSecret)
    }),
    ...(extra?.expiresAt ? { expiresAt: extra.expiresAt } : {})
  })

/** An `XClient` layer on a fake. */
export const fakeClient = (
  handler: (request: Recorded, index: number) => Reply,
  options?: Partial<XClient.Options>
) => {
  const fake = makeFake(handler)
  const layer = XClient.layer({ auth: userAuth(), baseUrl: "https://api.x.com", ...options }).pipe(
    Layer.provide(fake.httpLayer)
  )
  return { ...fake, layer }
}
