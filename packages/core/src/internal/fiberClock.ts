/**
 * The clock a fiber uses, read without an effect step (the one `Clock.currentTimeMillis` reads: `TestClock` in
 * tests).
 *
 * @internal
 */
import { Clock, Context, type Fiber } from "effect"

/** The `Clock` among `fiber`'s default services. @internal */
export const clockOf = (fiber: Fiber.RuntimeFiber<unknown, unknown>): Clock.Clock =>
  Context.get(fiber.currentDefaultServices, Clock.Clock)
