/**
 * What a billing portal configuration request may say: the parameter shapes of create and update (as in the SDK's
 * ConfigurationCreateParams / ConfigurationUpdateParams), Stripe's closed value sets and limits, and the checks
 * beyond the shapes (URLs, the headline, rules between feature fields). Used by `portal-configurations.ts` and, for
 * `checkUrl`, by portal sessions.
 */
import type Stripe from 'stripe';
import { invalidParam, missingReference } from '../errors.js';
import { paramPath } from '../form.js';
import { arr, bool, int, listParams, metadata, obj, oneOf, required, str, type InferShape } from '../params.js';
import type { Store } from '../store.js';

export type Features = Stripe.BillingPortal.Configuration.Features;

const CUSTOMER_UPDATES = ['address', 'email', 'name', 'phone', 'shipping', 'tax_id'] as const;
const CANCEL_MODES = ['at_period_end', 'immediately'] as const;
const PRORATION_BEHAVIORS = ['always_invoice', 'create_prorations', 'none'] as const;
/** Stripe's cancellation feedback values: the portal's reason options and a subscription's `cancellation_details.feedback`. */
export const CANCELLATION_FEEDBACK = [
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
  options: arr(oneOf(CANCELLATION_FEEDBACK)),
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
    cancellation_reason: obj({ ...cancellationReasonShape, options: required(arr(oneOf(CANCELLATION_FEEDBACK))) }),
  }),
  subscription_update: obj({ ...subscriptionUpdateShape, enabled: required(bool()) }),
} as const;

/** What create and update both take, alike. */
const commonShape = {
  default_return_url: str({ clearable: true }),
  login_page: obj({ enabled: required(bool()) }),
  metadata: metadata(),
  name: str({ clearable: true }),
  expand: listParams.expand,
} as const;

export const createShape = {
  features: required(obj(createFeaturesShape)),
  business_profile: obj({
    headline: str({ clearable: true }),
    privacy_policy_url: str(),
    terms_of_service_url: str(),
  }),
  ...commonShape,
} as const;

export const updateShape = {
  active: bool(),
  features: obj(updateFeaturesShape),
  business_profile: obj({
    headline: str({ clearable: true }),
    privacy_policy_url: str({ clearable: true }),
    terms_of_service_url: str({ clearable: true }),
  }),
  ...commonShape,
} as const;

export type ConfigurationCreate = InferShape<typeof createShape>;
export type ConfigurationUpdate = InferShape<typeof updateShape>;
export type FeaturesPatch = InferShape<typeof updateFeaturesShape>;
export type BusinessProfilePatch = NonNullable<ConfigurationUpdate['business_profile']>;

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

export function checkBusinessProfile(profile: BusinessProfilePatch | undefined): void {
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

export const F = 'features';

/** Rules that hold between feature fields; checked on the merged result, reported where the request can fix them. */
export function checkFeatures(features: Features): void {
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

/**
 * The catalog a configuration's `subscription_update.products` names must exist, as Stripe checks on write: each
 * product, and each of its prices, which must be recurring (the portal switches subscriptions between them) and be
 * that product's own.
 */
export function checkConfiguredCatalog(store: Store, products: readonly { product: string; prices: string[] }[]): void {
  products.forEach((entry, i) => {
    const productPath = `${paramPath(F, 'subscription_update')}[products][${i}]`;
    if (store.products.get(entry.product) === undefined) {
      throw missingReference('product', entry.product, `${productPath}[product]`);
    }
    for (const id of entry.prices) {
      const price = store.prices.get(id);
      const pricesPath = `${productPath}[prices]`;
      if (price === undefined) throw missingReference('price', id, pricesPath);
      const owner = typeof price.product === 'string' ? price.product : price.product.id;
      if (owner !== entry.product) {
        throw invalidParam(pricesPath, `The price \`${id}\` does not belong to the product \`${entry.product}\`.`);
      }
      if (price.recurring === null) {
        throw invalidParam(
          pricesPath,
          `The price \`${id}\` is not a recurring price: the portal can only switch subscriptions between recurring prices.`,
        );
      }
    }
  });
}
