/**
 * Webhook deliveries: every event an account's log appends (`store.events`) is POSTed to each enabled endpoint that
 * wants its type (`/v1/webhook_endpoints`), and to the forwarding URL when one is set (like `stripe listen
 * --forward-to`), signed with that destination's secret (`signature.ts`).
 *
 * As Stripe delivers:
 * - Who hears what: an account's events go to its own endpoints; a connected account's events go to the platform's
 *   `connect: true` endpoints instead, with `account` set in the payload. The forwarding URL hears every account.
 * - When: after the response that caused the event (the listener only queues; sending starts on `setImmediate`).
 * - What: the event as `/v1/events` shows it, pretty-printed JSON, `Content-Type: application/json; charset=utf-8`,
 *   `User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)`, `Stripe-Signature: t=…,v1=…` with the wall-clock
 *   time of that attempt (so each retry is signed afresh; never the account's advanced clock, which a receiver's
 *   tolerance would refuse).
 * - Outcome: a 2xx is delivered, and the event's `pending_webhooks` (one per destination, the forwarding URL included)
 *   goes down by one. Anything else — another status, a connection error, no answer within `timeoutMs` — is retried
 *   after the next wait of `retrySchedule`, then given up. Stripe retries for up to three days with exponential
 *   backoff; the defaults here are for local use: waits of 1, 2, 4 and 8 s (five attempts), 10 s timeout.
 * - Each attempt looks its destination up again: a deleted or disabled endpoint gets no further attempts, an updated
 *   URL gets the next one.
 * - Order is not guaranteed (attempts run concurrently), and `faults` reorder or duplicate on purpose
 *   (`delivery-faults.ts`; a reordered batch is sent one after the other, so that the receiver sees the new order).
 *
 * Every attempt is recorded (`attempts`, served at `GET /_local/webhooks/deliveries`): event id and type, account,
 * destination (`we_…` or `forward`), attempt number, status or error, when, how long — never the payload, the
 * signature or a secret. `stop()` drops whatever is pending: timers cleared, attempts in flight aborted, connections
 * closed, so nothing keeps the process alive.
 */
import type Stripe from 'stripe';
import { isHttpUrl } from '../config.js';
import { endpointWants } from '../resources/webhook-endpoints.js';
import type { Store } from '../store.js';
import { DeliveryFaultState, DEFAULT_REORDER_WAIT_MS, type DeliveryFaults } from './delivery-faults.js';
import { WebhookClient, type AttemptOutcome } from './delivery-http.js';
import { isWebhookSecret, newWebhookSecret, signatureHeader } from './signature.js';

export interface WebhookOptions {
  /** Milliseconds to wait before each retry; its length is the number of retries. Default `[1000, 2000, 4000, 8000]`. */
  retrySchedule?: readonly number[];
  /** How long an attempt may take before it counts as failed. Default 10,000 ms. */
  timeoutMs?: number;
  faults?: DeliveryFaults;
}

export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [1000, 2000, 4000, 8000];
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Attempts kept in the log (oldest dropped first). */
const ATTEMPT_LOG_LIMIT = 10_000;

/** The `destination` of forwarded deliveries in the attempt log. */
export const FORWARD = 'forward';

export interface ForwardTarget {
  url: string;
  /** `whsec_…`; generated when not given. */
  secret?: string | undefined;
}

export interface DeliveryAttempt {
  eventId: string;
  type: string;
  /** The account whose event it is. */
  account: string;
  /** The endpoint's id, or `forward`. */
  destination: string;
  /** The URL it was sent to (without any user:password part). */
  url: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** A second delivery made on purpose by the `duplicate` fault. */
  duplicate: boolean;
  /** The HTTP status, or null when there was none (see `error`). */
  status: number | null;
  error: string | null;
  delivered: boolean;
  /** Milliseconds since the epoch when the attempt started. */
  at: number;
  durationMs: number;
  /** When the next attempt is due (ms since the epoch), or null: delivered, given up, or destination gone. */
  nextAttemptAt: number | null;
}

/** One event owed to one destination. */
interface Delivery {
  event: Stripe.Event;
  store: Store;
  /** An endpoint id in `owner`, or `FORWARD`. */
  destination: string;
  /** The store that holds the endpoint (the platform's, for connected accounts' events). */
  owner: Store;
  duplicate: boolean;
  attempt: number;
}

