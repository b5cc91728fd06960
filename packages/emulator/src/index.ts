/**
 * @xmedia/emulator: a faithful local X media API (v2 and v1.1 upload, metadata, subtitles, posts).
 *
 * @since 0.1.0
 */

/** Start the emulator as a Layer and reach its state. @since 0.1.0 */
export * as Emulator from "./Emulator.js"

/** The default dev identity and the `--config` file schema. @since 0.1.0 */
export * as Identities from "./Identities.js"

/** A typed Effect client for the admin API under `/_emulator/` (state, journal, faults, processing, reset). @since 0.1.0 */
export * as AdminClient from "./AdminClient.js"
