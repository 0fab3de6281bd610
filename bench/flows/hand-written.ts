import { randomUUID } from 'node:crypto';
import { type Histogram, metrics, trace } from '@opentelemetry/api';
// The bucket boundaries flowtel's own duration histogram uses, so both record into the same shape.
import { SECONDS_BUCKETS } from '../../src/telemetry/keys.ts';

const state = (type: string, name: string) => ({
  'flowtel.state.type': type,
  'flowtel.state.name': name,
  'flowtel.attempt': 1,
});
const PENDING = state('PENDING', 'Pending');
const RUNNING = state('RUNNING', 'Running');
const COMPLETED = state('COMPLETED', 'Completed');

/**
 * The baseline a flowtel task run is measured against: what a careful user would write by hand for the
 * same telemetry, on the same globally registered SDK. A `startActiveSpan` named and attributed as
 * flowtel's task span (name, a random run id, pipeline name), the same three `flowtel.state` events,
 * the same result attributes, and, with `withHistogram`, the `flowtel.task.run.duration` record.
 */
export function handWrittenSpan<A, R>(
  taskName: string,
  flowName: string,
  work: (arg: A) => Promise<R>,
  withHistogram: boolean,
): (arg: A) => Promise<R> {
  const tracer = trace.getTracer('bench');
  const histogram: Histogram | undefined = withHistogram
    ? metrics.getMeter('bench').createHistogram('flowtel.task.run.duration', {
        unit: 's',
        advice: { explicitBucketBoundaries: [...SECONDS_BUCKETS] },
      })
    : undefined;
  const metricAttributes = {
    'cicd.pipeline.name': flowName,
    'cicd.pipeline.task.name': taskName,
    'cicd.pipeline.task.run.result': 'success',
  };
  const attributes = { 'cicd.pipeline.task.name': taskName, 'cicd.pipeline.name': flowName };
  return (arg) => {
    const started = performance.now();
    return tracer.startActiveSpan(
      `task ${taskName}`,
      { attributes: { ...attributes, 'cicd.pipeline.task.run.id': randomUUID() } },
      async (span) => {
        span.addEvent('flowtel.state', PENDING);
        span.addEvent('flowtel.state', RUNNING);
        const result = await work(arg);
        span.addEvent('flowtel.state', COMPLETED);
        span.setAttribute('cicd.pipeline.task.run.result', 'success');
        span.setAttribute('flowtel.task.attempts', 1);
        span.end();
        histogram?.record((performance.now() - started) / 1000, metricAttributes);
        return result;
      },
    );
  };
}
