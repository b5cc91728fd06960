/**
 * The emulator's web page at `/_emulator/`: every post, each posted video playable with its subtitle tracks
 * selectable (SRT served as WebVTT for the browser's `<track>`), images with their alt text, and each media's
 * processing history. Plain server-rendered HTML, no scripts, no external assets.
 *
 * Routes (all GET, no auth, loopback only like the rest of the emulator):
 * - `/_emulator/`: the page;
 * - `/_emulator/web/media/:id`: a media's assembled bytes with its content type (byte ranges supported);
 * - `/_emulator/web/media/:id/subtitles/:lang`: a video's subtitle track as `text/vtt`.
 *
 * Written by the demo engineer; the server wires `routes` into its route table.
 *
 * @internal
 */
import { FileSystem, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { HttpFailure } from "../routes/respond.js"
import type { Route } from "../routes/router.js"
import type { MediaRecord, PostRecord } from "../state/State.js"
import { State } from "../state/State.js"

/**
 * Converts SRT text to WebVTT (cue numbers are kept as cue identifiers; `,` becomes `.` in timestamps). WebVTT input
 * is returned as is.
 *
 * @internal
 */
export const srtToVtt = (text: string): string => {
  const body = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n")
  if (/^WEBVTT(?:[ \t\n]|$)/.test(body)) return body
  const converted = body.replace(
    /(\d{1,2}:)?(\d{2}):(\d{2}),(\d{3})(\s*-->\s*)(\d{1,2}:)?(\d{2}):(\d{2}),(\d{3})/g,
    (_m, h1: string | undefined, m1: string, s1: string, ms1: string, arrow: string, h2: string | undefined, m2: string, s2: string, ms2: string) =>
      `${h1 ?? "00:"}${m1}:${s1}.${ms1}${arrow}${h2 ?? "00:"}${m2}:${s2}.${ms2}`
  )
  return `WEBVTT\n\n${converted.trim()}\n`
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z")

const altOf = (m: MediaRecord): string | undefined => {
  const alt = m.metadata?.["alt_text"]
  if (typeof alt === "object" && alt !== null && "text" in alt && typeof alt.text === "string") return alt.text
  return undefined
}

const isVideo = (m: MediaRecord) => m.mediaType.startsWith("video/") || m.probe?.kind === "video"
const isImage = (m: MediaRecord) => m.mediaType.startsWith("image/") || m.probe?.kind === "image" || m.probe?.kind === "gif"

const history = (m: MediaRecord): string => {
  const events = m.processing?.history ?? []
  const rows = [
    `<tr><td>${time(m.createdAt)}</td><td>initialized</td><td>${m.totalBytes} bytes declared</td></tr>`,
    ...(m.finalizedAt === undefined
      ? []
      : [`<tr><td>${time(m.finalizedAt)}</td><td>finalized</td><td>${m.bytesReceived} bytes received</td></tr>`]),
    ...events.map((e) =>
      `<tr><td>${time(e.at)}</td><td>${esc(e.state)}</td><td>${
        e.progress_percent === undefined ? "" : `${e.progress_percent}%`
      }</td></tr>`
    )
  ]
  return `<details class="history"><summary>processing history (${events.length} state change${
    events.length === 1 ? "" : "s"
  })</summary><table><thead><tr><th>at</th><th>state</th><th></th></tr></thead><tbody>${
    rows.join("")
  }</tbody></table></details>`
}

const mediaFacts = (m: MediaRecord) => {
  const facts = [
    `media <code>${esc(m.id)}</code>`,
    `key <code>${esc(m.mediaKey)}</code>`,
    esc(m.category),
    esc(m.mediaType),
    `${m.size ?? m.bytesReceived} bytes`
  ]
  if (m.probe?.width !== undefined && m.probe.height !== undefined) facts.push(`${m.probe.width}x${m.probe.height}`)
  if (m.probe?.durationMs !== undefined) facts.push(`${(m.probe.durationMs / 1000).toFixed(1)} s`)
  return `<p class="facts">${facts.join(" · ")}</p>`
}

const renderMedia = (m: MediaRecord): string => {
  if (isVideo(m)) {
    const tracks = m.subtitles.map((t, i) =>
      `<track kind="subtitles" srclang="${esc(t.language_code.toLowerCase())}" label="${esc(t.display_name)}" src="/_emulator/web/media/${
        encodeURIComponent(m.id)
      }/subtitles/${encodeURIComponent(t.language_code)}"${i === 0 ? " default" : ""}>`
    )
    return `<figure class="media video" data-media-id="${esc(m.id)}"><video controls preload="metadata" width="480" src="/_emulator/web/media/${
      encodeURIComponent(m.id)
    }">${tracks.join("")}</video>${mediaFacts(m)}${
      altOf(m) === undefined ? "" : `<p class="alt">alt text: ${esc(altOf(m) ?? "")}</p>`
    }<p class="tracks">subtitle tracks: ${
      m.subtitles.length === 0
        ? "none"
        : m.subtitles.map((t) =>
          `<span class="track" data-lang="${esc(t.language_code)}">${esc(t.language_code)} · ${esc(t.display_name)} (media <code>${
            esc(t.id)
          }</code>)</span>`
        ).join(", ")
    }</p>${history(m)}</figure>`
  }
  if (isImage(m)) {
    const alt = altOf(m)
    return `<figure class="media image" data-media-id="${esc(m.id)}"><img src="/_emulator/web/media/${encodeURIComponent(m.id)}" alt="${
      esc(alt ?? "")
    }"><figcaption>${alt === undefined ? "<em>no alt text</em>" : `alt text: ${esc(alt)}`}</figcaption>${
      mediaFacts(m)
    }${history(m)}</figure>`
  }
  return `<figure class="media other" data-media-id="${esc(m.id)}">${mediaFacts(m)}${history(m)}</figure>`
}

/**
 * The page for a state snapshot: posts newest first, then media not attached to any post.
 *
 * @internal
 */
export const renderIndex = (posts: ReadonlyArray<PostRecord>, media: ReadonlyArray<MediaRecord>): string => {
  const byId = new Map(media.map((m) => [m.id, m]))
  const live = posts.filter((p) => !p.deleted).slice().sort((a, b) => b.createdAt - a.createdAt)
  const attached = new Set(live.flatMap((p) => p.mediaIds))
  const subtitleFiles = new Set(media.flatMap((m) => m.subtitles.map((t) => t.id)))
  const loose = media.filter((m) => !attached.has(m.id) && !subtitleFiles.has(m.id))
  const postHtml = live.map((p) =>
    `<article class="post" data-post-id="${esc(p.id)}"><header><strong>post <code>${esc(p.id)}</code></strong> by user <code>${
      esc(p.authorId)
    }</code> · ${time(p.createdAt)}</header><p class="text">${esc(p.text)}</p>${
      p.mediaIds.map((id) => {
        const m = byId.get(id)
        return m === undefined ? `<p>media <code>${esc(id)}</code> (gone)</p>` : renderMedia(m)
      }).join("")
    }</article>`
  )
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>xmedia emulator</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#14171a}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem}
.post{border:1px solid #cfd9de;border-radius:12px;padding:1rem;margin:1rem 0}
.text{white-space:pre-wrap} code{font-size:.85em}
video,img{max-width:100%;background:#000;border-radius:8px}
.facts,.tracks,.alt,figcaption{color:#536471;font-size:.85rem;margin:.3rem 0}
table{border-collapse:collapse;font-size:.8rem} td,th{padding:.1rem .6rem;text-align:left}
figure{margin:.5rem 0}
</style></head>
<body><h1>xmedia emulator</h1>
<p>${live.length} post${live.length === 1 ? "" : "s"}, ${media.length} media. This page reloads nothing by itself: refresh to see new posts.</p>
<h2>Posts</h2>
${postHtml.length === 0 ? "<p>No posts yet.</p>" : postHtml.join("\n")}
<h2>Media not in a post</h2>
${loose.length === 0 ? "<p>None.</p>" : loose.map(renderMedia).join("\n")}
</body></html>`
}

const notFound = (what: string) =>
  new HttpFailure({
    status: 404,
    body: { title: "Not Found Error", detail: what, type: "https://api.twitter.com/2/problems/resource-not-found" },
    contentType: "application/problem+json"
  })

const parseRange = (header: string | undefined, size: number): { start: number; end: number } | undefined => {
  if (header === undefined) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null) return undefined
  const [, a, b] = m
  if (a === "" && b === "") return undefined
  if (a === "") {
    const n = Math.min(Number(b), size)
    return { start: size - n, end: size - 1 }
  }
  const start = Number(a)
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1)
  return start <= end && start < size ? { start, end } : undefined
}

const serveMedia = (ctx: { readonly params: Readonly<Record<string, string>> }) =>
  Effect.gen(function*() {
    const state = yield* State
    const fs = yield* FileSystem.FileSystem
    const request = yield* HttpServerRequest.HttpServerRequest
    const media = yield* state.getMedia(ctx.params["id"] ?? "")
    if (media === undefined || !media.finalized) return yield* notFound("no finalized media with this id")
    const file = state.filePath(media.id)
    const bytes = yield* fs.readFile(file).pipe(Effect.mapError(() => notFound("the media's bytes are gone")))
    const range = parseRange(request.headers["range"], bytes.length)
    const contentType = media.probe?.detectedType ?? media.mediaType
    if (range === undefined) {
      return HttpServerResponse.uint8Array(bytes, {
        status: 200,
        contentType,
        headers: { "accept-ranges": "bytes", "cache-control": "no-store" }
      })
    }
    return HttpServerResponse.uint8Array(bytes.subarray(range.start, range.end + 1), {
      status: 206,
      contentType,
      headers: {
        "accept-ranges": "bytes",
        "content-range": `bytes ${range.start}-${range.end}/${bytes.length}`,
        "cache-control": "no-store"
      }
    })
  })

const serveSubtitles = (ctx: { readonly params: Readonly<Record<string, string>> }) =>
  Effect.gen(function*() {
    const state = yield* State
    const fs = yield* FileSystem.FileSystem
    const video = yield* state.getMedia(ctx.params["id"] ?? "")
    const lang = (ctx.params["lang"] ?? "").replace(/\.vtt$/i, "").toUpperCase()
    const track = video?.subtitles.find((t) => t.language_code.toUpperCase() === lang)
    if (video === undefined || track === undefined) return yield* notFound("no such subtitle track on this video")
    const text = yield* fs.readFileString(state.filePath(track.id)).pipe(
      Effect.mapError(() => notFound("the subtitle file's bytes are gone"))
    )
    return HttpServerResponse.text(srtToVtt(text), {
      status: 200,
      contentType: "text/vtt; charset=utf-8",
      headers: { "cache-control": "no-store" }
    })
  })

const page = () =>
  Effect.gen(function*() {
    const state = yield* State
    const posts = yield* state.listPosts
    const media = yield* state.listMedia
    return HttpServerResponse.text(renderIndex(posts, media), {
      status: 200,
      contentType: "text/html; charset=utf-8",
      headers: { "cache-control": "no-store" }
    })
  })

/**
 * The page's routes, in the server's route-table format.
 *
 * @internal
 */
export const routes: ReadonlyArray<Route> = [
  { method: "GET", path: "/_emulator/", operation: "web.page", api: "admin", auth: { _tag: "none" }, handler: page },
  { method: "GET", path: "/_emulator", operation: "web.page", api: "admin", auth: { _tag: "none" }, handler: page },
  {
    method: "GET",
    path: "/_emulator/web/media/:id",
    operation: "web.media",
    api: "admin",
    auth: { _tag: "none" },
    handler: serveMedia
  },
  {
    method: "GET",
    path: "/_emulator/web/media/:id/subtitles/:lang",
    operation: "web.subtitles",
    api: "admin",
    auth: { _tag: "none" },
    handler: serveSubtitles
  }
]
