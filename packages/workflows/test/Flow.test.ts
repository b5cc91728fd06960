import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Flow } from "../src/index.js"

const input: Flow.VideoPostInput = {
  video: "clip.mp4",
  subtitles: [{ file: "clip.en.srt", language: "en-US", name: "English" }, {
    file: "clip.fr.vtt",
    language: "fr",
    name: "Français"
  }],
  text: "Launch"
}

describe("Flow DSL", () => {
  it("before-post: uploads in parallel, post last", () => {
    const flow = Flow.beforePost(input)
    const waves = Flow.waves(flow).map((w) => w.map((s) => s.id))
    assert.deepStrictEqual(waves, [
      ["upload-video", "upload-subtitles-EN", "upload-subtitles-FR"],
      ["await-video"],
      ["associate-EN", "associate-FR"],
      ["create-post"]
    ])
    assert.deepStrictEqual(Flow.validate(flow), [])
  })

  it("after-post: the post comes before the associations", () => {
    const flow = Flow.afterPost(input)
    const waves = Flow.waves(flow).map((w) => w.map((s) => s.id))
    assert.deepStrictEqual(waves, [
      ["upload-video", "upload-subtitles-EN", "upload-subtitles-FR"],
      ["await-video"],
      ["create-post"],
      ["associate-EN", "associate-FR"]
    ])
  })

  it("normalises languages and guesses media types", () => {
    const flow = Flow.beforePost(input)
    const assoc = flow.steps.filter((s) => s._tag === "AssociateSubtitles").map((s) => s.languageCode)
    assert.deepStrictEqual(assoc, ["EN", "FR"])
    const subs = flow.steps.filter((s) => s._tag === "UploadSubtitles").map((s) => s.mediaType)
    assert.deepStrictEqual(subs, ["text/srt", "text/vtt"])
    assert.strictEqual(Flow.normalizeLanguage("pt_BR"), "PT")
    assert.strictEqual(Flow.normalizeLanguage("english"), undefined)
  })

  it("prints a plan without running anything", () => {
    const text = Flow.plan(Flow.beforePost(input))
    assert.include(text, `Flow "before-post": 7 steps in 4 waves`)
    assert.include(text, "wave 1 (3 in parallel)")
    assert.include(text, "upload clip.mp4 as tweet_video (video/mp4)")
    assert.include(text, `associate <upload-subtitles-FR> with <await-video> as FR "Français"`)
    assert.include(text, "[after associate-EN, associate-FR, await-video]")
  })

  it("new flows need no engine change: image + alt text + post", () => {
    const flow = Flow.make("image-alt", (f) => {
      const image = f.uploadImage("cat.png")
      const alt = f.setAltText({ media: image, altText: "A cat" })
      f.createPost({ text: "cat", media: [image] }, { after: [alt] })
    })
    assert.deepStrictEqual(Flow.validate(flow), [])
    assert.deepStrictEqual(Flow.waves(flow).map((w) => w.map((s) => s._tag)), [["UploadMedia"], ["SetAltText"], [
      "CreatePost"
    ]])
  })

  it("replace a track on a posted video", () => {
    const video = Flow.ExistingMedia.make({ mediaId: "1880028106020515840", category: "tweet_video" })
    const flow = Flow.make("replace-track", (f) => {
      const removed = f.removeSubtitles({ video, language: "en" })
      const file = f.uploadSubtitles("new.en.srt")
      f.associateSubtitles({ video, subtitles: file, language: "en", displayName: "English" }, { after: [removed] })
    })
    assert.deepStrictEqual(Flow.validate(flow), [])
    assert.deepStrictEqual(Flow.waves(flow).map((w) => w.map((s) => s.id)), [
      ["remove-subtitles", "upload-subtitles"],
      ["associate-subtitles"]
    ])
  })

  it("a flow is a serialisable value", () => {
    const flow = Flow.afterPost(input)
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(Flow.Flow)(flow)))
    assert.deepStrictEqual(Schema.decodeUnknownSync(Flow.Flow)(json), flow)
  })

  it("validation names the field and what to fix", () => {
    const flow = Flow.make("bad", (f) => {
      const v = f.uploadVideo("a.mp4")
      const s = f.uploadSubtitles("a.srt")
      f.associateSubtitles({ video: v, subtitles: s, language: "english", displayName: "" })
      f.createPost({ text: "x", media: [v, v, v, v, v] })
      f.setAltText({ media: s, altText: "" })
    })
    const problems = Flow.validate(flow)
    const fields = problems.map((p) => p.field)
    assert.include(fields, "steps[2] (associate-subtitles).languageCode")
    assert.include(fields, "steps[2] (associate-subtitles).displayName")
    assert.include(fields, "steps[3] (create-post).media")
    assert.include(fields, "steps[4] (set-alt-text).altText")
    assert.include(fields, "steps[4] (set-alt-text).media")
    assert.match(problems[0]!.message, /two letters/)
  })

  it("rejects duplicate step ids", () => {
    const flow = Flow.make("dup", (f) => {
      f.uploadVideo("a.mp4", { id: "x" })
      f.uploadVideo("b.mp4", { id: "x" })
    })
    assert.deepStrictEqual(Flow.validate(flow).map((p) => p.field), ["steps[1] (x).id"])
  })
})

describe("Flow DSL: three languages", () => {
  it("video + three subtitle languages + post", () => {
    const flow = Flow.beforePost({
      video: "v.mp4",
      subtitles: [
        { file: "v.en.srt", language: "en", name: "English" },
        { file: "v.fr.srt", language: "fr", name: "Français" },
        { file: "v.de.vtt", language: "de-DE", name: "Deutsch" }
      ],
      text: "three"
    })
    assert.deepStrictEqual(Flow.validate(flow), [])
    assert.deepStrictEqual(Flow.waves(flow).map((w) => w.length), [4, 1, 3, 1])
  })
})
