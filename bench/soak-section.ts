/**
 * The "hours of load" section of docs/BENCHMARKS.md: the newest soak of 30 minutes or more from
 * docs/SOAK.md (which `npm run soak -- --report docs/SOAK.md` writes), its judged targets copied
 * with a link to its table. Written by both `npm run bench` (the whole file) and a long enough
 * soak (this section alone), so neither leaves the other's figures stale.
 */
export const SOAK_HEADING = "## Under hours of load (`npm run soak`)"
const LONG_SOAK_MINUTES = 30

export const soakSection = (soakMarkdown: string): string => {
  const sections = soakMarkdown.split(/^(?=## )/m)
  const newestLong = sections.find((section) => {
    const match = /^## Soak of (.+?): (\d+) min/.exec(section)
    return match !== null && Number(match[2]) >= LONG_SOAK_MINUTES
  })
  if (newestLong === undefined) return `${SOAK_HEADING}\n\nNo soak of ${LONG_SOAK_MINUTES} minutes or more in [SOAK.md](SOAK.md) yet.\n`
  const [heading = "", ...rest] = newestLong.split("\n")
  const title = heading.replace(/^## /, "")
  const how = rest.find((line) => line.startsWith("`npm run soak")) ?? ""
  const judged = rest.filter((line) => line.startsWith("- "))
  const anchor = title.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")
  return [
    SOAK_HEADING,
    "",
    `The newest soak of ${LONG_SOAK_MINUTES} minutes or more, [${title}](SOAK.md#${anchor}) (every minute's row is there), against issue 13's targets from minute 2 on:`,
    "",
    ...judged,
    "",
    how,
    ""
  ].join("\n")
}

/** BENCHMARKS.md with its soak section replaced (or added before "## All cases"). */
export const withSoakSection = (benchmarks: string, section: string): string => {
  const parts = benchmarks.split(/^(?=## )/m)
  const at = parts.findIndex((part) => part.startsWith(SOAK_HEADING))
  if (at >= 0) parts[at] = `${section}\n`
  else {
    const before = parts.findIndex((part) => part.startsWith("## All cases"))
    parts.splice(before >= 0 ? before : parts.length, 0, `${section}\n`)
  }
  return parts.join("")
}
