/**
 * GraphQL subscriptions at the edge. envelop runs `onSubscribe` hooks for a subscription operation, never
 * `onExecute`: `alsoOnSubscribe` gives the edge's pre-execution checks (anonymous callers refused, cost, variables,
 * the Stripe call budget, variable coercion) to subscriptions too, so that they are refused the same way as a query
 * before any stream opens. The rate limit, trusted documents, body and document limits run earlier, for every
 * request alike. `useLiveSubscriptions` runs subscriptions with a context per event (`src/graphql/live.ts`); put it
 * after graphql-jit, whose own subscribe it replaces.
 */
import type { Plugin } from 'graphql-yoga';
import { liveSubscribe } from '../graphql/live.js';

type OnExecute = NonNullable<Plugin['onExecute']>;
type OnSubscribe = NonNullable<Plugin['onSubscribe']>;

/** The plugin, with its `onExecute` check also run for subscriptions (checks that only read `args` and may stop). */
export function alsoOnSubscribe<P extends Plugin<any>>(plugin: P): P {
  const onExecute = plugin.onExecute as OnExecute | undefined;
  if (onExecute === undefined || plugin.onSubscribe !== undefined) return plugin;
  const onSubscribe: OnSubscribe = (payload) => {
    // The hooks wrapped here use `args` and `setResultAndStopExecution` only; what they return is for `execute`.
    const done = onExecute({ ...payload, executeFn: payload.subscribeFn, setExecuteFn: payload.setSubscribeFn } as unknown as Parameters<OnExecute>[0]);
    if (done instanceof Promise) return done.then(() => undefined);
  };
  return { ...plugin, onSubscribe };
}

export function useLiveSubscriptions(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(liveSubscribe as Parameters<typeof setSubscribeFn>[0]);
    },
  };
}
