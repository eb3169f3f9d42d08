import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn real servers and child processes; two cores can take two files at once.
    maxWorkers: 2,
    minWorkers: 1
  }
})
