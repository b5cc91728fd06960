/**
 * What the uploader sends for a subtitle file, byte for byte, against the fake `HttpClient` of `utils/FakeHttp.ts`:
 * canonical SRT goes out as the file's own bytes (from a path, from bytes, from a stream), SRT that cannot be
 * repaired is refused before any request with the line to fix, and SRT that needed a repair (a dot before the
 * milliseconds, missing cue numbers, empty or zero-length cues) never goes out as its own, non-canonical bytes.
 */
import { NodeContext } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Layer, Stream } from "effect"
import { readFileSync } from "node:fs"
import * as Preflight from "../src/Preflight.js"
import * as Uploader from "../src/Uploader.js"
import { fixturePath, MEDIA_ID, parseAppend, tempFile } from "./UploaderFakeX.js"
import { fakeClient, type Recorded, type Reply } from "./utils/FakeHttp.js"

const fixture = (name: string) => new Uint8Array(readFileSync(fixturePath(name)))
const encode = (text: string) => new TextEncoder().encode(text)

/**
 * A fake X answering the v2 chunked upload (INITIALIZE, APPEND, FINALIZE: a subtitle file needs no processing). It
 * copies each APPEND's media bytes when the request arrives: the uploader reuses its body buffers afterwards.
 */
const fakeX = () => {
  const appended: Array<{ readonly segmentIndex: number; readonly media: Uint8Array }> = []
  const answer = (r: Recorded): Reply => {
    const path = r.url.pathname
    if (path === "/2/media/upload/initialize") {
      return { status: 200, body: { data: { id: MEDIA_ID, media_key: `23_${MEDIA_ID}`, expires_after_secs: 86400 } } }
    }
    if (path === `/2/media/upload/${MEDIA_ID}/append`) {
      const body = r.request.body
      if (body._tag !== "Uint8Array") throw new Error(`an APPEND body of type ${body._tag}`)
      appended.push(parseAppend(body.contentType, body.body))
      return { status: 200, body: {} }
    }
    if (path === `/2/media/upload/${MEDIA_ID}/finalize`) {
      return { status: 200, body: { data: { id: MEDIA_ID, media_key: `23_${MEDIA_ID}`, size: 0 } } }
    }
    return { status: 404, body: { title: "Not Found Error", detail: path, type: "about:blank", status: 404 } }
  }
  const fake = fakeClient(answer)
  /** What X received: INITIALIZE's body and the media bytes of every APPEND, put back in segment order. */
  const received = () => {
    const initialize = fake.requests.find((r) => r.url.pathname.endsWith("/initialize"))
    const segments = [...appended].sort((a, b) => a.segmentIndex - b.segmentIndex)
    const bytes = new Uint8Array(segments.reduce((n, s) => n + s.media.length, 0))
    let offset = 0
    for (const segment of segments) {
      bytes.set(segment.media, offset)
      offset += segment.media.length
    }
    return { initialize: initialize === undefined ? undefined : JSON.parse(initialize.text ?? "null"), bytes }
  }
  return { ...fake, received }
}

type Source = string | Uint8Array | Uploader.StreamSource<never, never>

/** Uploads `source` to a fresh fake X; answers the result (or the failure) and what X received. */
const upload = (source: Source, options?: Uploader.Options) =>
  Effect.gen(function*() {
    const fake = fakeX()
    const result = yield* Uploader.uploadFile(source, options).pipe(
      Effect.either,
      Effect.provide(Layer.merge(fake.layer, NodeContext.layer))
    )
    return { result, requests: fake.requests, ...fake.received() }
  })

/** The three kinds of source the uploader takes, over the same bytes (the stream in 5-byte pieces). */
const sources = (bytes: Uint8Array, name: string) =>
  Effect.map(tempFile(name, bytes), (path): ReadonlyArray<readonly [string, Source]> => [
    ["path", path],
    ["bytes", bytes],
    [
      "stream",
      Uploader.fromStream(
        Stream.fromIterable(Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => bytes.slice(i * 5, i * 5 + 5))),
        { size: bytes.length, name }
      )
    ]
  ])

