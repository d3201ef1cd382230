/**
 * Stripe's error envelope, and one constructor per failure kind the local Stripe produces.
 *
 * Handlers throw a `StripeApiError`; the HTTP layer turns it into `{ error: { … } }` with the right status,
 * adding `request_log_url`. Messages follow Stripe's wording so that code written against real Stripe (and the
 * stripe-node error classes, which are chosen by HTTP status) behaves the same here.
 */

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
  request_log_url?: string;
  /** Card errors: the issuer's reason for a decline (`generic_decline`, `insufficient_funds`, …). */
  decline_code?: string;
  /** Card errors raised by a charge: the failed charge's id. */
  charge?: string;
  /** Card errors: the payment method involved, as Stripe embeds it (never a full number). */
  payment_method?: unknown;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  /** Extra response headers, e.g. `Stripe-Should-Retry`. */
  readonly headers: Record<string, string>;
  /**
   * Whether Stripe would store this response for an idempotency key. Validation failures and concurrency
   * conflicts are not stored (Stripe's documented rule); everything that happened while executing is.
   */
  readonly storable: boolean;

  constructor(
    status: number,
    body: StripeErrorBody,
    options: { headers?: Record<string, string>; storable?: boolean } = {},
  ) {
    super(body.message);
    this.name = 'StripeApiError';
    this.status = status;
    this.body = body;
    this.headers = options.headers ?? {};
    this.storable = options.storable ?? true;
  }
}

const DOCS = 'https://stripe.com/docs/error-codes/';

function coded(
  status: number,
  code: string,
  message: string,
  param?: string,
  storable = true,
): StripeApiError {
  const body: StripeErrorBody = {
    type: 'invalid_request_error',
    code,
    message,
    doc_url: DOCS + code.replaceAll('_', '-'),
  };
  if (param !== undefined) body.param = param;
  return new StripeApiError(status, body, { storable });
}

/** A parameter problem found before anything executed: never stored for idempotency. */
function paramError(code: string, message: string, param: string): StripeApiError {
  return coded(400, code, message, param, false);
}

/** Stripe's names for objects in "No such …" messages. */
export function resourceMissing(noun: string, id: string, param = 'id'): StripeApiError {
  return coded(404, 'resource_missing', `No such ${noun}: '${id}'`, param);
}

/**
 * A parameter naming an object that does not exist, where Stripe answers 400 rather than the 404 of a missing
 * object in the path (e.g. `GET /v1/invoices?customer=cus_missing`).
 */
export function missingReference(noun: string, id: string, param: string): StripeApiError {
  return coded(400, 'resource_missing', `No such ${noun}: '${id}'`, param);
}

export function parameterMissing(param: string): StripeApiError {
  return paramError('parameter_missing', `Missing required param: ${param}.`, param);
}

export function parameterUnknown(param: string): StripeApiError {
  return paramError('parameter_unknown', `Received unknown parameter: ${param}`, param);
}

export function parameterInvalidEmpty(param: string): StripeApiError {
  return paramError(
    'parameter_invalid_empty',
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; ` +
      `however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    param,
  );
}

export function parameterInvalidInteger(param: string, value: string): StripeApiError {
  return paramError('parameter_invalid_integer', `Invalid integer: ${value}`, param);
}

/** A parameter whose value is out of range or not one of an enum. */
export function invalidParam(param: string, message: string, code?: string): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message, param };
  if (code !== undefined) {
    body.code = code;
    body.doc_url = DOCS + code.replaceAll('_', '-');
  }
  return new StripeApiError(400, body, { storable: false });
}

/** A request that is well-formed but not allowed in the object's current state. */
export function invalidState(message: string, code?: string, param?: string): StripeApiError {
  const body: StripeErrorBody = { type: 'invalid_request_error', message };
  if (code !== undefined) {
    body.code = code;
    body.doc_url = DOCS + code.replaceAll('_', '-');
  }
  if (param !== undefined) body.param = param;
  return new StripeApiError(400, body);
}

