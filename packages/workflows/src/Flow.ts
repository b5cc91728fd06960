/**
 * The flow DSL: a flow is a plain, serialisable value built from typed steps. Results pass between steps as typed
 * references (`Ref<A>`), never strings, and the engine interprets the value: it is never code that the engine has
 * to trust or replay.
 *
 * @example
 * ```ts
 * import { Flow } from "@xmedia/workflows"
 *
 * // image + alt text + post, written without touching the engine
 * const flow = Flow.make("image-with-alt", (f) => {
 *   const image = f.uploadImage("./cat.png")
 *   const alt = f.setAltText({ media: image, altText: "A cat on a sofa" })
 *   f.createPost({ text: "Look", media: [image] }, { after: [alt] })
 * })
 * console.log(Flow.plan(flow))
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { UploadCategory } from "./MediaOps.js"

// -----------------------------------------------------------------------------
// references and step outputs
// -----------------------------------------------------------------------------

declare const RefType: unique symbol

/**
 * A typed reference to the output of an earlier step. `A` is a phantom type: the value is only `{ _tag, step }`.
 *
 * @since 0.1.0
 */
export interface Ref<A> {
  readonly _tag: "Ref"
  readonly step: string
  readonly [RefType]?: A
}

/**
 * The serialised form of a `Ref`.
 *
 * @since 0.1.0
 */
export const RefSchema = Schema.TaggedStruct("Ref", { step: Schema.String })

/**
 * The output of an upload step (and of `awaitProcessing`): the media X knows about.
 *
 * @since 0.1.0
 */
export const Uploaded = Schema.Struct({
  mediaId: Schema.String,
  mediaKey: Schema.String,
  category: UploadCategory,
  /** epoch ms */
  expiresAt: Schema.Number
})
/** @since 0.1.0 */
export type Uploaded = typeof Uploaded.Type

/**
 * The output of `associateSubtitles`.
 *
 * @since 0.1.0
 */
export const Associated = Schema.Struct({
  videoId: Schema.String,
  subtitlesId: Schema.String,
  languageCode: Schema.String
})
/** @since 0.1.0 */
export type Associated = typeof Associated.Type

/**
 * The output of `removeSubtitles`.
 *
 * @since 0.1.0
 */
export const SubtitlesRemoved = Schema.Struct({ videoId: Schema.String, languageCode: Schema.String })
/** @since 0.1.0 */
export type SubtitlesRemoved = typeof SubtitlesRemoved.Type

/**
 * The output of `setAltText`.
 *
 * @since 0.1.0
 */
export const AltTextSet = Schema.Struct({ mediaId: Schema.String })
/** @since 0.1.0 */
export type AltTextSet = typeof AltTextSet.Type

/**
 * The output of `createPost`. `found: true` means the post already existed on X (found by its media key after an
 * interrupted attempt) and was not created again.
 *
 * @since 0.1.0
 */
export const Posted = Schema.Struct({ postId: Schema.String, text: Schema.String, found: Schema.Boolean })
/** @since 0.1.0 */
export type Posted = typeof Posted.Type

/**
 * The output of `deletePost`.
 *
 * @since 0.1.0
 */
export const PostDeleted = Schema.Struct({ postId: Schema.String })
/** @since 0.1.0 */
export type PostDeleted = typeof PostDeleted.Type

/**
 * Any step output (what the journal stores per step).
 *
 * @since 0.1.0
 */
export const StepOutput = Schema.Union(Uploaded, Associated, SubtitlesRemoved, AltTextSet, Posted, PostDeleted)
/** @since 0.1.0 */
export type StepOutput = typeof StepOutput.Type

/**
 * Media that already exists on X (e.g. the video of an earlier post whose subtitle track is replaced).
 *
 * @since 0.1.0
 */
export const ExistingMedia = Schema.TaggedStruct("ExistingMedia", {
  mediaId: Schema.String,
  mediaKey: Schema.optional(Schema.String),
  category: UploadCategory
})
/** @since 0.1.0 */
export type ExistingMedia = typeof ExistingMedia.Type

/**
 * A post that already exists on X.
 *
 * @since 0.1.0
 */
