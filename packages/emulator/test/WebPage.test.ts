/**
 * The `/_emulator/` page's pure parts: SRT -> WebVTT for `<track>`, and the HTML for a state snapshot.
 * (The page in a real browser is tested in apps/demo/test/WebPage.test.ts.)
 */
import { assert, describe, it } from "@effect/vitest"
import type { MediaRecord, PostRecord } from "../src/internal/state/State.js"
import { renderIndex, srtToVtt } from "../src/internal/web/page.js"

describe("srtToVtt", () => {
  it("adds the header, turns commas into dots, keeps cue numbers as identifiers", () => {
    const vtt = srtToVtt("\uFEFF1\r\n00:00:00,000 --> 00:00:01,500\r\nHello\r\n\r\n2\r\n00:00:01,600 --> 00:00:03,000\r\nBye\r\n")
    assert.strictEqual(vtt, "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nHello\n\n2\n00:00:01.600 --> 00:00:03.000\nBye\n")
  })

  it("leaves WebVTT as it is", () => {
    const text = "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"
    assert.strictEqual(srtToVtt(text), text)
  })
})

const media = (over: Partial<MediaRecord>): MediaRecord => ({
  id: "1",
  mediaKey: "7_1",
  ownerId: "1000000000000000001",
  additionalOwners: [],
  category: "tweet_video",
  mediaType: "video/mp4",
  totalBytes: 10,
  shared: false,
  source: "chunked",
  createdAt: 0,
  expiresAt: 86_400_000,
  segments: {},
  bytesReceived: 10,
  finalized: true,
  finalizedAt: 1000,
  subtitles: [],
  ...over
})

describe("renderIndex", () => {
  it("a post's video with one <track> per subtitle track, alt text, processing history; text is escaped", () => {
    const video = media({
      subtitles: [
        { id: "2", language_code: "EN", display_name: "English" },
        { id: "3", language_code: "FR", display_name: "Français" }
      ],
      metadata: { alt_text: { text: "A <test> clip" } },
      probe: { kind: "video", width: 320, height: 180, durationMs: 3000 }
    })
    const image = media({ id: "4", mediaKey: "3_4", category: "tweet_image", mediaType: "image/png", metadata: { alt_text: { text: "A cat" } } })
    const post: PostRecord = {
      id: "9",
      authorId: "1000000000000000001",
      text: "hello <b>world</b>",
      mediaIds: ["1"],
      mediaKeys: ["7_1"],
      createdAt: 2000,
      deleted: false
    }
    const html = renderIndex([post], [video, image, media({ id: "2", mediaKey: "23_2", category: "subtitles" }), media({ id: "3", mediaKey: "23_3", category: "subtitles" })])
    assert.include(html, `<article class="post" data-post-id="9">`)
    assert.include(html, "hello &lt;b&gt;world&lt;/b&gt;")
    assert.include(html, `<video controls preload="metadata" width="480" src="/_emulator/web/media/1">`)
    assert.include(html, `<track kind="subtitles" srclang="en" label="English" src="/_emulator/web/media/1/subtitles/EN" default>`)
    assert.include(html, `<track kind="subtitles" srclang="fr" label="Français" src="/_emulator/web/media/1/subtitles/FR">`)
    assert.include(html, "alt text: A &lt;test&gt; clip")
    assert.include(html, "3.0 s")
    assert.include(html, "processing history")
    // the image is not in a post; subtitle files are not listed as loose media
    assert.include(html, `<img src="/_emulator/web/media/4" alt="A cat">`)
    assert.notInclude(html, `data-media-id="2"`)
  })
})
