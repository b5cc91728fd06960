/**
 * Request body readers with limits: JSON (bounded, parsed), url-encoded forms, and multipart with file parts
 * streamed straight to disk (never held whole in memory).
 *
 * @internal
 */
import { FileSystem, HttpIncomingMessage, HttpServerRequest, Path, type Error as PlatformError } from "@effect/platform"
import { NodeHttpServerRequest, NodeStream } from "@effect/platform-node"
import { Data, Effect, Exit, Option, Scope, Stream } from "effect"
import * as MP from "multipasta"
import * as crypto from "node:crypto"

/** Why a body could not be read; each surface maps it to X's error. @internal */
export class BodyError extends Data.TaggedError("BodyError")<{
  readonly reason: "NotJson" | "WrongContentType" | "TooLarge" | "BrokenMultipart" | "Io"
  readonly limit?: number | undefined
  readonly detail?: string | undefined
}> {}

/** The bare media type of the request's content-type (lower case, no parameters), or "" when absent. @internal */
export const contentTypeOf = (request: HttpServerRequest.HttpServerRequest): string =>
  (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase()

/** The declared content-length, if any. @internal */
export const contentLengthOf = (request: HttpServerRequest.HttpServerRequest): number | undefined => {
  const raw = request.headers["content-length"]
  if (raw === undefined) return undefined
  const n = Number(raw)
  return Number.isFinite(n) ? n : undefined
}

/** Refuses a body whose declared length is over `limit` before reading any of it. @internal */
export const checkDeclaredLength = (request: HttpServerRequest.HttpServerRequest, limit: number) => {
  const len = contentLengthOf(request)
  return len !== undefined && len > limit ? Effect.fail(new BodyError({ reason: "TooLarge", limit })) : Effect.void
}

/** Reads the body as text, at most `limit` bytes. @internal */
export const readText = (limit: number) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* checkDeclaredLength(request, limit)
    return yield* HttpIncomingMessage.withMaxBodySize(request.text, Option.some(limit)).pipe(
      Effect.mapError(() => new BodyError({ reason: "TooLarge", limit }))
    )
  })

/**
 * Reads a JSON body. `undefined` for an empty body. Fails `WrongContentType` when a non-empty body is not
 * `application/json`, `NotJson` when it does not parse.
 *
 * @internal
 */
export const readJson = (
  limit: number,
  options?: { readonly allowTextPlain?: boolean; readonly bigIntsAsStrings?: boolean }
) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const text = yield* readText(limit)
    if (text.trim() === "") return undefined
    const ct = contentTypeOf(request)
    if (ct !== "application/json" && !(options?.allowTextPlain === true && ct === "text/plain")) {
      return yield* new BodyError({ reason: "WrongContentType" })
    }
    const source = options?.bigIntsAsStrings === true ? quoteBigInts(text) : text
    return yield* Effect.try({
      try: (): unknown => JSON.parse(source),
      catch: () => new BodyError({ reason: "NotJson" })
    })
  })

/**
 * Quotes integers of 16+ digits outside strings, so 64-bit ids sent as JSON numbers (v1.1 clients do) keep every
 * digit. @internal
 */
export const quoteBigInts = (text: string): string => {
  let out = ""
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === "\\") {
        out += text[++i] ?? ""
      } else if (c === "\"") inString = false
      continue
    }
    if (c === "\"") {
      inString = true
      out += c
      continue
    }
    if (c >= "0" && c <= "9" && !/[0-9.eE+-]/.test(text[i - 1] ?? "")) {
      let j = i
      while (j < text.length && text[j]! >= "0" && text[j]! <= "9") j++
      const digits = text.slice(i, j)
      if (digits.length >= 16 && !/[.eE]/.test(text[j] ?? "")) out += `"${digits}"`
      else out += digits
      i = j - 1
      continue
    }
    out += c
  }
  return out
}

/** Reads an `application/x-www-form-urlencoded` body. @internal */
export const readForm = (limit: number) =>
  Effect.map(readText(limit), (text) => Object.fromEntries(new URLSearchParams(text)) as Record<string, string>)

/** A file part written to disk. @internal */
export interface DiskFile {
  readonly path: string
  readonly size: number
  readonly sha256: string
}

