/**
 * The load run's readers (`load/`, run by hand with `npm run load`) against a real gateway over the local Stripe:
 * the flood's request is what the run says it is (the trusted `CreatePortalSession` document by id, 11,000 unknown
 * keys in `$input`, under MAX_BODY_BYTES, no credentials) and its recorder reads the gateway's answer — status,
 * bytes, code, `extensions.stripe`; the workload's recorder reads every answer's `extensions.stripe` to the most
 * Stripe calls one request made, which is what the local Stripe received. Counts only, no timings.
 */
import { isInputObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentIdOf } from '../../src/client/index.js';
import * as generated from '../../src/client/generated/graphql.js';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { schema } from '../../src/graphql/schema.js';
import { loadDemoCustomers, OwnershipDetector } from '../../load/fixture.js';
import { FLOOD_CHEAP_BYTES, FLOOD_UNKNOWN_KEYS, floodBody, FloodRecorder } from '../../load/flood.js';
import type { GatewayReady } from '../../load/gateway.js';
import { Recorder } from '../../load/recorder.js';
import { Planner } from '../../load/workload.js';
import { ADMIN_KEY, JWT_SECRET, startGateway, type GatewayHarness } from '../support/gateway.js';

let h: GatewayHarness;

beforeAll(async () => {
  h = await startGateway();
});
afterAll(() => h.stop());

/** Posts `body` to the harness's gateway as the load run does (`authorization` absent: anonymous). */
async function post(body: string, authorization?: string) {
  const response = await h.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9',
      ...(authorization !== undefined ? { authorization } : {}),
    },
    body,
  });
  return { status: response.status, text: await response.text(), headers: Object.fromEntries(response.headers) };
}

describe('the flood', () => {
  it('sends the trusted CreatePortalSession document by id, 11,000 unknown $input keys, under the body limit', () => {
    const body = floodBody(DEFAULT_LIMITS.maxBodyBytes);
    const parsed = JSON.parse(body) as { documentId: string; variables: { input: Record<string, unknown> } };
    expect(parsed.documentId).toBe(documentIdOf(generated.CreatePortalSessionDocument));
    const keys = Object.keys(parsed.variables.input);
    expect(keys).toHaveLength(FLOOD_UNKNOWN_KEYS);
    const input = schema.getType('CreatePortalSessionInput');
    if (!isInputObjectType(input)) throw new Error('CreatePortalSessionInput is not an input type');
    const known = new Set(Object.keys(input.getFields()));
    expect(keys.filter((key) => known.has(key))).toEqual([]);
    expect(Buffer.byteLength(body)).toBeLessThan(DEFAULT_LIMITS.maxBodyBytes);
    expect(Buffer.byteLength(body)).toBeGreaterThan(80_000);
    // A limit it would not fit under is refused up front, not measured.
    expect(() => floodBody(50_000)).toThrow(/not under MAX_BODY_BYTES 50000/);
  });

  it("is refused cheaply, anonymously, and the flood's recorder reads the answer's status, bytes, code and Stripe calls", async () => {
    const body = floodBody(DEFAULT_LIMITS.maxBodyBytes);
    const recorder = new FloodRecorder();
    const stripeCalls = await h.stripeCalls(async () => {
      for (let i = 0; i < 3; i++) {
        const answer = await post(body);
        recorder.record(answer.status, answer.text, answer.headers);
        expect(recorder.maxBytes).toBeGreaterThanOrEqual(Buffer.byteLength(answer.text));
      }
    });
    expect(stripeCalls).toEqual([]);
    expect(Object.fromEntries(recorder.statuses)).toEqual({ 401: 3 });
    expect(Object.fromEntries(recorder.errorsByCode)).toEqual({ UNAUTHENTICATED: 3 });
    expect(recorder.maxBytes).toBeLessThanOrEqual(FLOOD_CHEAP_BYTES);
    expect(recorder.minBytes).toBeGreaterThan(0);
    expect(recorder.serverErrors).toBe(0);
    expect(recorder.stripe.withoutReport).toBe(0);
    expect(recorder.stripe.maxCalls).toBe(0);
    expect(recorder.refusedCheaply()).toBe(true);
  });

  it('calls an answer that is not a small 401 what it is', async () => {
    // The same body as an admin: past authentication, the variables' bound refuses it with a 400.
    const answer = await post(floodBody(DEFAULT_LIMITS.maxBodyBytes), `Bearer ${ADMIN_KEY}`);
    const recorder = new FloodRecorder();
    recorder.record(answer.status, answer.text, answer.headers);
    expect(answer.status).toBe(400);
    expect(Object.fromEntries(recorder.errorsByCode)).toEqual({ BAD_USER_INPUT: 1 });
    expect(recorder.refusedCheaply()).toBe(false);
  });
});

describe("the workload's recorder", () => {
  it('tallies extensions.stripe: the most calls one request made, and the total, are what the local Stripe received', async () => {
    const ready = {
      stripeUrl: h.local.url,
      stripeKey: h.local.secretKey,
      jwtSecret: JWT_SECRET,
      customerClaim: 'stripe_customer_id',
      issuer: undefined,
      audience: undefined,
    } as GatewayReady;
    const customers = await loadDemoCustomers(ready);
    const configurations = (await fetch(`${h.local.url}/v1/billing_portal/configurations?limit=100`, {
      headers: { Authorization: `Bearer ${h.local.secretKey}` },
    }).then((r) => r.json())) as { data: Array<{ id: string }> };
    const planner = new Planner({
      customers,
      adminKey: ADMIN_KEY,
      configurationIds: configurations.data.map((c) => c.id),
      runTag: 'test',
      seed: 1,
    });
    const recorder = new Recorder(new OwnershipDetector(customers), customers);
    const counted: number[] = [];
    for (let i = 0; i < 40; i++) {
      const planned = planner.next();
      recorder.sending(planned);
      const calls = await h.stripeCalls(async () => {
        const answer = await post(planned.body, planned.authorization);
        recorder.record(planned, answer.status, answer.text);
      });
      counted.push(calls.length);
    }
    expect(recorder.responses).toBe(40);
    expect(recorder.errorResponses).toBe(0);
    expect(recorder.wrongData + recorder.crossCustomer + recorder.adminMixups).toBe(0);
    expect(recorder.stripe.answers).toBe(40);
    expect(recorder.stripe.withoutReport).toBe(0);
    // The seed makes the first request cheaper than the dearest one: the tally keeps the maximum, not the first.
    expect(counted[0]).toBeLessThan(Math.max(...counted));
    expect(recorder.stripe.maxCalls).toBe(Math.max(...counted));
    expect(recorder.stripe.totalCalls).toBe(counted.reduce((a, b) => a + b, 0));
    expect(recorder.stripe.maxEstimatedCalls).toBeGreaterThanOrEqual(recorder.stripe.maxCalls);
    expect(recorder.stripe.violations()).toEqual([]);
  });
});
