/**
 * `MediaMetadata.create`: every constraint of the 13 `metadata` sub-objects (X's spec 2.166 `MetadataCreateRequest`
 * and 2.167 `CreateMediaMetadataMetadata*`). Each test sends the boundary values that X accepts (the body goes out
 * as given) and refuses the first invalid value with `InvalidInput`, its field path and message, and no request.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MediaMetadata } from "../src/index.js"
import { example, fakeClient } from "./utils/FakeHttp.js"

type MetadataInput = NonNullable<typeof MediaMetadata.CreateRequest.Encoded["metadata"]>

const reply = () => ({ status: 200, body: { data: { id: "1" } } })

/** Each `metadata` is accepted and sent unchanged, one request each. */
const accepted = (...all: ReadonlyArray<MetadataInput>) => {
  const fake = fakeClient(reply)
  return Effect.gen(function*() {
    for (const [i, metadata] of all.entries()) {
      yield* MediaMetadata.create({ id: "1", metadata })
      assert.strictEqual(fake.requests.length, i + 1)
      assert.deepStrictEqual(JSON.parse(fake.requests[i]?.text ?? "null"), { id: "1", metadata })
    }
  }).pipe(Effect.provide(fake.layer))
}

/** `metadata` is refused locally: `InvalidInput` on `field` with exactly `message`, and nothing is sent. */
const refused = (metadata: unknown, field: string, message: string) => {
  const fake = fakeClient(reply)
  return Effect.gen(function*() {
    const e = yield* Effect.flip(MediaMetadata.create({ id: "1", metadata: metadata as MetadataInput }))
    assert.strictEqual(e._tag, "InvalidInput")
    if (e._tag !== "InvalidInput") return
    assert.strictEqual(e.endpoint, "MediaMetadata.create")
    assert.strictEqual(e.field, field)
    assert.strictEqual(e.message, message)
    assert.strictEqual(fake.requests.length, 0)
  }).pipe(Effect.provide(fake.layer))
}

const emoji = "\u{1F408}" // one code point, two UTF-16 units

describe("MediaMetadata.create: alt_text", () => {
  it.effect("text is at most 1000 characters counted as code points (JSON Schema maxLength)", () =>
    Effect.gen(function*() {
      yield* accepted(
        { alt_text: { text: "x".repeat(1000) } },
        { alt_text: { text: emoji.repeat(1000) } }, // 2000 UTF-16 units, 1000 characters
        { alt_text: { text: "" } }
      )
      yield* refused(
        { alt_text: { text: "x".repeat(1001) } },
        "metadata.alt_text.text",
        "alt text is at most 1000 characters (got 1001); shorten it"
      )
      yield* refused(
        { alt_text: { text: emoji.repeat(1001) } },
        "metadata.alt_text.text",
        "alt text is at most 1000 characters (got 1001); shorten it"
      )
    }))

  it.effect("text is required", () =>
    refused(
      { alt_text: {} },
      "metadata.alt_text.text",
      "alt_text needs text (the description, at most 1000 characters)"
    ))
})

describe("MediaMetadata.create: allow_download_status and sensitive_media_warning", () => {
  it.effect("every key optional, booleans only", () =>
    Effect.gen(function*() {
      yield* accepted(
        { allow_download_status: {}, sensitive_media_warning: {} },
        {
          allow_download_status: { allow_download: false },
          sensitive_media_warning: { adult_content: true, graphic_violence: false, other: true }
        }
      )
      yield* refused(
        { allow_download_status: { allow_download: "yes" } },
        "metadata.allow_download_status.allow_download",
        "Expected boolean, actual \"yes\""
      )
      yield* refused(
        { sensitive_media_warning: { other: 1 } },
        "metadata.sensitive_media_warning.other",
        "Expected boolean, actual 1"
      )
    }))
})

