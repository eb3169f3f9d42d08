import { Clock, Context, Effect, Exit, Layer, Option } from "effect"
import type { TracingConfigShape } from "./TracingConfig.js"

/**
 * Spans over OTLP/HTTP when an endpoint is configured, through @effect/opentelemetry's own exporter on
 * @effect/platform's HttpClient (no OpenTelemetry SDK). Off, it is an empty layer: the exporter modules
 * are imported only on this path, so a service without tracing never loads them.
 */
export const tracingLayer = (config: TracingConfigShape, serviceVersion: string): Layer.Layer<never> =>
  Option.match(config.tracesUrl, {
    onNone: () => Layer.empty,
    onSome: (url) =>
      Layer.unwrapEffect(
        Effect.promise(async () => {
          const [{ layer }, serialization, { layerUndici }] = await Promise.all([
            import("@effect/opentelemetry/OtlpTracer"),
            import("@effect/opentelemetry/OtlpSerialization"),
            import("@effect/platform-node/NodeHttpClient")
          ])
          return layer({
            url: url.href,
            resource: { serviceName: config.serviceName, serviceVersion },
            headers: config.headers,
            exportInterval: `${config.exportIntervalMs} millis`
          }).pipe(
            Layer.provide([
              layerUndici,
              config.protocol === "http/protobuf" ? serialization.layerProtobuf : serialization.layerJson
            ])
          )
        })
      )
  })

/**
 * A child of the current span that began at `startedAtMs` (before this fiber knew of it: a run's wait in
 * the queue) and ends now.
 */
export const spanSince = (name: string, startedAtMs: number, attributes: Record<string, unknown> = {}) =>
  Effect.gen(function* () {
    const parent = yield* Effect.option(Effect.currentParentSpan)
    const tracer = yield* Effect.tracer
    const span = tracer.span(name, parent, Context.empty(), [], BigInt(startedAtMs) * 1_000_000n, "internal")
    for (const [key, value] of Object.entries(attributes)) span.attribute(key, value)
    span.end((yield* Clock.currentTimeNanos), Exit.void)
  })
