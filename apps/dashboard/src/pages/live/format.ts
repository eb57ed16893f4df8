import type { StageTransition } from './types';
import { customerDisplayName } from '../../lib/customer-name';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });

/** Today's events by clock time; late events from earlier days with their date. */
export function formatEventTime(iso: string, now: Date = new Date()): { short: string; full: string } {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return { short: iso, full: iso };
  const sameDay = date.toDateString() === now.toDateString();
  return { short: (sameDay ? timeFormat : dateTimeFormat).format(date), full: fullFormat.format(date) };
}

/** The most human identifier a customer has ("Deleted customer" once erased). */
export function customerLabel(customer: StageTransition['customer']): string {
  if (!customer) return 'Deleted customer';
  return customerDisplayName(customer);
}

/** `inactivity_sweep` → `inactivity sweep`. */
export function formatCause(cause: string): string {
  return cause.replace(/[_-]+/g, ' ').toLowerCase();
}
