/**
 * Document limits checked while parsing and validating: tokens (graphql-armor's counting parser: refusing stops
 * the parse at the first token too many; `expansionLimitRule` holds fragments to it too), aliases (graphql-armor's
 * validation rule), depth (`depthLimitRule`, which knows connections) and directives (`directiveLimitRule`, which
 * counts the directives behind every fragment spread).
 */
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type ASTNode,
  type ASTVisitor,
  type GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { AbuseLimits } from '../config.js';
import { limitError } from './limits.js';

/** graphql-armor's message without its "Syntax Error: " prefix (these are not syntax errors). */
const armorMessage = (error: GraphQLError) => error.message.replace(/^Syntax Error:\s*/, '');

/**
 * Depth, aliases, directives (validation rules, reported through the validation context so that the document is
 * refused like any invalid one) and tokens (counted while parsing; refusing stops the parse at once).
 */
export function documentLimitPlugins(limits: AbuseLimits): Plugin[] {
  const report = (limit: 'aliases' | 'tokens', max: number) => (context: ValidationContext | null, error: GraphQLError) => {
    const coded = limitError(limit, armorMessage(error), { max });
    if (context === null) throw coded;
    context.reportError(coded);
  };
  const armor = new EnvelopArmor({
    // Suggestions are removed by `useContractCodes` (armor's pattern misses "Did you mean the enum value …").
    blockFieldSuggestion: { enabled: false },
    // Armor's cost limit cannot multiply by `first`; `useCostLimit` does.
    costLimit: { enabled: false },
    // Armor counts a connection's `edges` and `node`, and every fragment spread, as levels: an ordinary list of
    // customers with their invoices is 7 deep to it. `depthLimitRule` below counts what nests.
    maxDepth: { enabled: false },
    maxAliases: { n: limits.maxAliases, onReject: [report('aliases', limits.maxAliases)], propagateOnRejection: false },
    // Armor's directive count forgets the directives on a fragment spread it has seen before (60 × `...F @skip`
    // counts 1); `directiveLimitRule` below counts every one.
    maxDirectives: { enabled: false },
    // Thrown from inside the parser: the handler's own throw ends the parse at the first token too many.
    maxTokens: { n: limits.maxTokens, onReject: [report('tokens', limits.maxTokens)], propagateOnRejection: true },
  });
  const ours: Plugin = {
    onValidate({ addValidationRule }) {
      addValidationRule(depthLimitRule(limits.maxDepth));
      addValidationRule(expansionLimitRule(limits.maxTokens));
      addValidationRule(directiveLimitRule(limits.maxDirectives));
    },
  };
  return [...(armor.protect().plugins as Plugin[]), ours];
}

type Fields = Record<string, GraphQLField<unknown, unknown>>;

const fieldsOf = (type: GraphQLNamedType | undefined): Fields | undefined =>
  type !== undefined && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : undefined;

/** The element type of a list field (`[E!]!` → E), if it is one. */
function listElement(type: GraphQLOutputType): GraphQLNamedType | undefined {
  const nullable = isNonNullType(type) ? type.ofType : type;
  return isListType(nullable) ? getNamedType(nullable) : undefined;
}

const wrapperCache = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/**
 * The fields that wrap rather than nest (`Type.field`), recognised by shape: a Relay connection's `edges` (a type
 * with `pageInfo` and a list of edges, an edge being a type with `cursor` and `node`) and that edge's `node`; and
 * introspection's `__Type.ofType` (a type reference's wrapping: `[ID!]!` is three `ofType`s, nothing more).
 */
export function wrapperFields(schema: GraphQLSchema): ReadonlySet<string> {
  let wrappers = wrapperCache.get(schema);
  if (wrappers !== undefined) return wrappers;
  const found = new Set<string>(['__Type.ofType']);
  for (const type of Object.values(schema.getTypeMap())) {
    const fields = fieldsOf(type);
    const edges = fields?.['edges'];
    if (fields?.['pageInfo'] === undefined || edges === undefined) continue;
    const edge = listElement(edges.type);
    const edgeFields = fieldsOf(edge);
    if (edge === undefined || edgeFields?.['node'] === undefined || edgeFields['cursor'] === undefined) continue;
    found.add(`${type.name}.edges`).add(`${edge.name}.node`);
  }
  wrappers = found;
  wrapperCache.set(schema, wrappers);
  return wrappers;
}

