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
import { invalidParam, invalidState, parameterMissing } from '../errors.js';
import { defineKind, renderList, renderObject, type RenderContext } from '../expand.js';
import { paramPath } from '../form.js';
import {
  applyMetadata,
  arr,
  bool,
  int,
  listParams,
  metadata,
  obj,
  oneOf,
  required,
  str,
  type InferShape,
} from '../params.js';
import type { Store } from '../store.js';

type Configuration = Stripe.BillingPortal.Configuration;
type Features = Stripe.BillingPortal.Configuration.Features;
type BusinessProfile = Stripe.BillingPortal.Configuration.BusinessProfile;

export const CONFIGURATION_KIND = 'billing_portal.configuration';

const CUSTOMER_UPDATES = ['address', 'email', 'name', 'phone', 'shipping', 'tax_id'] as const;
const CANCEL_MODES = ['at_period_end', 'immediately'] as const;
const PRORATION_BEHAVIORS = ['always_invoice', 'create_prorations', 'none'] as const;
const CANCELLATION_REASONS = [
  'customer_service',
  'low_quality',
  'missing_features',
  'other',
  'switched_service',
  'too_complex',
  'too_expensive',
  'unused',
] as const;
const PAUSE_DURATION_TYPES = ['indefinite', 'interval_options'] as const;
const PAUSE_INTERVALS = ['day', 'month', 'week', 'year'] as const;
const SUBSCRIPTION_UPDATES = ['price', 'promotion_code', 'quantity'] as const;
const SCHEDULE_CONDITIONS = ['decreasing_item_amount', 'shortening_interval'] as const;
const TRIAL_UPDATE_BEHAVIORS = ['continue_trial', 'end_trial'] as const;
const BILLING_CYCLE_ANCHORS = ['now', 'unchanged'] as const;

/** Stripe's documented limit: a pause lasts at most three years. */
const MAX_PAUSE: Record<(typeof PAUSE_INTERVALS)[number], number> = { day: 1095, week: 156, month: 36, year: 3 };
const MAX_PRODUCTS = 10;
const HEADLINE_MAX = 60;

// ---------------------------------------------------------------------------------------------------------------
// Parameters. Create and update differ only in which `enabled` flags (and cancellation options) are required,
// exactly as in the SDK's ConfigurationCreateParams / ConfigurationUpdateParams.

const pauseShape = {
  enabled: bool(),
  duration: obj({
    type: required(oneOf(PAUSE_DURATION_TYPES)),
    interval_options: arr(obj({ interval: required(oneOf(PAUSE_INTERVALS)), interval_count: int({ min: 1 }) })),
  }),
} as const;

const productParams = obj({
  product: required(str()),
  prices: required(arr(str())),
  adjustable_quantity: obj({ enabled: required(bool()), minimum: int({ min: 0 }), maximum: int({ min: 1 }) }),
});

const subscriptionUpdateShape = {
  enabled: bool(),
  default_allowed_updates: arr(oneOf(SUBSCRIPTION_UPDATES)),
  products: arr(productParams, { max: MAX_PRODUCTS }),
  proration_behavior: oneOf(PRORATION_BEHAVIORS),
  schedule_at_period_end: obj({ conditions: arr(obj({ type: required(oneOf(SCHEDULE_CONDITIONS)) })) }),
  trial_update_behavior: oneOf(TRIAL_UPDATE_BEHAVIORS),
  billing_cycle_anchor: oneOf(BILLING_CYCLE_ANCHORS),
} as const;

const cancellationReasonShape = {
  enabled: required(bool()),
  options: arr(oneOf(CANCELLATION_REASONS)),
  feedback_options: arr(str()),
} as const;

const subscriptionCancelShape = {
  enabled: bool(),
  mode: oneOf(CANCEL_MODES),
  proration_behavior: oneOf(PRORATION_BEHAVIORS),
  cancellation_reason: obj(cancellationReasonShape),
} as const;

const updateFeaturesShape = {
  customer_update: obj({ enabled: bool(), allowed_updates: arr(oneOf(CUSTOMER_UPDATES)) }),
  invoice_history: obj({ enabled: required(bool()) }),
  payment_method_update: obj({ enabled: required(bool()), payment_method_configuration: str({ clearable: true }) }),
  subscription_cancel: obj(subscriptionCancelShape),
  subscription_pause: obj(pauseShape),
  subscription_update: obj(subscriptionUpdateShape),
} as const;

const createFeaturesShape = {
  ...updateFeaturesShape,
  customer_update: obj({ enabled: required(bool()), allowed_updates: arr(oneOf(CUSTOMER_UPDATES)) }),
  subscription_cancel: obj({
    ...subscriptionCancelShape,
    enabled: required(bool()),
    cancellation_reason: obj({ ...cancellationReasonShape, options: required(arr(oneOf(CANCELLATION_REASONS))) }),
  }),
  subscription_update: obj({ ...subscriptionUpdateShape, enabled: required(bool()) }),
} as const;

