/**
 * Abuse limits: what a document, a request body and a browser may do, all refused before execution — so before
 * any Stripe call — with the contract's codes.
 *
 * | limit | how | code | HTTP |
 * | --- | --- | --- | --- |
 * | depth, aliases, directives | graphql-armor's validation rules (`MAX_DEPTH`, `MAX_ALIASES`, `MAX_DIRECTIVES`) | `BAD_USER_INPUT`, `limit` | 400 |
 * | tokens | graphql-armor's counting parser (`MAX_TOKENS`) | `BAD_USER_INPUT`, `limit: 'tokens'` | 400 |
 * | cost | `queryCost` below, over the document *and* the variables (`MAX_COST`) | `BAD_USER_INPUT`, `limit: 'cost'` | 400 |
 * | body | `useBodyLimit` below (`MAX_BODY_BYTES`): `Content-Length`, or counted as a chunked body streams | `BAD_USER_INPUT`, `limit: 'body'` | 413 |
 * | batching | Yoga's (off), recoded | `BAD_USER_INPUT` | 400 |
 * | CSRF | Yoga's `useCSRFPrevention` | `FORBIDDEN` | 403 |
 *
 * Yoga's own request errors carry codes outside the contract (`BAD_REQUEST`, `OPERATION_RESOLUTION_FAILURE`);
 * `useContractCodes` maps them onto `BAD_USER_INPUT` on the way out. Parse and validation errors keep the standard
 * `GRAPHQL_PARSE_FAILED` / `GRAPHQL_VALIDATION_FAILED`.
 */
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  parse,
  print,
  stripIgnoredCharacters,
  visit,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
  type ASTNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_LIMITS, type AbuseLimits } from './config.js';
import { appError } from './graphql/errors.js';

/** Which limit a request broke: `extensions.limit` of its `BAD_USER_INPUT` error. */
export type LimitName = 'depth' | 'aliases' | 'tokens' | 'directives' | 'cost' | 'body';

export { DEFAULT_LIMITS, type AbuseLimits };

/** `first`/`last` when a connection field is given neither (the contract's page size default). */
export const DEFAULT_PAGE_SIZE = 10;

/** The error every document limit answers with. `http.spec` lets Yoga answer 200 to `application/json` clients, as for validation errors. */
export function limitError(limit: LimitName, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return appError('BAD_USER_INPUT', message, {
    ...extensions,
    limit,
    http: { status: limit === 'body' ? 413 : 400, ...(limit === 'body' ? {} : { spec: true }) },
  });
}

/** graphql-armor's message without its "Syntax Error: " prefix (these are not syntax errors). */
const armorMessage = (error: GraphQLError) => error.message.replace(/^Syntax Error:\s*/, '');

/**
 * Depth, aliases, directives (validation rules, reported through the validation context so that the document is
 * refused like any invalid one) and tokens (counted while parsing; refusing stops the parse at once).
 */
function armorPlugins(limits: AbuseLimits, isTrusted: (document: DocumentNode) => boolean): Plugin[] {
  const report = (limit: LimitName) => (context: ValidationContext | null, error: GraphQLError) => {
    const coded = limitError(limit, armorMessage(error), { max: limitOf(limits, limit) });
    if (context === null) throw coded;
    context.reportError(coded);
  };
  const armor = new EnvelopArmor({
    // Suggestions are removed by `useContractCodes` (armor's pattern misses "Did you mean the enum value …").
    blockFieldSuggestion: { enabled: false },
    // Armor's cost limit cannot multiply by `first`; `useCostLimit` below does.
    costLimit: { enabled: false },
    maxDepth: { n: limits.maxDepth, onReject: [report('depth')], propagateOnRejection: false },
    maxAliases: { n: limits.maxAliases, onReject: [report('aliases')], propagateOnRejection: false },
    // Armor's directive count forgets the directives on a fragment spread it has seen before (60 × `...F @skip`
    // counts 1); `directiveLimitRule` below counts every one.
    maxDirectives: { enabled: false },
    // Thrown from inside the parser: the handler's own throw ends the parse at the first token too many.
    maxTokens: { n: limits.maxTokens, onReject: [report('tokens')], propagateOnRejection: true },
  });
  const directives: Plugin = {
    onValidate({ addValidationRule }) {
      addValidationRule(directiveLimitRule(limits.maxDirectives));
    },
  };
  return [...(armor.protect().plugins as Plugin[]), directives].map((plugin) => {
    if (plugin.onValidate === undefined) return plugin;
    const onValidate = plugin.onValidate;
    // The depth rule (the only armor rule a trusted document can break: the billing page is 7 deep) is not added
    // for the manifest's own documents. Yoga's validation cache keys results by the rules applied, so a trusted
    // document's result is never served to an untrusted one.
    return { ...plugin, onValidate: (payload) => (isTrusted(payload.params.documentAST) ? undefined : onValidate(payload)) };
  });
}

