import { createHash } from "node:crypto";
import { Schema } from "effect";
/** How long a key keeps answering with its run. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
export const IdempotencyKey = Schema.String.pipe(Schema.filter((key) => key.length <= MAX_IDEMPOTENCY_KEY_LENGTH && /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(key), {
    message: (issue) => `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters, got ${String(issue.actual).length} characters`
})).annotations({ description: "Makes POST /runs safe to retry: the same key and body return the same run for 24 h" });
/** Equal for equal requests however their JSON was spaced or ordered. */
export const requestFingerprint = (request) => createHash("sha256").update(JSON.stringify({ seconds: request.seconds })).digest("hex");
