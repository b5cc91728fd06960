/**
 * v2 posts and users: `POST /2/tweets`, `DELETE /2/tweets/{id}`, `GET /2/tweets/{id}`,
 * `GET /2/users/{id}/tweets`, `GET /2/users/me`.
 *
 * @internal
 */
import { Posts } from "@xmedia/core"
import { Clock, Effect } from "effect"
import type { AuthRequirement } from "../../auth.js"
import { Settings } from "../../config.js"
import type { MediaRecord, PostRecord } from "../../state/State.js"
import { State } from "../../state/State.js"
import { canUse } from "../../state/store.js"
import { isPostable } from "../mediaOps.js"
import * as Respond from "../respond.js"
import type { HandlerContext, Route } from "../router.js"
import { mapErrors } from "./problems.js"
import { data, decodeV2, isId, jsonObject, list, mediaTypeName, notFoundError } from "./shared.js"

const write: AuthRequirement = { _tag: "user", scopes: ["tweet.read", "tweet.write", "users.read"] }
const read: AuthRequirement = { _tag: "user", scopes: ["tweet.read", "users.read"], allowApp: true }

const invalidMedia = (ids: ReadonlyArray<string>) =>
  Respond.invalidRequest("Your media IDs are invalid.", { "media.media_ids": ids })

/** The `:id` path parameter, refused with X's wording unless it is a snowflake id. */
const idParam = (ctx: HandlerContext) => {
  const id = ctx.params["id"] ?? ""
  return isId(id)
    ? Effect.succeed(id)
    : Effect.fail(Respond.invalidRequest(`The \`id\` query parameter value [${id}] is not valid`, { id: [id] }))
}

const shortLink = (id: string) => `https://t.co/${BigInt(id).toString(36).slice(-10)}`

const EXCLUSIVE = ["poll", "quote_tweet_id", "direct_message_deep_link", "card_uri"] as const
const KNOWN = new Set([
  "text",
  "media",
  "reply",
  "reply_settings",
  "for_super_followers_only",
  "geo",
  "nullcast",
  "made_with_ai",
  "paid_partnership",
  "share_with_followers",
  "community_id",
  ...EXCLUSIVE
])

const checkMix = (media: ReadonlyArray<MediaRecord>) => {
  const photos = media.filter((m) => m.category === "tweet_image").length
  const gifs = media.filter((m) => m.category === "tweet_gif").length
  const videos = media.filter((m) => m.category === "tweet_video" || m.category === "amplify_video").length
  if (photos > 4 || gifs > 1 || videos > 1 || (gifs + videos > 0 && media.length > 1)) {
    return Effect.fail(
      Respond.invalidRequest("Your Tweet can contain up to 4 photos, 1 animated GIF or 1 video.", {
        "media.media_ids": media.map((m) => m.id)
      })
    )
  }
  return Effect.void
}

const create: Route = {
  method: "POST",
  path: "/2/tweets",
  operation: "posts.create",
  api: "v2",
  auth: write,
  handler: (ctx) =>
    mapErrors(Effect.gen(function*() {
      const state = yield* State
      const body = yield* jsonObject
      const unknownField = Object.keys(body).find((k) => !KNOWN.has(k))
      if (unknownField !== undefined) {
        return yield* Respond.invalidRequest(`$.${unknownField}: is not defined in the schema and the schema does not allow additional properties`, { [unknownField]: [""] })
      }
      // Core's `Posts.CreateRequest` decides text, media.media_ids (1-4 ids), media.tagged_user_ids (<= 10) and reply;
      // the other top-level fields X accepts (KNOWN) and the sub-fields core does not model (media.call_to_actions,
      // reply.exclude_reply_user_ids, ...) are X's too, so unknown keys are checked above and ignored here.
      const req = yield* decodeV2(Posts.CreateRequest, body, { excess: "ignore" })
      const text = req.text ?? ""
      let mediaRecords: Array<MediaRecord> = []
      if (req.media !== undefined) {
        if (EXCLUSIVE.some((k) => body[k] !== undefined)) {
          return yield* Respond.invalidRequest(
            "You can only provide one of poll or quote_tweet_id or direct_message_deep_link or media or card_uri.",
            { media: [""] }
          )
        }
        const ids: ReadonlyArray<string> = req.media.media_ids
        const now = yield* Clock.currentTimeMillis
        const bad: Array<string> = []
        for (const id of ids) {
          const rec = yield* state.getMedia(id)
          if (rec === undefined || !canUse(rec, ctx.auth.userId) || !isPostable(rec, now)) bad.push(id)
          else mediaRecords.push(rec)
        }
        if (bad.length > 0) return yield* invalidMedia(bad)
        mediaRecords = mediaRecords.filter((r, i) => mediaRecords.findIndex((x) => x.id === r.id) === i)
        yield* checkMix(mediaRecords)
      }
      if (text === "" && mediaRecords.length === 0) {
        return yield* Respond.invalidRequest("Post text or media is required.", { text: [""] })
      }
      const post = yield* state.createPost({
        authorId: ctx.auth.userId ?? "",
        text: mediaRecords.length > 0 ? `${text}${text === "" ? "" : " "}${shortLink(mediaRecords[0]!.id)}` : text,
        mediaIds: mediaRecords.map((r) => r.id),
        mediaKeys: mediaRecords.map((r) => r.mediaKey)
      })
      yield* state.persist
      return data(201, { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] })
    }))
}

