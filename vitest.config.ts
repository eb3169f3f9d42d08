import { defineConfig } from "vitest/config"

// Tests that start the service or the CLI in child processes load two cores hard for seconds; the
// tests that measure a run's window in this process must not share the machine with them.
const childProcessTests = ["test/Restart.test.ts", "test/ShutdownWithWaiters.test.ts", "test/Cli.test.ts"]

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn real servers and child processes; two cores can take two files at once.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: { name: "in-process", include: ["test/**/*.test.ts"], exclude: childProcessTests, sequence: { groupOrder: 0 } }
      },
      { extends: true, test: { name: "child-processes", include: childProcessTests, sequence: { groupOrder: 1 } } }
    ]
  }
})