/** The result of {@link readMultipart}. @internal */
export interface MultipartBody {
  readonly fields: Readonly<Record<string, string>>
  readonly files: Readonly<Record<string, DiskFile>>
}

const tmpName = () => `upload-${crypto.randomBytes(8).toString("hex")}`

/** Writes `stream` to `path`, failing `TooLarge` past `limit` bytes; returns size and sha256. @internal */
export const streamToFile = <E>(
  stream: Stream.Stream<Uint8Array, E>,
  path: string,
  limit: number,
  mapError: (e: E) => BodyError
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const hash = crypto.createHash("sha256")
    let size = 0
    yield* stream.pipe(
      Stream.mapError(mapError),
      Stream.mapEffect((chunk) => {
        size += chunk.length
        if (size > limit) return Effect.fail(new BodyError({ reason: "TooLarge", limit }))
        hash.update(chunk)
        return Effect.succeed(chunk)
      }),
      Stream.run(fs.sink(path)),
      Effect.catchTag("SystemError", "BadArgument", (e) => Effect.fail(new BodyError({ reason: "Io", detail: e.message })))
    )
    return { path, size, sha256: hash.digest("hex") } satisfies DiskFile
  })

/** One thing the multipart parser reported while it was fed a chunk (processed before the next chunk is fed). */
type ParserEvent =
  | { readonly _tag: "Field"; readonly name: string; readonly value: string }
  | { readonly _tag: "FileStart"; readonly name: string }
  | { readonly _tag: "FileChunk"; readonly chunk: Uint8Array }
  | { readonly _tag: "FileEnd" }

/**
 * Whether a multipart part is a file (else a text field): multipasta's rule, except that an `application/json` part is
 * always a field (as `@effect/platform` does). The one rule for the full parse and the fault-stage peek.
 */
const isFilePart = (info: MP.PartInfo): boolean => !info.contentType.includes("application/json") && MP.defaultIsFile(info)

/** Bytes kept back from the parser until more input (or the end) arrives; see {@link parseMultipart}. */
const TAIL = 256

const concatBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const parserFailure = (e: MP.MultipartError): BodyError => {
  if (e._tag === "ReachedLimit") {
    return e.limit === "MaxPartSize" || e.limit === "MaxTotalSize"
      ? new BodyError({ reason: "TooLarge", detail: e.limit })
      : new BodyError({ reason: "BrokenMultipart", detail: e.limit === "MaxFieldSize" ? "FieldTooLarge" : "TooManyParts" })
  }
  return new BodyError({ reason: "BrokenMultipart", detail: e._tag })
}

/**
 * Parses a multipart body given as a stream of bytes (`headers` carry the boundary). Deterministic: the parser
 * (multipasta's core, driven directly) is fed chunk by chunk, file bytes are written to `tmpDir` before the next
 * chunk is fed (backpressure, never the whole body in memory), and when the input ends the parser is told so: a
 * body whose closing boundary was not seen is `BrokenMultipart` ("EndNotReached") at once, with no timer.
 *
 * The last {@link TAIL} bytes are held back until the input ends, so the closing delimiter always reaches the parser
 * in one piece (multipasta misses `--boundary--` when a chunk ends between its two final dashes). Fields: parts
 * without filename whose content type is not `application/octet-stream`, or any `application/json` part (as
 * `@effect/platform` does); each at most 10 MiB. On failure, files already written are removed.
 *
 * @internal
 */