/** Directives per operation, each fragment spread counted with the directives of the fragment it expands to. */
export function directiveLimitRule(max: number): ValidationRule {
  return function DirectiveLimitRule(context) {
    const memo = new Map<string, number>();
    const count = (node: ASTNode, visiting: Set<string>): number => {
      let total = 'directives' in node && node.directives !== undefined ? node.directives.length : 0;
      if (node.kind === Kind.FRAGMENT_SPREAD) {
        const name = node.name.value;
        const known = memo.get(name);
        if (known !== undefined) return total + known;
        const fragment = context.getFragment(name);
        if (fragment === undefined || fragment === null || visiting.has(name)) return total;
        visiting.add(name);
        const inner = count(fragment, visiting);
        visiting.delete(name);
        memo.set(name, inner);
        return total + inner;
      }
      if ('selectionSet' in node && node.selectionSet !== undefined) {
        for (const child of node.selectionSet.selections) total += count(child, visiting);
      }
      return total;
    };
    return {
      OperationDefinition(operation) {
        const found = count(operation, new Set());
        if (found > max) {
          context.reportError(limitError('directives', `Directives limit of ${max} exceeded, found ${found}.`, { max }));
        }
      },
    };
  };
}

/**
 * A canonical text of a document: comments and whitespace gone, selections, arguments and variable definitions in
 * name order, client-only `@client`/`@connection` ignored. Two documents that differ only in layout and order share
 * it — so a trusted document is recognised whether it comes by id, as the generated client prints it, or as
 * `schema/operations/` writes it (GraphiQL's tabs).
 */
export function canonicalDocument(document: DocumentNode): string {
  const key = (node: { kind: string; name?: { value: string }; alias?: { value: string } }) =>
    `${node.kind}:${node.alias?.value ?? ''}:${node.name?.value ?? ''}`;
  const sorted = visit(document, {
    SelectionSet: (node) => ({
      ...node,
      selections: [...node.selections].sort((a, b) => {
        const ka = a.kind === Kind.INLINE_FRAGMENT ? `${a.kind}:${a.typeCondition?.name.value ?? ''}` : key(a);
        const kb = b.kind === Kind.INLINE_FRAGMENT ? `${b.kind}:${b.typeCondition?.name.value ?? ''}` : key(b);
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      }),
    }),
    Field: (node) => ({ ...node, arguments: [...(node.arguments ?? [])].sort((a, b) => a.name.value.localeCompare(b.name.value)) }),
    OperationDefinition: (node) => ({
      ...node,
      variableDefinitions: [...(node.variableDefinitions ?? [])].sort((a, b) =>
        a.variable.name.value.localeCompare(b.variable.name.value),
      ),
    }),
    Directive: (node) => (node.name.value === 'client' || node.name.value === 'connection' ? null : undefined),
  });
  return stripIgnoredCharacters(print(sorted));
}

/** Recognises the manifest's documents by their canonical text (memoised per parsed document: Yoga reuses them). */
export function trustedDocumentMatcher(documents: Iterable<string>): (document: DocumentNode) => boolean {
  const canonical = new Set<string>();
  for (const text of documents) {
    try {
      canonical.add(canonicalDocument(parse(text)));
    } catch {
      // Not a document: it can match nothing.
    }
  }
  const seen = new WeakMap<DocumentNode, boolean>();
  return (document) => {
    let trusted = seen.get(document);
    if (trusted === undefined) {
      trusted = canonical.size > 0 && canonical.has(canonicalDocument(document));
      seen.set(document, trusted);
    }
    return trusted;
  };
}

function limitOf(limits: AbuseLimits, limit: LimitName): number {
  switch (limit) {
    case 'depth':
      return limits.maxDepth;
    case 'aliases':
      return limits.maxAliases;
    case 'tokens':
      return limits.maxTokens;
    case 'directives':
      return limits.maxDirectives;
    case 'cost':
      return limits.maxCost;
    case 'body':
      return limits.maxBodyBytes;
  }
}

/** A connection field: a field with a `first` or `last` argument (every Relay connection here has both or `first`). */
function isConnection(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((arg) => arg.name === 'first' || arg.name === 'last');
}

