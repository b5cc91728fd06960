/**
 * v1.1 `POST /1.1/statuses/update.json` with `media_ids`: what v1.1 clients post with.
 *
 * @internal
 */
import { HttpServerResponse } from "@effect/platform"
import { Clock, Effect } from "effect"
import { Settings } from "../../config.js"
import type { MediaRecord } from "../../state/State.js"
import { State } from "../../state/State.js"
import { canUse } from "../../state/store.js"
import * as Body from "../body.js"
import { splitCommas } from "../formFields.js"
import { isPostable } from "../mediaOps.js"
import * as Respond from "../respond.js"
import type { Route } from "../router.js"
import { mapV1Errors, v1Auth } from "./media.js"

const v1Date = (ms: number) => {
  const d = new Date(ms)
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  const p = (n: number) => String(n).padStart(2, "0")
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${
    p(d.getUTCSeconds())
  } +0000 ${d.getUTCFullYear()}`
}

const mediaEntity = (m: MediaRecord) => ({
  id: m.id,
  id_str: m.id,
  media_key: m.mediaKey,
  type: m.category === "tweet_gif" ? "animated_gif" : m.category === "tweet_image" ? "photo" : "video"
})

const update: Route = {
  method: "POST",
  path: "/1.1/statuses/update.json",
  operation: "v1.statuses.update",
  api: "v1.1",
  auth: v1Auth,
  handler: (ctx) =>
    mapV1Errors(Effect.gen(function*() {
      const state = yield* State
      const settings = yield* Settings
      const form = { ...Object.fromEntries(ctx.query), ...(yield* Body.readForm(settings.maxJsonBytes)) }
      const text = form["status"] ?? ""
      const ids = splitCommas(form["media_ids"] ?? "")
      if (text === "" && ids.length === 0) return yield* Respond.v1Error(400, 170, "Missing required parameter: status.")
      if (ids.length > 4) return yield* Respond.v1Error(400, 324, "The validation of media ids failed.")
      const now = yield* Clock.currentTimeMillis
      const media: Array<MediaRecord> = []
      for (const id of ids) {
        const m = /^[0-9]{1,19}$/.test(id) ? yield* state.getMedia(id) : undefined
        if (m === undefined || !canUse(m, ctx.auth.userId)) return yield* Respond.v1Error(400, 324, "The validation of media ids failed.")
        if (!isPostable(m, now)) {
          return yield* Respond.v1Error(400, 324, "The validation of media ids failed.")
        }
        media.push(m)
      }
      const gifs = media.filter((m) => m.category === "tweet_gif").length
      const videos = media.filter((m) => m.category === "tweet_video" || m.category === "amplify_video").length
      if (gifs > 0 && media.length > 1) return yield* Respond.v1Error(400, 323, "Animated GIFs are not allowed when uploading multiple images.")
      if (videos > 0 && media.length > 1) return yield* Respond.v1Error(403, 386, "The Tweet exceeds the number of allowed attachment types.")
      const post = yield* state.createPost({
        authorId: ctx.auth.userId ?? "",
        text,
        mediaIds: media.map((m) => m.id),
        mediaKeys: media.map((m) => m.mediaKey)
      })
      yield* state.persist
      const user = settings.identities.users.find((u) => u.id === post.authorId)
      const body = {
        created_at: v1Date(post.createdAt),
        id: post.id,
        id_str: post.id,
        text: post.text,
        user: { id: post.authorId, id_str: post.authorId, screen_name: user?.username ?? "", name: user?.name ?? user?.username ?? "" },
        ...(media.length > 0
          ? { entities: { media: media.map(mediaEntity) }, extended_entities: { media: media.map(mediaEntity) } }
          : {})
      }
      // 64-bit ids as bare JSON numbers next to their *_str twins, as X sends them.
      const json = JSON.stringify(body).replace(/"id":"([0-9]+)"/g, "\"id\":$1")
      return HttpServerResponse.text(json, { status: 200, contentType: "application/json; charset=utf-8" })
    }))
}

/** The v1.1 statuses routes. @internal */
export const routes: ReadonlyArray<Route> = [update]
