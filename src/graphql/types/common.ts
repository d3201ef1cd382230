/** Small shapes several types share: postal addresses and metadata entries. */
import type Stripe from 'stripe';
import { builder } from '../builder.js';

export const AddressRef = builder.objectRef<Stripe.Address>('Address').implement({
  description: 'A postal address, as Stripe stores it (every part optional).',
  fields: (t) => ({
    line1: t.exposeString('line1', { nullable: true, description: 'Street, PO box or company name.' }),
    line2: t.exposeString('line2', { nullable: true, description: 'Apartment, suite, unit or building.' }),
    city: t.exposeString('city', { nullable: true, description: 'City, district, suburb, town or village.' }),
    state: t.exposeString('state', { nullable: true, description: 'State, county, province or region.' }),
    postalCode: t.exposeString('postal_code', { nullable: true, description: 'ZIP or postal code.' }),
    country: t.exposeString('country', { nullable: true, description: 'Two-letter country code (ISO 3166-1 alpha-2).' }),
  }),
});

export interface MetadataEntry {
  key: string;
  value: string;
}

export const MetadataEntryRef = builder.objectRef<MetadataEntry>('MetadataEntry').implement({
  description: 'One key–value pair of the Stripe object’s metadata.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The metadata key.' }),
    value: t.exposeString('value', { description: 'The metadata value.' }),
  }),
});

export function metadataEntries(metadata: Record<string, string> | null | undefined): MetadataEntry[] {
  return Object.entries(metadata ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
}