export const ExistingPost = Schema.TaggedStruct("ExistingPost", { postId: Schema.String })
/** @since 0.1.0 */
export type ExistingPost = typeof ExistingPost.Type

/**
 * A media input: the output of an upload step, or media that already exists.
 *
 * @since 0.1.0
 */
export type MediaInput = Ref<Uploaded> | ExistingMedia

const MediaInputSchema = Schema.Union(RefSchema, ExistingMedia)

// -----------------------------------------------------------------------------
// steps
// -----------------------------------------------------------------------------

const common = { id: Schema.String, after: Schema.Array(Schema.String) }

/**
 * Chunked upload of a media file (video, image or GIF).
 *
 * @since 0.1.0
 */
export const UploadMedia = Schema.TaggedStruct("UploadMedia", {
  ...common,
  path: Schema.String,
  category: UploadCategory,
  mediaType: Schema.String
})

/**
 * Upload of a subtitle file (media category `subtitles`).
 *
 * @since 0.1.0
 */
export const UploadSubtitles = Schema.TaggedStruct("UploadSubtitles", {
  ...common,
  path: Schema.String,
  mediaType: Schema.String
})

/**
 * Wait until X has processed a media item (STATUS polling, honouring `check_after_secs`).
 *
 * @since 0.1.0
 */
export const AwaitProcessing = Schema.TaggedStruct("AwaitProcessing", { ...common, media: MediaInputSchema })

/**
 * Associate an uploaded subtitle file with a video (`POST /2/media/subtitles`).
 *
 * @since 0.1.0
 */
export const AssociateSubtitles = Schema.TaggedStruct("AssociateSubtitles", {
  ...common,
  video: MediaInputSchema,
  subtitles: RefSchema,
  languageCode: Schema.String,
  displayName: Schema.String
})

/**
 * Remove a subtitle track from a video (`DELETE /2/media/subtitles`).
 *
 * @since 0.1.0
 */
export const RemoveSubtitles = Schema.TaggedStruct("RemoveSubtitles", {
  ...common,
  video: MediaInputSchema,
  languageCode: Schema.String
})

/**
 * Set the alt text of a media item (`POST /2/media/metadata`).
 *
 * @since 0.1.0
 */
export const SetAltText = Schema.TaggedStruct("SetAltText", { ...common, media: MediaInputSchema, altText: Schema.String })

/**
 * Create a post carrying media (`POST /2/tweets`), at most once.
 *
 * @since 0.1.0
 */
export const CreatePost = Schema.TaggedStruct("CreatePost", {
  ...common,
  text: Schema.String,
  media: Schema.Array(MediaInputSchema)
})

/**
 * Delete a post (`DELETE /2/tweets/{id}`).
 *
 * @since 0.1.0
 */
export const DeletePost = Schema.TaggedStruct("DeletePost", {
  ...common,
  post: Schema.Union(RefSchema, ExistingPost)
})

/**
 * Any step.
 *
 * @since 0.1.0
 */
export const Step = Schema.Union(
  UploadMedia,
  UploadSubtitles,
  AwaitProcessing,
  AssociateSubtitles,
  RemoveSubtitles,
  SetAltText,
  CreatePost,
  DeletePost
)
/** @since 0.1.0 */
export type Step = typeof Step.Type

/**
 * A flow: a name and its steps, in declaration order (a step only references earlier steps).
 *
 * @since 0.1.0
 */
export const Flow = Schema.Struct({ name: Schema.String, steps: Schema.Array(Step) })
/** @since 0.1.0 */
export type Flow = typeof Flow.Type

// -----------------------------------------------------------------------------
// builder
// -----------------------------------------------------------------------------

/**
 * Options every builder method accepts: an explicit step id (default: derived from the kind) and steps that must
 * finish first even though no output is passed (e.g. post only after the subtitles are associated).
 *
 * @since 0.1.0
 */
export interface StepOptions {
  readonly id?: string
  readonly after?: ReadonlyArray<Ref<unknown>>
}

/**
 * The builder handed to `Flow.make`. Each method appends one step and returns a typed reference to its output.
 *
 * @since 0.1.0
 */
