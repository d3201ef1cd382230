/**
 * The identity provider's keys (`AUTH_JWKS_URL`). jose fetches them, validates the set and caches it (10 minutes,
 * and fetches again when a token names a key the cache lacks, at most every 30 s); this adds the two bounds jose
 * leaves open. Each fetch takes at most `timeoutMs`. And after a fetch fails, none is tried for `cooldownSeconds`:
 * without that, a provider that accepts connections and never answers costs every customer request a full timeout,
 * one after the other, for as long as it is down. With it, one request per cool-down waits (a bounded time); the
 * others are answered at once.
 *
 * While the provider's keys cannot be had, a token that needs them throws `KeysUnavailable`: such a token has not
 * been found invalid, it could not be checked (see `unauthenticated()` for what the caller is told). Keys already
 * fetched, and still fresh, go on verifying the tokens they signed through an outage.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';

/** The identity provider's keys could not be fetched (now, or within the cool-down after a failed fetch). */
export class KeysUnavailable extends Error {
  constructor(
    /** When a fetch will be tried again. */
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super("the identity provider's keys could not be fetched", options);
    this.name = 'KeysUnavailable';
  }
}

export interface JwksOptions {
  /** `AUTH_JWKS_TIMEOUT_MS`: the longest one fetch of the key set may take. */
  timeoutMs: number;
  /** `AUTH_JWKS_COOLDOWN_SECONDS`: after a failed fetch, how long until the next one is tried. */
  cooldownSeconds: number;
  /** The clock the cool-down runs on (ms since the epoch). */
  now: () => number;
}

export function createJwksKeys(url: URL, options: JwksOptions): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, { timeoutDuration: options.timeoutMs });
  const cooldownMs = options.cooldownSeconds * 1000;
  /** The key set of the last successful fetch. */
  let local: JWTVerifyGetKey | undefined;
  let failedAt: number | undefined;
  /** The fetch in flight, shared by every token waiting for it: one connection however many requests arrive. */
  let fetching: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    const wait = failedAt === undefined ? 0 : failedAt + cooldownMs - options.now();
    if (wait > 0) return Promise.reject(new KeysUnavailable(Math.max(1, Math.ceil(wait / 1000))));
    fetching ??= remote
      .reload()
      .then(
        () => {
          local = createLocalJWKSet(remote.jwks()!);
          failedAt = undefined;
        },
        // A timeout, a refused connection, a status other than 200, a body that is not a key set: the provider's
        // problem, not the token's.
        (cause: unknown) => {
          failedAt = options.now();
          throw new KeysUnavailable(Math.max(1, options.cooldownSeconds), { cause });
        },
      )
      .finally(() => {
        fetching = undefined;
      });
    return fetching;
  };

  return async (header, token) => {
    // Past jose's cache age, fetched keys are no longer trusted: the provider may have withdrawn one since.
    if (local === undefined || !remote.fresh) await refresh();
    try {
      return await local!(header, token);
    } catch (error) {
      // A key the cached set lacks may have been rotated in since: fetch again, unless jose fetched moments ago.
      if (error instanceof errors.JWKSNoMatchingKey && !remote.coolingDown) {
        await refresh();
        return local!(header, token);
      }
      throw error;
    }
  };
}
