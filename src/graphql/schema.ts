/** The schema: loads every type module (each registers its types and root fields) and builds it once. */
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './types/money.js';
import './types/common.js';
import './types/node.js';
import './types/customer.js';
import './types/invoice.js';
import './types/invoice-line.js';
import './types/product.js';
import './types/price.js';
import './types/payment-method.js';
import './types/subscription.js';
import './types/subscription-list.js';
import './types/subscription-actions.js';
import './types/invoice-actions.js';
import './types/upcoming-invoice.js';
import './types/portal-configuration.js';
import './types/portal-session.js';
import './types/viewer.js';
import './types/subscription-events.js';

export const schema: GraphQLSchema = builder.toSchema();

/** The schema sorted by name, as printed to `schema/schema.graphql`. */
export const sortedSchema = (): GraphQLSchema => lexicographicSortSchema(schema);
