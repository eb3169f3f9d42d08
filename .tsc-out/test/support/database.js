import Database from "better-sqlite3";
/** Reads the service's SQLite file directly, as an independent witness of what was stored. */
export const countRows = (file, table = "runs") => {
    const db = new Database(file, { readonly: true });
    try {
        return db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n;
    }
    finally {
        db.close();
    }
};
/** Writes a FINISHED run straight into the database, e.g. one whose sum no real run could reach in a test. */
export const insertFinishedRun = (file, run) => {
    const db = new Database(file);
    try {
        const now = Date.now();
        db.prepare(`INSERT INTO runs (id, seconds, status, successful_responses_count, sum, created_at, started_at, ends_at, finished_at)
       VALUES (?, 1, 'FINISHED', ?, ?, ?, ?, ?, ?)`).run(run.id, run.count, run.sum.toString(), now - 2_000, now - 1_500, now - 500, now - 500);
    }
    finally {
        db.close();
    }
};
