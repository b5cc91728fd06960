import { FileSystem } from "@effect/platform"
import { Effect, Option, Stream } from "effect"
import { createHash } from "node:crypto"
import type { Fingerprint } from "../FlowError.js"

/** size + SHA-256 of a file, or `None` when it does not exist */
export const fingerprint = (path: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const exists = yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false))
    if (!exists) return Option.none<Fingerprint>()
    const hash = createHash("sha256")
    let size = 0
    yield* fs.stream(path, { chunkSize: 1024 * 1024 }).pipe(
      Stream.runForEach((chunk) =>
        Effect.sync(() => {
          size += chunk.length
          hash.update(chunk)
        })
      )
    )
    return Option.some<Fingerprint>({ size, sha256: hash.digest("hex") })
  })

/** `true` when two fingerprints describe the same content */
export const sameFingerprint = (a: Fingerprint, b: Fingerprint): boolean => a.size === b.size && a.sha256 === b.sha256

/** read `length` bytes at `offset` */
export const readSegment = (path: string, offset: number, length: number) =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "r" })
    yield* file.seek(offset, "start")
    const bytes = yield* file.readAlloc(length)
    return Option.getOrElse(bytes, () => new Uint8Array(0))
  }))
