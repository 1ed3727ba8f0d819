import * as hdr from "hdr-histogram-js";

/** Latency percentiles in milliseconds, from an HdrHistogram of microseconds. */
export interface LatencySummary {
  /** Values recorded (a sample of the deliveries when sampling is on). */
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  /** Largest latency of any delivery (every delivery, not only the sample). */
  max: number;
  mean: number;
}

/** Highest latency a histogram tracks: one hour in microseconds (anything later is clamped). */
const HIGHEST_US = 3_600_000_000;

/** Creates the histogram every latency in the harness goes into: µs, 3 significant digits. */
export function createLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
    useWebAssembly: false,
  });
}

/** Records one latency (µs), clamped into the histogram's range. */
export function recordLatency(histogram: hdr.Histogram, micros: number): void {
  histogram.recordValue(micros < 1 ? 1 : Math.min(micros, HIGHEST_US));
}

/** Reads percentiles (ms) out of a histogram; `maxUs` overrides the max when every value was seen. */
export function summarizeLatency(histogram: hdr.Histogram, maxUs?: number): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  if (histogram.totalCount === 0) {
    return { samples: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: maxUs === undefined ? 0 : ms(maxUs), mean: 0 };
  }
  return {
    samples: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(Math.max(maxUs ?? 0, histogram.maxValue)),
    mean: ms(histogram.mean),
  };
}
