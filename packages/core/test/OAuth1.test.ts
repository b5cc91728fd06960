import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Redacted } from "effect"
import * as TestClock from "effect/TestClock"
import { Auth, MediaUpload, OAuth1, XClient } from "../src/index.js"
import { fakeClient } from "./utils/FakeHttp.js"

const creds = (consumerKey: string, consumerSecret: string, accessToken: string, accessTokenSecret: string) => ({
  consumerKey: Redacted.make(consumerKey),
  consumerSecret: Redacted.make(consumerSecret),
  accessToken: Redacted.make(accessToken),
  accessTokenSecret: Redacted.make(accessTokenSecret)
})

const signatureOf = (params: ReadonlyArray<OAuth1.Param>): string => params.find(([name]) => name === "oauth_signature")![1]

// RFC 5849 §1.2 (photos.example.net)
const rfc = creds("dpf43f3p2l4k3l03", "kd94hf93k423kf44", "nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")
// X's "Creating a signature" page
const x = creds(
  "xvz1evFS4wEEPTGEFPHBog",
  "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
  "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
  "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
)
const xInput: OAuth1.SigningInput = {
  method: "POST",
  url: "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
  bodyParams: [["status", "Hello Ladies + Gentlemen, a signed OAuth request!"]]
}
const xValues = { nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", timestamp: 1318622958 }

// Vectors computed independently with Python oauthlib 3 (the signer behind tweepy/requests-oauthlib):
// Client("ck~key", client_secret="cs!secret", resource_owner_key="at-token", resource_owner_secret="ts*secret",
//        nonce="abcXYZ0123456789", timestamp="1700000000").sign(...)
const odd = creds("ck~key", "cs!secret", "at-token", "ts*secret")
const oddValues = { nonce: "abcXYZ0123456789", timestamp: 1700000000 }

describe("OAuth1 percent-encoding", () => {
  it("encodes per RFC 5849 §3.6", () => {
    assert.strictEqual(OAuth1.percentEncode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen")
    assert.strictEqual(OAuth1.percentEncode("An encoded string!"), "An%20encoded%20string%21")
    assert.strictEqual(OAuth1.percentEncode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice")
    assert.strictEqual(OAuth1.percentEncode("☃"), "%E2%98%83")
    assert.strictEqual(OAuth1.percentEncode("AZaz09-._~"), "AZaz09-._~")
    assert.strictEqual(OAuth1.percentEncode("!'()*"), "%21%27%28%29%2A")
  })

  it("normalizes the base string URI", () => {
    assert.strictEqual(OAuth1.baseStringUri(new URL("HTTP://EXAMPLE.COM:80/r%20v/X?id=123")), "http://example.com/r%20v/X")
    assert.strictEqual(
      OAuth1.baseStringUri(new URL("https://www.example.net:8080/?q=1")),
      "https://www.example.net:8080/"
    )
    assert.strictEqual(OAuth1.baseStringUri(new URL("https://upload.twitter.com:443/1.1/x.json")), "https://upload.twitter.com/1.1/x.json")
  })

  it("sorts parameters by encoded name then value", () => {
    assert.strictEqual(
      OAuth1.normalizeParameters([["b", "2"], ["a", "z"], ["a", "1"], ["a2", "x"], ["A", "y"]]),
      "A=y&a=1&a=z&a2=x&b=2"
    )
  })
})

describe("OAuth1 signature vectors", () => {
  it("RFC 5849 §1.2 example", () => {
    const input = { method: "GET", url: "http://photos.example.net/photos?file=vacation.jpg&size=original" }
    const params = OAuth1.protocolParameters(rfc, input, { nonce: "kllo9940pd9333jh", timestamp: 1191242096 })
    assert.strictEqual(
      OAuth1.signatureBaseString(input, params),
      "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
    )
    assert.strictEqual(signatureOf(params), "tR3+Ty81lMeYAr/Fid0kMTYa/WM=")
  })

  it("X's 'creating a signature' example (form body included)", () => {
    const params = OAuth1.protocolParameters(x, xInput, xValues)
    assert.strictEqual(
      OAuth1.signatureBaseString(xInput, params),
      "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
    )
    assert.strictEqual(signatureOf(params), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=")
    assert.strictEqual(
      OAuth1.authorizationHeader(params),
      `OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"`
    )
  })

  it("matches oauthlib on an encoded query with reserved characters in the secrets", () => {
    const params = OAuth1.protocolParameters(odd, {
      method: "GET",
      url:
        "https://upload.twitter.com/1.1/media/upload.json?command=STATUS&media_id=1880028106020515840&q=caf%C3%A9%20%26%20th%C3%A9%2A"
    }, oddValues)
    assert.strictEqual(signatureOf(params), "/oJnxueyWCggxkACkUOdhGMYA6U=")
  })

  it("matches oauthlib on a v1.1 INIT form body", () => {
    const params = OAuth1.protocolParameters(odd, {
      method: "POST",
      url: "https://upload.twitter.com/1.1/media/upload.json",
      bodyParams: OAuth1.formParams(
        "command=INIT&total_bytes=1024&media_type=video%2Fmp4&media_category=tweet_video&additional_owners=1%2C2"
      )
    }, oddValues)
    assert.strictEqual(signatureOf(params), "px84kx9zbOC3U0HBGEQ2TgSmNFc=")
  })
})

describe("OAuth1 Authorization header parsing", () => {
  it("round-trips the header it writes", () => {
    const params = OAuth1.protocolParameters(x, xInput, xValues)
    const parsed = OAuth1.parseAuthorizationHeader(OAuth1.authorizationHeader(params))
    assert.deepStrictEqual(Option.getOrThrow(parsed), params)
  })

  it("refuses what is not an OAuth header", () => {
    assert.isTrue(Option.isNone(OAuth1.parseAuthorizationHeader("Bearer abc")))
    assert.isTrue(Option.isNone(OAuth1.parseAuthorizationHeader("OAuth oauth_nonce=unquoted")))
    assert.isTrue(Option.isNone(OAuth1.parseAuthorizationHeader("OAuth ")))
  })
})

const parsedHeader = (request: HttpClientRequest.HttpClientRequest) =>
  new Map(Option.getOrThrow(OAuth1.parseAuthorizationHeader(request.headers["authorization"]!)))

describe("OAuth1.signRequest", () => {
  it.effect("signs with the Clock's time and a Random nonce, including the form body", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1318622958_000)
      const request = HttpClientRequest.post("https://api.twitter.com/1.1/statuses/update.json").pipe(
        HttpClientRequest.setUrlParam("include_entities", "true"),
        HttpClientRequest.bodyUrlParams({ status: "Hello Ladies + Gentlemen, a signed OAuth request!" })
      )
      const signed = yield* OAuth1.signRequest(x)(request)
      const header = parsedHeader(signed)
      assert.strictEqual(header.get("oauth_timestamp"), "1318622958")
      assert.match(header.get("oauth_nonce")!, /^[A-Za-z0-9]{32}$/)
      const expected = OAuth1.protocolParameters(x, xInput, { nonce: header.get("oauth_nonce")!, timestamp: 1318622958 })
      assert.strictEqual(header.get("oauth_signature"), signatureOf(expected))
      // a second request gets a different nonce
      const again = parsedHeader(yield* OAuth1.signRequest(x)(request))
      assert.notStrictEqual(again.get("oauth_nonce"), header.get("oauth_nonce"))
    }))

  it.effect("leaves multipart and JSON bodies out of the signature", () =>
    Effect.gen(function*() {
      const url = "https://upload.twitter.com/1.1/media/upload.json"
      const form = new FormData()
      form.append("command", "APPEND")
      form.append("segment_index", "0")
      const requests = [
        HttpClientRequest.post(url).pipe(HttpClientRequest.bodyFormData(form)),
        HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson({ media_id: "1" })),
        HttpClientRequest.post(url).pipe(HttpClientRequest.setBody(HttpBody.uint8Array(new Uint8Array([1, 2, 3]))))
      ]
      for (const request of requests) {
        const header = parsedHeader(yield* OAuth1.signRequest(odd)(request))
        const expected = OAuth1.protocolParameters(odd, { method: "POST", url }, {
          nonce: header.get("oauth_nonce")!,
          timestamp: Number(header.get("oauth_timestamp"))
        })
        assert.strictEqual(header.get("oauth_signature"), signatureOf(expected))
      }
    }))

  it.effect("signs the request's urlParams as query parameters", () =>
    Effect.gen(function*() {
      const request = HttpClientRequest.get("https://upload.twitter.com/1.1/media/upload.json").pipe(
        HttpClientRequest.setUrlParams({ command: "STATUS", media_id: "1880028106020515840" })
      )
      const header = parsedHeader(yield* OAuth1.signRequest(odd)(request))
      const expected = OAuth1.protocolParameters(odd, {
        method: "GET",
        url: "https://upload.twitter.com/1.1/media/upload.json?command=STATUS&media_id=1880028106020515840"
      }, { nonce: header.get("oauth_nonce")!, timestamp: Number(header.get("oauth_timestamp")) })
      assert.strictEqual(header.get("oauth_signature"), signatureOf(expected))
    }))

  it.effect("a relative URL is a defect, not a wrong signature", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(OAuth1.signRequest(odd)(HttpClientRequest.get("/1.1/media/upload.json")))
      assert.isTrue(exit._tag === "Failure")
    }))
})

