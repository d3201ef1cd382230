/** Payment method calls. Stripe never returns a card's number (only brand, last 4, expiry, …), nor does the gateway. */
import type Stripe from 'stripe';
import { readKey } from '../cache/read-through.js';
import type { StripeCaller } from './call.js';

export class PaymentMethodCalls {
  constructor(private readonly caller: StripeCaller) {}

  retrieve(id: string): Promise<Stripe.PaymentMethod> {
    return this.caller.read(
      { key: readKey('paymentMethods.retrieve', id), tags: [] },
      (options) => this.caller.stripe.paymentMethods.retrieve(id, {}, options),
      'payment method',
    );
  }
}
