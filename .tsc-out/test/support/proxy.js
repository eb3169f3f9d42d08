import { createServer, request as forward } from "node:http";
import { Effect } from "effect";
/** A real HTTP proxy on loopback in front of `target`, for the life of the scope. */
export const faultyProxy = (target, decide) => Effect.acquireRelease(Effect.async((resume) => {
    const seen = [];
    const server = createServer((req, res) => {
        const request = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
        const action = decide(request, seen.length);
        seen.push(request);
        const upstream = forward(new URL(request.url, target), { method: request.method, headers: { ...req.headers, host: target.host } }, (answer) => {
            if (action === "lose-answer") {
                answer.resume();
                answer.on("end", () => req.socket.destroy());
                return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            if (action === "cut-after-first-event") {
                let text = "";
                answer.on("data", (chunk) => {
                    res.write(chunk);
                    text += chunk.toString("utf8");
                    if (/\nevent: run\n[^]*?\n\n/.test(text)) {
                        answer.destroy();
                        setTimeout(() => req.socket.destroy(), 20);
                    }
                });
                return;
            }
            answer.pipe(res);
        });
        upstream.on("error", () => req.socket.destroy());
        req.pipe(upstream);
    });
    server.listen(0, "127.0.0.1", () => {
        const { port } = server.address();
        resume(Effect.succeed({
            url: new URL(`http://127.0.0.1:${port}`),
            seen,
            close: () => {
                server.closeAllConnections();
                server.close();
            }
        }));
    });
}), (proxy) => Effect.sync(proxy.close));
