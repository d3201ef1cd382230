import autocannon from 'autocannon';
import { startApp } from './src/app.ts';
import { loadGatewayConfig } from './src/config.ts';
const t = process.argv[2] ?? '15000';
const app = await startApp(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', REQUEST_TIMEOUT_MS: t }));
const key = app.demo!.adminKey;
const mem = () => { (globalThis as any).gc?.(); const m = process.memoryUsage(); return `rss ${(m.rss/1048576).toFixed(0)} heap ${(m.heapUsed/1048576).toFixed(0)}`; };
console.log('start', mem());
for (let i = 0; i < 3; i++) {
  const r = await autocannon({ url: app.graphqlUrl, method: 'POST', connections: 50, duration: 5, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ customer(id: "cus_HI4eggv5wQw860") { name invoices(first: 5) { edges { node { id } } } } }' }) });
  console.log('run', i, r.requests.total, mem());
}
await new Promise((r) => setTimeout(r, 16000));
console.log('after 16s', mem());
await app.stop();
