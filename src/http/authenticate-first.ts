/**
 * Anonymous callers are refused before anything that costs. Every field of the schema but `__typename` and
 * introspection needs a caller, so an anonymous operation selecting one can only end in the schema's refusal of
 * it: it gets that answer (`unauthenticated(rejected)`: HTTP 401 with the Bearer challenge saying why, or 503 when
 * the identity provider's keys cannot be fetched) right after validation — before its cost is priced, its
 * variables are bounded or coerced, or a resolver runs. A stranger's request then costs a parse (cached for trusted
 * documents) and a validation, whatever its variables hold.
 *
 * Before that, its body: what an anonymous caller may run (`__typename`, introspection) fits in a few kilobytes, so a
 * larger body from one — or one of unknown length, streamed — is refused as soon as its headers are in, before a
 * byte of it is read or parsed (parsing an 86 KB JSON body was most of what a flood of them cost).
 */
import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import type { Context } from '../graphql/context.js';
import { unauthenticated } from '../graphql/errors.js';
import { declaredLength } from './body-limit.js';

/** Root fields anyone may select: they read the schema, never Stripe. */
const PUBLIC_ROOT_FIELDS = new Set(['__typename', '__schema', '__type']);

/** Whether the operation to run selects a root field beyond `__typename` and introspection (through fragments too). */
export function selectsBeyondPublic(document: DocumentNode, operationName?: string | null): boolean {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return false;
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition.selectionSet);
  }
  const seen = new Set<string>();
  const beyond = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return !PUBLIC_ROOT_FIELDS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return beyond(selection.selectionSet);
      const fragment = fragments.get(selection.name.value);
      // Each fragment once: a cycle (refused by validation already) or a repeated spread is not walked again.
      if (fragment === undefined || seen.has(selection.name.value)) return false;
      seen.add(selection.name.value);
      return beyond(fragment);
    });
  return beyond(operation.selectionSet);
}

/** The largest body an anonymous caller may send: GraphiQL's introspection query is about 2 KB. */
export const ANONYMOUS_MAX_BODY_BYTES = 16 * 1024;

/**
 * Put before every other `onRequestParse` and `onExecute` plugin: the refusals must come before the body is read, and
 * before the cost, the variables, execution.
 */
export function useAuthenticationFirst(viewerOf: (request: Request) => Promise<Viewer>): Plugin<Context> {
  return {
    async onRequestParse({ request }) {
      if (request.body === null) return;
      const length = declaredLength(request);
      if (typeof length === 'number' && length <= ANONYMOUS_MAX_BODY_BYTES) return;
      const viewer = await viewerOf(request);
      if (viewer.role === 'ANONYMOUS') throw unauthenticated(viewer.rejected);
    },
    onExecute({ args, setResultAndStopExecution }) {
      // The context was built (and the caller authenticated, once per request) before any `onExecute` hook.
      const viewer = args.contextValue.viewer;
      if (viewer.role === 'ANONYMOUS' && selectsBeyondPublic(args.document, args.operationName)) {
        setResultAndStopExecution({ errors: [unauthenticated(viewer.rejected)] });
      }
    },
  };
}
