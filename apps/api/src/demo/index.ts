/**
 * The demo: a deterministic business (a pure plan from a seed) loaded through
 * clm's public services on an empty database, and a simulator that keeps its
 * customers moving. Started by app.ts when CLM_DEMO says so.
 */
export { startDemo } from './demo';
export type { Demo, DemoOptions } from './demo';
export { loadDemo, DEMO_ACTOR } from './demo-loader';
export type { DemoLoadResult, DemoServices } from './demo-loader';
export { DEMO_CUSTOMERS, DEMO_SEED, DEMO_SEGMENTS, demoExternalId, demoWindows, planDemo } from './demo-plan';
export type { DemoCustomer, DemoPlan, DemoTouchpoint } from './demo-plan';
export { DemoSimulator } from './demo-simulator';
