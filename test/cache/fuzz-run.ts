/**
 * The randomized cache correctness run (issue 13): a local Stripe whose webhooks arrive late (`late-webhooks.ts`),
 * duplicated and out of order (its own `duplicate` and `reorder` faults); one gateway (`memory`: its in-process
 * cache), or two in-process gateways on one real redis-server (`redis`: deliveries go to the first, reads go to
 * both); several workers, each owning one customer, interleave that customer's changes (`fuzz-changes.ts`) with
 * reads by every caller (each customer's token, an admin) through either gateway, and every read is judged
 * (`fuzz-check.ts`) against the floors acknowledged before it started and the local Stripe's state when it ended.
 * After the last change, once every event is acknowledged, each caller reads everything once more: now it must be
 * exactly the local Stripe's state.
 *
 * `seed` decides every change, every read and every fault draw; the interleaving between workers is the machine's.
 */
import Stripe from 'stripe';
import { startApp, type App } from '../../src/app.js';
import { loadGatewayConfig } from '../../src/config.js';
import { seededRandom, type RandomSource } from '../../src/local-stripe/ids.js';
import { startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { ADMIN_KEY, JWT_SECRET } from '../support/gateway.js';
import { startSlowHop, type SlowHop } from '../support/slow-hop.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { CustomerChanges, type ChangeName } from './fuzz-changes.js';
import { checkRead, unexpectedErrors, type Finding } from './fuzz-check.js';
import { Oracle, ownerOf } from './fuzz-oracle.js';
import { raceProbe } from './fuzz-race.js';
import { read, Tokens, type ReadName } from './fuzz-reads.js';

export type FuzzConfiguration = 'memory' | 'redis';

export interface FuzzOptions {
  seed: number;
  configuration: FuzzConfiguration;
  /** Customers, one worker each. Default 4. */
  customers?: number;
  /** Steps (a change or a read) per worker. Default 80. */
  stepsPerWorker?: number;
  /** The run stops drawing new steps after this long (a loaded machine ends early, with fewer reads). Default 20 s. */
  timeBudgetMs?: number;
}

export interface FuzzReport {
  seed: number;
  configuration: FuzzConfiguration;
  durationMs: number;
  readsChecked: number;
  readsByCaller: { customer: number; admin: number };
  changes: number;
  /** Reads made right after a change's events were acknowledged. */
  readsAfterAck: number;
  /** Race probes run (`fuzz-race.ts`), and how many were armed (a Stripe answer held across an acknowledged change). */
  raceProbes: { run: number; armed: number };
  changesByName: Partial<Record<ChangeName, number>>;
  events: number;
  deliveryAttempts: number;
  duplicateDeliveries: number;
  duplicateAnswers: number;
  outOfOrderAcks: number;
  late: { held: number; refused: number };
  /** Over every checked read: Stripe calls made and cache hits, as each answer's `extensions.stripe` reports them. */
  stripeCalls: number;
  cacheHits: number;
  /** GET requests that reached the local Stripe (the run's own SDK reads included): fewer with a warm cache. */
  stripeGets: number;
  /** Stripe's answers held on their way to the gateways. */
  stripeAnswersHeld: number;
  findings: Finding[];
  gatewayErrorLines: string[];
}

export const WEBHOOK_SECRET = 'whsec_fuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzz00';
/** Errors a customer's read of another customer's object may answer with (and nothing of that object). */
const REFUSALS = ['FORBIDDEN', 'NOT_FOUND'];

function gatewayEnv(local: LocalStripe, stripeBase: string, redisUrl: string | undefined): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: local.secretKey,
    STRIPE_API_BASE: stripeBase,
    GATEWAY_API_KEYS: ADMIN_KEY,
    AUTH_JWT_SECRET: JWT_SECRET,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    LOG_LEVEL: 'info',
    // The run measures freshness, not limits: nothing here may throttle it.
    RATE_LIMIT_PER_MINUTE: '0',
    CALLER_STRIPE_CALLS_PER_MINUTE: '0',
    STRIPE_READS_PER_SECOND: '100000',
    STRIPE_WRITES_PER_SECOND: '100000',
    STRIPE_SEARCHES_PER_SECOND: '100000',
    ...(redisUrl !== undefined ? { REDIS_URL: redisUrl } : {}),
  };
}

const pick = <T,>(items: readonly T[], random: RandomSource): T => items[Math.floor(random() * items.length)] as T;

