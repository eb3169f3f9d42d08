import { defineConfig } from "vitest/config"

// The tests that stop and restart the service in child processes check what a restart keeps
// within seconds of a run's end: they run last, on their own, so that the other tests (the CLI's
// start a process per command) do not slow those restarts down.
const serviceProcessTests = ["test/Restart.test.ts", "test/ShutdownWithWaiters.test.ts"]
// Several replica processes on PostgreSQL, timed against their leases: in their own group, after the others.
const replicaTests = ["test/Replicas/**/*.test.ts"]

export default defineConfig({
  test: {
    // Tests that start the built service and CLI (dist/) get a build of the current sources.
    globalSetup: ["test/support/buildOnce.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn real servers and child processes; two cores can take two files at once.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: { name: "main", include: ["test/**/*.test.ts"], exclude: [...serviceProcessTests, ...replicaTests], sequence: { groupOrder: 0 } }
      },
      { extends: true, test: { name: "service-processes", include: serviceProcessTests, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: "replicas", include: replicaTests, sequence: { groupOrder: 2 } } }
    ]
  }
})
