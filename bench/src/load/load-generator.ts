import { type ClientCounters, countError, createClientCounters } from "./client-counters.js";
import { CpuMeter, type CpuReading } from "./cpu-meter.js";
import { DeliveryTracker } from "./delivery-tracker.js";
import { reconnectStorm, type StormResult } from "./disruption.js";
import { createLatencyHistogram, recordLatency, summarizeLatency } from "./latency.js";
import { linkFactory } from "./links/index.js";
import { LoadClient } from "./load-client.js";
import { connectionCount, exactSeqsFor, type LoadPlan, loadPlanDefaults, samplingStride } from "./load-plan.js";
import { createProtocol, type WireProtocol } from "./protocols/index.js";
import type { LoadEvents, LoadPhase, LoadResult, LoadTick, ResumeCounts } from "./load-result.js";
import { formatTag, nowMicros } from "./tag.js";

export type { LoadEvents, LoadPhase, LoadResult, LoadTick, ResumeCounts, StallerResult } from "./load-result.js";

/** Most publishes sent in one scheduler turn before yielding to the event loop. */
const MAX_SENDS_PER_TURN = 2000;

function resumeCounts(c: ClientCounters): ResumeCounts {
  return {
    gaps: c.gaps,
    gapLargest: c.gapLargest,
    resumes: c.resumes,
    recovered: c.recovered,
    notRecovered: c.notRecovered,
  };
}

/**
 * An open-loop load generator: every publisher publishes on its own fixed schedule whether or
 * not the server keeps up, each payload carries its scheduled time and sequence number, and
 * receivers count deliveries by sequence and latency from the scheduled time.
 */
export class LoadGenerator {
  readonly plan: LoadPlan;
  private readonly events: LoadEvents;
  private readonly protocol: WireProtocol;
  private readonly tracker: DeliveryTracker;
  private readonly counters: ClientCounters = createClientCounters();
  private readonly clients: LoadClient[] = [];
  private readonly publishers: LoadClient[] = [];
  private readonly sendLag = createLatencyHistogram();
  private readonly cpu = new CpuMeter();
  private readonly timeline: LoadTick[] = [];
  /** Slow consumer: the stalled client's own tracker and counters. */
  private readonly stallTracker: DeliveryTracker | undefined;
  private readonly stallCounters: ClientCounters | undefined;
  private readonly pad: string;
  private phase: LoadPhase = "connecting";
  private connected = 0;
  private sent = 0;
  private sentThisSecond = 0;
  private next = 0;
  private startUs = 0;
  private stepUs = 0;
  private publishing = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private receivedAtWindowStart = 0;
  private receivedInWindow = 0;
  private storm: StormResult | undefined;
  private staller: LoadClient | undefined;
  private stallerBytesAtResume = -1;

  constructor(plan: Partial<LoadPlan>, events: LoadEvents = {}) {
    this.plan = { ...loadPlanDefaults, ...plan };
    const p = this.plan;
    this.events = events;
    this.protocol = createProtocol(p.protocol, p.path, p.topic, p.codec);
    const trackerOptions = {
      senders: Math.max(1, p.publishers),
      receivers: Math.max(1, p.subscribers),
      sampleEvery: samplingStride(p),
      exactSeqs: exactSeqsFor(p),
    };
    this.tracker = new DeliveryTracker(trackerOptions);
    if (p.disruption?.kind === "stall") {
      this.stallTracker = new DeliveryTracker({ ...trackerOptions, sampleEvery: 1 });
      this.stallCounters = createClientCounters();
    }
    this.pad = p.payloadBytes > 100 ? `"pad":"${"x".repeat(p.payloadBytes - 100)}",` : "";
    this.tick = this.tick.bind(this);
    this.pump = this.pump.bind(this);
  }