describe("MediaMetadata.create: audience_policy", () => {
  it.effect("list items can only be \"Any\"", () =>
    Effect.gen(function*() {
      yield* accepted(
        { audience_policy: {} },
        { audience_policy: { creator_subscriptions: ["Any"], x_subscriptions: ["Any"] } },
        { audience_policy: { creator_subscriptions: [], x_subscriptions: [] } }
      )
      yield* refused(
        { audience_policy: { x_subscriptions: ["All"] } },
        "metadata.audience_policy.x_subscriptions.0",
        "an audience_policy entry can only be \"Any\" (got \"All\")"
      )
      yield* refused(
        { audience_policy: { creator_subscriptions: ["Any", "any"] } },
        "metadata.audience_policy.creator_subscriptions.1",
        "an audience_policy entry can only be \"Any\" (got \"any\")"
      )
    }))
})

describe("MediaMetadata.create: content_expiration", () => {
  it.effect("timestamp_sec is a whole number (format long) that a JavaScript number holds exactly", () =>
    Effect.gen(function*() {
      yield* accepted(
        { content_expiration: { timestamp_sec: 1740787200 } },
        { content_expiration: { timestamp_sec: 0 } },
        { content_expiration: { timestamp_sec: Number.MAX_SAFE_INTEGER } }
      )
      const says = (got: string) =>
        "content_expiration.timestamp_sec (Unix seconds) must be a whole number (X's format \"long\"), e.g. " +
        `1740787200, within ±9007199254740991 so it reaches X exactly (got ${got})`
      yield* refused(
        { content_expiration: { timestamp_sec: 1740787200.5 } },
        "metadata.content_expiration.timestamp_sec",
        says("1740787200.5")
      )
      yield* refused(
        { content_expiration: { timestamp_sec: Number.MAX_SAFE_INTEGER + 1 } },
        "metadata.content_expiration.timestamp_sec",
        says("9007199254740992")
      )
      yield* refused(
        { content_expiration: { timestamp_sec: Number.NaN } },
        "metadata.content_expiration.timestamp_sec",
        says("NaN")
      )
    }))

  it.effect("timestamp_sec is required", () =>
    refused(
      { content_expiration: {} },
      "metadata.content_expiration.timestamp_sec",
      "content_expiration needs timestamp_sec (Unix seconds when the media expires, e.g. 1740787200)"
    ))
})

describe("MediaMetadata.create: domain_restrictions", () => {
  it.effect("whitelist is required (a list of strings, may be empty)", () =>
    Effect.gen(function*() {
      yield* accepted(
        { domain_restrictions: { whitelist: [] } },
        { domain_restrictions: { whitelist: ["example.com", "x.com"] } }
      )
      yield* refused(
        { domain_restrictions: {} },
        "metadata.domain_restrictions.whitelist",
        "domain_restrictions needs whitelist (the list of allowed domains)"
      )
    }))
})

describe("MediaMetadata.create: found_media_origin", () => {
  it.effect("provider is at most 8 characters", () =>
    Effect.gen(function*() {
      yield* accepted(
        { found_media_origin: { provider: "giphy", id: "u5BzatR15TZ04" } },
        { found_media_origin: { provider: "p".repeat(8), id: "1" } },
        { found_media_origin: { provider: emoji.repeat(8), id: "1" } }
      )
      yield* refused(
        { found_media_origin: { provider: "p".repeat(9), id: "1" } },
        "metadata.found_media_origin.provider",
        "found_media_origin.provider is at most 8 characters, e.g. \"giphy\" (got 9); shorten it"
      )
    }))

  it.effect("id is at most 24 characters", () =>
    Effect.gen(function*() {
      yield* accepted(
        { found_media_origin: { provider: "giphy", id: "i".repeat(24) } },
        { found_media_origin: { provider: "giphy", id: emoji.repeat(24) } }
      )
      yield* refused(
        { found_media_origin: { provider: "giphy", id: "i".repeat(25) } },
        "metadata.found_media_origin.id",
        "found_media_origin.id is at most 24 characters (got 25); shorten it"
      )
    }))

  it.effect("provider and id are both required", () =>
    Effect.gen(function*() {
      yield* refused(
        { found_media_origin: { id: "1" } },
        "metadata.found_media_origin.provider",
        "found_media_origin needs provider (at most 8 characters, e.g. \"giphy\")"
      )
      yield* refused(
        { found_media_origin: { provider: "giphy" } },
        "metadata.found_media_origin.id",
        "found_media_origin needs id (the media's id at the provider, at most 24 characters)"
      )
    }))
})

