import { defineConfig } from "vitest/config"

// Groups run one after the other, so that the tests that start processes do not load the machine
// for the others: first the in-process tests, then those that start and restart the service in
// child processes, then the CLI's, whose every command is a new process.
const groups = {
  services: ["test/Restart.test.ts", "test/ShutdownWithWaiters.test.ts"],
  cli: ["test/Cli.test.ts"]
}

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
        test: {
          name: "in-process",
          include: ["test/**/*.test.ts"],
          exclude: Object.values(groups).flat(),
          sequence: { groupOrder: 0 }
        }
      },
      { extends: true, test: { name: "services", include: groups.services, sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: "cli", include: groups.cli, sequence: { groupOrder: 2 } } }
    ]
  }
})
