/**
 * Reading response bodies: JSON that may not be JSON, and excerpts short enough to keep in an error.
 *
 * @internal
 */
import { Option } from "effect"

/** Parses JSON without throwing; `None` for an empty or malformed body. @internal */
export const parseJson = (text: string): Option.Option<unknown> => {
  if (text.trim() === "") return Option.none()
  try {
    return Option.some(JSON.parse(text) as unknown)
  } catch {
    return Option.none()
  }
}

/** Longest body excerpt kept in an error. @internal */
export const excerptLength = 500

/** `text`, cut to `excerptLength` characters (with an ellipsis when cut). @internal */
export const excerpt = (text: string): string =>
  text.length > excerptLength ? `${text.slice(0, excerptLength)}…` : text
