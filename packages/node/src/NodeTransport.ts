/**
 * An `HttpClient` for Node built for uploads: node:http with a keep-alive agent, where a body already in memory
 * (every xmedia request, including each APPEND segment) is sent with one write and the response is awaited in the
 * same step, and a response body is read once into one buffer.
 *
 * `@effect/platform-node`'s `NodeHttpClient` runs two fibers per request (one writes the body and waits for
 * `finish`, one waits for the response) and reads bodies through a `Stream`: about 0.4 CPU s/GiB more at 4 MiB
 * segments, and with the client on the same CPUs as the bytes it sends, that is throughput (docs/node.md,
 * docs/upload-performance.md). Everything `HttpClient.make` gives stays: the client span and trace headers,
 * interruption (the request's `AbortSignal`), `HttpClient` combinators. Streams and `FormData` bodies are piped as
 * platform-node does.
 *
 * @example
 * ```ts
 * import { XClient } from "@xmedia/core"
 * import { NodeTransport } from "@xmedia/node"
 * import { Layer } from "effect"
 *
 * // credentials from the environment, requests over node:http with keep-alive
 * const Live = XClient.layerConfig().pipe(Layer.provide(NodeTransport.layer()))
 * ```
 *
 * @since 0.1.0
 */
import { HttpClient } from "@effect/platform"
import type * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Context, Effect, Layer } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Request from "./internal/request.js"

/**
 * platform-node's agent service, `NodeHttpClient.HttpAgent`, found by its key. The module that defines it also
 * loads undici when imported (for `NodeHttpClient.layerUndici`), which this transport never uses: reaching the
 * service by its key keeps undici out of every process that only uses this transport (docs/node.md). Agents made
 * with `NodeHttpClient.makeAgentLayer` are the same service (test/Agents.test.ts runs the transport on them).
 */
const HttpAgent = Context.GenericTag<NodeHttpClient.HttpAgent>("@effect/platform-node/Http/NodeClient/HttpAgent")

/** The brand platform-node puts on its agent service's value (`NodeHttpClient.HttpAgentTypeId`). */
const HttpAgentTypeId: NodeHttpClient.HttpAgentTypeId = Symbol.for(
  "@effect/platform-node/Http/NodeClient/HttpAgent"
) as NodeHttpClient.HttpAgentTypeId

/** An http and an https agent with `options`, destroyed when the layer's scope closes (`makeAgentLayer`'s work). */
const agentLayer = (options: Https.AgentOptions): Layer.Layer<NodeHttpClient.HttpAgent> =>
  Layer.scoped(
    HttpAgent,
    Effect.all([
      Effect.acquireRelease(Effect.sync(() => new Http.Agent(options)), (agent) => Effect.sync(() => agent.destroy())),
      Effect.acquireRelease(Effect.sync(() => new Https.Agent(options)), (agent) => Effect.sync(() => agent.destroy()))
    ]).pipe(Effect.map(([http, https]) => ({ [HttpAgentTypeId]: HttpAgentTypeId, http, https })))
  )

/**
 * What this transport offers `@xmedia/core`'s `XClient`: the same client with a deadline on every request, enforced
 * by a timer per request (the request, and its response, destroyed with a `TimeoutError` when the whole exchange
 * has not ended in time). `XClient.layer` finds it beside the `HttpClient` and hands it its `requestTimeout`, so
 * core's pipeline runs no timeout of its own (no fiber per attempt, no watcher: docs/upload-performance.md).
 *
 * @since 0.1.0
 */
export interface Deadlines {
  /** The client whose every request must end (last byte of the response body read) within `timeoutMs`. */
  readonly withTimeout: (timeoutMs: number) => HttpClient.HttpClient
}

/**
 * The `Deadlines` service. Its key is the one core's `XClient.TransportDeadlines` uses: core finds it without this
 * package depending on core, or core on this package.
 *
 * @since 0.1.0
 */
export const Deadlines: Context.Tag<Deadlines, Deadlines> = Context.GenericTag<Deadlines>(
  "@xmedia/core/TransportDeadlines"
)

const clientOf = (agent: NodeHttpClient.HttpAgent, timeoutMs?: number): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal) => Request.send(agent, request, url, signal, timeoutMs))

/**
 * The client over the agents of `NodeHttpClient.HttpAgent` (platform-node's agent service: the same agents can be
 * shared with `NodeHttpClient`).
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<HttpClient.HttpClient, never, NodeHttpClient.HttpAgent> = Effect.map(
  HttpAgent,
  (agent) => clientOf(agent)
)

/**
 * The `HttpClient` layer over an `HttpAgent` you provide (e.g. `NodeHttpClient.makeAgentLayer({ ... })`), with its
 * `Deadlines`. Like `HttpClient.layerMergedContext`, each response runs with the layer's context merged in.
 *
 * @since 0.1.0
 */
export const layerWithoutAgent: Layer.Layer<HttpClient.HttpClient | Deadlines, never, NodeHttpClient.HttpAgent> =
  Layer.effectContext(
    Effect.flatMap(Effect.context<never>(), (context) =>
      Effect.map(HttpAgent, (agent) => {
        const merged = (client: HttpClient.HttpClient) =>
          HttpClient.transformResponse(
            client,
            Effect.mapInputContext((input: Context.Context<never>) => Context.merge(context, input))
          )
        return Context.make(HttpClient.HttpClient, merged(clientOf(agent))).pipe(
          Context.add(Deadlines, { withTimeout: (timeoutMs) => merged(clientOf(agent, timeoutMs)) })
        )
      }))
  )

/**
 * The `HttpClient` layer with its own agents (one for http, one for https): keep-alive on (connections are reused
 * across requests, which is most of an upload's speed), other options as given (`maxSockets`, `keepAliveMsecs`,
 * TLS options such as `ca` for a private certificate authority). The agents are destroyed when the layer's scope
 * closes. It also provides `Deadlines`, through which an `XClient` enforces its request timeout.
 *
 * @example
 * ```ts
 * const Http = NodeTransport.layer({ maxSockets: 8 })
 * ```
 *
 * @since 0.1.0
 */
export const layer = (options?: Https.AgentOptions): Layer.Layer<HttpClient.HttpClient | Deadlines> =>
  Layer.provide(layerWithoutAgent, agentLayer({ keepAlive: true, ...options }))
