/**
 * The `HttpClientResponse` of the Node transport: a node:http `IncomingMessage` whose body is read once, with plain
 * listeners, into one buffer that `text`, `json`, `arrayBuffer` and `urlParamsBody` all share.
 *
 * @internal
 */
import {
  Cookies,
  Headers,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  UrlParams
} from "@effect/platform"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, Exit, Inspectable, Option, Stream } from "effect"
import type * as Http from "node:http"
import { Readable } from "node:stream"
import { ignore, listen } from "./listeners.js"

type Body = Exit.Exit<Uint8Array<ArrayBuffer>, HttpClientError.ResponseError>

const utf8 = new TextDecoder()

/** Concatenates the chunks into one buffer of its own (never a view into Node's shared pool). */
const concat = (chunks: ReadonlyArray<Uint8Array>, length: number): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/** @internal */
export class NodeClientResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId

  /** The body once read (or its failure); readers that arrive while it is being read wait in `waiters`. */
  private body: Body | undefined
  private waiters: Array<(body: Body) => void> | undefined
  private cachedHeaders: Headers.Headers | undefined
  private cachedCookies: Cookies.Cookies | undefined
  private cachedText: string | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly source: Http.IncomingMessage
  ) {
    super()
  }

  get status(): number {
    return this.source.statusCode ?? 0
  }

  get headers(): Headers.Headers {
    return this.cachedHeaders ??= Headers.fromInput(this.source.headers)
  }

  get cookies(): Cookies.Cookies {
    if (this.cachedCookies !== undefined) return this.cachedCookies
    const header = this.source.headers["set-cookie"]
    return this.cachedCookies = Array.isArray(header) ? Cookies.fromSetCookie(header) : Cookies.empty
  }

  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.source.socket?.remoteAddress)
  }

  private fail(reason: "Decode" | "EmptyBody", cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason, cause })
  }

  /** The failure of a body that was cut (or aborted) before anyone read it. */
  private closedEarly(): HttpClientError.ResponseError {
    return this.fail("Decode", this.source.errored ?? new Error("the response was closed before its body was read"))
  }

  /** The whole body, read on first use and shared by every reader after that. */
  get bytes(): Effect.Effect<Uint8Array<ArrayBuffer>, HttpClientError.ResponseError> {
    return Effect.flatMap(HttpIncomingMessage.MaxBodySize, (maxBodySize) =>
      Effect.async<Uint8Array<ArrayBuffer>, HttpClientError.ResponseError>((resume) => {
        if (this.body !== undefined) return resume(this.body)
        const waiter = (body: Body) => resume(body)
        if (this.waiters !== undefined) {
          this.waiters.push(waiter)
        } else {
          this.waiters = [waiter]
          this.read(Option.getOrUndefined(maxBodySize))
        }
        return Effect.sync(() => {
          const waiters = this.waiters
          if (waiters === undefined) return
          const i = waiters.indexOf(waiter)
          if (i >= 0) waiters.splice(i, 1)
          // nobody wants the body any more: stop reading it and free the connection
          if (waiters.length === 0 && this.body === undefined) {
            this.settle(Exit.fail(this.fail("Decode", new Error("the body read was interrupted"))))
            this.source.destroy()
          }
        })
      }))
  }

  private settle(body: Body): void {
    if (this.body !== undefined) return
    this.body = body
    const waiters = this.waiters ?? []
    this.waiters = undefined
    for (const waiter of waiters) waiter(body)
  }

  private read(maxBytes: number | bigint | undefined): void {
    const source = this.source
    // cut (or aborted) before anyone read it: no event will come any more, so waiting would hang
    if (source.destroyed) return this.settle(Exit.fail(this.closedEarly()))
    const limit = maxBytes === undefined ? undefined : Number(maxBytes)
    const chunks: Array<Uint8Array> = []
    let length = 0
    const onData = (chunk: Uint8Array) => {
      length += chunk.length
      if (limit !== undefined && length > limit) {
        cleanup()
        this.settle(Exit.fail(this.fail("Decode", new Error(`the body is larger than the limit of ${limit} bytes`))))
        source.destroy()
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      this.settle(Exit.succeed(concat(chunks, length)))
    }
    const onError = (cause: unknown) => {
      cleanup()
      this.settle(Exit.fail(this.fail("Decode", cause)))
    }
    // a connection that closes before the end of the body (without an `error` on Node's side)
    const onClose = () => onError(new Error("the connection closed before the end of the response body"))
    const cleanup = () => {
      detach()
      // later errors on a settled body have no reader left; keep them from becoming uncaught
      source.on("error", ignore)
    }
    const detach = listen(source, [["data", onData], ["end", onEnd], ["error", onError], ["close", onClose]])
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, (bytes) => bytes.buffer)
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    if (this.cachedText !== undefined) return Effect.succeed(this.cachedText)
    return Effect.map(this.bytes, (bytes) => this.cachedText ??= utf8.decode(bytes))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : JSON.parse(text) as unknown),
        catch: (cause) => this.fail("Decode", cause)
      }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => UrlParams.fromInput(new URLSearchParams(text)),
        catch: (cause) => this.fail("Decode", cause)
      }))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => {
      // the body is (being) read into the buffer: stream that, the socket has nothing more to give
      if (this.body !== undefined || this.waiters !== undefined) return Stream.fromEffect(this.bytes)
      // cut before anyone read it: no event will come any more
      if (this.source.destroyed) return Stream.fail(this.closedEarly())
      return NodeStream.fromReadable<HttpClientError.ResponseError, Uint8Array>(
        () => this.source,
        (cause) => this.fail("Decode", cause)
      )
    })
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => {
        const init: { headers: globalThis.Headers; status?: number; statusText?: string } = {
          headers: new globalThis.Headers(toHeaderPairs(this.source.headers))
        }
        if (this.source.statusCode) init.status = this.source.statusCode
        if (this.source.statusMessage) init.statusText = this.source.statusMessage
        return new Response(Readable.toWeb(this.source) as ReadableStream<Uint8Array>, init).formData()
      },
      catch: (cause) => this.fail("Decode", cause)
    })
  }

  override toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}

const toHeaderPairs = (headers: Http.IncomingHttpHeaders): Array<[string, string]> => {
  const pairs: Array<[string, string]> = []
  for (const name in headers) {
    const value = headers[name]
    if (Array.isArray(value)) for (const v of value) pairs.push([name, v])
    else if (value !== undefined) pairs.push([name, value])
  }
  return pairs
}
