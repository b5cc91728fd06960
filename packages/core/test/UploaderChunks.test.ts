import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import * as Chunks from "../src/internal/chunks.js"
import * as Multipart from "../src/internal/multipart.js"

const MiB = 1024 * 1024

describe("chunk planner", () => {
  it("uses 4 MiB by default and covers the file exactly", () => {
    const plan = Either.getOrThrow(Chunks.plan(10 * MiB + 1))
    assert.deepStrictEqual([plan.chunkSize, plan.segmentCount], [4 * MiB, 3])
    assert.deepStrictEqual(Chunks.segment(plan, 2), { index: 2, offset: 8 * MiB, length: 2 * MiB + 1 })
  })

  it("raises the chunk size so there are never more than 1000 segments", () => {
    const size = 4_500_000_000
    const plan = Either.getOrThrow(Chunks.plan(size, 1 * MiB))
    assert.strictEqual(plan.chunkSize, Math.ceil(size / 1000))
    assert.isAtMost(plan.segmentCount, 1000)
    assert.isAtMost(plan.chunkSize, 5_000_000)
  })

  it("refuses what 1000 segments of 5 MB (5,000,000 bytes) cannot carry, and bad chunk sizes", () => {
    const tooBig = Chunks.plan(1000 * 5_000_000 + 1)
    assert.isTrue(Either.isLeft(tooBig) && tooBig.left.includes("at most 1000 segments"))
    assert.isTrue(Either.isRight(Chunks.plan(1000 * 5_000_000)))
    assert.isTrue(Either.isRight(Chunks.plan(100, 5_000_000)))
    assert.isTrue(Either.isLeft(Chunks.plan(100, 5_000_001)))
    assert.isTrue(Either.isLeft(Chunks.plan(100, 0)))
    assert.isTrue(Either.isLeft(Chunks.plan(0)))
  })
})

describe("multipart framing", () => {
  it("frames the content between the fields and the closing boundary, inside a reused buffer", () => {
    const boundary = Multipart.boundary(0xdeadbeef, 7)
    const framing = Multipart.framing(boundary, [["segment_index", "12"]], {
      name: "media",
      filename: "media",
      contentType: "application/octet-stream"
    })
    const buffer = new Uint8Array(Multipart.overhead(boundary) + 5)
    const { body, content } = Multipart.frameInto(buffer, framing, 3)
    content.set([1, 2, 3])
    const text = new TextDecoder("latin1").decode(body)
    assert.strictEqual(framing.contentType, `multipart/form-data; boundary=${boundary}`)
    assert.strictEqual(
      text,
      `--${boundary}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n12\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="media"\r\n` +
        `Content-Type: application/octet-stream\r\n\r\n\u0001\u0002\u0003\r\n--${boundary}--\r\n`
    )
    assert.strictEqual(body.buffer, buffer.buffer)
  })
})
