/**
 * @xmedia/node: the Node runtime pieces of xmedia.
 *
 * @since 0.1.0
 */

/** An `HttpClient` for node:http built for uploads: `NodeTransport.layer()`. @since 0.1.0 */
export * as NodeTransport from "./NodeTransport.js"