describe("MediaMetadata.create: geo_restrictions", () => {
  it.effect("country codes match ^[a-zA-Z]{2}$", () =>
    Effect.gen(function*() {
      yield* accepted(
        { geo_restrictions: { whitelisted_country_codes: ["US", "us", "Fr"], blacklisted_country_codes: [] } },
        { geo_restrictions: { whitelisted_country_codes: [], blacklisted_country_codes: ["zz"] } }
      )
      yield* refused(
        { geo_restrictions: { whitelisted_country_codes: ["USA"], blacklisted_country_codes: [] } },
        "metadata.geo_restrictions.whitelisted_country_codes.0",
        "a country code is two letters (ISO 3166-1 alpha-2), e.g. \"US\" (got \"USA\")"
      )
      yield* refused(
        { geo_restrictions: { whitelisted_country_codes: [], blacklisted_country_codes: ["FR", "F1"] } },
        "metadata.geo_restrictions.blacklisted_country_codes.1",
        "a country code is two letters (ISO 3166-1 alpha-2), e.g. \"US\" (got \"F1\")"
      )
      yield* refused(
        { geo_restrictions: { whitelisted_country_codes: ["U"], blacklisted_country_codes: [] } },
        "metadata.geo_restrictions.whitelisted_country_codes.0",
        "a country code is two letters (ISO 3166-1 alpha-2), e.g. \"US\" (got \"U\")"
      )
    }))

  it.effect("exactly one of the two lists is non-empty (the oneOf)", () =>
    Effect.gen(function*() {
      yield* accepted(
        { geo_restrictions: { whitelisted_country_codes: ["US"], blacklisted_country_codes: [] } },
        { geo_restrictions: { whitelisted_country_codes: [], blacklisted_country_codes: ["US"] } }
      )
      yield* refused(
        { geo_restrictions: { whitelisted_country_codes: ["US"], blacklisted_country_codes: ["FR"] } },
        "metadata.geo_restrictions",
        "geo_restrictions needs exactly one non-empty list, but both have country codes: keep " +
          "whitelisted_country_codes or blacklisted_country_codes and send the other as []"
      )
      yield* refused(
        { geo_restrictions: { whitelisted_country_codes: [], blacklisted_country_codes: [] } },
        "metadata.geo_restrictions",
        "geo_restrictions needs exactly one non-empty list, but both are empty: put the country codes in " +
          "whitelisted_country_codes or blacklisted_country_codes"
      )
    }))

  it.effect("both keys are required", () =>
    Effect.gen(function*() {
      yield* refused(
        { geo_restrictions: { whitelisted_country_codes: ["US"] } },
        "metadata.geo_restrictions.blacklisted_country_codes",
        "geo_restrictions sends both lists: give blacklisted_country_codes ([] when you whitelist)"
      )
      yield* refused(
        { geo_restrictions: { blacklisted_country_codes: ["US"] } },
        "metadata.geo_restrictions.whitelisted_country_codes",
        "geo_restrictions sends both lists: give whitelisted_country_codes ([] when you blacklist)"
      )
    }))
})

describe("MediaMetadata.create: management_info, shared_info, upload_source", () => {
  it.effect("management_info.managed is required", () =>
    Effect.gen(function*() {
      yield* accepted({ management_info: { managed: false } }, { management_info: { managed: true } })
      yield* refused(
        { management_info: {} },
        "metadata.management_info.managed",
        "management_info needs managed (true when Media Studio manages the media)"
      )
    }))

  it.effect("shared_info.shared is required", () =>
    Effect.gen(function*() {
      yield* accepted({ shared_info: { shared: false } }, { shared_info: { shared: true } })
      yield* refused(
        { shared_info: {} },
        "metadata.shared_info.shared",
        "shared_info needs shared (true when the media is shared in direct messages)"
      )
    }))

  it.effect("upload_source.upload_source is required", () =>
    Effect.gen(function*() {
      yield* accepted({ upload_source: { upload_source: "gallery" } }, { upload_source: { upload_source: "" } })
      yield* refused(
        { upload_source: {} },
        "metadata.upload_source.upload_source",
        "upload_source needs upload_source (where the media came from, e.g. \"gallery\")"
      )
    }))
})

