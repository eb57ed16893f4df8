import { describe, expect, it } from 'vitest';
import { customerDisplayName, shortId } from '../customer-name';
import { pageTitle } from '../usePageTitle';

const id = '5f0c2a9e-1b7d-4c3e-9a51-0d2e6f8b4c17';

describe('how a customer is called', () => {
  it('uses the name, then the email, then the external id', () => {
    expect(customerDisplayName({ id, name: 'Ada Byron', email: 'ada@example.com', externalId: 'u-1' })).toBe('Ada Byron');
    expect(customerDisplayName({ id, name: null, email: 'ada@example.com', externalId: 'u-1' })).toBe('ada@example.com');
    expect(customerDisplayName({ id, name: '', email: null, externalId: 'u-1' })).toBe('u-1');
  });

  it('calls a customer known only by anonymous ids an anonymous visitor, with the start of their id', () => {
    expect(customerDisplayName({ id, name: null, email: null, externalId: null })).toBe('Anonymous visitor #5f0c2a');
    expect(shortId('0d2e6f8b')).toBe('#0d2e6f');
  });
});

describe('the page title', () => {
  it('reads from the most specific part to the product, skipping what is not known yet', () => {
    expect(pageTitle('Settings')).toBe('Settings · clm');
    expect(pageTitle('Ada Byron', 'Customers')).toBe('Ada Byron · Customers · clm');
    expect(pageTitle(null, 'Customers')).toBe('Customers · clm');
  });
});
