/**
 * The summary printed after flows: read back from the API (not from the CLI's memory).
 *
 * - the post (`GET /2/tweets/{id}` with `expansions=attachments.media_keys`): text and the media keys it carries;
 * - each media (`GET /2/media/{media_key}`): type, size in pixels, duration, alt text;
 * - the subtitle tracks on each video: X has no public endpoint that lists them, so on an xmedia emulator they are
 *   read from its admin API (`GET /_emulator/media/{id}`); on real X the lines say they are the tracks X
 *   acknowledged in its `POST /2/media/subtitles` answers.
 *
 * @since 0.1.0
 */
import { HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { MediaLookup, Posts, XClient } from "@xmedia/core"
import { Effect, Option, Schema } from "effect"
import { Connection } from "./Connection.js"
import type { Outcome } from "./Flows.js"

const AdminTrack = Schema.Struct({
  id: Schema.String,
  language_code: Schema.String,
  display_name: Schema.String
})

/** The part of the emulator admin API's media record the summary reads (the rest is ignored). */
const AdminMedia = Schema.Struct({ subtitles: Schema.Array(AdminTrack) })
const AdminMediaEnvelope = Schema.Union(AdminMedia, Schema.Struct({ data: AdminMedia }))

const adminTracks = (baseUrl: string, id: string) =>
  Effect.gen(function*() {
    const client = (yield* XClient.XClient).httpClient
    const response = yield* client.execute(HttpClientRequest.get(`${baseUrl}/_emulator/media/${id}`))
    const body = yield* HttpClientResponse.schemaBodyJson(AdminMediaEnvelope)(response)
    return "data" in body ? body.data.subtitles : body.subtitles
  }).pipe(Effect.option)

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : `${(ms / 1000).toFixed(1)} s`)

/**
 * Reads every outcome back from the API and returns the summary lines.
 *
 * @since 0.1.0
 */
export const readBack = (outcomes: ReadonlyArray<Outcome>) =>
  Effect.gen(function*() {
    const connection = yield* Connection
    const lines: Array<string> = [`Summary (read back from ${connection.baseUrl}):`]
    for (const o of outcomes) {
      const post = yield* Posts.get(o.postId).pipe(Effect.either)
      if (post._tag === "Left") {
        lines.push(`  ${o.name}: post ${o.postId}: cannot read it back (${post.left._tag}: ${post.left.message})`)
        continue
      }
      const keys = post.right.data.attachments?.media_keys ?? []
      lines.push(`  ${o.name} (${o.kind}-post): post ${post.right.data.id} "${post.right.data.text ?? ""}"`)
      if (keys.length === 0) lines.push(`    (the post carries no media)`)
      for (const key of keys) {
        const media = yield* MediaLookup.byKey(key, {
          fields: ["media_key", "type", "width", "height", "duration_ms", "alt_text"]
        }).pipe(Effect.either)
        const id = key.split("_")[1] ?? key
        if (media._tag === "Left") {
          lines.push(`    media ${id} (key ${key}): cannot read it back (${media.left._tag}: ${media.left.message})`)
          continue
        }
        const m = media.right.data
        const facts = [
          m.type,
          m.width !== undefined && m.height !== undefined ? `${m.width}x${m.height}` : undefined,
          seconds(m.duration_ms),
          m.alt_text === undefined ? undefined : `alt "${m.alt_text}"`
        ].filter((x): x is string => x !== undefined)
        lines.push(`    media ${id} (key ${m.media_key}): ${facts.join(", ")}`)
        if (m.type === "video" || key.startsWith("7_") || key.startsWith("13_")) {
          const tracks = connection.emulator ? yield* adminTracks(connection.baseUrl, id) : Option.none()
          if (Option.isSome(tracks)) {
            lines.push(
              `    subtitle tracks: ${
                tracks.value.length === 0
                  ? "none"
                  : tracks.value.map((t) => `${t.language_code} "${t.display_name}" (media ${t.id})`).join(", ")
              }`
            )
          } else if (o.video.id === id) {
            lines.push(
              `    subtitle tracks (as X acknowledged them): ${
                o.tracks.map((t) => `${t.language} "${t.name}" (media ${t.id})`).join(", ") || "none"
              }`
            )
          }
        }
      }
    }
    return lines
  })
