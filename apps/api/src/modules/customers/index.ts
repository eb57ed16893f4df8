/**
 * Customers: identity (id, externalId, email), attributes, reads and the
 * `customers` connection, identity resolution for ingest. The lifecycle
 * columns of the customers table are written only by lifecycle's journey
 * writer.
 */
export { Customer, CustomerIdentity } from './customer.type';
export { IdentifyResolver } from './identify.resolver';
export { CUSTOMER_MERGE_STREAM, CustomerMergeResolver } from './customer-merge.resolver';
export { MergeService } from './customer-merge.service';
export type { MergeHooks, MergeStep } from './customer-merge.service';
export { CUSTOMER_MERGE_LOG, CUSTOMER_MERGE_LOG_TABLE } from './customer-merge.sql';
export type { MovedRows } from './customer-merge.sql';
export { IdentifyService, MAX_IDENTIFY_BATCH } from './identify.service';
export type { IdentifyItemResult } from './identify.service';
export type { IdentifySubmission } from './identify-validation';
export { CustomerConnectionResolver, CustomerResolver } from './customer.resolver';
export { CustomerService, MAX_PAGE_SIZE } from './customer.service';
export type { CustomerHooks, CustomerPage } from './customer.service';
export { CustomerError, customerNotFound } from './customer.errors';
export type { CustomerErrorCode } from './customer.errors';
export { CUSTOMER_COLUMNS, CUSTOMER_CREATIONS_TABLE, CUSTOMERS_TABLE, customerFromJson, lockCustomer } from './customer.sql';
export { CUSTOMER_IDENTITIES_TABLE, lockCustomersByIdentity } from './customer-identity.sql';
export type { CustomerJson, CustomerRow } from './customer.sql';
export { customerFilter, METRIC_MEMBERSHIPS, resolveCustomerFilter } from './customer-filter';
export { customersFieldCost } from './customer-cost';
export type {
  CustomerFilterSpec,
  CustomerRelations,
  MetricMembership,
  MetricMembershipSpec,
  ResolvedCustomerFilter,
} from './customer-filter';
export { addDetails, createMissingCustomers, resolveCustomers } from './customer-resolution';
export type { EventClaim, Resolution } from './customer-resolution';
export type { CustomerReference } from './identity';
export { KnownIdentities } from './known-identities';