  /** Opens the connections, runs warm-up, window and drain, closes everything. */
  async run(): Promise<LoadResult> {
    const p = this.plan;
    const ticker = setInterval(this.tick, 1000);
    try {
      this.setPhase("connecting");
      const connectStart = performance.now();
      await this.connectAll();
      const connectS = (performance.now() - connectStart) / 1000;
      // Subscribers that failed to connect are not owed anything; the rest are.
      this.tracker.activeReceivers = this.clients.filter(
        (c) => c.receiver >= 0 && c.connected && c !== this.staller,
      ).length;
      if (this.stallTracker) this.stallTracker.activeReceivers = this.staller?.connected ? 1 : 0;

      let windowStartMs = Date.now();
      let windowEndMs = windowStartMs;
      if (this.publishers.length === 0) {
        this.setPhase("hold");
        windowStartMs = Date.now();
        this.cpu.mark();
        await this.sleep(p.durationS * 1000);
        windowEndMs = Date.now();
      } else {
        this.startUs = nowMicros() + 50_000;
        this.stepUs = 1e6 / (p.ratePerPublisher * this.publishers.length);
        const windowStartUs = this.startUs + p.warmupS * 1e6;
        const windowEndUs = windowStartUs + p.durationS * 1e6;
        this.tracker.setWindow(windowStartUs, windowEndUs);
        this.stallTracker?.setWindow(windowStartUs, windowEndUs);
        this.publishing = true;
        this.setPhase("warmup");
        this.pump();
        await this.sleepUntil(windowStartUs);
        this.setPhase("measure");
        windowStartMs = Date.now();
        this.cpu.mark();
        this.receivedAtWindowStart = this.tracker.received;
        await this.disrupt(windowStartUs);
        await this.sleepUntil(windowEndUs);
        windowEndMs = Date.now();
        this.receivedInWindow = this.tracker.received - this.receivedAtWindowStart;
        const clientCpuWindow = this.cpu.sinceMark();
        this.setPhase("drain");
        const drainEnd = performance.now() + p.drainS * 1000;
        while (performance.now() < drainEnd && !this.stopped && !this.allDelivered()) await this.sleep(100);
        this.publishing = false;
        // A resume is counted when sent and its outcome when answered: one sent during the drain
        // (a stalled client still catching up on the drain's publications) gets its answer before
        // the counts are read, or they would say a resume went unanswered.
        const settleEnd = performance.now() + p.drainS * 1000;
        while (performance.now() < settleEnd && !this.stopped && this.resumesInFlight()) await this.sleep(20);
        return this.finish(connectS, windowStartMs, windowEndMs, clientCpuWindow);
      }
      return this.finish(connectS, windowStartMs, windowEndMs, this.cpu.sinceMark());
    } finally {
      clearInterval(ticker);
      this.publishing = false;
      if (this.timer) clearTimeout(this.timer);
      for (const c of this.clients) c.close();
      this.setPhase("done");
    }
  }

  /** Ends the run early (the current phase finishes at once). */
  stop(): void {
    this.stopped = true;
  }

  private resumesInFlight(): boolean {
    return [this.counters, this.stallCounters].some((c) => c !== undefined && c.resumes > c.recovered + c.notRecovered);
  }

  private allDelivered(): boolean {
    const s = this.stallTracker;
    return this.tracker.delivered >= this.tracker.expected() && (s === undefined || s.delivered >= s.expected());
  }

  /** Runs the plan's disruption, if any, at its time in the window. */
  private async disrupt(windowStartUs: number): Promise<void> {
    const d = this.plan.disruption;
    if (d === undefined) return;
    await this.sleepUntil(windowStartUs + d.atS * 1e6);
    if (this.stopped) return;
    if (d.kind === "stall") {
      const staller = this.staller;
      if (staller === undefined || !d.active) return;
      staller.pause();
      await this.sleepUntil(windowStartUs + (d.atS + d.forS) * 1e6);
      this.stallerBytesAtResume = staller.counters.bytes;
      if (this.stallTracker) this.stallTracker.holdSplitUs = nowMicros();
      staller.resume();
      return;
    }
    const subscribers = this.clients.filter((c) => c.receiver >= 0 && c.connected);
    const indexes = subscribers.map((c) => this.clients.indexOf(c));
    this.storm = await reconnectStorm(
      subscribers,
      indexes,
      {
        url: (i) => this.urlFor(i),
        address: (i) => this.addressFor(i),
        timeoutMs: this.plan.connectTimeoutMs,
        failed: (_client, error) =>
          countError(this.counters, `reconnect: ${error instanceof Error ? error.message : String(error)}`),
      },
      d.concurrency,
    );
  }

