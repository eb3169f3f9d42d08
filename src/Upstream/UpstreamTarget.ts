import { Context } from "effect"

/** The upstream's base URL: FAULTY_SERVER_URL, or the bundled simulator's address (src/BundledUpstream.ts). */
export class UpstreamTarget extends Context.Tag("faulty-runs/UpstreamTarget")<UpstreamTarget, URL>() {}

/** The path every request to the upstream goes to: its URL's path, as a directory. */
export const upstreamPath = (target: URL): string => (target.pathname.endsWith("/") ? target.pathname : `${target.pathname}/`)