describe("MediaMetadata.create: preview_image", () => {
  it.effect("media_key is required; nothing inside it is, media_category (default TweetImage) may be left out", () =>
    Effect.gen(function*() {
      yield* accepted(
        { preview_image: { media_key: { media: "1146654567674912769" } } },
        { preview_image: { media_key: { media: "1146654567674912769", media_category: "TweetImage" } } },
        { preview_image: { media_key: {} } }
      )
      yield* refused(
        { preview_image: {} },
        "metadata.preview_image.media_key",
        "preview_image needs media_key, e.g. { media: \"<image media id>\" }"
      )
    }))

  it.effect("media_category can only be TweetImage", () =>
    refused(
      { preview_image: { media_key: { media: "1", media_category: "PreviewImage" } } },
      "metadata.preview_image.media_key.media_category",
      "preview_image.media_key.media_category can only be \"TweetImage\", X's default: leave it out " +
        "(got \"PreviewImage\")"
    ))

  it.effect("media is a media id (1 to 19 digits)", () =>
    Effect.gen(function*() {
      yield* accepted({ preview_image: { media_key: { media: "9".repeat(19) } } })
      yield* refused(
        { preview_image: { media_key: { media: "9".repeat(20) } } },
        "metadata.preview_image.media_key.media",
        "A media id must be 1 to 19 decimal digits (X's snowflake ids are strings, e.g. \"1880028106020515840\")"
      )
    }))
})

describe("MediaMetadata.create: sticker_info", () => {
  it.effect("stickers: 1 to 25", () =>
    Effect.gen(function*() {
      yield* accepted(
        { sticker_info: { stickers: [{}] } },
        { sticker_info: { stickers: Array.from({ length: 25 }, (_, i) => ({ id: String(i) })) } }
      )
      yield* refused(
        { sticker_info: { stickers: [] } },
        "metadata.sticker_info.stickers",
        "sticker_info.stickers must not be empty (1 to 25 stickers)"
      )
      yield* refused(
        { sticker_info: { stickers: Array.from({ length: 26 }, () => ({})) } },
        "metadata.sticker_info.stickers",
        "sticker_info.stickers takes at most 25 stickers (got 26); remove some"
      )
    }))

  it.effect("stickers is required", () =>
    refused({ sticker_info: {} }, "metadata.sticker_info.stickers", "sticker_info needs stickers (1 to 25 stickers)"))

  it.effect("aspect_ratio and the transforms are finite numbers (format double)", () =>
    Effect.gen(function*() {
      yield* accepted({
        sticker_info: {
          stickers: [{
            aspect_ratio: 1.78,
            transform_a: 1,
            transform_b: 0,
            transform_c: -0.25,
            transform_d: Number.MAX_VALUE,
            transform_tx: 10.5,
            transform_ty: -5.2
          }]
        }
      })
      yield* refused(
        { sticker_info: { stickers: [{ aspect_ratio: Number.POSITIVE_INFINITY }] } },
        "metadata.sticker_info.stickers.0.aspect_ratio",
        "aspect_ratio must be a finite number (got Infinity); JSON has no NaN or Infinity"
      )
      for (const key of ["transform_a", "transform_b", "transform_c", "transform_d", "transform_tx", "transform_ty"]) {
        yield* refused(
          { sticker_info: { stickers: [{}, { [key]: Number.NaN }] } },
          `metadata.sticker_info.stickers.1.${key}`,
          `${key} must be a finite number (got NaN); JSON has no NaN or Infinity`
        )
      }
    }))

  it.effect("group_annotation_id and sticker_set_annotation_id are whole numbers (format long)", () =>
    Effect.gen(function*() {
      yield* accepted({
        sticker_info: {
          stickers: [
            { group_annotation_id: 987654321098765, sticker_set_annotation_id: 123456789012345 },
            { group_annotation_id: Number.MAX_SAFE_INTEGER, sticker_set_annotation_id: -Number.MAX_SAFE_INTEGER }
          ]
        }
      })
      yield* refused(
        { sticker_info: { stickers: [{ group_annotation_id: 1.5 }] } },
        "metadata.sticker_info.stickers.0.group_annotation_id",
        "group_annotation_id must be a whole number (X's format \"long\"), e.g. 987654321098765, within " +
          "±9007199254740991 so it reaches X exactly (got 1.5)"
      )
      yield* refused(
        { sticker_info: { stickers: [{ sticker_set_annotation_id: Number.MAX_SAFE_INTEGER + 1 }] } },
        "metadata.sticker_info.stickers.0.sticker_set_annotation_id",
        "sticker_set_annotation_id must be a whole number (X's format \"long\"), e.g. 123456789012345, within " +
          "±9007199254740991 so it reaches X exactly (got 9007199254740992)"
      )
    }))
})