export interface Builder {
  readonly uploadVideo: (
    path: string,
    options?: StepOptions & { readonly category?: "tweet_video" | "amplify_video"; readonly mediaType?: string }
  ) => Ref<Uploaded>
  readonly uploadImage: (path: string, options?: StepOptions & { readonly mediaType?: string }) => Ref<Uploaded>
  readonly uploadGif: (path: string, options?: StepOptions) => Ref<Uploaded>
  readonly uploadSubtitles: (path: string, options?: StepOptions) => Ref<Uploaded>
  readonly awaitProcessing: (media: MediaInput, options?: StepOptions) => Ref<Uploaded>
  readonly associateSubtitles: (
    input: {
      readonly video: MediaInput
      readonly subtitles: Ref<Uploaded>
      readonly language: string
      readonly displayName: string
    },
    options?: StepOptions
  ) => Ref<Associated>
  readonly removeSubtitles: (
    input: { readonly video: MediaInput; readonly language: string },
    options?: StepOptions
  ) => Ref<SubtitlesRemoved>
  readonly setAltText: (
    input: { readonly media: MediaInput; readonly altText: string },
    options?: StepOptions
  ) => Ref<AltTextSet>
  readonly createPost: (
    input: { readonly text: string; readonly media: ReadonlyArray<MediaInput> },
    options?: StepOptions
  ) => Ref<Posted>
  readonly deletePost: (post: Ref<Posted> | ExistingPost, options?: StepOptions) => Ref<PostDeleted>
}

const extension = (path: string): string => {
  const dot = path.lastIndexOf(".")
  return dot < 0 ? "" : path.slice(dot + 1).toLowerCase()
}

/**
 * The MIME type X expects for a file, from its extension (the upload step re-checks the real bytes).
 *
 * @since 0.1.0
 */
export const mediaTypeOf = (path: string): string => {
  switch (extension(path)) {
    case "mp4":
    case "m4v":
      return "video/mp4"
    case "mov":
      return "video/quicktime"
    case "webm":
      return "video/webm"
    case "ts":
      return "video/mp2t"
    case "png":
      return "image/png"
    case "jpg":
    case "jpeg":
      return "image/jpeg"
    case "gif":
      return "image/gif"
    case "webp":
      return "image/webp"
    case "vtt":
      return "text/vtt"
    case "srt":
      return "text/srt"
    default:
      return "application/octet-stream"
  }
}

/**
 * Normalise a language tag to X's two upper-case letters: `"en-US"` -> `"EN"`, `"fr"` -> `"FR"`. Returns
 * `undefined` when the primary subtag is not two letters.
 *
 * @since 0.1.0
 */
export const normalizeLanguage = (tag: string): string | undefined => {
  const primary = tag.trim().split(/[-_]/)[0] ?? ""
  return /^[A-Za-z]{2}$/.test(primary) ? primary.toUpperCase() : undefined
}

/**
 * Build a flow. The callback receives a `Builder`; the steps it appends (in order) form the flow.
 *
 * @since 0.1.0
 */