/**
 * A card problem (HTTP 402, `card_error`): a decline, an expired card, a number that is not a card. The message is
 * the one Stripe shows to customers; `param` names the card field at fault where there is one.
 */
export function cardError(
  code: string,
  message: string,
  extra: { param?: string; decline_code?: string; charge?: string; payment_method?: unknown } = {},
): StripeApiError {
  const body: StripeErrorBody = { type: 'card_error', code, message, doc_url: DOCS + code.replaceAll('_', '-') };
  if (extra.param !== undefined) body.param = extra.param;
  if (extra.decline_code !== undefined) body.decline_code = extra.decline_code;
  if (extra.charge !== undefined) body.charge = extra.charge;
  if (extra.payment_method !== undefined) body.payment_method = extra.payment_method;
  return new StripeApiError(402, body);
}

/** A URL Stripe does not serve; a trailing slash (an SDK's `retrieve('')`) gets Stripe's hint about ids. */
export function unrecognizedUrl(method: string, path: string): StripeApiError {
  const hint = path.endsWith('/')
    ? ' If you are trying to list objects, remove the trailing slash. If you are trying to retrieve an object, ' +
      'make sure you passed a valid (non-empty) identifier in your code.'
    : '';
  return new StripeApiError(
    404,
    {
      type: 'invalid_request_error',
      message:
        `Unrecognized request URL (${method}: ${path}).${hint} Please see https://stripe.com/docs ` +
        'or we can help at https://support.stripe.com/.',
    },
    { storable: false },
  );
}

export function authenticationMissing(): StripeApiError {
  return new StripeApiError(
    401,
    {
      type: 'invalid_request_error',
      message:
        'You did not provide an API key. You need to provide your API key in the Authorization header, using ' +
        "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication " +
        'for details, or we can help at https://support.stripe.com/.',
    },
    { storable: false },
  );
}

/** Never echoes the key: only its prefix and last four characters, as Stripe does. */
export function authenticationInvalid(redactedKey: string): StripeApiError {
  return new StripeApiError(
    401,
    {
      type: 'invalid_request_error',
      code: 'api_key_invalid',
      doc_url: DOCS + 'api-key-invalid',
      message: `Invalid API Key provided: ${redactedKey}`,
    },
    { storable: false },
  );
}

export function permissionDenied(message: string): StripeApiError {
  return new StripeApiError(403, { type: 'invalid_request_error', message }, { storable: false });
}

export function idempotencyMismatch(key: string): StripeApiError {
  return new StripeApiError(
    400,
    {
      type: 'idempotency_error',
      message:
        'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
        `Try using a key other than '${key}' if you meant to execute a different request.`,
    },
    { storable: false },
  );
}

export function idempotencyInFlight(key: string): StripeApiError {
  return new StripeApiError(
    409,
    {
      type: 'invalid_request_error',
      code: 'idempotency_key_in_use',
      doc_url: DOCS + 'idempotency-key-in-use',
      message:
        'There is currently another in-progress request using this Stripe API key (or Stripe account) and ' +
        `idempotency key (${key}). Try again later.`,
    },
    { storable: false },
  );
}

export function rateLimited(shouldRetry?: boolean, retryAfterSeconds?: number): StripeApiError {
  const headers: Record<string, string> = {};
  if (shouldRetry !== undefined) headers['Stripe-Should-Retry'] = String(shouldRetry);
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return new StripeApiError(
    429,
    {
      type: 'invalid_request_error',
      code: 'rate_limit',
      doc_url: DOCS + 'rate-limit',
      message:
        'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
    },
    { headers, storable: false },
  );
}

export function serverError(status: number, shouldRetry?: boolean): StripeApiError {
  const headers: Record<string, string> = {};
  if (shouldRetry !== undefined) headers['Stripe-Should-Retry'] = String(shouldRetry);
  return new StripeApiError(
    status,
    {
      type: 'api_error',
      message:
        'An unknown error occurred while processing your request. Please try again, or contact us at ' +
        'https://support.stripe.com/ if the problem persists.',
    },
    { headers, storable: false },
  );
}
