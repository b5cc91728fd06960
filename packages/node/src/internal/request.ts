/**
 * Sends one request over node:http. A body that is already in memory (empty, bytes, text) is written with
 * `end(body)` inside a single `Effect.async` that resumes on the response: no fiber, stream or finish-wait per
 * request. Streams and `FormData` are piped while the response is awaited, as @effect/platform-node does.
 *
 * @internal
 */
import { type HttpBody, HttpClientError, type HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import type * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeSink from "@effect/platform-node/NodeSink"
import { Effect, Stream } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { ignore, listen } from "./listeners.js"
import { NodeClientResponse } from "./response.js"

type Response = HttpClientResponse.HttpClientResponse
type Failure = HttpClientError.RequestError

const open = (
  agent: NodeHttpClient.HttpAgent,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: AbortSignal,
  timeoutMs: number | undefined
): Http.ClientRequest => {
  const options = { method: request.method, headers: request.headers }
  const nodeRequest = url.protocol === "https:"
    ? Https.request(url, { ...options, agent: agent.https })
    : Http.request(url, { ...options, agent: agent.http })
  // an abort or a late socket error after the response must never become an uncaught `error` event
  nodeRequest.on("error", ignore)
  watch(nodeRequest, signal, timeoutMs)
  return nodeRequest
}

/**
 * Ends the exchange early when `signal` aborts (an interruption, or `HttpClient.make` dropping a response nobody
 * read) or, with `timeoutMs`, once that time has passed without it ending: the request, and its response if one
 * came, are destroyed with an `AbortError` or a `TimeoutError` (core maps the latter to `Transport { reason:
 * "Timeout" }`). node:http emits `close` on the request once the response body has been read to its end or the
 * connection is gone; then the listener and the timer go.
 *
 * The signal is watched here rather than passed to `http.request`: node's own handling of `signal` (an abort listener
 * and `finished()` on the request) cost 30-45 CPU µs per request here, this one listener 15-30 (docs/node.md).
 */
const watch = (nodeRequest: Http.ClientRequest, signal: AbortSignal, timeoutMs: number | undefined): void => {
  let response: Http.IncomingMessage | undefined
  const destroy = (error: Error) => {
    response?.destroy(error)
    nodeRequest.destroy(error)
  }
  const onAbort = () =>
    destroy(Object.assign(new Error("the request was aborted", { cause: signal.reason }), { name: "AbortError" }))
  if (signal.aborted) return onAbort()
  signal.addEventListener("abort", onAbort, { once: true })
  const timer = timeoutMs === undefined ? undefined : setTimeout(
    () => destroy(Object.assign(new Error(`no complete response within ${timeoutMs} ms`), { name: "TimeoutError" })),
    timeoutMs
  )
  nodeRequest.once("response", (incoming: Http.IncomingMessage) => (response = incoming))
  nodeRequest.once("close", () => {
    clearTimeout(timer)
    signal.removeEventListener("abort", onAbort)
  })
}

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown): Failure =>
  new HttpClientError.RequestError({ request, reason: "Transport", cause })

/** Resumes with the response (or the request's error); `write` starts sending once the listeners are in place. */
const awaitResponse = (
  request: HttpClientRequest.HttpClientRequest,
  nodeRequest: Http.ClientRequest,
  write: () => void
): Effect.Effect<Response, Failure> =>
  Effect.async<Response, Failure>((resume) => {
    const onError = (cause: unknown) => {
      detach()
      resume(Effect.fail(transportError(request, cause)))
    }
    const onResponse = (response: Http.IncomingMessage) => {
      detach()
      resume(Effect.succeed(new NodeClientResponse(request, response)))
    }
    const detach = listen(nodeRequest, [["error", onError], ["response", onResponse], ["upgrade", onResponse]])
    write()
    // on interruption, `HttpClient.make` aborts the request's signal, which destroys the node request
    return Effect.sync(detach)
  })

/** Writes a `Stream` or `FormData` body into the request. */
const pipeBody = (
  request: HttpClientRequest.HttpClientRequest,
  nodeRequest: Http.ClientRequest,
  body: HttpBody.Stream | HttpBody.FormData
): Effect.Effect<void, Failure> => {
  if (body._tag === "Stream") {
    return Stream.run(
      Stream.mapError(body.stream, (cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause })),
      NodeSink.fromWritable(() => nodeRequest, (cause) => transportError(request, cause))
    )
  }
  return Effect.tryPromise({
    try: () => {
      const encoded = new Response(body.formData)
      encoded.headers.forEach((value, key) => nodeRequest.setHeader(key, value))
      return pipeline(Readable.fromWeb(encoded.body as Parameters<typeof Readable.fromWeb>[0]), nodeRequest)
    },
    catch: (cause) => transportError(request, cause)
  })
}

/**
 * Sends `request` to `url` with the agent's sockets; `signal` aborts it; with `timeoutMs`, the whole exchange (up to
 * the last byte of the response body) must end within it. @internal
 */
export const send = (
  agent: NodeHttpClient.HttpAgent,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  signal: AbortSignal,
  timeoutMs?: number
): Effect.Effect<Response, Failure> =>
  Effect.suspend(() => {
    let nodeRequest: Http.ClientRequest
    try {
      nodeRequest = open(agent, request, url, signal, timeoutMs)
    } catch (cause) {
      // node:http throws on a header it cannot send (a newline in a value, a space in a name): a typed failure
      return Effect.fail(new HttpClientError.RequestError({ request, reason: "Encode", cause }))
    }
    const body = request.body
    switch (body._tag) {
      case "Empty":
        return awaitResponse(request, nodeRequest, () => nodeRequest.end())
      case "Uint8Array":
        return awaitResponse(request, nodeRequest, () => nodeRequest.end(body.body))
      case "Raw":
        return awaitResponse(request, nodeRequest, () => nodeRequest.end(body.body as string | Uint8Array))
      case "Stream":
      case "FormData":
        return Effect.zipRight(
          // a body that fails half-way leaves a request nobody can finish: drop it (and its socket)
          Effect.tapError(pipeBody(request, nodeRequest, body), () => Effect.sync(() => nodeRequest.destroy())),
          awaitResponse(request, nodeRequest, ignore),
          { concurrent: true }
        )
    }
  })