describe("OAuth 1.0a through XClient", () => {
  const credentials = creds("client-ck", "CLIENT-CS-SECRET", "1000000000000000001-at", "CLIENT-ATS-SECRET")

  it.effect("Auth.oauth1User signs v2 calls too (query parameters in the base string)", () => {
    const fake = fakeClient(() => ({ status: 200, body: { data: { id: "1880028106020515840" } } }), {
      auth: Auth.oauth1User(credentials)
    })
    return Effect.gen(function*() {
      yield* TestClock.setTime(1700000000_000)
      yield* MediaUpload.status("1880028106020515840")
      const req = fake.requests[0]!
      const header = new Map(Option.getOrThrow(OAuth1.parseAuthorizationHeader(req.headers["authorization"]!)))
      assert.strictEqual(header.get("oauth_timestamp"), "1700000000")
      assert.strictEqual(header.get("oauth_consumer_key"), "client-ck")
      const expected = OAuth1.protocolParameters(credentials, { method: "GET", url: req.url }, {
        nonce: header.get("oauth_nonce")!,
        timestamp: 1700000000
      })
      assert.strictEqual(header.get("oauth_signature"), signatureOf(expected))
      assert.strictEqual(req.url.searchParams.get("media_id"), "1880028106020515840")
      // a secret never travels: only the signature derived from it
      assert.notInclude(req.headers["authorization"]!, "CLIENT-CS-SECRET")
      assert.notInclude(req.headers["authorization"]!, "CLIENT-ATS-SECRET")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a client baseUrl that does not make a URL is InvalidInput (field baseUrl), as with OAuth 2.0, not a defect", () => {
    const fake = fakeClient(() => ({ status: 200, body: {} }), { auth: Auth.oauth1User(credentials), baseUrl: "api.x.com" })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MediaUpload.status("1"))
      assert.strictEqual(error._tag, "InvalidInput")
      if (error._tag !== "InvalidInput") return
      assert.strictEqual(error.field, "baseUrl")
      assert.strictEqual(error.endpoint, "MediaUpload.status")
      assert.include(error.message, "check the client's baseUrl")
      assert.strictEqual(fake.requests.length, 0)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a 401 with OAuth 1.0a is not retried as a token refresh", () => {
    const fake = fakeClient(() => ({ status: 401, body: { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" } }), {
      auth: Auth.oauth1User(credentials)
    })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(MediaUpload.status("1"))
      assert.strictEqual(error._tag, "Unauthorized")
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.provide(fake.layer))
  })

  const configLayer = (env: Record<string, string>) =>
    Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("XClient.config picks OAuth 1.0a when the four variables are set", () =>
    Effect.gen(function*() {
      const options = yield* XClient.config
      assert.strictEqual(options.auth._tag, "OAuth1User")
      if (options.auth._tag !== "OAuth1User") return
      assert.strictEqual(Redacted.value(options.auth.consumerKey), "ck")
      assert.strictEqual(Redacted.value(options.auth.accessToken), "at")
      assert.strictEqual(Redacted.value(options.auth.accessTokenSecret), "ats")
      assert.strictEqual(options.uploadBaseUrl, "http://127.0.0.1:4010")
    }).pipe(Effect.provide(configLayer({
      X_CONSUMER_KEY: "ck",
      X_CONSUMER_SECRET: "cs",
      X_ACCESS_TOKEN: "at",
      X_ACCESS_TOKEN_SECRET: "ats",
      X_UPLOAD_BASE_URL: "http://127.0.0.1:4010"
    }))))

  it.effect("without the consumer key and token secret, X_ACCESS_TOKEN means OAuth 2.0", () =>
    Effect.gen(function*() {
      const options = yield* XClient.config
      assert.strictEqual(options.auth._tag, "OAuth2User")
    }).pipe(Effect.provide(configLayer({ X_ACCESS_TOKEN: "oauth2-token" }))))
})