export class WebhookDeliveries {
  readonly attempts: DeliveryAttempt[] = [];
  readonly faults: DeliveryFaultState;
  private readonly retrySchedule: readonly number[];
  private readonly timeoutMs: number;
  private readonly client = new WebhookClient();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly unlisten: Array<() => void> = [];
  /** Deliveries waiting for the next `setImmediate`. */
  private ready: Delivery[] = [];
  private readyTimer: NodeJS.Immediate | undefined;
  /** The `reorder` fault's held deliveries, per destination. */
  private readonly held = new Map<string, { deliveries: Delivery[]; timer: NodeJS.Timeout }>();
  /** Event id + destination of each delivery not yet made, so that a duplicate's success counts once. */
  private readonly owed = new Set<string>();
  private forwarding: { url: string; secret: string } | undefined;
  private stopped = false;
  /** Bumped by every drop (reset, stop): an attempt that was in flight across one is forgotten. */
  private generation = 0;

  constructor(options: WebhookOptions = {}) {
    this.retrySchedule = checkSchedule(options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0 && Number.isFinite(this.timeoutMs))) throw new Error('webhooks.timeoutMs must be a number of milliseconds > 0');
    this.faults = new DeliveryFaultState(options.faults);
  }

  /** Listens to every account's events (the platform's first); replaces what it listened to before, dropping what was pending. */
  attach(platform: Store, stores: readonly Store[]): void {
    this.drop();
    for (const store of stores) {
      this.unlisten.push(store.events.listen((event) => this.onEvent(event, store, platform)));
    }
  }

  /** Forwards every event of every account to `target.url` from now on; returns the signing secret. */
  forward(target: ForwardTarget): string {
    if (!isHttpUrl(target.url)) throw new Error(`the webhook forwarding URL must be an http or https URL, got '${target.url}'`);
    if (target.secret !== undefined && !isWebhookSecret(target.secret)) {
      throw new Error('the webhook forwarding secret must start with whsec_');
    }
    const secret = target.secret ?? newWebhookSecret();
    this.forwarding = { url: target.url, secret };
    return secret;
  }

  stopForwarding(): void {
    this.forwarding = undefined;
  }

  /** The forwarding URL and secret, or undefined. */
  get forwardingTarget(): { url: string; secret: string } | undefined {
    return this.forwarding === undefined ? undefined : { ...this.forwarding };
  }

  clearAttempts(): void {
    this.attempts.length = 0;
  }

  /** Changes the faults; turning `reorder` off sends what it held at once. */
  setFaults(faults: DeliveryFaults | undefined): void {
    this.faults.set(faults);
    if (this.faults.current.reorder === undefined) for (const key of [...this.held.keys()]) this.release(key);
  }

  /** Drops every pending delivery and stops listening; nothing is left running. */
  stop(): void {
    this.stopped = true;
    this.drop();
    this.client.destroy();
  }

  private drop(): void {
    this.generation++;
    for (const unlisten of this.unlisten.splice(0)) unlisten();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const { timer } of this.held.values()) clearTimeout(timer);
    this.held.clear();
    if (this.readyTimer !== undefined) clearImmediate(this.readyTimer);
    this.readyTimer = undefined;
    this.ready = [];
    this.owed.clear();
  }

  private onEvent(event: Stripe.Event, store: Store, platform: Store): void {
    const connected = store !== platform;
    const owner = connected ? platform : store;
    const destinations: string[] = [];
    for (const endpoint of owner.webhookEndpoints.newestFirst()) {
      const settings = owner.webhookEndpointSettings.get(endpoint.id);
      if (settings === undefined || settings.connect !== connected) continue;
      if (endpoint.status === 'enabled' && endpointWants(endpoint, event.type)) destinations.push(endpoint.id);
    }
    if (this.forwarding !== undefined) destinations.push(FORWARD);
    for (const destination of destinations) {
      const delivery: Delivery = { event, store, destination, owner, duplicate: false, attempt: 1 };
      this.owed.add(owedKey(delivery));
      this.ready.push(delivery);
      if (this.faults.duplicateNext()) this.ready.push({ ...delivery, duplicate: true });
    }
    event.pending_webhooks += destinations.length;
    if (this.ready.length > 0 && this.readyTimer === undefined) {
      this.readyTimer = setImmediate(() => this.sendReady());
      this.readyTimer.unref();
    }
  }

  private sendReady(): void {
    this.readyTimer = undefined;
    const reorder = this.faults.current.reorder;
    for (const delivery of this.ready.splice(0)) {
      if (reorder === undefined) {
        void this.attempt(delivery);
        continue;
      }
      const key = delivery.destination === FORWARD ? FORWARD : `${delivery.owner.accountId}/${delivery.destination}`;
      let held = this.held.get(key);
      if (held === undefined) {
        const timer = setTimeout(() => this.release(key), reorder.maxWaitMs ?? DEFAULT_REORDER_WAIT_MS);
        timer.unref();
        held = { deliveries: [], timer };
        this.held.set(key, held);
      }
      held.deliveries.push(delivery);
      if (held.deliveries.length >= reorder.batch) this.release(key);
    }
  }

  /** Sends a held batch shuffled, one first attempt after the other, so that the receiver sees that order. */
  private release(key: string): void {
    const held = this.held.get(key);
    if (held === undefined) return;
    this.held.delete(key);
    clearTimeout(held.timer);
    const send = async (deliveries: Delivery[]): Promise<void> => {
      for (const delivery of deliveries) await this.attempt(delivery);
    };
    void send(this.faults.shuffle(held.deliveries));
  }

  /** The destination's URL and secret now, or undefined when it is gone or disabled. */
  private resolve(delivery: Delivery): { url: string; secret: string } | undefined {
    if (delivery.destination === FORWARD) return this.forwarding;
    const endpoint = delivery.owner.webhookEndpoints.get(delivery.destination);
    const settings = delivery.owner.webhookEndpointSettings.get(delivery.destination);
    if (endpoint === undefined || settings === undefined || endpoint.status !== 'enabled') return undefined;
    return { url: endpoint.url, secret: settings.secret };
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const target = this.resolve(delivery);
    if (target === undefined || this.stopped) return;
    const generation = this.generation;
    const payload = JSON.stringify(render(delivery), null, 2);
    const at = Date.now();
    const outcome = await this.client.post({
      url: new URL(target.url),
      payload,
      signature: signatureHeader(payload, target.secret, Math.floor(at / 1000)),
      timeoutMs: this.timeoutMs,
    });
    if (this.generation !== generation) return; // stopped or reset meanwhile: dropped
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    if (delivered && this.owed.delete(owedKey(delivery))) delivery.event.pending_webhooks -= 1;
    const wait = delivered ? undefined : this.retrySchedule[delivery.attempt - 1];
    this.record(delivery, target.url, outcome, delivered, at, wait === undefined ? null : Date.now() + wait);
    if (wait === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt({ ...delivery, attempt: delivery.attempt + 1 });
    }, wait);
    timer.unref();
    this.timers.add(timer);
  }

  private record(delivery: Delivery, url: string, outcome: AttemptOutcome, delivered: boolean, at: number, next: number | null): void {
    this.attempts.push({
      eventId: delivery.event.id,
      type: delivery.event.type,
      account: delivery.store.accountId,
      destination: delivery.destination,
      url: withoutCredentials(url),
      attempt: delivery.attempt,
      duplicate: delivery.duplicate,
      status: outcome.status,
      error: outcome.error,
      delivered,
      at,
      durationMs: Date.now() - at,
      nextAttemptAt: next,
    });
    if (this.attempts.length > ATTEMPT_LOG_LIMIT + ATTEMPT_LOG_LIMIT / 10) {
      this.attempts.splice(0, this.attempts.length - ATTEMPT_LOG_LIMIT);
    }
  }
}

function owedKey(delivery: Delivery): string {
  return `${delivery.event.id}\u0000${delivery.owner.accountId}\u0000${delivery.destination}`;
}

/** The event as delivered: as stored, with `account` named for a connected account's event. */
function render(delivery: Delivery): Stripe.Event {
  const { event, store, owner } = delivery;
  if (store === owner || event.account !== undefined) return event;
  const { id, object, ...rest } = event;
  return { id, object, account: store.accountId, ...rest } as Stripe.Event;
}

function checkSchedule(schedule: readonly number[]): readonly number[] {
  if (!schedule.every((ms) => typeof ms === 'number' && Number.isFinite(ms) && ms >= 0)) {
    throw new Error('webhooks.retrySchedule must be a list of waits in milliseconds, each ≥ 0');
  }
  return [...schedule];
}

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
