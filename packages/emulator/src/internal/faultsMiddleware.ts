/**
 * Carries out the request-level faults decided by `faults.ts`, at the transport level where needed (through the raw
 * Node socket from `NodeHttpServerRequest.toIncomingMessage` / `toServerResponse`):
 *
 * - `status`, `rateLimit`, `usageCapped`: X's error body instead of the handler (the handler does not run);
 * - `resetBeforeHandler`: TCP reset (RST) before the handler runs: nothing happened;
 * - `resetAfterCommit`: the handler runs (the post or APPEND is stored), then the connection is reset instead of
 *   answering: the side effect happened, the response is lost;
 * - `resetAfterRequestBytes`: the connection is reset once the socket has read `bytes` more bytes of the request;
 * - `hang`: never answers; reads and discards the request body meanwhile, so the end of the connection is seen: when
 *   the client gives up (closes the connection) the server side closes too and the request ends;
 * - `latency`: sleeps `ms` + a seeded draw of `jitterMs` (on the `Clock`), then runs the handler;
 * - `truncateResponse`: sends the status line, headers (with the full `content-length`) and only part of the body,
 *   then resets the connection.
 *
 * @internal
 */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Clock, Effect, FiberRef, Option, Stream } from "effect"
import type { Socket } from "node:net"
import { type ApiSurface, RequestInfo } from "./context.js"
import {
  type Applied,
  currentFault,
  defaultErrorBody,
  type FaultEngine,
  type FaultSubject,
  Faults,
  injectedFailure,
  subjectOf,
  usageCappedBody
} from "./faults.js"
import { peekedLength } from "./routes/body.js"
import { State } from "./state/State.js"

/** Which surface a path belongs to, when the router has not said. @internal */
export const surfaceOf = (path: string): ApiSurface =>
  path.startsWith("/2/") ? "v2" : path.startsWith("/1.1/") ? "v1.1" : path.startsWith("/_emulator/") ? "admin" : "unknown"

/** The fault subject of the current request: the router's `RequestInfo` when present, else the raw request. @internal */
export const currentSubject: Effect.Effect<FaultSubject, never, HttpServerRequest.HttpServerRequest> = Effect.gen(
  function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const info = yield* Effect.serviceOption(RequestInfo)
    if (Option.isSome(info)) return subjectOf(yield* info.value.get)
    const path = new URL(request.url, "http://emulator.local").pathname
    return { operation: "unknown", route: path, path, method: request.method, api: surfaceOf(path) }
  }
)

const socketOf = (request: HttpServerRequest.HttpServerRequest): Socket =>
  NodeHttpServerRequest.toIncomingMessage(request).socket

/** Sends a TCP RST on `socket` (falls back to a plain destroy). */
const resetSocket = (socket: Socket): void => {
  if (typeof socket.resetAndDestroy === "function" && !socket.destroyed) socket.resetAndDestroy()
  else socket.destroy()
}

/** Sends a TCP RST (falls back to a plain destroy) and ends the fiber. */
const resetConnection = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<never> =>
  Effect.suspend(() => {
    resetSocket(socketOf(request))
    return Effect.interrupt
  })

const jsonResponse = (status: number, body: unknown, contentType: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType, headers })

const bodyBytes = (response: HttpServerResponse.HttpServerResponse): Uint8Array => {
  const body = response.body
  switch (body._tag) {
    case "Uint8Array":
      return body.body
    case "Raw":
      return typeof body.body === "string"
        ? new TextEncoder().encode(body.body)
        : body.body instanceof Uint8Array
        ? body.body
        : new Uint8Array(0)
    default:
      return new Uint8Array(0)
  }
}

const truncate = (
  request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse,
  bytes: number | undefined
): Effect.Effect<never> =>
  Effect.async<void>((resume) => {
    const nodeResponse = NodeHttpServerRequest.toServerResponse(request)
    const full = bodyBytes(response)
    const keep = Math.min(full.length, bytes ?? Math.floor(full.length / 2))
    const headers: Record<string, string> = { ...response.headers, "content-length": String(full.length) }
    if (response.body.contentType !== undefined && headers["content-type"] === undefined) {
      headers["content-type"] = response.body.contentType
    }
    nodeResponse.writeHead(response.status, headers)
    nodeResponse.write(full.subarray(0, keep), () => resume(Effect.void))
  }).pipe(Effect.zipRight(resetConnection(request)))

/**
 * Reads and discards the request body (streamed, never buffered) before an early answer, so the client always
 * finishes sending and a keep-alive connection stays in step, as when X's front end answers after reading a request.
 */
const drainBody = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void> =>
  Stream.runDrain(request.stream).pipe(Effect.ignore)

/**
 * A request that is never answered. The body is read and discarded (streamed) so the socket keeps reading: a body left
 * unread would leave the socket paused, the client's close unseen, and the connection open for good. Once the client
 * closes the connection (FIN: Node's server then closes its side; or RST), the request ends (interrupted).
 */
const hang = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<never> =>
  drainBody(request).pipe(
    Effect.zipRight(Effect.async<void>((resume) => {
      const socket = socketOf(request)
      if (socket.destroyed) return resume(Effect.void)
      const onClose = () => resume(Effect.void)
      socket.once("close", onClose)
      return Effect.sync(() => void socket.off("close", onClose))
    })),
    Effect.zipRight(Effect.interrupt)
  )

/**
 * Resets the connection once the socket has read `bytes` more bytes of this request; returns the effect that stops
 * watching (run when the request is done, so a kept-alive socket's next request is not affected).
 */
