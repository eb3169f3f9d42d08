import { Effect } from "effect";
import { parseExact } from "../../src/Domain/ExactJson.js";
/**
 * Reads an event stream with fetch and a minimal parser of its own (independent of the client's),
 * until the server ends it or `stopWhen` says enough.
 */
export const readSse = (url, options = {}) => Effect.promise(async () => {
    const controller = new AbortController();
    const response = await fetch(url, {
        headers: options.lastEventId === undefined ? {} : { "last-event-id": options.lastEventId },
        signal: controller.signal
    });
    const events = [];
    let heartbeats = 0;
    let body = "";
    let pending = "";
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
        while (true) {
            const { done, value } = await reader.read();
            if (done)
                return { status: response.status, contentType: response.headers.get("content-type"), events, heartbeats, ended: true, body };
            const text = decoder.decode(value, { stream: true });
            body += text;
            pending += text;
            let end;
            while ((end = pending.indexOf("\n\n")) >= 0) {
                const block = pending.slice(0, end);
                pending = pending.slice(end + 2);
                const fields = new Map();
                for (const line of block.split("\n")) {
                    if (line.startsWith(":"))
                        heartbeats += 1;
                    else {
                        const colon = line.indexOf(":");
                        fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ""));
                    }
                }
                if (fields.has("data")) {
                    events.push({ id: fields.get("id"), event: fields.get("event") ?? "message", data: parseExact(fields.get("data"), ["sum"]) });
                }
            }
            if (options.stopWhen?.({ events, heartbeats })) {
                controller.abort();
                return { status: response.status, contentType: response.headers.get("content-type"), events, heartbeats, ended: false, body };
            }
        }
    }
    catch (error) {
        if (controller.signal.aborted) {
            return { status: response.status, contentType: response.headers.get("content-type"), events, heartbeats, ended: false, body };
        }
        throw error;
    }
});
/** An event id as [phase, count], to compare positions along a run's life. */
export const positionOfId = (id) => {
    const [phase, count] = (id ?? "").split("-").map(Number);
    return [phase, count];
};
export const isIncreasing = (ids) => ids.every((id, i) => {
    if (i === 0)
        return true;
    const [p0, c0] = positionOfId(ids[i - 1]);
    const [p1, c1] = positionOfId(id);
    return p1 > p0 || (p1 === p0 && c1 > c0);
});