export const make = (name: string, build: (builder: Builder) => void): Flow => {
  const steps: Array<Step> = []
  const counts = new Map<string, number>()
  const idFor = (base: string, options: StepOptions | undefined): string => {
    if (options?.id !== undefined) return options.id
    const n = (counts.get(base) ?? 0) + 1
    counts.set(base, n)
    return n === 1 ? base : `${base}-${n}`
  }
  const after = (options: StepOptions | undefined): ReadonlyArray<string> =>
    (options?.after ?? []).map((ref) => ref.step)
  const push = <A>(step: Step): Ref<A> => {
    steps.push(step)
    return { _tag: "Ref", step: step.id }
  }
  const builder: Builder = {
    uploadVideo: (path, options) =>
      push(UploadMedia.make({
        id: idFor("upload-video", options),
        after: after(options),
        path,
        category: options?.category ?? "tweet_video",
        mediaType: options?.mediaType ?? mediaTypeOf(path)
      })),
    uploadImage: (path, options) =>
      push(UploadMedia.make({
        id: idFor("upload-image", options),
        after: after(options),
        path,
        category: "tweet_image",
        mediaType: options?.mediaType ?? mediaTypeOf(path)
      })),
    uploadGif: (path, options) =>
      push(UploadMedia.make({
        id: idFor("upload-gif", options),
        after: after(options),
        path,
        category: "tweet_gif",
        mediaType: "image/gif"
      })),
    uploadSubtitles: (path, options) =>
      push(UploadSubtitles.make({
        id: idFor("upload-subtitles", options),
        after: after(options),
        path,
        mediaType: mediaTypeOf(path) === "text/vtt" ? "text/vtt" : "text/srt"
      })),
    awaitProcessing: (media, options) =>
      push(AwaitProcessing.make({ id: idFor("await-processing", options), after: after(options), media })),
    associateSubtitles: (input, options) =>
      push(AssociateSubtitles.make({
        id: idFor("associate-subtitles", options),
        after: after(options),
        video: input.video,
        subtitles: { _tag: "Ref", step: input.subtitles.step },
        languageCode: normalizeLanguage(input.language) ?? input.language,
        displayName: input.displayName
      })),
    removeSubtitles: (input, options) =>
      push(RemoveSubtitles.make({
        id: idFor("remove-subtitles", options),
        after: after(options),
        video: input.video,
        languageCode: normalizeLanguage(input.language) ?? input.language
      })),
    setAltText: (input, options) =>
      push(SetAltText.make({
        id: idFor("set-alt-text", options),
        after: after(options),
        media: input.media,
        altText: input.altText
      })),
    createPost: (input, options) =>
      push(CreatePost.make({
        id: idFor("create-post", options),
        after: after(options),
        text: input.text,
        media: input.media
      })),
    deletePost: (post, options) =>
      push(DeletePost.make({ id: idFor("delete-post", options), after: after(options), post }))
  }
  build(builder)
  return { name, steps }
}

// -----------------------------------------------------------------------------
// seed flows
// -----------------------------------------------------------------------------

/**
 * One subtitle track of a seed flow.
 *
 * @since 0.1.0
 */
export interface SubtitleTrack {
  readonly file: string
  /** a language tag; normalised to two upper-case letters ("en-US" -> "EN") */
  readonly language: string
  /** the name shown in the player, e.g. "English" */
  readonly name: string
}

/**
 * The input of the two seed flows.
 *
 * @since 0.1.0
 */
export interface VideoPostInput {
  readonly video: string
  readonly subtitles: ReadonlyArray<SubtitleTrack>
  readonly text: string
  readonly altText?: string | undefined
  readonly category?: "tweet_video" | "amplify_video" | undefined
}

const uploads = (f: Builder, input: VideoPostInput) => {
  const video = f.uploadVideo(input.video, { id: "upload-video", category: input.category ?? "tweet_video" })
  const tracks = input.subtitles.map((track) => {
    const code = normalizeLanguage(track.language) ?? track.language
    return { track, code, file: f.uploadSubtitles(track.file, { id: `upload-subtitles-${code}` }) }
  })
  const ready = f.awaitProcessing(video, { id: "await-video" })
  const alt = input.altText === undefined ? [] : [f.setAltText({ media: ready, altText: input.altText }, {
    id: "set-alt-text"
  })]
  return { ready, tracks, alt }
}

/**
 * Subtitles before the post: upload the video and the subtitle files (in parallel), wait for the video, associate
 * each track, then post. Nothing is posted if any earlier step fails.
 *
 * @since 0.1.0
 */
export const beforePost = (input: VideoPostInput): Flow =>
  make("before-post", (f) => {
    const { alt, ready, tracks } = uploads(f, input)
    const associated = tracks.map(({ code, file, track }) =>
      f.associateSubtitles({ video: ready, subtitles: file, language: code, displayName: track.name }, {
        id: `associate-${code}`
      })
    )
    f.createPost({ text: input.text, media: [ready] }, { id: "create-post", after: [...associated, ...alt] })
  })

/**
 * Subtitles after the post: upload the video (and the subtitle files in parallel), wait for it, post, then
 * associate each track. A failed association leaves the post; a re-run completes only the association.
 *
 * @since 0.1.0
 */
