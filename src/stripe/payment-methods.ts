/** Payment method calls. Stripe never returns a card's number (only brand, last 4, expiry, …), nor does the gateway. */
import type Stripe from 'stripe';
import type { StripeCaller } from './call.js';

export class PaymentMethodCalls {
  constructor(private readonly caller: StripeCaller) {}

  retrieve(id: string): Promise<Stripe.PaymentMethod> {
    return this.caller.call((options) => this.caller.stripe.paymentMethods.retrieve(id, {}, options), 'payment method');
  }
}
