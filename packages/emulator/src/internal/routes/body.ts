/**
 * Request body readers with limits: JSON (bounded, parsed), url-encoded forms, and multipart with file parts
 * streamed straight to disk (never held whole in memory).
 *
 * @internal
 */
import { FileSystem, HttpIncomingMessage, HttpServerRequest, type Multipart, Path } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Data, Effect, Fiber, Option, Stream } from "effect"
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

const multipartError = (e: Multipart.MultipartError) =>
  new BodyError({
    reason: e.reason === "FileTooLarge" || e.reason === "BodyTooLarge" ? "TooLarge" : "BrokenMultipart",
    detail: e.reason
  })

/**
 * Reads a multipart body: fields as strings, files streamed to `tmpDir` (each at most `fileLimit` bytes).
 * A part without a filename and with a text content type arrives as a field (its UTF-8 text). On failure, files
 * already written are removed.
 *
 * @internal
 */
export const readMultipart = (tmpDir: string, fileLimit: number) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    if (contentTypeOf(request) !== "multipart/form-data") return yield* new BodyError({ reason: "WrongContentType" })
    if (!/;\s*boundary=/i.test(request.headers["content-type"] ?? "")) {
      return yield* new BodyError({ reason: "BrokenMultipart", detail: "InvalidBoundary" })
    }
    const fields: Record<string, string> = {}
    const files: Record<string, DiskFile> = {}
    const written: Array<string> = []
    let lastProgress = Date.now()
    yield* (request.multipartStream.pipe(
      Stream.mapError(multipartError),
      Stream.runForEach((part) => {
        lastProgress = Date.now()
        if (part._tag === "Field") {
          fields[part.key] = part.value
          return Effect.void
        }
        if (part._tag !== "File") return Effect.void
        const target = path.join(tmpDir, tmpName())
        written.push(target)
        return Effect.map(
          streamToFile(Stream.tap(part.content, () => Effect.sync(() => {
            lastProgress = Date.now()
          })), target, fileLimit, multipartError),
          (file) => {
            files[part.key] = file
          }
        )
      })
    )).pipe(
      // A body that ends inside a part leaves the parser waiting forever: once the request has fully arrived and the
      // parser has made no progress for a while, call the body broken.
      raceNoWait(Effect.zipRight(requestEnded(request), stalled(() => lastProgress, 1500))),
      Effect.tapError(() =>
        Effect.forEach(written, (p) => fs.remove(p).pipe(Effect.ignore), { discard: true })
      )
    )
    return { fields, files } satisfies MultipartBody
  })

/** A wall-clock delay (transport-level grace, deliberately not `Clock`: a TestClock must not stall I/O). */
const realDelay = (ms: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const t = setTimeout(() => resume(Effect.void), ms)
    return Effect.sync(() => clearTimeout(t))
  })

/** Fails BrokenMultipart once `last()` (epoch ms of the last parser progress) is older than `ms`. */
const stalled = (last: () => number, ms: number): Effect.Effect<never, BodyError> =>
  Effect.suspend(() => {
    const idle = Date.now() - last()
    return idle >= ms
      ? Effect.fail(new BodyError({ reason: "BrokenMultipart", detail: "EndNotReached" }))
      : Effect.zipRight(realDelay(ms - idle + 10), stalled(last, ms))
  })

/** Races two effects; the loser is interrupted in the background (never awaited: a stuck parser cannot hold us). */
const raceNoWait = <B, E2>(that: Effect.Effect<B, E2>) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.raceWith(self, that, {
    onSelfDone: (exit, other) => Effect.zipRight(Fiber.interruptFork(other), exit),
    onOtherDone: (exit, other) => Effect.zipRight(Fiber.interruptFork(other), exit)
  })

/** Completes when the node request has been read to its end (or closed). @internal */
const requestEnded = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const incoming = NodeHttpServerRequest.toIncomingMessage(request)
    if (incoming.readableEnded || incoming.destroyed) return resume(Effect.void)
    const done = () => resume(Effect.void)
    incoming.once("end", done)
    incoming.once("close", done)
    return Effect.sync(() => {
      incoming.off("end", done)
      incoming.off("close", done)
    })
  })

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