/** What an operation amounts to once its fragments are spread out. */
export interface OperationShape {
  /** How deep it nests (see `depthLimitRule`). */
  depth: number;
  /** How many field selections it has, each fragment counted at every spread. */
  fields: number;
}

/**
 * Measures every operation of the validated document, once. Each named fragment is measured once (its shape
 * depends only on its own type condition), so a fragment spread in many places, or a chain of fragments each
 * spreading the next twice, costs one walk; a spread of a fragment being walked (a cycle, which validation refuses
 * anyway) adds nothing.
 */
function operationShapes(context: ValidationContext, onOperation: (shape: OperationShape) => void): ASTVisitor {
  const schema = context.getSchema();
  const wrappers = wrapperFields(schema);
  const fragmentShapes = new Map<string, OperationShape>();
  const walking = new Set<string>();

  const fieldOf = (parent: GraphQLNamedType | undefined, name: string) => {
    if (parent !== undefined && parent === schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return fieldsOf(parent)?.[name];
  };
  const typeNamed = (name: string | undefined, fallback: GraphQLNamedType | undefined) =>
    name === undefined ? fallback : (schema.getType(name) ?? undefined);

  const shapeOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): OperationShape => {
    const shape: OperationShape = { depth: 0, fields: 0 };
    for (const selection of selectionSet.selections) {
      let inner: OperationShape;
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection.name.value);
        // An unknown field (refused by validation) still counts, its selection as if under an unknown type.
        const level = parent !== undefined && wrappers.has(`${parent.name}.${selection.name.value}`) ? 0 : 1;
        const type = field !== undefined ? getNamedType(field.type) : undefined;
        const below = selection.selectionSet !== undefined ? shapeOf(selection.selectionSet, type) : { depth: 0, fields: 0 };
        inner = { depth: level + below.depth, fields: 1 + below.fields };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = shapeOf(selection.selectionSet, typeNamed(selection.typeCondition?.name.value, parent));
      } else {
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        let known = fragmentShapes.get(name);
        if (known === undefined && fragment !== undefined && fragment !== null && !walking.has(name)) {
          walking.add(name);
          known = shapeOf(fragment.selectionSet, typeNamed(fragment.typeCondition.name.value, undefined));
          walking.delete(name);
          fragmentShapes.set(name, known);
        }
        inner = known ?? { depth: 0, fields: 0 };
      }
      shape.depth = Math.max(shape.depth, inner.depth);
      shape.fields += inner.fields;
    }
    return shape;
  };

  return {
    OperationDefinition(operation) {
      onOperation(shapeOf(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined));
      return false;
    },
  };
}

/**
 * How deep an operation may nest: every field is a level (a leaf too), except the fields that only wrap (a
 * connection's `edges`, an edge's `node`, `__Type.ofType`: see `wrapperFields`); fragment spreads and inline
 * fragments are no level. So `viewer { customer { invoices { edges { node { amountDue { formatted } } } } } }` is 5.
 */
export function depthLimitRule(max: number): ValidationRule {
  return (context) =>
    operationShapes(context, ({ depth }) => {
      if (depth > max) context.reportError(limitError('depth', `Query depth limit of ${max} exceeded, found ${depth}.`, { max }));
    });
}

/**
 * Fragments may not make a document larger than the token limit lets it be written: spread out, an operation has
 * at most `maxTokens` field selections (each would be a token at least). Thirty fragments each spreading the next
 * twice are some 300 tokens and 2^30 fields once spread, which the cost walk and graphql-jit's compiler would
 * otherwise expand one by one.
 */
export function expansionLimitRule(maxTokens: number): ValidationRule {
  return (context) =>
    operationShapes(context, ({ fields }) => {
      if (fields > maxTokens) {
        const found = Number.isSafeInteger(fields) ? String(fields) : 'more than 2^53';
        context.reportError(
          limitError('tokens', `Token limit of ${maxTokens} exceeded once fragments are spread: ${found} fields.`, { max: maxTokens }),
        );
      }
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