export const afterPost = (input: VideoPostInput): Flow =>
  make("after-post", (f) => {
    const { alt, ready, tracks } = uploads(f, input)
    const post = f.createPost({ text: input.text, media: [ready] }, { id: "create-post", after: alt })
    for (const { code, file, track } of tracks) {
      f.associateSubtitles({ video: ready, subtitles: file, language: code, displayName: track.name }, {
        id: `associate-${code}`,
        after: [post]
      })
    }
  })

// -----------------------------------------------------------------------------
// structure
// -----------------------------------------------------------------------------

/**
 * The ids of the steps a step depends on (through references or `after`).
 *
 * @since 0.1.0
 */
export const dependencies = (step: Step): ReadonlyArray<string> => {
  const refs: Array<string> = [...step.after]
  const media = (input: MediaInput | typeof MediaInputSchema.Type) => {
    if (input._tag === "Ref") refs.push(input.step)
  }
  switch (step._tag) {
    case "UploadMedia":
    case "UploadSubtitles":
      break
    case "AwaitProcessing":
      media(step.media)
      break
    case "AssociateSubtitles":
      media(step.video)
      refs.push(step.subtitles.step)
      break
    case "RemoveSubtitles":
      media(step.video)
      break
    case "SetAltText":
      media(step.media)
      break
    case "CreatePost":
      step.media.forEach(media)
      break
    case "DeletePost":
      if (step.post._tag === "Ref") refs.push(step.post.step)
      break
  }
  return [...new Set(refs)]
}

/**
 * The steps grouped in waves: every step of a wave depends only on steps of earlier waves, so the steps of one
 * wave run concurrently. Assumes a valid flow (see `validate`).
 *
 * @since 0.1.0
 */
export const waves = (flow: Flow): ReadonlyArray<ReadonlyArray<Step>> => {
  const level = new Map<string, number>()
  const result: Array<Array<Step>> = []
  for (const step of flow.steps) {
    const n = dependencies(step).reduce((max, dep) => Math.max(max, (level.get(dep) ?? -1) + 1), 0)
    level.set(step.id, n)
    while (result.length <= n) result.push([])
    result[n]!.push(step)
  }
  return result
}

/**
 * A problem found by `validate`: which field and what to fix.
 *
 * @since 0.1.0
 */
export interface Problem {
  readonly field: string
  readonly message: string
}

const mediaKinds: ReadonlyArray<Step["_tag"]> = ["UploadMedia", "AwaitProcessing"]

/**
 * Check a flow before running it: unique step ids, references to earlier steps of the right kind, two-letter
 * language codes, 1-4 media per post, non-empty alt text of at most 1000 characters. Returns the problems found
 * (empty = valid).
 *
 * @since 0.1.0
 */
export const validate = (flow: Flow): ReadonlyArray<Problem> => {
  const problems: Array<Problem> = []
  const seen = new Map<string, Step>()
  flow.steps.forEach((step, i) => {
    const at = `steps[${i}] (${step.id})`
    if (step.id.length === 0) problems.push({ field: `${at}.id`, message: "a step id must not be empty" })
    if (seen.has(step.id)) {
      problems.push({ field: `${at}.id`, message: `the step id "${step.id}" is used twice; give each step its own id` })
    }
    for (const dep of dependencies(step)) {
      if (!seen.has(dep)) {
        problems.push({ field: at, message: `refers to step "${dep}", which is not declared before it` })
      }
    }
    const checkRef = (field: string, ref: { readonly _tag: string; readonly step?: string }) => {
      if (ref._tag !== "Ref" || ref.step === undefined) return
      const target = seen.get(ref.step)
      if (target !== undefined && !mediaKinds.includes(target._tag)) {
        problems.push({ field: `${at}.${field}`, message: `step "${ref.step}" (${target._tag}) cannot be used here` })
      }
    }
    switch (step._tag) {
      case "AssociateSubtitles":
      case "RemoveSubtitles":
        if (!/^[A-Z]{2}$/.test(step.languageCode)) {
          problems.push({
            field: `${at}.languageCode`,
            message: `"${step.languageCode}" is not a language code; use two letters such as "EN" or a tag like "en-US"`
          })
        }
        checkRef("video", step.video)
        if (step._tag === "AssociateSubtitles") {
          const target = seen.get(step.subtitles.step)
          if (target !== undefined && target._tag !== "UploadSubtitles") {
            problems.push({ field: `${at}.subtitles`, message: `step "${target.id}" is not a subtitles upload` })
          }
          if (step.displayName.trim().length === 0) {
            problems.push({ field: `${at}.displayName`, message: "give the track a name, e.g. \"English\"" })
          }
        }
        break
      case "SetAltText":
        // characters as X counts them (code points, JSON Schema's maxLength): an emoji is one
        if (step.altText.length === 0 || Array.from(step.altText).length > 1000) {
          problems.push({ field: `${at}.altText`, message: "alt text must be 1 to 1000 characters" })
        }
        checkRef("media", step.media)
        break
      case "CreatePost":
        if (step.media.length < 1 || step.media.length > 4) {
          problems.push({ field: `${at}.media`, message: "a post carries 1 to 4 media items" })
        }
        step.media.forEach((m, j) => checkRef(`media[${j}]`, m))
        break
      case "AwaitProcessing":
        checkRef("media", step.media)
        break
      case "DeletePost": {
        const target = step.post._tag === "Ref" ? seen.get(step.post.step) : undefined
        if (target !== undefined && target._tag !== "CreatePost") {
          problems.push({ field: `${at}.post`, message: `step "${target.id}" (${target._tag}) is not a post` })
        }
        break
      }
      default:
        break
    }
    seen.set(step.id, step)
  })
  return problems
}

