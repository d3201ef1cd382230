/** The API version the local Stripe speaks (the `stripe` SDK's pinned version), stamped on responses and events. */
export const API_VERSION = '2026-10-28.endive';