describe("MediaMetadata.create: X's example request", () => {
  it.effect("all 13 sub-objects are sent as given once the example's geo lists obey the oneOf", () => {
    const rendered = example("v2-media-metadata.request.rendered.json") as typeof MediaMetadata.CreateRequest.Encoded
    const metadata: MetadataInput = {
      ...rendered.metadata,
      geo_restrictions: { whitelisted_country_codes: ["us"], blacklisted_country_codes: [] }
    }
    assert.strictEqual(Object.keys(metadata).length, 13)
    return Effect.gen(function*() {
      yield* accepted(metadata)
      // As rendered, the example sets both geo lists (research §11.19).
      yield* refused(
        rendered.metadata,
        "metadata.geo_restrictions",
        "geo_restrictions needs exactly one non-empty list, but both have country codes: keep " +
          "whitelisted_country_codes or blacklisted_country_codes and send the other as []"
      )
    })
  })

  it.effect("the echoed associated_metadata stays lenient (both geo lists, a fractional annotation id)", () => {
    const fake = fakeClient(() => ({
      status: 200,
      body: {
        data: {
          id: "1",
          associated_metadata: {
            geo_restrictions: { whitelisted_country_codes: ["us"], blacklisted_country_codes: ["fr"] },
            sticker_info: { stickers: [{ group_annotation_id: 1.5 }] },
            preview_image: { media_key: { media: "1", media_category: "PreviewImage" } }
          }
        }
      }
    }))
    return Effect.gen(function*() {
      const res = yield* MediaMetadata.create({ id: "1", metadata: { alt_text: { text: "x" } } })
      assert.strictEqual(res.data.associated_metadata?.sticker_info?.stickers?.[0]?.group_annotation_id, 1.5)
      assert.deepStrictEqual(res.data.associated_metadata?.geo_restrictions?.blacklisted_country_codes, ["fr"])
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an echo in a shape 2.166 does not document (2.167 left it untyped) never fails the write X accepted", () => {
    const fake = fakeClient(() => ({
      status: 200,
      body: {
        data: {
          id: "1",
          associated_metadata: {
            alt_text: { text: "x" },
            audience_policy: { creator_subscriptions: ["Subscribers"] },
            sticker_info: { stickers: [{ id: "9", group_annotation_id: "1234567890123456789" }] },
            sensitive_media_warning: "adult_content",
            allow_download_status: { allow_download: "yes" }
          }
        }
      }
    }))
    return Effect.gen(function*() {
      const res = yield* MediaMetadata.create({ id: "1", metadata: { alt_text: { text: "x" } } })
      const echoed = res.data.associated_metadata
      assert.strictEqual(echoed?.alt_text?.text, "x")
      assert.deepStrictEqual(echoed?.audience_policy?.creator_subscriptions, ["Subscribers"])
      assert.strictEqual(echoed?.sticker_info?.stickers?.[0]?.group_annotation_id, "1234567890123456789")
      // shapes nothing documents read as absent
      assert.isUndefined(echoed?.sensitive_media_warning)
      assert.isUndefined(echoed?.allow_download_status)
    }).pipe(Effect.provide(fake.layer))
  })
})