const watchRequestBytes = (request: HttpServerRequest.HttpServerRequest, bytes: number): Effect.Effect<Effect.Effect<void>> =>
  Effect.sync(() => {
    const socket = socketOf(request)
    // Body bytes the fault stage already read (a peek at command-form fields) count as read.
    const start = socket.bytesRead - peekedLength(request)
    const onData = () => {
      if (socket.bytesRead - start >= bytes) {
        socket.off("data", onData)
        resetSocket(socket)
      }
    }
    if (socket.bytesRead - start >= bytes) {
      onData()
      return Effect.void
    }
    socket.on("data", onData)
    return Effect.sync(() => void socket.off("data", onData))
  })

/**
 * Runs `app` under a decided fault.
 *
 * @internal
 */
export const applyFault = <E, R>(
  applied: Applied,
  subject: FaultSubject,
  app: HttpApp.Default<E, R>
): HttpApp.Default<E, R> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* FiberRef.set(currentFault, Option.some(applied))
    const info = yield* Effect.serviceOption(RequestInfo)
    if (Option.isSome(info)) {
      // The subject may name the operation more precisely than the router could (a command read from the body).
      yield* info.value.update((i) => ({ ...i, operation: subject.operation, fault: `${applied.ruleId}:${applied.action.kind}` }))
    }
    const action = applied.action
    switch (action.kind) {
      case "status":
      case "rateLimit":
      case "usageCapped":
        yield* drainBody(request)
    }
    switch (action.kind) {
      case "status": {
        const fallback = defaultErrorBody(action.status, subject.api)
        return jsonResponse(
          action.status,
          action.body === undefined ? fallback.body : action.body,
          action.contentType ?? fallback.contentType
        )
      }
      case "rateLimit": {
        const now = yield* Clock.currentTimeMillis
        const reset = Math.ceil(now / 1000) + (action.resetAfterSeconds ?? 900)
        const body = defaultErrorBody(429, subject.api)
        return jsonResponse(429, body.body, body.contentType, {
          "x-rate-limit-limit": "0",
          "x-rate-limit-remaining": "0",
          "x-rate-limit-reset": String(reset)
        })
      }
      case "usageCapped":
        return jsonResponse(429, usageCappedBody(action.period, action.scope), "application/problem+json")
      case "resetBeforeHandler":
        return yield* resetConnection(request)
      case "resetAfterCommit": {
        yield* Effect.asVoid(app)
        return yield* resetConnection(request)
      }
      case "resetAfterRequestBytes": {
        const stop = yield* watchRequestBytes(request, action.bytes)
        return yield* Effect.ensuring(app, stop)
      }
      case "hang":
        return yield* hang(request)
      case "latency": {
        yield* Effect.sleep(applied.delayMs ?? action.ms)
        return yield* app
      }
      case "truncateResponse": {
        const response = yield* app
        return yield* truncate(request, response, action.bytes)
      }
      case "processingFailure":
      case "omitCheckAfterSecs":
      case "expireMedia":
        return yield* app
    }
  })

/**
 * Media-level faults, carried out on the emulator's state when one is in context: a matching `expireMedia` rule expires
 * the media named by the request now; a matching `processingFailure` rule, on a request that finalizes media
 * (FINALIZE in any of its forms), makes its processing fail with the rule's `error{code,name,message}` (reported as
 * `failed`, or `in_progress` with the rule's `state`). `omitCheckAfterSecs` is decided by FINALIZE itself
 * (`routes/mediaOps.ts`), once the media is known to be processed asynchronously.
 *
 * @internal
 */
export const applyMediaFaults = (faults: FaultEngine, subject: FaultSubject): Effect.Effect<void> =>
  Effect.gen(function*() {
    const mediaId = subject.mediaId
    if (mediaId === undefined) return
    const state = yield* Effect.serviceOption(State)
    if (Option.isNone(state)) return
    const expire = yield* faults.mediaFault("expireMedia", { ...subject, mediaId })
    if (Option.isSome(expire)) yield* state.value.expireNow(mediaId)
    if (subject.operation.includes("finalize")) {
      const failure = yield* faults.mediaFault("processingFailure", { ...subject, mediaId })
      if (Option.isSome(failure) && failure.value.action.kind === "processingFailure") {
        yield* state.value.forceProcessingFailure(mediaId, injectedFailure(failure.value.action))
      }
    }
  })

/**
 * The fault middleware: decides the fault for the request (from `RequestInfo` when the router has filled it) and
 * carries it out around `app`. Without a matching rule it runs `app` untouched.
 *
 * @example
 * const served = FaultsMiddleware.middleware(router)
 * @internal
 */
export const middleware = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | Faults> =>
  Effect.flatMap(Faults, (faults) => middlewareWith(faults)(app))

/**
 * The fault middleware over a given engine; `enrich` may fill in what the router does not know yet when faults are
 * decided (e.g. the user, before auth has run).
 *
 * @internal
 */
export const middlewareWith = <R2 = never>(
  faults: FaultEngine,
  enrich?: (subject: FaultSubject) => Effect.Effect<FaultSubject, never, R2>
) =>
<E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | R2> =>
  Effect.gen(function*() {
    const raw = yield* currentSubject
    const subject = enrich === undefined ? raw : yield* enrich(raw)
    yield* applyMediaFaults(faults, subject)
    const decided = yield* faults.decide(subject)
    if (Option.isNone(decided)) return yield* app
    return yield* applyFault(decided.value, subject, app)
  })