/**
 * The cost of running an operation, from the document and the variables:
 * - a scalar or enum field costs 0, `__typename` 0;
 * - an object field costs 1 plus the cost of its selection;
 * - a connection field (one with `first`/`last`) costs `n ×` the cost of its selection, `n` being its `first` or
 *   `last` (the larger when both; literal or variable; default 10);
 * - fragments cost what their selections cost (every type condition of an abstract type counts: an upper bound).
 *
 * So `customers(first: 100) { edges { node { invoices(first: 100) { edges { node { id } } } } } }` costs
 * 100 × (1 + 1 + 100 × (1 + 1)) = 20,200. With no `operationName` and several operations, the dearest counts.
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Readonly<Record<string, unknown>> | null,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const selected =
    operationName !== undefined && operationName !== null
      ? operations.filter((operation) => operation.name?.value === operationName)
      : operations;

  let max = 0;
  for (const operation of selected) {
    const defaults = new Map<string, ValueNode>();
    for (const definition of operation.variableDefinitions ?? []) {
      if (definition.defaultValue !== undefined) defaults.set(definition.variable.name.value, definition.defaultValue);
    }
    const intValue = (node: ValueNode | undefined): number | undefined => {
      if (node === undefined || node.kind === Kind.NULL) return undefined;
      if (node.kind === Kind.INT) return Number(node.value);
      if (node.kind === Kind.VARIABLE) {
        const name = node.name.value;
        const value = variables?.[name];
        if (typeof value === 'number' && Number.isFinite(value)) return value;
        if (value === undefined) return intValue(defaults.get(name));
      }
      return undefined;
    };
    const pageSize = (field: FieldNode): number => {
      let n: number | undefined;
      for (const argument of field.arguments ?? []) {
        if (argument.name.value !== 'first' && argument.name.value !== 'last') continue;
        const value = intValue(argument.value);
        if (value !== undefined) n = Math.max(n ?? 0, value);
      }
      return Math.max(0, n ?? DEFAULT_PAGE_SIZE);
    };

    const visiting = new Set<string>();
    const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number => {
      let total = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          total += fieldCost(selection, parent);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = selection.typeCondition !== undefined ? schema.getType(selection.typeCondition.name.value) : parent;
          if (type !== undefined && type !== null && isCompositeType(type)) total += selectionCost(selection.selectionSet, type);
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // A cycle is refused by validation; here it just stops counting.
          if (fragment === undefined || visiting.has(name)) continue;
          const type = schema.getType(fragment.typeCondition.name.value);
          if (type === undefined || type === null || !isCompositeType(type)) continue;
          visiting.add(name);
          total += selectionCost(fragment.selectionSet, type);
          visiting.delete(name);
        }
      }
      return total;
    };
    const fieldCost = (node: FieldNode, parent: GraphQLCompositeType): number => {
      const name = node.name.value;
      if (name === '__typename') return 0;
      let field: GraphQLField<unknown, unknown> | undefined;
      if (parent === schema.getQueryType() && name === SchemaMetaFieldDef.name) field = SchemaMetaFieldDef;
      else if (parent === schema.getQueryType() && name === TypeMetaFieldDef.name) field = TypeMetaFieldDef;
      else if (isObjectType(parent) || isInterfaceType(parent)) field = parent.getFields()[name];
      if (field === undefined) return 0; // unknown fields are refused by validation
      const type = getNamedType(field.type);
      if (!isCompositeType(type) || node.selectionSet === undefined) return 0;
      const inner = selectionCost(node.selectionSet, type);
      return isConnection(field) ? pageSize(node) * inner : 1 + inner;
    };

    const root =
      operation.operation === 'query'
        ? schema.getQueryType()
        : operation.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (root === null || root === undefined) continue;
    max = Math.max(max, selectionCost(operation.selectionSet, root));
  }
  return max;
}

/**
 * The cost limit. It depends on the variables, so it is checked just before execution (after validation, before
 * any resolver runs) rather than as a validation rule: Yoga caches validation results per document, and a document
 * cheap with `first: 5` must not stay accepted — or refused — when it comes back with `first: 100`.
 */
function useCostLimit(maxCost: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = queryCost(
        args.schema,
        args.document,
        args.operationName,
        args.variableValues as Record<string, unknown> | null | undefined,
      );
      if (cost > maxCost) {
        setResultAndStopExecution({
          errors: [
            limitError(
              'cost',
              `Query cost ${cost} exceeds the limit of ${maxCost} (a connection costs its first/last, default ${DEFAULT_PAGE_SIZE}, times its selection).`,
              { cost, max: maxCost },
            ),
          ],
        });
      }
    },
  };
}

/** Headers that mark a GET (or a simple-content-type POST) as not a plain cross-site form or link. */
export const CSRF_HEADERS = ['x-graphql-csrf', 'graphql-require-preflight', 'x-graphql-yoga-csrf'];

/**
 * Yoga's CSRF prevention: a request a browser could send cross-site without a CORS preflight (a GET, or a POST
 * with a form or text/plain content type) must carry one of `CSRF_HEADERS`; refused with FORBIDDEN, 403.
 */
