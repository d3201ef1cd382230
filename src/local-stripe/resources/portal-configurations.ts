/**
 * Billing portal configurations: create, retrieve, update, list. Every account has exactly one default
 * configuration, made when the account is (`createDefaultConfiguration`, called by the seeds); the API can
 * neither set `is_default` nor deactivate the default. There is no delete, as in Stripe.
 *
 * `features.subscription_update.products` is returned only when named in `expand` (the public fixture and the
 * SDK's optional `products?` both say so); the stored object always holds it. `login_page.url` is derived at
 * render time from the server's base URL, so configurations made without HTTP (the seeds) get one too.
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidState } from '../errors.js';
import { defineKind, renderList, renderObject, type RenderContext } from '../expand.js';
import { applyMetadata, bool, listParams } from '../params.js';
import type { Store } from '../store.js';
import { defaultFeatures, patchBusinessProfile, patchFeatures } from './portal-configuration-features.js';
import {
  checkConfiguredCatalog,
  checkUrl,
  createShape,
  updateShape,
  type ConfigurationCreate,
  type ConfigurationUpdate,
  type Features,
} from './portal-configuration-params.js';

type Configuration = Stripe.BillingPortal.Configuration;

export const CONFIGURATION_KIND = 'billing_portal.configuration';

function newConfiguration(store: Store, isDefault: boolean, features: Features): Configuration {
  const now = store.nowSeconds();
  return {
    id: store.ids.id('bpc', 24),
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
    created: now,
    default_return_url: null,
    features,
    is_default: isDefault,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: {},
    name: null,
    updated: now,
  };
}

/** Creates a (non-default) configuration now, on the store's clock. */
export function createConfiguration(store: Store, params: ConfigurationCreate): Configuration {
  checkUrl(params.default_return_url, 'default_return_url');
  const features = patchFeatures(defaultFeatures(), params.features);
  checkConfiguredCatalog(store, params.features.subscription_update?.products ?? []);
  const configuration = newConfiguration(store, false, features);
  configuration.business_profile = patchBusinessProfile(configuration.business_profile, params.business_profile);
  if (params.default_return_url !== undefined) configuration.default_return_url = params.default_return_url;
  if (params.login_page !== undefined) configuration.login_page = { enabled: params.login_page.enabled, url: null };
  if (params.metadata !== undefined) configuration.metadata = applyMetadata({}, params.metadata);
  if (params.name !== undefined) configuration.name = params.name;
  return store.configurations.insert(configuration);
}

/**
 * The account's default configuration, made once when the account is: invoice history, payment method and
 * customer detail updates, and cancellation at period end, the portal's out-of-the-box settings. Idempotent.
 */
export function createDefaultConfiguration(store: Store): Configuration {
  const existing = store.defaultConfiguration();
  if (existing !== undefined) return existing;
  const features = defaultFeatures();
  features.customer_update = { enabled: true, allowed_updates: ['email', 'address', 'shipping', 'phone', 'tax_id'] };
  features.invoice_history.enabled = true;
  features.payment_method_update.enabled = true;
  features.subscription_cancel.enabled = true;
  features.subscription_cancel.cancellation_reason = {
    enabled: true,
    options: ['too_expensive', 'missing_features', 'switched_service', 'unused', 'other'],
    feedback_options: null,
  };
  return store.configurations.insert(newConfiguration(store, true, features));
}

export function requireConfiguration(store: Store, id: string, param = 'id'): Configuration {
  return store.configurations.require(id, param);
}

