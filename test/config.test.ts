/**
 * `loadGatewayConfig(env)`: the gateway's only reader of `process.env`, tested with env objects (process.env is
 * never touched). A bad configuration throws one `ConfigError` listing every problem. The local Stripe's own
 * configuration is tested in `test/local-stripe/config.test.ts`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadGatewayConfig } from '../src/config.js';
import { configProblems } from './support/config.js';

type Env = Record<string, string | undefined>;

/** A complete non-demo configuration, for tests that change one thing. */
const LIVE: Env = {
  STRIPE_SECRET_KEY: 'sk_test_51AbCdEf0123456789',
  GATEWAY_API_KEYS: 'server-key-0123456789abcdef',
  AUTH_JWT_SECRET: 'jwt-secret-0123456789abcdef0123456789',
  PORTAL_RETURN_URL: 'https://app.example.com/billing',
};

/** The problems `loadGatewayConfig(env)` reports (fails the test if it does not throw a ConfigError). */
function problems(env: Env): readonly string[] {
  return configProblems(loadGatewayConfig, ConfigError, env);
}

describe('demo mode', () => {
  it('is on with neither STRIPE_SECRET_KEY nor STRIPE_API_BASE, and needs nothing else', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({
      demo: true,
      stripe: undefined,
      apiKeys: [],
      host: '127.0.0.1',
      port: 4000,
      portalReturnUrl: undefined,
      allowedReturnUrlOrigins: [],
      corsOrigins: [],
      production: false,
      graphiql: true,
    });
    expect(config.jwt).toEqual({
      secret: undefined,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      customerClaim: 'stripe_customer_id',
      jwksTimeoutMs: 3_000,
      jwksCooldownSeconds: 30,
      maxTokenLifetimeSeconds: 86_400,
      clockSkewSeconds: 60,
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadGatewayConfig({ STRIPE_SECRET_KEY: '', STRIPE_API_BASE: '', GATEWAY_API_KEYS: '', AUTH_JWT_SECRET: '' })).toMatchObject({
      demo: true,
      stripe: undefined,
      apiKeys: [],
    });
  });

  it('keeps keys and secrets that are given', () => {
    const config = loadGatewayConfig({ GATEWAY_API_KEYS: LIVE['GATEWAY_API_KEYS'], AUTH_JWT_SECRET: LIVE['AUTH_JWT_SECRET'] });
    expect(config.demo).toBe(true);
    expect(config.apiKeys).toEqual([LIVE['GATEWAY_API_KEYS']]);
    expect(config.jwt.secret).toBe(LIVE['AUTH_JWT_SECRET']);
  });

  it('is off with a secret key (Stripe itself) or with a base URL and key (a Stripe-compatible server)', () => {
    expect(loadGatewayConfig(LIVE)).toMatchObject({
      demo: false,
      stripe: { secretKey: LIVE['STRIPE_SECRET_KEY'], apiBase: undefined },
    });
    const local = loadGatewayConfig({ ...LIVE, STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(local.demo).toBe(false);
    expect(local.stripe?.apiBase?.toString()).toBe('http://127.0.0.1:12111/');
  });
});

describe('Stripe', () => {
  it('STRIPE_API_BASE without STRIPE_SECRET_KEY is refused (not silently demo)', () => {
    expect(problems({ STRIPE_API_BASE: 'http://127.0.0.1:12111', GATEWAY_API_KEYS: LIVE['GATEWAY_API_KEYS'] })).toEqual([
      'STRIPE_API_BASE is set, so STRIPE_SECRET_KEY is required',
    ]);
  });

  it.each(['sk_test_51AbC', 'sk_live_51AbC', 'rk_test_51AbC', 'rk_live_51AbC'])('accepts the key %s', (key) => {
    expect(loadGatewayConfig({ ...LIVE, STRIPE_SECRET_KEY: key }).stripe?.secretKey).toBe(key);
  });

  it.each([
    ['a publishable key', 'pk_test_51AbCdEf'],
    ['a key without mode', 'sk_51AbCdEf'],
    ['a key with an unknown mode', 'sk_prod_51AbCdEf'],
    ['a webhook secret', 'whsec_51AbCdEf'],
    ['surrounding whitespace', ' sk_test_51AbCdEf '],
    ['a key with a newline', 'sk_test_51AbCdEf\n'],
    ['a bare prefix', 'sk_test_'],
    ['anything else', 'hunter2'],
  ])('refuses %s without echoing it', (_label, key) => {
    const found = problems({ ...LIVE, STRIPE_SECRET_KEY: key });
    expect(found).toEqual(['STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_… or rk_…)']);
    // A secret never reaches a log line.
    expect(found.join('\n')).not.toContain(key.trim());
  });

  it.each(['127.0.0.1:12111', 'ftp://127.0.0.1:12111', 'not a url', 'file:///etc/passwd'])(
    'refuses STRIPE_API_BASE %s',
    (base) => {
      expect(problems({ ...LIVE, STRIPE_API_BASE: base })).toEqual([`STRIPE_API_BASE must be an http(s) URL, got '${base}'`]);
    },
  );
});

describe('authentication settings', () => {
  it('splits GATEWAY_API_KEYS on commas, trimming blanks', () => {
    const keys = ['first-key-0123456789ab', 'second-key-0123456789ab'];
    expect(loadGatewayConfig({ ...LIVE, GATEWAY_API_KEYS: ` ${keys[0]} ,, ${keys[1]},` }).apiKeys).toEqual(keys);
  });

  it('refuses an API key shorter than 16 characters, without echoing it', () => {
    const found = problems({ ...LIVE, GATEWAY_API_KEYS: 'long-enough-key-0123,short-key' });
    expect(found).toEqual(['GATEWAY_API_KEYS: every key must be at least 16 characters long']);
    expect(found.join('\n')).not.toContain('short-key');
    expect(loadGatewayConfig({ ...LIVE, GATEWAY_API_KEYS: '0123456789abcdef' }).apiKeys).toEqual(['0123456789abcdef']);
    // One line for the problem, however many keys have it.
    expect(problems({ ...LIVE, GATEWAY_API_KEYS: 'short-1,short-2,short-3' })).toEqual([
      'GATEWAY_API_KEYS: every key must be at least 16 characters long',
    ]);
  });

  it('refuses an AUTH_JWT_SECRET shorter than 32 characters, without echoing it', () => {
    const secret = 'x'.repeat(31);
    const found = problems({ ...LIVE, AUTH_JWT_SECRET: secret });
    expect(found).toEqual(['AUTH_JWT_SECRET must be at least 32 characters (256 bits) for HS256']);
    expect(found.join('\n')).not.toContain(secret);
    expect(loadGatewayConfig({ ...LIVE, AUTH_JWT_SECRET: 'x'.repeat(32) }).jwt.secret).toBe('x'.repeat(32));
  });

  it('reads the JWKS URL, issuer, audience and customer claim', () => {
    const config = loadGatewayConfig({
      ...LIVE,
      AUTH_JWKS_URL: 'https://id.example.com/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://id.example.com/',
      AUTH_JWT_AUDIENCE: 'billing-gateway',
      AUTH_CUSTOMER_CLAIM: 'https://example.com/stripe_customer',
    });
    expect(config.jwt.jwksUrl?.toString()).toBe('https://id.example.com/.well-known/jwks.json');
    expect(config.jwt).toMatchObject({
      issuer: 'https://id.example.com/',
      audience: 'billing-gateway',
      customerClaim: 'https://example.com/stripe_customer',
    });
  });

  it.each(['id.example.com/jwks', 'javascript:alert(1)', 'ws://id.example.com/jwks'])('refuses AUTH_JWKS_URL %s', (value) => {
    expect(problems({ ...LIVE, AUTH_JWKS_URL: value })).toEqual([`AUTH_JWKS_URL must be an http(s) URL, got '${value}'`]);
  });

  it('reads the JWKS fetch bounds, the token lifetime and the clock skew', () => {
    const config = loadGatewayConfig({
      ...LIVE,
      AUTH_JWKS_TIMEOUT_MS: '500',
      AUTH_JWKS_COOLDOWN_SECONDS: '5',
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600',
      AUTH_CLOCK_SKEW_SECONDS: '0',
    });
    expect(config.jwt).toMatchObject({ jwksTimeoutMs: 500, jwksCooldownSeconds: 5, maxTokenLifetimeSeconds: 3600, clockSkewSeconds: 0 });
  });

  it.each([
    ['AUTH_JWKS_TIMEOUT_MS', '0', 'of at least 1'],
    ['AUTH_JWKS_TIMEOUT_MS', '3s', 'of at least 1'],
    ['AUTH_JWKS_COOLDOWN_SECONDS', '0', 'of at least 1'],
    ['AUTH_MAX_TOKEN_LIFETIME_SECONDS', '-1', 'of at least 1'],
    ['AUTH_MAX_TOKEN_LIFETIME_SECONDS', '1.5', 'of at least 1'],
    ['AUTH_CLOCK_SKEW_SECONDS', '-60', '(0 or more)'],
  ])('refuses %s=%s', (name, value, rule) => {
    expect(problems({ ...LIVE, [name]: value })).toEqual([`${name} must be a whole number ${rule}, got '${value}'`]);
  });

  it('outside demo mode, refuses a configuration no caller could authenticate with', () => {
    const none = { STRIPE_SECRET_KEY: LIVE['STRIPE_SECRET_KEY'] };
    expect(problems(none)).toEqual(['no caller could authenticate: set GATEWAY_API_KEYS, AUTH_JWT_SECRET or AUTH_JWKS_URL']);
    // Any one of the three is enough.
    expect(loadGatewayConfig({ ...none, GATEWAY_API_KEYS: LIVE['GATEWAY_API_KEYS'] }).apiKeys).toHaveLength(1);
    expect(loadGatewayConfig({ ...none, AUTH_JWT_SECRET: LIVE['AUTH_JWT_SECRET'] }).jwt.secret).toBeDefined();
    expect(loadGatewayConfig({ ...none, AUTH_JWKS_URL: 'https://id.example.com/jwks' }).jwt.jwksUrl).toBeDefined();
  });
});

describe('return URLs and origins', () => {
  it('ALLOWED_RETURN_URL_ORIGINS defaults to the origin of PORTAL_RETURN_URL', () => {
    const config = loadGatewayConfig({ ...LIVE, PORTAL_RETURN_URL: 'https://app.example.com:8443/account/billing?tab=1' });
    expect(config.portalReturnUrl).toBe('https://app.example.com:8443/account/billing?tab=1');
    expect(config.allowedReturnUrlOrigins).toEqual(['https://app.example.com:8443']);
  });

  it('ALLOWED_RETURN_URL_ORIGINS, when set, replaces that default', () => {
    const config = loadGatewayConfig({
      ...LIVE,
      ALLOWED_RETURN_URL_ORIGINS: 'https://shop.example.com, http://localhost:3000/',
    });
    expect(config.allowedReturnUrlOrigins).toEqual(['https://shop.example.com', 'http://localhost:3000']);
  });

  it('without PORTAL_RETURN_URL or ALLOWED_RETURN_URL_ORIGINS, no origin is allowed', () => {
    const { PORTAL_RETURN_URL: _unused, ...env } = LIVE;
    expect(loadGatewayConfig(env)).toMatchObject({ portalReturnUrl: undefined, allowedReturnUrlOrigins: [] });
  });

  it.each(['app.example.com/billing', 'javascript:alert(1)', 'mailto:billing@example.com'])('refuses PORTAL_RETURN_URL %s', (value) => {
    expect(problems({ ...LIVE, PORTAL_RETURN_URL: value })).toEqual([`PORTAL_RETURN_URL must be an http(s) URL, got '${value}'`]);
  });

  it.each([
    ['a path', 'https://app.example.com/billing'],
    ['a query', 'https://app.example.com?x=1'],
    ['credentials', 'https://user:pass@app.example.com'],
    ['no scheme', 'app.example.com'],
    ['another scheme', 'ftp://app.example.com'],
    ['a wildcard', 'https://*.example.com'],
    ['a bare star', '*'],
  ])('refuses an origin with %s in ALLOWED_RETURN_URL_ORIGINS and CORS_ORIGINS', (_label, origin) => {
    const message = (name: string) =>
      `${name}: '${origin}' is not an origin like https://app.example.com (scheme, host and optional port only)`;
    expect(problems({ ...LIVE, ALLOWED_RETURN_URL_ORIGINS: origin })).toEqual([message('ALLOWED_RETURN_URL_ORIGINS')]);
    expect(problems({ ...LIVE, CORS_ORIGINS: `https://ok.example.com,${origin}` })).toEqual([message('CORS_ORIGINS')]);
  });

  it('reads PORTAL_CONFIGURATION_ID and PORTAL_ON_BEHALF_OF (unset: Stripe’s default configuration, no account)', () => {
    expect(loadGatewayConfig(LIVE)).toMatchObject({ portalConfigurationId: undefined, portalOnBehalfOf: undefined });
    expect(loadGatewayConfig({ ...LIVE, PORTAL_CONFIGURATION_ID: '', PORTAL_ON_BEHALF_OF: '' })).toMatchObject({
      portalConfigurationId: undefined,
      portalOnBehalfOf: undefined,
    });
    expect(loadGatewayConfig({ ...LIVE, PORTAL_CONFIGURATION_ID: 'bpc_1Enterprise', PORTAL_ON_BEHALF_OF: 'acct_1Europe' })).toMatchObject({
      portalConfigurationId: 'bpc_1Enterprise',
      portalOnBehalfOf: 'acct_1Europe',
    });
  });

  it('refuses a PORTAL_CONFIGURATION_ID or PORTAL_ON_BEHALF_OF that is not such a Stripe id, one line each', () => {
    expect(problems({ ...LIVE, PORTAL_CONFIGURATION_ID: 'acct_1Europe', PORTAL_ON_BEHALF_OF: 'bpc_1Enterprise' })).toEqual([
      "PORTAL_CONFIGURATION_ID must be a Stripe portal configuration id (bpc_…), got 'acct_1Europe'",
      "PORTAL_ON_BEHALF_OF must be a Stripe account id (acct_…), got 'bpc_1Enterprise'",
    ]);
    expect(problems({ ...LIVE, PORTAL_CONFIGURATION_ID: 'bpc_1 Enterprise' })).toEqual([
      "PORTAL_CONFIGURATION_ID must be a Stripe portal configuration id (bpc_…), got 'bpc_1 Enterprise'",
    ]);
  });

  it('reads CORS_ORIGINS (none by default: same-origin only)', () => {
    expect(loadGatewayConfig(LIVE).corsOrigins).toEqual([]);
    expect(loadGatewayConfig({ ...LIVE, CORS_ORIGINS: 'https://app.example.com,http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });
});

describe('GraphiQL and production', () => {
  it.each([
    [{}, false, true],
    [{ NODE_ENV: 'development' }, false, true],
    [{ NODE_ENV: 'test' }, false, true],
    [{ NODE_ENV: 'production' }, true, false],
    [{ NODE_ENV: 'production', GRAPHIQL: 'true' }, true, true],
    [{ NODE_ENV: 'production', GRAPHIQL: 'false' }, true, false],
    [{ GRAPHIQL: 'false' }, false, false],
    [{ GRAPHIQL: 'true' }, false, true],
    [{ GRAPHIQL: '' }, false, true],
  ] as Array<[Env, boolean, boolean]>)('%j → production %s, graphiql %s', (env, production, graphiql) => {
    expect(loadGatewayConfig({ ...LIVE, ...env })).toMatchObject({ production, graphiql });
  });

  it.each(['yes', '1', 'TRUE', 'on'])('refuses GRAPHIQL=%s', (value) => {
    expect(problems({ ...LIVE, GRAPHIQL: value })).toEqual([`GRAPHIQL must be true or false, got '${value}'`]);
  });
});

describe('production refuses unsafe settings (NODE_ENV=production)', () => {
  // As `openssl rand -base64 32` and `openssl rand -hex 16` make them.
  const SECRET = 'EvaPsi+iSjmF5ogyOB9BvYEtvQhywXIuMJ9tFQXlQGo=';
  const KEY = '1VgnEs9/gqFMPGUvs3bUtb32twUqXNPnMnQfvCtRres=';
  const HEX_KEY = '4e35c02d473866d81d48ce773d172ad7';
  const PROD: Env = { ...LIVE, NODE_ENV: 'production', GATEWAY_API_KEYS: `${KEY},${HEX_KEY}`, AUTH_JWT_SECRET: SECRET };
  const weak = 'looks too predictable for production (under 100 bits of entropy, judged by its length and mix of characters)';

  it('starts with generated secrets, https URLs and a Stripe', () => {
    expect(loadGatewayConfig(PROD)).toMatchObject({ production: true, demo: false, apiKeys: [KEY, HEX_KEY], jwt: { secret: SECRET } });
  });

  it('refuses demo mode (it would print an admin key and mint customer tokens)', () => {
    const line = 'NODE_ENV=production needs a Stripe: set STRIPE_SECRET_KEY (demo mode prints an admin key and mints customer tokens)';
    expect(problems({ NODE_ENV: 'production' })).toEqual([line]);
    expect(problems({ NODE_ENV: 'production', GATEWAY_API_KEYS: KEY, AUTH_JWT_SECRET: SECRET })).toEqual([line]);
  });

  it.each([
    ['32 × a', 'a'.repeat(32)],
    ['a word repeated', 'changeme'.repeat(4)],
    ['two letters', 'ab'.repeat(32)],
  ])('refuses an AUTH_JWT_SECRET of %s, without echoing it, and says how to make one', (_label, secret) => {
    const found = problems({ ...PROD, AUTH_JWT_SECRET: secret });
    expect(found).toEqual([`AUTH_JWT_SECRET ${weak}: make one with \`openssl rand -base64 32\``]);
    expect(found.join('\n')).not.toContain(secret.slice(0, 8));
  });

  it('refuses weak GATEWAY_API_KEYS in one line naming which (by position), without echoing them', () => {
    expect(problems({ ...PROD, GATEWAY_API_KEYS: 'a'.repeat(16) })).toEqual([
      `GATEWAY_API_KEYS: key 1 of 1 ${weak}: make each with \`openssl rand -base64 32\``,
    ]);
    const found = problems({ ...PROD, GATEWAY_API_KEYS: `${KEY},${'a'.repeat(16)},${'0123'.repeat(6)}` });
    expect(found).toEqual([`GATEWAY_API_KEYS: keys 2, 3 of 3 ${weak.replace('looks', 'look')}: make each with \`openssl rand -base64 32\``]);
    expect(found.join('\n')).not.toContain('aaaa');
    expect(found.join('\n')).not.toContain('0123');
  });

  it('reports a key or secret that is too short once, as too short', () => {
    expect(problems({ ...PROD, GATEWAY_API_KEYS: 'a'.repeat(10), AUTH_JWT_SECRET: 'a'.repeat(10) })).toEqual([
      'GATEWAY_API_KEYS: every key must be at least 16 characters long',
      'AUTH_JWT_SECRET must be at least 32 characters (256 bits) for HS256',
    ]);
  });

  it('keeps development easy: the test keys, and weak ones, work outside production', () => {
    const env = { ...LIVE, GATEWAY_API_KEYS: 'test-admin-key-0123456789abcdef', AUTH_JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789' };
    expect(loadGatewayConfig(env).apiKeys).toEqual(['test-admin-key-0123456789abcdef']);
    expect(loadGatewayConfig({ ...env, GATEWAY_API_KEYS: 'a'.repeat(16), AUTH_JWT_SECRET: 'a'.repeat(32) }).production).toBe(false);
    expect(loadGatewayConfig({ ...env, NODE_ENV: 'development', AUTH_JWKS_URL: 'http://id.example.com/jwks' }).jwt.jwksUrl).toBeDefined();
  });

  it.each(['http://id.example.com/.well-known/jwks.json', 'http://127.0.0.1.nip.io/jwks', 'http://localhost.example.com/jwks', 'http://10.0.0.5/jwks'])(
    'refuses AUTH_JWKS_URL %s',
    (value) => {
      expect(problems({ ...PROD, AUTH_JWKS_URL: value })).toEqual([
        'AUTH_JWKS_URL must use https in production (plain http only to a loopback host): keys fetched over http can be swapped on the way, and with them who may sign in',
      ]);
    },
  );

  it.each([
    'https://id.example.com/.well-known/jwks.json',
    'http://127.0.0.1:8080/jwks',
    'http://127.8.9.10/jwks',
    'http://localhost:8080/jwks',
    'http://[::1]:8080/jwks',
    'http://0x7f.1/jwks',
  ])('accepts AUTH_JWKS_URL %s (https, or a loopback host)', (value) => {
    expect(loadGatewayConfig({ ...PROD, AUTH_JWKS_URL: value }).jwt.jwksUrl).toBeDefined();
  });

  it('refuses an http PORTAL_RETURN_URL (once: not again as the origin it defaults to), but not to a loopback host', () => {
    expect(problems({ ...PROD, PORTAL_RETURN_URL: 'http://app.example.com/billing' })).toEqual([
      'PORTAL_RETURN_URL must use https in production (plain http only to a loopback host)',
    ]);
    expect(loadGatewayConfig({ ...PROD, PORTAL_RETURN_URL: 'http://localhost:3000/billing' }).portalReturnUrl).toBe('http://localhost:3000/billing');
  });

  it('refuses http ALLOWED_RETURN_URL_ORIGINS in one line naming them, but not loopback ones', () => {
    expect(
      problems({ ...PROD, ALLOWED_RETURN_URL_ORIGINS: 'https://shop.example.com,http://shop.example.com,http://127.0.0.1:3000,http://app.example.com' }),
    ).toEqual([
      'ALLOWED_RETURN_URL_ORIGINS must use https in production (plain http only to a loopback host): http://shop.example.com, http://app.example.com',
    ]);
    expect(loadGatewayConfig({ ...PROD, ALLOWED_RETURN_URL_ORIGINS: 'http://localhost:3000,http://[::1]:3000' }).allowedReturnUrlOrigins).toHaveLength(2);
  });

  it('lists every problem at once', () => {
    expect(
      problems({
        NODE_ENV: 'production',
        GATEWAY_API_KEYS: 'a'.repeat(16),
        AUTH_JWT_SECRET: 'a'.repeat(32),
        AUTH_JWKS_URL: 'http://id.example.com/jwks',
        PORTAL_RETURN_URL: 'http://app.example.com/billing',
        ALLOWED_RETURN_URL_ORIGINS: 'http://app.example.com',
      }).map((line) => line.split(' ', 1)[0]),
    ).toEqual(['NODE_ENV=production', 'AUTH_JWT_SECRET', 'GATEWAY_API_KEYS:', 'AUTH_JWKS_URL', 'PORTAL_RETURN_URL', 'ALLOWED_RETURN_URL_ORIGINS']);
  });
});

describe('a live Stripe key over plain http', () => {
  const line =
    'STRIPE_API_BASE must use https with a live Stripe key (plain http only to a loopback host): the key would cross the network readable';

  it.each([
    ['sk_live_51AbCdEf', 'http://stripe-proxy.internal:8080', {}],
    ['rk_live_51AbCdEf', 'http://10.0.0.7', {}],
    ['sk_live_51AbCdEf', 'http://stripe-proxy.internal:8080', { NODE_ENV: 'production' }],
  ] as Array<[string, string, Env]>)('is refused in every mode: %s to %s %j, without echoing the key', (key, base, env) => {
    const found = problems({ ...LIVE, STRIPE_SECRET_KEY: key, STRIPE_API_BASE: base, ...env });
    expect(found).toEqual([line]);
    expect(found.join('\n')).not.toContain(key);
  });

  it.each([
    ['a live key over https', 'sk_live_51AbCdEf', 'https://stripe-proxy.example.com'],
    ['a live key to a loopback host', 'sk_live_51AbCdEf', 'http://127.0.0.1:12111'],
    ['a live key to localhost', 'rk_live_51AbCdEf', 'http://localhost:12111'],
    ['a test key over http', 'sk_test_51AbCdEf', 'http://stripe-mock.internal:12111'],
  ])('allows %s', (_label, key, base) => {
    expect(loadGatewayConfig({ ...LIVE, STRIPE_SECRET_KEY: key, STRIPE_API_BASE: base }).stripe?.apiBase?.origin).toBe(new URL(base).origin);
  });
});

describe('npm start in production without a Stripe', () => {
  it('exits 1 with the one line, before listening or printing anything secret', async () => {
    // The entry point `npm start` runs, as a process of its own, with nothing of this process's environment but
    // what it needs to run node.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', NODE_ENV: 'production', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<never>((_, reject) => {
        // Generous: tsx compiles the entry point first. A gateway that started instead is stopped, not left behind.
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`npm start did not stop within 20 s:\n${stdout}${stderr}`));
        }, 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toEqual([
      'Invalid configuration:',
      '  - NODE_ENV=production needs a Stripe: set STRIPE_SECRET_KEY (demo mode prints an admin key and mints customer tokens)',
    ]);
    expect(stdout).toBe('');
  }, 30_000);
});

describe('webhooks', () => {
  const A = 'whsec_0123456789abcdefABCDEFghijklmnop';
  const B = 'whsec_zyxwvutsrqponmlkjihgfedcba987654';

  it('has no secret by default, and Stripe\'s 300 s tolerance', () => {
    expect(loadGatewayConfig(LIVE).webhooks).toEqual({ secrets: [], toleranceSeconds: 300 });
  });

  it('splits STRIPE_WEBHOOK_SECRET on commas (rotation), trimming blanks and repeats', () => {
    expect(loadGatewayConfig({ ...LIVE, STRIPE_WEBHOOK_SECRET: ` ${A} ,${B},,${A}` }).webhooks.secrets).toEqual([A, B]);
  });

  it('refuses what is not a whsec_ secret, naming it by position and never echoing it', () => {
    const key = 'sk_test_51PastedTheWrongKeyHere';
    const one = problems({ ...LIVE, STRIPE_WEBHOOK_SECRET: key });
    expect(one).toEqual(['STRIPE_WEBHOOK_SECRET: the secret is not a webhook signing secret (whsec_…, as the Stripe dashboard or `stripe listen` shows it)']);
    const several = problems({ ...LIVE, STRIPE_WEBHOOK_SECRET: `${A},whsec_,${key}` });
    expect(several).toEqual(['STRIPE_WEBHOOK_SECRET: secrets 2, 3 of 3 are not webhook signing secrets (whsec_…, as the Stripe dashboard or `stripe listen` shows them)']);
    expect(several.join('\n')).not.toContain(key);
    expect(problems({ ...LIVE, STRIPE_WEBHOOK_SECRET: `${key},${A}` })[0]).toMatch(/^STRIPE_WEBHOOK_SECRET: secret 1 of 2 is not/);
  });

  it('reads STRIPE_WEBHOOK_TOLERANCE_SECONDS (at least 1: 0 would turn the SDK\'s replay check off)', () => {
    expect(loadGatewayConfig({ ...LIVE, STRIPE_WEBHOOK_TOLERANCE_SECONDS: '60' }).webhooks.toleranceSeconds).toBe(60);
    expect(problems({ ...LIVE, STRIPE_WEBHOOK_TOLERANCE_SECONDS: '0' })).toEqual([
      "STRIPE_WEBHOOK_TOLERANCE_SECONDS must be a whole number of at least 1, got '0'",
    ]);
  });
});

describe('host and port', () => {
  it('reads HOST and PORT', () => {
    expect(loadGatewayConfig({ HOST: '0.0.0.0', PORT: '8080' })).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'error' }).port).toBe(0);
  });

  it.each(['-1', '65536', '80.5', 'http', '4000abc'])('refuses PORT=%s', (value) => {
    expect(problems({ PORT: value })).toEqual([`PORT must be a port number between 0 and 65535, got '${value}'`]);
  });
});

describe('logs', () => {
  it('reads LOG_LEVEL as pino names its levels, in any case; info by default', () => {
    expect(loadGatewayConfig(LIVE).logLevel).toBe('info');
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) {
      expect(loadGatewayConfig({ ...LIVE, LOG_LEVEL: level }).logLevel).toBe(level);
    }
    expect(loadGatewayConfig({ ...LIVE, LOG_LEVEL: ' DEBUG ' }).logLevel).toBe('debug');
  });

  it.each(['verbose', 'warning', '30', 'none'])('refuses LOG_LEVEL=%s, naming the levels', (value) => {
    expect(problems({ ...LIVE, LOG_LEVEL: value })).toEqual([
      `LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got '${value}'`,
    ]);
  });

  it('reads LOG_FORMAT: json by default, or pretty', () => {
    expect(loadGatewayConfig(LIVE).observability.logFormat).toBe('json');
    expect(loadGatewayConfig({ ...LIVE, LOG_FORMAT: 'pretty' }).observability.logFormat).toBe('pretty');
    expect(problems({ ...LIVE, LOG_FORMAT: 'text' })).toEqual(["LOG_FORMAT must be json or pretty, got 'text'"]);
  });
});

describe('every problem at once', () => {
  it('lists all of them in one ConfigError, in one message', () => {
    const found = problems({
      STRIPE_SECRET_KEY: 'pk_test_nope',
      STRIPE_API_BASE: 'nope',
      GATEWAY_API_KEYS: 'short',
      AUTH_JWT_SECRET: 'short',
      AUTH_JWKS_URL: 'nope',
      PORTAL_RETURN_URL: 'nope',
      ALLOWED_RETURN_URL_ORIGINS: 'https://app.example.com/path',
      CORS_ORIGINS: '*',
      GRAPHIQL: 'maybe',
      PORT: 'eighty',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        "STRIPE_API_BASE must be an http(s) URL, got 'nope'",
        'STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_… or rk_…)',
        'GATEWAY_API_KEYS: every key must be at least 16 characters long',
        'AUTH_JWT_SECRET must be at least 32 characters (256 bits) for HS256',
        "AUTH_JWKS_URL must be an http(s) URL, got 'nope'",
        "PORTAL_RETURN_URL must be an http(s) URL, got 'nope'",
        "ALLOWED_RETURN_URL_ORIGINS: 'https://app.example.com/path' is not an origin like https://app.example.com (scheme, host and optional port only)",
        "CORS_ORIGINS: '*' is not an origin like https://app.example.com (scheme, host and optional port only)",
        "GRAPHIQL must be true or false, got 'maybe'",
        "PORT must be a port number between 0 and 65535, got 'eighty'",
      ]),
    );
    expect(found).toHaveLength(10);
  });

  it('also reports the missing key and the missing authentication together', () => {
    expect(problems({ STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toEqual([
      'STRIPE_API_BASE is set, so STRIPE_SECRET_KEY is required',
      'no caller could authenticate: set GATEWAY_API_KEYS, AUTH_JWT_SECRET or AUTH_JWKS_URL',
    ]);
  });
});

describe('process.env', () => {
  it('is only read when no env is passed, and never written', () => {
    const before = { ...process.env };
    loadGatewayConfig({ ...LIVE });
    expect(process.env).toEqual(before);
  });
});