function useCsrf(): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      try {
        csrf.onRequestParse?.(payload);
      } catch {
        throw appError(
          'FORBIDDEN',
          `This request could come from another site: send it as application/json, or add one of the headers ${CSRF_HEADERS.join(', ')}.`,
          { http: { status: 403 } },
        );
      }
    },
  };
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** Yoga's request-level codes → the contract's. */
function contractCode(error: GraphQLError): void {
  const extensions = error.extensions as Record<string, unknown>;
  const code = extensions['code'];
  if (code === 'BAD_REQUEST' || code === 'OPERATION_RESOLUTION_FAILURE') {
    extensions['code'] = 'BAD_USER_INPUT';
    // Yoga echoes the JSON parser's message, body excerpt included. Yoga also reads the extension to answer 400
    // rather than 200 to `application/json` clients, so it stays, but out of the response body.
    const original = extensions['originalError'];
    if (original !== undefined && Object.getOwnPropertyDescriptor(extensions, 'originalError')?.enumerable) {
      Object.defineProperty(extensions, 'originalError', { value: original, enumerable: false, configurable: true });
    }
  }
}

/**
 * On the way out, every error: Yoga's request codes mapped onto the contract's, and (in production) field, type and
 * enum-value suggestions removed from messages, so that a stranger cannot read the schema off error messages.
 */
function useContractCodes(hideSuggestions: boolean): Plugin {
  const fix = (result: ExecutionResult) => {
    const requestError = !('data' in result) || result.data === undefined;
    for (const error of result.errors ?? []) {
      contractCode(error);
      // A request error with no code is the caller's (variables that do not coerce: a list as an ID, null for an
      // ID!, an unknown input field or enum value); unexpected errors are already INTERNAL_SERVER_ERROR.
      if (requestError && (error.extensions as Record<string, unknown>)['code'] === undefined) {
        (error.extensions as Record<string, unknown>)['code'] = 'BAD_USER_INPUT';
      }
      if (hideSuggestions && error.message.includes('Did you mean')) error.message = error.message.replace(SUGGESTION, '');
    }
  };
  return {
    onResponse({ response }) {
      // A body refused part-way is never read to its end: close the connection after the 413, or the client's next
      // request on it would wait behind the unread rest of this one.
      if (response.status === 413) response.headers.set('connection', 'close');
    },
    onResultProcess({ result }) {
      if (Array.isArray(result)) result.forEach(fix);
      else if (!(Symbol.asyncIterator in result)) fix(result as ExecutionResult);
    },
  };
}

export interface LimitOptions {
  limits: AbuseLimits;
  /** The trusted documents' texts: exempt from the depth limit (they are the app's own, reviewed documents). */
  trustedDocuments?: Iterable<string>;
  /** Remove "Did you mean …" from error messages (production). */
  hideSuggestions: boolean;
}

const CONTENT_LENGTH = /^\d+$/;

/**
 * The body limit (`MAX_BODY_BYTES`), in place of Yoga's `maxRequestBodySize`, which pipes every body through a
 * counting stream. A valid `Content-Length` is checked against the limit and the body then read as it is: Node's
 * HTTP parser never hands over more bytes than `Content-Length` says. A body without one (chunked) is counted as it
 * streams in, and refused at the first byte too many.
 */
function useBodyLimit(maxBytes: number): Plugin {
  const tooLarge = () => limitError('body', `Request body too large: the limit is ${maxBytes} bytes.`, { max: maxBytes });
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!CONTENT_LENGTH.test(contentLength)) throw appError('BAD_USER_INPUT', 'Content-Length header is invalid.', { http: { status: 400 } });
        if (Number(contentLength) > maxBytes) throw tooLarge();
        return;
      }
      if (requestParser === undefined || request.body === null) return;
      setRequestParser((req) => {
        if (req.body === null) return requestParser(req);
        let bytesRead = 0;
        const counted = req.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytesRead += chunk.byteLength;
              if (bytesRead > maxBytes) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        // @ts-expect-error `duplex` is not in the DOM typings; a streamed request body needs it.
        return requestParser(new Request(req.url, { method: req.method, headers: req.headers, signal: req.signal, body: counted, duplex: 'half' }));
      });
    },
  };
}

/** The Yoga plugins, the body limit among them (Yoga's own `maxRequestBodySize` is off: see `useBodyLimit`). */
export function useAbuseLimits(options: LimitOptions): Plugin[] {
  const isTrusted = trustedDocumentMatcher(options.trustedDocuments ?? []);
  return [
    useBodyLimit(options.limits.maxBodyBytes),
    useCsrf(),
    ...armorPlugins(options.limits, isTrusted),
    useCostLimit(options.limits.maxCost),
    useContractCodes(options.hideSuggestions),
  ];
}
