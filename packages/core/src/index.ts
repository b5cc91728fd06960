/**
 * @xmedia/core: every endpoint of X's media API as a typed Effect.
 *
 * @since 0.1.0
 */

/** Branded ids (MediaId, MediaKey, PostId, UserId, LanguageCode) and media vocabularies. @since 0.1.0 */
export * as Ids from "./Ids.js"
/** The X client service: base URLs, credentials, retry overrides; `XClient.layer` / `layerConfig`. @since 0.1.0 */
export * as XClient from "./XClient.js"
/** Credentials: OAuth 2.0 user token (auto refresh) or app-only bearer. @since 0.1.0 */
export * as Auth from "./Auth.js"
/** Typed failures (`Schema.TaggedError`) of every call. @since 0.1.0 */
export * as XError from "./XError.js"
/** Retry policies as values: transient, rateLimit, standard, none. @since 0.1.0 */
export * as Retry from "./Retry.js"
/** Rate-limit headers as data (`RateLimit.Info`). @since 0.1.0 */
export * as RateLimit from "./RateLimit.js"
/** v2 upload endpoints: initialize, append, finalize, status, one-shot upload. @since 0.1.0 */
export * as MediaUpload from "./MediaUpload.js"
/** `POST /2/media/metadata` and the metadata schema. @since 0.1.0 */
export * as MediaMetadata from "./MediaMetadata.js"
/** `POST` / `DELETE /2/media/subtitles`. @since 0.1.0 */
export * as MediaSubtitles from "./MediaSubtitles.js"
/** `GET /2/media/analytics`. @since 0.1.0 */
export * as MediaAnalytics from "./MediaAnalytics.js"
/** `GET /2/media/{media_key}` and `GET /2/media?media_keys=`. @since 0.1.0 */
export * as MediaLookup from "./MediaLookup.js"
/** Posts: create (never retried blindly), remove, get, byUser. @since 0.1.0 */
export * as Posts from "./Posts.js"
/** `GET /2/users/me`. @since 0.1.0 */
export * as Users from "./Users.js"
/** OAuth 1.0a HMAC-SHA1 signing (RFC 5849): base string, signature, `Authorization` header, request signer. @since 0.1.0 */
export * as OAuth1 from "./OAuth1.js"
/** Checks a file before any network call: type sniffed from its bytes, media_category, size limits. @since 0.1.0 */
export * as Preflight from "./Preflight.js"
/** SRT parsing with line-numbered errors, WebVTT to SRT, language-code normalisation. @since 0.1.0 */
export * as SubtitleFile from "./SubtitleFile.js"
/** X's v1.1 media endpoints on the upload host (INIT/APPEND/FINALIZE/STATUS, simple upload, metadata, subtitles). @since 0.1.0 */
export * as MediaV1 from "./MediaV1.js"
/** The chunked uploader: preflight, bounded-concurrency APPENDs from disk, processing wait, progress, resume. @since 0.1.0 */
export * as Uploader from "./Uploader.js"
/** One high-level interface (upload, alt text, subtitles, post) on v2 or v1.1 with one `protocol` option. @since 0.1.0 */
export * as Media from "./Media.js"
