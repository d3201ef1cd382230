/**
 * The local Stripe under load: it must never be the bottleneck of the gateway's benchmarks or tests.
 * It runs in its own process with the demo seed; autocannon sends Stripe-shaped requests with a test key.
 */
import { DEMO } from '../src/local-stripe/index.js';
import { load, startChild, type LoadResult } from './support.js';

export interface LocalStripeScenario extends LoadResult {
  name: string;
  stripeCalls: number;
  minStripeCalls: number;
}

const KEY = 'sk_test_bench';

async function firstInvoice(url: string, customer: string): Promise<string> {
  const response = await fetch(`${url}/v1/invoices?limit=1&customer=${customer}`, { headers: { Authorization: `Bearer ${KEY}` } });
  const id = ((await response.json()) as { data: Array<{ id: string }> }).data[0]?.id;
  if (id === undefined) throw new Error(`the demo customer ${customer} has no invoices`);
  return id;
}

export async function benchLocalStripe(options: { durationSeconds: number; connections: number }): Promise<LocalStripeScenario[]> {
  const server = await startChild('src/local-stripe/main.ts', ['--port', '0', '--seed', 'demo'], 0, /listening on (http:\/\/\S+)/);
  try {
    const customer = DEMO.customer;
    const invoice = await firstInvoice(server.url, customer);
    const headers = { Authorization: `Bearer ${KEY}`, 'Stripe-Version': '2026-10-28.endive' };
    const scenarios: Array<{ name: string; path: string; method?: 'GET' | 'POST'; body?: string }> = [
      { name: 'local-stripe: retrieve customer', path: `/v1/customers/${customer}` },
      { name: 'local-stripe: retrieve invoice, expand customer', path: `/v1/invoices/${invoice}?expand[0]=customer` },
      { name: 'local-stripe: list 10 invoices of a customer', path: `/v1/invoices?customer=${customer}&limit=10` },
      {
        name: 'local-stripe: create portal session',
        path: '/v1/billing_portal/sessions',
        method: 'POST',
        body: `customer=${customer}&return_url=https%3A%2F%2Fexample.com%2Fbilling`,
      },
    ];
    const results: LocalStripeScenario[] = [];
    for (const scenario of scenarios) {
      // Warm up the JIT and the connections, then measure.
      await load({ url: server.url + scenario.path, connections: options.connections, duration: 1, headers });
      const result = await load({
        url: server.url + scenario.path,
        method: scenario.method ?? 'GET',
        connections: options.connections,
        duration: options.durationSeconds,
        headers: scenario.body
          ? { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }
          : headers,
        ...(scenario.body ? { body: scenario.body } : {}),
      });
      results.push({ name: scenario.name, stripeCalls: 1, minStripeCalls: 1, ...result });
    }
    return results;
  } finally {
    await server.stop();
  }
}
