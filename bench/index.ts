/**
 * `npm run bench`: benchmarks, run by hand, never part of `npm test`. Prints a table for people and, as its last
 * line, one JSON object with every figure (`{ "scenarios": [ … ] }`), so runs can be compared.
 *
 *   npm run bench [-- --duration SECONDS] [--connections N]
 */
import { parseArgs } from 'node:util';
import { benchLocalStripe } from './local-stripe.js';
import { pinSelf, printTable, TASKSET } from './support.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '10' } },
});
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);

pinSelf(1);
console.log(`billing-gateway benchmarks — ${durationSeconds}s per scenario, ${connections} connections` +
  (TASKSET ? ', server on core 0, load generator on core 1' : ' (taskset not found: processes not pinned)'));

const scenarios = await benchLocalStripe({ durationSeconds, connections });
printTable(
  scenarios.map((s) => ({
    scenario: s.name,
    'req/s': s.requestsPerSecond,
    'p50 ms': s.p50Ms,
    'p99 ms': s.p99Ms,
    'non-2xx': s.non2xx,
    errors: s.errors,
  })),
);
console.log(JSON.stringify({ scenarios, durationSeconds, connections, pinned: TASKSET, node: process.version }));