const remove: Route = {
  method: "DELETE",
  path: "/2/tweets/:id",
  operation: "posts.delete",
  api: "v2",
  auth: write,
  handler: (ctx) =>
    Effect.gen(function*() {
      const state = yield* State
      const id = yield* idParam(ctx)
      const post = yield* state.getPost(id)
      if (post === undefined || post.deleted) return data(200, { deleted: false })
      if (post.authorId !== ctx.auth.userId) {
        return yield* Respond.notAuthorizedForResource("You are not allowed to delete this Tweet", "tweet", id)
      }
      yield* state.deletePost(id)
      yield* state.persist
      return data(200, { deleted: true })
    })
}

const postView = (post: PostRecord, query: URLSearchParams) => {
  const fields = list(query.get("tweet.fields"))
  const expansions = list(query.get("expansions"))
  const withAttachments = post.mediaKeys.length > 0 &&
    (fields.includes("attachments") || expansions.includes("attachments.media_keys"))
  return {
    id: post.id,
    text: post.text,
    edit_history_tweet_ids: [post.id],
    ...(fields.includes("author_id") ? { author_id: post.authorId } : {}),
    ...(fields.includes("created_at") ? { created_at: new Date(post.createdAt).toISOString() } : {}),
    ...(withAttachments ? { attachments: { media_keys: post.mediaKeys } } : {})
  }
}

const mediaIncludes = (posts: ReadonlyArray<PostRecord>, query: URLSearchParams) =>
  Effect.gen(function*() {
    if (!list(query.get("expansions")).includes("attachments.media_keys")) return undefined
    const state = yield* State
    const keys = Array.from(new Set(posts.flatMap((p) => p.mediaKeys)))
    if (keys.length === 0) return undefined
    const media: Array<unknown> = []
    for (const key of keys) {
      const m = yield* state.getMediaByKey(key)
      if (m !== undefined) media.push({ media_key: m.mediaKey, type: mediaTypeName(m) })
    }
    return { media }
  })

const get: Route = {
  method: "GET",
  path: "/2/tweets/:id",
  operation: "posts.get",
  api: "v2",
  auth: read,
  handler: (ctx) =>
    Effect.gen(function*() {
      const state = yield* State
      const id = yield* idParam(ctx)
      const post = yield* state.getPost(id)
      if (post === undefined || post.deleted) {
        return Respond.json(200, { errors: [notFoundError("tweet", "id", id)] })
      }
      const includes = yield* mediaIncludes([post], ctx.query)
      return Respond.json(200, { data: postView(post, ctx.query), ...(includes === undefined ? {} : { includes }) })
    })
}

const byUser: Route = {
  method: "GET",
  path: "/2/users/:id/tweets",
  operation: "users.tweets",
  api: "v2",
  auth: read,
  handler: (ctx) =>
    Effect.gen(function*() {
      const state = yield* State
      const settings = yield* Settings
      const id = yield* idParam(ctx)
      if (!settings.identities.users.some((u) => u.id === id)) {
        return Respond.json(200, { errors: [notFoundError("user", "id", id)] })
      }
      const rawMax = ctx.query.get("max_results")
      const max = rawMax === null ? 10 : Number(rawMax)
      if (!Number.isInteger(max) || max < 5 || max > 100) {
        return yield* Respond.invalidRequest(
          `The \`max_results\` query parameter value [${rawMax}] is not between 5 and 100`,
          { max_results: [String(rawMax)] }
        )
      }
      const posts = (yield* state.listPosts)
        .filter((p) => p.authorId === id && !p.deleted)
        .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
      const token = ctx.query.get("pagination_token")
      const start = token === null ? 0 : Math.max(0, posts.findIndex((p) => p.id === token))
      const page = posts.slice(start, start + max)
      const next = posts[start + max]
      const meta = page.length === 0
        ? { result_count: 0 }
        : {
          result_count: page.length,
          newest_id: page[0]!.id,
          oldest_id: page[page.length - 1]!.id,
          ...(next !== undefined ? { next_token: next.id } : {})
        }
      const includes = yield* mediaIncludes(page, ctx.query)
      return Respond.json(200, {
        ...(page.length > 0 ? { data: page.map((p) => postView(p, ctx.query)) } : {}),
        ...(includes === undefined ? {} : { includes }),
        meta
      })
    })
}

const me: Route = {
  method: "GET",
  path: "/2/users/me",
  operation: "users.me",
  api: "v2",
  auth: { _tag: "user", scopes: ["tweet.read", "users.read"] },
  handler: (ctx) =>
    Effect.gen(function*() {
      const settings = yield* Settings
      const user = settings.identities.users.find((u) => u.id === ctx.auth.userId)
      if (user === undefined) return yield* Respond.unauthorized()
      return data(200, { id: user.id, name: user.name ?? user.username, username: user.username })
    })
}

/** The v2 post and user routes. @internal */
export const routes: ReadonlyArray<Route> = [create, remove, get, me, byUser]