export const parseMultipart = <E>(
  input: Stream.Stream<Uint8Array, E>,
  headers: Readonly<Record<string, string>>,
  tmpDir: string,
  fileLimit: number,
  mapInputError: (e: E) => BodyError
) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const fields: Record<string, string> = {}
    const files: Record<string, DiskFile> = {}
    const written: Array<string> = []
    let events: Array<ParserEvent> = []
    let done = false
    let failure: MP.MultipartError | undefined
    const parser = MP.make({
      headers: headers as Record<string, string>,
      maxFieldSize: 10 * 1024 * 1024,
      isFile: isFilePart,
      onField: (info, value) => {
        events.push({ _tag: "Field", name: info.name, value: MP.decodeField(info, value) })
      },
      onFile: (info) => {
        events.push({ _tag: "FileStart", name: info.name })
        return (chunk) => {
          events.push(chunk === null ? { _tag: "FileEnd" } : { _tag: "FileChunk", chunk })
        }
      },
      onError: (e) => {
        // Bytes after the closing delimiter (an epilogue) are ignored, as RFC 2046 says.
        if (!done && failure === undefined) failure = e
      },
      onDone: () => {
        done = true
      }
    })

    // The file being written: its handle (closed with its scope), hash and size.
    let current:
      | { name: string; path: string; file: FileSystem.File; scope: Scope.CloseableScope; hash: crypto.Hash; size: number }
      | undefined
    const closeCurrent = Effect.suspend(() => {
      const c = current
      current = undefined
      return c === undefined ? Effect.void : Scope.close(c.scope, Exit.void)
    })

    const ioError = (e: PlatformError.PlatformError) => new BodyError({ reason: "Io", detail: e.message })

    const drain = Effect.suspend(() => {
      const batch = events
      events = []
      return Effect.forEach(batch, (event) =>
        Effect.gen(function*() {
          switch (event._tag) {
            case "Field": {
              fields[event.name] = event.value
              return
            }
            case "FileStart": {
              yield* closeCurrent
              const target = path.join(tmpDir, tmpName())
              written.push(target)
              const scope = yield* Scope.make()
              const file = yield* fs.open(target, { flag: "w" }).pipe(
                Scope.extend(scope),
                Effect.tapError(() => Scope.close(scope, Exit.void)),
                Effect.mapError(ioError)
              )
              current = { name: event.name, path: target, file, scope, hash: crypto.createHash("sha256"), size: 0 }
              return
            }
            case "FileChunk": {
              const c = current
              if (c === undefined) return
              c.size += event.chunk.length
              if (c.size > fileLimit) return yield* new BodyError({ reason: "TooLarge", limit: fileLimit })
              c.hash.update(event.chunk)
              yield* c.file.writeAll(event.chunk).pipe(Effect.mapError(ioError))
              return
            }
            case "FileEnd": {
              const c = current
              if (c === undefined) return
              yield* closeCurrent
              files[c.name] = { path: c.path, size: c.size, sha256: c.hash.digest("hex") }
              return
            }
          }
        }), { discard: true })
    })

    const failed = Effect.suspend(() => failure === undefined ? Effect.void : Effect.fail(parserFailure(failure)))

    let tail: Uint8Array = new Uint8Array(0)
    const feed = (chunk: Uint8Array) =>
      Effect.suspend(() => {
        if (chunk.length === 0) return Effect.void
        const all = tail.length === 0 ? chunk : concatBytes(tail, chunk)
        if (all.length <= TAIL) {
          tail = all
          return Effect.void
        }
        parser.write(all.subarray(0, all.length - TAIL))
        tail = all.slice(all.length - TAIL)
        return Effect.zipRight(drain, failed)
      })

    yield* input.pipe(
      Stream.mapError(mapInputError),
      Stream.runForEach(feed),
      Effect.zipRight(Effect.suspend(() => {
        if (tail.length > 0) parser.write(tail)
        tail = new Uint8Array(0)
        parser.end()
        return drain
      })),
      Effect.zipRight(failed),
      Effect.zipRight(Effect.suspend(() =>
        done ? Effect.void : Effect.fail(new BodyError({ reason: "BrokenMultipart", detail: "EndNotReached" }))
      )),
      Effect.ensuring(closeCurrent),
      // Also on interruption (the client went away): no partial file is left in tmp.
      Effect.onError(() => Effect.forEach(written, (p) => fs.remove(p).pipe(Effect.ignore), { discard: true }))
    )
    return { fields, files } satisfies MultipartBody
  })

/**
 * Reads the request's multipart body: fields as strings, files streamed to `tmpDir` (each at most `fileLimit` bytes).
 * A part without a filename and with a text content type arrives as a field (its UTF-8 text). The verdict on a
 * truncated body comes when the request ends (Node's `end`: every declared byte, or the last chunk, has arrived),
 * never from a timer. When parsing stops early (an error), the rest of the body is read and discarded so the answer
 * reaches the client and a kept-alive connection stays in step.
 *
 * @internal
 */
