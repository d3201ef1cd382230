/**
 * Document limits checked while parsing and validating: tokens (graphql-armor's counting parser: refusing stops
 * the parse at the first token too many), depth and aliases (graphql-armor's validation rules) and directives
 * (`directiveLimitRule`, which counts the directives behind every fragment spread).
 */
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type ValidationContext,
  type ValidationRule,
  type ASTNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { AbuseLimits } from '../config.js';
import { limitError, limitOf, type LimitName } from './limits.js';

/** graphql-armor's message without its "Syntax Error: " prefix (these are not syntax errors). */
const armorMessage = (error: GraphQLError) => error.message.replace(/^Syntax Error:\s*/, '');

/**
 * Depth, aliases, directives (validation rules, reported through the validation context so that the document is
 * refused like any invalid one) and tokens (counted while parsing; refusing stops the parse at once).
 */
export function armorPlugins(limits: AbuseLimits, isTrusted: (document: DocumentNode) => boolean): Plugin[] {
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