  private finish(connectS: number, windowStartMs: number, windowEndMs: number, clientCpu: CpuReading): LoadResult {
    const delivery = this.tracker.summary();
    const windowS = Math.max(0.001, this.plan.durationS);
    const result: LoadResult = {
      connections: this.clients.length,
      connected: this.connected,
      connectFailed: this.clients.length - this.connected,
      connectS,
      sent: this.sent,
      delivery,
      deliveredPct: delivery.expected === 0 ? 100 : (100 * delivery.delivered) / delivery.expected,
      deliveriesPerSec: delivery.delivered / windowS,
      receivedPerSec: this.receivedInWindow / Math.max(0.001, (windowEndMs - windowStartMs) / 1000),
      sendLag: summarizeLatency(this.sendLag),
      sampleEvery: this.tracker.sampleEvery,
      errors: this.counters.errors,
      disconnects: this.counters.disconnects,
      sendSkipped: this.counters.sendSkipped,
      frames: this.counters.frames,
      bytes: this.counters.bytes,
      errorSamples: this.counters.samples,
      resume: resumeCounts(this.counters),
      clientCpu: clientCpu.share,
      clientWait: clientCpu.waitShare,
      clientBound: this.cpu.isSaturated(clientCpu),
      windowStartMs,
      windowEndMs,
      timeline: this.timeline,
    };
    if (this.storm) result.storm = this.storm;
    const st = this.stallTracker;
    const sc = this.stallCounters;
    const d = this.plan.disruption;
    if (st && sc && d?.kind === "stall") {
      const sd = st.summary();
      result.staller = {
        stalled: d.active,
        stallS: d.active ? d.forS : 0,
        delivery: sd,
        deliveredPct: sd.expected === 0 ? 100 : (100 * sd.delivered) / sd.expected,
        resume: resumeCounts(sc),
        frames: sc.frames,
        heldOver: st.heldOver,
        bytesAfterResume: this.stallerBytesAtResume < 0 ? 0 : sc.bytes - this.stallerBytesAtResume,
        disconnects: sc.disconnects,
        errors: sc.samples,
      };
    }
    return result;
  }

  private urlFor(i: number): string {
    const urls = this.plan.urls;
    const base = urls.length > 0 ? (urls[i % urls.length] as string) : this.plan.url;
    return base;
  }

  private addressFor(i: number): string | undefined {
    const p = this.plan;
    const block = Math.floor(i / p.connectionsPerAddress);
    return block === 0 ? undefined : p.localAddresses[(block - 1) % p.localAddresses.length];
  }

