import { randomBytes } from "node:crypto";
import { Schema } from "effect";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID: 26 Crockford base-32 characters, lexicographically sortable by creation time. */
export const RunId = Schema.String.pipe(Schema.pattern(/^[0-9A-HJKMNP-TV-Z]{26}$/, {
    message: () => "a run id is 26 characters of Crockford base32 (a ULID)"
}), Schema.brand("RunId"));
const encodeTime = (millis) => {
    let out = "";
    let rest = millis;
    for (let i = 0; i < 10; i++) {
        out = CROCKFORD[rest % 32] + out;
        rest = Math.floor(rest / 32);
    }
    return out;
};
/**
 * Makes monotonic ULIDs: within one millisecond the random part is incremented, so ids made by
 * one process sort exactly in the order they were made (the queue order survives a restart).
 */
export const makeRunIdGenerator = () => {
    let lastMillis = -1;
    let lastRandom = [];
    return (millis) => {
        if (millis <= lastMillis) {
            let i = lastRandom.length - 1;
            while (i >= 0 && lastRandom[i] === 31)
                lastRandom[i--] = 0;
            if (i < 0)
                throw new Error("ULID random part overflowed within one millisecond");
            lastRandom[i] = lastRandom[i] + 1;
        }
        else {
            lastMillis = millis;
            lastRandom = Array.from(randomBytes(16), (byte) => byte % 32);
        }
        return (encodeTime(lastMillis) + lastRandom.map((digit) => CROCKFORD[digit]).join(""));
    };
};