const describeInput = (input: MediaInput | typeof MediaInputSchema.Type | ExistingPost | Ref<unknown>): string =>
  input._tag === "Ref" ? `<${input.step}>` : input._tag === "ExistingPost" ? `post ${input.postId}` :
  `media ${input.mediaId}`

/**
 * A one-line description of a step.
 *
 * @since 0.1.0
 */
export const describeStep = (step: Step): string => {
  switch (step._tag) {
    case "UploadMedia":
      return `upload ${step.path} as ${step.category} (${step.mediaType})`
    case "UploadSubtitles":
      return `upload ${step.path} as subtitles (${step.mediaType})`
    case "AwaitProcessing":
      return `wait until X has processed ${describeInput(step.media)}`
    case "AssociateSubtitles":
      return `associate ${describeInput(step.subtitles)} with ${
        describeInput(step.video)
      } as ${step.languageCode} "${step.displayName}"`
    case "RemoveSubtitles":
      return `remove the ${step.languageCode} track from ${describeInput(step.video)}`
    case "SetAltText":
      return `set alt text of ${describeInput(step.media)}: ${JSON.stringify(step.altText)}`
    case "CreatePost":
      return `post ${JSON.stringify(step.text)} with ${step.media.map(describeInput).join(", ")}`
    case "DeletePost":
      return `delete ${describeInput(step.post)}`
  }
}

/**
 * Print a flow as a plan, without running it: one block per wave (steps of a wave run concurrently).
 *
 * @example
 * ```ts
 * Flow.plan(Flow.beforePost({ video: "a.mp4", subtitles: [{ file: "a.srt", language: "en", name: "English" }], text: "Hi" }))
 * // Flow "before-post": 5 steps in 4 waves
 * //   wave 1 (2 in parallel)
 * //     upload-video        upload a.mp4 as tweet_video (video/mp4)
 * //     upload-subtitles-EN upload a.srt as subtitles (text/srt)
 * //   ...
 * ```
 *
 * @since 0.1.0
 */
export const plan = (flow: Flow): string => {
  const ws = waves(flow)
  const width = Math.max(0, ...flow.steps.map((s) => s.id.length))
  const lines = [`Flow "${flow.name}": ${flow.steps.length} steps in ${ws.length} waves`]
  ws.forEach((wave, i) => {
    lines.push(`  wave ${i + 1}${wave.length > 1 ? ` (${wave.length} in parallel)` : ""}`)
    for (const step of wave) {
      const deps = dependencies(step)
      lines.push(
        `    ${step.id.padEnd(width)}  ${describeStep(step)}${deps.length > 0 ? `  [after ${deps.join(", ")}]` : ""}`
      )
    }
  })
  return lines.join("\n")
}
