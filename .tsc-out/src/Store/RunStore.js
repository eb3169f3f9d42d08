import { Context } from "effect";
/**
 * Where runs are kept. The engine sees only this service, so a database is a layer choice
 * (SqlRunStore works on any @effect/sql client).
 */
export class RunStore extends Context.Tag("faulty-runs/RunStore")() {
}