async function until(check: () => boolean, what: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const { seed, configuration } = options;
  const customerCount = options.customers ?? 4;
  const steps = options.stepsPerWorker ?? 80;
  const budgetEnd = started + (options.timeBudgetMs ?? 20_000);
  const stops: Array<() => Promise<void>> = [];
  try {
    const local = await startLocalStripe({
      port: 0,
      seed: 'empty',
      webhooks: {
        retrySchedule: [150, 300, 600, 1000, 2000],
        timeoutMs: 10_000,
        faults: { reorder: { batch: 3, maxWaitMs: 60 }, duplicate: { probability: 0.3 }, seed },
      },
    });
    stops.unshift(() => local.stop());
    const oracle = new Oracle(local.store);
    let redis: TestRedis | undefined;
    if (configuration === 'redis') {
      redis = await startRedis();
      stops.unshift(() => redis!.stop());
    }
    // Stripe's answers reach the gateways a while after Stripe read its state, as over a real network.
    const network = await startSlowHop({ target: local.url, seed: seed + 1, holdAnswers: true, holdProbability: 0.3, maxHoldMs: 250 });
    stops.unshift(() => network.stop());
    const apps: App[] = [];
    for (let i = 0; i < (configuration === 'redis' ? 2 : 1); i++) {
      const app = await startApp(loadGatewayConfig(gatewayEnv(local, network.url, redis?.url)), { logSink: oracle.sink });
      stops.unshift(() => app.stop());
      apps.push(app);
    }
    // Deliveries go to the first gateway only, some late, some refused once (and retried by the local Stripe).
    const late: SlowHop = await startSlowHop({ target: apps[0]!.url, seed, holdProbability: 0.3, maxHoldMs: 400, refuseFirstProbability: 0.15 });
    stops.unshift(() => late.stop());
    local.forwardWebhooks({ url: `${late.url}${new URL(apps[0]!.webhooks.url).pathname}`, secret: WEBHOOK_SECRET });

    const stripe = new Stripe(local.secretKey, { ...local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
    const portal = await stripe.billingPortal.configurations.create({
      business_profile: { headline: 'Fuzz billing' },
      features: { customer_update: { enabled: true, allowed_updates: ['name', 'email'] }, invoice_history: { enabled: true } },
    });
    const customers: string[] = [];
    for (let k = 0; k < customerCount; k++) customers.push(await CustomerChanges.create(stripe, `C${k}`));

    const tokens = new Tokens();
    const report: FuzzReport = {
      seed,
      configuration,
      durationMs: 0,
      readsChecked: 0,
      readsByCaller: { customer: 0, admin: 0 },
      changes: 0,
      raceProbes: { run: 0, armed: 0 },
      readsAfterAck: 0,
      changesByName: {},
      events: 0,
      deliveryAttempts: 0,
      duplicateDeliveries: 0,
      duplicateAnswers: 0,
      outOfOrderAcks: 0,
      late: late.counts,
      stripeAnswersHeld: 0,
      stripeGets: 0,
      stripeCalls: 0,
      cacheHits: 0,
      findings: [],
      gatewayErrorLines: oracle.errorLines,
    };
    const allInvoices = () => [...local.store.invoices.newestFirst()].map((i) => i.id);

    /** One read by `caller` through `app`, judged. */
    const judge = async (app: App, caller: string, name: ReadName, variables: Record<string, unknown>, exact = false) => {
      const before = oracle.snapshot();
      const answer = await read(app.graphqlUrl, await tokens.authorization(caller), name, variables);
      const what = `${name}(${JSON.stringify(variables)}) on gateway ${apps.indexOf(app) + 1}`;
      const checked = { caller, what, variables, body: answer.body };
      // A customer naming another customer's object must be refused; nothing else may answer an error.
      const foreignTarget = caller !== 'admin' && Object.values(variables).some((v) => typeof v === 'string' && ownerOf(local.store, v) !== caller);
      // An invoice deleted around the read: NOT_FOUND is the truth.
      const namesDeleted = Object.values(variables).some((v) => typeof v === 'string' && oracle.everDeleted.has(v));
      const allowed = foreignTarget ? REFUSALS : namesDeleted ? ['NOT_FOUND'] : [];
      report.findings.push(...checkRead(checked, before, local.store, { exact, everDeleted: oracle.everDeleted }), ...unexpectedErrors(checked, allowed));
      if (answer.status !== 200 && !foreignTarget) report.findings.push({ kind: 'error', detail: `${what} as ${caller}: HTTP ${answer.status}` });
      report.readsChecked++;
      report.stripeCalls += answer.body.extensions?.stripe?.calls ?? 0;
      report.cacheHits += answer.body.extensions?.stripe?.cacheHits ?? 0;
      report.readsByCaller[caller === 'admin' ? 'admin' : 'customer']++;
    };

    /** A read drawn from `random`: a caller, a gateway, what to read. */
    const randomRead = (random: RandomSource) => {
      const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const app = pick(apps);
      const caller = random() < 0.3 ? 'admin' : pick(customers);
      const invoices = allInvoices();
      const draw = random();
      if (caller === 'admin') {
        if (draw < 0.3) return judge(app, caller, 'customer', { id: pick(customers) });
        if (draw < 0.6) return judge(app, caller, 'invoices', { customerId: pick(customers) });
        if (draw < 0.85 && invoices.length > 0) return judge(app, caller, 'invoice', { id: pick(invoices) });
        return judge(app, caller, 'customers', {});
      }
      if (draw < 0.5) return judge(app, caller, 'ownPage', {});
      if (draw < 0.75 && invoices.length > 0) return judge(app, caller, 'invoice', { id: pick(invoices) });
      if (draw < 0.9) return judge(app, caller, 'customer', { id: pick(customers) });
      return judge(app, caller, 'node', { id: pick([...customers, ...invoices]) });
    };

    const count = (name: ChangeName) => {
      report.changes++;
      report.changesByName[name] = (report.changesByName[name] ?? 0) + 1;
    };
    const worker = async (k: number) => {
      const random = seededRandom(seed * 1000 + k);
      const changes = new CustomerChanges(stripe, customers[k]!, `C${k}`, portal.id, seededRandom(seed * 1000 + 500 + k));
      for (let step = 0; step < steps && Date.now() < budgetEnd; step++) {
        const draw = random();
        if (draw < 0.05) {
          report.raceProbes.run++;
          const armed = await raceProbe({
            changes,
            network,
            oracle,
            judge: (app, caller, name, variables) => judge(apps[app]!, caller, name, variables),
            apps: apps.length,
            random,
          });
          if (armed) report.raceProbes.armed++;
          report.changes += armed ? 2 : 1;
        } else if (draw < 0.38) {
          const from = oracle.made.length;
          count(await changes.next());
          // Now and then: wait for the change's events to be acknowledged, and read it at once (every cached entry
          // it touched must be gone by now).
          if (random() < 0.5) {
            await until(() => oracle.acknowledgedFrom(from), () => `the events of a change to ${customers[k]} to be acknowledged`, 15_000);
            report.readsAfterAck++;
            await judge(pick(apps, random), random() < 0.5 ? customers[k]! : 'admin', 'customer', { id: customers[k] });
          }
        } else await randomRead(random);
      }
      for (const name of await changes.everyChannel()) count(name);
    };
    await Promise.all(customers.map((_, k) => worker(k)));

    // Quiet: every event acknowledged, so every read must now be exactly the local Stripe's state.
    await until(
      () => oracle.allAcknowledged() && late.inFlight() === 0,
      () => `every event to be acknowledged (${oracle.made.length - oracle.acked.size} of ${oracle.made.length} not yet)`,
      20_000,
    );
    const behind = oracle.floorsBehindTruth();
    if (behind.length > 0) report.findings.push({ kind: 'stale', detail: `the oracle's floors lag the local Stripe after every ack: ${behind.join(', ')}` });
    for (const app of apps) {
      for (const customer of customers) {
        await judge(app, customer, 'ownPage', {}, true);
        await judge(app, 'admin', 'customer', { id: customer }, true);
        await judge(app, 'admin', 'invoices', { customerId: customer }, true);
      }
      for (const id of allInvoices()) await judge(app, 'admin', 'invoice', { id }, true);
    }

    report.events = oracle.made.length;
    report.deliveryAttempts = local.webhooks.attempts.length;
    report.duplicateDeliveries = local.webhooks.attempts.filter((a) => a.duplicate).length;
    report.duplicateAnswers = oracle.duplicateAnswers;
    report.outOfOrderAcks = oracle.outOfOrder;
    report.stripeAnswersHeld = network.counts.held;
    report.stripeGets = local.requests.filter((r) => r.method === 'GET').length;
    report.durationMs = Date.now() - started;
    return report;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

function kindsOf(findings: readonly Finding[]): string {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.kind, (counts.get(finding.kind) ?? 0) + 1);
  return counts.size === 0 ? '' : ` (${[...counts].map(([kind, n]) => `${n} ${kind}`).join(', ')})`;
}

/** The report in a few lines, for the test's output. */
export function summary(report: FuzzReport): string {
  const kinds = Object.entries(report.changesByName).map(([name, n]) => `${name} ${n}`).join(', ');
  return [
    `cache fuzz [${report.configuration}] seed ${report.seed}: ${report.readsChecked} reads checked (${report.readsByCaller.customer} by customers, ${report.readsByCaller.admin} by the admin) in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  ${report.changes} changes: ${kinds}; ${report.raceProbes.run} race probes (${report.raceProbes.armed} armed); ${report.readsAfterAck} reads right after an acknowledgement`,
    `  ${report.events} events, ${report.deliveryAttempts} delivery attempts, ${report.duplicateDeliveries} duplicated (${report.duplicateAnswers} answered as duplicates), ${report.outOfOrderAcks} acknowledged out of order, ${report.late.held} held and ${report.late.refused} refused on the way (retried late)`,
    `  the reads made ${report.stripeCalls} Stripe calls and had ${report.cacheHits} cache hits; ${report.stripeGets} GETs reached the local Stripe; ${report.stripeAnswersHeld} Stripe answers held on their way to the gateway${report.configuration === 'redis' ? 's' : ''}`,
    `  findings: ${report.findings.length}${kindsOf(report.findings)}${report.findings.length > 0 ? `\n    ${report.findings.slice(0, 20).map((f) => `${f.kind}: ${f.detail}`).join('\n    ')}` : ''}`,
  ].join('\n');
}
