/**
 * The GraphQL operation's span (`query.CustomerWithInvoices`), from `@envelop/opentelemetry`: an INTERNAL child of
 * the request's SERVER span, with the operation's name, type and document (the plugin leaves a document with inline
 * arguments out: literals may be personal data). Never variables, results or resolver arguments (all off).
 *
 * The plugin records a failed operation's errors whole, messages included, and an expected error's message quotes
 * what the caller sent ("No such customer: 'cus_…'"): so it is shown the errors' codes and paths only.
 */
import { useOpenTelemetry } from '@envelop/opentelemetry';
import { SpanKind, type TracerProvider } from '@opentelemetry/api';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type Hooks = Record<string, ((payload: Record<string, unknown>) => unknown) | undefined>;

/** What the span may say of an error: its code, and where in the result it happened. */
function codesOnly(result: unknown): unknown {
  const { errors } = (result ?? {}) as ExecutionResult;
  if (errors === undefined || errors.length === 0) return result;
  return {
    ...(result as ExecutionResult),
    errors: errors.map((error: GraphQLError) => ({
      message: typeof error.extensions?.['code'] === 'string' ? error.extensions['code'] : 'INTERNAL_SERVER_ERROR',
      ...(error.path !== undefined ? { path: error.path } : {}),
    })),
  };
}

const isStream = (value: unknown) => typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** Each value of a stream through `codesOnly` before the plugin's `onNext` sees it. */
function streamHooks(hooks: unknown): unknown {
  if (typeof hooks !== 'object' || hooks === null) return hooks;
  const { onNext, onEnd } = hooks as Hooks;
  return { ...(onNext ? { onNext: (p: Record<string, unknown>) => onNext({ ...p, result: codesOnly(p['result']) }) } : {}), ...(onEnd ? { onEnd } : {}) };
}

export function operationSpans(provider: TracerProvider, tracerName: string): Plugin {
  const inner = useOpenTelemetry({ resolvers: false, variables: false, result: false, document: true }, provider, SpanKind.INTERNAL, {}, tracerName) as unknown as Hooks;
  const onExecute = inner['onExecute']!;
  const onSubscribe = inner['onSubscribe']!;
  const plugin = {
    onExecute(payload: Record<string, unknown>) {
      const hooks = onExecute(payload) as Hooks | undefined;
      const done = hooks?.['onExecuteDone'];
      if (done === undefined) return hooks;
      return {
        onExecuteDone: (p: Record<string, unknown>) =>
          isStream(p['result']) ? streamHooks(done(p)) : done({ ...p, result: codesOnly(p['result']) }),
      };
    },
    onSubscribe(payload: Record<string, unknown>) {
      const hooks = onSubscribe(payload) as Hooks | undefined;
      const result = hooks?.['onSubscribeResult'];
      if (hooks === undefined || result === undefined) return hooks;
      return { ...hooks, onSubscribeResult: (p: Record<string, unknown>) => streamHooks(result(p)) };
    },
  };
  return plugin as unknown as Plugin;
}
