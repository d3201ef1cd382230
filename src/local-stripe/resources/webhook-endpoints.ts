/**
 * Webhook endpoints (`/v1/webhook_endpoints`): create, retrieve, update (`url`, `enabled_events`, `description`,
 * `metadata`, `disabled`), list, delete — where the account's events are delivered (`events/deliveries.ts`).
 *
 * As on Stripe: the signing secret (`whsec_…`) is in the create response only, never again (it is kept beside the
 * object, in `store.webhookEndpointSettings`, with `connect`); `enabled_events` names Stripe's event types or `*`;
 * `connect: true` makes an endpoint of the platform that hears its connected accounts' events instead of its own;
 * `api_version` is recorded, but every event is rendered in the local Stripe's one version (`version.ts`); an account
 * holds at most 16 endpoints. Endpoints make no events (Stripe has no `webhook_endpoint.*` event types).
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidParam, invalidState } from '../errors.js';
import { ENABLED_EVENT_TYPES } from '../events/event-types.js';
import { newWebhookSecret } from '../events/signature.js';
import { defineKind, renderList, renderObject } from '../expand.js';
import { applyMetadata, arr, bool, listParams, metadata, oneOf, required, str, type InferShape } from '../params.js';
import type { Store } from '../store.js';
import { API_VERSION_PATTERN } from '../version.js';
import { checkUrl } from './portal-configuration-params.js';

const KIND = 'webhook_endpoint';
defineKind<Stripe.WebhookEndpoint>(KIND, { expandable: {} });

/** Stripe's limit of endpoints per account (and mode). */
export const MAX_WEBHOOK_ENDPOINTS = 16;

const enabledEvents = () => arr(oneOf(['*', ...ENABLED_EVENT_TYPES] as const));

const createShape = {
  url: required(str({ max: 5000 })),
  enabled_events: required(enabledEvents()),
  api_version: str(),
  connect: bool(),
  description: str({ max: 5000, clearable: true }),
  metadata: metadata(),
  expand: listParams.expand,
} as const;

const updateShape = {
  url: str({ max: 5000 }),
  enabled_events: enabledEvents(),
  description: str({ max: 5000, clearable: true }),
  disabled: bool(),
  metadata: metadata(),
  expand: listParams.expand,
} as const;

export type WebhookEndpointCreate = InferShape<typeof createShape>;
export type WebhookEndpointUpdate = InferShape<typeof updateShape>;

function checkEnabledEvents(events: readonly string[]): void {
  if (events.length === 0) {
    throw invalidParam('enabled_events', 'Invalid enabled_events: must name at least one event type, or `*` for all of them.');
  }
}

/** Whether `endpoint` wants events of `type` (`*` is every type). */
export function endpointWants(endpoint: Stripe.WebhookEndpoint, type: string): boolean {
  return endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type);
}

/** Creates an endpoint now; returns it with its secret, the one time Stripe shows the secret. */
export function createWebhookEndpoint(store: Store, params: WebhookEndpointCreate): Stripe.WebhookEndpoint {
  checkUrl(params.url, 'url');
  checkEnabledEvents(params.enabled_events);
  if (params.api_version !== undefined && !API_VERSION_PATTERN.test(params.api_version)) {
    throw invalidParam('api_version', `Invalid Stripe API version: ${params.api_version}`);
  }
  if (store.webhookEndpoints.size >= MAX_WEBHOOK_ENDPOINTS) {
    throw invalidState(`You have reached the maximum of ${MAX_WEBHOOK_ENDPOINTS} test webhook endpoints.`);
  }
  const endpoint: Stripe.WebhookEndpoint = {
    id: store.ids.id('we', 24),
    object: 'webhook_endpoint',
    api_version: params.api_version ?? null,
    application: null,
    created: store.nowSeconds(),
    description: params.description ?? null,
    enabled_events: [...new Set(params.enabled_events)],
    livemode: false,
    metadata: applyMetadata({}, params.metadata),
    status: 'enabled',
    url: params.url,
  };
  const secret = newWebhookSecret();
  store.webhookEndpoints.insert(endpoint);
  store.webhookEndpointSettings.set(endpoint.id, { secret, connect: params.connect ?? false });
  return { ...endpoint, secret };
}

export function updateWebhookEndpoint(store: Store, id: string, params: WebhookEndpointUpdate): Stripe.WebhookEndpoint {
  const endpoint = store.webhookEndpoints.require(id);
  if (params.url !== undefined) checkUrl(params.url, 'url');
  if (params.enabled_events !== undefined) checkEnabledEvents(params.enabled_events);
  if (params.url !== undefined) endpoint.url = params.url;
  if (params.enabled_events !== undefined) endpoint.enabled_events = [...new Set(params.enabled_events)];
  if (params.description !== undefined) endpoint.description = params.description;
  if (params.disabled !== undefined) endpoint.status = params.disabled ? 'disabled' : 'enabled';
  if (params.metadata !== undefined) endpoint.metadata = applyMetadata(endpoint.metadata, params.metadata);
  return endpoint;
}

export function deleteWebhookEndpoint(store: Store, id: string): Stripe.DeletedWebhookEndpoint {
  store.webhookEndpoints.require(id);
  store.webhookEndpoints.remove(id);
  store.webhookEndpointSettings.delete(id);
  return { id, object: 'webhook_endpoint', deleted: true };
}

export const webhookEndpointRoutes: Route[] = [
  route('POST', '/v1/webhook_endpoints', (req) => {
    const params = readParams(req, createShape, { kind: KIND });
    return renderObject(KIND, createWebhookEndpoint(req.store, params), req.render, params.expand);
  }),
  route('GET', '/v1/webhook_endpoints', (req) => {
    const params = readParams(req, listParams, { kind: KIND, list: true });
    const page = req.store.webhookEndpoints.page(params);
    return renderList(KIND, page.data, page.hasMore, '/v1/webhook_endpoints', req.render, params.expand);
  }),
  route('GET', '/v1/webhook_endpoints/:id(we_)', (req) => {
    const params = readParams(req, { expand: listParams.expand }, { kind: KIND });
    return renderObject(KIND, req.store.webhookEndpoints.require(pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/webhook_endpoints/:id(we_)', (req) => {
    const params = readParams(req, updateShape, { kind: KIND });
    return renderObject(KIND, updateWebhookEndpoint(req.store, pathId(req), params), req.render, params.expand);
  }),
  route('DELETE', '/v1/webhook_endpoints/:id(we_)', (req) => {
    readParams(req, {});
    return deleteWebhookEndpoint(req.store, pathId(req));
  }),
];