const createShape = {
  features: required(obj(createFeaturesShape)),
  business_profile: obj({
    headline: str({ clearable: true }),
    privacy_policy_url: str(),
    terms_of_service_url: str(),
  }),
  default_return_url: str({ clearable: true }),
  login_page: obj({ enabled: required(bool()) }),
  metadata: metadata(),
  name: str({ clearable: true }),
  expand: listParams.expand,
} as const;

const updateShape = {
  active: bool(),
  features: obj(updateFeaturesShape),
  business_profile: obj({
    headline: str({ clearable: true }),
    privacy_policy_url: str({ clearable: true }),
    terms_of_service_url: str({ clearable: true }),
  }),
  default_return_url: str({ clearable: true }),
  login_page: obj({ enabled: required(bool()) }),
  metadata: metadata(),
  name: str({ clearable: true }),
  expand: listParams.expand,
} as const;

export type ConfigurationCreate = InferShape<typeof createShape>;
export type ConfigurationUpdate = InferShape<typeof updateShape>;
type FeaturesPatch = InferShape<typeof updateFeaturesShape>;
type BusinessProfilePatch = NonNullable<ConfigurationUpdate['business_profile']>;

// ---------------------------------------------------------------------------------------------------------------
// Checks beyond the parameter shapes.

/** `http(s)://…`, as Stripe requires of every URL it redirects customers to. */
export function checkUrl(value: string | null | undefined, param: string): void {
  if (value === null || value === undefined) return;
  let ok = false;
  try {
    const url = new URL(value);
    ok = url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) throw invalidParam(param, `Invalid URL: ${param} must be a valid http or https URL.`, 'url_invalid');
}

function checkBusinessProfile(profile: BusinessProfilePatch | undefined): void {
  if (profile === undefined) return;
  if (typeof profile.headline === 'string' && profile.headline.length > HEADLINE_MAX) {
    throw invalidParam(
      'business_profile[headline]',
      `Invalid business_profile[headline]: must be at most ${HEADLINE_MAX} characters`,
      'parameter_invalid_string',
    );
  }
  checkUrl(profile.privacy_policy_url, 'business_profile[privacy_policy_url]');
  checkUrl(profile.terms_of_service_url, 'business_profile[terms_of_service_url]');
}

const F = 'features';

