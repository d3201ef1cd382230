/**
 * Trusted documents (persisted operations): the documents of `schema/operations/`, which `npm run codegen` writes
 * into `schema/persisted-documents.json` under their ids (`sha256:<hex of the normalised document>`, the client
 * preset's format), and a Yoga plugin that runs them by id.
 *
 * When enforced (`TRUSTED_DOCUMENTS`, default in production), a CUSTOMER — a browser, whose token anyone can lift
 * from it — may run only these documents, by id, so the public surface is exactly what the web app uses; an ADMIN
 * (a server-to-server key) may still send any document; an anonymous caller passes through to the resolvers and gets
 * UNAUTHENTICATED as before. Refusals happen before parsing or execution: no Stripe call is ever made for them.
 * Ids work whether enforced or not, so a client can always send them.
 *
 * A request names its document by `documentId` (the GraphQL-over-HTTP persisted-documents convention, which the
 * client preset's documents follow; as a query parameter on GET), or by Apollo's
 * `extensions.persistedQuery.sha256Hash` (the bare hex; `sha256:` is prefixed). A document id and a query text in the
 * same request is an error.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { Viewer } from '../auth/viewer.js';
import { appError } from '../errors.js';

/** The manifest `npm run codegen` writes (see `codegen.ts`). */
export const MANIFEST_FILE = fileURLToPath(new URL('../../schema/persisted-documents.json', import.meta.url));
/** The manifest's do-not-edit header entry (JSON has no comments); not a document. */
export const MANIFEST_HEADER_KEY = '//';

/** Document id → document text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

const SHA256_ID = /^sha256:([0-9a-f]{64})$/;
const BARE_SHA256 = /^[0-9a-f]{64}$/;

/**
 * Checks a manifest's shape and that every id is the SHA-256 of its document (a hand-edited document no longer
 * matches its id; `npm run codegen` rewrites both). Throws one error listing every problem.
 */
export function parseTrustedDocuments(json: unknown, source = 'the trusted-documents manifest'): TrustedDocuments {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${source} must be a JSON object of document id → document`);
  }
  const documents = new Map<string, string>();
  const problems: string[] = [];
  for (const [id, document] of Object.entries(json)) {
    if (id === MANIFEST_HEADER_KEY) continue;
    const hex = SHA256_ID.exec(id)?.[1];
    if (hex === undefined) problems.push(`'${id.slice(0, 80)}' is not an id like sha256:<64 hex digits>`);
    else if (typeof document !== 'string') problems.push(`${id}: the document must be a string`);
    else if (createHash('sha256').update(document).digest('hex') !== hex) {
      problems.push(`${id}: the document does not match its id (edited by hand? run \`npm run codegen\`)`);
    } else documents.set(id, document);
  }
  if (problems.length > 0) throw new Error(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return documents;
}

export function loadTrustedDocuments(file: string = MANIFEST_FILE): TrustedDocuments {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the trusted-documents manifest ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseTrustedDocuments(json, file);
}

let defaultDocuments: TrustedDocuments | undefined;
/** The committed manifest, read once per process. */
export function defaultTrustedDocuments(): TrustedDocuments {
  return (defaultDocuments ??= loadTrustedDocuments());
}

/** The `documentId` a request carries (body, or query string on GET), if any. */
function explicitDocumentId(params: GraphQLParams, request: Request): unknown {
  const fromBody = (params as { documentId?: unknown }).documentId;
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  if (request.method === 'GET') return new URL(request.url).searchParams.get('documentId') ?? undefined;
  return undefined;
}

/** The document id a request names: `documentId`, or Apollo's `extensions.persistedQuery.sha256Hash`; else null. */
export function extractDocumentId(params: GraphQLParams, request: Request): string | null {
  const id = explicitDocumentId(params, request);
  if (typeof id === 'string' && id !== '') return BARE_SHA256.test(id) ? `sha256:${id}` : id;
  const persistedQuery = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  const hash = persistedQuery?.sha256Hash;
  if (typeof hash === 'string' && BARE_SHA256.test(hash)) return `sha256:${hash}`;
  return null;
}

/** An id safe and short enough to echo in an error (it is the caller's own input; anything odd is not repeated). */
const shown = (id: string | null) => (id !== null && /^[\w:.~-]{1,100}$/.test(id) ? `'${id}'` : 'the id sent');

export interface TrustedDocumentsOptions {
  /** The manifest; default: `schema/persisted-documents.json`. */
  documents: TrustedDocuments;
  /** Customers may run only trusted documents, by id (`TRUSTED_DOCUMENTS`). */
  enforce: boolean;
  /** Who is calling; cached per request by the caller (the context uses the same answer). */
  viewerOf(request: Request): Promise<Viewer>;
}

/** The request parameter Yoga must accept besides `query`, `variables`, `operationName` and `extensions`. */
export const DOCUMENT_ID_PARAM = 'documentId';

export function useTrustedDocuments(options: TrustedDocumentsOptions): Plugin[] {
  const { documents, enforce, viewerOf } = options;
  const notBoth: Plugin = {
    onParams({ params, request }) {
      const id = explicitDocumentId(params, request);
      if (typeof params.query === 'string' && params.query !== '' && id !== undefined) {
        throw appError('BAD_USER_INPUT', 'Send either a `query` or a `documentId`, not both.', { http: { status: 400 } });
      }
    },
  };
  return [
    notBoth,
    usePersistedOperations({
      extractPersistedOperationId: extractDocumentId,
      getPersistedOperation: (id) => documents.get(id) ?? null,
      allowArbitraryOperations: enforce ? async (request) => (await viewerOf(request)).role !== 'CUSTOMER' : true,
      customErrors: {
        persistedQueryOnly: () =>
          appError(
            'FORBIDDEN',
            'This gateway runs only trusted documents for customers: send the document’s id as `documentId` ' +
              '(from schema/persisted-documents.json, or the generated client with `persisted: true`) instead of its text.',
            { http: { status: 403 } },
          ),
        notFound: ({ params, request }) =>
          appError(
            'NOT_FOUND',
            `No trusted document has ${shown(extractDocumentId(params, request))}: the ids are in schema/persisted-documents.json ` +
              '(add a document to schema/operations/ and run `npm run codegen`).',
            { http: { status: 404 } },
          ),
        keyNotFound: () =>
          appError('BAD_USER_INPUT', 'Send a GraphQL document as `query`, or a trusted document’s id as `documentId`.', {
            http: { status: 400 },
          }),
      },
    }),
  ];
}
