import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import * as Chunks from "../src/internal/chunks.js"
import * as Multipart from "../src/internal/multipart.js"
import { parseMultipart } from "./utils/FakeHttp.js"

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

  it("encodes whole bodies, with a file part or text fields only (UTF-8), that parse back to the same form", async () => {
    const boundary = Multipart.boundary(1, 2)
    const bytes = new Uint8Array([0, 13, 10, 45, 45, 255])
    const withFile = Multipart.encode(boundary, [["segment_index", "7"]], { ...Multipart.mediaPart, bytes })
    const form = parseMultipart(withFile.contentType, withFile.body)
    assert.strictEqual(form.get("segment_index"), "7")
    const media = form.get("media") as File
    assert.strictEqual(media.name, "media")
    assert.strictEqual(media.type, "application/octet-stream")
    assert.deepStrictEqual(new Uint8Array(await media.arrayBuffer()), bytes)
    const textOnly = Multipart.encode(boundary, [["command", "APPEND"], ["media_data", "AQ=="], ["note", "café"]])
    assert.deepStrictEqual([...parseMultipart(textOnly.contentType, textOnly.body).entries()], [
      ["command", "APPEND"],
      ["media_data", "AQ=="],
      ["note", "café"]
    ])
    // the same body a platform FormData would be read as, by a real multipart parser (undici's Response.formData)
    const parsed = await new Response(withFile.body.slice(), { headers: { "content-type": withFile.contentType } }).formData()
    assert.deepStrictEqual(new Uint8Array(await (parsed.get("media") as File).arrayBuffer()), bytes)
  })
})
