/**
 * Branded identifiers and the small closed vocabularies of X's media API.
 *
 * Every id X hands out is a 64-bit snowflake. It always travels as a decimal **string** here: a JavaScript number
 * cannot hold 19 digits (X's own v1.1 tutorial shows the precision loss), so no id ever passes through `number`.
 *
 * @example
 * ```ts
 * import { Ids } from "@xmedia/core"
 *
 * const id = Ids.MediaId.make("1880028106020515840")
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const snowflake = (brand: string, what: string) =>
  Schema.String.pipe(
    Schema.pattern(/^[0-9]{1,19}$/, {
      message: () => `${what} must be 1 to 19 decimal digits (X's snowflake ids are strings, e.g. "1880028106020515840")`
    }),
    Schema.brand(brand)
  )

/**
 * A media id (the upload session id is the same number): 1-19 decimal digits.
 *
 * @since 0.1.0
 */
export const MediaId = snowflake("MediaId", "A media id")
/** @since 0.1.0 */
export type MediaId = typeof MediaId.Type

/**
 * A media key: the media id with a numeric category prefix, e.g. `13_1880028106020515840`
 * (3 photo, 7 video, 13 amplify video, 16 animated GIF: inferred from X's examples, not documented as a rule).
 *
 * @since 0.1.0
 */
export const MediaKey = Schema.String.pipe(
  Schema.pattern(/^([0-9]+)_([0-9]+)$/, {
    message: () => `A media key looks like "<prefix>_<media id>", e.g. "13_1880028106020515840"`
  }),
  Schema.brand("MediaKey")
)
/** @since 0.1.0 */
export type MediaKey = typeof MediaKey.Type

/**
 * A post (tweet) id.
 *
 * @since 0.1.0
 */
export const PostId = snowflake("PostId", "A post id")
/** @since 0.1.0 */
export type PostId = typeof PostId.Type

/**
 * A user id.
 *
 * @since 0.1.0
 */
export const UserId = snowflake("UserId", "A user id")
/** @since 0.1.0 */
export type UserId = typeof UserId.Type

/**
 * A subtitle language code as X's v2 subtitles endpoint wants it: two upper-case letters (`EN`, `FR`, `ES`).
 * Use `SubtitleFile.normalizeLanguage` to turn user input such as `en-US` into one.
 *
 * @since 0.1.0
 */
export const LanguageCode = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{2}$/, {
    message: () => `A language code is two upper-case letters (ISO 639-1), e.g. "EN" or "FR"`
  }),
  Schema.brand("LanguageCode")
)
/** @since 0.1.0 */
export type LanguageCode = typeof LanguageCode.Type

/**
 * The `media_category` values of the upload endpoints (snake_case).
 *
 * @since 0.1.0
 */
export const MediaCategory = Schema.Literal(
  "tweet_image",
  "tweet_gif",
  "tweet_video",
  "amplify_video",
  "dm_image",
  "dm_gif",
  "dm_video",
  "subtitles"
)
/** @since 0.1.0 */
export type MediaCategory = typeof MediaCategory.Type

/**
 * The `media_category` values of the one-shot `POST /2/media/upload` (X's 2.167 spec): every category but
 * `amplify_video`, which only the chunked upload takes.
 *
 * @since 0.1.0
 */
export const OneShotMediaCategory = MediaCategory.pipe(
  Schema.filter((category): category is Exclude<MediaCategory, "amplify_video"> => category !== "amplify_video", {
    message: () =>
      "the one-shot upload does not take amplify_video: upload it with the chunked upload (Uploader.uploadFile " +
      "or MediaUpload.initialize)"
  })
)
/** @since 0.1.0 */
export type OneShotMediaCategory = typeof OneShotMediaCategory.Type

/**
 * The category of a video as the subtitles endpoints spell it (PascalCase, unlike the upload endpoints).
 *
 * @since 0.1.0
 */
export const SubtitleVideoCategory = Schema.Literal("TweetVideo", "AmplifyVideo")
/** @since 0.1.0 */
export type SubtitleVideoCategory = typeof SubtitleVideoCategory.Type

/**
 * The `media_type` (MIME) values X's v2 initialize accepts.
 *
 * @since 0.1.0
 */
export const MediaType = Schema.Literal(
  "video/mp4",
  "video/webm",
  "video/mp2t",
  "video/quicktime",
  "text/srt",
  "text/vtt",
  "image/jpeg",
  "image/gif",
  "image/bmp",
  "image/png",
  "image/webp",
  "image/pjpeg",
  "image/tiff",
  "model/gltf-binary",
  "model/vnd.usdz+zip"
)
/** @since 0.1.0 */
export type MediaType = typeof MediaType.Type

/**
 * The media key prefix X uses for a category (inferred from X's examples): 3 photo, 16 animated GIF, 7 video,
 * 13 amplify video. X documents no prefix for subtitle files; xmedia uses 23 (a number X's examples never show),
 * and the emulator's docs list this as a known difference.
 *
 * @since 0.1.0
 */
export const mediaKeyPrefix = (category: MediaCategory): string => {
  switch (category) {
    case "tweet_image":
    case "dm_image":
      return "3"
    case "tweet_gif":
    case "dm_gif":
      return "16"
    case "tweet_video":
    case "dm_video":
      return "7"
    case "amplify_video":
      return "13"
    case "subtitles":
      return "23"
  }
}

/**
 * Maps an upload category of a video to the spelling the subtitles endpoints use, or `undefined` for a category
 * that cannot carry subtitles.
 *
 * @since 0.1.0
 */
export const subtitleVideoCategory = (category: MediaCategory): SubtitleVideoCategory | undefined =>
  category === "tweet_video" ? "TweetVideo" : category === "amplify_video" ? "AmplifyVideo" : undefined