/** Rules that hold between feature fields; checked on the merged result, reported where the request can fix them. */
function checkFeatures(features: Features): void {
  const cancel = features.subscription_cancel;
  const cancelPath = paramPath(F, 'subscription_cancel');
  if (cancel.proration_behavior === 'always_invoice') {
    throw invalidParam(
      paramPath(cancelPath, 'proration_behavior'),
      `Invalid ${cancelPath}[proration_behavior]: canceling subscriptions supports only none or create_prorations.`,
    );
  }
  if (cancel.proration_behavior === 'create_prorations' && cancel.mode !== 'immediately') {
    throw invalidParam(
      paramPath(cancelPath, 'proration_behavior'),
      `${cancelPath}[proration_behavior] can be create_prorations only when ${cancelPath}[mode] is immediately.`,
    );
  }

  const durationPath = paramPath(paramPath(F, 'subscription_pause'), 'duration');
  const duration = features.subscription_pause.duration;
  duration.interval_options.forEach((option, i) => {
    const limit = MAX_PAUSE[option.interval as keyof typeof MAX_PAUSE];
    if (option.interval_count > limit) {
      throw invalidParam(
        `${durationPath}[interval_options][${i}][interval_count]`,
        `A subscription can be paused for at most three years (${limit} ${option.interval}s).`,
      );
    }
  });

  const updatePath = paramPath(F, 'subscription_update');
  const seen = new Set<string>();
  (features.subscription_update.products ?? []).forEach((product, i) => {
    const productPath = `${updatePath}[products][${i}]`;
    if (seen.has(product.product)) {
      throw invalidParam(`${productPath}[product]`, `The product '${product.product}' is listed more than once.`);
    }
    seen.add(product.product);
    if (product.prices.length === 0) {
      throw invalidParam(`${productPath}[prices]`, `Invalid ${productPath}[prices]: list at least one price.`);
    }
    const q = product.adjustable_quantity;
    if (q.maximum !== null && q.maximum < q.minimum) {
      throw invalidParam(
        `${productPath}[adjustable_quantity][maximum]`,
        `${productPath}[adjustable_quantity][maximum] must be greater than or equal to its minimum (${q.minimum}).`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Building and changing configurations.

/** Stripe's defaults for a feature the create request leaves out. */
function defaultFeatures(): Features {
  return {
    customer_update: { enabled: false, allowed_updates: [] },
    invoice_history: { enabled: false },
    payment_method_update: { enabled: false, payment_method_configuration: null },
    subscription_cancel: {
      enabled: false,
      mode: 'at_period_end',
      proration_behavior: 'none',
      cancellation_reason: { enabled: false, options: [], feedback_options: null },
    },
    subscription_pause: {
      enabled: false,
      duration: { type: 'interval_options', interval_options: [{ interval: 'month', interval_count: 1 }] },
    },
    subscription_update: {
      enabled: false,
      default_allowed_updates: [],
      products: [],
      proration_behavior: 'none',
      schedule_at_period_end: { conditions: [] },
      trial_update_behavior: 'end_trial',
      billing_cycle_anchor: null,
    },
  };
}

/** The features after `patch`, on a copy: a rejected update leaves the stored object untouched. */
function patchFeatures(current: Features, patch: FeaturesPatch): Features {
  const next = structuredClone(current);
  const { customer_update, invoice_history, payment_method_update, subscription_cancel, subscription_pause } = patch;
  if (customer_update !== undefined) {
    if (customer_update.enabled !== undefined) next.customer_update.enabled = customer_update.enabled;
    if (customer_update.allowed_updates !== undefined) {
      next.customer_update.allowed_updates = customer_update.allowed_updates;
    }
  }
  if (invoice_history !== undefined) next.invoice_history.enabled = invoice_history.enabled;
  if (payment_method_update !== undefined) {
    next.payment_method_update.enabled = payment_method_update.enabled;
    if (payment_method_update.payment_method_configuration !== undefined) {
      next.payment_method_update.payment_method_configuration = payment_method_update.payment_method_configuration;
    }
  }
  if (subscription_cancel !== undefined) {
    const target = next.subscription_cancel;
    if (subscription_cancel.enabled !== undefined) target.enabled = subscription_cancel.enabled;
    if (subscription_cancel.mode !== undefined) target.mode = subscription_cancel.mode;
    if (subscription_cancel.proration_behavior !== undefined) {
      target.proration_behavior = subscription_cancel.proration_behavior;
    }
    const reason = subscription_cancel.cancellation_reason;
    if (reason !== undefined) {
      target.cancellation_reason.enabled = reason.enabled;
      if (reason.options !== undefined) target.cancellation_reason.options = reason.options;
      if (reason.feedback_options !== undefined) {
        target.cancellation_reason.feedback_options = reason.feedback_options.length > 0 ? reason.feedback_options : null;
      }
    }
  }
  if (subscription_pause !== undefined) {
    if (subscription_pause.enabled !== undefined) next.subscription_pause.enabled = subscription_pause.enabled;
    const duration = subscription_pause.duration;
    if (duration !== undefined) {
      const path = `${F}[subscription_pause][duration][interval_options]`;
      const options = (duration.interval_options ?? []).map((o) => ({
        interval: o.interval,
        interval_count: o.interval_count ?? 1,
      }));
      if (duration.type === 'interval_options' && options.length === 0) throw parameterMissing(path);
      if (duration.type === 'indefinite' && options.length > 0) {
        throw invalidParam(
          path,
          `${path} can only be set when ${F}[subscription_pause][duration][type] is interval_options.`,
        );
      }
      next.subscription_pause.duration = { type: duration.type, interval_options: options };
    }
  }
  const update = patch.subscription_update;
  if (update !== undefined) {
    const target = next.subscription_update;
    if (update.enabled !== undefined) target.enabled = update.enabled;
    if (update.default_allowed_updates !== undefined) target.default_allowed_updates = update.default_allowed_updates;
    if (update.products !== undefined) {
      target.products = update.products.map((p) => ({
        product: p.product,
        prices: p.prices,
        adjustable_quantity: {
          enabled: p.adjustable_quantity?.enabled ?? false,
          minimum: p.adjustable_quantity?.minimum ?? 0,
          maximum: p.adjustable_quantity?.maximum ?? null,
        },
      }));
    }
    if (update.proration_behavior !== undefined) target.proration_behavior = update.proration_behavior;
    if (update.schedule_at_period_end !== undefined) {
      target.schedule_at_period_end = { conditions: update.schedule_at_period_end.conditions ?? [] };
    }
    if (update.trial_update_behavior !== undefined) target.trial_update_behavior = update.trial_update_behavior;
    if (update.billing_cycle_anchor !== undefined) target.billing_cycle_anchor = update.billing_cycle_anchor;
  }
  checkFeatures(next);
  return next;
}

function patchBusinessProfile(
  current: BusinessProfile,
  patch: BusinessProfilePatch | undefined,
): BusinessProfile {
  checkBusinessProfile(patch);
  if (patch === undefined) return current;
  return {
    headline: patch.headline !== undefined ? patch.headline : current.headline,
    privacy_policy_url: patch.privacy_policy_url !== undefined ? patch.privacy_policy_url : current.privacy_policy_url,
    terms_of_service_url:
      patch.terms_of_service_url !== undefined ? patch.terms_of_service_url : current.terms_of_service_url,
  };
}

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
  route('GET', `${LIST_URL}/:id`, (req) => {
    const params = readParams(req, retrieveShape, { kind: CONFIGURATION_KIND });
    return renderObject(CONFIGURATION_KIND, requireConfiguration(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', `${LIST_URL}/:id`, (req) => {
    const params = readParams(req, updateShape, { kind: CONFIGURATION_KIND });
    return renderObject(
      CONFIGURATION_KIND,
      updateConfiguration(req.store, pathId(req), params),
      req.render,
      params.expand,
    );
  }),
];
