// npx tsx examples/promise-client.ts [base URL]: the same without Effect.
import { PromiseRunsClient, TimeoutError } from "faulty-runs/client";
const client = new PromiseRunsClient({ baseUrl: process.argv[2] ?? "http://localhost:8080" });
try {
    const run = await client.createRun(3);
    const done = await client.awaitCompletion(run.id, { timeout: 60_000, signal: AbortSignal.timeout(120_000) });
    console.log(`${done.id}: ${done.successful_responses_count} successes, sum ${done.sum}`);
    for await (const state of client.events(run.id))
        console.log(state.status); // its final state
}
catch (error) {
    if (error instanceof TimeoutError)
        console.error("the run did not finish in time");
    else
        throw error;
}
finally {
    await client.close();
}
