/**
 * A span per resolver of interest: the root fields (what the caller asked for) and the fields that load Stripe
 * objects (those returning a `Node`, a `…Connection` page of them, or the upcoming invoice). Scalars, `Money` and
 * the like are left out: thousands of microsecond spans would bury the few that matter.
 *
 * `@envelop/opentelemetry` has resolver spans of its own, but it records every field's arguments (a customer's
 * e-mail, ids: personal data, which no span may carry) and never ends a span whose resolver failed, so the gateway
 * wraps the resolvers itself: in a copy of the schema (never the shared one, which other gateways in the process
 * use untraced), each resolver of interest running inside its span's context, so that the Stripe calls it causes
 * become its children. A call that a loader batches for several resolvers sits under the first of them, the one
 * whose load started the batch. A failure records its GraphQL code or error class, never its message.
 *
 * A resolver span's parent is the span of the nearest traced field above it in the result (`Customer.invoices`
 * under `Query.customer`), else the operation's: found by path, not from the async context, which after a parent's
 * promise is the executor's (graphql-jit's executor also replaces the plugin's own context wrapper).
 */
import { getCurrentOtelContext } from '@envelop/opentelemetry';
import { context, SpanStatusCode, trace, TraceFlags, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  GraphQLError,
  getNamedType,
  isInterfaceType,
  isObjectType,
  responsePathAsArray,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

function loadsStripeObjects(type: GraphQLNamedType): boolean {
  if (type.name.endsWith('Connection') || type.name === 'UpcomingInvoice') return true;
  if (isInterfaceType(type)) return type.name === 'Node';
  return isObjectType(type) && type.getInterfaces().some((iface) => iface.name === 'Node');
}

function ofInterest(parent: string, field: GraphQLFieldConfig<unknown, unknown>): boolean {
  if (field.resolve === undefined) return false;
  if (ROOTS.has(parent)) return true;
  // An edge's `node` hands on what its page already loaded.
  return !parent.endsWith('Edge') && loadsStripeObjects(getNamedType(field.type));
}

function failed(span: Span, error: unknown): void {
  const code = error instanceof GraphQLError ? error.extensions['code'] : undefined;
  const type = typeof code === 'string' ? code : error instanceof Error ? error.name : 'Error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** Per GraphQL context: the context of each traced field's span, by its path (`customer`, `customers.edges.0.node`). */
const tracedFields = new WeakMap<object, Map<string, Context>>();

function parentOf(contextValue: object, path: readonly (string | number)[]): { parent: Context; fields: Map<string, Context> } {
  let fields = tracedFields.get(contextValue);
  if (fields === undefined) {
    fields = new Map();
    tracedFields.set(contextValue, fields);
  }
  for (let end = path.length - 1; end > 0; end--) {
    const above = fields.get(path.slice(0, end).join('.'));
    if (above !== undefined) return { parent: above, fields };
  }
  // The operation's span, as @envelop/opentelemetry keeps it per GraphQL context.
  return { parent: getCurrentOtelContext(contextValue), fields };
}

function traced(tracer: Tracer, resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, contextValue, info) => {
    // A trace the sampler left out records no span below its root either: skip the wrapping before any of its work,
    // which on a page of 100 invoices with their customers would otherwise run 100 times for nothing. The whole trace
    // shares the decision, so the operation's span says it (by its flags: isRecording() is false once a span ended).
    const operation = trace.getSpan(getCurrentOtelContext(contextValue))?.spanContext();
    if (operation !== undefined && (operation.traceFlags & TraceFlags.SAMPLED) === 0) return resolve(source, args, contextValue, info);
    const path = responsePathAsArray(info.path);
    const { parent, fields } = parentOf(contextValue as object, path);
    const span = tracer.startSpan(
      `${info.parentType.name}.${info.fieldName}`,
      {
        attributes: {
          'graphql.field.name': info.fieldName,
          'graphql.field.type': info.parentType.name,
          // Names and list indices only (`customers.edges.0.node.invoices`): never an id or an argument.
          'graphql.field.path': path.join('.'),
        },
      },
      parent,
    );
    const own = trace.setSpan(parent, span);
    fields.set(path.join('.'), own);
    return context.with(own, () => {
      let result: unknown;
      try {
        result = resolve(source, args, contextValue, info);
      } catch (error) {
        failed(span, error);
        span.end();
        throw error;
      }
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            failed(span, error);
            span.end();
            throw error;
          },
        );
      }
      span.end();
      return result;
    });
  };
}

/** The schema with its resolvers of interest traced. */
export function tracedSchema(schema: GraphQLSchema, tracer: Tracer): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName) =>
      field.resolve !== undefined && ofInterest(typeName, field) ? { ...field, resolve: traced(tracer, field.resolve) } : field,
  });
}

/** Swaps Yoga's schema for its traced copy (once; a copy is never wrapped again). */
export function resolverSpans(tracer: Tracer): Plugin {
  const copies = new WeakSet<GraphQLSchema>();
  return {
    onSchemaChange({ schema, replaceSchema }) {
      if (copies.has(schema)) return;
      const copy = tracedSchema(schema, tracer);
      copies.add(copy);
      replaceSchema(copy);
    },
  };
}