export const readMultipart = (tmpDir: string, fileLimit: number) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (contentTypeOf(request) !== "multipart/form-data") return yield* new BodyError({ reason: "WrongContentType" })
    if (!/;\s*boundary=/i.test(request.headers["content-type"] ?? "")) {
      return yield* new BodyError({ reason: "BrokenMultipart", detail: "InvalidBoundary" })
    }
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    // Bytes a fault-stage peek already took from the socket come first (see peekMultipartFields).
    const peeked = peekedBytes.get(incoming) ?? []
    peekedBytes.delete(incoming)
    const body = Stream.concat(
      Stream.fromIterable(peeked),
      NodeStream.fromReadable<BodyError, Uint8Array>(
        () => incoming,
        (e) => new BodyError({ reason: "Io", detail: e instanceof Error ? e.message : String(e) }),
        { closeOnDone: false }
      )
    )
    return yield* parseMultipart(body, request.headers, tmpDir, fileLimit, (e) => e).pipe(
      Effect.ensuring(Effect.sync(() => {
        if (!incoming.readableEnded && !incoming.destroyed) incoming.resume()
      }))
    )
  })

/** Bytes taken from a request's stream by {@link peekMultipartFields}, replayed first by {@link readMultipart}. */
const peekedBytes = new WeakMap<object, Array<Uint8Array>>()

/**
 * Reads the text fields of a multipart request that come before its first file part, without consuming them: the
 * bytes read are kept and replayed to {@link readMultipart}, so the handler still sees the whole body. Reads at most
 * `maxBytes` (plus one socket chunk) and stops at the first file part, so upload bytes are never buffered: clients
 * send `command`, `media_id` and `segment_index` before the `media` part. Never fails (a broken body yields the
 * fields seen so far; the handler reports it).
 *
 * @internal
 */
export const peekMultipartFields = (maxBytes: number) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (contentTypeOf(request) !== "multipart/form-data" || !/;\s*boundary=/i.test(request.headers["content-type"] ?? "")) {
      return {} as Record<string, string>
    }
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    return yield* Effect.async<Record<string, string>>((resume) => {
      const fields: Record<string, string> = {}
      let stop = false
      let total = 0
      const taken = peekedBytes.get(incoming) ?? []
      peekedBytes.set(incoming, taken)
      const parser = MP.make({
        headers: request.headers as Record<string, string>,
        maxFieldSize: maxBytes,
        isFile: isFilePart,
        onField: (info, value) => {
          fields[info.name] = MP.decodeField(info, value)
        },
        onFile: () => {
          stop = true
          return () => {}
        },
        onError: () => {
          stop = true
        },
        onDone: () => {
          stop = true
        }
      })
      const cleanup = () => {
        incoming.off("readable", onReadable)
        incoming.off("end", finish)
        incoming.off("error", finish)
      }
      function finish() {
        cleanup()
        resume(Effect.succeed(fields))
      }
      function onReadable() {
        while (!stop) {
          const chunk = incoming.read() as Uint8Array | null
          if (chunk === null) return
          taken.push(chunk)
          total += chunk.length
          parser.write(chunk)
          if (total >= maxBytes) stop = true
        }
        finish()
      }
      if (!incoming.readable) {
        resume(Effect.succeed(fields))
        return
      }
      incoming.on("readable", onReadable)
      incoming.on("end", finish)
      incoming.on("error", finish)
      onReadable()
      return Effect.sync(cleanup)
    })
  })

/** How many body bytes {@link peekMultipartFields} has taken from the request and not yet replayed. @internal */
export const peekedLength = (request: HttpServerRequest.HttpServerRequest): number =>
  (peekedBytes.get(NodeHttpServerRequest.toIncomingMessage(request)) ?? []).reduce((n, c) => n + c.length, 0)

/** Writes bytes to a fresh file in `tmpDir`. @internal */
export const bytesToFile = (tmpDir: string, bytes: Uint8Array) =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const target = path.join(tmpDir, tmpName())
    return yield* streamToFile(Stream.succeed(bytes), target, Number.MAX_SAFE_INTEGER, (e: never) => e)
  })

/** Decodes strict base64 (standard alphabet, padding optional, whitespace ignored); undefined when invalid. @internal */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  const clean = text.replace(/\s+/g, "")
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined
  return new Uint8Array(Buffer.from(clean, "base64"))
}
