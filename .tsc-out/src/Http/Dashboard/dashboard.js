// The live dashboard: polls the service's own API (same origin, nothing else) and redraws in place.
"use strict"
;(() => {
  const CHART_WINDOW_SECONDS = 600
  const RUNS_SHOWN = 20

  const $ = (id) => document.getElementById(id)
  const count = new Intl.NumberFormat("en-US")
  const rate = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  const percent = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 })

  // Elapsed and remaining times are computed on the server's clock, not the browser's.
  let clockOffsetMs = 0
  const serverNow = () => Date.now() + clockOffsetMs

  // A run's sum can pass 2^53, where JSON.parse would round it: keep its digits as text.
  const parseKeepingSums = (text) => JSON.parse(text.replace(/("sum"\s*:\s*)(-?\d+)/g, '$1"$2"'))
  const groupDigits = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")

  const fetchJson = async (path, init = {}, parse = JSON.parse) => {
    const response = await fetch(path, { ...init, headers: { accept: "application/json", ...init.headers } })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text === "" ? null : parse(text) }
  }

  const seconds = (ms) => `${rate.format(Math.max(0, ms) / 1000)} s`
  const duration = (totalSeconds) => {
    const s = Math.floor(totalSeconds)
    if (s < 60) return `${s} s`
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
  }

  // --- runs table -------------------------------------------------------------------------------

  const FIELDS = ["id", "status", "created", "elapsed", "remaining", "count", "sum", "rate"]
  const rows = new Map()

  const rowFor = (id) => {
    let row = rows.get(id)
    if (row === undefined) {
      row = document.createElement("tr")
      row.dataset.runId = id
      for (const field of FIELDS) {
        const cell = document.createElement("td")
        cell.dataset.field = field
        if (!["id", "status", "created"].includes(field)) cell.className = "num"
        row.append(cell)
      }
      const link = document.createElement("a")
      link.href = `/runs/${id}`
      link.textContent = id.slice(-8)
      link.title = id
      row.cells[0].append(link)
      rows.set(id, row)
    }
    return row
  }

  const timesOf = (run, now) => {
    const started = run.started_at === null ? null : Date.parse(run.started_at)
    const ends = run.ends_at === null ? null : Date.parse(run.ends_at)
    if (run.status === "PENDING" || started === null || ends === null) {
      return { elapsed: "–", remaining: "queued", elapsedMs: 0 }
    }
    if (run.status === "FINISHED") return { elapsed: seconds(ends - started), remaining: "done", elapsedMs: ends - started }
    const elapsedMs = Math.min(now, ends) - started
    return { elapsed: seconds(elapsedMs), remaining: seconds(ends - now), elapsedMs }
  }

  const renderRuns = (runs) => {
    const now = serverNow()
    const body = $("runs").tBodies[0]
    const shown = new Set()
    runs.forEach((run, index) => {
      const row = rowFor(run.id)
      const times = timesOf(run, now)
      const values = {
        status: run.status,
        created: new Date(run.created_at).toLocaleTimeString(),
        elapsed: times.elapsed,
        remaining: times.remaining,
        count: count.format(run.successful_responses_count),
        sum: groupDigits(String(run.sum)),
        rate: times.elapsedMs > 0 ? rate.format(run.successful_responses_count / (times.elapsedMs / 1000)) : "–"
      }
      for (const [field, text] of Object.entries(values)) {
        const cell = row.querySelector(`[data-field="${field}"]`)
        if (cell.textContent !== text) cell.textContent = text
      }
      row.dataset.status = run.status
      if (body.children[index] !== row) body.insertBefore(row, body.children[index] ?? null)
      shown.add(run.id)
    })
    for (const [id, row] of rows) {
      if (!shown.has(id)) {
        row.remove()
        rows.delete(id)
      }
    }
    $("runs-empty").hidden = runs.length > 0
  }

  const refreshRuns = async () => {
    const answer = await fetchJson(`/runs?limit=${RUNS_SHOWN}`, {}, parseKeepingSums)
    if (answer.status === 200) renderRuns(answer.body.runs)
  }

  // --- chart ------------------------------------------------------------------------------------

  const series = { at: [], successes: [], limit: [], inFlight: [] }
  let lastSampleAt
  let chart

  const chartWidth = () => Math.max(320, $("chart").clientWidth)

  const makeChart = () =>
    new uPlot(
      {
        width: chartWidth(),
        height: 260,
        scales: { x: { time: true }, rate: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] }, slots: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] } },
        series: [
          {},
          { label: "successes/s", scale: "rate", stroke: "#1b7f4b", width: 2, fill: "rgba(27,127,75,0.08)", value: (_u, v) => (v == null ? "–" : rate.format(v)) },
          { label: "concurrency limit", scale: "slots", stroke: "#c2410c", width: 2, value: (_u, v) => (v == null ? "–" : count.format(v)) },
          { label: "in flight", scale: "slots", stroke: "#6366f1", width: 1, dash: [4, 4], value: (_u, v) => (v == null ? "–" : count.format(v)) }
        ],
        axes: [
          // Whole seconds at the least: sample times carry milliseconds, which uPlot would otherwise tick.
          { incrs: [1, 5, 10, 15, 30, 60, 120, 300, 600] },
          { scale: "rate", label: "successes/s", size: 60 },
          { scale: "slots", label: "requests", side: 1, grid: { show: false } }
        ]
      },
      [series.at, series.successes, series.limit, series.inFlight],
      $("chart")
    )

  const refreshThroughput = async () => {
    const query = lastSampleAt === undefined ? "" : `?since=${lastSampleAt}`
    const answer = await fetchJson(`/stats/throughput${query}`)
    if (answer.status !== 200) return
    clockOffsetMs = answer.body.now - Date.now()
    for (const sample of answer.body.samples) {
      series.at.push(sample.at / 1000)
      series.successes.push(sample.successes_per_second)
      series.limit.push(sample.concurrency_limit)
      series.inFlight.push(sample.in_flight)
      lastSampleAt = sample.at
    }
    const oldest = answer.body.now / 1000 - CHART_WINDOW_SECONDS
    while (series.at.length > 0 && series.at[0] < oldest) for (const values of Object.values(series)) values.shift()
    const latest = answer.body.samples[answer.body.samples.length - 1]
    if (latest !== undefined) {
      $("tile-rate").textContent = rate.format(latest.successes_per_second)
      $("tile-limit").textContent = count.format(latest.concurrency_limit)
      $("tile-in-flight").textContent = count.format(latest.in_flight)
    }
    chart ??= makeChart()
    chart.setData([series.at, series.successes, series.limit, series.inFlight])
  }

  new ResizeObserver(() => chart?.setSize({ width: chartWidth(), height: 260 })).observe($("chart"))

  // --- totals, readiness, version ---------------------------------------------------------------

  const refreshStats = async () => {
    const answer = await fetchJson("/stats")
    if (answer.status !== 200) return
    const stats = answer.body
    $("tile-in-progress").textContent = count.format(stats.runs.IN_PROGRESS)
    $("tile-pending").textContent = count.format(stats.runs.PENDING)
    $("tile-finished").textContent = count.format(stats.runs.FINISHED)
    $("tile-successes").textContent = count.format(stats.successful_responses_count)
    $("tile-share").textContent = stats.upstream.success_share === null ? "–" : percent.format(stats.upstream.success_share)
  }

  const refreshReadiness = async () => {
    const answer = await fetchJson("/ready")
    const badge = $("readiness")
    const ready = answer.status === 200
    badge.dataset.state = ready ? "ready" : "not-ready"
    badge.textContent = ready ? "ready" : "not ready"
    badge.title = ready ? "GET /ready: database and upstream answer" : answer.body?.message ?? `GET /ready answered ${answer.status}`
  }

  let version
  const renderVersion = () => {
    if (version === undefined) return
    const commit = version.commit === null ? "" : ` · ${version.commit.slice(0, 7)}`
    const uptime = (serverNow() - Date.parse(version.started_at)) / 1000
    $("version").textContent = `v${version.version}${commit} · up ${duration(uptime)}`
  }
  const refreshVersion = async () => {
    if (version === undefined) {
      const answer = await fetchJson("/version")
      if (answer.status === 200) version = answer.body
    }
    renderVersion()
  }

  // --- the form ---------------------------------------------------------------------------------

  $("start-run").addEventListener("submit", async (event) => {
    event.preventDefault()
    const result = $("start-result")
    const button = event.target.querySelector("button")
    button.disabled = true
    try {
      const answer = await fetchJson(
        "/runs",
        { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ seconds: Number($("seconds").value) }) },
        parseKeepingSums
      )
      result.dataset.state = answer.status === 202 ? "ok" : "error"
      if (answer.status === 202) result.textContent = `Started run ${answer.body.id.slice(-8)}`
      else if (answer.status === 429) result.textContent = `${answer.body.message}; retry in ${answer.headers.get("retry-after")} s`
      else result.textContent = answer.body?.message ?? `the service answered ${answer.status}`
      await refreshRuns()
    } catch (error) {
      result.dataset.state = "error"
      result.textContent = `could not reach the service: ${error.message}`
    } finally {
      button.disabled = false
    }
  })

  // --- polling ----------------------------------------------------------------------------------

  const connection = $("connection")
  const every = (ms, task) => {
    const run = async () => {
      if (!document.hidden) {
        try {
          await task()
          connection.textContent = `updated ${new Date().toLocaleTimeString()}`
          connection.dataset.state = "ok"
        } catch (error) {
          connection.textContent = `service unreachable: ${error.message}`
          connection.dataset.state = "error"
        }
      }
      setTimeout(run, ms)
    }
    run()
  }

  every(1000, refreshRuns)
  every(1000, refreshThroughput)
  every(1000, refreshStats)
  every(5000, refreshReadiness)
  every(1000, refreshVersion)
})()
