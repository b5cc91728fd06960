/**
 * Shared plumbing of the v1.1 upload host: the error mapper, the OAuth 1.0a requirement, and an APPEND that takes
 * an already framed multipart body (for the streaming uploader, which frames segments itself).
 *
 * The chunked uploader runs on v1.1 by using `MediaV1.protocol` for initialize / finalize / status, framing each
 * segment with `appendFields(mediaId, index)` (instead of `[["segment_index", i]]`) and sending it with
 * `appendFramed(mediaId, index, body, contentType)`.
 *
 * @internal
 */
import { HttpBody, HttpClientRequest } from "@effect/platform"
import { Effect, Option, Schema } from "effect"
import type * as Ids from "../Ids.js"
import type * as Retry from "../Retry.js"
import { XClient } from "../XClient.js"
import * as XError from "../XError.js"
import * as Endpoint from "./endpoint.js"
import * as V1Errors from "./v1Errors.js"

/** The chunked and simple upload path on the upload host. @internal */
export const UPLOAD_PATH = "/1.1/media/upload.json"

/** An empty (or ignored) 2xx body: 204 for APPEND, 200 without body for metadata and subtitles. @internal */
export const Empty = Schema.Struct({})

/** Maps every non-2xx answer of the upload host with the v1.1 rules. @internal */
export const mapV1Error = (endpoint: string) =>
(context: {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly text: string
  readonly now: number
}): Option.Option<XError.HttpFailure> =>
  Option.some(V1Errors.fromResponse({
    endpoint,
    status: context.status,
    headers: context.headers,
    body: context.text,
    now: context.now
  }))

/**
 * v1.1 only takes OAuth 1.0a user context: an OAuth 2.0 token is refused before any network call (an app-only
 * token is refused by the pipeline with `AppOnlyNotAllowed`).
 *
 * @internal
 */
export const requireOAuth1 = (endpoint: string): Effect.Effect<void, XError.InvalidInput, XClient> =>
  Effect.flatMap(XClient, (client) =>
    client.authorizer.kind === "OAuth2User"
      ? Effect.fail(
        new XError.InvalidInput({
          endpoint,
          field: "auth",
          message: "X's v1.1 media endpoints accept OAuth 1.0a user context only; give the client " +
            "Auth.oauth1User credentials, or use the v2 endpoints (MediaUpload, MediaMetadata, MediaSubtitles)"
        })
      )
      : Effect.void)

/** The text fields of a v1.1 APPEND, in X's order. @internal */
export const appendFields = (mediaId: string, segmentIndex: number): ReadonlyArray<readonly [string, string]> => [
  ["command", "APPEND"],
  ["media_id", mediaId],
  ["segment_index", String(segmentIndex)]
]

/**
 * A v1.1 APPEND with a body already framed as `multipart/form-data` (fields `appendFields(...)` and the `media`
 * part), through the same pipeline as `MediaV1.append`. Answers `{}` (X sends 204 without a body).
 *
 * @internal
 */
export const appendFramed = (
  mediaId: Ids.MediaId,
  segmentIndex: number,
  body: Uint8Array | HttpBody.HttpBody,
  contentType: string,
  retry?: Retry.Policy
): Effect.Effect<{}, XError.V1RequestError, XClient> =>
  Effect.zipRight(
    requireOAuth1("MediaV1.append"),
    Endpoint.executeV1({
      name: "MediaV1.append",
      method: "POST",
      route: "/1.1/media/upload.json?command=APPEND",
      userContext: true,
      host: "upload",
      mediaId,
      success: Empty,
      request: HttpClientRequest.post(UPLOAD_PATH).pipe(
        HttpClientRequest.setBody(body instanceof Uint8Array ? HttpBody.uint8Array(body, contentType) : body)
      ),
      mapError: mapV1Error("MediaV1.append"),
      retry
    })
  ).pipe(
    Effect.withSpan("MediaV1.append", {
      attributes: { "xmedia.media_id": mediaId, "xmedia.segment_index": segmentIndex }
    })
  )