export function updateConfiguration(store: Store, id: string, params: ConfigurationUpdate): Configuration {
  const configuration = requireConfiguration(store, id);
  if (params.active === false && configuration.is_default) {
    throw invalidState('You cannot deactivate the default configuration.', undefined, 'active');
  }
  checkUrl(params.default_return_url, 'default_return_url');
  // Everything that can fail runs before anything changes.
  const features = params.features !== undefined ? patchFeatures(configuration.features, params.features) : undefined;
  checkConfiguredCatalog(store, params.features?.subscription_update?.products ?? []);
  const profile = patchBusinessProfile(configuration.business_profile, params.business_profile);

  if (params.active !== undefined) configuration.active = params.active;
  if (features !== undefined) configuration.features = features;
  configuration.business_profile = profile;
  if (params.default_return_url !== undefined) configuration.default_return_url = params.default_return_url;
  if (params.login_page !== undefined) configuration.login_page = { enabled: params.login_page.enabled, url: null };
  if (params.metadata !== undefined) configuration.metadata = applyMetadata(configuration.metadata, params.metadata);
  if (params.name !== undefined) configuration.name = params.name;
  configuration.updated = store.nowSeconds();
  return configuration;
}

/**
 * The configuration a portal session uses: the named one, which must exist and be active, or the default.
 */
export function configurationForSession(store: Store, id: string | undefined): Configuration {
  if (id === undefined) {
    const fallback = store.defaultConfiguration();
    if (fallback === undefined) {
      throw invalidState(
        'No configuration provided and your test mode default configuration has not been created. ' +
          'Provide a configuration or create your default configuration.',
        undefined,
        'configuration',
      );
    }
    return fallback;
  }
  const configuration = requireConfiguration(store, id, 'configuration');
  if (!configuration.active) {
    throw invalidState(
      `The configuration '${id}' is not active. Activate it, or create the session with an active configuration.`,
      undefined,
      'configuration',
    );
  }
  return configuration;
}

export function loginPageUrl(configuration: Configuration, baseUrl: string): string | null {
  return configuration.login_page.enabled ? `${baseUrl}/p/login/${configuration.id}` : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering and routes.

function renderConfiguration(configuration: Configuration, ctx: RenderContext): Configuration {
  const subscriptionUpdate = { ...configuration.features.subscription_update };
  delete subscriptionUpdate.products; // expand-only
  return {
    ...configuration,
    features: { ...configuration.features, subscription_update: subscriptionUpdate },
    login_page: { enabled: configuration.login_page.enabled, url: loginPageUrl(configuration, ctx.baseUrl) },
  };
}

defineKind<Configuration>(CONFIGURATION_KIND, {
  render: renderConfiguration,
  expandable: {
    // Configurations made over the API by a Connect application; none here.
    application: { resolve: () => null },
  },
  includable: {
    // `c` is the rendered object, which lacks `products`: read the stored one.
    'features.subscription_update.products': (c, ctx) =>
      ctx.store.configurations.get(c.id)?.features.subscription_update.products ?? [],
  },
});

const retrieveShape = { expand: listParams.expand } as const;
const listShape = { ...listParams, active: bool(), is_default: bool() } as const;
const LIST_URL = '/v1/billing_portal/configurations';

export const portalConfigurationRoutes: Route[] = [
  route('POST', LIST_URL, (req) => {
    const params = readParams(req, createShape, { kind: CONFIGURATION_KIND });
    return renderObject(CONFIGURATION_KIND, createConfiguration(req.store, params), req.render, params.expand);
  }),
  route('GET', LIST_URL, (req) => {
    const params = readParams(req, listShape, { kind: CONFIGURATION_KIND, list: true });
    const page = req.store.configurations.page(
      params,
      (c) =>
        (params.active === undefined || c.active === params.active) &&
        (params.is_default === undefined || c.is_default === params.is_default),
    );
    return renderList(CONFIGURATION_KIND, page.data, page.hasMore, LIST_URL, req.render, params.expand);
  }),
  route('GET', `${LIST_URL}/:id(bpc_)`, (req) => {
    const params = readParams(req, retrieveShape, { kind: CONFIGURATION_KIND });
    return renderObject(CONFIGURATION_KIND, requireConfiguration(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', `${LIST_URL}/:id(bpc_)`, (req) => {
    const params = readParams(req, updateShape, { kind: CONFIGURATION_KIND });
    return renderObject(
      CONFIGURATION_KIND,
      updateConfiguration(req.store, pathId(req), params),
      req.render,
      params.expand,
    );
  }),
];
