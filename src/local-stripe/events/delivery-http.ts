/**
 * One webhook delivery attempt on the wire: a POST of the payload with Stripe's headers, bounded by a timeout, that
 * ends in a status code or a short error (`ECONNREFUSED`, `timeout after 10000 ms`, …). The response body is read and
 * dropped. Connections are kept alive in the engine's own agents, which `destroy()` closes, so that a stopped local
 * Stripe leaves no socket or timer behind.
 */
import http from 'node:http';
import https from 'node:https';

/** Stripe's webhook user agent. */
export const WEBHOOK_USER_AGENT = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

export type AttemptOutcome = { status: number; error: null } | { status: null; error: string };

export interface WebhookRequest {
  url: URL;
  payload: string;
  signature: string;
  timeoutMs: number;
}

export class WebhookClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly inFlight = new Set<http.ClientRequest>();

  /** Sends one attempt; never rejects. */
  post({ url, payload, signature, timeoutMs }: WebhookRequest): Promise<AttemptOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(request);
        resolve(outcome);
      };
      const secure = url.protocol === 'https:';
      const request = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'User-Agent': WEBHOOK_USER_AGENT,
            Accept: '*/*; q=0.5, application/xml',
            'Cache-Control': 'no-cache',
            'Stripe-Signature': signature,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => finish({ status: response.statusCode ?? 0, error: null }));
          response.on('error', (error) => finish({ status: null, error: describe(error) }));
        },
      );
      const timer = setTimeout(() => {
        finish({ status: null, error: `timeout after ${timeoutMs} ms` });
        request.destroy();
      }, timeoutMs);
      timer.unref();
      this.inFlight.add(request);
      request.on('error', (error) => finish({ status: null, error: describe(error) }));
      request.end(payload);
    });
  }

  /** Ends every attempt in flight (they resolve as `stopped`) and closes the kept-alive connections. */
  destroy(): void {
    for (const request of this.inFlight) request.destroy(new StoppedError());
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

class StoppedError extends Error {
  readonly code = 'stopped';
}

/** A short reason: the system error code where there is one (never a header or the payload). */
function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.message;
}