  private async connectAll(): Promise<void> {
    const p = this.plan;
    const links = linkFactory(p.protocol, p.transport);
    const path = this.protocol.endpoint(p.transport);
    if (links === undefined || path === undefined)
      throw new Error(`${p.protocol} has no ${p.transport} transport in this harness`);
    const total = connectionCount(p);
    const stallerIndex = p.disruption?.kind === "stall" ? p.subscribers - 1 : -1;
    for (let i = 0; i < total; i++) {
      // All-to-all: client i publishes as sender i and receives as receiver i. Fan-out: the
      // first `publishers` clients only publish, the others only subscribe.
      const receiver = p.publishersSubscribe ? (i < p.subscribers ? i : -1) : i < p.publishers ? -1 : i - p.publishers;
      const sender = p.publishersSubscribe ? (i < p.publishers ? i : -1) : i < p.publishers ? i : -1;
      const role = { subscribes: receiver >= 0, resume: p.resume && receiver >= 0 };
      const stalls = receiver >= 0 && receiver === stallerIndex;
      const client = new LoadClient(
        this.protocol,
        links,
        path,
        stalls ? (this.stallTracker as DeliveryTracker) : this.tracker,
        stalls ? (this.stallCounters as ClientCounters) : this.counters,
        receiver,
        sender,
        role,
      );
      if (stalls) this.staller = client;
      this.clients.push(client);
    }
    let index = 0;
    const worker = async () => {
      while (index < this.clients.length && !this.stopped) {
        const i = index++;
        const client = this.clients[i] as LoadClient;
        try {
          await client.connect(this.urlFor(i), this.addressFor(i), p.connectTimeoutMs);
          this.connected++;
          if (client.sender >= 0) this.publishers.push(client);
        } catch (error) {
          client.close();
          countError(this.counters, `connect: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, p.connectConcurrency) }, worker));
    // Senders whose connection failed still owe their messages: they count as lost. Keep the
    // schedule's order by sender index whatever order the connections finished in.
    for (const c of this.clients) if (c.sender >= 0 && !c.connected) this.publishers.push(c);
    this.publishers.sort((a, b) => a.sender - b.sender);
  }

  /** Sends every publish that is due, then sleeps until the next one. */
  private pump(): void {
    this.timer = undefined;
    if (!this.publishing) return;
    const now = nowMicros();
    const n = this.publishers.length;
    let budget = MAX_SENDS_PER_TURN;
    let due = this.startUs + this.next * this.stepUs;
    while (due <= now && budget-- > 0) {
      const client = this.publishers[this.next % n] as LoadClient;
      const scheduledUs = Math.round(due);
      const seq = client.seq++;
      const tag = formatTag(client.sender, seq, scheduledUs);
      const payload = `{"metric":"cpu.load","host":"h${client.sender}","value":${seq % 100}.5,${this.pad}"b":"${tag}"}`;
      this.tracker.noteSent(client.sender, scheduledUs);
      this.stallTracker?.noteSent(client.sender, scheduledUs);
      if (client.link !== undefined) client.send(this.protocol.publishFrame(payload));
      recordLatency(this.sendLag, now - scheduledUs);
      this.sent++;
      this.sentThisSecond++;
      this.next++;
      due = this.startUs + this.next * this.stepUs;
    }
    if (due <= now) setImmediate(this.pump);
    else this.timer = setTimeout(this.pump, Math.max(0, (due - now) / 1000));
  }

  private tick(): void {
    const second = this.tracker.takeSecond();
    this.stallTracker?.takeSecond();
    const cpu = this.cpu.read();
    const t = this.startUs === 0 ? 0 : (nowMicros() - this.startUs) / 1e6;
    let connected = 0;
    for (const c of this.clients) if (c.connected) connected++;
    const tick: LoadTick = {
      t: Math.round(t * 10) / 10,
      phase: this.phase,
      connected,
      sent: this.sentThisSecond,
      deliveries: second.deliveries,
      p50: second.p50,
      p99: second.p99,
      max: second.max,
      cpu: Math.round(cpu.share * 1000) / 1000,
      wait: Math.round(cpu.waitShare * 1000) / 1000,
    };
    this.sentThisSecond = 0;
    this.timeline.push(tick);
    this.events.tick?.(tick);
  }

  private setPhase(phase: LoadPhase): void {
    this.phase = phase;
    this.events.phase?.(phase, Date.now());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private async sleepUntil(us: number): Promise<void> {
    while (!this.stopped) {
      const left = (us - nowMicros()) / 1000;
      if (left <= 0) return;
      await this.sleep(Math.min(left, 200));
    }
  }
}
