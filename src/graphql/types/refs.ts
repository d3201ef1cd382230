/**
 * Object refs declared before they are implemented, so that types that point at each other (Customer ↔ Invoice,
 * PortalSession → PortalConfiguration) type-check without cycles between modules.
 */
import type Stripe from 'stripe';
import { builder } from '../builder.js';
import type { NodeModel } from './node.js';

/** A customer known by id; `data` once loaded (or when it came expanded from Stripe). */
export interface CustomerModel extends NodeModel {
  data?: Stripe.Customer;
}

/** A portal configuration known by id; `data` once loaded or expanded. */
export interface PortalConfigurationModel extends NodeModel {
  data?: Stripe.BillingPortal.Configuration;
}

export const CustomerRef = builder.objectRef<CustomerModel>('Customer');
export const InvoiceRef = builder.objectRef<Stripe.Invoice>('Invoice');
export const InvoiceLineItemRef = builder.objectRef<Stripe.InvoiceLineItem>('InvoiceLineItem');
export const PortalConfigurationRef = builder.objectRef<PortalConfigurationModel>('PortalConfiguration');
export const PortalSessionRef = builder.objectRef<Stripe.BillingPortal.Session>('PortalSession');

/** A product known by id (a price names it); `data` once loaded or expanded. */
export interface ProductModel extends NodeModel {
  data?: Stripe.Product;
}

/** A payment method known by id (a customer or subscription names it); `data` once loaded or expanded. */
export interface PaymentMethodModel extends NodeModel {
  data?: Stripe.PaymentMethod;
}

export const BillingSubscriptionRef = builder.objectRef<Stripe.Subscription>('BillingSubscription');
export const PriceRef = builder.objectRef<Stripe.Price>('Price');
export const ProductRef = builder.objectRef<ProductModel>('Product');
export const PaymentMethodRef = builder.objectRef<PaymentMethodModel>('PaymentMethod');
