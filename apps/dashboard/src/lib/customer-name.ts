/** The fields a customer is named by. */
export type NamedCustomer = { id: string; name?: string | null; email?: string | null; externalId?: string | null };

/**
 * How a customer is called on screen: their name, else their email, else the
 * business's own id for them; a customer known only by anonymousIds has not
 * signed up yet and reads "Anonymous visitor" with the start of their id, so
 * two of them can be told apart.
 */
export function customerDisplayName(customer: NamedCustomer): string {
  if (customer.name) return customer.name;
  if (customer.email) return customer.email;
  if (customer.externalId) return customer.externalId;
  return `Anonymous visitor ${shortId(customer.id)}`;
}

/** The first six characters of an id, without the dashes of a UUID. */
export function shortId(id: string): string {
  return `#${id.replace(/-/g, '').slice(0, 6)}`;
}
