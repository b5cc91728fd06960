/**
 * A real node:http server for the transport tests: listens on 127.0.0.1 port 0 for the life of a scope, counts the
 * connections it accepts, and answers with the handler the test gives.
 */
import { Effect, type Scope } from "effect"
import { createHash } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"

/** A running test server. */
export interface TestServer {
  readonly port: number
  /** `http://127.0.0.1:<port><path>` */
  readonly url: (path: string) => string
  /** How many TCP connections the server has accepted so far. */
  readonly connections: () => number
}

/**
 * Starts a server with `handler` for the life of the current scope (every connection is closed at the end);
 * `upgrade` answers requests that ask for a protocol upgrade.
 */
export const serve = (
  handler: (req: Http.IncomingMessage, res: Http.ServerResponse) => void,
  upgrade?: (req: Http.IncomingMessage, socket: Duplex) => void
): Effect.Effect<TestServer, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<{ readonly server: Http.Server; readonly count: { n: number } }>((resume) => {
        const count = { n: 0 }
        const server = Http.createServer(handler)
        server.on("connection", () => count.n++)
        if (upgrade !== undefined) server.on("upgrade", upgrade)
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, count })))
      }),
      ({ server }) =>
        Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        })
    ),
    ({ count, server }) => {
      const port = (server.address() as AddressInfo).port
      return { port, url: (path: string) => `http://127.0.0.1:${port}${path}`, connections: () => count.n }
    }
  )

/** Reads a request's whole body, then calls `f` with it. */
export const collect = (req: Http.IncomingMessage, f: (body: Buffer) => void): void => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => f(Buffer.concat(chunks)))
}

/** Hex sha256 of some bytes. */
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** What the echo handler saw of a request. */
export interface Echo {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly length: number
  readonly sha256: string
  /** The body as UTF-8 (only when it is at most 4 KiB). */
  readonly text: string | null
}

/** Answers 200 with JSON describing the request it received (method, headers, body length and sha256). */
export const echo = (req: Http.IncomingMessage, res: Http.ServerResponse): void =>
  collect(req, (body) => {
    const out: Echo = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      length: body.length,
      sha256: sha256(body),
      text: body.length <= 4096 ? body.toString("utf8") : null
    }
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify(out))
  })

/** One part of a multipart/form-data body. */
export interface Part {
  readonly name: string | null
  readonly filename: string | null
  readonly contentType: string | null
  readonly body: Buffer
}

/** A minimal multipart/form-data parser (enough to check what a client sent). */
export const parseMultipart = (contentType: string, body: Buffer): Array<Part> => {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  if (match === null) throw new Error(`no boundary in ${contentType}`)
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`)
  const parts: Array<Part> = []
  let at = body.indexOf(delimiter)
  while (at >= 0) {
    const start = at + delimiter.length
    if (body.subarray(start, start + 2).toString() === "--") break
    const next = body.indexOf(delimiter, start)
    if (next < 0) throw new Error("unterminated multipart body")
    // "\r\n" headers "\r\n\r\n" content "\r\n"
    const part = body.subarray(start + 2, next - 2)
    const split = part.indexOf("\r\n\r\n")
    const head = part.subarray(0, split).toString("utf8")
    const disposition = /content-disposition:([^\r\n]*)/i.exec(head)?.[1] ?? ""
    parts.push({
      name: /\bname="([^"]*)"/.exec(disposition)?.[1] ?? null,
      filename: /\bfilename="([^"]*)"/.exec(disposition)?.[1] ?? null,
      contentType: /content-type:\s*([^\r\n]*)/i.exec(head)?.[1] ?? null,
      body: Buffer.from(part.subarray(split + 4))
    })
    at = next
  }
  return parts
}
