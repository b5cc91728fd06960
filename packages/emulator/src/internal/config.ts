/**
 * The resolved configuration the server's stages read.
 *
 * @internal
 */
import { Context } from "effect"
import type { Identities } from "../Identities.js"

/** The emulator's version, sent as `x-emulator: xmedia/<version>`. @internal */
export const VERSION = "0.1.0"

/** Resolved server settings. @internal */
export interface ServerSettings {
  readonly identities: Identities
  /** Largest APPEND chunk accepted (bytes); X documents 5 MB. */
  readonly maxChunkBytes: number
  /** Largest JSON / form body accepted (bytes). */
  readonly maxJsonBytes: number
  /** Seconds a media id stays valid after INIT and FINALIZE. */
  readonly expiresAfterSecs: number
  /** Turn responses that break X's OpenAPI schema into 500s. */
  readonly strict: boolean
  /** Multiplier applied to rate-limit windows (1 = X's numbers). */
  readonly rateLimitScale: number
  /** Seed of the fault-injection PRNG. */
  readonly faultsSeed: number
}

/** Context tag of {@link ServerSettings}. @internal */
export class Settings extends Context.Tag("@xmedia/emulator/Settings")<Settings, ServerSettings>() {}