describe("Uploader.uploadFile: subtitle files", () => {
  it.scoped("a canonical SRT goes out byte for byte, from a path, bytes or a stream, in one or several segments", () =>
    Effect.gen(function*() {
      const files = {
        // CRLF line ends, as Windows tools write them
        "sample.en.srt": fixture("sample.en.srt"),
        // a BOM, cue numbers that are not 1..n, overlapping cues, cue coordinates, a blank-line run, no final newline
        "own-numbers.srt": encode(
          "\uFEFF5\n00:00:00,000 --> 00:00:01,000 X1:10 X2:20 Y1:5 Y2:9\n<i>a</i>\n\n\n\n3\n00:00:00,500 --> 00:00:02,000\nb"
        )
      }
      for (const [name, bytes] of Object.entries(files)) {
        for (const [kind, source] of yield* sources(bytes, name)) {
          for (const chunkSize of [undefined, 16]) {
            const sent = yield* upload(source, { chunkSize })
            const label = `${name} from ${kind}, chunkSize ${chunkSize ?? "default"}`
            assert.isTrue(Either.isRight(sent.result), label)
            assert.deepStrictEqual(
              sent.initialize,
              { media_type: "text/srt", total_bytes: bytes.length, media_category: "subtitles" },
              label
            )
            assert.isTrue(Buffer.from(sent.bytes).equals(Buffer.from(bytes)), `${label}: the file's own bytes`)
          }
        }
      }
    }))

  const refused: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
    [
      "milliseconds with two digits",
      "1\n00:00:00,000 --> 00:00:01,000\nok\n\n2\n00:00:01,00 --> 00:00:02,000\nbad\n",
      ["line 6", "write milliseconds with three digits"]
    ],
    [
      "an end before the start",
      "1\n00:00:02,000 --> 00:00:01,000\nbackwards\n",
      ["line 2", "the end time must be later"]
    ],
    [
      "a cue glued to the previous one (no blank line between them)",
      "1\n00:00:00,000 --> 00:00:01,000\nfirst\n2\n00:00:01,000 --> 00:00:02,000\nsecond\n",
      ["line 5", "put one before line 4"]
    ],
    [
      "a blank line inside a cue's text",
      "1\n00:00:00,000 --> 00:00:01,000\nfirst line\n\nsecond line\n",
      ["line 5", "text outside any cue"]
    ]
  ]
  for (const [name, text, expected] of refused) {
    it.scoped(`refuses ${name} before any request, naming the line and the fix`, () =>
      Effect.gen(function*() {
        for (const [kind, source] of yield* sources(encode(text), "bad.srt")) {
          const sent = yield* upload(source)
          assert.isTrue(Either.isLeft(sent.result), kind)
          if (Either.isRight(sent.result)) continue
          assert.strictEqual(sent.result.left._tag, "InvalidInput", kind)
          for (const part of expected) assert.include(sent.result.left.message, part, kind)
          assert.strictEqual(sent.requests.length, 0, `${kind}: nothing sent`)
        }
      }))
  }

  it.scoped("refuses text that is not UTF-8 before any request, asking for UTF-8", () =>
    Effect.gen(function*() {
      for (const [kind, source] of yield* sources(fixture("latin1.srt"), "latin1.srt")) {
        const sent = yield* upload(source)
        assert.isTrue(Either.isLeft(sent.result), kind)
        if (Either.isRight(sent.result)) continue
        assert.include(sent.result.left.message, "is not UTF-8 SRT text, line 3: byte 0xE9 is not UTF-8", kind)
        assert.include(sent.result.left.message, "save the file as UTF-8", kind)
        assert.strictEqual(sent.requests.length, 0, `${kind}: nothing sent`)
      }
    }))

  // Each repairable variant, the canonical SRT it repairs to, and the repairs preflight reports.
  const repairable: ReadonlyArray<
    readonly [string, Uint8Array, string, ReadonlyArray<readonly [string, ReadonlyArray<number>]>]
  > = [
    [
      "a dot before the milliseconds",
      encode("1\n00:00:01.000 --> 00:00:02.000\nHello\n"),
      "1\n00:00:01,000 --> 00:00:02,000\nHello\n",
      [["dot-separator", [2]]]
    ],
    [
      "cues without numbers",
      encode("00:00:01,000 --> 00:00:02,000\nHello\n\n00:00:02,000 --> 00:00:03,000\nWorld\n"),
      "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:00:03,000\nWorld\n",
      [["missing-number", [1, 4]]]
    ],
    [
      "a cue without text",
      encode("1\n00:00:00,000 --> 00:00:01,000\n\n2\n00:00:01,000 --> 00:00:02,000\nspeech\n"),
      "1\n00:00:01,000 --> 00:00:02,000\nspeech\n",
      [["empty-text", [2]]]
    ],
    [
      "a zero-length cue",
      encode("1\n00:00:01,000 --> 00:00:01,000\nflash\n\n2\n00:00:01,000 --> 00:00:02,000\nstays\n"),
      "1\n00:00:01,000 --> 00:00:02,000\nstays\n",
      [["zero-length", [2]]]
    ],
    [
      "every variant at once, in CRLF",
      fixture("repairable.srt"),
      new TextDecoder().decode(fixture("repairable.repaired.srt")),
      [["dot-separator", [1, 5]], ["missing-number", [1, 7]], ["empty-text", [5]], ["zero-length", [7]]]
    ]
  ]
  for (const [name, bytes, canonical, repairs] of repairable) {
    it.scoped(`an SRT with ${name} goes out as the canonical SRT, and preflight says what it repaired`, () =>
      Effect.gen(function*() {
        const expected = encode(canonical)
        for (const [kind, source] of yield* sources(bytes, "repairable.srt")) {
          for (const chunkSize of [undefined, 16]) {
            const label = `${kind}, chunkSize ${chunkSize ?? "default"}`
            const sent = yield* upload(source, { chunkSize })
            assert.isTrue(Either.isRight(sent.result), label)
            if (Either.isLeft(sent.result)) continue
            assert.strictEqual(sent.result.right.size, expected.length, label)
            assert.deepStrictEqual(
              sent.initialize,
              { media_type: "text/srt", total_bytes: expected.length, media_category: "subtitles" },
              label
            )
            assert.isTrue(Buffer.from(sent.bytes).equals(Buffer.from(expected)), `${label}: the canonical SRT`)
          }
        }
        const inspection = yield* Preflight.inspect(bytes)
        assert.deepStrictEqual(
          inspection.subtitles?.repaired.map((r): readonly [string, ReadonlyArray<number>] => [r.kind, r.lines]),
          repairs
        )
        assert.deepStrictEqual(inspection.subtitles?.canonical, expected)
        assert.strictEqual(inspection.size, expected.length)
      }))
  }
})
