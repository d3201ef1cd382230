/**
 * The demo page's HTML and CSS: one small, self-contained document (no fonts, images or anything else from
 * elsewhere) that loads the bundled script from `/demo/app.js`. Everything after the shell is rendered by the
 * script, with `textContent` only.
 */
import { createHash } from 'node:crypto';

export const STYLE = `
:root {
  color-scheme: light;
  --bg: #f5f7fb; --card: #fff; --ink: #101828; --ink-2: #344054; --muted: #667085; --line: #e4e7ec;
  --line-soft: #f0f2f5; --accent: #4f46e5; --accent-hover: #4338ca; --accent-soft: #eef2ff; --radius: 12px;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; min-height: 100vh; display: flex; flex-direction: column; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  -webkit-font-smoothing: antialiased;
}
a { color: var(--accent); text-decoration: none; font-weight: 500; }
a:hover { text-decoration: underline; }
a:focus-visible, button:focus-visible { outline: 3px solid rgba(79, 70, 229, .35); outline-offset: 2px; }
.wrap { width: 100%; max-width: 980px; margin: 0 auto; padding: 0 24px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.topbar { background: var(--card); border-bottom: 1px solid var(--line); }
.topbar .wrap { display: flex; align-items: center; justify-content: space-between; gap: 16px; height: 64px; }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 16px; color: var(--ink); white-space: nowrap; flex: none; }
.logo {
  width: 30px; height: 30px; border-radius: 8px; display: grid; place-items: center; color: #fff; font-size: 15px;
  background: linear-gradient(135deg, #6366f1, #8b5cf6);
}
.brand-tag { color: var(--muted); font-weight: 500; padding-left: 10px; margin-left: 2px; border-left: 1px solid var(--line); }
.account { display: flex; align-items: center; gap: 12px; min-width: 0; font-size: 14px; color: var(--ink-2); white-space: nowrap; }
.account > span { display: block; max-width: 420px; overflow: hidden; text-overflow: ellipsis; }
.account button { flex: none; }
#signed-in-as { font-weight: 600; }

main.wrap { flex: 1; padding-top: 32px; padding-bottom: 48px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0; letter-spacing: -0.02em; }
h2 { font-size: 16px; line-height: 1.4; margin: 0; }
.muted { color: var(--muted); }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 16px; flex-wrap: wrap; margin-bottom: 24px; }
.page-head p { margin: 6px 0 0; }
.head-actions { display: flex; align-items: center; gap: 14px; }
.live { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; color: var(--muted); white-space: nowrap; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #98a2b3; }
.live[data-state="live"] { color: #067647; }
.live[data-state="live"]::before { background: #12b76a; box-shadow: 0 0 0 3px #d1fadf; }
.live[data-state="off"]::before { background: #f04438; }

.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: 0 1px 2px rgba(16, 24, 40, .05); overflow: hidden; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); margin-bottom: 24px; }
.stat { padding: 18px 22px; border-left: 1px solid var(--line); min-width: 0; }
.stat:first-child { border-left: 0; }
.stat .label { display: block; font-size: 13px; color: var(--muted); margin-bottom: 4px; }
.stat .value { display: block; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.stat .value.small { font-size: 15px; font-weight: 500; padding-top: 5px; }
.stat .note { display: block; font-size: 12px; color: var(--muted); }

.card-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 16px 22px; border-bottom: 1px solid var(--line); }
.table-wrap { position: relative; overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th {
  text-align: left; font-size: 12px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: var(--muted);
  padding: 10px 22px; background: #fafbfc; border-bottom: 1px solid var(--line); white-space: nowrap;
}
td { padding: 14px 22px; border-bottom: 1px solid var(--line-soft); vertical-align: middle; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: #fafbff; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.invoice-number { font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.invoice-number.pending { font-weight: 400; color: var(--muted); }
.sub { display: block; font-size: 12px; color: var(--muted); font-weight: 400; }
.links { text-align: right; white-space: nowrap; }
.links > * + * { margin-left: 14px; }
.links .none { color: var(--muted); }
.is-loading tbody { opacity: .45; transition: opacity .15s; }

.badge {
  display: inline-flex; align-items: center; gap: 6px; padding: 1px 10px; border-radius: 999px;
  font-size: 12px; font-weight: 600; line-height: 20px; white-space: nowrap;
}
.badge::before { content: ""; width: 6px; height: 6px; border-radius: 50%; background: currentColor; }
.badge-paid { background: #ecfdf3; color: #067647; }
.badge-open { background: #eff8ff; color: #175cd3; }
.badge-draft { background: #f2f4f7; color: #475467; }
.badge-void { background: #f2f4f7; color: #667085; }
.badge-uncollectible { background: #fef3f2; color: #b42318; }
.badge-unknown { background: #fffaeb; color: #b54708; }
.badge-active { background: #ecfdf3; color: #067647; }
.badge-trialing { background: #eff8ff; color: #175cd3; }
.badge-past-due { background: #fef3f2; color: #b42318; }
.badge-canceling { background: #fffaeb; color: #b54708; }
.badge-canceled, .badge-paused, .badge-incomplete { background: #f2f4f7; color: #475467; }
.tag {
  display: inline-block; margin-left: 8px; padding: 0 8px; border-radius: 6px; background: var(--accent-soft);
  color: var(--accent-hover); font-size: 12px; font-weight: 600; line-height: 20px;
}

.plan-card { margin-bottom: 24px; }
.plan { padding: 16px 22px; }
.plan + .plan { border-top: 1px solid var(--line-soft); }
.plan-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.plan-name { margin: 0; font-size: 18px; }
.plan-items { list-style: none; margin: 6px 0 0; padding: 0; }
.plan-item { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.plan-items .plan-product { color: var(--ink-2); }
.plan-price { font-weight: 600; font-variant-numeric: tabular-nums; }
.plan-quantity { color: var(--muted); font-variant-numeric: tabular-nums; }
.plan-date { margin: 6px 0 0; font-size: 14px; color: var(--ink-2); }
.plan-retrying { color: #b42318; }
.plan .skeleton + .skeleton { margin-top: 8px; }
.overview { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 24px; margin-bottom: 24px; align-items: start; }
.panel-body { padding: 16px 22px; }
.panel-body p { margin: 0; }
.panel-body .skeleton + .skeleton { margin-top: 8px; }
.card-number { font-size: 17px; font-weight: 600; }
.card-expiry { font-size: 14px; }
.card-expiry.expired { color: #b42318; }
.upcoming-amount { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
table.lines { border-top: 1px solid var(--line); }
table.lines td { padding: 10px 22px; }
table.lines tfoot td { font-weight: 600; border-top: 1px solid var(--line); }
table.lines tbody tr:hover td { background: none; }
.empty.compact { padding: 28px 24px; }

button {
  font: inherit; font-weight: 550; cursor: pointer; border-radius: 8px; padding: 8px 14px; line-height: 20px;
  border: 1px solid #d0d5dd; background: #fff; color: var(--ink-2); box-shadow: 0 1px 2px rgba(16, 24, 40, .05);
}
button:hover:not(:disabled) { background: #f9fafb; }
button:disabled { opacity: .5; cursor: default; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover:not(:disabled) { background: var(--accent-hover); }
button.link { border: 0; box-shadow: none; background: none; padding: 4px 6px; color: var(--muted); }
button.link:hover:not(:disabled) { background: none; color: var(--ink); text-decoration: underline; }

.pager { display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 12px 22px; border-top: 1px solid var(--line); }
.pager .where { font-size: 13px; color: var(--muted); }

.empty { text-align: center; padding: 56px 24px; }
.empty .icon {
  width: 48px; height: 48px; margin: 0 auto 12px; border-radius: 50%; display: grid; place-items: center;
  background: var(--accent-soft); color: var(--accent); font-size: 22px;
}
.empty h3 { margin: 0 0 4px; font-size: 16px; }
.empty p { margin: 0; color: var(--muted); }

.alert {
  display: flex; align-items: flex-start; gap: 12px; padding: 12px 16px; margin: 16px 22px; border-radius: 10px;
  border: 1px solid #fecdca; background: #fef3f2; color: #912018; font-size: 14px;
}
.alert.info { border-color: #b2ddff; background: #eff8ff; color: #194185; }
.alert .text { flex: 1; }
.alert strong { display: block; }
.alert button { flex: none; padding: 4px 12px; }
.page-alert { margin: 0 0 20px; }
.page-alert > .alert { margin: 0; }

.skeleton {
  display: block; height: 12px; border-radius: 6px; background: linear-gradient(90deg, #eceff3 25%, #f6f7f9 50%, #eceff3 75%);
  background-size: 200% 100%; animation: shimmer 1.2s ease-in-out infinite;
}
.skeleton.w-s { width: 56px; } .skeleton.w-m { width: 96px; } .skeleton.w-l { width: 140px; }
.num .skeleton { margin-left: auto; }
@keyframes shimmer { to { background-position: -200% 0; } }
@media (prefers-reduced-motion: reduce) { .skeleton { animation: none; } }

.boot { padding: 80px 0; text-align: center; color: var(--muted); }
.signin { max-width: 540px; margin: 8px auto 0; padding: 32px; }
.signin h1 { font-size: 24px; }
.signin .lead { margin: 8px 0 0; color: var(--muted); }
.signin .page-alert { margin: 20px 0 0; }
#sign-in-status > .alert { margin: 20px 0 0; }
.customer-list { list-style: none; margin: 24px 0 0; padding: 0; display: grid; gap: 10px; }
.customer { width: 100%; display: flex; align-items: center; gap: 14px; text-align: left; padding: 12px 14px; border-radius: 10px; }
.customer:hover:not(:disabled) { border-color: #a4bcfd; background: #f8f9ff; }
.avatar {
  flex: none; width: 38px; height: 38px; border-radius: 50%; display: grid; place-items: center;
  background: var(--accent-soft); color: var(--accent-hover); font-weight: 650; font-size: 13px;
}
.who { flex: 1; min-width: 0; }
.who strong { display: block; color: var(--ink); }
.who .sub { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.chev { color: var(--muted); font-size: 18px; }
.signin .fineprint { margin: 20px 0 0; font-size: 13px; color: var(--muted); }

footer { border-top: 1px solid var(--line); padding: 18px 0; font-size: 13px; color: var(--muted); }

@media (max-width: 640px) {
  .wrap { padding: 0 16px; }
  .brand-tag { display: none; }
  th, td { padding-left: 14px; padding-right: 14px; }
  .col-due { display: none; }
  .account > span { display: none; }
  .page-head { align-items: flex-start; }
  .stat { border-left: 0; border-top: 1px solid var(--line); }
  .stat:first-child { border-top: 0; }
}
`;

/** The CSP source for the inline stylesheet above (no `'unsafe-inline'` needed). */
export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** Script only from this origin, requests only to it, nothing framed, no plug-ins. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src ${STYLE_HASH}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The page shell; `scriptPath` is where the bundled script is served. Nothing here comes from a request. */
export function demoPageHtml(scriptPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Billing · Northwind Cloud</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script type="module" src="${scriptPath}"></script>
</head>
<body>
<header class="topbar">
  <div class="wrap">
    <span class="brand"><span class="logo" aria-hidden="true">N</span>Northwind Cloud<span class="brand-tag">Billing</span></span>
    <nav class="account" id="account" aria-label="Account" hidden></nav>
  </div>
</header>
<main class="wrap" id="app">
  <div class="boot" id="boot">Loading your billing page…</div>
  <noscript><div class="card signin"><h1>JavaScript needed</h1><p class="lead">This billing page needs JavaScript.</p></div></noscript>
</main>
<footer>
  <div class="wrap">Demo mode · invoices come from the gateway’s embedded local Stripe · nothing leaves this machine</div>
</footer>
</body>
</html>
`;
}
