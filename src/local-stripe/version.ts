/** The API version the local Stripe speaks (the `stripe` SDK's pinned version), stamped on responses and events. */
export const API_VERSION = '2026-10-28.endive';

/** What a Stripe API version looks like (`2026-10-28.endive`, `2020-08-27`): `Stripe-Version`, an endpoint's `api_version`. */
export const API_VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
