/**
 * `AbortableWaits`: what a request waits for is given up at once when the request stops, and the promise given up
 * on never becomes an unhandled rejection (Node ends the process on one) — also when the request had stopped before
 * the wait began (a call that starts after its client left: the limiter refuses it at once).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AbortableWaits } from '../../src/stripe/request-stop.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  unhandled.length = 0;
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets every pending rejection be noticed (Node reports unhandled ones after the microtask queue drains). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('AbortableWaits', () => {
  it('gives up on a wait when the signal aborts; the late rejection is handled', async () => {
    const controller = new AbortController();
    const waits = new AbortableWaits(controller.signal);
    let rejectLate!: (error: Error) => void;
    const waited = waits.wait(new Promise<never>((_, reject) => (rejectLate = reject)));
    controller.abort(new Error('client gone'));
    await expect(waited).rejects.toThrow('client gone');
    rejectLate(new Error('the call failed later'));
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('refuses at once on a signal already aborted, and the refused promise is handled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('client gone'));
    const waits = new AbortableWaits(controller.signal);
    await expect(waits.wait(Promise.reject(new Error('refused by the limiter')))).rejects.toThrow('client gone');
    await settle();
    expect(unhandled).toEqual([]);
  });
});
