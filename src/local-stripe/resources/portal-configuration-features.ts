/**
 * A billing portal configuration's features and business profile: Stripe's defaults, and a patch applied to a copy
 * and checked before the stored configuration changes (a rejected update leaves it untouched).
 */
import type Stripe from 'stripe';
import { invalidParam, parameterMissing } from '../errors.js';
import {
  checkBusinessProfile,
  checkFeatures,
  F,
  type BusinessProfilePatch,
  type Features,
  type FeaturesPatch,
} from './portal-configuration-params.js';

type BusinessProfile = Stripe.BillingPortal.Configuration.BusinessProfile;

/** Stripe's defaults for a feature the create request leaves out. */
export function defaultFeatures(): Features {
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
export function patchFeatures(current: Features, patch: FeaturesPatch): Features {
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

export function patchBusinessProfile(
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
